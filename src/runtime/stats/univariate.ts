/**
 * Univariate separating power of one variable: TMVA separation, KS, ANOVA F, AUC, Fisher's
 * criterion, mutual information, and the `univariate` dispatcher the ranking steps call (one call
 * per (variable, score), which is the DAG granularity).
 *
 * May import: ./special, ./sort, ./ks, ./mi.
 * Conventions shared by every score here:
 * - x: the variable, NaN = missing (skipped). y: class per row (binary: 1 = signal, 0 = background;
 *   multiclass: 0..K−1); rows with a NaN or other label are skipped. w: event weights (undefined =
 *   all 1), negative weights allowed; rows with a NaN weight are skipped.
 * - Every score is "higher = more separating"; a score that cannot be formed (an empty class, a
 *   class whose total weight is ≤ 0, a constant variable for ANOVA) is NaN, never an exception.
 * - Multiclass (nClasses > 2): `perClass[c]` is class c against the rest; the combined `value` is
 *   the mean of the per-class values weighted by the classes' total weights, except ANOVA F and
 *   mutual information, which are natively multi-class (sklearn's f_classif and
 *   mutual_info_classif on the K-class target). The combined KS p-value is Bonferroni's
 *   min(1, K · min_c p_c).
 */
import { fSf } from './special.js';
import { binaryRows, sortBinary, sortRows, type SortedBinary } from './sort.js';
import { ks2Sorted, ksUnweightedResult, ksWeightedResult, unitWeights, type KsMethod, type KsResult } from './ks.js';
import { mutualInfo, type MiMethod } from './mi.js';

export interface SeparationOptions {
  /** Number of equal-width bins (default 40, as TMVA). */
  readonly bins?: number;
  /** Histogram range; default the pooled [min, max] of both classes. Values outside are ignored. */
  readonly range?: readonly [number, number];
}

/**
 * TMVA separation ⟨S²⟩ = ½ Σ_b (p_S − p_B)² / (p_S + p_B) over histograms normalised to unit
 * weighted area. Bins are assigned exactly as `numpy.histogram(x, bins, range, weights)` does
 * (edges from linspace, last bin closed), so results agree with numpy-based references to rounding.
 * Bins with p_S + p_B ≤ 0 (possible with negative weights) are skipped, as TMVA's GetSeparation does.
 */
export function separation(x: Float64Array, y: Float64Array, w?: Float64Array | null, opts: SeparationOptions = {}): number {
  const bins = separationBins(opts);
  const n = x.length;
  let lo: number, hi: number;
  if (opts.range) {
    [lo, hi] = opts.range;
  } else {
    lo = Infinity; hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const xi = x[i]!, yi = y[i]!;
      if (Number.isNaN(xi) || (yi !== 0 && yi !== 1) || (w && Number.isNaN(w[i]!))) continue;
      if (xi < lo) lo = xi;
      if (xi > hi) hi = xi;
    }
    if (lo > hi) return NaN;
    if (!(Number.isFinite(lo) && Number.isFinite(hi))) return NaN;
  }
  const h = new Histogram(lo, hi, bins);
  for (let i = 0; i < n; i++) {
    const xi = x[i]!, yi = y[i]!;
    if (!(xi >= h.lo && xi <= h.hi) || (yi !== 0 && yi !== 1)) continue;
    const wi = w ? w[i]! : 1;
    if (Number.isNaN(wi)) continue;
    const b = h.bin(xi);
    if (yi === 1) h.hS[b]! += wi; else h.hB[b]! += wi;
  }
  return h.separation();
}

/** The validated bin count of `opts` (throws on bad bins or range, as `separation` does). */
function separationBins(opts: SeparationOptions): number {
  const bins = opts.bins ?? 40;
  if (!(Number.isInteger(bins) && bins > 0)) throw new RangeError(`separation: bins must be a positive integer, got ${bins}`);
  if (opts.range) {
    const [lo, hi] = opts.range;
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi >= lo)) throw new RangeError(`separation: invalid range [${lo}, ${hi}]`);
  }
  return bins;
}

