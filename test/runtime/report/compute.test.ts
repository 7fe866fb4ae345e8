import { describe, expect, it } from 'vitest';
import { amsBest, auc } from '../../../src/runtime/eval/metrics.js';
import {
  amsCurve,
  concatScores,
  density,
  histogram,
  inputBinning,
  quantileSorted,
  scoreRange,
  thin,
  weightedRoc,
} from '../../../src/runtime/report/compute.js';
import { prefixIds } from '../../../src/runtime/report/render.js';
import { textWidth } from '../../../src/runtime/report/theme.js';
import type { ScoreSet } from '../../../src/runtime/results.js';
import { Rng } from '../../../src/runtime/util/rng.js';

const f = (a: number[]) => Float64Array.from(a);

function randomSet(seed: number, n: number, ties = false): ScoreSet {
  const rng = new Rng(seed);
  const score = new Float64Array(n);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = rng.next() < 0.4 ? 1 : 0;
    const s = (y[i] ? 0.8 : -0.8) + rng.normal();
    score[i] = ties ? Math.round(s * 4) / 4 : s;
    w[i] = 0.2 + rng.next() * 2;
  }
  return { score, y, w };
}

describe('weightedRoc', () => {
  it('gives the exact weighted points of a small example, ties as one step', () => {
    // scores 0.9 (S, w2), 0.5 (S, w1), 0.5 (B, w1), 0.1 (B, w3)
    const roc = weightedRoc({ score: f([0.9, 0.5, 0.5, 0.1]), y: f([1, 1, 0, 0]), w: f([2, 1, 1, 3]) });
    expect(Array.from(roc.effS)).toEqual([0, 2 / 3, 1, 1]);
    expect(Array.from(roc.effB)).toEqual([0, 0, 0.25, 1]);
    expect(Array.from(roc.threshold)).toEqual([Infinity, 0.9, 0.5, 0.1]);
    // trapezoid: 0.25 * (2/3 + 1)/2 + 0.75 * 1
    expect(roc.auc).toBeCloseTo(0.25 * (5 / 6) + 0.75, 14);
  });

  it('has the AUC of eval/metrics (Mann–Whitney with ties as ½) to 1e-12, with and without ties', () => {
    for (const ties of [false, true]) {
      const set = randomSet(3, 5000, ties);
      expect(Math.abs(weightedRoc(set).auc - auc(set))).toBeLessThan(1e-12);
    }
  });

  it('skips NaN scores and returns NaN AUC without a class', () => {
    const roc = weightedRoc({ score: f([NaN, 0.4, 0.2]), y: f([1, 1, 0]), w: f([5, 1, 1]) });
    expect(roc.signalWeight).toBe(1);
    expect(roc.auc).toBe(1);
    expect(Number.isNaN(weightedRoc({ score: f([0.3, 0.2]), y: f([1, 1]), w: f([1, 1]) }).auc)).toBe(true);
    expect(weightedRoc({ score: f([]), y: f([]), w: f([]) }).effS.length).toBe(0);
  });
});

describe('thin', () => {
  it('keeps both ends and leaves no gap above the tolerance', () => {
    const n = 20000;
    const x = Float64Array.from({ length: n }, (_, i) => i / (n - 1));
    const y = x.map((v) => Math.sqrt(v));
    const keep = thin(x, y, { dx: 0.002, dy: 0.002 });
    expect(keep[0]).toBe(0);
    expect(keep[keep.length - 1]).toBe(n - 1);
    expect(keep.length).toBeLessThan(700);
    // every dropped point lies within the tolerance of the last kept point before it
    for (let k = 1; k < keep.length; k++) {
      const a = keep[k - 1]!;
      for (let i = a + 1; i < keep[k]!; i++) {
        expect(Math.abs(x[i]! - x[a]!)).toBeLessThan(0.002);
        expect(Math.abs(y[i]! - y[a]!)).toBeLessThan(0.002);
      }
    }
  });
});

describe('histogram and density', () => {
  it('bins weights, puts hi in the last bin, counts under/overflow and NaN', () => {
    const h = histogram(f([0, 0.25, 0.5, 1, -1, 2, NaN]), f([1, 2, 3, 4, 5, 6, 7]), 0, 1, 2);
    expect(Array.from(h.edges)).toEqual([0, 0.5, 1]);
    expect(Array.from(h.sumw)).toEqual([3, 7]);
    expect(Array.from(h.sumw2)).toEqual([5, 25]);
    expect(h.underflow).toBe(5);
    expect(h.overflow).toBe(6);
    expect(h.missing).toBe(7);
    expect(h.missingCount).toBe(1);
  });

  it('normalises to unit area with errors sqrt(Σw²)/(W·width)', () => {
    const d = density(histogram(f([0.1, 0.2, 0.7]), f([1, 1, 2]), 0, 1, 4));
    const area = d.reduce((s, b) => s + b.density * (b.hi - b.lo), 0);
    expect(area).toBeCloseTo(1, 14);
    expect(d[0]!.density).toBeCloseTo(2 / (4 * 0.25), 14);
    expect(d[0]!.error).toBeCloseTo(Math.sqrt(2) / (4 * 0.25), 14);
    expect(d[2]!.error).toBeCloseTo(2 / (4 * 0.25), 14);
  });

  it('gives zero densities (not NaN) for an empty histogram', () => {
    const d = density(histogram(f([]), f([]), 0, 1, 3));
    expect(d.map((b) => b.density)).toEqual([0, 0, 0]);
  });
});

