import { describe, expect, it } from 'vitest';
import { holdout, kfold } from '../../../src/runtime/eval/folds.js';

describe('holdout', () => {
  it('is deterministic, disjoint, complete and sorted', () => {
    const a = holdout(1000, { test: 0.3, seed: 42 });
    const b = holdout(1000, { test: 0.3, seed: 42 });
    expect(a).toEqual(b);
    expect(a.test.length).toBe(300);
    const all = [...a.train, ...a.test].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect([...a.test]).toEqual([...a.test].sort((x, y) => x - y));
    expect(holdout(1000, { test: 0.3, seed: 43 }).test).not.toEqual(a.test);
  });
  it('stratifies', () => {
    const y = Float64Array.from({ length: 1000 }, (_, i) => (i < 100 ? 1 : 0));
    const s = holdout(1000, { test: 0.3, seed: 1, stratify: y });
    expect([...s.test].filter((i) => y[i] === 1).length).toBe(30);
  });
  it('with `by`, depends only on the id value', () => {
    const ids = Float64Array.from({ length: 2000 }, (_, i) => 100000 + i);
    const s1 = holdout(2000, { test: 0.25, seed: 7, by: ids });
    const testIds = new Set([...s1.test].map((i) => ids[i]));
    // Reverse the rows and drop half: every remaining id keeps its part.
    const rev = Float64Array.from([...ids].reverse().filter((_, i) => i % 2 === 0));
    const s2 = holdout(rev.length, { test: 0.25, seed: 7, by: rev });
    for (const i of s2.test) expect(testIds.has(rev[i])).toBe(true);
    for (const i of s2.train) expect(testIds.has(rev[i])).toBe(false);
    expect(s1.test.length / 2000).toBeGreaterThan(0.2);
    expect(s1.test.length / 2000).toBeLessThan(0.3);
    // Rows sharing an id land together; strings work too.
    const sid = ['a', 'b', 'a', 'c', 'b', 'a'];
    const s3 = holdout(6, { test: 0.5, seed: 3, by: sid });
    const part = new Map<string, boolean>();
    for (const i of s3.test) part.set(sid[i]!, true);
    for (const i of s3.train) expect(part.has(sid[i]!)).toBe(false);
  });
  it('rejects bad arguments', () => {
    expect(() => holdout(10, { test: 1.5, seed: 1 })).toThrow(/test/);
    expect(() => holdout(10, { test: 0.5, seed: 1, by: Float64Array.from([1]) })).toThrow(/by/);
  });
});

describe('kfold', () => {
  it('partitions rows into k balanced folds', () => {
    const f = kfold(103, 5, { seed: 9 });
    expect(f.length).toBe(5);
    const sizes = f.map((x) => x.test.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    const seen = new Int32Array(103);
    for (const x of f) {
      for (const i of x.test) seen[i]!++;
      expect(x.train.length + x.test.length).toBe(103);
    }
    expect([...seen].every((c) => c === 1)).toBe(true);
    expect(kfold(103, 5, { seed: 9 })).toEqual(f);
  });
  it('by id: order-independent', () => {
    const ids = ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8'];
    const f1 = kfold(8, 3, { seed: 5, by: ids });
    const rev = [...ids].reverse();
    const f2 = kfold(8, 3, { seed: 5, by: rev });
    for (let k = 0; k < 3; k++) {
      expect(new Set([...f2[k]!.test].map((i) => rev[i]))).toEqual(new Set([...f1[k]!.test].map((i) => ids[i])));
    }
  });
});
