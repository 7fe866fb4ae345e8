/**
 * mRMR: minimum redundancy, maximum relevance (Peng, Long & Ding 2005), MID form.
 *
 * May import: stats/mi.
 * Greedy: the first variable maximises relevance I(x; y); each next one maximises
 *   MID(x) = I(x; y) − (1/|S|) Σ_{s ∈ S} I(x; s)
 * over the variables not yet chosen (S = chosen so far). Ties go to the lower column index.
 * Both terms must be on the same scale, so by default both use the weighted plug-in estimator on
 * equal-frequency bins (`mutualInfoBinned`, each column binned once) with the Miller–Madow bias
 * correction: kNN MI for the relevance mixed with a histogram redundancy would bias the trade-off,
 * and without the correction a 2-D histogram's bias (~(B−1)²/2n) swamps weak relevances.
 * Default bins: round(∛n) clamped to [4, 32]. A caller may pass its own
 * `miFn(a, b, bIsDiscrete)` (used for both terms) or precomputed `relevance` values.
 * Cost: p relevance terms plus at most k·p redundancy terms, each O(n).
 */
import { mutualInfoBinned, quantileBins } from '../stats/mi.js';

export type MiFn = (a: Float64Array, b: Float64Array, bDiscrete: boolean) => number;

export interface MrmrOptions {
  /** MI estimator for both terms (default: binned plug-in, weighted by `w`). */
  readonly miFn?: MiFn;
  /** Precomputed relevance I(x_j; y) per column (overrides miFn for the relevance term). */
  readonly relevance?: readonly number[];
  readonly w?: Float64Array | null;
  /** Bins of the default estimator (default round(∛n) in [4, 32]). */
  readonly bins?: number;
}

export interface MrmrResult {
  /** Column indices in the order chosen (length min(k, p)). */
  readonly order: number[];
  /** Relevance I(x_j; y) of every column. */
  readonly relevance: number[];
  /** MID score of each chosen column at the time it was chosen (the first is its relevance). */
  readonly mid: number[];
}

export function mrmr(columns: readonly Float64Array[], y: Float64Array, k: number, opts: MrmrOptions = {}): MrmrResult {
  const p = columns.length;
  if (!(Number.isInteger(k) && k >= 0)) throw new RangeError(`mrmr: k must be a non-negative integer, got ${k}`);
  const n = y.length;
  const bins = opts.bins ?? Math.min(32, Math.max(4, Math.round(Math.cbrt(n))));
  let mi: MiFn;
  if (opts.miFn) mi = opts.miFn;
  else {
    const cache = new Map<Float64Array, Int32Array>();
    const binned = (a: Float64Array) => {
      let b = cache.get(a);
      if (!b) { b = quantileBins(a, bins); cache.set(a, b); }
      return b;
    };
    let yb: Int32Array | undefined;
    let K = 0;
    mi = (a, b, disc) => {
      if (disc) {
        if (!yb) {
          yb = new Int32Array(b.length);
          for (let i = 0; i < b.length; i++) {
            const v = b[i]!;
            if (Number.isInteger(v) && v >= 0) { yb[i] = v; if (v + 1 > K) K = v + 1; } else yb[i] = -1;
          }
        }
        return mutualInfoBinned(binned(a), bins, yb, Math.max(K, 1), opts.w, true);
      }
      return mutualInfoBinned(binned(a), bins, binned(b), bins, opts.w, true);
    };
  }
  const relevance = opts.relevance ? [...opts.relevance] : columns.map((c) => mi(c, y, true));
  if (relevance.length !== p) throw new RangeError(`mrmr: ${relevance.length} relevance values for ${p} columns`);
  const redSum = new Float64Array(p);
  const chosen = new Uint8Array(p);
  const order: number[] = [], mid: number[] = [];
  const kk = Math.min(k, p);
  for (let step = 0; step < kk; step++) {
    let best = -1, bestScore = -Infinity;
    for (let j = 0; j < p; j++) {
      if (chosen[j]) continue;
      const rel = Number.isNaN(relevance[j]!) ? -Infinity : relevance[j]!;
      const s = step === 0 ? rel : rel - redSum[j]! / step;
      if (s > bestScore || best < 0) { best = j; bestScore = s; }
    }
    chosen[best] = 1;
    order.push(best);
    mid.push(bestScore);
    if (step + 1 < kk) {
      for (let j = 0; j < p; j++) {
        if (chosen[j]) continue;
        const r = mi(columns[j]!, columns[best]!, false);
        redSum[j]! += Number.isNaN(r) ? 0 : r;
      }
    }
  }
  return { order, relevance, mid };
}
