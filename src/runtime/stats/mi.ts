/**
 * Mutual information between a continuous variable and a discrete target (and, for mRMR, between
 * two variables), in nats.
 *
 * May import: ./special, ./sort, ../util/rng.
 * 'knn' (default) is scikit-learn 1.2's `mutual_info_classif` estimator for one continuous feature
 * (Ross 2014, the discrete-target form of Kraskov et al.): x is divided by its standard deviation
 * (ddof 0; 1 if that is 0), then 1e-10 · max(1, mean|x|) · N(0, 1) noise is added to break ties, as
 * sklearn does. sklearn draws that noise from numpy's global-or-given RandomState; we draw it from
 * our seeded Rng (`seed`, default 0, `gaussianNoise`: one normal per kept row in row order), so results are
 * deterministic and equal sklearn's up to the tie-breaking draws (one draw moves the estimate by
 * up to ~0.005 sd on tie-heavy columns, for sklearn as for us; `draws` averages several).
 * For each point, r = distance to its k-th neighbour within its class, shrunk by one ulp
 * (`nextafter(r, 0)`), m = points of any class within r (itself included), and
 * MI = ψ(N) + ⟨ψ(k)⟩ − ⟨ψ(N_class)⟩ − ⟨ψ(m)⟩, clipped at 0. In one dimension the neighbour search is
 * exact on sorted arrays (two pointers and binary search), O(n log n). The kNN estimator is
 * unweighted, as sklearn's is: event weights are ignored by 'knn'.
 * 'hist' is the weighted plug-in estimator on equal-frequency bins of x (`bins`, default 32; equal
 * values never straddle a bin edge): I = Σ p(b,c) log[p(b,c) / (p(b) p(c))]; cells with negative
 * total weight are clipped to 0. `mutualInfoHist2` does the same for two continuous variables.
 */
import { digamma, nextDown } from './special.js';
import { argsort } from './sort.js';
import { Rng } from '../util/rng.js';

export type MiMethod = 'knn' | 'hist';

export interface MiOptions {
  /** Neighbours for 'knn' (default 3). */
  readonly k?: number;
  readonly method?: MiMethod;
  /** Seed of the tie-breaking noise ('knn'). */
  readonly seed?: number;
  /**
   * 'knn': average the estimate over this many noise draws (seeds seed, seed + 1, ...; default 1).
   * On tie-heavy columns one draw of the 1e-10 tie-breaking noise moves the estimate by ~0.005
   * (sklearn's too: its random_state does the same); the average estimates the expectation over
   * the noise. Costs `draws` times one estimate.
   */
  readonly draws?: number;
  /** Bins of the 'hist' estimator (default 32). */
  readonly bins?: number;
  /** Event weights, used by 'hist' only. */
  readonly w?: Float64Array | null;
}

/** MI between x (NaN rows skipped) and the integer class labels y (NaN / negative labels skipped). */
export function mutualInfo(x: Float64Array, y: Float64Array, opts: MiOptions = {}): number {
  const method = opts.method ?? 'knn';
  if (method === 'hist') return mutualInfoHistDiscrete(x, y, opts.bins ?? 32, opts.w);
  if (method !== 'knn') throw new RangeError(`mutual_info: unknown method \`${String(method)}\`: expected knn or hist`);
  const k = opts.k ?? 3;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`mutual_info: k must be a positive integer, got ${k}`);
  const seed = opts.seed ?? 0, draws = opts.draws ?? 1;
  if (!(Number.isInteger(draws) && draws >= 1)) throw new RangeError(`mutual_info: draws must be a positive integer, got ${draws}`);
  if (draws === 1) return mutualInfoKnn(x, y, k, seed);
  let sum = 0;
  for (let d = 0; d < draws; d++) sum += mutualInfoKnn(x, y, k, seed + d);
  return sum / draws;
}

/**
 * n standard normals from `new Rng(seed)` by Box–Muller using both outputs of each pair
 * (u = next() redrawn while 0, v = next(); z₂ᵢ = r cos 2πv, z₂ᵢ₊₁ = r sin 2πv with r = √(−2 ln u)).
 * test/fixtures/stats/make_fixtures.py reproduces exactly this sequence.
 */
