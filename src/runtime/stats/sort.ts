/**
 * Sorting helpers shared by the rank-based scores (KS, AUC, Spearman, kNN mutual information).
 *
 * May import: nothing.
 * `argsort` is a stable LSD radix sort on the IEEE-754 bit pattern (four 16-bit passes, skipping
 * passes whose digit is constant), because a comparator sort of 250 000 indices costs ~10× more in
 * V8 and the ranking bench sorts 60 columns. Inputs must be NaN-free (callers drop missing values
 * first); -0 sorts just before +0, which keeps equal values contiguous.
 * `sortBinary` (KS, AUC) sorts x with class and weight: a radix sort on a 32-bit key (x rounded to
 * float32, so at most three 11-bit passes), then a repair of the runs where distinct doubles share a
 * float32 (rare in recorded data; values that differ only below float32 precision, e.g. tied values
 * plus tiny noise, fall back to `argsort` run by run, which is why `argsort` itself, used on exactly
 * such noisy values by the kNN mutual information, keeps the full 64-bit key). `binaryRows` + `sortRows` split it so that the fused scorer can reuse the
 * compacted rows and their moments for separation, ANOVA and Fisher.
 */

const RADIX_MIN = 1024;

/** Stable ascending order of `values` (no NaN): values[order[0]] <= values[order[1]] <= ... */
export function argsort(values: Float64Array): Uint32Array {
  const n = values.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (n < RADIX_MIN) {
    order.sort((a, b) => values[a]! - values[b]! || a - b);
    return order;
  }
  const bits = new Uint32Array(values.buffer, values.byteOffset, n * 2);
  let hi = new Uint32Array(n), lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let l = bits[2 * i]!, h = bits[2 * i + 1]!;
    if (h & 0x80000000) { h = ~h >>> 0; l = ~l >>> 0; } else { h = (h | 0x80000000) >>> 0; }
    hi[i] = h; lo[i] = l;
  }
  let idx = order;
  let hi2 = new Uint32Array(n), lo2 = new Uint32Array(n), idx2 = new Uint32Array(n);
  const count = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const src = pass < 2 ? lo : hi;
    const shift = (pass & 1) * 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(src[i]! >>> shift) & 0xffff]!++;
    if (count[(src[0]! >>> shift) & 0xffff] === n) continue; // constant digit
    let sum = 0;
    for (let d = 0; d < 65536; d++) { const c = count[d]!; count[d] = sum; sum += c; }
    for (let i = 0; i < n; i++) {
      const d = (src[i]! >>> shift) & 0xffff;
      const p = count[d]!++;
      hi2[p] = hi[i]!; lo2[p] = lo[i]!; idx2[p] = idx[i]!;
    }
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
    [idx, idx2] = [idx2, idx];
  }
  return idx;
}

/** Non-missing rows of a binary problem, sorted by x. cls: 1 = signal, 0 = background. */
export interface SortedBinary {
  readonly x: Float64Array;
  readonly cls: Uint8Array;
  readonly w: Float64Array;
  readonly nS: number;
  readonly nB: number;
  readonly wS: number;
  readonly wB: number;
}

/**
 * The kept rows of a binary problem in row order, with their sort keys (see `binaryRows`). Also the
 * per-class moments that ANOVA and Fisher need, accumulated in row order exactly as `anova` and
 * `fisherCriterion` accumulate them, so the fused scorer (`univariateAll`) gives bit-identical values.
 */
