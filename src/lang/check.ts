/**
 * The checker: parsed modules -> CheckedProgram (program.ts), with every problem as a Diagnostic.
 *
 * May import: ast, program (types), schema, diagnostics. No IO: files come through the SourceHost in
 * `compile()` (index.ts) and source schemas through the ColumnCatalog declared here (the runtime implements it).
 *
 * What it does, in order:
 *  1. params: constant-folds each `param` (params may use params; cycles are E0404), applies `--set`
 *     overrides (number, then true/false, else string; an unknown name is E0213 with did-you-mean);
 *  2. blocks: known kinds (E0203), names unique across kinds and files (E0206), attributes known (E0204) and
 *     given once (E0207);
 *  3. datasets: sources, then (through the catalog, all at once) their columns; names in expressions resolve
 *     param -> derive -> source column with did-you-mean; expressions are typed (below); derive cycles E0402;
 *  4. features, models, selects, searches, reports: references must name a block of the right kind (E0212),
 *     values are constants of the right type and range; defaults are filled;
 *  5. the blocks are ordered topologically (dependencies first); a reference cycle is E0403.
 *
 * Expression types: a base type (bool, num, str) and a shape (scalar or jagged, i.e. a variable-length list
 * per event). Arithmetic and comparisons are element-wise on jagged values and broadcast scalars; `sum mean
 * count len any all` and one-argument `min max` reduce a jagged value per event; `x[i]` takes one element
 * (missing when out of range). A bool is accepted where a number is expected (true = 1), never the reverse.
 * Without a catalog, unknown names are taken to be source columns of unknown type (nothing is reported).
 *
 * Feature globs skip the columns the dataset uses as its label, weight or split `by` (so `include = ["*"]`
 * means the input variables); names given explicitly are never skipped. Without `include`, the features are
 * every numeric per-event column except those (jagged and string columns are left out silently). Without a catalog, globs match only derived columns and an empty result is not an error.
 *
 * Names: block names are unique across kinds, except that a report may share its name with a block of another
 * kind (nothing refers to a report, and LANGUAGE.md's own example has `dataset higgs` and `report higgs`).
 * A backticked name is always a column, never a param.
 *
 * Choices: one diagnostic per problem, so a value already reported (undefined name, unknown block) becomes
 * "unknown" and is not reported again downstream.
 */
import type { Attribute, Block, BlockItem, Expr, Module, NestedBlock, ParamDecl, Span } from './ast.js';
import { didYouMean, error, hasErrors, type Diagnostic, type Label } from './diagnostics.js';
import type {
  AlgorithmSpec,
  BlockDecl,
  CheckedProgram,
  DatasetDecl,
  Derived,
  FeaturesDecl,
  KeepSpec,
  MethodSpec,
  ModelDecl,
  ReportDecl,
  SearchDecl,
  SelectDecl,
  SourceRole,
  SourceSpec,
  SpaceDim,
  SpaceDist,
  SplitSpec,
  Value,
} from './program.js';
import * as S from './schema.js';

/** A source column as the catalog reports it (same shape as runtime/io/table.ts ColumnInfo). */
export interface ColumnInfo {
  readonly name: string;
  /** 'float64', 'int32', 'bool', 'string', 'jagged<float32>', ... */
  readonly type: string;
}

export interface ColumnCatalog {
  schema(source: SourceSpec): Promise<{ ok: true; columns: ColumnInfo[] } | { ok: false; message: string }>;
}

export interface CheckOptions {
  readonly catalog?: ColumnCatalog;
  /** `--set name=value` overrides of params. */
  readonly overrides?: Readonly<Record<string, string>>;
}

/**
 * The pseudo-file of `--set` overrides: its text is `overrideText(overrides)`, one `name=value` per line, and a
 * diagnostic about an override points into its line.
 */
export const OVERRIDE_FILE = '--set';

export function overrideText(overrides: Readonly<Record<string, string>>): string {
  return Object.entries(overrides)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Types of expressions

type Base = 'num' | 'bool' | 'str' | 'any';
type Shape = 'scalar' | 'jagged' | 'any';
interface Ty {
  readonly base: Base;
  readonly shape: Shape;
}
const ANY: Ty = { base: 'any', shape: 'any' };
const ty = (base: Base, shape: Shape): Ty => ({ base, shape });

/** Maps a catalog type string to an expression type. */
export function columnType(t: string): { base: 'num' | 'bool' | 'str'; shape: 'scalar' | 'jagged' } {
  const s = t.toLowerCase();
  const jagged = s.startsWith('jagged') || s.startsWith('list') || s.endsWith('[]') || s.startsWith('vector');
  const inner = jagged ? s.replace(/^(jagged|list|vector)\s*<\s*/, '').replace(/>\s*$/, '').replace(/\[\]$/, '') : s;
  const base = inner === 'bool' || inner === 'boolean' ? 'bool' : inner === 'string' || inner === 'str' || inner === 'utf8' ? 'str' : 'num';
  return { base, shape: jagged ? 'jagged' : 'scalar' };
}

function describeTy(t: Ty): string {
  const b = t.base === 'num' ? 'number' : t.base === 'bool' ? 'boolean' : t.base === 'str' ? 'string' : 'value';
  return t.shape === 'jagged' ? `a jagged ${b}` : `a ${b}`;
}

function isNum(t: Ty): boolean {
  return t.base === 'num' || t.base === 'bool' || t.base === 'any';
}
function joinShape(...ts: Ty[]): Shape {
  if (ts.some((t) => t.shape === 'jagged')) return 'jagged';
  if (ts.some((t) => t.shape === 'any')) return 'any';
  return 'scalar';
}

function valueKind(v: Value): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'an integer' : 'a number';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  return 'a list';
}

function showValue(v: Value): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(showValue).join(', ')}]`;
  return String(v);
}

function exprWord(e: Expr): string {
  switch (e.kind) {
    case 'num':
      return 'a number';
    case 'str':
      return 'a string';
    case 'bool':
      return 'a boolean';
    case 'list':
      return 'a list';
    case 'name':
      return `\`${e.name}\``;
    case 'call':
      return `a call of \`${e.callee}\``;
    case 'member':
      return 'a member access';
    case 'index':
      return 'an index';
    case 'unary':
    case 'binary':
      return 'an expression';
    case 'error':
      return 'an error';
  }
}

// ---------------------------------------------------------------------------------------------------

interface ParamEntry {
  readonly decl: ParamDecl;
  value?: Value;
  overridden?: boolean;
}

interface ColumnsInfo {
  /** Columns present in every source, in the order of the first source. */
  readonly all: Map<string, Ty>;
  /** Columns present in some source only. */
  readonly some: Set<string>;
  /** Columns of a type winnow cannot read yet (catalog type `root:…`), with that type. */
  readonly unreadable: Map<string, string>;
}

interface DatasetState {
  readonly block: Block;
  readonly attrs: Map<string, Attribute | NestedBlock>;
  sources: SourceRole[];
  /** undefined: columns not known (no catalog, or the catalog failed). */
  columns?: ColumnsInfo;
  derive: Map<string, Attribute>;
  deriveTypes: Map<string, Ty>;
  used: Set<string>;
  /** Columns used as label/weight/split-by: skipped by feature globs. */
  roleColumns: Set<string>;
  missing: number[];
  split?: SplitSpec | undefined;
  /** Exactly one of source / signal+background / classes was given. */
  formsOk?: boolean;
  decl?: DatasetDecl;
}

export class Checker {
  readonly diagnostics: Diagnostic[] = [];
  private readonly params = new Map<string, ParamEntry>();
  /** Every block but reports, by name (names are unique across these kinds). */
  private readonly blocks = new Map<string, Block>();
  /** Reports, by name (unique among reports; may equal another block's name). */
  private readonly reports = new Map<string, Block>();
  private readonly reportOut = new Map<string, ReportDecl>();
  private readonly datasets = new Map<string, DatasetState>();
  private readonly out = new Map<string, BlockDecl>();
  /** Dependency edges between blocks, for ordering and cycles. */
  private readonly deps = new Map<string, { to: string; span: Span }[]>();

  constructor(
    private readonly modules: readonly Module[],
    private readonly opts: CheckOptions,
  ) {}

  private err(code: Parameters<typeof error>[0], message: string, span: Span, extra?: { labels?: readonly Label[]; help?: string }): void {
    this.diagnostics.push(error(code, message, span, extra));
  }

  async run(): Promise<CheckedProgram | undefined> {
    this.collect();
    this.checkParams();
    // Datasets: sources first, then every schema at once, then expressions.
    for (const [name, b] of this.blocks) if (b.blockKind === 'dataset') this.datasetSources(name, b);
    await this.fetchSchemas();
    for (const st of this.datasets.values()) this.datasetBody(st);
    for (const b of this.blocks.values()) {
      if (b.blockKind === 'features') this.features(b);
    }
    for (const st of this.datasets.values()) this.finishDataset(st);
    for (const b of this.blocks.values()) if (b.blockKind === 'model') this.model(b);
    for (const b of this.blocks.values()) if (b.blockKind === 'select') this.select(b);
    for (const b of this.blocks.values()) if (b.blockKind === 'search') this.search(b);
    for (const b of this.reports.values()) this.report(b);
    const order = this.order();
    if (hasErrors(this.diagnostics)) return undefined;
    const params: Record<string, Value> = {};
    for (const [n, p] of this.params) if (p.value !== undefined) params[n] = p.value;
    return {
      files: this.modules.map((m) => m.file),
      params,
      blocks: [...order.map((n) => this.out.get(n)), ...this.reportOut.values()].filter((d): d is BlockDecl => d !== undefined),
    };
  }

  // 1-2. Declarations -------------------------------------------------------------------------------

