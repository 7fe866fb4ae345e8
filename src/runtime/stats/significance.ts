/**
 * How sure a score is: permutation p-values, Benjamini–Hochberg false discovery rate, bootstrap
 * confidence intervals.
 *
 * May import: ../util/rng.
 * Permutations shuffle the (label, weight) pairs together against x: under the null hypothesis the
 * variable is independent of the class, and a signal event keeps its signal weight, so class
 * normalisations (which differ by orders of magnitude in HEP samples) are preserved.
 * p = (1 + #{permuted ≥ observed}) / (1 + n), which is never 0 (Phipson & Smyth 2010).
 * Bootstrap replicas resample rows with replacement (each row carrying its weight); the interval
 * is the percentile interval. Replica r draws from `Rng.derive(seed, 'bootstrap', r)`, so a replica
 * does not depend on how many others are drawn or in what order they run.
 */
import { Rng } from '../util/rng.js';

/** A score of one variable: higher = more separating (any of stats/univariate's scores). */
export type ScoreFn = (x: Float64Array, y: Float64Array, w: Float64Array | undefined) => number;

export interface PermutationResult {
  readonly observed: number;
  readonly pvalue: number;
  /** Permutations that produced a finite score. */
  readonly n: number;
}

/** Score of the variable under a relabelling (the variable itself is closed over). */
export type LabelScoreFn = (y: Float64Array, w: Float64Array | undefined) => number;

/**
 * Permutation p-value of a score. Two call forms:
 * - `permutationPValue(scoreFn, x, y, w, n, seed)` → {observed, pvalue, n};
 * - `permutationPValue(scoreOfLabels, y, {n, seed, w?})` → the p-value alone, for callers that
 *   close over x (the ranking step). Pass `w` there so weights move with their labels.
 */
export function permutationPValue(scoreFn: ScoreFn, x: Float64Array, y: Float64Array, w: Float64Array | undefined, n: number, seed: number): PermutationResult;
export function permutationPValue(scoreOfLabels: LabelScoreFn, y: Float64Array, opts: { n: number; seed: number; w?: Float64Array }): number;
export function permutationPValue(...args: unknown[]): PermutationResult | number {
  if (args.length === 3) {
    const [fn, y, opts] = args as [LabelScoreFn, Float64Array, { n: number; seed: number; w?: Float64Array }];
    return permutationCore(fn, y, opts.w, opts.n, opts.seed).pvalue;
  }
  const [fn, x, y, w, n, seed] = args as [ScoreFn, Float64Array, Float64Array, Float64Array | undefined, number, number];
  return permutationCore((yy, ww) => fn(x, yy, ww), y, w, n, seed);
}

function permutationCore(fn: LabelScoreFn, y: Float64Array, w: Float64Array | undefined, n: number, seed: number): PermutationResult {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`permutations must be a positive integer, got ${n}`);
  const observed = fn(y, w);
  if (Number.isNaN(observed)) return { observed, pvalue: NaN, n: 0 };
  const m = y.length;
  const yp = new Float64Array(m);
  const wp = w ? new Float64Array(m) : undefined;
  let ge = 0, done = 0;
  for (let r = 0; r < n; r++) {
    const perm = Rng.derive(seed, 'permutation', r).permutation(m);
    for (let i = 0; i < m; i++) {
      const j = perm[i]!;
      yp[i] = y[j]!;
      if (wp) wp[i] = w![j]!;
    }
    const s = fn(yp, wp);
    if (Number.isNaN(s)) continue;
    done++;
    if (s >= observed) ge++;
  }
  return { observed, pvalue: (1 + ge) / (1 + done), n: done };
}

export interface FdrResult {
  /** Adjusted p-values (BH "q-values"), NaN where the input was NaN. */
  readonly adjusted: number[];
  /** True where the hypothesis is rejected at level q (the variable is kept). */
  readonly rejected: boolean[];
}

/**
 * Benjamini–Hochberg step-up procedure at false discovery rate q. NaN p-values are not tested and
 * do not count in m. Adjusted p-values match `statsmodels.multipletests(method='fdr_bh')`.
 */
export function benjaminiHochberg(pvalues: readonly number[], q: number): FdrResult {
  if (!(q > 0 && q < 1)) throw new RangeError(`fdr: q must be in (0, 1), got ${q}`);
  const idx = pvalues.map((p, i) => [p, i] as const).filter(([p]) => !Number.isNaN(p)).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const m = idx.length;
  const adjusted = pvalues.map(() => NaN);
  const rejected = pvalues.map(() => false);
  let running = 1;
  for (let k = m - 1; k >= 0; k--) {
    const [p, i] = idx[k]!;
    running = Math.min(running, (p * m) / (k + 1));
    adjusted[i] = running;
  }
  let kmax = -1;
  for (let k = 0; k < m; k++) if (idx[k]![0] <= ((k + 1) / m) * q) kmax = k;
  for (let k = 0; k <= kmax; k++) rejected[idx[k]![1]] = true;
  return { adjusted, rejected };
}