/** Signal and background histograms on numpy's equal-width bins over [lo, hi] (widened when lo = hi). */
class Histogram {
  readonly lo: number;
  readonly hi: number;
  readonly bins: number;
  readonly edges: Float64Array;
  readonly norm: number;
  readonly hS: Float64Array;
  readonly hB: Float64Array;
  constructor(lo: number, hi: number, bins: number) {
    if (lo === hi) { lo -= 0.5; hi += 0.5; }
    this.lo = lo; this.hi = hi; this.bins = bins;
    const step = (hi - lo) / bins;
    const edges = new Float64Array(bins + 1);
    for (let i = 0; i < bins; i++) edges[i] = i * step + lo;
    edges[bins] = hi;
    this.edges = edges;
    this.norm = bins / (hi - lo);
    this.hS = new Float64Array(bins);
    this.hB = new Float64Array(bins);
  }
  /** Bin of lo ≤ xi ≤ hi exactly as numpy.histogram assigns it (last bin closed). */
  bin(xi: number): number {
    const bins = this.bins, edges = this.edges;
    let b = Math.trunc((xi - this.lo) * this.norm);
    if (b === bins) b--;
    if (xi < edges[b]!) b--;
    if (b !== bins - 1 && xi >= edges[b + 1]!) b++;
    return b;
  }
  separation(): number {
    const { hS, hB, bins } = this;
    let sS = 0, sB = 0;
    for (let b = 0; b < bins; b++) { sS += hS[b]!; sB += hB[b]!; }
    if (!(sS > 0 && sB > 0)) return NaN;
    let sep = 0;
    for (let b = 0; b < bins; b++) {
      const ps = hS[b]! / sS, pb = hB[b]! / sB;
      if (ps + pb > 0) sep += ((ps - pb) * (ps - pb)) / (ps + pb);
    }
    return 0.5 * sep;
  }
}

export interface AnovaResult {
  readonly f: number;
  readonly pvalue: number;
  readonly df1: number;
  readonly df2: number;
}

/**
 * One-way ANOVA F across the classes of y (all distinct non-negative integer labels present).
 * Unweighted it is sklearn's `f_classif` (F = [SSB/(K−1)] / [SSW/(n−K)], p = F-distribution sf).
 * Weighted: group means and sums of squares use the weights, and n is replaced by Kish's effective
 * size n_eff = (Σw)²/Σw², i.e. F = (SSB_w / SSW_w) · (n_eff − K)/(K − 1) with df = (K−1, n_eff−K);
 * with unit weights this is exactly the unweighted F. NaN when K < 2, SSW = 0 with SSB = 0, or Σw ≤ 0.
 */
export function anova(x: Float64Array, y: Float64Array, w?: Float64Array | null): AnovaResult {
  const n = x.length;
  let K = 0;
  for (let i = 0; i < n; i++) {
    const yi = y[i]!;
    if (Number.isInteger(yi) && yi >= 0 && yi + 1 > K) K = yi + 1;
  }
  const W = new Float64Array(K), S = new Float64Array(K), cnt = new Float64Array(K);
  let Wt = 0, W2 = 0, St = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!, yi = y[i]!;
    if (Number.isNaN(xi) || !(Number.isInteger(yi) && yi >= 0)) continue;
    const wi = w ? w[i]! : 1;
    if (Number.isNaN(wi)) continue;
    W[yi]! += wi; S[yi]! += wi * xi; cnt[yi]!++;
    Wt += wi; W2 += wi * wi; St += wi * xi;
  }
  let groups = 0;
  for (let c = 0; c < K; c++) if (cnt[c]! > 0) groups++;
  if (groups < 2 || !(Wt > 0)) return { f: NaN, pvalue: NaN, df1: groups - 1, df2: NaN };
  const mean = groupMeans(W, S);
  let ssw = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!, yi = y[i]!;
    if (Number.isNaN(xi) || !(Number.isInteger(yi) && yi >= 0)) continue;
    const wi = w ? w[i]! : 1;
    if (Number.isNaN(wi)) continue;
    const d = xi - mean[yi]!;
    ssw += wi * d * d;
  }
  return anovaResult(W, cnt, mean, Wt, W2, St, ssw, !!w);
}

/** Weighted class means Σwx / Σw (0 for a class with Σw = 0). */
function groupMeans(W: Float64Array, S: Float64Array): Float64Array {
  const mean = new Float64Array(W.length);
  for (let c = 0; c < W.length; c++) mean[c] = W[c]! !== 0 ? S[c]! / W[c]! : 0;
  return mean;
}

