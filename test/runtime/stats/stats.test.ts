/** Unit tests of stats/: edge cases (NaN, empty, weights), multiclass, correlations, significance. */
import { describe, expect, it } from 'vitest';
import { argsort, sortBinary } from '../../../src/runtime/stats/sort.js';
import { separation, anova, auc, aucScore, fisherCriterion, univariate, univariateAll, scoreRecord, SCORE_NAMES } from '../../../src/runtime/stats/univariate.js';
import { ks2 } from '../../../src/runtime/stats/ks.js';
import { mutualInfo, mutualInfoHist2 } from '../../../src/runtime/stats/mi.js';
import { correlationMatrix, classCorrelations, weightedRanks } from '../../../src/runtime/stats/correlation.js';
import { benjaminiHochberg, bootstrapCI, permutationPValue } from '../../../src/runtime/stats/significance.js';
import { Rng } from '../../../src/runtime/util/rng.js';
import { loadHiggsml, loadReference } from './load.js';

const f = (a: number[]) => Float64Array.from(a);

function gaussianSample(n: number, shift: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float64Array(n), y = new Float64Array(n), w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    x[i] = rng.normal() + (y[i] ? shift : 0);
    w[i] = 0.5 + rng.next();
  }
  return { x, y, w };
}

describe('argsort', () => {
  it('orders negatives, zeros, duplicates and infinities stably (radix and small paths)', () => {
    for (const n of [10, 5000]) {
      const rng = new Rng(n);
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = [0, -0, Infinity, -Infinity, 1e-300, -1e300][i % 7] ?? Math.round(rng.normal() * 100) / 10;
      const o = argsort(v);
      for (let i = 1; i < n; i++) {
        const a = v[o[i - 1]!]!, b = v[o[i]!]!;
        expect(a <= b).toBe(true);
        if (a === b && !(Object.is(a, -0) !== Object.is(b, -0))) expect(o[i - 1]! < o[i]!).toBe(true);
      }
    }
  });
});

/** Columns that stress the binary sort: ties, ±0, ±Infinity, NaN, doubles sharing one float32. */
function awkwardColumns(n: number, seed: number): Float64Array[] {
  const rng = new Rng(seed);
  const cols: Float64Array[] = [];
  const make = (gen: (i: number) => number) => { const c = new Float64Array(n); for (let i = 0; i < n; i++) c[i] = gen(i); cols.push(c); };
  make(() => rng.normal());
  make(() => Math.round(rng.normal() * 1000) / 1000);
  make(() => Math.max(0, Math.min(4, Math.round(rng.normal() + 1.5))));
  make(() => (rng.next() < 0.2 ? NaN : Math.exp(rng.normal()) * 40));
  make((i) => [0, -0, Infinity, -Infinity, 1e-300, -1e300, NaN][i % 9] ?? rng.normal());
  make(() => 1e9 + Math.floor(rng.next() * 5000) * 1e-3);          // runs of distinct doubles per float32 (long)
  make(() => 1 + Math.floor(rng.next() * 40) * 2 ** -40);             // runs of ≤ 32 per float32
  make(() => 7.25);                                                     // constant: every radix digit skipped
  make(() => 1024 + Math.floor(rng.next() * 1024));                     // two radix passes (low digit constant)
  return cols;
}

describe('sortBinary', () => {
  it('sorts kept rows by value with ties in row order, like a stable comparison sort', () => {
    for (const n of [0, 1, 7, 5000, 40000]) {
      const rng = new Rng(n + 1);
      const y = new Float64Array(n), w = new Float64Array(n);
      for (let i = 0; i < n; i++) { y[i] = i % 11 === 5 ? NaN : i % 13 === 3 ? 2 : rng.next() < 0.4 ? 1 : 0; w[i] = i % 17 === 4 ? NaN : rng.next() - 0.1; }
      for (const x of awkwardColumns(n, n + 2)) {
        const keep: number[] = [];
        for (let i = 0; i < n; i++) if (!Number.isNaN(x[i]!) && (y[i] === 0 || y[i] === 1) && !Number.isNaN(w[i]!)) keep.push(i);
        keep.sort((a, b) => (x[a]! < x[b]! ? -1 : x[a]! > x[b]! ? 1 : a - b));
        const s = sortBinary(x, y, w);
        expect(s.x.length).toBe(keep.length);
        let same = true;
        keep.forEach((i, j) => { if (!Object.is(s.x[j], x[i]) || s.w[j] !== w[i] || s.cls[j] !== y[i]) same = false; });
        expect(same, `n=${n}`).toBe(true);
        expect(s.nS + s.nB).toBe(keep.length);
        expect(s.nS).toBe(keep.filter((i) => y[i] === 1).length);
      }
    }
  });
});

