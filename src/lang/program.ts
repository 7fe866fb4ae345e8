/**
 * CheckedProgram: what the checker hands to the runtime. Every name is resolved, every attribute
 * validated, defaults filled in, globs in `features` expanded against the source schema.
 *
 * Guarantee: if `compile()` returns a program with no error diagnostics, every field below is
 * well-typed and every reference points at a block of the right kind; the runtime never has to
 * re-validate. Expressions stay as AST (`Expr`) so the runtime evaluates them, but every `name`
 * inside a dataset expression is known to resolve (param -> derive -> source column).
 *
 * `params` fields are canonical JSON-able values taken from the AST (comments/layout never count);
 * the planner hashes them.
 */
import type { Expr, Span } from './ast.js';

export type Value = number | string | boolean | readonly Value[];

export interface SourceSpec {
  readonly format: 'csv' | 'parquet' | 'root';
  /** Paths or globs exactly as written (resolution against the filesystem is the runtime's job). */
  readonly paths: readonly string[];
  /** The file that declared the source (paths are relative to its directory). */
  readonly file: string;
  /** `tree:` for ROOT (TTree or RNTuple name); undefined = the only tree in the file. */
  readonly tree?: string;
  /** Other named options (`sep:`, `header:` for csv ...), canonical. */
  readonly options: Readonly<Record<string, Value>>;
  readonly span: Span;
}

/** `source`, or `signal`/`background`, or one entry per class of `classes { ... }`. */
export interface SourceRole {
  /** 'all' for `source`; 'signal' | 'background'; or the class name. */
  readonly role: string;
  readonly source: SourceSpec;
}

export interface Derived {
  readonly name: string;
  readonly expr: Expr;
  readonly span: Span;
  /** Columns the expression reads (derived and source, not params), in first-use order. */
  readonly uses?: readonly string[];
  /** The checked type: base 'num' | 'bool' | 'str' ('any' when unknown, e.g. without a catalog). */
  readonly type?: { readonly base: 'num' | 'bool' | 'str' | 'any'; readonly shape: 'scalar' | 'jagged' | 'any' };
}

export type SplitSpec =
  | { readonly kind: 'holdout'; readonly test: number; readonly seed: number; readonly by?: string; readonly span: Span }
  | { readonly kind: 'kfold'; readonly k: number; readonly seed: number; readonly by?: string; readonly span: Span };

export interface DatasetDecl {
  readonly kind: 'dataset';
  readonly name: string;
  readonly span: Span;
  readonly sources: readonly SourceRole[];
  /** 'binary' when signal/background or a label; 'multiclass' with `classes`. */
  readonly task: 'binary' | 'multiclass';
  /** Class names in order (binary: ['background', 'signal'], class index 1 = signal). */
  readonly classes: readonly string[];
  /** Boolean expression; present when `source` + `label`. */
  readonly label?: Expr;
  /** Numeric expression; default weight 1. */
  readonly weight?: Expr;
  /** Sentinel value(s) that mean missing. */
  readonly missing: readonly number[];
  readonly cut?: Expr;
  readonly derive: readonly Derived[];
  readonly split?: SplitSpec;
  /** Source columns used by any expression or feature of this dataset (what must be read). */
  readonly usedColumns: readonly string[];
  /** All columns visible: source columns then derived, in declaration order. */
  readonly columns: readonly string[];
}

export interface FeaturesDecl {
  readonly kind: 'features';
  readonly name: string;
  readonly span: Span;
  readonly from: string; // dataset name
  /** Resolved, ordered, de-duplicated column names (globs expanded against the dataset's columns). */
  readonly columns: readonly string[];
}

export type KeepSpec =
  | { readonly kind: 'all' }
  | { readonly kind: 'count'; readonly n: number }
  | { readonly kind: 'fdr'; readonly q: number };

export interface MethodSpec {
  /** 'none' | 'mrmr' | 'rfe' | 'permutation' | 'forward' */
  readonly name: string;
  /** e.g. `{model: 'bdt'}` (the name of a model block). */
  readonly args: Readonly<Record<string, Value>>;
}

export interface SelectDecl {
  readonly kind: 'select';
  readonly name: string;
  readonly span: Span;
  /** A features block (or another select). */
  readonly from: string;
  /** Univariate scores to compute: separation ks anova mutual_info auc fisher. */
  readonly rank: readonly string[];
  readonly by: string;
  readonly method: MethodSpec;
  readonly keep: KeepSpec;
  readonly maxCorr?: number;
  readonly bootstrap?: number;
  readonly permutations?: number;
  readonly bins: number;
  readonly seed: number;
}

export interface AlgorithmSpec {
  /** 'gbdt' | 'bdt_tmva' | 'mlp' | 'fisher' */
  readonly name: string;
  /** Named arguments as written, with defaults NOT filled (the model module owns defaults). */
  readonly params: Readonly<Record<string, Value>>;
  readonly span: Span;
}

export interface ModelDecl {
  readonly kind: 'model';
  readonly name: string;
  readonly span: Span;
  /** A features or select block. */
  readonly features: string;
  readonly algorithm: AlgorithmSpec;
  /** k-fold CV on the training part; undefined = fit once on the whole training part. */
  readonly cv?: number;
  readonly negativeWeights: 'keep' | 'ignore' | 'abs';
  readonly seed: number;
}

export type SpaceDist =
  | { readonly kind: 'choice'; readonly values: readonly Value[] }
  | { readonly kind: 'uniform'; readonly low: number; readonly high: number; readonly step?: number }
  | { readonly kind: 'loguniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'int'; readonly low: number; readonly high: number; readonly step?: number };

export interface SpaceDim {
  readonly name: string;
  /** 'algorithm' (an attribute of the model's algorithm) or 'select' (an attribute of its select, e.g. keep). */
  readonly target: 'algorithm' | 'select';
  readonly dist: SpaceDist;
  readonly span: Span;
}

export interface SearchDecl {
  readonly kind: 'search';
  readonly name: string;
  readonly span: Span;
  readonly model: string;
  readonly space: readonly SpaceDim[];
  readonly strategy:
    | { readonly kind: 'grid' }
    | { readonly kind: 'random'; readonly trials: number; readonly seed: number }
    | { readonly kind: 'bayes'; readonly trials: number; readonly seed: number; readonly startup: number };
  readonly metric: 'auc' | 'ams' | 'significance' | 'logloss';
  readonly cv: number;
  /** Prune a trial whose first folds are clearly worse than the median of finished trials. */
  readonly prune: boolean;
}

export interface ReportDecl {
  readonly kind: 'report';
  readonly name: string;
  readonly span: Span;
  /** Model names, or `SEARCH.best`. */
  readonly models: readonly string[];
  /** A select block for ranking/correlation plots (default: the one the first model uses, if any). */
  readonly select?: string;
  readonly plots: readonly string[];
}

export type BlockDecl = DatasetDecl | FeaturesDecl | SelectDecl | ModelDecl | SearchDecl | ReportDecl;

export interface CheckedProgram {
  /** Every .pipe file read (entry first, then imports), for watch mode. */
  readonly files: readonly string[];
  /** Resolved param values after `--set` overrides. */
  readonly params: Readonly<Record<string, Value>>;
  /** Blocks by name, in a topological order (dependencies first). */
  readonly blocks: readonly BlockDecl[];
}
