/**
 * Vectorised evaluation of `.pipe` column expressions over typed arrays.
 *
 * May import: lang (AST types only), io/table.
 * A value is a constant, a per-event scalar column (Float64Array, NaN = missing), a jagged column
 * (offsets + values, as in Arrow) or a string column. Arithmetic on a jagged column is element-wise
 * and scalars (constants or per-event values) broadcast over each event's elements; the reductions
 * `sum max min count mean any all len` turn a jagged column into one value per event; `x[i]` picks
 * element i (negative i counts from the end) and is missing when the event has fewer elements.
 * Booleans are 1/0; a comparison with a missing value is false, and `!`/`&&`/`||` treat missing as
 * false, like ROOT's TTreeFormula. Each operator allocates one output array: expressions are small
 * and columns are long, so this keeps the evaluator simple and monomorphic.
 */
import type { Expr } from '../lang/ast.js';
import type { Column } from './io/table.js';

export type Val =
  | { readonly t: 'const'; readonly v: number | string | boolean }
  | { readonly t: 'scalar'; readonly v: Float64Array }
  | { readonly t: 'jagged'; readonly offsets: Int32Array; readonly v: Float64Array }
  | { readonly t: 'str'; readonly v: readonly string[] };

export class ExprError extends Error {
  constructor(message: string, readonly expr?: Expr) {
    super(message);
    this.name = 'ExprError';
  }
}

export interface EvalScope {
  readonly rows: number;
  /** Resolves a name (param, derived or source column) to a value; undefined if unknown. */
  lookup(name: string): Val | undefined;
}

export function fromColumn(c: Column): Val {
  switch (c.kind) {
    case 'num': return { t: 'scalar', v: c.values };
    case 'jagged': return { t: 'jagged', offsets: c.offsets, v: c.values };
    case 'str': return { t: 'str', v: c.values };
  }
}

export function toColumn(v: Val, rows: number): Column {
  switch (v.t) {
    case 'const': {
      if (typeof v.v === 'string') return { kind: 'str', dtype: 'string', values: new Array<string>(rows).fill(v.v) };
      return { kind: 'num', dtype: 'float64', values: new Float64Array(rows).fill(Number(v.v)) };
    }
    case 'scalar': return { kind: 'num', dtype: 'float64', values: v.v };
    case 'jagged': return { kind: 'jagged', dtype: 'float64', offsets: v.offsets, values: v.v };
    case 'str': return { kind: 'str', dtype: 'string', values: v.v };
  }
}

/** Names an expression refers to (column or param candidates), in first-use order. */
export function referencedNames(e: Expr, out: string[] = []): string[] {
  switch (e.kind) {
    case 'name': if (!out.includes(e.name)) out.push(e.name); break;
    case 'unary': referencedNames(e.operand, out); break;
    case 'binary': referencedNames(e.left, out); referencedNames(e.right, out); break;
    case 'call': e.args.forEach((a) => referencedNames(a, out)); e.named.forEach((a) => referencedNames(a.value, out)); break;
    case 'index': referencedNames(e.object, out); referencedNames(e.index, out); break;
    case 'member': {
      const dotted = memberPath(e);
      if (dotted && !out.includes(dotted)) out.push(dotted);
      else if (!dotted) referencedNames(e.object, out);
      break;
    }
    case 'list': e.items.forEach((a) => referencedNames(a, out)); break;
    default: break;
  }
  return out;
}

/** `a.b.c` written without backticks is the column `a.b.c`. */
export function memberPath(e: Expr): string | undefined {
  if (e.kind === 'name') return e.name;
  if (e.kind === 'member') {
    const base = memberPath(e.object);
    return base === undefined ? undefined : `${base}.${e.name}`;
  }
  return undefined;
}

type Num2 = (a: number, b: number) => number;
const truthy = (x: number): boolean => x === x && x !== 0;

const BIN: Record<string, Num2> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
  '**': (a, b) => a ** b,
  '<': (a, b) => (a < b ? 1 : 0),
  '<=': (a, b) => (a <= b ? 1 : 0),
  '>': (a, b) => (a > b ? 1 : 0),
  '>=': (a, b) => (a >= b ? 1 : 0),
  '==': (a, b) => (a === b ? 1 : 0),
  '!=': (a, b) => (a === a && b === b && a !== b ? 1 : 0),
  '&&': (a, b) => (truthy(a) && truthy(b) ? 1 : 0),
  '||': (a, b) => (truthy(a) || truthy(b) ? 1 : 0),
};

