/**
 * Weighted classification metrics that physicists report: ROC AUC and curve, AMS, s/√b, log loss,
 * signal efficiency at fixed background rejection, and TMVA's overtraining KS test.
 *
 * May import: results (types), models/types (types). Nothing else: pure functions over typed arrays.
 *
 * Conventions (binary): y = 1 signal, y = 0 background; higher score = more signal-like; an event is
 * "selected" at threshold t when score ≥ t. Weights are used as they are, negative ones included
 * (a metric may then leave its usual range, e.g. an AUC slightly above 1; that is the honest value).
 * Rows whose score, label or weight is NaN are skipped. Where a metric is undefined (no signal
 * weight, no background, a score that is not a probability for log loss) the value is NaN.
 *
 * Non-obvious choices:
 * - AUC counts ties as one half (the Mann-Whitney statistic), computed by sorting once: O(n log n).
 * - AMS = √(2((s + b + b_reg) ln(1 + s/(b + b_reg)) − s)), b_reg = 10 (HiggsML). The best threshold
 *   is searched over all distinct scores. `ams_top15` selects the ⌈0.15 n⌉ highest-scored events
 *   (by count, as HiggsML solutions did), plus any events tied with the last one.
 *   AMS is in units of the weights: if the evaluated rows are a fraction of the sample, pass
 *   `weightScale` (e.g. total weight / evaluated weight, per class) to get the full-sample value.
 * - s/√b is taken at the best-AMS threshold (NaN when b ≤ 0 there).
 * - Log loss needs probabilities. Scores outside [0, 1] (e.g. a raw Fisher discriminant) give NaN
 *   rather than an invented calibration; winnow's fisher() outputs Platt-calibrated probabilities
 *   by default. Probabilities are clipped to [1e-15, 1 − 1e-15].
 * - Efficiency at rejection r: linear interpolation of the ROC curve (signal efficiency vs
 *   background efficiency) at background efficiency 1 − r, as TMVA's GetEfficiency does.
 * - Overtraining KS: the weighted two-sample Kolmogorov–Smirnov distance D between train and test
 *   scores of one class, with the p-value from the asymptotic Kolmogorov distribution at
 *   z = D √(n₁n₂/(n₁+n₂)) using Kish's effective sizes n = (Σw)²/Σw² (what ROOT's
 *   TH1::KolmogorovTest does for weighted histograms, but unbinned).
 */
import type { Metrics, ScoreSet } from '../results.js';

export interface MetricsOptions {
  /** Regularisation term of the AMS (default 10). */
  breg?: number;
  /** Multiply signal weights by this before AMS and s/√b (default 1). */
  signalScale?: number;
  /** Multiply background weights by this before AMS and s/√b (default 1). */
  backgroundScale?: number;
  /** Fraction selected for `ams_top15` (default 0.15). */
  topFraction?: number;
}

/** Finite rows only, sorted by score descending (stable: ties keep input order). */
interface Sorted {
  score: Float64Array;
  sig: Float64Array; // weight if signal else 0
  bkg: Float64Array; // weight if background else 0
  n: number;
  wS: number;
  wB: number;
}

function sortDesc(set: ScoreSet): Sorted {
  const { score, y, w } = set;
  if (score.length !== y.length || w.length !== y.length) {
    throw new Error(`metrics: score (${score.length}), y (${y.length}) and w (${w.length}) must have the same length`);
  }
  const idx: number[] = [];
  for (let i = 0; i < score.length; i++) {
    if (!Number.isNaN(score[i]!) && !Number.isNaN(y[i]!) && !Number.isNaN(w[i]!)) idx.push(i);
  }
  idx.sort((a, b) => score[b]! - score[a]! || a - b);
  const n = idx.length;
  const out: Sorted = { score: new Float64Array(n), sig: new Float64Array(n), bkg: new Float64Array(n), n, wS: 0, wB: 0 };
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    out.score[k] = score[i]!;
    if (y[i] === 1) { out.sig[k] = w[i]!; out.wS += w[i]!; } else { out.bkg[k] = w[i]!; out.wB += w[i]!; }
  }
  return out;
}

/** Weighted ROC AUC; ties count one half. NaN if either class has zero total weight. */
export function auc(set: ScoreSet): number {
  return aucSorted(sortDesc(set));
}

