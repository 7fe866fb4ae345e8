/**
 * The `.pipe` schema: block kinds and their attributes, column functions with arities, value-producing calls
 * (sources, splits, methods, strategies, distributions), algorithms and their parameters with types and
 * ranges, and the word lists of enum-valued attributes. The single source of truth for the checker, for
 * did-you-mean candidates, and for anyone documenting the language.
 *
 * May import: nothing.
 *
 * Choices: algorithm parameter defaults are NOT here; the model modules own them (program.ts says
 * `AlgorithmSpec.params` holds what was written). Ranges here reject values no algorithm can use.
 */

export const BLOCK_KINDS = ['dataset', 'features', 'select', 'model', 'search', 'report'] as const;
export type KnownBlockKind = (typeof BLOCK_KINDS)[number];

export interface AttrSchema {
  /** One line for docs and help texts. */
  readonly doc: string;
  /** Written `key { ... }` rather than `key = value`. */
  readonly nested?: boolean;
}

export const ATTRIBUTES: Readonly<Record<KnownBlockKind, Readonly<Record<string, AttrSchema>>>> = {
  dataset: {
    source: { doc: 'one source with a `label`: csv(path, sep: ","), parquet(path) or root(path | [paths], tree: "T")' },
    signal: { doc: 'the signal source (with `background`)' },
    background: { doc: 'the background source (with `signal`)' },
    classes: { doc: 'one source per class, `name = source`, for multiclass', nested: true },
    label: { doc: 'boolean expression, true = signal (required with `source`)' },
    weight: { doc: 'numeric event weight expression (default 1)' },
    missing: { doc: 'number or list of numbers that mean missing' },
    cut: { doc: 'boolean expression: rows to keep' },
    derive: { doc: 'derived columns, `name = expression`', nested: true },
    split: { doc: 'holdout(test: 0.3, seed:, by:) or kfold(k, seed:, by:)' },
  },
  features: {
    from: { doc: 'a dataset' },
    include: { doc: 'list of column names or glob strings (`*`, `?`)' },
    exclude: { doc: 'list of column names or glob strings to drop' },
  },
  select: {
    from: { doc: 'a features or select block' },
    rank: { doc: 'univariate scores to compute' },
    by: { doc: 'the score that orders the ranking (default: the first of `rank`)' },
    method: { doc: 'none | mrmr | rfe(model: M) | permutation(model: M) | forward(model: M)' },
    keep: { doc: 'how many to keep: an integer, fdr(q) or all' },
    max_corr: { doc: 'drop the weaker of any pair with |correlation| above this' },
    bootstrap: { doc: 'number of bootstrap resamples for selection stability' },
    permutations: { doc: 'number of permutations for permutation importance / p-values' },
    bins: { doc: 'histogram bins for binned scores (default 40)' },
    seed: { doc: 'random seed (default: param `seed`, else 42)' },
  },
  model: {
    features: { doc: 'a features or select block' },
    algorithm: { doc: 'gbdt(...) | bdt_tmva(...) | mlp(...) | fisher()' },
    cv: { doc: 'k-fold cross-validation on the training part (k >= 2)' },
    negative_weights: { doc: '"keep" | "ignore" | "abs" (default "keep")' },
    seed: { doc: 'random seed (default: param `seed`, else 42)' },
  },
  search: {
    model: { doc: 'the model block to tune' },
    space: { doc: 'one dimension per line: `name = choice(...) | uniform(a, b) | loguniform(a, b) | int(a, b)`', nested: true },
    strategy: { doc: 'grid() | random(trials: N, seed:) | bayes(trials: N, seed:, startup:)' },
    metric: { doc: 'auc | ams | significance | logloss (default auc)' },
    cv: { doc: 'folds per trial (default 3)' },
    prune: { doc: 'stop clearly bad trials early (default true)' },
  },
  report: {
    models: { doc: 'list of model names or `SEARCH.best`' },
    plots: { doc: 'list of plots' },
    select: { doc: 'the select block for ranking and correlation plots' },
  },
};

// ---------------------------------------------------------------------------------------------------
// Column functions (dataset expressions)

export type FunctionKind =
  | 'elementwise' // num -> num, same shape
  | 'elementwise2' // (num, num) -> num, broadcast
  | 'minmax' // 1 arg: per-event reduction of a jagged num; 2 args: elementwise
  | 'reduce-num' // jagged num -> scalar num
  | 'count' // jagged num|bool -> scalar num (bool: number of trues)
  | 'len' // jagged any -> scalar num
  | 'reduce-bool' // jagged bool -> scalar bool
  | 'if' // (bool, T, T) -> T, broadcast
  | 'isnan'; // num -> bool, same shape

