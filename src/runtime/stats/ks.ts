/**
 * Two-sample Kolmogorov–Smirnov test, unweighted exactly as scipy 1.10 `ks_2samp` (two-sided),
 * weighted with weighted empirical CDFs.
 *
 * May import: ./special, ./sort.
 * Unweighted (no weights, or all weights equal): the statistic is max |c1/n1 − c2/n2| over the
 * pooled values with integer counts, as scipy forms it, so it is bit-identical; `method` 'auto'
 * picks 'exact' when max(n1, n2) ≤ 10 000, and 'exact' rounds d to h/lcm(n1, n2) and runs scipy's
 * lattice-path recursions (`_compute_prob_outside_square` for n1 = n2, Viehmann's 1−p form of
 * `_compute_outer_prob_inside_method` otherwise), falling back to 'asymp' when that is not finite,
 * again as scipy does. 'asymp' is `kstwo.sf(d, round(n1 n2 / (n1 + n2)))`.
 * Weighted (weights differ, negative allowed): D = max |F_S(x) − F_B(x)| with F the weighted ECDFs
 * normalised by each class's total weight; the p-value is the asymptotic one with Kish effective
 * sizes n_eff = (Σw)² / Σw² in place of n1 and n2 — the usual HEP convention (ROOT's
 * TH1::KolmogorovTest uses the same effective entries). A class with total weight ≤ 0 gives NaN.
 */
import { kolmogn } from './special.js';
import { sortBinary, type SortedBinary } from './sort.js';

export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsResult {
  /** The KS distance D in [0, 1] (NaN when a class is empty or has total weight ≤ 0). */
  readonly statistic: number;
  readonly pvalue: number;
  /** How the p-value was computed. */
  readonly method: 'exact' | 'asymp';
  /** True when weights entered the statistic (then the p-value uses effective sizes). */
  readonly weighted: boolean;
}

const MAX_AUTO_N = 10000;
const INT32_MAX = 2147483647;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** scipy `_compute_prob_outside_square(n, h)`. */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k -= 1;
  }
  return 2 * P;
}

/** scipy `_compute_outer_prob_inside_method(m, n, g, h)` (1 − p recursion, Viehmann 2021). */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  let m = m0, n = n0;
  if (m < n) [m, n] = [n, m];
  const mg = Math.floor(m / g), ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < maxj; j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj, lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      for (let t = maxj - minj; t < maxj - minj + (lastlen - curlen) && t < lenA; t++) A[t] = 1;
    }
  }
  return A[maxj - minj - 1]!;
}