export interface BinaryRows {
  /** Kept rows: x non-NaN, y ∈ {0, 1}, weight non-NaN. */
  readonly m: number;
  /** x and weight of kept row j at 2j and 2j + 1 (weight 1 without weights). */
  readonly xw: Float64Array;
  /** Class of kept row j, 1 = signal (first m entries). */
  readonly cls: Uint8Array;
  /** Monotone 32-bit key of x (first m entries): the float32 rounding of x, sign-flipped bits. */
  readonly key: Uint32Array;
  /** Histograms of the key's three radix digits (bits 0–10, 11–21, 22–31), 2048 entries each. */
  readonly hist: Uint32Array;
  readonly nS: number;
  readonly nB: number;
  /** Σw per class, background [0] and signal [1]. */
  readonly wSum: Float64Array;
  /** Σ w·x per class. */
  readonly wxSum: Float64Array;
  /** Σw, Σw², Σ w·x over both classes. */
  readonly wTot: number;
  readonly w2Tot: number;
  readonly wxTot: number;
  /** Smallest and largest kept x (±Infinity included; +Infinity / −Infinity when m = 0). */
  readonly min: number;
  readonly max: number;
}

const DIGIT = 2048;

/**
 * One pass over the rows: keeps rows with a non-NaN x, y ∈ {0, 1} and a non-NaN weight (other labels
 * are ignored: one-vs-rest callers pass a 0/1 vector), compacts them, and builds the radix keys.
 * The key is Math.fround(x + 0) with its sign bit flipped (negative: all bits flipped), so keys are
 * in the order of x (monotone, not strictly: distinct doubles may share a float32) and −0, +0 share one.
 */
export function binaryRows(x: Float64Array, y: Float64Array, w?: Float64Array | null): BinaryRows {
  const n = x.length;
  const xw = new Float64Array(2 * n);
  const cls = new Uint8Array(n);
  const keyF = new Float32Array(n);
  const key = new Uint32Array(keyF.buffer);
  const hist = new Uint32Array(3 * DIGIT);
  // Per-class sums indexed by the class (no branch on it: classes are interleaved at random).
  const wSum = new Float64Array(2), wxSum = new Float64Array(2);
  let m = 0, nS = 0, wTot = 0, w2Tot = 0, wxTot = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!, yi = y[i]!, wi = w ? w[i]! : 1;
    if (xi !== xi || (yi !== 0 && yi !== 1) || wi !== wi) continue;
    keyF[m] = xi + 0;
    let k = key[m]!;
    k = (k ^ ((k >> 31) | 0x80000000)) >>> 0;
    key[m] = k;
    hist[k & 2047]!++;
    hist[DIGIT + ((k >>> 11) & 2047)]!++;
    hist[2 * DIGIT + (k >>> 22)]!++;
    xw[2 * m] = xi;
    xw[2 * m + 1] = wi;
    const c = yi === 1 ? 1 : 0;
    cls[m] = c;
    nS += c;
    const wx = wi * xi;
    wSum[c]! += wi; wxSum[c]! += wx;
    wTot += wi; w2Tot += wi * wi; wxTot += wx;
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    m++;
  }
  return { m, xw, cls, key, hist, nS, nB: m - nS, wSum, wxSum, wTot, w2Tot, wxTot, min, max };
}

/**
 * Sorts the rows of `binaryRows` by x (leaves `r` unchanged). LSD radix sort of the 32-bit keys with
 * 11-bit digits, skipping digits that are constant (a column of small integers needs one pass),
 * moving x, weight and class with the key (the first pass reads the rows in order, so nothing is
 * gathered at random); then runs of equal keys whose doubles are out of order (distinct values
 * sharing a float32) are sorted by the full value (insertion sort when short, the stable radix
 * `argsort` otherwise). Every step is stable, so equal values keep row order.
 */
