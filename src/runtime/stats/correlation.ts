/**
 * Weighted Pearson and Spearman correlation matrices, per class, for the ranking report and the
 * `max_corr` filter.
 *
 * May import: ./sort.
 * Missing values: each pair uses the rows where both variables are present (pairwise complete).
 * Pearson sums are taken on values centred by each column's weighted mean, so the one-pass pair
 * sums do not cancel catastrophically on offsets such as masses in GeV.
 * Spearman is the weighted Pearson correlation of weighted mid-ranks: rank_i = W(x < x_i) +
 * ½ W(x = x_i), computed per column over its present rows. With unit weights and no missing values
 * this is exactly scipy's `spearmanr` (average ranks); with missing values the ranks come from each
 * column's own present rows, a standard approximation that avoids re-ranking per pair.
 * Negative weights can push |r| past 1; results are clipped to [−1, 1]. A constant column gives NaN.
 */
import { argsort } from './sort.js';
import type { CorrelationMatrices } from '../results.js';

export type CorrelationMethod = 'pearson' | 'spearman';

/** Weighted mid-ranks of x (NaN stays NaN; rows with a NaN weight get NaN). */
export function weightedRanks(x: Float64Array, w?: Float64Array | null): Float64Array {
  const n = x.length;
  const out = new Float64Array(n).fill(NaN);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (!Number.isNaN(x[i]!) && !(w && Number.isNaN(w[i]!))) idx.push(i);
  const m = idx.length;
  const vals = new Float64Array(m);
  for (let j = 0; j < m; j++) vals[j] = x[idx[j]!]!;
  const ord = argsort(vals);
  let below = 0;
  for (let j = 0; j < m; ) {
    const v = vals[ord[j]!]!;
    let k = j, gw = 0;
    while (k < m && vals[ord[k]!] === v) { gw += w ? w[idx[ord[k]!]!]! : 1; k++; }
    const r = below + 0.5 * gw;
    for (let t = j; t < k; t++) out[idx[ord[t]!]!] = r;
    below += gw;
    j = k;
  }
  return out;
}

/** Weighted Pearson correlation of two columns over the rows where both are present. */
export function pearson(a: Float64Array, b: Float64Array, w?: Float64Array | null): number {
  return correlationMatrix([a, b], w, 'pearson')[0]![1]!;
}

/**
 * p×p correlation matrix of `columns` (rows = events), weighted, pairwise complete.
 * `rows` optionally restricts to a subset of events (e.g. one class).
 */
export function correlationMatrix(
  columns: readonly Float64Array[],
  w?: Float64Array | null,
  method: CorrelationMethod = 'pearson',
  rows?: Uint32Array,
): number[][] {
  const p = columns.length;
  // Gather the rows into dense arrays (ranked for Spearman).
  const data: Float64Array[] = [];
  let ww: Float64Array | null = null;
  if (rows) {
    if (w) { ww = new Float64Array(rows.length); for (let r = 0; r < rows.length; r++) ww[r] = w[rows[r]!]!; }
    for (const c of columns) {
      const d = new Float64Array(rows.length);
      for (let r = 0; r < rows.length; r++) d[r] = c[rows[r]!]!;
      data.push(d);
    }
  } else {
    ww = w ?? null;
    for (const c of columns) data.push(c);
  }
  const cols = method === 'spearman' ? data.map((d) => weightedRanks(d, ww)) : data;
  const n = cols[0]?.length ?? 0;
  // Centre each column by its own weighted mean.
  const centred = cols.map((c) => {
    let sw = 0, sx = 0;
    for (let i = 0; i < n; i++) {
      const v = c[i]!, wi = ww ? ww[i]! : 1;
      if (Number.isNaN(v) || Number.isNaN(wi)) continue;
      sw += wi; sx += wi * v;
    }
    const mu = sw !== 0 ? sx / sw : 0;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = c[i]! - mu;
    return out;
  });
  const R: number[][] = Array.from({ length: p }, () => new Array<number>(p).fill(NaN));
  for (let a = 0; a < p; a++) {
    const A = centred[a]!;
    for (let b = a; b < p; b++) {
      const B = centred[b]!;
      let sw = 0, sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      for (let i = 0; i < n; i++) {
        const x = A[i]!, y = B[i]!;
        if (Number.isNaN(x) || Number.isNaN(y)) continue;
        const wi = ww ? ww[i]! : 1;
        if (Number.isNaN(wi)) continue;
        sw += wi; sa += wi * x; sb += wi * y;
        saa += wi * x * x; sbb += wi * y * y; sab += wi * x * y;
      }
      let r = NaN;
      if (sw !== 0) {
        const ma = sa / sw, mb = sb / sw;
        const va = saa / sw - ma * ma, vb = sbb / sw - mb * mb, cov = sab / sw - ma * mb;
        if (va > 0 && vb > 0) r = Math.max(-1, Math.min(1, cov / Math.sqrt(va * vb)));
      }
      if (a === b && !Number.isNaN(r)) r = 1;
      R[a]![b] = r;
      R[b]![a] = r;
    }
  }
  return R;
}

/** Rows whose label equals `cls`. */
export function rowsOfClass(y: Float64Array, cls: number): Uint32Array {
  let m = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === cls) m++;
  const out = new Uint32Array(m);
  m = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === cls) out[m++] = i;
  return out;
}

/** Pearson and Spearman matrices for signal (y = 1) and background (y = 0), as `show` prints them. */
export function classCorrelations(
  features: readonly string[],
  columns: readonly Float64Array[],
  y: Float64Array,
  w?: Float64Array | null,
): CorrelationMatrices {
  const s = rowsOfClass(y, 1), b = rowsOfClass(y, 0);
  return {
    features: [...features],
    signal: { pearson: correlationMatrix(columns, w, 'pearson', s), spearman: correlationMatrix(columns, w, 'spearman', s) },
    background: { pearson: correlationMatrix(columns, w, 'pearson', b), spearman: correlationMatrix(columns, w, 'spearman', b) },
  };
}

/** Alias of `classCorrelations` (the name the select step uses). */
export const correlationMatrices = classCorrelations;
