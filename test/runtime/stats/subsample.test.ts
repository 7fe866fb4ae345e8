import { describe, expect, it } from 'vitest';
import { bootstrapCI, subsampleCI } from '../../../src/runtime/stats/significance.js';
import { mutualInfo } from '../../../src/runtime/stats/mi.js';
import { Rng } from '../../../src/runtime/util/rng.js';

const take = (a: Float64Array, rows: Int32Array) => Float64Array.from(rows, (i) => a[i]!);

describe('intervals of the kNN mutual information', () => {
  const rng = new Rng(3);
  const n = 2000;
  const y = Float64Array.from({ length: n }, () => (rng.next() < 0.4 ? 1 : 0));
  const x = Float64Array.from(y, (c) => rng.normal() + 0.5 * c);
  const mi = (rows: Int32Array) => mutualInfo(take(x, rows), take(y, rows), { k: 3, seed: 1 });
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const estimate = mi(all);

  it('the percentile bootstrap misses the estimate (duplicated events look like zero-distance neighbours)', () => {
    const [lo] = bootstrapCI(mi, n, { n: 20, seed: 5 });
    expect(lo).toBeGreaterThan(estimate);
  });

  it('the subsampling interval is centred on the estimate and has a sensible width', () => {
    const [lo, hi] = subsampleCI(mi, n, estimate, { n: 20, seed: 5 });
    expect(lo).toBeLessThan(estimate);
    expect(hi).toBeGreaterThan(estimate);
    expect(hi - lo).toBeLessThan(estimate);
    expect(hi - lo).toBeGreaterThan(0.002);
  });
});
