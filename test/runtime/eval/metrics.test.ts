import { describe, expect, it } from 'vitest';
import {
  amsBest, amsTop, amsValue, auc, computeMetrics, effAtRejection, kolmogorovProb, ksTest, logloss,
  loglossMulti, oneVsRest, rocCurve, summarizeFolds,
} from '../../../src/runtime/eval/metrics.js';
import type { ScoreSet } from '../../../src/runtime/results.js';

const set = (score: number[], y: number[], w?: number[]): ScoreSet => ({
  score: Float64Array.from(score),
  y: Float64Array.from(y),
  w: Float64Array.from(w ?? score.map(() => 1)),
});

describe('auc', () => {
  it('matches the sklearn doc example (0.75)', () => {
    expect(auc(set([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]))).toBeCloseTo(0.75, 12);
  });
  it('counts ties as one half', () => {
    expect(auc(set([0.5, 0.5], [1, 0]))).toBe(0.5);
    // s(0.5, w1) vs b(0.5, w3) tie -> 1.5, vs b(0.2, w1) win -> 1; total 2.5 / (1·4)
    expect(auc(set([0.5, 0.5, 0.2], [1, 0, 0], [1, 3, 1]))).toBeCloseTo(0.625, 12);
  });
  it('uses weights and skips NaN rows', () => {
    // s(1, w2) beats b(0.5); s(0, w1) loses: 2 / 3
    expect(auc(set([1, 0, 0.5, NaN], [1, 1, 0, 0], [2, 1, 1, 5]))).toBeCloseTo(2 / 3, 12);
  });
  it('is NaN without one of the classes', () => {
    expect(auc(set([0.1, 0.2], [1, 1]))).toBeNaN();
    expect(auc(set([], []))).toBeNaN();
  });
  it('takes negative weights as they are', () => {
    // s(1, w1) beats b(0.5, w2) and b(0.1, w-1): (2 - 1) / (1 · 1) = 1; s(0.3, w1) beats only b(0.1): -1
    expect(auc(set([1, 0.3, 0.5, 0.1], [1, 1, 0, 0], [1, 1, 2, -1]))).toBeCloseTo(0 / 2, 12);
  });
});

describe('rocCurve and efficiency', () => {
  it('has one point per distinct score', () => {
    const r = rocCurve(set([0.9, 0.9, 0.5, 0.1], [1, 0, 1, 0]));
    expect(r.fpr).toEqual([0, 0.5, 0.5, 1]);
    expect(r.tpr).toEqual([0, 0.5, 1, 1]);
    expect(r.thresholds).toEqual([Infinity, 0.9, 0.5, 0.1]);
  });
  it('interpolates signal efficiency at a background rejection', () => {
    // 10 background at scores 0..9 and 10 signal at 5.5..14.5: at bkg eff 0.1 (score ≥ 9) signal eff 0.6.
    const score: number[] = [], y: number[] = [];
    for (let i = 0; i < 10; i++) { score.push(i); y.push(0); score.push(i + 5.5); y.push(1); }
    expect(effAtRejection(set(score, y), 0.9)).toBeCloseTo(0.6, 12);
    // rejection 0.95: halfway between (fpr 0, tpr 0.6) and (0.1, 0.6) -> 0.6
    expect(effAtRejection(set(score, y), 0.95)).toBeCloseTo(0.6, 12);
    // rejection 0.85: between (0.1, 0.6)... next point (0.1,0.7)? signal 8.5 comes before bkg 8: (0.1, 0.7), then (0.2, 0.7)
    expect(effAtRejection(set(score, y), 0.85)).toBeCloseTo(0.7, 12);
  });
});

describe('ams', () => {
  it('is the HiggsML formula', () => {
    expect(amsValue(1, 0)).toBeCloseTo(Math.sqrt(2 * (11 * Math.log(1 + 1 / 10) - 1)), 14);
    expect(amsValue(0, 100)).toBe(0);
    // large b: ≈ s/√b
    expect(amsValue(10, 1e6, 0)).toBeCloseTo(10 / 1000, 4);
  });
  it('finds the best weighted threshold', () => {
    // scores desc: s w3 (0.9), b w2 (0.8), s w1 (0.1), b w50 (0.05)
    const r = amsBest(set([0.9, 0.8, 0.1, 0.05], [1, 0, 1, 0], [3, 2, 1, 50]));
    const cands = [amsValue(3, 0), amsValue(3, 2), amsValue(4, 2), amsValue(4, 52)];
    expect(r.ams).toBeCloseTo(Math.max(...cands), 14);
    expect(r.ams).toBeCloseTo(amsValue(4, 2), 14);
    expect(r.threshold).toBe(0.1);
    expect([r.s, r.b]).toEqual([4, 2]);
  });
  it('applies per-class weight scales', () => {
    const r = amsBest(set([0.9, 0.1], [1, 0], [1, 1]), { signalScale: 100, backgroundScale: 10 });
    expect(r.ams).toBeCloseTo(amsValue(100, 0), 12);
  });
  it('selects the top 15 % by count, ties included', () => {
    const score: number[] = [], y: number[] = [], w: number[] = [];
    for (let i = 0; i < 20; i++) { score.push(20 - i); y.push(i % 2 === 0 ? 1 : 0); w.push(i + 1); }
    // ceil(0.15·20) = 3 events: w1 (s), w2 (b), w3 (s)
    const r = amsTop(set(score, y, w));
    expect([r.s, r.b]).toEqual([4, 2]);
    expect(r.ams).toBeCloseTo(amsValue(4, 2), 14);
    score[3] = score[2]!; // tie with the third: the fourth (b, w4) is included too
    const r2 = amsTop(set(score, y, w));
    expect([r2.s, r2.b]).toEqual([4, 6]);
  });
});

