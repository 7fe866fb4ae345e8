/**
 * Sorting helpers shared by the rank-based scores (KS, AUC, Spearman, kNN mutual information).
 *
 * May import: nothing.
 * `argsort` is a stable LSD radix sort on the IEEE-754 bit pattern (four 16-bit passes, skipping
 * passes whose digit is constant), because a comparator sort of 250 000 indices costs ~10× more in
 * V8 and the ranking bench sorts 60 columns. Inputs must be NaN-free (callers drop missing values
 * first); -0 sorts just before +0, which keeps equal values contiguous.
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
 * Rows with a non-NaN x, y ∈ {0, 1} and a non-NaN weight, sorted by x (the order among equal x is
 * unspecified: every caller aggregates tie groups). Rows with other labels are ignored (one-vs-rest
 * callers pass a 0/1 vector).
 * Implementation: a bucket sort on the value (≈ one bucket per row over [min, max]) that scatters
 * x, class and weight together, then sorts each bucket (insertion sort when small, radix argsort
 * otherwise, which also makes a bucket of equal values cost one pass). Smooth distributions cost two
 * sequential passes and one scatter; skewed ones degrade gracefully towards the radix sort.
 */
export function sortBinary(x: Float64Array, y: Float64Array, w?: Float64Array | null): SortedBinary {
  const n = x.length;
  let m = 0, lo = Infinity, hi = -Infinity;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!, yi = y[i]!;
    if (xi !== xi || (yi !== 0 && yi !== 1) || (w && w[i]! !== w[i]!)) continue;
    m++;
    if (xi < lo && xi !== -Infinity) lo = xi;
    if (xi > hi && xi !== Infinity) hi = xi;
  }
  const xs = new Float64Array(m), cls = new Uint8Array(m), ws = new Float64Array(m);
  let nS = 0, nB = 0, wS = 0, wB = 0;
  if (m === 0) return { x: xs, cls, w: ws, nS, nB, wS, wB };
  const B = Math.max(1, m);
  const finiteRange = hi > lo && Number.isFinite(hi - lo);
  const scale = finiteRange ? (B - 1) / (hi - lo) : 0;
  const bucketOf = (v: number): number => {
    if (!finiteRange) return 0;
    if (v <= lo) return 0;
    if (v >= hi) return B - 1;
    const b = Math.floor((v - lo) * scale);
    return b < 0 ? 0 : b >= B ? B - 1 : b;
  };
  const start = new Int32Array(B + 1);
  for (let i = 0; i < n; i++) {
    const xi = x[i]!, yi = y[i]!;
    if (xi !== xi || (yi !== 0 && yi !== 1) || (w && w[i]! !== w[i]!)) continue;
    start[bucketOf(xi) + 1]!++;
  }
  for (let b = 0; b < B; b++) start[b + 1]! += start[b]!;
  const fill = start.slice(0, B);
  for (let i = 0; i < n; i++) {
    const xi = x[i]!, yi = y[i]!;
    if (xi !== xi || (yi !== 0 && yi !== 1)) continue;
    const wi = w ? w[i]! : 1;
    if (wi !== wi) continue;
    const p = fill[bucketOf(xi)]!++;
    xs[p] = xi; ws[p] = wi;
    if (yi === 1) { cls[p] = 1; nS++; wS += wi; } else { nB++; wB += wi; }
  }
  for (let b = 0; b < B; b++) {
    const s0 = start[b]!, s1 = start[b + 1]!, len = s1 - s0;
    if (len < 2) continue;
    // Tied data (values recorded to a few decimals) puts each repeated value in a bucket of its own:
    // nothing to sort there.
    let allEqual = true;
    const v0 = xs[s0]!;
    for (let i = s0 + 1; i < s1; i++) if (xs[i] !== v0) { allEqual = false; break; }
    if (allEqual) continue;
    if (len <= 32) {
      for (let i = s0 + 1; i < s1; i++) {
        const v = xs[i]!, c = cls[i]!, wv = ws[i]!;
        let j = i - 1;
        while (j >= s0 && xs[j]! > v) { xs[j + 1] = xs[j]!; cls[j + 1] = cls[j]!; ws[j + 1] = ws[j]!; j--; }
        xs[j + 1] = v; cls[j + 1] = c; ws[j + 1] = wv;
      }
    } else {
      const seg = xs.slice(s0, s1), segC = cls.slice(s0, s1), segW = ws.slice(s0, s1);
      const ord = argsort(seg);
      for (let i = 0; i < len; i++) { const o = ord[i]!; xs[s0 + i] = seg[o]!; cls[s0 + i] = segC[o]!; ws[s0 + i] = segW[o]!; }
    }
  }
  return { x: xs, cls, w: ws, nS, nB, wS, wB };
}