/** F, p and degrees of freedom from the per-class sums and the within-class sum of squares. */
function anovaResult(W: Float64Array, cnt: Float64Array, mean: Float64Array, Wt: number, W2: number, St: number, ssw: number, weighted: boolean): AnovaResult {
  const K = W.length;
  let groups = 0;
  for (let c = 0; c < K; c++) if (cnt[c]! > 0) groups++;
  const nan = { f: NaN, pvalue: NaN, df1: groups - 1, df2: NaN };
  if (groups < 2 || !(Wt > 0)) return nan;
  const m = St / Wt;
  let ssb = 0;
  for (let c = 0; c < K; c++) if (cnt[c]! > 0) ssb += W[c]! * (mean[c]! - m) * (mean[c]! - m);
  const neff = weighted ? (Wt * Wt) / W2 : Wt;
  const df1 = groups - 1, df2 = neff - groups;
  if (!(df2 > 0)) return { ...nan, df2 };
  const f = (ssb / df1) / (ssw / df2);
  if (Number.isNaN(f)) return { ...nan, df2 };
  return { f, pvalue: fSf(f, df1, df2), df1, df2 };
}

/** Weighted ROC AUC of x as a signal score, ties counted half (as sklearn's roc_auc_score). */
export function aucSorted(s: SortedBinary): number {
  const { x, cls, w } = s;
  const m = x.length;
  // Class-indexed sums ([0] background, [1] signal) instead of a branch on the class.
  const tot = new Float64Array(2);
  for (let i = 0; i < m; i++) tot[cls[i]!]! += w[i]!;
  const WS = tot[1]!, WB = tot[0]!;
  if (!(WS > 0 && WB > 0)) return NaN;
  const g = new Float64Array(2);
  let below = 0, area = 0;
  for (let i = 0; i < m; ) {
    const v = x[i]!;
    g[0] = 0; g[1] = 0;
    while (i < m && x[i] === v) { g[cls[i]!]! += w[i]!; i++; }
    const gs = g[1]!, gb = g[0]!;
    area += gs * (below + 0.5 * gb);
    below += gb;
  }
  return area / (WS * WB);
}

/** ROC AUC of x as a discriminant (signal y = 1 high), weighted; NaN rows skipped. */
export function auc(x: Float64Array, y: Float64Array, w?: Float64Array | null): number {
  return aucSorted(sortBinary(x, y, w));
}

/** max(AUC, 1 − AUC): the separating power regardless of the direction of the cut. */
export function aucScore(x: Float64Array, y: Float64Array, w?: Float64Array | null): number {
  const a = auc(x, y, w);
  return Number.isNaN(a) ? NaN : Math.max(a, 1 - a);
}

/**
 * Fisher's criterion (μ_S − μ_B)² / (σ_S² + σ_B²) with weighted means and weighted population
 * variances σ² = Σw(x − μ)²/Σw. NaN when a class has total weight ≤ 0; +Infinity when both
 * variances are 0 and the means differ.
 */
export function fisherCriterion(x: Float64Array, y: Float64Array, w?: Float64Array | null): number {
  const n = x.length;
  let WS = 0, WB = 0, SS = 0, SB = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!, yi = y[i]!;
    if (Number.isNaN(xi) || (yi !== 0 && yi !== 1)) continue;
    const wi = w ? w[i]! : 1;
    if (Number.isNaN(wi)) continue;
    if (yi === 1) { WS += wi; SS += wi * xi; } else { WB += wi; SB += wi * xi; }
  }
  if (!(WS > 0 && WB > 0)) return NaN;
  const mS = SS / WS, mB = SB / WB;
  let vS = 0, vB = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!, yi = y[i]!;
    if (Number.isNaN(xi) || (yi !== 0 && yi !== 1)) continue;
    const wi = w ? w[i]! : 1;
    if (Number.isNaN(wi)) continue;
    if (yi === 1) vS += wi * (xi - mS) * (xi - mS); else vB += wi * (xi - mB) * (xi - mB);
  }
  return fisherResult(WS, WB, mS, mB, vS, vB);
}

/** (μ_S − μ_B)² / (σ_S² + σ_B²) from the class weights, means and Σw(x − μ)² sums. */
function fisherResult(WS: number, WB: number, mS: number, mB: number, vS: number, vB: number): number {
  vS /= WS; vB /= WB;
  const num = (mS - mB) * (mS - mB);
  const den = vS + vB;
  if (den === 0) return num === 0 ? 0 : Infinity;
  return num / den;
}

// ------------------------------------------------------------------------------------- dispatcher