const UN: Record<string, (a: number) => number> = {
  abs: Math.abs, sqrt: Math.sqrt, exp: Math.exp, log: Math.log, log10: Math.log10,
  sin: Math.sin, cos: Math.cos, tan: Math.tan, isnan: (a) => (a !== a ? 1 : 0),
};

function num(v: Val, e: Expr): Val {
  if (v.t === 'str' || (v.t === 'const' && typeof v.v === 'string')) {
    throw new ExprError('expected a number, found a string', e);
  }
  if (v.t === 'const' && typeof v.v === 'boolean') return { t: 'const', v: v.v ? 1 : 0 };
  return v;
}

function sameOffsets(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Applies f element-wise with broadcasting. */
function map2(a: Val, b: Val, f: Num2, e: Expr): Val {
  if (a.t === 'const' && b.t === 'const') return { t: 'const', v: f(Number(a.v), Number(b.v)) };
  if (a.t === 'jagged' || b.t === 'jagged') {
    const offsets = a.t === 'jagged' ? a.offsets : (b as { offsets: Int32Array }).offsets;
    if (a.t === 'jagged' && b.t === 'jagged' && !sameOffsets(a.offsets, b.offsets)) {
      throw new ExprError('the two jagged columns have different numbers of elements in some events', e);
    }
    const n = offsets[offsets.length - 1]!;
    const out = new Float64Array(n);
    const rows = offsets.length - 1;
    for (let r = 0; r < rows; r++) {
      const s = offsets[r]!, t = offsets[r + 1]!;
      const bx = b.t === 'scalar' ? b.v[r]! : b.t === 'const' ? Number(b.v) : 0;
      const ax = a.t === 'scalar' ? a.v[r]! : a.t === 'const' ? Number(a.v) : 0;
      for (let k = s; k < t; k++) {
        const x = a.t === 'jagged' ? a.v[k]! : ax;
        const y = b.t === 'jagged' ? b.v[k]! : bx;
        out[k] = f(x, y);
      }
    }
    return { t: 'jagged', offsets, v: out };
  }
  // scalar/const combos
  const n = a.t === 'scalar' ? a.v.length : (b as { v: Float64Array }).v.length;
  const out = new Float64Array(n);
  if (a.t === 'scalar' && b.t === 'scalar') for (let i = 0; i < n; i++) out[i] = f(a.v[i]!, b.v[i]!);
  else if (a.t === 'scalar') { const y = Number((b as { v: number }).v); for (let i = 0; i < n; i++) out[i] = f(a.v[i]!, y); }
  else { const x = Number((a as { v: number }).v); const bv = (b as { v: Float64Array }).v; for (let i = 0; i < n; i++) out[i] = f(x, bv[i]!); }
  return { t: 'scalar', v: out };
}

function map1(a: Val, f: (x: number) => number): Val {
  switch (a.t) {
    case 'const': return { t: 'const', v: f(Number(a.v)) };
    case 'scalar': { const o = new Float64Array(a.v.length); for (let i = 0; i < o.length; i++) o[i] = f(a.v[i]!); return { t: 'scalar', v: o }; }
    case 'jagged': { const o = new Float64Array(a.v.length); for (let i = 0; i < o.length; i++) o[i] = f(a.v[i]!); return { t: 'jagged', offsets: a.offsets, v: o }; }
    case 'str': throw new ExprError('expected a number, found a string');
  }
}

function strCompare(a: Val, b: Val, op: string, rows: number): Val {
  const get = (v: Val): ((i: number) => string | number) => {
    if (v.t === 'str') return (i) => v.v[i]!;
    if (v.t === 'const') return () => v.v as string | number;
    if (v.t === 'scalar') return (i) => v.v[i]!;
    throw new ExprError('cannot compare a jagged column with a string');
  };
  const ga = get(a), gb = get(b);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const eq = ga(i) === gb(i);
    out[i] = (op === '==' ? eq : !eq) ? 1 : 0;
  }
  return { t: 'scalar', v: out };
}

