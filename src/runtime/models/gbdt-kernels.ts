/**
 * Inner loops of the histogram GBDT, shared by the main thread (gbdt.ts) and the workers
 * (gbdt-worker.ts). Plain functions over flat typed arrays, nothing else. buildHist and
 * partitionRows are the reference for (and the fallback without wasm SIMD of) the WebAssembly
 * kernel in gbdt-wasm.ts, which must give the same bits (tested in gbdt-wasm.test.ts).
 *
 * May import: nothing.
 *
 * Layouts:
 * - rowBins: row-major Uint8Array with a row stride S = F rounded up to a multiple of 4:
 *   rowBins[r * S + f] = bin of row r in feature f; MISSING_BIN (255) = NaN. Row-major because a
 *   histogram pass reads all features of one row after loading its gradient pair once; the kernel
 *   reads 4 (or 2) bins per load through Uint32/Uint16 views, which measured ~1.6× faster than
 *   byte loads in V8.
 * - colBins: the same bins column-major (colBins[f * n + r]), for partitioning a node by one
 *   feature without striding through the whole row-major matrix.
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

/** Cut points padded to 255 entries with +Infinity, for the branch-free search in binColumn. */
export function padCuts(cuts: Float64Array): Float64Array {
  const c = new Float64Array(255).fill(Infinity);
  c.set(cuts.subarray(0, 254));
  return c;
}

/**
 * Bins one column (bin = number of cuts ≤ x, at most 254; NaN -> MISSING_BIN) into both layouts.
 * `padded` comes from padCuts: a fixed 8-step search without data-dependent loop bounds.
 */
export function binColumn(col: Float64Array, padded: Float64Array, rowBins: Uint8Array, S: number, colBins: Uint8Array, n: number, f: number): void {
  const c = padded;
  const cb = f * n;
  for (let r = 0, p = f; r < n; r++, p += S) {
    const x = col[r]!;
    let b = MISSING_BIN;
    if (x === x) {
      // Branch-free: `+(bool) << k` compiles to a flag move, not a jump (3× faster than `if`).
      b = +(x >= c[127]!) << 7;
      b |= +(x >= c[b + 63]!) << 6;
      b |= +(x >= c[b + 31]!) << 5;
      b |= +(x >= c[b + 15]!) << 4;
      b |= +(x >= c[b + 7]!) << 3;
      b |= +(x >= c[b + 3]!) << 2;
      b |= +(x >= c[b + 1]!) << 1;
      b |= +(x >= c[b]!);
    }
    rowBins[p] = b;
    colBins[cb + r] = b;
  }
}

/** Cut points of one feature from (a sample of) its values: at most maxValueBins − 1 cuts (see gbdt.ts). */
export function computeCuts(col: Float64Array, w: Float64Array | null, sample: Int32Array | null, maxValueBins: number): Float64Array {
  const m = sample ? sample.length : col.length;
  const vals = new Float64Array(m);
  let k = 0;
  for (let i = 0; i < m; i++) {
    const x = col[sample ? sample[i]! : i]!;
    if (x === x) vals[k++] = x;
  }
  const v = vals.subarray(0, k).sort();
  if (k === 0) return new Float64Array(0);
  if (!w) {
    // Unit weights: the same cumulative rule as the weighted path below, with counts from the sorted runs.
    let d = 0;
    for (let i = 0; i < k; i++) if (i === 0 || v[i] !== v[i - 1]) d++;
    const cuts: number[] = [];
    if (d <= maxValueBins) {
      for (let i = 1; i < k; i++) if (v[i] !== v[i - 1]) cuts.push(v[i]!);
      return Float64Array.from(cuts);
    }
    let i = 0, cum = 0, next = 1;
    while (i < k && next < maxValueBins) {
      let j = i + 1;
      while (j < k && v[j] === v[i]) j++;
      cum += j - i;
      if (j < k && cum >= (next * k) / maxValueBins) {
        cuts.push(v[j]!);
        while (next < maxValueBins && cum >= (next * k) / maxValueBins) next++;
      }
      i = j;
    }
    return Float64Array.from(cuts);
  }
  // Distinct values with their weights.
  const distinct: number[] = [];
  const dw: number[] = [];
  {
    const sum = new Map<number, number>();
    for (let i = 0; i < m; i++) {
      const r = sample ? sample[i]! : i;
      const x = col[r]!;
      if (x === x) sum.set(x === 0 ? 0 : x, (sum.get(x === 0 ? 0 : x) ?? 0) + Math.abs(w[r]!));
    }
    for (let i = 0; i < k; i++) {
      const x = v[i]!;
      if (i === 0 || x !== v[i - 1]) { distinct.push(x); dw.push(sum.get(x === 0 ? 0 : x) ?? 0); }
    }
  }
  const d = distinct.length;
  if (d <= maxValueBins) return Float64Array.from(distinct.slice(1));
  let total = 0;
  for (const x of dw) total += x;
  if (!(total > 0)) { for (let i = 0; i < d; i++) dw[i] = 1; total = d; }
  const cuts: number[] = [];
  let cum = 0, next = 1;
  for (let i = 0; i < d - 1 && next < maxValueBins; i++) {
    cum += dw[i]!;
    if (cum >= (next * total) / maxValueBins) {
      cuts.push(distinct[i + 1]!);
      while (next < maxValueBins && cum >= (next * total) / maxValueBins) next++;
    }
  }
  return Float64Array.from(cuts);
}