/** Row indices of one bootstrap replica (n draws with replacement). */
export function bootstrapRows(n: number, seed: number, replica: number): Int32Array {
  const rng = Rng.derive(seed, 'bootstrap', replica);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(n);
  return out;
}

/** Gathers rows of an array. */
export function take(a: Float64Array, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = a[rows[i]!]!;
  return out;
}

export interface BootstrapCI {
  readonly lo: number;
  readonly hi: number;
  /** The score on each replica (NaN where it could not be formed). */
  readonly values: Float64Array;
}

export interface BootstrapOptions {
  readonly n: number;
  readonly seed: number;
  /** Central coverage (default 0.95 → [2.5 %, 97.5 %]). */
  readonly level?: number;
}

/**
 * Percentile bootstrap interval of a score. Two call forms:
 * - `bootstrapCI(scoreFn, x, y, w, {n, seed, level?})` → {lo, hi, values};
 * - `bootstrapCI(scoreOfRows, nRows, {n, seed, level?})` → [lo, hi], where `scoreOfRows` gets the
 *   replica's row indices (for callers that gather their own columns).
 */
export function bootstrapCI(scoreFn: ScoreFn, x: Float64Array, y: Float64Array, w: Float64Array | undefined, opts: BootstrapOptions): BootstrapCI;
export function bootstrapCI(scoreOfRows: (rows: Int32Array) => number, nRows: number, opts: BootstrapOptions): [number, number];
export function bootstrapCI(...args: unknown[]): BootstrapCI | [number, number] {
  if (args.length === 3) {
    const [fn, nRows, opts] = args as [(rows: Int32Array) => number, number, BootstrapOptions];
    const r = bootstrapCore(fn, nRows, opts);
    return [r.lo, r.hi];
  }
  const [fn, x, y, w, opts] = args as [ScoreFn, Float64Array, Float64Array, Float64Array | undefined, BootstrapOptions];
  return bootstrapCore((rows) => fn(take(x, rows), take(y, rows), w ? take(w, rows) : undefined), x.length, opts);
}

function bootstrapCore(fn: (rows: Int32Array) => number, nRows: number, opts: BootstrapOptions): BootstrapCI {
  const level = opts.level ?? 0.95;
  if (!(Number.isInteger(opts.n) && opts.n >= 2)) throw new RangeError(`bootstrap must be an integer ≥ 2, got ${opts.n}`);
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrap level must be in (0, 1), got ${level}`);
  const values = new Float64Array(opts.n);
  for (let r = 0; r < opts.n; r++) values[r] = fn(bootstrapRows(nRows, opts.seed, r));
  const finite = Array.from(values).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const alpha = (1 - level) / 2;
  return { lo: quantile(finite, alpha), hi: quantile(finite, 1 - alpha), values };
}

/** Linear-interpolation quantile of sorted values (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = q * (n - 1);
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Subsampling interval (Politis & Romano): replicas of m = n/2 rows drawn *without* replacement, and
 * the interval [θ̂ − q_hi, θ̂ − q_lo] of d = √(m/n)·(θ*_m − θ̂). Used for the `bootstrap = N` intervals
 * of rankings because resampling *with* replacement duplicates events, which the kNN mutual-information
 * estimator reads as zero-distance neighbours (its percentile interval then lies far above the
 * estimate), and which biases histogram scores on sparse variables upwards. The interval is centred
 * on the full-sample estimate and removes the small-sample bias shift to first order.
 */
export function subsampleCI(scoreOfRows: (rows: Int32Array) => number, nRows: number, estimate: number, opts: BootstrapOptions): [number, number] {
  const level = opts.level ?? 0.95;
  if (!(Number.isInteger(opts.n) && opts.n >= 2)) throw new RangeError(`bootstrap must be an integer ≥ 2, got ${opts.n}`);
  const m = Math.max(2, Math.floor(nRows / 2));
  const scale = Math.sqrt(m / Math.max(1, nRows));
  const d: number[] = [];
  const perm = new Int32Array(nRows);
  for (let r = 0; r < opts.n; r++) {
    const rng = Rng.derive(opts.seed, 'subsample', r);
    for (let i = 0; i < nRows; i++) perm[i] = i;
    for (let i = 0; i < m && i < nRows - 1; i++) {
      const j = i + rng.int(nRows - i);
      const t = perm[i]!; perm[i] = perm[j]!; perm[j] = t;
    }
    const rows = perm.slice(0, m).sort();
    const v = scoreOfRows(rows);
    if (!Number.isNaN(v)) d.push(scale * (v - estimate));
  }
  d.sort((a, b) => a - b);
  const alpha = (1 - level) / 2;
  return [estimate - quantile(d, 1 - alpha), estimate - quantile(d, alpha)];
}