export interface FunctionSchema {
  readonly kind: FunctionKind;
  /** How to call it, e.g. `atan2(y, x)`. */
  readonly usage: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly doc: string;
}

const f = (kind: FunctionKind, minArgs: number, maxArgs: number, doc: string, usage: string): FunctionSchema => ({ kind, usage, minArgs, maxArgs, doc });

export const FUNCTIONS: Readonly<Record<string, FunctionSchema>> = {
  abs: f('elementwise', 1, 1, 'absolute value', 'abs(x)'),
  sqrt: f('elementwise', 1, 1, 'square root', 'sqrt(x)'),
  exp: f('elementwise', 1, 1, 'e to the power x', 'exp(x)'),
  log: f('elementwise', 1, 1, 'natural logarithm', 'log(x)'),
  log10: f('elementwise', 1, 1, 'base-10 logarithm', 'log10(x)'),
  sin: f('elementwise', 1, 1, 'sine', 'sin(x)'),
  cos: f('elementwise', 1, 1, 'cosine', 'cos(x)'),
  tan: f('elementwise', 1, 1, 'tangent', 'tan(x)'),
  atan2: f('elementwise2', 2, 2, 'the angle of (x, y), in (-pi, pi]', 'atan2(y, x)'),
  min: f('minmax', 1, 2, 'min(jagged) per event, or min(a, b)', 'min(jagged) or min(a, b)'),
  max: f('minmax', 1, 2, 'max(jagged) per event, or max(a, b)', 'max(jagged) or max(a, b)'),
  sum: f('reduce-num', 1, 1, 'per-event sum of a jagged column', 'sum(jagged)'),
  mean: f('reduce-num', 1, 1, 'per-event mean of a jagged column', 'mean(jagged)'),
  count: f('count', 1, 1, 'per-event number of elements (of trues, for a boolean)', 'count(jagged)'),
  len: f('len', 1, 1, 'per-event number of elements', 'len(jagged)'),
  any: f('reduce-bool', 1, 1, 'per event: is any element true', 'any(jagged boolean)'),
  all: f('reduce-bool', 1, 1, 'per event: are all elements true', 'all(jagged boolean)'),
  if: f('if', 3, 3, 'the then value where the condition holds, else the else value', 'if(condition, then, else)'),
  isnan: f('isnan', 1, 1, 'is the value missing', 'isnan(x)'),
};

// ---------------------------------------------------------------------------------------------------
// Parameter types (algorithm params, call arguments)

export type ParamType =
  | { readonly type: 'int'; readonly min?: number; readonly max?: number }
  | { readonly type: 'num'; readonly min?: number; readonly max?: number; readonly minExclusive?: boolean; readonly maxExclusive?: boolean }
  | { readonly type: 'bool' }
  | { readonly type: 'str'; readonly values?: readonly string[] }
  | { readonly type: 'int[]'; readonly min?: number };

const int = (min?: number, max?: number): ParamType => ({ type: 'int', ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) });
const num = (min?: number, max?: number, minExclusive = false, maxExclusive = false): ParamType => ({
  type: 'num',
  ...(min !== undefined ? { min } : {}),
  ...(max !== undefined ? { max } : {}),
  minExclusive,
  maxExclusive,
});
const bool: ParamType = { type: 'bool' };
const str = (values?: readonly string[]): ParamType => (values ? { type: 'str', values } : { type: 'str' });

export interface AlgorithmSchema {
  readonly doc: string;
  readonly params: Readonly<Record<string, ParamType>>;
}

export const ALGORITHMS: Readonly<Record<string, AlgorithmSchema>> = {
  gbdt: {
    doc: 'histogram gradient-boosted decision trees',
    params: {
      trees: int(1),
      depth: int(1, 20),
      learning_rate: num(0, 1, true, false),
      min_child_weight: num(0),
      lambda: num(0),
      alpha: num(0),
      gamma: num(0),
      subsample: num(0, 1, true, false),
      colsample: num(0, 1, true, false),
      bins: int(2, 256),
      early_stopping: int(0),
    },
  },
  bdt_tmva: {
    doc: 'TMVA-style boosted decision trees (AdaBoost by default)',
    params: {
      trees: int(1),
      depth: int(1, 20),
      beta: num(0, undefined, true),
      cuts: int(2),
      min_node_size: num(0, 50, true, false),
      boost: str(),
      separation: str(),
      output: str(['raw', 'probability']),
    },
  },
  mlp: {
    doc: 'multilayer perceptron (own wasm SIMD kernels; tfjs with backend: "tfjs")',
    params: {
      layers: { type: 'int[]', min: 1 },
      activation: str(['relu', 'tanh', 'elu', 'sigmoid']),
      dropout: num(0, 1, false, true),
      batchnorm: bool,
      optimizer: str(['adam', 'sgd']),
      lr: num(0, undefined, true),
      epochs: int(1),
      batch: int(1),
      early_stopping: int(0),
      class_weight: str(['balanced', 'none']),
      weight_decay: num(0),
      momentum: num(0, 1, false, true),
      validation_fraction: num(0, 1, true, true),
      backend: str(['native', 'tfjs']),
    },
  },
  fisher: { doc: 'Fisher linear discriminant', params: { output: str(['probability', 'raw']) } },
};