/** The univariate score names of the `rank` attribute. */
export const SCORE_NAMES = ['separation', 'ks', 'anova', 'mutual_info', 'mutual_info_hist', 'auc', 'fisher'] as const;
export type ScoreName = (typeof SCORE_NAMES)[number];

export function isScoreName(s: string): s is ScoreName {
  return (SCORE_NAMES as readonly string[]).includes(s);
}

export interface UnivariateOptions extends SeparationOptions {
  /** Number of classes; default max(y) + 1 (at least 2). */
  readonly nClasses?: number;
  /** KS p-value method (unweighted data only). */
  readonly ksMethod?: KsMethod;
  /** Mutual information: neighbours (default 3), estimator, seed of the tie-breaking noise. */
  readonly k?: number;
  readonly miMethod?: MiMethod;
  readonly seed?: number;
  /** Bins of the histogram mutual-information estimator. */
  readonly miBins?: number;
  /** kNN mutual information averaged over this many tie-breaking noise draws (default 1). */
  readonly miDraws?: number;
}

export interface ClassScore {
  readonly value: number;
  readonly pvalue?: number;
}

export interface UnivariateResult {
  readonly score: ScoreName;
  /** The score used for ranking (binary: signal vs background; multiclass: the combination). */
  readonly value: number;
  /** KS and ANOVA only. */
  readonly pvalue?: number;
  /** Multiclass only: class c against the rest, in class order. */
  readonly perClass?: readonly ClassScore[];
}

function inferClasses(y: Float64Array): number {
  let K = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (Number.isInteger(v) && v >= 0 && v + 1 > K) K = v + 1;
  }
  return Math.max(K, 2);
}

function binaryScore(name: ScoreName, x: Float64Array, y: Float64Array, w: Float64Array | null | undefined, opts: UnivariateOptions): ClassScore {
  switch (name) {
    case 'separation':
      return { value: separation(x, y, w, opts) };
    case 'ks': {
      const r = ks2Sorted(sortBinary(x, y, w), opts.ksMethod ?? 'auto');
      return { value: r.statistic, pvalue: r.pvalue };
    }
    case 'anova': {
      const r = anova(x, y, w);
      return { value: r.f, pvalue: r.pvalue };
    }
    case 'mutual_info':
      return { value: mutualInfo(x, y, { k: opts.k, method: opts.miMethod, seed: opts.seed, draws: opts.miDraws, bins: opts.miBins, w }) };
    case 'mutual_info_hist':
      return { value: mutualInfo(x, y, { method: 'hist', bins: opts.miBins, w }) };
    case 'auc': {
      const a = aucSorted(sortBinary(x, y, w));
      return { value: Number.isNaN(a) ? NaN : Math.max(a, 1 - a) };
    }
    case 'fisher':
      return { value: fisherCriterion(x, y, w) };
    default:
      return unreachable(name);
  }
}

function unreachable(x: never): never {
  throw new Error(`internal error: unknown score ${String(x)}`);
}

/**
 * One score of one variable. Throws a RangeError naming the score for an unknown name (the checker
 * rejects those first, so reaching it is a bug in the caller).
 */
export function univariate(name: string, x: Float64Array, y: Float64Array, w?: Float64Array | null, opts: UnivariateOptions = {}): UnivariateResult {
  if (!isScoreName(name)) throw new RangeError(`unknown score \`${name}\`: expected one of ${SCORE_NAMES.join(', ')}`);
  if (x.length !== y.length || (w && w.length !== x.length)) {
    throw new RangeError(`univariate ${name}: x, y and w must have the same length (${x.length}, ${y.length}, ${w?.length})`);
  }
  const K = opts.nClasses ?? inferClasses(y);
  if (K <= 2) {
    const r = binaryScore(name, x, y, w, opts);
    return r.pvalue === undefined ? { score: name, value: r.value } : { score: name, value: r.value, pvalue: r.pvalue };
  }
  // One-vs-rest.
  const yc = new Float64Array(y.length);
  const perClass: ClassScore[] = [];
  const classW = new Float64Array(K);
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (Number.isInteger(v) && v >= 0 && v < K && !Number.isNaN(x[i]!)) classW[v]! += w ? w[i]! : 1;
  }
  for (let c = 0; c < K; c++) {
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      yc[i] = Number.isInteger(v) && v >= 0 && v < K ? (v === c ? 1 : 0) : NaN;
    }
    perClass.push(binaryScore(name, x, yc, w, opts));
  }
  if (name === 'anova') {
    const r = anova(x, y, w);
    return { score: name, value: r.f, pvalue: r.pvalue, perClass };
  }
  if (name === 'mutual_info') {
    const v = mutualInfo(x, y, { k: opts.k, method: opts.miMethod, seed: opts.seed, draws: opts.miDraws, bins: opts.miBins, w });
    return { score: name, value: v, perClass };
  }
  if (name === 'mutual_info_hist') return { score: name, value: mutualInfo(x, y, { method: 'hist', bins: opts.miBins, w }), perClass };
  let num = 0, den = 0;
  for (let c = 0; c < K; c++) {
    const v = perClass[c]!.value, wc = Math.max(classW[c]!, 0);
    if (Number.isNaN(v) || wc === 0) continue;
    num += wc * v; den += wc;
  }
  const value = den > 0 ? num / den : NaN;
  if (name === 'ks') {
    let pmin = Infinity;
    for (const pc of perClass) if (pc.pvalue !== undefined && pc.pvalue < pmin) pmin = pc.pvalue;
    return { score: name, value, pvalue: Number.isFinite(pmin) ? Math.min(1, K * pmin) : NaN, perClass };
  }
  return { score: name, value, perClass };
}

