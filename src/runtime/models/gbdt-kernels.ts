/**
 * Inner loops of the histogram GBDT, shared by the main thread (gbdt.ts) and the workers
 * (gbdt-worker.ts). Plain functions over flat typed arrays, nothing else.
 *
 * May import: nothing.
 *
 * Layouts:
 * - bins: row-major Uint8Array, bins[r * F + f] = bin of row r in feature f; MISSING_BIN (255) = NaN.
 *   Row-major because a histogram pass reads all features of one row after loading its gradient
 *   pair once, and the F bytes of a row share a cache line.
 * - grad: interleaved Float64Array [g0, h0, g1, h1, ...].
 * - rows: Int32Array of row indices; each tree node owns a contiguous range [start, end).
 * - hist: per node slot, F × 256 × (G, H) doubles: hist[off + (f * 256 + b) * 2] = G, + 1 = H.
 * A histogram of one feature is always summed over the node's rows in row-list order, whichever
 * thread builds it: threads split the work by feature, never by rows, so the sums (and the model)
 * are bit-identical for any thread count.
 */

export const BIN_SLOTS = 256;
export const MISSING_BIN = 255;
/** Doubles per feature in a histogram. */
export const FEAT_STRIDE = BIN_SLOTS * 2;

/** First j with x < cuts[j] (j = cuts.length if none); NaN -> MISSING_BIN. */
export function binValue(x: number, cuts: Float64Array): number {
  if (Number.isNaN(x)) return MISSING_BIN;
  let lo = 0, hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x < cuts[mid]!) hi = mid; else lo = mid + 1;
  }
  return lo;
}

/** Bins one column into the row-major matrix at stride F, offset f. */
export function binColumn(col: Float64Array, cuts: Float64Array, bins: Uint8Array, F: number, f: number): void {
  const n = col.length;
  const nc = cuts.length;
  for (let r = 0, p = f; r < n; r++, p += F) {
    const x = col[r]!;
    if (x !== x) { bins[p] = MISSING_BIN; continue; }
    let lo = 0, hi = nc;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (x < cuts[mid]!) hi = mid; else lo = mid + 1;
    }
    bins[p] = lo;
  }
}

/** Zeroes features [f0, f1) of the histogram at `off`. */
export function zeroHist(hist: Float64Array, off: number, f0: number, f1: number): void {
  hist.fill(0, off + f0 * FEAT_STRIDE, off + f1 * FEAT_STRIDE);
}

/** Adds rows[start..end) to features [f0, f1) of the histogram at `off` (which must be zeroed first). */
export function buildHist(
  bins: Uint8Array, F: number, grad: Float64Array, rows: Int32Array, start: number, end: number,
  hist: Float64Array, off: number, f0: number, f1: number,
): void {
  const base0 = off + f0 * FEAT_STRIDE;
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const g = grad[2 * r]!, h = grad[2 * r + 1]!;
    let p = r * F + f0;
    let o = base0;
    for (let f = f0; f < f1; f++, p++, o += FEAT_STRIDE) {
      const k = o + (bins[p]! << 1);
      hist[k] = hist[k]! + g;
      hist[k + 1] = hist[k + 1]! + h;
    }
  }
}

/** dst = parent − src for features [f0, f1) (the histogram subtraction trick). */
export function subtractHist(hist: Float64Array, parentOff: number, srcOff: number, dstHist: Float64Array, dstOff: number, f0: number, f1: number, parent: Float64Array): void {
  const a = f0 * FEAT_STRIDE, b = f1 * FEAT_STRIDE;
  for (let k = a; k < b; k++) dstHist[dstOff + k] = parent[parentOff + k]! - hist[srcOff + k]!;
}

/**
 * Stable partition of rows[start..end) by (bin of feature f ≤ splitBin, or missing and defaultLeft):
 * left rows first. Returns the first index of the right part. `tmp` holds at least end − start.
 */
export function partitionRows(
  bins: Uint8Array, F: number, rows: Int32Array, start: number, end: number,
  f: number, splitBin: number, defaultLeft: boolean, tmp: Int32Array,
): number {
  let l = start, t = 0;
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const b = bins[r * F + f]!;
    const left = b === MISSING_BIN ? defaultLeft : b <= splitBin;
    if (left) rows[l++] = r; else tmp[t++] = r;
  }
  for (let k = 0; k < t; k++) rows[l + k] = tmp[k]!;
  return l;
}

/** Binary logloss gradients for rows [r0, r1): g = w (p − y), h = |w| p (1 − p). */
export function gradLogistic(margin: Float64Array, y: Float64Array, w: Float64Array, grad: Float64Array, r0: number, r1: number): void {
  for (let r = r0; r < r1; r++) {
    const p = 1 / (1 + Math.exp(-margin[r]!));
    const wr = w[r]!;
    grad[2 * r] = wr * (p - y[r]!);
    grad[2 * r + 1] = Math.max(Math.abs(wr) * p * (1 - p), 1e-16 * Math.abs(wr));
  }
}

export interface HistTask {
  /** Rows of the node to build (the smaller child), and its slot offset in `hist`. */
  start: number;
  end: number;
  off: number;
  /** Optional: larger sibling = parent (in `parentHist` at parentOff) − built; written at dstOff of `hist`. */
  parentOff?: number;
  dstOff?: number;
}

/** One thread's share of a level's histogram work (features [f0, f1) of every task). */
export function runHistTasks(
  binsA: Uint8Array, FA: number, gradA: Float64Array, rowsA: Int32Array,
  hist: Float64Array, parentHist: Float64Array | null, tasks: readonly HistTask[], f0: number, f1: number,
): void {
  for (const t of tasks) {
    zeroHist(hist, t.off, f0, f1);
    buildHist(binsA, FA, gradA, rowsA, t.start, t.end, hist, t.off, f0, f1);
    if (parentHist && t.parentOff !== undefined && t.dstOff !== undefined) {
      subtractHist(hist, t.parentOff, t.off, hist, t.dstOff, f0, f1, parentHist);
    }
  }
}

