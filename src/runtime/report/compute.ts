/**
 * The numbers behind the report's curves: weighted ROC points, weighted histograms, the AMS curve,
 * a weighted two-sample KS test, quantiles and axis ranges. Pure functions over typed arrays.
 *
 * May import: eval/metrics (the AMS formula), results (types only).
 * Why here and not in eval/: the report draws curves (hundreds of points), while eval/ computes the
 * single summary numbers that models store; the summary numbers shown on the page always come from
 * the ModelResult, never from here, so the two can't disagree in a table. What is computed here is
 * only what the result objects do not carry (curve points and bins).
 *
 * NaN rule: events whose score or value is NaN are skipped by every function here (a histogram
 * counts their weight in `missing`). Weights may be negative (NLO Monte Carlo); sums stay signed.
 */
import { amsValue } from '../eval/metrics.js';
import type { ScoreSet } from '../results.js';

/** Indices of finite scores, sorted by score, highest first (ties keep index order: deterministic). */
function sortedDesc(score: Float64Array): Uint32Array {
  let m = 0;
  for (let i = 0; i < score.length; i++) if (Number.isFinite(score[i]!)) m++;
  const idx = new Uint32Array(m);
  m = 0;
  for (let i = 0; i < score.length; i++) if (Number.isFinite(score[i]!)) idx[m++] = i;
  idx.sort((a, b) => score[b]! - score[a]! || a - b);
  return idx;
}

/**
 * Walks the cuts of a score in descending order: calls `at(s, b, threshold)` with the cumulative
 * signal and background weight at or above each distinct score (tied scores form one cut).
 * `idx` comes from `sortedDesc`.
 */
function forEachCut(set: ScoreSet, idx: Uint32Array, at: (s: number, b: number, threshold: number) => void): void {
  const { score, y, w } = set;
  let s = 0;
  let b = 0;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    if (y[i]! > 0.5) s += w[i]!;
    else b += w[i]!;
    const next = idx[k + 1];
    if (next === undefined || score[next]! !== score[i]!) at(s, b, score[i]!);
  }
}

export interface RocCurve {
  /** Signal efficiency ε_S (true-positive rate) of the cut `score >= threshold[i]`; starts at 0, ends at 1. */
  readonly effS: Float64Array;
  /** Background efficiency ε_B (false-positive rate) of the same cut. */
  readonly effB: Float64Array;
  readonly threshold: Float64Array;
  /** Trapezoidal area under (ε_B, ε_S), i.e. the weighted AUC of these events. */
  readonly auc: number;
  readonly signalWeight: number;
  readonly backgroundWeight: number;
}

/**
 * Weighted ROC: one point per distinct score (ties form one step, so the curve is exact for tied
 * scores). Binary truth: y > 0.5 is signal. Returns empty arrays and NaN AUC when a class has no
 * positive total weight.
 */
export function weightedRoc(set: ScoreSet): RocCurve {
  const { score, y, w } = set;
  const idx = sortedDesc(score);
  let S = 0;
  let B = 0;
  for (const i of idx) {
    if (y[i]! > 0.5) S += w[i]!;
    else B += w[i]!;
  }
  if (!(S > 0) || !(B > 0)) {
    const e = new Float64Array(0);
    return { effS: e, effB: e, threshold: e, auc: NaN, signalWeight: S, backgroundWeight: B };
  }
  const effS: number[] = [0];
  const effB: number[] = [0];
  const thr: number[] = [Infinity];
  forEachCut(set, idx, (s, b, t) => {
    effS.push(s / S);
    effB.push(b / B);
    thr.push(t);
  });
  let auc = 0;
  for (let k = 1; k < effS.length; k++) {
    auc += (effB[k]! - effB[k - 1]!) * (effS[k]! + effS[k - 1]!) * 0.5;
  }
  return {
    effS: Float64Array.from(effS),
    effB: Float64Array.from(effB),
    threshold: Float64Array.from(thr),
    auc,
    signalWeight: S,
    backgroundWeight: B,
  };
}

/**
 * Indices of a polyline's points worth drawing: the first, the last, and each point that moved
 * more than `dx` or `dy` from the last kept one, or (when `logY`) changed y by more than the
 * factor e^dlog. Keeps curves of 10^5 events to a few hundred points with sub-pixel error.
 */
export function thin(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  opts: { dx: number; dy: number; dlog?: number },
): number[] {
  const n = x.length;
  if (n <= 2) return Array.from({ length: n }, (_, i) => i);
  const keep = [0];
  let kx = x[0]!;
  let ky = y[0]!;
  for (let i = 1; i < n - 1; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    let far = Math.abs(xi - kx) >= opts.dx || Math.abs(yi - ky) >= opts.dy;
    if (!far && opts.dlog !== undefined && yi > 0 && ky > 0) far = Math.abs(Math.log(yi / ky)) >= opts.dlog;
    if (far) {
      // the dropped points lie within (dx, dy) of the last kept one, so the drawn polyline is off
      // the true one by less than the tolerance, even across a jump
      keep.push(i);
      kx = xi;
      ky = yi;
    }
  }
  keep.push(n - 1);
  return keep;
}