/** Flattens results into `RankingEntry.scores` keys: `ks`, `ks_pvalue`, `anova`, `anova_pvalue`, ... */
export function scoreRecord(results: readonly UnivariateResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    out[r.score] = r.value;
    if (r.pvalue !== undefined) out[`${r.score}_pvalue`] = r.pvalue;
  }
  return out;
}

/**
 * Several scores of one variable at once, with the same results as calling `univariate` per score
 * (bit for bit). Binary problems take a fused path: one pass compacts the kept rows and accumulates
 * the class moments (ANOVA, Fisher), one pass over the compacted rows fills the separation histogram
 * and the within-class sums of squares, and KS and AUC share one sort and one walk over the sorted
 * rows. Callers that own a whole variable (the bench, a step that groups scores) use this.
 */
export function univariateAll(names: readonly string[], x: Float64Array, y: Float64Array, w?: Float64Array | null, opts: UnivariateOptions = {}): UnivariateResult[] {
  const K = opts.nClasses ?? inferClasses(y);
  const binary = K <= 2 && (opts.nClasses === undefined || inferClasses(y) <= 2);
  const lengthsOk = x.length === y.length && (!w || w.length === x.length);
  if (!binary || !lengthsOk || !names.every(isScoreName)) return names.map((s) => univariate(s, x, y, w, opts));
  const own = (s: string): boolean => s === 'mutual_info' || s === 'mutual_info_hist';
  const want = new Set(names.filter((s) => !own(s)) as ScoreName[]);
  const fused = binaryScores(want, x, y, w, opts);
  return names.map((s): UnivariateResult => {
    if (own(s)) return univariate(s, x, y, w, { ...opts, nClasses: K });
    const r = fused.get(s as ScoreName)!;
    return r.pvalue === undefined ? { score: s as ScoreName, value: r.value } : { score: s as ScoreName, value: r.value, pvalue: r.pvalue };
  });
}

