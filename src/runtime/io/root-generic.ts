/**
 * jsroot's generic per-entry reading (TSelector + treeProcess for TTrees, rntupleProcess for
 * RNTuples), turned into winnow columns.
 *
 * May import: jsroot/tree, jsroot/rntuple (loaded lazily), table, root-errors.
 * This is the fallback for branches the fast path does not decode (split-object members, Double32/
 * Float16 leaves, std::string, RNTuple fields) and the oracle the tests compare the fast path with.
 * Each entry's value arrives as a JavaScript value (number, boolean, string, typed array, array);
 * numbers become a numeric column, arrays of numbers a jagged column, strings a string column, and
 * anything else (maps, nested vectors, objects) is an unsupported type named with its branch.
 */
import type { Column, Dtype } from './table.js';
import { DataError } from './root-errors.js';

/** A column the generic reader should produce from one branch (or RNTuple field). */
export interface GenericSpec {
  readonly column: string;
  /** jsroot branch object (TTree) or field name (RNTuple). */
  readonly branch: unknown;
  /** 'float32', 'jagged<int32>', 'string', ... */
  readonly type: string;
}

interface Acc {
  readonly spec: GenericSpec;
  readonly kind: 'num' | 'jagged' | 'str';
  readonly dtype: Dtype;
  num: Float64Array;
  offsets: Int32Array;
  vals: Float64Array;
  nvals: number;
  strs: string[];
}

function parseType(type: string): { kind: 'num' | 'jagged' | 'str'; dtype: Dtype } {
  if (type === 'string') return { kind: 'str', dtype: 'string' };
  const m = /^jagged<(.+)>$/.exec(type);
  if (m) return { kind: 'jagged', dtype: m[1] as Dtype };
  return { kind: 'num', dtype: type as Dtype };
}

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  return NaN;
}

function grow(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2, 16));
  b.set(a);
  return b;
}

function push(acc: Acc, entry: number, v: unknown, where: string): void {
  if (acc.kind === 'num') {
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') { acc.num[entry] = toNumber(v); return; }
    if (v === null || v === undefined) { acc.num[entry] = NaN; return; }
  } else if (acc.kind === 'str') {
    if (typeof v === 'string') { acc.strs[entry] = v; return; }
  } else {
    if (ArrayBuffer.isView(v) || Array.isArray(v)) {
      const arr = v as ArrayLike<unknown>;
      acc.vals = grow(acc.vals, acc.nvals + arr.length);
      for (let i = 0; i < arr.length; i++) {
        const x = arr[i];
        if (typeof x === 'number') acc.vals[acc.nvals + i] = x;
        else if (typeof x === 'boolean' || typeof x === 'bigint') acc.vals[acc.nvals + i] = toNumber(x);
        else throw new DataError('unsupported-type', `${where}: branch \`${acc.spec.column}\` holds nested values (${describe(x)}), which winnow cannot read yet`);
      }
      acc.nvals += arr.length;
      acc.offsets[entry + 1] = acc.nvals;
      return;
    }
    if (typeof v === 'number' || typeof v === 'boolean') {
      acc.vals = grow(acc.vals, acc.nvals + 1);
      acc.vals[acc.nvals++] = toNumber(v);
      acc.offsets[entry + 1] = acc.nvals;
      return;
    }
  }
  throw new DataError('unsupported-type',
    `${where}: branch \`${acc.spec.column}\` (declared ${acc.spec.type}) holds ${describe(v)} values, which winnow cannot read yet`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') {
    const t = (v as { _typename?: unknown })._typename;
    return typeof t === 'string' ? t : (v as object).constructor?.name ?? 'object';
  }
  return typeof v;
}

function finish(acc: Acc, entries: number): Column {
  if (acc.kind === 'num') return { kind: 'num', dtype: acc.dtype, values: acc.num };
  if (acc.kind === 'str') return { kind: 'str', dtype: 'string', values: acc.strs };
  // entries never seen keep the previous offset
  for (let i = 1; i <= entries; i++) if (acc.offsets[i]! < acc.offsets[i - 1]!) acc.offsets[i] = acc.offsets[i - 1]!;
  return { kind: 'jagged', dtype: acc.dtype, offsets: acc.offsets, values: acc.vals.slice(0, acc.nvals) };
}

interface SelectorLike {
  tgtobj: Record<string, unknown>;
  addBranch(branch: unknown, name?: string): number;
  Process(entry: number): void;
  Terminate(res: boolean): void;
  ShowProgress(p: number): void;
}

/**
 * Reads `specs` from a jsroot TTree (or RNTuple when `rntuple`) entry by entry.
 * `where` names the file (and tree) in errors.
 */
export async function readGenericColumns(
  tree: unknown, entries: number, specs: readonly GenericSpec[], where: string, rntuple = false,
): Promise<Map<string, Column>> {
  const treeMod = (await import('jsroot/tree')) as unknown as { TSelector: new () => SelectorLike; treeProcess(t: unknown, s: unknown, a?: unknown): Promise<unknown> };
  const accs: Acc[] = specs.map((spec) => {
    const { kind, dtype } = parseType(spec.type);
    return {
      spec, kind, dtype,
      num: kind === 'num' ? new Float64Array(entries).fill(NaN) : new Float64Array(0),
      offsets: new Int32Array(kind === 'jagged' ? entries + 1 : 0),
      vals: new Float64Array(kind === 'jagged' ? Math.max(16, entries) : 0),
      nvals: 0,
      strs: kind === 'str' ? new Array<string>(entries).fill('') : [],
    };
  });
  const sel = new treeMod.TSelector();
  const names = specs.map((_, i) => `c${i}`);
  specs.forEach((s, i) => sel.addBranch(s.branch, names[i]));
  let failure: unknown;
  let seen = 0;
  sel.Process = function (this: SelectorLike, entry: number) {
    if (failure !== undefined) return;
    try {
      if (entry >= entries) throw new DataError('corrupt', `${where}: entry ${entry} beyond the ${entries} entries the header declares`);
      for (let i = 0; i < accs.length; i++) push(accs[i]!, entry, this.tgtobj[names[i]!], where);
      seen++;
    } catch (e: unknown) {
      failure = e;
      (this as unknown as { Abort(): void }).Abort();
    }
  };
  let result: unknown;
  try {
    if (rntuple) {
      const rn = (await import('jsroot/rntuple')) as unknown as { rntupleProcess(t: unknown, s: unknown, a?: unknown): Promise<unknown> };
      result = await rn.rntupleProcess(tree, sel);
    } else {
      result = await treeMod.treeProcess(tree, sel);
    }
  } catch (e: unknown) {
    if (e instanceof DataError) throw e;
    throw new DataError('corrupt', `${where}: jsroot could not read ${specs.map((s) => `\`${s.column}\``).join(', ')}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (failure !== undefined) throw failure;
  if (result === null || result === undefined || seen !== entries) {
    throw new DataError('corrupt', `${where}: jsroot read ${seen} of ${entries} entries of ${specs.map((s) => `\`${s.column}\``).join(', ')} (corrupt or truncated data)`);
  }
  const out = new Map<string, Column>();
  for (const acc of accs) out.set(acc.spec.column, finish(acc, entries));
  return out;
}