type Reducer = { init: number; step: (acc: number, x: number) => number; done?: (acc: number, n: number) => number; empty: number };
const REDUCE: Record<string, Reducer> = {
  sum: { init: 0, step: (a, x) => a + x, empty: 0 },
  max: { init: -Infinity, step: (a, x) => (x > a || x !== x ? x : a), empty: NaN },
  min: { init: Infinity, step: (a, x) => (x < a || x !== x ? x : a), empty: NaN },
  count: { init: 0, step: (a, x) => a + (truthy(x) ? 1 : 0), empty: 0 },
  mean: { init: 0, step: (a, x) => a + x, done: (a, n) => a / n, empty: NaN },
  any: { init: 0, step: (a, x) => (a || truthy(x) ? 1 : 0), empty: 0 },
  all: { init: 1, step: (a, x) => (a && truthy(x) ? 1 : 0), empty: 1 },
  len: { init: 0, step: (a) => a + 1, empty: 0 },
};

function reduce(a: Val, name: string): Val {
  const r = REDUCE[name]!;
  if (a.t !== 'jagged') {
    // A per-event scalar is a one-element list.
    return map1(a, (x) => (r.done ? r.done(r.step(r.init, x), 1) : r.step(r.init, x)));
  }
  const rows = a.offsets.length - 1;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const s = a.offsets[i]!, t = a.offsets[i + 1]!;
    if (s === t) { out[i] = r.empty; continue; }
    let acc = r.init;
    for (let k = s; k < t; k++) acc = r.step(acc, a.v[k]!);
    out[i] = r.done ? r.done(acc, t - s) : acc;
  }
  return { t: 'scalar', v: out };
}

function index(a: Val, idx: Val, e: Expr): Val {
  if (a.t !== 'jagged') throw new ExprError('indexing needs a jagged (per-event list) column', e);
  const rows = a.offsets.length - 1;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const s = a.offsets[i]!, t = a.offsets[i + 1]!;
    let k = idx.t === 'const' ? Number(idx.v) : idx.t === 'scalar' ? idx.v[i]! : NaN;
    if (k !== k) { out[i] = NaN; continue; }
    k = Math.trunc(k);
    if (k < 0) k += t - s;
    out[i] = k >= 0 && k < t - s ? a.v[s + k]! : NaN;
  }
  return { t: 'scalar', v: out };
}

function ifElse(c: Val, a: Val, b: Val, e: Expr): Val {
  if (c.t === 'const') return truthy(Number(c.v)) ? a : b;
  return map2(map2(c, a, (cc, x) => (truthy(cc) ? x : NaN), e), map2(c, b, (cc, y) => (truthy(cc) ? NaN : y), e), (x, y) => (x === x ? x : y), e);
}

export function evaluate(e: Expr, scope: EvalScope): Val {
  switch (e.kind) {
    case 'num': return { t: 'const', v: e.value };
    case 'str': return { t: 'const', v: e.value };
    case 'bool': return { t: 'const', v: e.value ? 1 : 0 };
    case 'name': case 'member': {
      const path = memberPath(e);
      const v = path !== undefined ? scope.lookup(path) : undefined;
      if (!v) throw new ExprError(`unknown name \`${path ?? '?'}\``, e);
      return v;
    }
    case 'unary': {
      const a = num(evaluate(e.operand, scope), e);
      return e.op === '-' ? map1(a, (x) => -x) : map1(a, (x) => (truthy(x) ? 0 : 1));
    }
    case 'binary': {
      const l = evaluate(e.left, scope), r = evaluate(e.right, scope);
      const isStr = (v: Val) => v.t === 'str' || (v.t === 'const' && typeof v.v === 'string');
      if ((e.op === '==' || e.op === '!=') && (isStr(l) || isStr(r))) {
        if (l.t === 'const' && r.t === 'const') return { t: 'const', v: (l.v === r.v) === (e.op === '==') ? 1 : 0 };
        return strCompare(l, r, e.op, scope.rows);
      }
      return map2(num(l, e.left), num(r, e.right), BIN[e.op]!, e);
    }
    case 'call': {
      const args = e.args.map((a) => evaluate(a, scope));
      const f = e.callee;
      if (f in UN && args.length === 1) return map1(num(args[0]!, e), UN[f]!);
      if (f === 'atan2' && args.length === 2) return map2(num(args[0]!, e), num(args[1]!, e), Math.atan2, e);
      if ((f === 'min' || f === 'max') && args.length === 2) {
        return map2(num(args[0]!, e), num(args[1]!, e), f === 'min' ? (a, b) => (a < b || a !== a ? a : b) : (a, b) => (a > b || a !== a ? a : b), e);
      }
      if (f in REDUCE && args.length === 1) return reduce(num(args[0]!, e), f);
      if (f === 'if' && args.length === 3) return ifElse(num(args[0]!, e), num(args[1]!, e), num(args[2]!, e), e);
      throw new ExprError(`unknown function \`${f}\` with ${args.length} argument(s)`, e);
    }
    case 'index': return index(evaluate(e.object, scope), num(evaluate(e.index, scope), e.index), e);
    case 'list': throw new ExprError('a list is not a column expression', e);
    case 'error': throw new ExprError('expression has a syntax error', e);
  }
}