/** Zeroes features [f0, f1) of the histogram at `off`. */
export function zeroHist(hist: Float64Array, off: number, f0: number, f1: number): void {
  hist.fill(0, off + f0 * FEAT_STRIDE, off + f1 * FEAT_STRIDE);
}

/**
 * Adds rows[start..end) to features [f0, f1) of the histogram at `off` (zeroed first).
 * f0 and f1 are even; bins are read 4 at a time (Uint32 view) for whole aligned quads and 2 at a
 * time (Uint16 view) for a leading or trailing pair. Little-endian byte order (every platform Node
 * runs on) puts feature 4q in the low byte of word q.
 */
export function buildHist(
  b32: Uint32Array, b16: Uint16Array, S: number, grad: Float64Array, rows: Int32Array, start: number, end: number,
  hist: Float64Array, off: number, f0: number, f1: number,
): void {
  const W32 = S >> 2, W16 = S >> 1;
  const lead = (f0 & 3) === 2 ? f0 : -1;
  const qStart = lead >= 0 ? f0 + 2 : f0;
  const q0 = qStart >> 2, q1 = f1 >> 2;
  const trail = (f1 & 3) === 2 && f1 - 2 >= qStart ? f1 - 2 : -1;
  const oLead = off + lead * FEAT_STRIDE, oTrail = off + trail * FEAT_STRIDE, oQuad = off + qStart * FEAT_STRIDE;
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const g = grad[2 * r]!, h = grad[2 * r + 1]!;
    if (lead >= 0) {
      const v = b16[r * W16 + (lead >> 1)]!;
      let k = oLead + ((v & 255) << 1); hist[k] = hist[k]! + g; hist[k + 1] = hist[k + 1]! + h;
      k = oLead + FEAT_STRIDE + ((v >>> 8) << 1); hist[k] = hist[k]! + g; hist[k + 1] = hist[k + 1]! + h;
    }
    let o = oQuad;
    for (let q = r * W32 + q0, qe = r * W32 + q1; q < qe; q++) {
      const v = b32[q]!;
      let k = o + ((v & 255) << 1); hist[k] = hist[k]! + g; hist[k + 1] = hist[k + 1]! + h; o += FEAT_STRIDE;
      k = o + (((v >>> 8) & 255) << 1); hist[k] = hist[k]! + g; hist[k + 1] = hist[k + 1]! + h; o += FEAT_STRIDE;
      k = o + (((v >>> 16) & 255) << 1); hist[k] = hist[k]! + g; hist[k + 1] = hist[k + 1]! + h; o += FEAT_STRIDE;
      k = o + ((v >>> 24) << 1); hist[k] = hist[k]! + g; hist[k + 1] = hist[k + 1]! + h; o += FEAT_STRIDE;
    }
    if (trail >= 0) {
      const v = b16[r * W16 + (trail >> 1)]!;
      let k = oTrail + ((v & 255) << 1); hist[k] = hist[k]! + g; hist[k + 1] = hist[k + 1]! + h;
      k = oTrail + FEAT_STRIDE + ((v >>> 8) << 1); hist[k] = hist[k]! + g; hist[k + 1] = hist[k + 1]! + h;
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
  colBins: Uint8Array, n: number, rows: Int32Array, start: number, end: number,
  f: number, splitBin: number, defaultLeft: boolean, tmp: Int32Array,
): number {
  let l = start, t = 0;
  const cb = f * n;
  const missLeft = defaultLeft ? 1 : 0;
  for (let i = start; i < end; i++) {
    const r = rows[i]!;
    const b = colBins[cb + r]!;
    // Branch-free (the side is unpredictable): write to both, advance one.
    const left = b === MISSING_BIN ? missLeft : +(b <= splitBin);
    rows[l] = r;
    tmp[t] = r;
    l += left;
    t += 1 - left;
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
  b32: Uint32Array, b16: Uint16Array, S: number, gradA: Float64Array, rowsA: Int32Array,
  hist: Float64Array, parentHist: Float64Array | null, tasks: readonly HistTask[], f0: number, f1: number,
): void {
  for (const t of tasks) {
    zeroHist(hist, t.off, f0, f1);
    buildHist(b32, b16, S, gradA, rowsA, t.start, t.end, hist, t.off, f0, f1);
    if (parentHist && t.parentOff !== undefined && t.dstOff !== undefined) {
      subtractHist(hist, t.parentOff, t.off, hist, t.dstOff, f0, f1, parentHist);
    }
  }
}


/** margin[rows[i]·K + k] += v for i in [start, end) (a leaf's rows). */
export function addLeafValue(rows: Int32Array, start: number, end: number, margin: Float64Array, K: number, k: number, v: number): void {
  if (K === 1) {
    for (let i = start; i < end; i++) { const r = rows[i]!; margin[r] = margin[r]! + v; }
  } else {
    for (let i = start; i < end; i++) { const j = rows[i]! * K + k; margin[j] = margin[j]! + v; }
  }
}

/** Identity row list, or the rows with inSample[r] = 1 in ascending order; returns the count. */
export function fillRows(rows: Int32Array, n: number, inSample: Uint8Array | null): number {
  if (!inSample) {
    for (let i = 0; i < n; i++) rows[i] = i;
    return n;
  }
  let j = 0;
  for (let i = 0; i < n; i++) { rows[j] = i; j += inSample[i]!; }
  return j;
}

/** One leaf's rows and value, for addLeafValue on a worker. */
export interface LeafTask {
  start: number;
  end: number;
  v: number;
}

/** One node to partition (see partitionRows). */
export interface PartTask {
  start: number;
  end: number;
  f: number;
  bin: number;
  defaultLeft: boolean;
}