  private collect(): void {
    const blockKinds: readonly string[] = S.BLOCK_KINDS;
    for (const m of this.modules) {
      for (const d of m.decls) {
        if (d.kind === 'param') {
          if (d.name === '') continue;
          const prev = this.params.get(d.name);
          if (prev !== undefined) {
            this.err('E0208', `param \`${d.name}\` is defined twice`, d.nameSpan, {
              labels: [{ span: prev.decl.nameSpan, message: 'first defined here' }],
            });
          } else this.params.set(d.name, { decl: d });
        } else if (d.kind === 'block') {
          if (d.blockKind === '' || d.name === '') continue;
          if (!blockKinds.includes(d.blockKind)) {
            this.err('E0203', `unknown block kind \`${d.blockKind}\``, d.kindSpan, {
              help: didYouMean(d.blockKind, blockKinds) ?? `a block is one of: ${blockKinds.join(', ')}`,
            });
            continue;
          }
          // A report may share its name with a block of another kind: nothing refers to a report, so no
          // reference is ambiguous (LANGUAGE.md's own example has `dataset higgs` and `report higgs`).
          const prev = d.blockKind === 'report' ? this.reports.get(d.name) : this.blocks.get(d.name);
          if (prev !== undefined) {
            this.err('E0206', `the name \`${d.name}\` is used by two blocks`, d.nameSpan, {
              labels: [{ span: prev.nameSpan, message: `first used by ${prev.blockKind} \`${prev.name}\`` }],
              help: 'block names are unique across kinds',
            });
            continue;
          }
          if (d.blockKind === 'report') this.reports.set(d.name, d);
          else this.blocks.set(d.name, d);
        }
      }
    }
  }