/** Evaluates and broadcasts to a full column of `rows` values. */
export function evaluateColumn(e: Expr, scope: EvalScope): Column {
  return toColumn(evaluate(e, scope), scope.rows);
}

/** Canonical JSON of an expression with params substituted (spans dropped): the key of a derive step. */
export function canonicalExpr(e: Expr, params: Readonly<Record<string, unknown>> = {}): unknown {
  switch (e.kind) {
    case 'num': return e.value;
    case 'str': return { s: e.value };
    case 'bool': return e.value;
    case 'name': return e.name in params ? { p: params[e.name] } : { c: e.name };
    case 'member': { const p = memberPath(e); return p !== undefined ? { c: p } : { m: [canonicalExpr(e.object, params), e.name] }; }
    case 'unary': return { op: e.op, a: [canonicalExpr(e.operand, params)] };
    case 'binary': return { op: e.op, a: [canonicalExpr(e.left, params), canonicalExpr(e.right, params)] };
    case 'call': return { f: e.callee, a: e.args.map((x) => canonicalExpr(x, params)) };
    case 'index': return { op: '[]', a: [canonicalExpr(e.object, params), canonicalExpr(e.index, params)] };
    case 'list': return e.items.map((x) => canonicalExpr(x, params));
    case 'error': return { error: true };
  }
}

const NOSPAN = { file: '<canonical>', start: 0, end: 0 };

/** Rebuilds an evaluable expression from `canonicalExpr` output (steps receive only canonical params). */
export function exprFromCanonical(c: unknown): Expr {
  const span = NOSPAN;
  if (typeof c === 'number') return { kind: 'num', value: c, raw: String(c), span };
  if (typeof c === 'boolean') return { kind: 'bool', value: c, span };
  if (Array.isArray(c)) return { kind: 'list', items: c.map(exprFromCanonical), span };
  const o = c as Record<string, unknown>;
  if ('s' in o) return { kind: 'str', value: o.s as string, span };
  if ('p' in o) {
    const p = o.p;
    if (typeof p === 'number') return { kind: 'num', value: p, raw: String(p), span };
    if (typeof p === 'boolean') return { kind: 'bool', value: p, span };
    return { kind: 'str', value: String(p), span };
  }
  if ('c' in o) return { kind: 'name', name: o.c as string, quoted: true, span };
  const a = (o.a as unknown[] | undefined)?.map(exprFromCanonical) ?? [];
  if ('f' in o) return { kind: 'call', callee: o.f as string, calleeSpan: span, args: a, named: [], span };
  if (o.op === '[]') return { kind: 'index', object: a[0]!, index: a[1]!, span };
  if (a.length === 1) return { kind: 'unary', op: o.op as '-' | '!', operand: a[0]!, span };
  if (a.length === 2) return { kind: 'binary', op: o.op as '+', left: a[0]!, right: a[1]!, span };
  return { kind: 'error', span };
}

/** Column names (not params) a canonical expression reads. */
export function canonicalColumns(c: unknown, out: string[] = []): string[] {
  if (Array.isArray(c)) { c.forEach((x) => canonicalColumns(x, out)); return out; }
  if (c && typeof c === 'object') {
    const o = c as Record<string, unknown>;
    if ('c' in o) { if (!out.includes(o.c as string)) out.push(o.c as string); return out; }
    if ('a' in o) canonicalColumns(o.a, out);
  }
  return out;
}