describe('univariateAll', () => {
  it('gives bit-identical results to univariate() per score (weighted, unweighted, awkward columns)', () => {
    const n = 20000;
    const rng = new Rng(9);
    const y = new Float64Array(n), w = new Float64Array(n);
    for (let i = 0; i < n; i++) { y[i] = i % 23 === 7 ? NaN : rng.next() < 0.34 ? 1 : 0; w[i] = y[i] ? 0.001 + 0.002 * rng.next() : (rng.next() < 0.03 ? -1 : 1) * (0.5 + 2 * rng.next()); }
    const yOne = y.map((v) => (v === 1 ? 1 : Number.isNaN(v) ? NaN : 0)).map((v, i) => (i < 100 ? v : 0)); // few signal rows
    const cases: [Float64Array, Float64Array | undefined, object][] = [
      [y, w, {}], [y, undefined, {}], [y, new Float64Array(n).fill(2), { ksMethod: 'asymp' }], [y, w, { bins: 7 }],
      [y, w, { range: [-1, 1], bins: 5 }], [yOne, w, {}], [new Float64Array(n), w, {}],
    ];
    const names = SCORE_NAMES.filter((s) => s !== 'mutual_info');
    for (const [yy, ww, opts] of cases) {
      for (const x of awkwardColumns(n, 4)) {
        const all = univariateAll(names, x, yy, ww, opts);
        names.forEach((s, j) => {
          const one = univariate(s, x, yy, ww, opts);
          expect(all[j]!.score).toBe(s);
          expect(Object.is(all[j]!.value, one.value), `${s}: ${all[j]!.value} vs ${one.value}`).toBe(true);
          expect(Object.is(all[j]!.pvalue, one.pvalue), `${s} p`).toBe(true);
        });
      }
    }
    // Subsets and mutual_info go through the same entry point.
    const x = awkwardColumns(n, 4)[0]!;
    const sub = univariateAll(['fisher', 'mutual_info', 'ks'], x, y, w, { seed: 3 });
    expect(sub.map((r) => r.value)).toEqual([univariate('fisher', x, y, w).value, univariate('mutual_info', x, y, w, { seed: 3 }).value, univariate('ks', x, y, w).value]);
    expect(() => univariateAll(['separation'], x, y, w, { bins: 0 })).toThrow(/bins/);
  });
});

describe('separation', () => {
  it('is 0 for identical distributions and 1 for disjoint ones', () => {
    const x = f([1, 2, 3, 1, 2, 3]), y = f([1, 1, 1, 0, 0, 0]);
    expect(separation(x, y)).toBeCloseTo(0, 15);
    expect(separation(f([0, 0.1, 5, 5.1]), f([1, 1, 0, 0]))).toBeCloseTo(1, 15);
  });
  it('skips NaN rows, honours range and rejects bad bins', () => {
    const x = f([0, NaN, 1, 100]), y = f([1, 1, 0, 0]);
    expect(separation(x, y, null, { range: [0, 2], bins: 2 })).toBeCloseTo(1, 15); // 100 is outside
    expect(() => separation(x, y, null, { bins: 0 })).toThrow(/bins/);
  });
  it('is NaN when a class is empty or has non-positive weight', () => {
    expect(separation(f([1, 2]), f([1, 1]))).toBeNaN();
    expect(separation(f([1, 2, 3]), f([1, 0, 0]), f([-1, 1, 1]))).toBeNaN();
    expect(separation(f([]), f([]))).toBeNaN();
  });
  it('skips bins with negative pS + pB (negative weights) rather than failing', () => {
    const x = f([0, 0, 1, 1, 2]), y = f([1, 0, 1, 0, 0]), w = f([1, -3, 1, 2, 2]);
    expect(Number.isFinite(separation(x, y, w, { bins: 3 }))).toBe(true);
  });
});