export function gaussianNoise(seed: number, n: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    let u = 0;
    while (u === 0) u = rng.next();
    const v = rng.next();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

function mutualInfoKnn(x: Float64Array, y: Float64Array, k: number, seed: number): number {
  const n0 = x.length;
  const rows = new Int32Array(n0);
  let n = 0;
  for (let i = 0; i < n0; i++) {
    const yi = y[i]!;
    if (!Number.isNaN(x[i]!) && Number.isInteger(yi) && yi >= 0) rows[n++] = i;
  }
  if (n < 2) return NaN;
  // sklearn: scale(with_mean=False) then noise.
  let s = 0;
  for (let j = 0; j < n; j++) s += x[rows[j]!]!;
  const mu = s / n;
  let ss = 0;
  for (let j = 0; j < n; j++) { const d = x[rows[j]!]! - mu; ss += d * d; }
  let sd = Math.sqrt(ss / n);
  if (!(sd >= 10 * Number.EPSILON)) sd = 1;
  const v = new Float64Array(n);
  const lab = new Int32Array(n);
  let absSum = 0;
  for (let j = 0; j < n; j++) {
    const i = rows[j]!;
    const t = x[i]! / sd;
    v[j] = t;
    absSum += Math.abs(t);
    lab[j] = y[i]!;
  }
  const amp = 1e-10 * Math.max(1, absSum / n);
  const noise = gaussianNoise(seed, n);
  for (let j = 0; j < n; j++) v[j]! += amp * noise[j]!;

  const order = argsort(v);
  const sorted = new Float64Array(n);
  const sortedLab = new Int32Array(n);
  let K = 0;
  for (let j = 0; j < n; j++) {
    const o = order[j]!;
    sorted[j] = v[o]!;
    const l = lab[o]!;
    sortedLab[j] = l;
    if (l + 1 > K) K = l + 1;
  }
  const counts = new Int32Array(K);
  for (let j = 0; j < n; j++) counts[sortedLab[j]!]!++;

  // Per class: its sorted values (a subsequence of `sorted`) and their positions in `sorted`.
  const starts = new Int32Array(K + 1);
  for (let c = 0; c < K; c++) starts[c + 1] = starts[c]! + counts[c]!;
  const cls = new Float64Array(n);
  const pos = new Int32Array(n);
  const fill = starts.slice(0, K);
  for (let j = 0; j < n; j++) { const t = fill[sortedLab[j]!]!++; cls[t] = sorted[j]!; pos[t] = j; }

  // ψ at integers by recurrence: ψ(1) = −γ, ψ(m+1) = ψ(m) + 1/m.
  const psi = new Float64Array(n + 2);
  psi[1] = digamma(1);
  for (let m = 1; m <= n; m++) psi[m + 1] = psi[m]! + 1 / m;

  let nKept = 0, sumK = 0, sumNc = 0, sumM = 0;
  for (let c = 0; c < K; c++) {
    const cnt = counts[c]!;
    if (cnt <= 1) continue;
    const kc = Math.min(k, cnt - 1);
    const base = starts[c]!;
    let sumMc = 0;
    for (let p = 0; p < cnt; p++) {
      const xi = cls[base + p]!;
      let L = p - 1, R = p + 1, r = 0;
      for (let t = 0; t < kc; t++) {
        const dl = L >= 0 ? xi - cls[base + L]! : Infinity;
        const dr = R < cnt ? cls[base + R]! - xi : Infinity;
        if (dl <= dr) { r = dl; L--; } else { r = dr; R++; }
      }
      const rad = nextDown(r);
      // m = #{j : |sorted[j] − xi| ≤ rad}: scan outwards from the point's own position, with a
      // binary search once the scan gets long (a sparse class inside a dense one).
      const at = pos[base + p]!;
      let lo = at, hi = at;
      let steps = 0;
      while (lo > 0 && xi - sorted[lo - 1]! <= rad && steps < 32) { lo--; steps++; }
      if (steps === 32) {
        let a = 0, b = lo;
        while (a < b) { const mid = (a + b) >>> 1; if (xi - sorted[mid]! <= rad) b = mid; else a = mid + 1; }
        lo = a;
      }
      steps = 0;
      while (hi < n - 1 && sorted[hi + 1]! - xi <= rad && steps < 32) { hi++; steps++; }
      if (steps === 32) {
        let a = hi + 1, b = n;
        while (a < b) { const mid = (a + b) >>> 1; if (sorted[mid]! - xi <= rad) a = mid + 1; else b = mid; }
        hi = a - 1;
      }
      sumMc += psi[hi - lo + 1]!;
    }
    sumM += sumMc;
    sumK += cnt * digamma(kc);
    sumNc += cnt * digamma(cnt);
    nKept += cnt;
  }
  if (nKept === 0) return NaN;
  const mi = digamma(nKept) + sumK / nKept - sumNc / nKept - sumM / nKept;
  return Math.max(0, mi);
}

/**
 * Equal-frequency bin index (0..bins−1) of every row; NaN rows get −1. Equal values share a bin.
 * Exported for mRMR, which bins each column once and reuses it for every pair.
 */
export function quantileBins(x: Float64Array, bins: number): Int32Array {
  const n = x.length;
  const out = new Int32Array(n).fill(-1);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (!Number.isNaN(x[i]!)) idx.push(i);
  const m = idx.length;
  if (m === 0) return out;
  const vals = new Float64Array(m);
  for (let j = 0; j < m; j++) vals[j] = x[idx[j]!]!;
  const ord = argsort(vals);
  let b = 0;
  for (let j = 0; j < m; ) {
    const v = vals[ord[j]!]!;
    const target = Math.min(bins - 1, Math.floor((j * bins) / m));
    if (target > b) b = target;
    while (j < m && vals[ord[j]!] === v) { out[idx[ord[j]!]!] = b; j++; }
  }
  return out;
}

/**
 * Plug-in MI of two binnings (−1 = missing, skipped) with optional weights. With `millerMadow`,
 * the first-order bias (K_ab − K_a − K_b + 1) / (2 n_eff) is subtracted (K = occupied cells,
 * n_eff = Kish effective size) and the result is not clipped at 0, so weak dependences can still be
 * compared with each other (mRMR does this).
 */
export function mutualInfoBinned(a: Int32Array, na: number, b: Int32Array, nb: number, w?: Float64Array | null, millerMadow = false): number {
  const joint = new Float64Array(na * nb);
  let sw = 0, sw2 = 0;
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!, bi = b[i]!;
    if (ai < 0 || bi < 0) continue;
    const wi = w ? w[i]! : 1;
    if (Number.isNaN(wi)) continue;
    joint[ai * nb + bi]! += wi;
    sw += wi; sw2 += wi * wi;
  }
  let tot = 0;
  for (let t = 0; t < joint.length; t++) { if (joint[t]! < 0) joint[t] = 0; tot += joint[t]!; }
  if (!(tot > 0)) return NaN;
  const pa = new Float64Array(na), pb = new Float64Array(nb);
  for (let i = 0; i < na; i++) for (let j = 0; j < nb; j++) { const p = joint[i * nb + j]! / tot; pa[i]! += p; pb[j]! += p; }
  let mi = 0, kab = 0;
  for (let i = 0; i < na; i++) {
    for (let j = 0; j < nb; j++) {
      const p = joint[i * nb + j]! / tot;
      if (p > 0) { mi += p * Math.log(p / (pa[i]! * pb[j]!)); kab++; }
    }
  }
  if (!millerMadow) return Math.max(0, mi);
  let ka = 0, kb = 0;
  for (let i = 0; i < na; i++) if (pa[i]! > 0) ka++;
  for (let j = 0; j < nb; j++) if (pb[j]! > 0) kb++;
  const neff = (sw * sw) / sw2;
  return mi - (kab - ka - kb + 1) / (2 * neff);
}

function mutualInfoHistDiscrete(x: Float64Array, y: Float64Array, bins: number, w?: Float64Array | null): number {
  if (!(Number.isInteger(bins) && bins >= 2)) throw new RangeError(`mutual_info: bins must be an integer ≥ 2, got ${bins}`);
  const bx = quantileBins(x, bins);
  let K = 0;
  const by = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (Number.isInteger(v) && v >= 0) { by[i] = v; if (v + 1 > K) K = v + 1; } else by[i] = -1;
  }
  return mutualInfoBinned(bx, bins, by, Math.max(K, 1), w);
}

/** Plug-in MI between two continuous variables on equal-frequency bins (rows missing in either skipped). */
export function mutualInfoHist2(a: Float64Array, b: Float64Array, opts: { bins?: number; w?: Float64Array | null } = {}): number {
  const bins = opts.bins ?? 32;
  return mutualInfoBinned(quantileBins(a, bins), bins, quantileBins(b, bins), bins, opts.w);
}