export interface Histogram {
  /** nbins + 1 bin edges. */
  readonly edges: Float64Array;
  /** Sum of weights per bin. */
  readonly sumw: Float64Array;
  /** Sum of squared weights per bin (for the error bars). */
  readonly sumw2: Float64Array;
  readonly underflow: number;
  readonly overflow: number;
  /** Weight of NaN values. */
  readonly missing: number;
  /** Number of NaN values. */
  readonly missingCount: number;
}

/**
 * Weighted histogram with `nbins` equal bins on [lo, hi]; a value equal to hi goes into the last bin.
 * Values outside go to under/overflow, NaN to missing.
 */
export function histogram(
  values: Float64Array,
  weights: Float64Array,
  lo: number,
  hi: number,
  nbins: number,
): Histogram {
  const edges = new Float64Array(nbins + 1);
  const width = (hi - lo) / nbins;
  for (let k = 0; k <= nbins; k++) edges[k] = lo + k * width;
  edges[nbins] = hi;
  const sumw = new Float64Array(nbins);
  const sumw2 = new Float64Array(nbins);
  let underflow = 0;
  let overflow = 0;
  let missing = 0;
  let missingCount = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const wi = weights[i]!;
    if (Number.isNaN(v)) {
      missing += wi;
      missingCount++;
    } else if (v < lo) underflow += wi;
    else if (v > hi) overflow += wi;
    else {
      const k = Math.min(nbins - 1, Math.floor((v - lo) / width));
      sumw[k] = sumw[k]! + wi;
      sumw2[k] = sumw2[k]! + wi * wi;
    }
  }
  return { edges, sumw, sumw2, underflow, overflow, missing, missingCount };
}

/** One bin of a histogram normalised to unit area: density (1/N dN/dx) and its statistical error. */
export interface DensityBin {
  readonly lo: number;
  readonly hi: number;
  readonly density: number;
  readonly error: number;
}

/** Normalises a histogram to unit area over its range (in-range weight; 0 bins when the total is not positive). */
export function density(h: Histogram): DensityBin[] {
  let total = 0;
  for (const v of h.sumw) total += v;
  const out: DensityBin[] = [];
  for (let k = 0; k < h.sumw.length; k++) {
    const lo = h.edges[k]!;
    const hi = h.edges[k + 1]!;
    const norm = total > 0 ? 1 / (total * (hi - lo)) : 0;
    out.push({ lo, hi, density: h.sumw[k]! * norm, error: Math.sqrt(h.sumw2[k]!) * norm });
  }
  return out;
}

/** Finite min and max of several arrays; [NaN, NaN] when there is no finite value. */
export function finiteRange(arrays: readonly Float64Array[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (const v of a) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : [NaN, NaN];
}

/**
 * Histogram range of classifier scores: [0, 1] when every score is a probability, otherwise the
 * finite min..max padded by 2 % (a degenerate range is widened to ±0.5).
 */
export function scoreRange(arrays: readonly Float64Array[]): [number, number] {
  const [lo, hi] = finiteRange(arrays);
  if (Number.isNaN(lo)) return [0, 1];
  if (lo >= 0 && hi <= 1) return [0, 1];
  if (hi - lo <= 0) return [lo - 0.5, hi + 0.5];
  const pad = (hi - lo) * 0.02;
  return [lo - pad, hi + pad];
}

/** Sorted finite values. */
function sortedFinite(arrays: readonly Float64Array[]): Float64Array {
  let n = 0;
  for (const a of arrays) for (const v of a) if (Number.isFinite(v)) n++;
  const out = new Float64Array(n);
  n = 0;
  for (const a of arrays) for (const v of a) if (Number.isFinite(v)) out[n++] = v;
  return out.sort();
}

/** Quantile q in [0, 1] of sorted values, linear interpolation (numpy's default); NaN when empty. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  const a = sorted[i]!;
  const b = sorted[Math.min(n - 1, i + 1)]!;
  return a + (b - a) * f;
}

export interface Binning {
  readonly lo: number;
  readonly hi: number;
  readonly nbins: number;
  /** True for integer-valued variables (jet multiplicity): one bin per integer. */
  readonly discrete: boolean;
}