describe('KS', () => {
  it('unit weights reproduce the unweighted statistic; weights change it', () => {
    const { x, y, w } = gaussianSample(400, 0.5, 1);
    const a = ks2(x, y), b = ks2(x, y, new Float64Array(400).fill(2));
    expect(b.statistic).toBe(a.statistic);
    expect(b.weighted).toBe(false);
    const c = ks2(x, y, w);
    expect(c.weighted).toBe(true);
    expect(c.method).toBe('asymp');
    expect(Math.abs(c.statistic - a.statistic)).toBeLessThan(0.1);
    expect(c.pvalue).toBeLessThan(0.01);
  });
  it('handles NaN, an empty class and negative weights', () => {
    expect(ks2(f([1, NaN, 2]), f([1, 1, 0])).statistic).toBe(1);
    expect(ks2(f([1, 2]), f([1, 1])).statistic).toBeNaN();
    const r = ks2(f([1, 2, 3, 4, 5, 6]), f([1, 1, 1, 0, 0, 0]), f([1, -0.5, 1, 1, 1, -0.2]));
    expect(Number.isFinite(r.statistic)).toBe(true);
  });
});

describe('ANOVA, AUC, Fisher', () => {
  it('ANOVA handles multiclass and weights (weighted = duplicated rows for F, not df)', () => {
    const x = f([1, 2, 3, 4, 5, 6, 7, 8, 9]), y = f([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    const a = anova(x, y);
    // group means 2, 5, 8; SSB = 3*(9+0+9) = 54; SSW = 6 → F = (54/2)/(6/6) = 27
    expect(a.f).toBeCloseTo(27, 12);
    expect(a.df1).toBe(2);
    expect(a.df2).toBe(6);
    expect(anova(f([1, 1, 2, 2]), f([0, 0, 1, 1])).f).toBe(Infinity);
    expect(anova(f([1, 2]), f([0, 0])).f).toBeNaN();
  });
  it('AUC counts ties half and max(AUC, 1 − AUC) is direction-free', () => {
    expect(auc(f([1, 1, 1, 1]), f([1, 0, 1, 0]))).toBe(0.5);
    expect(auc(f([0, 1, 2, 3]), f([0, 0, 1, 1]))).toBe(1);
    expect(aucScore(f([3, 2, 1, 0]), f([0, 0, 1, 1]))).toBe(1);
    // weights: signal at 2 weight 3, signal at 0 weight 1, background at 1 → AUC = 3/4
    expect(auc(f([2, 0, 1]), f([1, 1, 0]), f([3, 1, 1]))).toBeCloseTo(0.75, 15);
  });
  it('Fisher criterion of two unit Gaussians one sigma apart is about 1/2', () => {
    const { x, y } = gaussianSample(20000, 1, 3);
    expect(fisherCriterion(x, y)).toBeCloseTo(0.5, 1);
  });
});

describe('univariate dispatcher, multiclass', () => {
  it('one-vs-rest per class, weighted-mean combination, native ANOVA/MI, Bonferroni KS', () => {
    const rng = new Rng(5);
    const n = 3000, x = new Float64Array(n), y = new Float64Array(n), w = new Float64Array(n).fill(1);
    for (let i = 0; i < n; i++) { y[i] = i % 3; x[i] = rng.normal() + (y[i] === 2 ? 2 : 0); }
    const sep = univariate('separation', x, y, w);
    expect(sep.perClass).toHaveLength(3);
    const mean = sep.perClass!.reduce((s, c) => s + c.value, 0) / 3;
    expect(sep.value).toBeCloseTo(mean, 12); // equal class weights → plain mean
    expect(sep.perClass![2]!.value).toBeGreaterThan(sep.perClass![0]!.value);
    const ks = univariate('ks', x, y, w);
    const pmin = Math.min(...ks.perClass!.map((c) => c.pvalue!));
    expect(ks.pvalue).toBeCloseTo(Math.min(1, 3 * pmin), 15);
    const an = univariate('anova', x, y);
    expect(an.value).toBeCloseTo(anova(x, y).f, 12);
    expect(univariate('mutual_info', x, y).value).toBeGreaterThan(0.1);
    const rec = scoreRecord([ks, an]);
    expect(Object.keys(rec).sort()).toEqual(['anova', 'anova_pvalue', 'ks', 'ks_pvalue']);
  });
  it('rejects mismatched lengths with a message naming the score', () => {
    expect(() => univariate('auc', f([1, 2]), f([1]))).toThrow(/univariate auc/);
  });
});

describe('mutual information', () => {
  it('is ~0 for independent data and grows with separation; NaN rows skipped', () => {
    const a = gaussianSample(4000, 0, 11), b = gaussianSample(4000, 2, 12);
    expect(mutualInfo(a.x, a.y)).toBeLessThan(0.01);
    expect(mutualInfo(b.x, b.y)).toBeGreaterThan(0.2);
    const xn = Float64Array.from(b.x); xn[0] = NaN; xn[1] = NaN;
    expect(Math.abs(mutualInfo(xn, b.y) - mutualInfo(b.x, b.y))).toBeLessThan(0.01);
    expect(mutualInfo(b.x, b.y, { seed: 3 })).toBeCloseTo(mutualInfo(b.x, b.y, { seed: 3 }), 15);
  });
  it('hist estimator agrees with kNN in magnitude and is weighted; 2-D form finds dependence', () => {
    const b = gaussianSample(20000, 2, 13);
    const h = mutualInfo(b.x, b.y, { method: 'hist' }), k = mutualInfo(b.x, b.y);
    expect(Math.abs(h - k)).toBeLessThan(0.03);
    const z = Float64Array.from(b.x, (v) => v * 2 + 1);
    expect(mutualInfoHist2(b.x, z)).toBeGreaterThan(2);
    expect(mutualInfoHist2(b.x, b.w)).toBeLessThan(0.05);
    expect(() => mutualInfo(b.x, b.y, { method: 'x' as never })).toThrow(/unknown method/);
  });
});

describe('mutual_info_hist: the weighted plug-in estimator as a rank score', () => {
  it('equals the weighted class entropy when x separates the classes, ~0 for noise, and follows the weights', () => {
    // 3200 events, every 4th signal: 32 equal-count bins put signal and background in separate bins.
    const n = 3200, rng = new Rng(5);
    const x = new Float64Array(n), y = new Float64Array(n), w = new Float64Array(n), noise = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 4 === 0 ? 1 : 0;
      x[i] = y[i]! * 10 + rng.next();
      w[i] = y[i] ? 0.01 : 1 + rng.next(); // signal events are light, as in Monte Carlo
      noise[i] = rng.next();
    }
    let ws = 0, wt = 0;
    for (let i = 0; i < n; i++) { wt += w[i]!; if (y[i]) ws += w[i]!; }
    const h = (p: number) => -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
    const r = univariate('mutual_info_hist', x, y, w);
    expect(r.value).toBeCloseTo(h(ws / wt), 12);
    expect(univariate('mutual_info_hist', x, y).value).toBeCloseTo(h(0.25), 12);
    expect(univariate('mutual_info_hist', noise, y, w).value).toBeLessThan(0.02);
    // a few weights flipped negative (NLO Monte Carlo) still give a finite, non-negative score
    const wn = Float64Array.from(w, (v, i) => (i % 50 === 1 ? -v : v));
    const v = univariate('mutual_info_hist', x, y, wn).value;
    expect(Number.isFinite(v) && v >= 0).toBe(true);
    expect(univariateAll(['auc', 'mutual_info_hist'], x, y, w)[1]!.value).toBe(r.value);
  });
});

describe('correlations', () => {
  const ref = loadReference().higgsml_corr;
  const h = loadHiggsml();
  const cols = (ref.features as string[]).map((nm) => h.columns[h.names.indexOf(nm)]!);
  it('weighted Pearson matches np.cov(aweights), unweighted Pearson and Spearman match numpy/scipy', () => {
    const cm = classCorrelations(ref.features, cols, h.y, h.w);
    const cu = classCorrelations(ref.features, cols, h.y);
    for (const cls of ['signal', 'background'] as const) {
      for (let i = 0; i < cols.length; i++) {
        for (let j = 0; j < cols.length; j++) {
          expect(Math.abs(cm[cls].pearson[i]![j]! - ref[cls].w_pearson[i][j])).toBeLessThan(1e-10);
          expect(Math.abs(cu[cls].pearson[i]![j]! - ref[cls].pearson[i][j])).toBeLessThan(1e-10);
          expect(Math.abs(cu[cls].spearman[i]![j]! - ref[cls].spearman[i][j])).toBeLessThan(1e-10);
        }
      }
    }
  });
  it('uses pairwise-complete rows, gives NaN for constant columns and 1 on the diagonal', () => {
    const a = f([1, 2, 3, NaN, 5]), b = f([2, 4, 6, 100, 10]), c = f([1, 1, 1, 1, 1]);
    const R = correlationMatrix([a, b, c]);
    expect(R[0]![1]).toBeCloseTo(1, 12);
    expect(R[0]![2]).toBeNaN();
    expect(R[1]![1]).toBe(1);
    expect(Array.from(weightedRanks(f([3, 1, 1, NaN])))).toEqual([2.5, 1, 1, NaN]);
  });
});

describe('significance', () => {
  it('Benjamini–Hochberg rejects the step-up set and adjusts like statsmodels', () => {
    const p = [0.01, 0.04, 0.03, 0.005, 0.5, NaN];
    const r = benjaminiHochberg(p, 0.05);
    // sorted: .005 .01 .03 .04 .5 (m=5): thresholds .01 .02 .03 .04 .05 → k = 4
    expect(r.rejected).toEqual([true, true, true, true, false, false]);
    expect(r.adjusted[3]).toBeCloseTo(0.025, 15);
    expect(r.adjusted[0]).toBeCloseTo(0.025, 15);
    expect(r.adjusted[1]).toBeCloseTo(0.04 * 5 / 4, 15);
    expect(r.adjusted[4]).toBeCloseTo(0.5, 15);
    expect(r.adjusted[5]).toBeNaN();
    expect(() => benjaminiHochberg(p, 1.5)).toThrow(/q must be/);
  });
  it('permutation p-values: small for a real effect, uniform-ish for noise, deterministic', () => {
    const sig = gaussianSample(600, 0.5, 21), noise = gaussianSample(600, 0, 22);
    const fn = (x: Float64Array, y: Float64Array, w?: Float64Array) => separation(x, y, w, { bins: 20 });
    const a = permutationPValue(fn, sig.x, sig.y, sig.w, 99, 1);
    expect(a.pvalue).toBeCloseTo(1 / 100, 15);
    const b = permutationPValue(fn, noise.x, noise.y, noise.w, 99, 1);
    expect(b.pvalue).toBeGreaterThan(0.05);
    expect(permutationPValue(fn, noise.x, noise.y, noise.w, 99, 1).pvalue).toBe(b.pvalue);
    const c = permutationPValue((yy, ww) => fn(noise.x, yy, ww), noise.y, { n: 99, seed: 1, w: noise.w });
    expect(c).toBe(b.pvalue);
  });
  it('bootstrap CI covers the true value and both call forms agree', () => {
    const s = gaussianSample(2000, 1, 31);
    const fn = (x: Float64Array, y: Float64Array, w?: Float64Array) => aucScore(x, y, w);
    const ci = bootstrapCI(fn, s.x, s.y, undefined, { n: 50, seed: 2 });
    expect(ci.lo).toBeLessThan(0.76); // true AUC of N(1,1) vs N(0,1) is Φ(1/√2) = 0.760
    expect(ci.hi).toBeGreaterThan(0.76);
    expect(ci.hi - ci.lo).toBeLessThan(0.06);
    const pair = bootstrapCI((rows) => fn(Float64Array.from(rows, (i) => s.x[i]!), Float64Array.from(rows, (i) => s.y[i]!), undefined), 2000, { n: 50, seed: 2 });
    expect(pair).toEqual([ci.lo, ci.hi]);
  });
});