export function sortRows(r: BinaryRows): SortedBinary {
  const { m, xw, hist, nS, nB } = r;
  const rc = r.cls;
  const count = hist.slice();
  let xs: Float64Array = new Float64Array(m), ws: Float64Array = new Float64Array(m), cls: Uint8Array = new Uint8Array(m), key: Uint32Array = new Uint32Array(m);
  let x2: Float64Array | undefined, w2: Float64Array | undefined, c2: Uint8Array | undefined, k2: Uint32Array | undefined;
  let first = true;
  for (let pass = 0; pass < 3 && m > 0; pass++) {
    const off = pass * DIGIT, shift = pass * 11;
    if (count[off + ((r.key[0]! >>> shift) & 2047)] === m) continue; // constant digit
    let sum = 0;
    for (let d = 0; d < DIGIT; d++) { const c = count[off + d]!; count[off + d] = sum; sum += c; }
    if (first) {
      const src = r.key;
      for (let i = 0; i < m; i++) {
        const k = src[i]!;
        const p = count[off + ((k >>> shift) & 2047)]!++;
        key[p] = k; xs[p] = xw[2 * i]!; ws[p] = xw[2 * i + 1]!; cls[p] = rc[i]!;
      }
      first = false;
    } else {
      const dk = (k2 ??= new Uint32Array(m)), dx = (x2 ??= new Float64Array(m)), dw = (w2 ??= new Float64Array(m)), dc = (c2 ??= new Uint8Array(m));
      for (let i = 0; i < m; i++) {
        const k = key[i]!;
        const p = count[off + ((k >>> shift) & 2047)]!++;
        dk[p] = k; dx[p] = xs[i]!; dw[p] = ws[i]!; dc[p] = cls[i]!;
      }
      [key, k2] = [dk, key]; [xs, x2] = [dx, xs]; [ws, w2] = [dw, ws]; [cls, c2] = [dc, cls];
    }
  }
  if (first) {
    // Every key equal (or m ≤ 1): row order is key order.
    for (let i = 0; i < m; i++) { key[i] = r.key[i]!; xs[i] = xw[2 * i]!; ws[i] = xw[2 * i + 1]!; cls[i] = rc[i]!; }
  }
  // Keys are monotone in x, so an inversion can only sit inside a run of equal keys.
  for (let i = 1; i < m; i++) {
    if (!(xs[i]! < xs[i - 1]!)) continue;
    const k = key[i]!;
    let s0 = i - 1, s1 = i + 1;
    while (s0 > 0 && key[s0 - 1] === k) s0--;
    while (s1 < m && key[s1] === k) s1++;
    sortSegment(xs, cls, ws, s0, s1);
    i = s1 - 1;
  }
  return { x: xs, cls, w: ws, nS, nB, wS: r.wSum[1]!, wB: r.wSum[0]! };
}

/** Stable sort of xs[s0..s1) by value, moving cls and ws along. */
function sortSegment(xs: Float64Array, cls: Uint8Array, ws: Float64Array, s0: number, s1: number): void {
  const len = s1 - s0;
  if (len <= 32) {
    for (let i = s0 + 1; i < s1; i++) {
      const v = xs[i]!, c = cls[i]!, wv = ws[i]!;
      let j = i - 1;
      while (j >= s0 && xs[j]! > v) { xs[j + 1] = xs[j]!; cls[j + 1] = cls[j]!; ws[j + 1] = ws[j]!; j--; }
      xs[j + 1] = v; cls[j + 1] = c; ws[j + 1] = wv;
    }
    return;
  }
  const seg = xs.slice(s0, s1), segC = cls.slice(s0, s1), segW = ws.slice(s0, s1);
  const byValue = new Float64Array(len);
  for (let i = 0; i < len; i++) byValue[i] = seg[i]! + 0; // −0 → +0: a tie, kept in row order
  const ord = argsort(byValue);
  for (let i = 0; i < len; i++) { const o = ord[i]!; xs[s0 + i] = seg[o]!; cls[s0 + i] = segC[o]!; ws[s0 + i] = segW[o]!; }
}

/**
 * Rows with a non-NaN x, y ∈ {0, 1} and a non-NaN weight, sorted by x; equal values (−0 and +0
 * count as equal) keep row order. Rows with other labels are ignored (one-vs-rest callers pass a
 * 0/1 vector). Cost: one pass to compact and key, at most three radix passes, one gather (see
 * `sortRows`).
 */
export function sortBinary(x: Float64Array, y: Float64Array, w?: Float64Array | null): SortedBinary {
  return sortRows(binaryRows(x, y, w));
}