describe('ranges and binning', () => {
  it('uses [0, 1] for probabilities and pads other score ranges', () => {
    expect(scoreRange([f([0.1, 0.9]), f([0, 1])])).toEqual([0, 1]);
    const [lo, hi] = scoreRange([f([-2, 3, NaN])]);
    expect(lo).toBeCloseTo(-2.1, 12);
    expect(hi).toBeCloseTo(3.1, 12);
    expect(scoreRange([f([NaN])])).toEqual([0, 1]);
    expect(scoreRange([f([5, 5])])).toEqual([4.5, 5.5]);
  });

  it('gives integer variables one bin per value', () => {
    const b = inputBinning([f([0, 1, 2, 3, 1, NaN]), f([0, 2])], 40);
    expect(b).toEqual({ lo: -0.5, hi: 3.5, nbins: 4, discrete: true });
  });

  it('cuts long tails at the 0.1/99.9 % quantiles but keeps compact ranges whole', () => {
    const rng = new Rng(1);
    const tail = Float64Array.from({ length: 10000 }, () => -30 * Math.log(1 - rng.next()));
    tail[0] = 5000; // one far outlier
    const b = inputBinning([tail], 40);
    expect(b.discrete).toBe(false);
    expect(b.hi).toBeLessThan(400);
    expect(b.lo).toBeGreaterThanOrEqual(0);
    const u = Float64Array.from({ length: 1000 }, (_, i) => i / 999 + 0.5);
    expect(inputBinning([u], 40)).toEqual({ lo: 0.5, hi: 1.5, nbins: 40, discrete: false });
  });

  it('interpolates quantiles like numpy', () => {
    expect(quantileSorted(f([1, 2, 3, 4]), 0.5)).toBe(2.5);
    expect(quantileSorted(f([1, 2, 3, 4]), 1)).toBe(4);
    expect(Number.isNaN(quantileSorted(f([]), 0.5))).toBe(true);
  });
});

describe('amsCurve', () => {
  it('peaks exactly at eval/metrics amsBest, with the same weight scale, and draws that peak', () => {
    const set = randomSet(11, 4000);
    const scale = { signal: 3, background: 40 };
    const c = amsCurve(set, 10, scale);
    const ref = amsBest(set, { signalScale: 3, backgroundScale: 40 });
    expect(c.best.ams).toBeCloseTo(ref.ams, 12);
    expect(c.best.threshold).toBe(ref.threshold);
    expect(c.best.s).toBeCloseTo(ref.s, 9);
    expect(c.best.b).toBeCloseTo(ref.b, 9);
    expect(Math.max(...c.ams)).toBe(c.best.ams);
    expect(c.threshold[c.ams.indexOf(c.best.ams)]).toBe(c.best.threshold);
    // thresholds ascend from the lowest score (everything selected) to the highest
    for (let k = 1; k < c.threshold.length; k++) expect(c.threshold[k]!).toBeGreaterThan(c.threshold[k - 1]!);
    expect(c.threshold[0]).toBe(Math.min(...set.score));
    expect(c.threshold.length).toBeLessThan(2000);
  });

  it('matches a direct computation at a drawn threshold', () => {
    const set = randomSet(5, 500);
    const c = amsCurve(set, 10);
    const k = Math.floor(c.threshold.length / 2);
    const t = c.threshold[k]!;
    let s = 0;
    let b = 0;
    for (let i = 0; i < set.score.length; i++) {
      if (set.score[i]! >= t) {
        if (set.y[i] === 1) s += set.w[i]!;
        else b += set.w[i]!;
      }
    }
    const expected = Math.sqrt(2 * ((s + b + 10) * Math.log(1 + s / (b + 10)) - s));
    expect(c.ams[k]).toBeCloseTo(expected, 12);
  });
});

describe('concatScores', () => {
  it('joins folds in order', () => {
    const a = { score: f([1]), y: f([1]), w: f([2]) };
    const b = { score: f([3, 4]), y: f([0, 1]), w: f([5, 6]) };
    const c = concatScores([a, b]);
    expect(Array.from(c.score)).toEqual([1, 3, 4]);
    expect(Array.from(c.w)).toEqual([2, 5, 6]);
  });
});

describe('prefixIds', () => {
  it('renames ids in order of appearance and rewrites their references', () => {
    const svg = '<svg><clipPath id="clip7"><rect/></clipPath><g clip-path="url(#clip7)"/><linearGradient id="gradient_3"/><rect fill="url(#gradient_3)"/><use href="#clip7"/></svg>';
    expect(prefixIds(svg, 'roc')).toBe(
      '<svg><clipPath id="roc-1"><rect/></clipPath><g clip-path="url(#roc-1)"/><linearGradient id="roc-2"/><rect fill="url(#roc-2)"/><use href="#roc-1"/></svg>',
    );
  });
});

describe('textWidth', () => {
  it('uses Helvetica advance widths', () => {
    expect(textWidth('0', 1000)).toBe(556);
    expect(textWidth('Wi', 10)).toBeCloseTo(9.44 + 2.22, 10);
  });
});