function aucSorted(s: Sorted): number {
  if (s.wS === 0 || s.wB === 0) return NaN;
  // Walk groups of tied scores from the top: each signal in a group beats all background below it
  // (accumulated later) ... easier: for each group, area += sigGroup * (bkg strictly below) + ½ sig·bkg in group.
  let area = 0;
  let bkgAbove = 0;
  let k = 0;
  while (k < s.n) {
    let j = k, gs = 0, gb = 0;
    while (j < s.n && s.score[j] === s.score[k]) { gs += s.sig[j]!; gb += s.bkg[j]!; j++; }
    // Signal in this group loses against background above, ties with background in the group.
    area += gs * (s.wB - bkgAbove - gb) + 0.5 * gs * gb;
    bkgAbove += gb;
    k = j;
  }
  return area / (s.wS * s.wB);
}

export interface RocCurve {
  /** Background efficiency (false-positive rate), from 0 to 1. */
  fpr: number[];
  /** Signal efficiency (true-positive rate). */
  tpr: number[];
  /** Threshold giving each point (score ≥ threshold selected); the first point is +Infinity. */
  thresholds: number[];
}

/**
 * ROC curve points, one per distinct score (plus the origin). With `maxPoints`, points are thinned
 * to at most that many (evenly in index, keeping both ends) for plotting.
 */
export function rocCurve(set: ScoreSet, maxPoints?: number): RocCurve {
  const s = sortDesc(set);
  const fpr = [0], tpr = [0], thresholds = [Infinity];
  let cs = 0, cb = 0, k = 0;
  while (k < s.n) {
    let j = k;
    while (j < s.n && s.score[j] === s.score[k]) { cs += s.sig[j]!; cb += s.bkg[j]!; j++; }
    fpr.push(s.wB !== 0 ? cb / s.wB : NaN);
    tpr.push(s.wS !== 0 ? cs / s.wS : NaN);
    thresholds.push(s.score[k]!);
    k = j;
  }
  if (maxPoints !== undefined && maxPoints >= 2 && fpr.length > maxPoints) {
    const keep: number[] = [];
    for (let i = 0; i < maxPoints; i++) keep.push(Math.round((i * (fpr.length - 1)) / (maxPoints - 1)));
    return { fpr: keep.map((i) => fpr[i]!), tpr: keep.map((i) => tpr[i]!), thresholds: keep.map((i) => thresholds[i]!) };
  }
  return { fpr, tpr, thresholds };
}

/** Approximate median significance with regularisation b_reg. */
export function amsValue(s: number, b: number, breg = 10): number {
  const bb = b + breg;
  const rad = 2 * ((s + bb) * Math.log(1 + s / bb) - s);
  return rad > 0 ? Math.sqrt(rad) : 0;
}

export interface AmsResult {
  ams: number;
  threshold: number;
  s: number;
  b: number;
}

/** Best AMS over all thresholds (score ≥ t selected). */
export function amsBest(set: ScoreSet, opts: MetricsOptions = {}): AmsResult {
  return amsBestSorted(sortDesc(set), opts);
}

function amsBestSorted(s: Sorted, opts: MetricsOptions): AmsResult {
  const breg = opts.breg ?? 10, fs = opts.signalScale ?? 1, fb = opts.backgroundScale ?? 1;
  let best: AmsResult = { ams: NaN, threshold: NaN, s: NaN, b: NaN };
  let cs = 0, cb = 0, k = 0;
  while (k < s.n) {
    let j = k;
    while (j < s.n && s.score[j] === s.score[k]) { cs += s.sig[j]!; cb += s.bkg[j]!; j++; }
    const a = amsValue(cs * fs, cb * fb, breg);
    if (!(a <= best.ams)) best = { ams: a, threshold: s.score[k]!, s: cs * fs, b: cb * fb };
    k = j;
  }
  return best;
}

/** AMS with the top `fraction` of events (by count, ties with the last included) selected. */
export function amsTop(set: ScoreSet, fraction = 0.15, opts: MetricsOptions = {}): AmsResult {
  return amsTopSorted(sortDesc(set), fraction, opts);
}

function amsTopSorted(s: Sorted, fraction: number, opts: MetricsOptions): AmsResult {
  const breg = opts.breg ?? 10, fs = opts.signalScale ?? 1, fb = opts.backgroundScale ?? 1;
  if (s.n === 0) return { ams: NaN, threshold: NaN, s: NaN, b: NaN };
  const m = Math.min(s.n, Math.max(1, Math.ceil(fraction * s.n)));
  const thr = s.score[m - 1]!;
  let cs = 0, cb = 0;
  for (let k = 0; k < s.n && s.score[k]! >= thr; k++) { cs += s.sig[k]!; cb += s.bkg[k]!; }
  return { ams: amsValue(cs * fs, cb * fb, breg), threshold: thr, s: cs * fs, b: cb * fb };
}