/** The binary scores in `want` (not mutual_info) computed together; see `univariateAll`. */
function binaryScores(want: ReadonlySet<ScoreName>, x: Float64Array, y: Float64Array, w: Float64Array | null | undefined, opts: UnivariateOptions): Map<ScoreName, ClassScore> {
  const out = new Map<ScoreName, ClassScore>();
  const needSep = want.has('separation'), needAnova = want.has('anova'), needFisher = want.has('fisher');
  const needKs = want.has('ks'), needAuc = want.has('auc');
  const bins = needSep ? separationBins(opts) : 0;
  const r = binaryRows(x, y, w);
  const { m, xw, nS, nB } = r;
  const rc = r.cls;

  // Row order: separation histogram and Σw(x − μ_class)², as `separation`, `anova` and
  // `fisherCriterion` accumulate them (per-class sums indexed by the class instead of branching on
  // it: the same additions in the same order).
  if (needSep || needAnova || needFisher) {
    const W = r.wSum, S = r.wxSum;
    const mean = groupMeans(W, S);
    let h: Histogram | undefined;
    if (needSep) {
      let lo = r.min, hi = r.max;
      if (opts.range) [lo, hi] = opts.range;
      if (opts.range || (lo <= hi && Number.isFinite(lo) && Number.isFinite(hi))) h = new Histogram(lo, hi, bins);
    }
    const needVar = needAnova || needFisher;
    let ssw = 0;
    const v = new Float64Array(2);
    if (h) {
      const hlo = h.lo, hhi = h.hi, hSB = new Float64Array(2 * h.bins); // bin b, class c at 2b + c
      for (let j = 0; j < m; j++) {
        const xi = xw[2 * j]!, wi = xw[2 * j + 1]!, c = rc[j]!;
        if (needVar) {
          const d = xi - mean[c]!;
          const t = wi * d * d;
          ssw += t;
          v[c]! += t;
        }
        if (xi >= hlo && xi <= hhi) hSB[2 * h.bin(xi) + c]! += wi;
      }
      for (let b = 0; b < h.bins; b++) { h.hB[b] = hSB[2 * b]!; h.hS[b] = hSB[2 * b + 1]!; }
    } else if (needVar) {
      for (let j = 0; j < m; j++) {
        const xi = xw[2 * j]!, wi = xw[2 * j + 1]!, c = rc[j]!;
        const d = xi - mean[c]!;
        const t = wi * d * d;
        ssw += t;
        v[c]! += t;
      }
    }
    const v0 = v[0]!, v1 = v[1]!;
    if (needSep) out.set('separation', { value: h ? h.separation() : NaN });
    if (needAnova) {
      const cnt = Float64Array.of(nB, nS);
      const a = anovaResult(W, cnt, mean, r.wTot, r.w2Tot, r.wxTot, ssw, !!w);
      out.set('anova', { value: a.f, pvalue: a.pvalue });
    }
    if (needFisher) {
      const WS = W[1]!, WB = W[0]!;
      out.set('fisher', { value: WS > 0 && WB > 0 ? fisherResult(WS, WB, S[1]! / WS, S[0]! / WB, v1, v0) : NaN });
    }
  }

  // Sorted order: KS and AUC in one walk over the tie groups, as `ks2Sorted` and `aucSorted`.
  if (needKs || needAuc) {
    const s = sortRows(r);
    const xs = s.x, cls = s.cls, ws = s.w;
    const unweighted = unitWeights(ws);
    // Class-indexed accumulators ([0] background, [1] signal): no branch on the class.
    const tot = new Float64Array(2), tot2 = new Float64Array(2);
    for (let i = 0; i < m; i++) {
      const wi = ws[i]!, c = cls[i]!;
      tot[c]! += wi; tot2[c]! += wi * wi;
    }
    const WS = tot[1]!, WB = tot[0]!, W2S = tot2[1]!, W2B = tot2[0]!;
    let below = 0, area = 0;
    let maxS = -Infinity, minS = Infinity, d = 0;
    const cum = new Float64Array(2), cnt = new Float64Array(2), grp = new Float64Array(2);
    for (let i = 0; i < m; ) {
      const v = xs[i]!;
      grp[0] = 0; grp[1] = 0;
      while (i < m && xs[i] === v) {
        const wi = ws[i]!, c = cls[i]!;
        grp[c]! += wi; cum[c]! += wi; cnt[c]!++;
        i++;
      }
      const gs = grp[1]!, gb = grp[0]!;
      area += gs * (below + 0.5 * gb);
      below += gb;
      if (unweighted) {
        const diff = cnt[1]! / nS - cnt[0]! / nB;
        if (diff > maxS) maxS = diff;
        if (diff < minS) minS = diff;
      } else {
        const diff = Math.abs(cum[1]! / WS - cum[0]! / WB);
        if (diff > d) d = diff;
      }
    }
    if (needKs) {
      let k: KsResult;
      if (nS === 0 || nB === 0) k = { statistic: NaN, pvalue: NaN, method: 'asymp', weighted: !unweighted };
      else if (unweighted) k = ksUnweightedResult(maxS, minS, nS, nB, opts.ksMethod ?? 'auto');
      else k = ksWeightedResult(WS > 0 && WB > 0 ? d : NaN, WS, WB, W2S, W2B);
      out.set('ks', { value: k.statistic, pvalue: k.pvalue });
    }
    if (needAuc) {
      const a = WS > 0 && WB > 0 ? area / (WS * WB) : NaN;
      out.set('auc', { value: Number.isNaN(a) ? NaN : Math.max(a, 1 - a) });
    }
  }
  return out;
}