/**
 * Binning for an input variable, from both classes' values:
 * - integer-valued with at most 30 distinct values: one bin per integer, centred on it;
 * - otherwise `nbins` bins from the 0.1 % to the 99.9 % quantile, or the full min..max when the
 *   tails add less than 20 % to the range (long tails of pT-like variables would squash the peak;
 *   what falls outside is reported as under/overflow in report.json).
 */
export function inputBinning(arrays: readonly Float64Array[], nbins: number): Binning {
  const s = sortedFinite(arrays);
  if (s.length === 0) return { lo: 0, hi: 1, nbins, discrete: false };
  const min = s[0]!;
  const max = s[s.length - 1]!;
  let integer = true;
  let distinct = 1;
  for (let i = 0; i < s.length; i++) {
    if (!Number.isInteger(s[i]!)) {
      integer = false;
      break;
    }
    if (i > 0 && s[i] !== s[i - 1]) distinct++;
  }
  if (integer && distinct <= 30 && max - min <= 60) {
    return { lo: min - 0.5, hi: max + 0.5, nbins: max - min + 1, discrete: true };
  }
  if (max === min) return { lo: min - 0.5, hi: max + 0.5, nbins, discrete: false };
  let lo = quantileSorted(s, 0.001);
  let hi = quantileSorted(s, 0.999);
  if (!(hi > lo) || max - min <= 1.2 * (hi - lo)) {
    lo = min;
    hi = max;
  }
  return { lo, hi, nbins, discrete: false };
}

export interface AmsCurve {
  /** Thresholds of the cut `score >= t`, ascending (distinct scores, thinned for drawing). */
  readonly threshold: Float64Array;
  readonly ams: Float64Array;
  /** The exact maximum over all distinct cuts; its point is always among the drawn ones. */
  readonly best: { threshold: number; ams: number; s: number; b: number };
}

/**
 * AMS of the cut `score >= t` at every distinct score t, with s and b the selected signal and
 * background weights times `scale` (the factors eval/metrics applied when it computed the model's
 * AMS, so the curve peaks at ModelResult.metrics.ams). The curve is thinned to what a plot can show
 * (steps below 1/600 of the score range and 1/400 of the peak are merged) but keeps the maximum,
 * whose sharp spike at high thresholds a fixed grid would miss.
 */
export function amsCurve(
  set: ScoreSet,
  breg: number,
  scale: { signal: number; background: number } = { signal: 1, background: 1 },
): AmsCurve {
  const idx = sortedDesc(set.score);
  const ts: number[] = [];
  const as: number[] = [];
  let best = { threshold: NaN, ams: 0, s: 0, b: 0 };
  let bestK = -1;
  forEachCut(set, idx, (s, b, t) => {
    const a = amsValue(s * scale.signal, b * scale.background, breg);
    if (a > best.ams) {
      best = { threshold: t, ams: a, s: s * scale.signal, b: b * scale.background };
      bestK = ts.length;
    }
    ts.push(t);
    as.push(a);
  });
  ts.reverse();
  as.reverse();
  if (bestK >= 0) bestK = ts.length - 1 - bestK;
  const n = ts.length;
  const range = n > 1 ? ts[n - 1]! - ts[0]! : 0;
  const keep = thin(ts, as, { dx: range / 600, dy: best.ams / 400 || Infinity });
  if (bestK >= 0 && !keep.includes(bestK)) {
    keep.push(bestK);
    keep.sort((p, q) => p - q);
  }
  return {
    threshold: Float64Array.from(keep, (k) => ts[k]!),
    ams: Float64Array.from(keep, (k) => as[k]!),
    best,
  };
}

/** The events of one class (y > 0.5 = signal) of a ScoreSet. */
export function classScores(set: ScoreSet, signal: boolean): { score: Float64Array; w: Float64Array } {
  let n = 0;
  for (let i = 0; i < set.y.length; i++) if (set.y[i]! > 0.5 === signal) n++;
  const score = new Float64Array(n);
  const w = new Float64Array(n);
  n = 0;
  for (let i = 0; i < set.y.length; i++) {
    if (set.y[i]! > 0.5 === signal) {
      score[n] = set.score[i]!;
      w[n++] = set.w[i]!;
    }
  }
  return { score, w };
}

/** Concatenation of several ScoreSets (the pooled held-out folds). */
export function concatScores(sets: readonly ScoreSet[]): ScoreSet {
  let n = 0;
  for (const s of sets) n += s.score.length;
  const score = new Float64Array(n);
  const y = new Float64Array(n);
  const w = new Float64Array(n);
  let o = 0;
  for (const s of sets) {
    score.set(s.score, o);
    y.set(s.y, o);
    w.set(s.w, o);
    o += s.score.length;
  }
  return { score, y, w };
}

/** Rounds to `sig` significant digits (for curve points in report.json and the specs; NaN stays NaN). */
export function round(x: number, sig = 5): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(sig));
}