/** Exact two-sided p-value and the rounded statistic, or undefined when not computable. */
function exactTwoSided(n1: number, n2: number, d: number): { d: number; p: number } | undefined {
  const g = gcd(n1, n2);
  const lcm = Math.floor(n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dd = h / lcm;
  if (h === 0) return { d: dd, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
  if (!(p >= 0 && p <= 1)) return undefined;
  return { d: dd, p };
}

/** numpy `np.round` (half to even). */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  if (Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

function asympP(d: number, n1: number, n2: number): number {
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const N = roundHalfEven(en);
  if (!(N >= 1)) return NaN;
  return kolmogn(N, d, false);
}

/** True when every weight is the same positive number: then KS is the unweighted (scipy) test. */
export function unitWeights(w: Float64Array): boolean {
  const m = w.length;
  if (m === 0) return true;
  const w0 = w[0]!;
  if (!(w0 > 0)) return false;
  for (let i = 1; i < m; i++) if (w[i] !== w0) return false;
  return true;
}

/**
 * The unweighted result from the extremes of c1/nS − c2/nB over the tie groups (scipy's maxS and
 * minS), with scipy's choice of exact or asymptotic p-value.
 */
export function ksUnweightedResult(maxS: number, minS: number, nS: number, nB: number, method: KsMethod): KsResult {
  const negMin = Math.min(Math.max(-minS, 0), 1);
  let d = negMin > maxS ? negMin : maxS;
  let mode: 'exact' | 'asymp';
  if (method === 'auto') mode = Math.max(nS, nB) <= MAX_AUTO_N ? 'exact' : 'asymp';
  else if (method === 'exact') {
    const g = gcd(nS, nB);
    mode = nS / g >= INT32_MAX / (nB / g) ? 'asymp' : 'exact';
  } else mode = 'asymp';
  if (mode === 'exact') {
    const ex = exactTwoSided(nS, nB, d);
    if (ex) return { statistic: ex.d, pvalue: ex.p, method: 'exact', weighted: false };
    mode = 'asymp';
    // scipy keeps the rounded d when the exact attempt fails.
    const g = gcd(nS, nB);
    const lcm = Math.floor(nS / g) * nB;
    d = roundHalfEven(d * lcm) / lcm;
  }
  const p = asympP(d, nS, nB);
  return { statistic: d, pvalue: Math.min(Math.max(p, 0), 1), method: 'asymp', weighted: false };
}

/** The weighted result from D and the classes' Σw and Σw² (asymptotic p-value, Kish sizes). */
export function ksWeightedResult(d: number, WS: number, WB: number, W2S: number, W2B: number): KsResult {
  if (!(WS > 0 && WB > 0)) return { statistic: NaN, pvalue: NaN, method: 'asymp', weighted: true };
  const neS = (WS * WS) / W2S, neB = (WB * WB) / W2B;
  const p = asympP(Math.min(d, 1), neS, neB);
  return { statistic: d, pvalue: Math.min(Math.max(p, 0), 1), method: 'asymp', weighted: true };
}

/** KS statistic and p-value from rows already sorted by x (see `sortBinary`). */
export function ks2Sorted(s: SortedBinary, method: KsMethod = 'auto'): KsResult {
  const { x, cls, w, nS, nB } = s;
  const m = x.length;
  const unweighted = unitWeights(w);
  if (nS === 0 || nB === 0) return { statistic: NaN, pvalue: NaN, method: 'asymp', weighted: !unweighted };
  // Class-indexed accumulators ([0] background, [1] signal) instead of a branch on the class.
  if (unweighted) {
    const cnt = new Float64Array(2);
    let maxS = -Infinity, minS = Infinity;
    for (let i = 0; i < m; ) {
      const v = x[i]!;
      while (i < m && x[i] === v) { cnt[cls[i]!]!++; i++; }
      const diff = cnt[1]! / nS - cnt[0]! / nB;
      if (diff > maxS) maxS = diff;
      if (diff < minS) minS = diff;
    }
    return ksUnweightedResult(maxS, minS, nS, nB, method);
  }
  // Weighted.
  const tot = new Float64Array(2), tot2 = new Float64Array(2);
  for (let i = 0; i < m; i++) { const wi = w[i]!, c = cls[i]!; tot[c]! += wi; tot2[c]! += wi * wi; }
  const WS = tot[1]!, WB = tot[0]!, W2S = tot2[1]!, W2B = tot2[0]!;
  if (!(WS > 0 && WB > 0)) return ksWeightedResult(NaN, WS, WB, W2S, W2B);
  const cum = new Float64Array(2);
  let d = 0;
  for (let i = 0; i < m; ) {
    const v = x[i]!;
    while (i < m && x[i] === v) { cum[cls[i]!]! += w[i]!; i++; }
    const diff = Math.abs(cum[1]! / WS - cum[0]! / WB);
    if (diff > d) d = diff;
  }
  return ksWeightedResult(d, WS, WB, W2S, W2B);
}

/**
 * Two-sample KS test of signal (y = 1) against background (y = 0); NaN x rows are skipped.
 * `ks2(x, y)` on unweighted data equals `scipy.stats.ks_2samp(x[y==1], x[y==0], method=...)`.
 */
export function ks2(x: Float64Array, y: Float64Array, w?: Float64Array | null, opts: { method?: KsMethod } = {}): KsResult {
  return ks2Sorted(sortBinary(x, y, w), opts.method ?? 'auto');
}
