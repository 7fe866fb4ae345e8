import { describe, expect, it } from 'vitest';
import { canonicalExpr, evaluate, exprFromCanonical, fromColumn, type Val, type EvalScope } from '../../src/runtime/expr.js';
import type { Expr } from '../../src/lang/ast.js';

const sp = { file: 't', start: 0, end: 0 };
const n = (name: string): Expr => ({ kind: 'name', name, quoted: false, span: sp });
const k = (value: number): Expr => ({ kind: 'num', value, raw: String(value), span: sp });
const bin = (op: '+' | '*' | '<' | '**' | '==' | '&&', left: Expr, right: Expr): Expr => ({ kind: 'binary', op, left, right, span: sp });
const call = (callee: string, ...args: Expr[]): Expr => ({ kind: 'call', callee, calleeSpan: sp, args, named: [], span: sp });
const idx = (object: Expr, i: number): Expr => ({ kind: 'index', object, index: k(i), span: sp });

// 3 events with 2, 0, 3 muons
const px = fromColumn({ kind: 'jagged', dtype: 'float32', offsets: Int32Array.from([0, 2, 2, 5]), values: Float64Array.from([3, 1, 0, 6, 2]) });
const py = fromColumn({ kind: 'jagged', dtype: 'float32', offsets: Int32Array.from([0, 2, 2, 5]), values: Float64Array.from([4, 1, 1, 8, 2]) });
const met = fromColumn({ kind: 'num', dtype: 'float64', values: Float64Array.from([10, NaN, 30]) });
const label = fromColumn({ kind: 'str', dtype: 'string', values: ['s', 'b', 's'] });
const scope: EvalScope = {
  rows: 3,
  lookup: (name) => ({ px, py, met, Label: label, cut: { t: 'const', v: 2 } as Val }[name]),
};
const arr = (v: Val) => Array.from((v as { v: Float64Array }).v);

describe('expression evaluation', () => {
  it('reduces jagged arithmetic per event', () => {
    const e = call('max', call('sqrt', bin('+', bin('**', n('px'), k(2)), bin('**', n('py'), k(2)))));
    expect(arr(evaluate(e, scope))).toEqual([5, NaN, 10]);
  });
  it('counts booleans, sums and takes lengths', () => {
    expect(arr(evaluate(call('count', bin('<', n('px'), n('cut'))), scope))).toEqual([1, 0, 1]);
    expect(arr(evaluate(call('sum', n('px')), scope))).toEqual([4, 0, 8]);
    expect(arr(evaluate(call('len', n('px')), scope))).toEqual([2, 0, 3]);
    expect(arr(evaluate(call('mean', n('px')), scope))).toEqual([2, NaN, 8 / 3]);
  });
  it('indexes with missing when out of range', () => {
    expect(arr(evaluate(idx(n('px'), 0), scope))).toEqual([3, NaN, 0]);
    expect(arr(evaluate(idx(n('px'), -1), scope))).toEqual([1, NaN, 2]);
    expect(arr(evaluate(idx(n('px'), 2), scope))).toEqual([NaN, NaN, 2]);
  });
  it('broadcasts per-event scalars over jagged elements', () => {
    const v = evaluate(bin('*', n('px'), n('met')), scope);
    expect(v.t).toBe('jagged');
    expect(arr(v)).toEqual([30, 10, 0, 180, 60]);
  });
  it('compares strings and treats missing as false', () => {
    expect(arr(evaluate(bin('==', n('Label'), { kind: 'str', value: 's', span: sp }), scope))).toEqual([1, 0, 1]);
    expect(arr(evaluate(bin('<', n('met'), k(100)), scope))).toEqual([1, 0, 1]);
    expect(arr(evaluate(bin('&&', bin('<', n('met'), k(100)), k(1)), scope))).toEqual([1, 0, 1]);
  });
  it('if() and isnan()', () => {
    expect(arr(evaluate(call('if', call('isnan', n('met')), k(-1), n('met')), scope))).toEqual([10, -1, 30]);
  });
  it('round-trips through the canonical form with params substituted', () => {
    const e = call('max', bin('*', n('px'), n('cut')));
    const c = canonicalExpr(e, { cut: 2 });
    expect(c).toEqual({ f: 'max', a: [{ op: '*', a: [{ c: 'px' }, { p: 2 }] }] });
    expect(arr(evaluate(exprFromCanonical(c), scope))).toEqual([6, NaN, 12]);
  });
  it('rejects jagged columns of different shapes', () => {
    const other = fromColumn({ kind: 'jagged', dtype: 'float32', offsets: Int32Array.from([0, 1, 2, 3]), values: Float64Array.from([1, 2, 3]) });
    const s2: EvalScope = { rows: 3, lookup: (nm) => (nm === 'a' ? px : other) };
    expect(() => evaluate(bin('+', n('a'), n('b')), s2)).toThrow(/different numbers of elements/);
  });
});