/** Weighted binary log loss; NaN if any score lies outside [0, 1]. */
export function logloss(set: ScoreSet): number {
  const { score, y, w } = set;
  let num = 0, den = 0;
  for (let i = 0; i < score.length; i++) {
    const p0 = score[i]!, yi = y[i]!, wi = w[i]!;
    if (Number.isNaN(p0) || Number.isNaN(yi) || Number.isNaN(wi)) continue;
    if (p0 < 0 || p0 > 1) return NaN;
    const p = Math.min(1 - 1e-15, Math.max(1e-15, p0));
    num -= wi * (yi === 1 ? Math.log(p) : Math.log(1 - p));
    den += wi;
  }
  return den !== 0 ? num / den : NaN;
}

/**
 * Weighted multiclass log loss for n × K row-major probabilities (y = class index).
 * Probabilities are clipped to [1e-15, 1]; NaN if any is outside [0, 1].
 */
export function loglossMulti(prob: Float64Array, y: Float64Array, w: Float64Array, K: number): number {
  const n = y.length;
  if (prob.length !== n * K) throw new Error(`metrics: expected ${n * K} probabilities (${n} rows × ${K} classes), got ${prob.length}`);
  let num = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const c = y[i]!, wi = w[i]!;
    if (Number.isNaN(c) || Number.isNaN(wi)) continue;
    for (let k = 0; k < K; k++) {
      const p = prob[i * K + k]!;
      if (p < 0 || p > 1) return NaN;
    }
    const p = Math.max(1e-15, prob[i * K + c]!);
    num -= wi * Math.log(p);
    den += wi;
  }
  return den !== 0 ? num / den : NaN;
}

/** One-vs-rest binary view of class k of a multiclass score set (score = P(class k)). */
export function oneVsRest(prob: Float64Array, y: Float64Array, w: Float64Array, K: number, k: number): ScoreSet {
  const n = y.length;
  const score = new Float64Array(n), yy = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    score[i] = prob[i * K + k]!;
    yy[i] = Number.isNaN(y[i]!) ? NaN : y[i] === k ? 1 : 0;
  }
  return { score, y: yy, w };
}

/** Signal efficiency at background rejection `rejection` (e.g. 0.9), by linear interpolation. */
export function effAtRejection(set: ScoreSet, rejection: number): number {
  return effFromRoc(rocCurve(set), rejection);
}

function effFromRoc(roc: RocCurve, rejection: number): number {
  const target = 1 - rejection;
  const { fpr, tpr } = roc;
  if (fpr.length < 2 || Number.isNaN(fpr[1]!) || Number.isNaN(tpr[1]!)) return NaN;
  for (let i = 1; i < fpr.length; i++) {
    const f1 = fpr[i]!;
    if (f1 >= target) {
      const f0 = fpr[i - 1]!, t0 = tpr[i - 1]!, t1 = tpr[i]!;
      if (f1 === f0) return t1;
      return t0 + ((t1 - t0) * (target - f0)) / (f1 - f0);
    }
  }
  return tpr[tpr.length - 1]!;
}

/** Asymptotic Kolmogorov distribution Q(z) = 2 Σ (−1)^{k−1} e^{−2k²z²} (ROOT's TMath::KolmogorovProb). */
export function kolmogorovProb(z: number): number {
  if (!(z >= 0)) return NaN;
  if (z < 0.2) return 1;
  if (z < 0.755) {
    const v = Math.exp(-1.2337005501361697 / (z * z)); // π²/8
    return 1 - (2.5066282746310002 / z) * (v + v ** 9 + v ** 25 + v ** 49);
  }
  if (z >= 6.8116) return 0;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * z * z);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-16) break;
  }
  return Math.max(0, Math.min(1, 2 * sum));
}

export interface KsResult {
  /** Weighted KS distance sup |F₁ − F₂|. */
  d: number;
  /** p-value from the asymptotic Kolmogorov distribution with effective sizes. */
  p: number;
}