// ---------------------------------------------------------------------------------------------------
// Value-producing calls: sources, splits, selection methods, keep, strategies, distributions

export interface CallSchema {
  /** Positional parameters, in order (each may also be given by name). */
  readonly positional: readonly string[];
  /** Named-only parameters. */
  readonly named: readonly string[];
  readonly required: readonly string[];
  readonly doc: string;
  /** Takes any number of positional values (`choice`). */
  readonly variadic?: boolean;
}

const call = (positional: string[], named: string[], required: string[], doc: string): CallSchema => ({ positional, named, required, doc });

export const SOURCES: Readonly<Record<'csv' | 'parquet' | 'root', CallSchema>> = {
  csv: call(['path'], ['sep', 'header'], ['path'], 'csv(path, sep: ",", header: true)'),
  parquet: call(['path'], [], ['path'], 'parquet(path)'),
  root: call(['path'], ['tree'], ['path'], 'root(path | [paths], tree: "T")'),
};

export const SPLITS: Readonly<Record<'holdout' | 'kfold', CallSchema>> = {
  holdout: call(['test'], ['seed', 'by'], ['test'], 'holdout(test: 0.3, seed: N, by: column)'),
  kfold: call(['k'], ['seed', 'by'], ['k'], 'kfold(k, seed: N, by: column)'),
};

export const METHODS: Readonly<Record<string, CallSchema>> = {
  none: call([], [], [], 'keep the ranking order'),
  mrmr: call([], [], [], 'minimum redundancy, maximum relevance'),
  rfe: call(['model'], [], ['model'], 'recursive feature elimination with a model'),
  permutation: call(['model'], [], ['model'], 'permutation importance of a model'),
  forward: call(['model'], [], ['model'], 'forward selection with a model'),
};

export const KEEP_FORMS: Readonly<Record<'fdr', CallSchema>> = {
  fdr: call(['q'], [], ['q'], 'keep the variables whose p-value passes Benjamini-Hochberg at rate q'),
};

export const STRATEGIES: Readonly<Record<'grid' | 'random' | 'bayes', CallSchema>> = {
  grid: call([], [], [], 'every combination of a finite space'),
  random: call([], ['trials', 'seed'], ['trials'], 'random(trials: N, seed: N)'),
  bayes: call([], ['trials', 'seed', 'startup'], ['trials'], 'bayes(trials: N, seed: N, startup: N)'),
};

export const DISTRIBUTIONS: Readonly<Record<'choice' | 'uniform' | 'loguniform' | 'int', CallSchema>> = {
  choice: { ...call([], [], [], 'choice(v1, v2, ...)'), variadic: true },
  uniform: call(['low', 'high'], ['step'], ['low', 'high'], 'uniform(low, high, step: s)'),
  loguniform: call(['low', 'high'], [], ['low', 'high'], 'loguniform(low, high)'),
  int: call(['low', 'high'], ['step'], ['low', 'high'], 'int(low, high, step: s)'),
};

// ---------------------------------------------------------------------------------------------------
// Words

export const RANK_SCORES = ['separation', 'ks', 'anova', 'mutual_info', 'mutual_info_hist', 'auc', 'fisher'] as const;
export const METRICS = ['auc', 'ams', 'significance', 'logloss'] as const;
export const PLOTS = ['roc', 'scores', 'overtraining', 'ranking', 'correlation', 'inputs', 'learning', 'search', 'parallel', 'ams'] as const;
export const NEGATIVE_WEIGHTS = ['keep', 'ignore', 'abs'] as const;

/** Plots shown when `plots` is not given (ranking/correlation only when there is a select). */
export const DEFAULT_PLOTS = ['roc', 'scores', 'overtraining', 'ranking', 'correlation'] as const;
/** Seed used when neither the attribute nor a `param seed` is given. */
export const DEFAULT_SEED = 42;
export const DEFAULT_BINS = 40;
export const DEFAULT_SEARCH_CV = 3;
export const DEFAULT_TRIALS = 20;
export const DEFAULT_BAYES_STARTUP = 10;