  private checkParams(): void {
    let offset = 0;
    const overrideSpans = new Map<string, Span>();
    for (const [name, raw] of Object.entries(this.opts.overrides ?? {})) {
      const start = offset;
      offset += name.length + raw.length + 2;
      overrideSpans.set(name, { file: OVERRIDE_FILE, start, end: start + name.length + 1 + raw.length });
      const p = this.params.get(name);
      if (p === undefined) {
        this.err('E0213', `\`--set ${name}\`: no param \`${name}\``, { file: OVERRIDE_FILE, start, end: start + name.length }, {
          help: didYouMean(name, this.params.keys()) ?? (this.params.size > 0 ? `the params are: ${[...this.params.keys()].join(', ')}` : 'the file declares no param'),
        });
        continue;
      }
      p.value = parseOverride(raw);
      p.overridden = true;
    }
    // Param cycles, then values.
    const names = [...this.params.keys()];
    findCycles(
      names,
      (n) => paramRefs(this.params.get(n)!.decl.value).filter((r) => this.params.has(r.name)).map((r) => ({ to: r.name, span: r.span })),
      (path, span) =>
        this.err('E0404', `cycle between params: ${path.map((p) => `\`${p}\``).join(' -> ')}`, span),
    );
    const state = new Map<string, 'busy' | 'done'>();
    const evalParam = (n: string): Value | undefined => {
      const p = this.params.get(n)!;
      if (state.get(n) === 'done') return p.value;
      if (state.get(n) === 'busy') return undefined;
      state.set(n, 'busy');
      const v = this.constValue(p.decl.value, (name) => (this.params.has(name) ? { found: true, value: evalParam(name) } : { found: false }));
      if (!p.overridden) p.value = v;
      state.set(n, 'done');
      return p.value;
    };
    for (const n of names) evalParam(n);
    // `param seed` is the default seed of every split, selection, model and search: it must be an integer.
    const seed = this.params.get('seed');
    if (seed?.value !== undefined && !(typeof seed.value === 'number' && Number.isInteger(seed.value))) {
      const at = seed.overridden === true ? overrideSpans.get('seed')! : seed.decl.value.span;
      this.err('E0301', `param \`seed\` must be an integer, found ${showValue(seed.value)}`, at, {
        help: 'it is the default seed of every split, selection, model and search',
      });
    }
  }

  /** Attributes of a block body: unknown and duplicate keys reported, nested vs `=` form checked. */
  private attributes(b: Block, kind: S.KnownBlockKind): Map<string, Attribute | NestedBlock> {
    const schema = S.ATTRIBUTES[kind];
    const m = new Map<string, Attribute | NestedBlock>();
    for (const it of b.body) {
      const a = schema[it.key];
      if (a === undefined) {
        this.err('E0204', `unknown attribute \`${it.key}\` for a ${kind}`, it.keySpan, {
          help: didYouMean(it.key, Object.keys(schema)) ?? `a ${kind} has: ${Object.keys(schema).join(', ')}`,
        });
        continue;
      }
      const prev = m.get(it.key);
      if (prev !== undefined) {
        this.err('E0207', `\`${it.key}\` is given twice`, it.keySpan, { labels: [{ span: prev.keySpan, message: 'first given here' }] });
        continue;
      }
      if (a.nested === true && it.kind === 'attr') {
        this.err('E0301', `\`${it.key}\` is a block, not a value`, it.keySpan, { help: `write \`${it.key} { name = ... }\`` });
        continue;
      }
      if (a.nested !== true && it.kind === 'nested') {
        this.err('E0301', `\`${it.key}\` takes a value, not a block`, it.keySpan, { help: `write \`${it.key} = ...\`` });
        continue;
      }
      m.set(it.key, it);
    }
    return m;
  }

  private missing(b: Block, what: string, help?: string): void {
    this.err('E0304', `${b.blockKind} \`${b.name}\` has no \`${what}\``, b.nameSpan, help !== undefined ? { help } : undefined);
  }

  private seedDefault(): number {
    const s = this.params.get('seed')?.value;
    return typeof s === 'number' && Number.isInteger(s) ? s : S.DEFAULT_SEED;
  }

  // Constants ----------------------------------------------------------------------------------------

  /**
   * Folds a constant expression (literals, lists, params, arithmetic). Reports E0310 for anything else and
   * E0202 for an undefined name. `lookup` resolves names (params by default).
   */
  private constValue(
    e: Expr,
    lookup: (name: string) => { found: boolean; value?: Value | undefined } = (n) => {
      const p = this.params.get(n);
      return p === undefined ? { found: false } : { found: true, value: p.value };
    },
  ): Value | undefined {
    switch (e.kind) {
      case 'num':
        return e.value;
      case 'str':
        return e.value;
      case 'bool':
        return e.value;
      case 'error':
        return undefined;
      case 'list': {
        const items: Value[] = [];
        let ok = true;
        for (const it of e.items) {
          const v = this.constValue(it, lookup);
          if (v === undefined) ok = false;
          else items.push(v);
        }
        return ok ? items : undefined;
      }
      case 'name': {
        const r = lookup(e.name);
        if (!r.found) {
          this.err('E0202', `undefined name \`${e.name}\``, e.span, {
            help: didYouMean(e.name, this.params.keys()) ?? (e.quoted ? undefined : 'only params and literals can be used here'),
          });
          return undefined;
        }
        return r.value;
      }
      case 'unary': {
        const v = this.constValue(e.operand, lookup);
        if (v === undefined) return undefined;
        if (e.op === '-' && typeof v === 'number') return -v;
        if (e.op === '!' && typeof v === 'boolean') return !v;
        this.err('E0301', `\`${e.op}\` cannot apply to ${valueKind(v)}`, e.span);
        return undefined;
      }
      case 'binary': {
        const l = this.constValue(e.left, lookup);
        const r = this.constValue(e.right, lookup);
        if (l === undefined || r === undefined) return undefined;
        if (typeof l === 'number' && typeof r === 'number') {
          switch (e.op) {
            case '+':
              return l + r;
            case '-':
              return l - r;
            case '*':
              return l * r;
            case '/':
              return l / r;
            case '%':
              return l % r;
            case '**':
              return l ** r;
            default:
              break;
          }
        }
        if (typeof l === 'string' && typeof r === 'string' && e.op === '+') return l + r;
        this.err('E0310', `expected a constant value, found \`${e.op}\` of ${valueKind(l)} and ${valueKind(r)}`, e.span);
        return undefined;
      }
      case 'call':
      case 'member':
      case 'index':
        this.err('E0310', `expected a constant value, found ${exprWord(e)}`, e.span);
        return undefined;
    }
  }

  /** Checks a constant against a parameter type; returns the value when it fits. */
  private checkValue(v: Value, t: S.ParamType, what: string, span: Span): Value | undefined {
    switch (t.type) {
      case 'int':
        if (typeof v !== 'number' || !Number.isInteger(v)) {
          this.err('E0301', `\`${what}\` must be an integer, found ${typeof v === 'number' ? showValue(v) : valueKind(v)}`, span);
          return undefined;
        }
        if ((t.min !== undefined && v < t.min) || (t.max !== undefined && v > t.max)) {
          this.err('E0303', `\`${what}\` must be ${rangeText(t)}, found ${v}`, span);
          return undefined;
        }
        return v;
      case 'num':
        if (typeof v !== 'number' || Number.isNaN(v)) {
          this.err('E0301', `\`${what}\` must be a number, found ${valueKind(v)}`, span);
          return undefined;
        }
        if (
          (t.min !== undefined && (t.minExclusive === true ? v <= t.min : v < t.min)) ||
          (t.max !== undefined && (t.maxExclusive === true ? v >= t.max : v > t.max))
        ) {
          this.err('E0303', `\`${what}\` must be ${rangeText(t)}, found ${v}`, span);
          return undefined;
        }
        return v;
      case 'bool':
        if (typeof v !== 'boolean') {
          this.err('E0301', `\`${what}\` must be true or false, found ${valueKind(v)}`, span);
          return undefined;
        }
        return v;
      case 'str':
        if (typeof v !== 'string') {
          this.err('E0301', `\`${what}\` must be a string, found ${valueKind(v)}`, span);
          return undefined;
        }
        if (t.values !== undefined && !t.values.includes(v)) {
          this.err('E0211', `\`${what}\` cannot be ${JSON.stringify(v)}`, span, {
            help: didYouMean(v, t.values) ?? `expected one of: ${t.values.map((x) => JSON.stringify(x)).join(', ')}`,
          });
          return undefined;
        }
        return v;
      case 'int[]':
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isInteger(x))) {
          this.err('E0301', `\`${what}\` must be a list of integers, found ${Array.isArray(v) ? showValue(v) : valueKind(v)}`, span);
          return undefined;
        }
        if (t.min !== undefined && (v as number[]).some((x) => x < t.min!)) {
          this.err('E0303', `every item of \`${what}\` must be at least ${t.min}`, span);
          return undefined;
        }
        return v;
    }
  }

  private typedConst(e: Expr, t: S.ParamType, what: string): Value | undefined {
    const v = this.constValue(e);
    return v === undefined ? undefined : this.checkValue(v, t, what, e.span);
  }

  /** A word from a fixed set, written bare (`separation`) or as a string. */
  private word(e: Expr, words: readonly string[], what: string): string | undefined {
    let w: string | undefined;
    if (e.kind === 'name' && !e.quoted) w = e.name;
    else if (e.kind === 'str') w = e.value;
    else if (e.kind === 'call' && e.args.length === 0 && e.named.length === 0) w = e.callee;
    else if (e.kind === 'error') return undefined;
    else {
      this.err('E0301', `\`${what}\` must be one of: ${words.join(', ')}; found ${exprWord(e)}`, e.span);
      return undefined;
    }
    if (!words.includes(w)) {
      this.err('E0211', `unknown ${what} \`${w}\``, e.span, { help: didYouMean(w, words) ?? `expected one of: ${words.join(', ')}` });
      return undefined;
    }
    return w;
  }

  private words(e: Expr, words: readonly string[], what: string, attr: string): string[] | undefined {
    if (e.kind === 'error') return undefined;
    const items = e.kind === 'list' ? e.items : [e];
    const out: string[] = [];
    let ok = true;
    for (const it of items) {
      const w = this.word(it, words, what);
      if (w === undefined) ok = false;
      else if (!out.includes(w)) out.push(w);
    }
    if (ok && out.length === 0) {
      this.err('E0311', `\`${attr}\` is empty`, e.span, { help: `list at least one of: ${words.join(', ')}` });
      return undefined;
    }
    return ok ? out : undefined;
  }

  /** A reference to a block of one of `kinds`; records the dependency edge of `from`. */
  private ref(e: Expr, kinds: readonly S.KnownBlockKind[], from: string): string | undefined {
    if (e.kind === 'error') return undefined;
    const want = kinds.length === 1 ? `a ${kinds[0]!} block` : `a ${kinds.slice(0, -1).join(', ')} or ${kinds[kinds.length - 1]!} block`;
    if (e.kind !== 'name' || e.quoted) {
      this.err('E0301', `expected the name of ${want}, found ${exprWord(e)}`, e.span);
      return undefined;
    }
    const b = this.blocks.get(e.name);
    if (b === undefined) {
      const candidates = [...this.blocks.values()].filter((x) => (kinds as readonly string[]).includes(x.blockKind)).map((x) => x.name);
      this.err('E0202', `undefined name \`${e.name}\``, e.span, {
        labels: [{ span: e.span, message: `no ${kinds.join(' or ')} of this name` }],
        ...(didYouMean(e.name, candidates) !== undefined ? { help: didYouMean(e.name, candidates)! } : {}),
      });
      return undefined;
    }
    if (!(kinds as readonly string[]).includes(b.blockKind)) {
      this.err('E0212', `\`${e.name}\` is a ${b.blockKind} block, expected ${want}`, e.span, {
        labels: [{ span: b.nameSpan, message: `${b.blockKind} \`${b.name}\` is defined here` }],
      });
      return undefined;
    }
    this.edge(from, e.name, e.span);
    return e.name;
  }

  private edge(from: string, to: string, span: Span): void {
    const l = this.deps.get(from) ?? [];
    l.push({ to, span });
    this.deps.set(from, l);
  }

  /**
   * Binds the arguments of a value-producing call to a CallSchema: too many positional (E0302), unknown named
   * (E0214), given twice (E0217), missing required (E0304).
   */
  private bind(c: Extract<Expr, { kind: 'call' }>, schema: S.CallSchema): Map<string, Expr> | undefined {
    const m = new Map<string, Expr>();
    let ok = true;
    c.args.forEach((a, i) => {
      const p = schema.variadic === true ? String(i) : schema.positional[i];
      if (p === undefined) {
        const n = schema.positional.length;
        this.err('E0302', `\`${c.callee}\` takes ${n === 0 ? 'no' : `at most ${n}`} positional argument${n === 1 ? '' : 's'}`, a.span, {
          ...(schema.named.length > 0 || n > 0 ? { help: `${schema.doc}` } : {}),
        });
        ok = false;
      } else m.set(p, a);
    });
    const all = [...schema.positional, ...schema.named];
    for (const n of c.named) {
      if (!all.includes(n.name)) {
        this.err('E0214', `\`${c.callee}\` has no argument \`${n.name}\``, n.nameSpan, {
          help: didYouMean(n.name, all) ?? (all.length > 0 ? `its arguments are: ${all.join(', ')}` : `\`${c.callee}\` takes no arguments`),
        });
        ok = false;
        continue;
      }
      if (m.has(n.name)) {
        this.err('E0217', `argument \`${n.name}\` is given twice`, n.nameSpan);
        ok = false;
        continue;
      }
      m.set(n.name, n.value);
    }
    for (const r of schema.required) {
      if (!m.has(r) && ok) {
        this.err('E0304', `\`${c.callee}\` needs \`${r}\``, c.span, { help: schema.doc });
        ok = false;
      }
    }
    return ok ? m : undefined;
  }

  /** `name(...)` or a bare `name` from a table of call forms; reports unknown names. */
  private callForm<K extends string>(e: Expr, table: Readonly<Record<K, S.CallSchema>>, what: string): { name: K; args: Map<string, Expr>; span: Span } | undefined {
    if (e.kind === 'error') return undefined;
    const names = Object.keys(table) as K[];
    let name: string;
    let c: Extract<Expr, { kind: 'call' }>;
    if (e.kind === 'call') {
      name = e.callee;
      c = e;
    } else if (e.kind === 'name' && !e.quoted) {
      name = e.name;
      c = { kind: 'call', callee: e.name, calleeSpan: e.span, args: [], named: [], span: e.span };
    } else {
      this.err('E0301', `\`${what}\` must be one of: ${names.map((n) => `${n}(...)`).join(', ')}; found ${exprWord(e)}`, e.span);
      return undefined;
    }
    if (!(names as string[]).includes(name)) {
      this.err(what === 'algorithm' ? 'E0215' : 'E0211', `unknown ${what} \`${name}\``, c.calleeSpan, {
        help: didYouMean(name, names) ?? `expected one of: ${names.join(', ')}`,
      });
      return undefined;
    }
    const args = this.bind(c, table[name as K]);
    return args === undefined ? undefined : { name: name as K, args, span: e.span };
  }

  // 3. Datasets --------------------------------------------------------------------------------------

  private datasetSources(name: string, b: Block): void {
    const attrs = this.attributes(b, 'dataset');
    const st: DatasetState = { block: b, attrs, sources: [], derive: new Map(), deriveTypes: new Map(), used: new Set(), roleColumns: new Set(), missing: [] };
    this.datasets.set(name, st);
    const src = attrs.get('source');
    const sig = attrs.get('signal');
    const bkg = attrs.get('background');
    const cls = attrs.get('classes');
    const forms = [src && 'source', (sig || bkg) && 'signal/background', cls && 'classes'].filter((x): x is string => typeof x === 'string');
    st.formsOk = forms.length === 1;
    if (forms.length > 1) {
      const second = [src, sig ?? bkg, cls].filter((x) => x !== undefined)[1]!;
      this.err('E0305', `a dataset takes one of \`source\`, \`signal\`/\`background\` or \`classes\`; \`${b.name}\` has ${forms.join(' and ')}`, second.keySpan);
      return;
    }
    if (forms.length === 0) {
      this.missing(b, 'source', 'add `source = csv("...")` with a `label`, or `signal` and `background`, or `classes { ... }`');
      return;
    }
    const one = (a: Attribute | NestedBlock | undefined, role: string): void => {
      if (a?.kind !== 'attr') return;
      const s = this.source(a.value, b.nameSpan.file);
      if (s !== undefined) st.sources.push({ role, source: s });
    };
    if (src !== undefined) one(src, 'all');
    else if (sig !== undefined || bkg !== undefined) {
      if (sig === undefined) this.missing(b, 'signal', 'signal and background are given together');
      if (bkg === undefined) this.missing(b, 'background', 'signal and background are given together');
      one(sig, 'signal');
      one(bkg, 'background');
    } else if (cls?.kind === 'nested') {
      const seen = new Map<string, BlockItem>();
      for (const it of cls.body) {
        if (it.kind === 'nested') {
          this.err('E0301', `class \`${it.key}\` must be a source, not a block`, it.keySpan);
          continue;
        }
        const prev = seen.get(it.key);
        if (prev !== undefined) {
          this.err('E0209', `class \`${it.key}\` is defined twice`, it.keySpan, { labels: [{ span: prev.keySpan, message: 'first defined here' }] });
          continue;
        }
        seen.set(it.key, it);
        one(it, it.key);
      }
      if (seen.size < 2) this.err('E0303', `\`classes\` needs at least two classes, found ${seen.size}`, cls.keySpan);
    }
  }

  private source(e: Expr, file: string): SourceSpec | undefined {
    const f = this.callForm(e, S.SOURCES, 'source format');
    if (f === undefined) return undefined;
    const pathE = f.args.get('path')!;
    const pv = this.constValue(pathE);
    if (pv === undefined) return undefined;
    let paths: string[];
    if (typeof pv === 'string') paths = [pv];
    else if (Array.isArray(pv) && f.name === 'root' && pv.length > 0 && pv.every((x) => typeof x === 'string')) paths = pv as string[];
    else {
      this.err('E0301', `the path of \`${f.name}\` must be a string${f.name === 'root' ? ' or a non-empty list of strings' : ''}, found ${valueKind(pv)}`, pathE.span);
      return undefined;
    }
    const options: Record<string, Value> = {};
    let tree: string | undefined;
    for (const [k, v] of f.args) {
      if (k === 'path') continue;
      const val = this.typedConst(v, k === 'header' ? { type: 'bool' } : { type: 'str' }, k);
      if (val === undefined) return undefined;
      if (k === 'tree') tree = val as string;
      else options[k] = val;
    }
    if (f.name === 'csv' && typeof options['sep'] === 'string' && options['sep'].length !== 1) {
      this.err('E0303', '`sep` must be one character', f.args.get('sep')!.span);
      return undefined;
    }
    return { format: f.name, paths, file, ...(tree !== undefined ? { tree } : {}), options, span: f.span };
  }

  private async fetchSchemas(): Promise<void> {
    const catalog = this.opts.catalog;
    if (catalog === undefined) return;
    const jobs: Promise<void>[] = [];
    for (const st of this.datasets.values()) {
      if (st.sources.length === 0) continue;
      jobs.push(
        (async () => {
          const results = await Promise.all(
            st.sources.map(async (s) => {
              try {
                return await catalog.schema(s.source);
              } catch (e: unknown) {
                return { ok: false as const, message: e instanceof Error ? e.message : String(e) };
              }
            }),
          );
          let failed = false;
          const lists: ColumnInfo[][] = [];
          results.forEach((r, i) => {
            if (!r.ok) {
              failed = true;
              const s = st.sources[i]!.source;
              this.err('E0502', `cannot read the columns of ${s.paths.map((p) => `\`${p}\``).join(', ')}: ${r.message}`, s.span);
            } else lists.push(r.columns);
          });
          if (failed || lists.length === 0) return;
          const all = new Map<string, Ty>();
          const some = new Set<string>();
          const unreadable = new Map<string, string>();
          for (const c of lists[0]!) {
            const t = columnType(c.type);
            if (c.type.startsWith('root:')) unreadable.set(c.name, c.type.slice('root:'.length));
            else if (lists.every((l) => l.some((x) => x.name === c.name))) all.set(c.name, ty(t.base, t.shape));
            else some.add(c.name);
          }
          for (const l of lists.slice(1)) for (const c of l) if (!all.has(c.name) && !unreadable.has(c.name)) some.add(c.name);
          st.columns = { all, some, unreadable };
        })(),
      );
    }
    await Promise.all(jobs);
  }

  private datasetBody(st: DatasetState): void {
    const b = st.block;
    const a = st.attrs;
    const hasSource = a.has('source');
    const label = a.get('label');
    if (label !== undefined && !hasSource && (a.has('signal') || a.has('background') || a.has('classes'))) {
      this.err('E0305', '`label` cannot be used with `signal`/`background` or `classes`', label.keySpan, {
        help: 'the class of each row comes from its source',
      });
    } else if (hasSource && label === undefined && st.formsOk === true) {
      this.missing(b, 'label', 'add `label = <boolean expression>`, true for signal rows');
    }
    // derive: names unique; collected before any expression is typed so every expression can use them.
    const derive = a.get('derive');
    if (derive?.kind === 'nested') {
      for (const it of derive.body) {
        if (it.kind === 'nested') {
          this.err('E0301', `derived column \`${it.key}\` must be an expression, not a block`, it.keySpan);
          continue;
        }
        const prev = st.derive.get(it.key);
        if (prev !== undefined) {
          this.err('E0209', `derived column \`${it.key}\` is defined twice`, it.keySpan, { labels: [{ span: prev.keySpan, message: 'first defined here' }] });
          continue;
        }
        st.derive.set(it.key, it);
      }
    }
    // Derive cycles, then types in dependency order.
    findCycles(
      [...st.derive.keys()],
      (n) => this.deriveRefs(st, st.derive.get(n)!.value),
      (path, span) =>
        path.length === 2
          ? this.err('E0402', `derived column \`${path[0]!}\` uses itself`, span, {
              help: st.columns?.all.has(path[0]!) === true || st.columns === undefined
                ? 'a derived column hides the source column of the same name: give it a new name'
                : undefined,
            })
          : this.err('E0402', `cycle between derived columns: ${path.map((p) => `\`${p}\``).join(' -> ')}`, span),
    );
    const state = new Map<string, 'busy' | 'done'>();
    const deriveType = (n: string): Ty => {
      const s = state.get(n);
      if (s === 'done') return st.deriveTypes.get(n) ?? ANY;
      if (s === 'busy') return ANY;
      state.set(n, 'busy');
      const t = this.typeOf(st.derive.get(n)!.value, st, deriveType);
      st.deriveTypes.set(n, t);
      state.set(n, 'done');
      return t;
    };
    for (const n of st.derive.keys()) deriveType(n);

    const expect = (key: string, base: 'bool' | 'num'): void => {
      const at = a.get(key);
      if (at?.kind !== 'attr') return;
      const t = this.typeOf(at.value, st, deriveType);
      this.expectScalar(at.value, t, base, key);
    };
    if (hasSource) expect('label', 'bool');
    expect('weight', 'num');
    expect('cut', 'bool');
    for (const key of ['label', 'weight'] as const) {
      const at = a.get(key);
      if (at?.kind === 'attr') for (const r of this.columnRefs(st, at.value)) st.roleColumns.add(r);
    }
    const m = a.get('missing');
    if (m?.kind === 'attr') {
      const v = this.constValue(m.value);
      if (v !== undefined) {
        const list = Array.isArray(v) ? v : [v];
        if (list.every((x) => typeof x === 'number')) st.missing = list as number[];
        else this.err('E0301', `\`missing\` must be a number or a list of numbers, found ${showValue(v)}`, m.value.span);
      }
    }
    const sp = a.get('split');
    if (sp?.kind === 'attr') st.split = this.split(sp.value, st);
  }

  /** Reports when `t` is not a scalar of `base`. */
  private expectScalar(e: Expr, t: Ty, base: 'bool' | 'num', what: string): void {
    if (base === 'bool' ? t.base !== 'bool' && t.base !== 'any' : !isNum(t)) {
      this.err('E0301', `\`${what}\` must be ${base === 'bool' ? 'a boolean expression' : 'a number'}, found ${describeTy(t)}`, e.span, {
        ...(base === 'bool' && t.base === 'num' ? { help: 'compare it, e.g. `x > 0`' } : {}),
      });
      return;
    }
    if (t.shape === 'jagged') {
      this.err('E0306', `\`${what}\` must be one value per event, found ${describeTy(t)}`, e.span, {
        help:
          base === 'bool'
            ? 'reduce it per event with `any(...)`, `all(...)` or `count(...) > 0`'
            : 'reduce it per event with `sum(...)`, `max(...)`, `x[0]` ...',
      });
    }
  }

  /** Names an expression uses that resolve to derived columns (params shadow them). */
  private deriveRefs(st: DatasetState, e: Expr): { to: string; span: Span }[] {
    const out: { to: string; span: Span }[] = [];
    walkNames(e, (name, span, quoted) => {
      if ((quoted || !this.params.has(name)) && st.derive.has(name)) out.push({ to: name, span });
    });
    return out;
  }

  /** Names an expression uses that are source columns (neither params nor derived). */
  private columnRefs(st: DatasetState, e: Expr): string[] {
    const out: string[] = [];
    walkNames(e, (name, _span, quoted) => {
      if ((quoted || !this.params.has(name)) && !st.derive.has(name)) out.push(name);
    });
    return out;
  }

  private unknownColumn(st: DatasetState, name: string, span: Span): void {
    const cols = st.columns!;
    const rootType = cols.unreadable.get(name);
    if (rootType !== undefined) {
      this.err('E0301', `column \`${name}\` has the ROOT type ${rootType}, which winnow cannot read yet`, span, { help: '`winnow inspect FILE` lists the type of every branch and whether winnow reads it' });
      return;
    }
    const candidates = [...this.params.keys(), ...st.derive.keys(), ...cols.all.keys()];
    const inSome = cols.some.has(name);
    this.err('E0201', `unknown column \`${name}\``, span, {
      labels: [{ span, message: inSome ? `not in every source of \`${st.block.name}\`` : `not a column of \`${st.block.name}\`` }],
      ...(inSome ? {} : didYouMean(name, candidates) !== undefined ? { help: didYouMean(name, candidates)! } : {}),
    });
  }

  /** Resolves a column name in a dataset (param -> derive -> source); records used source columns. */
  private resolveName(st: DatasetState, name: string, quoted: boolean, span: Span, deriveType: (n: string) => Ty): Ty | undefined {
    if (!quoted) {
      const p = this.params.get(name);
      if (p !== undefined) {
        const v = p.value;
        if (v === undefined) return ANY;
        if (typeof v === 'number') return ty('num', 'scalar');
        if (typeof v === 'boolean') return ty('bool', 'scalar');
        if (typeof v === 'string') return ty('str', 'scalar');
        this.err('E0301', `param \`${name}\` is a list, which is not a column value`, span);
        return undefined;
      }
    }
    if (st.derive.has(name)) return deriveType(name);
    if (st.columns === undefined) {
      st.used.add(name);
      return ANY;
    }
    const t = st.columns.all.get(name);
    if (t === undefined) {
      this.unknownColumn(st, name, span);
      return undefined;
    }
    st.used.add(name);
    return t;
  }

  /** Types a dataset expression (see the header); reports what does not type. */
  private typeOf(e: Expr, st: DatasetState, deriveType: (n: string) => Ty): Ty {
    const sub = (x: Expr): Ty => this.typeOf(x, st, deriveType);
    switch (e.kind) {
      case 'num':
        return ty('num', 'scalar');
      case 'str':
        return ty('str', 'scalar');
      case 'bool':
        return ty('bool', 'scalar');
      case 'error':
        return ANY;
      case 'list':
        this.err('E0301', 'a list is not a column value', e.span);
        return ANY;
      case 'name':
        return this.resolveName(st, e.name, e.quoted, e.span, deriveType) ?? ANY;
      case 'member': {
        const dotted = dottedName(e);
        if (dotted !== undefined) {
          this.err('E0202', `no column \`${dotted}\``, e.span, { help: `write \`\`${dotted}\`\` (in backticks) for a column whose name has a dot` });
        } else this.err('E0301', 'a member access is not a column value', e.span);
        return ANY;
      }
      case 'index': {
        const o = sub(e.object);
        const i = sub(e.index);
        if (!isNum(i) || i.shape === 'jagged') {
          this.err('E0301', `an index must be a number per event, found ${describeTy(i)}`, e.index.span);
        }
        if (o.shape === 'scalar') {
          this.err('E0301', `only a jagged column can be indexed; this is ${describeTy(o)}`, e.object.span);
          return ANY;
        }
        return ty(o.base, o.shape === 'jagged' ? 'scalar' : 'any');
      }
      case 'unary': {
        const o = sub(e.operand);
        if (e.op === '-') {
          if (!isNum(o)) this.err('E0301', `\`-\` needs a number, found ${describeTy(o)}`, e.operand.span);
          return ty(o.base === 'any' ? 'any' : 'num', o.shape);
        }
        if (o.base !== 'bool' && o.base !== 'any') this.err('E0301', `\`!\` needs a boolean, found ${describeTy(o)}`, e.operand.span);
        return ty('bool', o.shape);
      }
      case 'binary': {
        const l = sub(e.left);
        const r = sub(e.right);
        const shape = joinShape(l, r);
        switch (e.op) {
          case '||':
          case '&&':
            for (const [x, t] of [
              [e.left, l],
              [e.right, r],
            ] as const) {
              if (t.base !== 'bool' && t.base !== 'any') {
                this.err('E0301', `\`${e.op}\` needs booleans, found ${describeTy(t)}`, x.span, t.base === 'num' ? { help: 'compare it, e.g. `x > 0`' } : undefined);
              }
            }
            return ty('bool', shape);
          case '==':
          case '!=': {
            const ok = l.base === 'any' || r.base === 'any' || l.base === r.base || (isNum(l) && isNum(r));
            if (!ok) this.err('E0301', `cannot compare ${describeTy(l)} with ${describeTy(r)}`, e.span);
            return ty('bool', shape);
          }
          case '<':
          case '<=':
          case '>':
          case '>=':
            for (const [x, t] of [
              [e.left, l],
              [e.right, r],
            ] as const) {
              if (!isNum(t)) this.err('E0301', `\`${e.op}\` needs numbers, found ${describeTy(t)}`, x.span);
            }
            return ty('bool', shape);
          default:
            for (const [x, t] of [
              [e.left, l],
              [e.right, r],
            ] as const) {
              if (!isNum(t)) this.err('E0301', `\`${e.op}\` needs numbers, found ${describeTy(t)}`, x.span);
            }
            return ty(l.base === 'any' && r.base === 'any' ? 'any' : 'num', shape);
        }
      }
      case 'call':
        return this.typeCall(e, sub);
    }
  }

  private typeCall(e: Extract<Expr, { kind: 'call' }>, sub: (x: Expr) => Ty): Ty {
    const fn = S.FUNCTIONS[e.callee];
    if (fn === undefined) {
      for (const a of e.args) sub(a);
      this.err('E0205', `unknown function \`${e.callee}\``, e.calleeSpan, {
        help: didYouMean(e.callee, Object.keys(S.FUNCTIONS)) ?? `the column functions are: ${Object.keys(S.FUNCTIONS).join(' ')}`,
      });
      return ANY;
    }
    for (const n of e.named) {
      this.err('E0214', `\`${e.callee}\` takes no named arguments`, n.nameSpan);
      sub(n.value);
    }
    const ts = e.args.map(sub);
    const n = e.args.length;
    if (n < fn.minArgs || n > fn.maxArgs) {
      const want = fn.minArgs === fn.maxArgs ? `${fn.minArgs}` : `${fn.minArgs} or ${fn.maxArgs}`;
      this.err('E0302', `\`${e.callee}\` takes ${want} argument${fn.maxArgs === 1 ? '' : 's'}, found ${n}`, e.span, { help: `usage: ${fn.usage}` });
      return ANY;
    }
    const needNum = (i: number): void => {
      const t = ts[i]!;
      if (!isNum(t)) this.err('E0301', `\`${e.callee}\` needs a number, found ${describeTy(t)}`, e.args[i]!.span);
    };
    const needJagged = (i: number, help?: string): void => {
      const t = ts[i]!;
      if (t.shape === 'scalar') {
        this.err('E0301', `\`${e.callee}\` with one argument reduces a jagged column; this is ${describeTy(t)}`, e.args[i]!.span, help !== undefined ? { help } : undefined);
      }
    };
    switch (fn.kind) {
      case 'elementwise':
        needNum(0);
        return ty('num', ts[0]!.shape);
      case 'isnan':
        needNum(0);
        return ty('bool', ts[0]!.shape);
      case 'elementwise2':
        needNum(0);
        needNum(1);
        return ty('num', joinShape(ts[0]!, ts[1]!));
      case 'minmax':
        needNum(0);
        if (n === 2) {
          needNum(1);
          return ty('num', joinShape(ts[0]!, ts[1]!));
        }
        needJagged(0, `use \`${e.callee}(a, b)\` for the ${e.callee === 'max' ? 'larger' : 'smaller'} of two values`);
        return ty('num', 'scalar');
      case 'reduce-num':
        needNum(0);
        needJagged(0);
        return ty('num', 'scalar');
      case 'count':
        needJagged(0);
        return ty('num', 'scalar');
      case 'len':
        needJagged(0);
        return ty('num', 'scalar');
      case 'reduce-bool': {
        const t = ts[0]!;
        if (t.base !== 'bool' && t.base !== 'any') this.err('E0301', `\`${e.callee}\` needs a boolean, found ${describeTy(t)}`, e.args[0]!.span, { help: 'compare it, e.g. `x > 0`' });
        needJagged(0);
        return ty('bool', 'scalar');
      }
      case 'if': {
        const [c, a, b] = ts as [Ty, Ty, Ty];
        if (c.base !== 'bool' && c.base !== 'any') this.err('E0301', `the condition of \`if\` must be a boolean, found ${describeTy(c)}`, e.args[0]!.span);
        const ok = a.base === 'any' || b.base === 'any' || a.base === b.base || (isNum(a) && isNum(b));
        if (!ok) this.err('E0301', `the branches of \`if\` differ: ${describeTy(a)} and ${describeTy(b)}`, e.span);
        const base: Base = a.base === 'any' ? b.base : a.base === 'bool' && b.base === 'num' ? 'num' : a.base;
        return ty(base, joinShape(c, a, b));
      }
    }
  }

  /** After features are known: split, usedColumns, the DatasetDecl. */
  private finishDataset(st: DatasetState): void {
    const a = st.attrs;
    const b = st.block;
    const missing = st.missing;
    const split = st.split;
    if (st.sources.length === 0) return;
    const derive: Derived[] = [...st.derive.values()].map((d) => {
      const uses: string[] = [];
      walkNames(d.value, (n, _span, quoted) => {
        if ((quoted || !this.params.has(n)) && !uses.includes(n)) uses.push(n);
      });
      return { name: d.key, expr: d.value, span: d.span, uses, type: st.deriveTypes.get(d.key) ?? ANY };
    });
    const expr = (k: string): Expr | undefined => {
      const x = a.get(k);
      return x?.kind === 'attr' ? x.value : undefined;
    };
    const sourceCols = st.columns !== undefined ? [...st.columns.all.keys()] : [...st.used];
    const used = st.columns !== undefined ? sourceCols.filter((c) => st.used.has(c)) : [...st.used];
    const columns = [...sourceCols.filter((c) => !st.derive.has(c)), ...st.derive.keys()];
    const task = a.has('classes') ? 'multiclass' : 'binary';
    const label = a.has('source') ? expr('label') : undefined;
    const weight = expr('weight');
    const cut = expr('cut');
    st.decl = {
      kind: 'dataset',
      name: b.name,
      span: b.span,
      sources: st.sources,
      task,
      classes: task === 'binary' ? ['background', 'signal'] : st.sources.map((s) => s.role),
      ...(label !== undefined ? { label } : {}),
      ...(weight !== undefined ? { weight } : {}),
      missing,
      ...(cut !== undefined ? { cut } : {}),
      derive,
      ...(split !== undefined ? { split } : {}),
      usedColumns: used,
      columns,
    };
    this.out.set(b.name, st.decl);
  }

  private split(e: Expr, st: DatasetState): SplitSpec | undefined {
    const f = this.callForm(e, S.SPLITS, 'split');
    if (f === undefined) return undefined;
    let seed = this.seedDefault();
    const seedE = f.args.get('seed');
    if (seedE !== undefined) {
      const v = this.typedConst(seedE, { type: 'int' }, 'seed');
      if (v === undefined) return undefined;
      seed = v as number;
    }
    let by: string | undefined;
    const byE = f.args.get('by');
    if (byE !== undefined) {
      // A column, written as a name or a string (`by: EventId`, `by: "EventId"`); never a param.
      const col = byE.kind === 'name' ? byE.name : byE.kind === 'str' ? byE.value : undefined;
      if (col === undefined) {
        this.err('E0301', `\`by\` must be a column name, found ${exprWord(byE)}`, byE.span);
        return undefined;
      }
      const t = this.resolveName(st, col, true, byE.span, (n) => st.deriveTypes.get(n) ?? ANY);
      if (t === undefined) return undefined;
      if (t.shape === 'jagged') {
        this.err('E0306', `\`by\` must be one value per event; \`${col}\` is ${describeTy(t)}`, byE.span);
        return undefined;
      }
      by = col;
      st.roleColumns.add(by);
    }
    if (f.name === 'holdout') {
      const test = this.typedConst(f.args.get('test')!, { type: 'num', min: 0, max: 1, minExclusive: true, maxExclusive: true }, 'test');
      if (test === undefined) return undefined;
      return { kind: 'holdout', test: test as number, seed, ...(by !== undefined ? { by } : {}), span: f.span };
    }
    const k = this.typedConst(f.args.get('k')!, { type: 'int', min: 2 }, 'k');
    if (k === undefined) return undefined;
    return { kind: 'kfold', k: k as number, seed, ...(by !== undefined ? { by } : {}), span: f.span };
  }

  // 4. Other blocks ---------------------------------------------------------------------------------

  private features(b: Block): void {
    const a = this.attributes(b, 'features');
    const fromA = a.get('from');
    if (fromA === undefined) return this.missing(b, 'from', 'add `from = <dataset>`');
    if (fromA.kind !== 'attr') return;
    const from = this.ref(fromA.value, ['dataset'], b.name);
    const st = from !== undefined ? this.datasets.get(from) : undefined;
    if (st === undefined) return;
    const known = st.columns !== undefined;
    const order = known ? [...[...st.columns!.all.keys()].filter((c) => !st.derive.has(c)), ...st.derive.keys()] : [...st.derive.keys()];
    const typeOfCol = (c: string): Ty => (st.derive.has(c) ? st.deriveTypes.get(c) ?? ANY : st.columns?.all.get(c) ?? ANY);
    const isKnown = (c: string): boolean => st.derive.has(c) || (st.columns?.all.has(c) ?? false);

    /** The columns a list selects, each with the span of the item that selected it. */
    const expand = (attr: Attribute, include: boolean): Map<string, Span> | undefined => {
      const e = attr.value;
      if (e.kind === 'error') return undefined;
      const items = e.kind === 'list' ? e.items : [e];
      const out = new Map<string, Span>();
      let ok = true;
      for (const it of items) {
        if (it.kind === 'str' && /[*?]/.test(it.value)) {
          const re = globRegExp(it.value);
          const hits = order.filter((c) => re.test(c) && !(include && st.roleColumns.has(c)));
          if (hits.length === 0 && known) {
            this.err('E0308', `\`${it.value}\` matches no column of \`${st.block.name}\``, it.span, {
              ...(didYouMean(it.value.replace(/[*?]/g, ''), order) !== undefined ? {} : {}),
            });
            ok = false;
          }
          for (const h of hits) if (!out.has(h)) out.set(h, it.span);
        } else if (it.kind === 'str' || it.kind === 'name') {
          const name = it.kind === 'str' ? it.value : it.name;
          if (it.kind === 'name' && !it.quoted && this.params.has(name) && !isKnown(name)) {
            this.err('E0301', `\`${name}\` is a param, not a column`, it.span);
            ok = false;
            continue;
          }
          if (known && !isKnown(name)) {
            this.unknownColumn(st, name, it.span);
            ok = false;
            continue;
          }
          if (!out.has(name)) out.set(name, it.span);
        } else {
          this.err('E0301', `\`${attr.key}\` lists column names or glob strings, found ${exprWord(it)}`, it.span);
          ok = false;
        }
      }
      return ok ? out : undefined;
    };
    const incA = a.get('include');
    let included: Map<string, Span> | undefined;
    if (incA === undefined) {
      // Default: every numeric per-event column except the label/weight/by ones.
      const usable = (c: string): boolean => {
        const t = typeOfCol(c);
        return t.shape !== 'jagged' && t.base !== 'str' && !st.roleColumns.has(c);
      };
      included = new Map(order.filter(usable).map((c) => [c, b.nameSpan]));
    } else if (incA.kind === 'attr') included = expand(incA, true);
    const excA = a.get('exclude');
    const excluded = excA?.kind === 'attr' ? expand(excA, false) : new Map<string, Span>();
    if (included === undefined || excluded === undefined) return;
    // Dataset column order; names not known (no catalog) keep their listed order at the end.
    const names = [...included.keys()].filter((c) => !excluded.has(c));
    const pos = new Map(order.map((c, i) => [c, i]));
    names.sort((x, y) => (pos.get(x) ?? order.length) - (pos.get(y) ?? order.length));
    // Columns that are not one number per event, grouped by the include item that brought them in.
    const bad = new Map<number, { span: Span; cols: string[]; jagged: boolean }>();
    for (const c of names) {
      const t = typeOfCol(c);
      if (t.shape === 'jagged' || t.base === 'str') {
        const span = included.get(c)!;
        const g = bad.get(span.start) ?? { span, cols: [], jagged: false };
        g.cols.push(c);
        g.jagged ||= t.shape === 'jagged';
        bad.set(span.start, g);
      }
    }
    for (const g of bad.values()) {
      const first = g.cols[0]!;
      const text = g.cols.length === 1 ? `feature \`${first}\` is ${describeTy(typeOfCol(first))}` : `features ${g.cols.map((c) => `\`${c}\``).join(', ')} are not numbers`;
      this.err('E0307', `${text}; a feature must be one number per event`, g.span, {
        help: g.jagged
          ? `exclude ${g.cols.length === 1 ? 'it' : 'them'}, or derive per-event values such as \`max(${first})\` or \`${first}[0]\``
          : `exclude ${g.cols.length === 1 ? 'it' : 'them'}, or derive a number, e.g. \`${first} == "..."\``,
      });
    }
    const ok = bad.size === 0;
    // Without the source columns (no catalog) globs cannot be expanded: an empty list is not an error then.
    if (names.length === 0 && ok && known) {
      this.err('E0311', `features \`${b.name}\` selects no column`, b.nameSpan);
      return;
    }
    if (!ok) return;
    for (const c of names) if (!st.derive.has(c)) st.used.add(c);
    const decl: FeaturesDecl = { kind: 'features', name: b.name, span: b.span, from: st.block.name, columns: names };
    this.out.set(b.name, decl);
  }

  private model(b: Block): void {
    const a = this.attributes(b, 'model');
    const fa = a.get('features');
    const al = a.get('algorithm');
    if (fa === undefined) this.missing(b, 'features', 'add `features = <features or select block>`');
    if (al === undefined) this.missing(b, 'algorithm', 'add e.g. `algorithm = gbdt(trees: 300)`');
    const features = fa?.kind === 'attr' ? this.ref(fa.value, ['features', 'select'], b.name) : undefined;
    const algorithm = al?.kind === 'attr' ? this.algorithm(al.value) : undefined;
    let cv: number | undefined;
    const cvA = a.get('cv');
    let ok = true;
    if (cvA?.kind === 'attr') {
      const v = this.typedConst(cvA.value, { type: 'int', min: 2 }, 'cv');
      if (v === undefined) ok = false;
      else cv = v as number;
    }
    let negativeWeights: ModelDecl['negativeWeights'] = 'keep';
    const nw = a.get('negative_weights');
    if (nw?.kind === 'attr') {
      const w = this.word(nw.value, S.NEGATIVE_WEIGHTS, 'negative_weights value');
      if (w === undefined) ok = false;
      else negativeWeights = w as ModelDecl['negativeWeights'];
    }
    const seed = this.seedAttr(a);
    if (features === undefined || algorithm === undefined || seed === undefined || !ok) return;
    const decl: ModelDecl = { kind: 'model', name: b.name, span: b.span, features, algorithm, ...(cv !== undefined ? { cv } : {}), negativeWeights, seed };
    this.out.set(b.name, decl);
  }

  private seedAttr(a: Map<string, Attribute | NestedBlock>): number | undefined {
    const s = a.get('seed');
    if (s?.kind !== 'attr') return this.seedDefault();
    const v = this.typedConst(s.value, { type: 'int' }, 'seed');
    return v === undefined ? undefined : (v as number);
  }

  private algorithm(e: Expr): AlgorithmSpec | undefined {
    if (e.kind === 'error') return undefined;
    let name: string;
    let c: Extract<Expr, { kind: 'call' }> | undefined;
    if (e.kind === 'call') {
      name = e.callee;
      c = e;
    } else if (e.kind === 'name' && !e.quoted) name = e.name;
    else {
      this.err('E0301', `\`algorithm\` must be one of ${Object.keys(S.ALGORITHMS).map((n) => `${n}(...)`).join(', ')}; found ${exprWord(e)}`, e.span);
      return undefined;
    }
    const schema = S.ALGORITHMS[name];
    if (schema === undefined) {
      this.err('E0215', `unknown algorithm \`${name}\``, c?.calleeSpan ?? e.span, {
        help: didYouMean(name, Object.keys(S.ALGORITHMS)) ?? `the algorithms are: ${Object.keys(S.ALGORITHMS).join(', ')}`,
      });
      return undefined;
    }
    const params: Record<string, Value> = {};
    let ok = true;
    const names = Object.keys(schema.params);
    for (const a of c?.args ?? []) {
      this.err('E0302', `\`${name}\` takes only named arguments`, a.span, { help: names.length > 0 ? `e.g. \`${name}(${names[0]!}: ...)\`` : `write \`${name}()\`` });
      ok = false;
    }
    for (const n of c?.named ?? []) {
      const t = schema.params[n.name];
      if (t === undefined) {
        this.err('E0210', `\`${name}\` has no parameter \`${n.name}\``, n.nameSpan, {
          help: didYouMean(n.name, names) ?? (names.length > 0 ? `its parameters are: ${names.join(', ')}` : `\`${name}\` takes no parameters`),
        });
        ok = false;
        continue;
      }
      if (n.name in params) {
        this.err('E0217', `parameter \`${n.name}\` is given twice`, n.nameSpan);
        ok = false;
        continue;
      }
      // `class_weight: none` is the word none.
      const v = n.value.kind === 'name' && !n.value.quoted && t.type === 'str' && t.values?.includes(n.value.name) === true && !this.params.has(n.value.name)
        ? n.value.name
        : this.typedConst(n.value, t, n.name);
      if (v === undefined) ok = false;
      else params[n.name] = v;
    }
    return ok ? { name, params: sortKeys(params), span: e.span } : undefined;
  }

  private select(b: Block): void {
    const a = this.attributes(b, 'select');
    const fromA = a.get('from');
    if (fromA === undefined) this.missing(b, 'from', 'add `from = <features or select block>`');
    const from = fromA?.kind === 'attr' ? this.ref(fromA.value, ['features', 'select'], b.name) : undefined;
    let ok = true;
    const attr = (k: string): Expr | undefined => {
      const x = a.get(k);
      return x?.kind === 'attr' ? x.value : undefined;
    };
    let rank: string[] = ['separation'];
    const rankE = attr('rank');
    if (rankE !== undefined) {
      const r = this.words(rankE, S.RANK_SCORES, 'rank score', 'rank');
      if (r === undefined) ok = false;
      else rank = r;
    }
    let by = rank[0]!;
    const byE = attr('by');
    if (byE !== undefined) {
      const w = this.word(byE, S.RANK_SCORES, 'rank score');
      if (w === undefined) ok = false;
      else {
        by = w;
        if (!rank.includes(w)) rank = [...rank, w];
      }
    }
    let method: MethodSpec = { name: 'none', args: {} };
    const mE = attr('method');
    if (mE !== undefined) {
      const f = this.callForm(mE, S.METHODS, 'selection method');
      if (f === undefined) ok = false;
      else {
        const args: Record<string, Value> = {};
        const modelE = f.args.get('model');
        if (modelE !== undefined) {
          const m = this.ref(modelE, ['model'], b.name);
          if (m === undefined) ok = false;
          else args['model'] = m;
        }
        method = { name: f.name, args };
      }
    }
    let keep: KeepSpec = { kind: 'all' };
    const kE = attr('keep');
    if (kE !== undefined) {
      const k = this.keep(kE);
      if (k === undefined) ok = false;
      else keep = k;
    }
    const num = (k: string, t: S.ParamType): number | undefined | null => {
      const e = attr(k);
      if (e === undefined) return null;
      const v = this.typedConst(e, t, k);
      if (v === undefined) ok = false;
      return v as number | undefined;
    };
    const maxCorr = num('max_corr', { type: 'num', min: 0, max: 1, minExclusive: true });
    const bootstrap = num('bootstrap', { type: 'int', min: 1 });
    const permutations = num('permutations', { type: 'int', min: 1 });
    const bins = num('bins', { type: 'int', min: 2 });
    const seed = this.seedAttr(a);
    if (from === undefined || seed === undefined || !ok) return;
    const decl: SelectDecl = {
      kind: 'select',
      name: b.name,
      span: b.span,
      from,
      rank,
      by,
      method,
      keep,
      ...(typeof maxCorr === 'number' ? { maxCorr } : {}),
      ...(typeof bootstrap === 'number' ? { bootstrap } : {}),
      ...(typeof permutations === 'number' ? { permutations } : {}),
      bins: typeof bins === 'number' ? bins : S.DEFAULT_BINS,
      seed,
    };
    this.out.set(b.name, decl);
  }

  private keep(e: Expr): KeepSpec | undefined {
    if (e.kind === 'name' && !e.quoted && e.name === 'all') return { kind: 'all' };
    if (e.kind === 'call' && e.callee === 'all' && e.args.length === 0 && e.named.length === 0) return { kind: 'all' };
    if (e.kind === 'call' && e.callee !== 'fdr') {
      this.err('E0211', `unknown keep form \`${e.callee}\``, e.calleeSpan, { help: '`keep` is an integer, fdr(q) or all' });
      return undefined;
    }
    if (e.kind === 'call') {
      const f = this.callForm(e, S.KEEP_FORMS, 'keep form');
      if (f === undefined) return undefined;
      const q = this.typedConst(f.args.get('q')!, { type: 'num', min: 0, max: 1, minExclusive: true, maxExclusive: true }, 'q');
      return q === undefined ? undefined : { kind: 'fdr', q: q as number };
    }
    const v = this.constValue(e);
    if (v === undefined) return undefined;
    if (typeof v !== 'number') {
      this.err('E0301', `\`keep\` must be an integer, fdr(q) or all; found ${valueKind(v)}`, e.span);
      return undefined;
    }
    const n = this.checkValue(v, { type: 'int', min: 1 }, 'keep', e.span);
    return n === undefined ? undefined : { kind: 'count', n: n as number };
  }

  private search(b: Block): void {
    const a = this.attributes(b, 'search');
    const mA = a.get('model');
    if (mA === undefined) this.missing(b, 'model', 'add `model = <model block>`');
    const model = mA?.kind === 'attr' ? this.ref(mA.value, ['model'], b.name) : undefined;
    const modelBlock = model !== undefined ? this.blocks.get(model) : undefined;
    const modelDecl = model !== undefined ? this.out.get(model) : undefined;
    let ok = true;
    const attr = (k: string): Expr | undefined => {
      const x = a.get(k);
      return x?.kind === 'attr' ? x.value : undefined;
    };
    // The model's algorithm and whether it reads a select, straight from its AST when the model did not check.
    const algName = modelDecl?.kind === 'model' ? modelDecl.algorithm.name : modelBlock !== undefined ? algorithmNameOf(modelBlock) : undefined;
    const featuresRef = modelDecl?.kind === 'model' ? modelDecl.features : modelBlock !== undefined ? refNameOf(modelBlock, 'features') : undefined;
    const usesSelect = featuresRef !== undefined && this.blocks.get(featuresRef)?.blockKind === 'select';
    const space: SpaceDim[] = [];
    const spA = a.get('space');
    if (spA === undefined) {
      this.missing(b, 'space', 'add `space { name = choice(...) }` with the parameters to tune');
      ok = false;
    } else if (spA.kind === 'nested') {
      const seen = new Map<string, BlockItem>();
      for (const it of spA.body) {
        if (it.kind === 'nested') {
          this.err('E0301', `\`${it.key}\` must be a distribution, not a block`, it.keySpan);
          ok = false;
          continue;
        }
        const prev = seen.get(it.key);
        if (prev !== undefined) {
          this.err('E0209', `\`${it.key}\` is in the space twice`, it.keySpan, { labels: [{ span: prev.keySpan, message: 'first given here' }] });
          ok = false;
          continue;
        }
        seen.set(it.key, it);
        const d = this.spaceDim(it, algName, usesSelect);
        if (d === undefined) ok = false;
        else space.push(d);
      }
      if (seen.size === 0) {
        this.err('E0311', '`space` is empty', spA.keySpan, { help: 'add one line per parameter to tune, e.g. `depth = int(3, 8)`' });
        ok = false;
      }
    }
    let strategy: SearchDecl['strategy'] = { kind: 'random', trials: S.DEFAULT_TRIALS, seed: this.seedDefault() };
    const stE = attr('strategy');
    if (stE !== undefined) {
      const f = this.callForm(stE, S.STRATEGIES, 'strategy');
      if (f === undefined) ok = false;
      else {
        const get = (k: string, t: S.ParamType, dflt: number): number | undefined => {
          const e = f.args.get(k);
          if (e === undefined) return dflt;
          const v = this.typedConst(e, t, k);
          return v === undefined ? undefined : (v as number);
        };
        const trials = get('trials', { type: 'int', min: 1 }, S.DEFAULT_TRIALS);
        const seed = get('seed', { type: 'int' }, this.seedDefault());
        if (f.name === 'grid') {
          strategy = { kind: 'grid' };
          for (const d of space) {
            const finite = d.dist.kind === 'choice' || ((d.dist.kind === 'uniform' || d.dist.kind === 'int') && d.dist.step !== undefined);
            if (!finite) {
              this.err('E0309', `grid search needs \`${d.name}\` to be a choice or to have a \`step\``, d.span, {
                help: d.dist.kind === 'loguniform' ? 'use choice(...) for a grid over a log scale' : `add \`step: ...\` or use choice(...)`,
              });
              ok = false;
            }
          }
        } else if (trials === undefined || seed === undefined) ok = false;
        else if (f.name === 'random') strategy = { kind: 'random', trials, seed };
        else {
          const startup = get('startup', { type: 'int', min: 1 }, Math.min(S.DEFAULT_BAYES_STARTUP, trials));
          if (startup === undefined) ok = false;
          else if (startup > trials) {
            this.err('E0303', `\`startup\` (${startup}) must not exceed \`trials\` (${trials})`, f.args.get('startup')!.span);
            ok = false;
          } else strategy = { kind: 'bayes', trials, seed, startup };
        }
      }
    }
    let metric: SearchDecl['metric'] = 'auc';
    const meE = attr('metric');
    if (meE !== undefined) {
      const w = this.word(meE, S.METRICS, 'metric');
      if (w === undefined) ok = false;
      else metric = w as SearchDecl['metric'];
    }
    let cv = S.DEFAULT_SEARCH_CV;
    const cvE = attr('cv');
    if (cvE !== undefined) {
      const v = this.typedConst(cvE, { type: 'int', min: 2 }, 'cv');
      if (v === undefined) ok = false;
      else cv = v as number;
    }
    let prune = true;
    const prE = attr('prune');
    if (prE !== undefined) {
      const v = this.typedConst(prE, { type: 'bool' }, 'prune');
      if (v === undefined) ok = false;
      else prune = v as boolean;
    }
    if (model === undefined || !ok) return;
    const decl: SearchDecl = { kind: 'search', name: b.name, span: b.span, model, space, strategy, metric, cv, prune };
    this.out.set(b.name, decl);
  }

  private spaceDim(it: Attribute, algName: string | undefined, usesSelect: boolean): SpaceDim | undefined {
    const alg = algName !== undefined ? S.ALGORITHMS[algName] : undefined;
    let target: SpaceDim['target'];
    let pt: S.ParamType | undefined;
    if (alg !== undefined && it.key in alg.params) {
      target = 'algorithm';
      pt = alg.params[it.key];
    } else if (it.key === 'keep' && usesSelect) {
      target = 'select';
      pt = { type: 'int', min: 1 };
    } else {
      if (alg === undefined) {
        // The model or its algorithm did not resolve (already reported): check the distribution only.
        this.dist(it.value, undefined, it.key);
        return undefined;
      }
      const candidates = [...Object.keys(alg?.params ?? {}), ...(usesSelect ? ['keep'] : [])];
      this.err('E0216', `\`${it.key}\` is not a parameter of ${algName !== undefined ? `\`${algName}\`` : 'the model'}${it.key === 'keep' ? ' (the model does not read a select block)' : ''}`, it.keySpan, {
        ...(it.key !== 'keep'
          ? { help: didYouMean(it.key, candidates) ?? (candidates.length > 0 ? `the space can vary: ${candidates.join(', ')}` : `\`${algName ?? ''}\` has no parameters to tune`) }
          : {}),
      });
      return undefined;
    }
    const dist = this.dist(it.value, pt, it.key);
    return dist === undefined ? undefined : { name: it.key, target, dist, span: it.span };
  }

  private dist(e: Expr, pt: S.ParamType | undefined, name: string): SpaceDist | undefined {
    const f = this.callForm(e, S.DISTRIBUTIONS, 'distribution');
    if (f === undefined) return undefined;
    if (f.name === 'choice') {
      const c = e as Extract<Expr, { kind: 'call' }>;
      if (c.args.length === 0) {
        this.err('E0302', '`choice` needs at least one value', e.span);
        return undefined;
      }
      const values: Value[] = [];
      for (const a of c.args) {
        const v = this.constValue(a);
        if (v === undefined) return undefined;
        const checked = pt !== undefined ? this.checkValue(v, pt, name, a.span) : v;
        if (checked === undefined) return undefined;
        values.push(checked);
      }
      return { kind: 'choice', values };
    }
    const numArg = (k: string): number | undefined => {
      const x = f.args.get(k);
      if (x === undefined) return undefined;
      const v = this.typedConst(x, f.name === 'int' ? { type: 'int' } : { type: 'num' }, k);
      return v === undefined ? undefined : (v as number);
    };
    const low = numArg('low');
    const high = numArg('high');
    const stepE = f.args.get('step');
    const step = stepE !== undefined ? numArg('step') : undefined;
    if (low === undefined || high === undefined || (stepE !== undefined && step === undefined)) return undefined;
    if (!(low < high)) {
      this.err('E0303', `\`${f.name}\` needs low < high, found ${low} and ${high}`, e.span);
      return undefined;
    }
    if (step !== undefined && !(step > 0)) {
      this.err('E0303', `\`step\` must be positive, found ${step}`, stepE!.span);
      return undefined;
    }
    if (f.name === 'loguniform' && !(low > 0)) {
      this.err('E0303', `\`loguniform\` needs low > 0, found ${low}`, f.args.get('low')!.span);
      return undefined;
    }
    if (pt !== undefined) {
      if (pt.type === 'int' && f.name !== 'int') {
        this.err('E0301', `\`${name}\` is an integer: use int(${low}, ${high})`, e.span);
        return undefined;
      }
      if (pt.type !== 'int' && pt.type !== 'num') {
        this.err('E0301', `\`${name}\` takes ${pt.type === 'bool' ? 'true or false' : pt.type === 'str' ? 'a string' : 'a list'}: use choice(...)`, e.span);
        return undefined;
      }
      if (this.checkValue(low, pt, name, f.args.get('low')!.span) === undefined) return undefined;
      if (this.checkValue(high, pt, name, f.args.get('high')!.span) === undefined) return undefined;
    }
    if (f.name === 'loguniform') return { kind: 'loguniform', low, high };
    return { kind: f.name, low, high, ...(step !== undefined ? { step } : {}) };
  }

  private report(b: Block): void {
    const a = this.attributes(b, 'report');
    const self = `report ${b.name}`; // not a block name: reports are outside the reference graph
    const mA = a.get('models');
    let ok = true;
    const models: string[] = [];
    if (mA === undefined) {
      this.missing(b, 'models', 'add `models = [model, search.best, ...]`');
      ok = false;
    } else if (mA.kind === 'attr') {
      const e = mA.value;
      const items = e.kind === 'list' ? e.items : e.kind === 'error' ? [] : [e];
      if (e.kind === 'list' && items.length === 0) {
        this.err('E0311', '`models` is empty', e.span);
        ok = false;
      }
      for (const it of items) {
        if (it.kind === 'member') {
          if (it.name !== 'best') {
            this.err('E0202', `a search has no member \`${it.name}\``, it.nameSpan, { help: 'did you mean `best`?' });
            ok = false;
            continue;
          }
          const s = this.ref(it.object, ['search'], self);
          if (s === undefined) ok = false;
          else models.push(`${s}.best`);
          continue;
        }
        const target = it.kind === 'name' ? this.blocks.get(it.name) : undefined;
        if (target?.blockKind === 'search') {
          this.err('E0212', `\`${target.name}\` is a search block, expected a model block`, it.span, { help: `did you mean \`${target.name}.best\`?` });
          ok = false;
          continue;
        }
        const m = this.ref(it, ['model'], self);
        if (m === undefined) ok = false;
        else models.push(m);
      }
    }
    let plots: string[] | undefined;
    const pE = a.get('plots');
    if (pE?.kind === 'attr') {
      const p = this.words(pE.value, S.PLOTS, 'plot', 'plots');
      if (p === undefined) ok = false;
      else plots = p;
    }
    let select: string | undefined;
    const sA = a.get('select');
    if (sA?.kind === 'attr') {
      select = this.ref(sA.value, ['select'], self);
      if (select === undefined) ok = false;
    } else {
      // Default: the select the first model reads (through its search for `S.best`).
      const first = models[0];
      const modelName = first?.endsWith('.best') === true ? (this.out.get(first.slice(0, -5)) as SearchDecl | undefined)?.model : first;
      const md = modelName !== undefined ? this.out.get(modelName) : undefined;
      if (md?.kind === 'model' && this.blocks.get(md.features)?.blockKind === 'select') select = md.features;
    }
    if (!ok) return;
    const finalPlots = plots ?? S.DEFAULT_PLOTS.filter((p) => select !== undefined || (p !== 'ranking' && p !== 'correlation'));
    const decl: ReportDecl = { kind: 'report', name: b.name, span: b.span, models, ...(select !== undefined ? { select } : {}), plots: finalPlots };
    this.reportOut.set(b.name, decl);
  }

  // 5. Order -----------------------------------------------------------------------------------------

  private order(): string[] {
    const names = [...this.blocks.keys()];
    findCycles(
      names,
      (n) => this.deps.get(n) ?? [],
      (path, span) => this.err('E0403', `cycle between blocks: ${path.map((p) => `\`${p}\``).join(' -> ')}`, span),
    );
    const out: string[] = [];
    const state = new Map<string, 'busy' | 'done'>();
    const visit = (n: string): void => {
      if (state.has(n)) return;
      state.set(n, 'busy');
      for (const d of this.deps.get(n) ?? []) visit(d.to);
      state.set(n, 'done');
      out.push(n);
    };
    for (const n of names) visit(n);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------
// Helpers

/** `--set` values: a number, then true/false, else the string as given. */
export function parseOverride(raw: string): Value {
  const t = raw.trim();
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  if (t === 'true') return true;
  if (t === 'false') return false;
  return raw;
}

function rangeText(t: S.ParamType): string {
  if (t.type === 'int') {
    if (t.min !== undefined && t.max !== undefined) return `an integer from ${t.min} to ${t.max}`;
    if (t.min !== undefined) return `at least ${t.min}`;
    return `at most ${t.max ?? ''}`;
  }
  if (t.type === 'num') {
    const lo = t.min !== undefined ? `${t.minExclusive === true ? '(' : '['}${t.min}` : '(-inf';
    const hi = t.max !== undefined ? `${t.max}${t.maxExclusive === true ? ')' : ']'}` : 'inf)';
    if (t.max === undefined) return t.minExclusive === true ? `greater than ${t.min ?? ''}` : `at least ${t.min ?? ''}`;
    return `in ${lo}, ${hi}`;
  }
  return '';
}

function sortKeys(r: Record<string, Value>): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}

/** Calls `f` for every name an expression reads (not callees, not member names), in text order. */
export function walkNames(e: Expr, f: (name: string, span: Span, quoted: boolean) => void): void {
  switch (e.kind) {
    case 'name':
      f(e.name, e.span, e.quoted);
      return;
    case 'list':
      e.items.forEach((x) => walkNames(x, f));
      return;
    case 'unary':
      walkNames(e.operand, f);
      return;
    case 'binary':
      walkNames(e.left, f);
      walkNames(e.right, f);
      return;
    case 'call':
      e.args.forEach((x) => walkNames(x, f));
      e.named.forEach((x) => walkNames(x.value, f));
      return;
    case 'index':
      walkNames(e.object, f);
      walkNames(e.index, f);
      return;
    case 'member':
    case 'num':
    case 'str':
    case 'bool':
    case 'error':
      return;
  }
}

function paramRefs(e: Expr): { name: string; span: Span }[] {
  const out: { name: string; span: Span }[] = [];
  walkNames(e, (name, span, quoted) => {
    if (!quoted) out.push({ name, span });
  });
  return out;
}

function dottedName(e: Expr): string | undefined {
  if (e.kind === 'name' && !e.quoted) return e.name;
  if (e.kind === 'member') {
    const o = dottedName(e.object);
    return o === undefined ? undefined : `${o}.${e.name}`;
  }
  return undefined;
}

function globRegExp(glob: string): RegExp {
  const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

function algorithmNameOf(b: Block): string | undefined {
  const a = b.body.find((i) => i.kind === 'attr' && i.key === 'algorithm');
  if (a?.kind !== 'attr') return undefined;
  return a.value.kind === 'call' ? a.value.callee : a.value.kind === 'name' ? a.value.name : undefined;
}

function refNameOf(b: Block, key: string): string | undefined {
  const a = b.body.find((i) => i.kind === 'attr' && i.key === key);
  return a?.kind === 'attr' && a.value.kind === 'name' ? a.value.name : undefined;
}

/**
 * Finds cycles in a directed graph by depth-first search in the order of `nodes`; calls `report` once per
 * back edge with the cycle's path (first node repeated at the end) and the span of the closing edge.
 */
export function findCycles(
  nodes: readonly string[],
  edges: (n: string) => readonly { to: string; span: Span }[],
  report: (path: string[], span: Span) => void,
): void {
  const color = new Map<string, 'gray' | 'black'>();
  const stack: string[] = [];
  const known = new Set(nodes);
  const visit = (n: string): void => {
    color.set(n, 'gray');
    stack.push(n);
    for (const e of edges(n)) {
      if (!known.has(e.to)) continue;
      const c = color.get(e.to);
      if (c === 'gray') {
        const from = stack.indexOf(e.to);
        report([...stack.slice(from), e.to], e.span);
      } else if (c === undefined) visit(e.to);
    }
    stack.pop();
    color.set(n, 'black');
  };
  for (const n of nodes) if (!color.has(n)) visit(n);
}