describe('logloss', () => {
  it('is the weighted mean of −log p(true class)', () => {
    const v = logloss(set([0.8, 0.4], [1, 0], [1, 3]));
    expect(v).toBeCloseTo(-(Math.log(0.8) + 3 * Math.log(0.6)) / 4, 14);
  });
  it('clips 0 and 1 and refuses non-probabilities', () => {
    expect(logloss(set([0], [1]))).toBeCloseTo(-Math.log(1e-15), 8);
    expect(logloss(set([1.5, 0.5], [1, 0]))).toBeNaN();
  });
  it('multiclass', () => {
    const p = Float64Array.from([0.7, 0.2, 0.1, 0.1, 0.1, 0.8]);
    expect(loglossMulti(p, Float64Array.from([0, 2]), Float64Array.from([1, 1]), 3)).toBeCloseTo(-(Math.log(0.7) + Math.log(0.8)) / 2, 14);
    const o = oneVsRest(p, Float64Array.from([0, 2]), Float64Array.from([1, 1]), 3, 2);
    expect(Array.from(o.score)).toEqual([0.1, 0.8]);
    expect(Array.from(o.y)).toEqual([0, 1]);
  });
});

describe('ks', () => {
  it('Kolmogorov distribution matches scipy kstwobign.sf', () => {
    // scipy.stats.kstwobign.sf(z) for z = 0.5√2, 0.3, 1, 2
    expect(kolmogorovProb(0.5 * Math.SQRT2)).toBeCloseTo(0.6993741991310154, 6);
    expect(kolmogorovProb(0.3)).toBeCloseTo(0.9999906941986655, 6);
    expect(kolmogorovProb(1)).toBeCloseTo(0.26999967167735456, 8);
    expect(kolmogorovProb(2)).toBeCloseTo(0.0006709252557796953, 10);
  });
  it('two-sample distance and p-value', () => {
    const a = Float64Array.from([1, 2, 3, 4]), b = Float64Array.from([3, 4, 5, 6]);
    const one = Float64Array.from([1, 1, 1, 1]);
    const r = ksTest(a, one, b, one);
    expect(r.d).toBeCloseTo(0.5, 14);
    expect(r.p).toBeCloseTo(0.6993741991310154, 6); // n_eff = 4·4/8 = 2, z = 0.5·√2
    expect(ksTest(a, one, a, one)).toEqual({ d: 0, p: 1 });
    expect(ksTest(Float64Array.from([1, 2]), Float64Array.from([1, 1]), Float64Array.from([3, 4]), Float64Array.from([1, 1])).d).toBe(1);
  });
  it('weights act as repeated events for D, with Kish effective sizes for p', () => {
    // a = {1 (w3), 2 (w1)} vs b = {1, 2, 2, 2}: F_a(1) = 0.75, F_b(1) = 0.25 -> D = 0.5
    const r = ksTest(Float64Array.from([1, 2]), Float64Array.from([3, 1]), Float64Array.from([1, 2, 2, 2]), Float64Array.from([1, 1, 1, 1]));
    expect(r.d).toBeCloseTo(0.5, 14);
    const na = 16 / 10, nb = 4;
    expect(r.p).toBeCloseTo(kolmogorovProb(0.5 * Math.sqrt((na * nb) / (na + nb))), 14);
  });
});

describe('computeMetrics', () => {
  it('fills every field and the overtraining test', () => {
    const test = set([0.9, 0.8, 0.3, 0.2], [1, 0, 1, 0]);
    const m = computeMetrics(test, test);
    expect(m.auc).toBeCloseTo(0.75, 12);
    // thresholds 0.9 (s1 b0), 0.8 (s1 b1), 0.3 (s2 b1), 0.2 (s2 b2): best is 0.3
    expect(m.ams).toBeCloseTo(amsValue(2, 1), 12);
    expect(m.ams).toBeGreaterThan(amsValue(1, 0));
    expect(m.ams_threshold).toBe(0.3);
    expect(m.significance).toBeCloseTo(2, 12);
    expect(m.ams_top15).toBeCloseTo(amsValue(1, 0), 12);
    expect(m.logloss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.2) + Math.log(0.3) + Math.log(0.8)) / 4, 12);
    expect(m.eff_at_rej90).toBeCloseTo(0.5, 12);
    expect(m.ks_overtraining).toEqual({ signal: 1, background: 1 });
  });
  it('s/√b is NaN when no background is selected at the best threshold; NaN without a class', () => {
    const m = computeMetrics(set([0.9, 0.1], [1, 0], [5, 1]));
    expect(m.ams_threshold).toBe(0.9);
    expect(m.significance).toBeNaN();
    const none = computeMetrics(set([0.9, 0.1], [0, 0]));
    expect(none.auc).toBeNaN();
    expect(none.eff_at_rej90).toBeNaN();
  });
  it('averages folds with a sample standard deviation', () => {
    const base = computeMetrics(set([0.9, 0.1], [1, 0]));
    const f1 = { ...base, auc: 0.8 }, f2 = { ...base, auc: 0.9 }, f3 = { ...base, auc: 1.0 };
    const { mean, std } = summarizeFolds([f1, f2, f3]);
    expect(mean.auc).toBeCloseTo(0.9, 12);
    expect(std.auc).toBeCloseTo(0.1, 12);
  });
});