/** Weighted two-sample KS test (NaN values skipped). */
export function ksTest(a: Float64Array, wa: Float64Array, b: Float64Array, wb: Float64Array): KsResult {
  const ia = finiteSorted(a, wa), ib = finiteSorted(b, wb);
  const sa = sumW(ia, wa), sb = sumW(ib, wb);
  if (ia.length === 0 || ib.length === 0 || sa === 0 || sb === 0) return { d: NaN, p: NaN };
  let i = 0, j = 0, ca = 0, cb = 0, d = 0;
  while (i < ia.length || j < ib.length) {
    const va = i < ia.length ? a[ia[i]!]! : Infinity;
    const vb = j < ib.length ? b[ib[j]!]! : Infinity;
    const v = Math.min(va, vb);
    while (i < ia.length && a[ia[i]!] === v) { ca += wa[ia[i]!]!; i++; }
    while (j < ib.length && b[ib[j]!] === v) { cb += wb[ib[j]!]!; j++; }
    d = Math.max(d, Math.abs(ca / sa - cb / sb));
  }
  const na = effN(ia, wa), nb = effN(ib, wb);
  const ne = (na * nb) / (na + nb);
  return { d, p: kolmogorovProb(d * Math.sqrt(ne)) };
}

function finiteSorted(v: Float64Array, w: Float64Array): number[] {
  const idx: number[] = [];
  for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i]!) && !Number.isNaN(w[i]!)) idx.push(i);
  idx.sort((x, y) => v[x]! - v[y]! || x - y);
  return idx;
}

function sumW(idx: number[], w: Float64Array): number {
  let s = 0;
  for (const i of idx) s += w[i]!;
  return s;
}

function effN(idx: number[], w: Float64Array): number {
  let s = 0, s2 = 0;
  for (const i of idx) { s += w[i]!; s2 += w[i]! * w[i]!; }
  return s2 > 0 ? (s * s) / s2 : 0;
}

/** TMVA's overtraining check: KS p-value train vs test scores, for signal and background. */
export function overtrainingKS(test: ScoreSet, train: ScoreSet): { signal: number; background: number } {
  const pick = (set: ScoreSet, cls: number): [Float64Array, Float64Array] => {
    const v: number[] = [], w: number[] = [];
    for (let i = 0; i < set.y.length; i++) {
      if ((cls === 1) === (set.y[i] === 1) && !Number.isNaN(set.y[i]!)) { v.push(set.score[i]!); w.push(set.w[i]!); }
    }
    return [Float64Array.from(v), Float64Array.from(w)];
  };
  const [ts, tws] = pick(test, 1), [rs, rws] = pick(train, 1);
  const [tb, twb] = pick(test, 0), [rb, rwb] = pick(train, 0);
  return { signal: ksTest(rs, rws, ts, tws).p, background: ksTest(rb, rwb, tb, twb).p };
}

/** All metrics of one binary score set; `train` adds the overtraining KS test. */
export function computeMetrics(test: ScoreSet, train?: ScoreSet, opts: MetricsOptions = {}): Metrics {
  const s = sortDesc(test);
  const best = amsBestSorted(s, opts);
  const top = amsTopSorted(s, opts.topFraction ?? 0.15, opts);
  const roc = rocCurve(test);
  const m: Metrics = {
    auc: aucSorted(s),
    ams: best.ams,
    ams_threshold: best.threshold,
    ams_top15: top.ams,
    significance: best.b > 0 ? best.s / Math.sqrt(best.b) : NaN,
    logloss: logloss(test),
    eff_at_rej90: effFromRoc(roc, 0.9),
    eff_at_rej99: effFromRoc(roc, 0.99),
  };
  if (train) m.ks_overtraining = overtrainingKS(test, train);
  return m;
}

/** Mean and sample standard deviation (n − 1) of each metric over folds; NaN values are skipped. */
export function summarizeFolds(folds: readonly Metrics[]): { mean: Metrics; std: Partial<Metrics> } {
  const keys = ['auc', 'ams', 'ams_threshold', 'ams_top15', 'significance', 'logloss', 'eff_at_rej90', 'eff_at_rej99'] as const;
  const stat = (vals: number[]): [number, number] => {
    const v = vals.filter((x) => !Number.isNaN(x));
    if (v.length === 0) return [NaN, NaN];
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    if (v.length < 2) return [mean, NaN];
    const ss = v.reduce((a, b) => a + (b - mean) * (b - mean), 0);
    return [mean, Math.sqrt(ss / (v.length - 1))];
  };
  const mean = {} as Metrics;
  const std: Partial<Metrics> = {};
  for (const k of keys) {
    const [mu, sd] = stat(folds.map((f) => f[k]));
    mean[k] = mu;
    std[k] = sd;
  }
  const withKs = folds.filter((f) => f.ks_overtraining);
  if (withKs.length > 0) {
    const [ms, ss] = stat(withKs.map((f) => f.ks_overtraining!.signal));
    const [mb, sb] = stat(withKs.map((f) => f.ks_overtraining!.background));
    mean.ks_overtraining = { signal: ms, background: mb };
    std.ks_overtraining = { signal: ss, background: sb };
  }
  return { mean, std };
}
