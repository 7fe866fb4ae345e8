/**
 * Deterministic train/test splits: `holdout` and `kfold`, optionally by an id column.
 *
 * May import: util/rng.
 *
 * Without `by`, rows are shuffled by a permutation from Rng(seed) and dealt out: the first
 * round(test·n) permuted rows are the test part (holdout), or row perm[i] goes to fold i mod k
 * (k-fold, so fold sizes differ by at most one). With `stratify` (class labels) the shuffle and the
 * dealing happen within each class, so every part keeps the class proportions.
 *
 * With `by` (an id per row: a numeric column or strings), the part of a row is a hash of
 * (seed, id value) only: u = deriveSeed(seed, 'split', id) / 2³² ∈ [0, 1); test if u < test
 * (holdout) or fold ⌊u·k⌋ (k-fold). So it does not depend on the row order or on the other rows,
 * rows sharing an id always land together, and adding rows never moves existing ones. Part sizes
 * are then only approximately test·n and n/k.
 *
 * Returned index arrays are sorted ascending (the original row order), as Int32Array.
 */
import { Rng, deriveSeed } from '../util/rng.js';

export interface Split {
  train: Int32Array;
  test: Int32Array;
}

export interface SplitOptions {
  seed: number;
  /** Id per row: rows are assigned by a hash of their id value. */
  by?: Float64Array | readonly string[];
  /** Class label per row (ignored with `by`): keep class proportions in each part. */
  stratify?: Float64Array;
}

export interface HoldoutOptions extends SplitOptions {
  /** Fraction of rows in the test part, in (0, 1). */
  test: number;
}

function idKey(by: Float64Array | readonly string[], i: number): string {
  const v = by[i];
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '0' : String(v);
  return `s:${String(v)}`;
}

/** u ∈ [0, 1) from the hash of (seed, id). */
function hashUnit(seed: number, by: Float64Array | readonly string[], i: number): number {
  return deriveSeed(seed, 'split', idKey(by, i)) / 4294967296;
}

function checkLength(n: number, opts: SplitOptions): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`split: row count must be a non-negative integer, got ${n}`);
  if (opts.by && opts.by.length !== n) throw new Error(`split: \`by\` has ${opts.by.length} values for ${n} rows`);
  if (opts.stratify && opts.stratify.length !== n) throw new Error(`split: \`stratify\` has ${opts.stratify.length} values for ${n} rows`);
}

/** Permuted row groups: one group (all rows) or one per class, each shuffled by its own stream. */
function shuffledGroups(n: number, opts: SplitOptions): Int32Array[] {
  if (!opts.stratify) return [Rng.derive(opts.seed, 'split').permutation(n)];
  const byClass = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = String(opts.stratify[i]);
    let g = byClass.get(key);
    if (!g) { g = []; byClass.set(key, g); }
    g.push(i);
  }
  const keys = [...byClass.keys()].sort();
  return keys.map((key) => {
    const rows = byClass.get(key)!;
    const perm = Rng.derive(opts.seed, 'split', key).permutation(rows.length);
    return Int32Array.from(perm, (p) => rows[p]!);
  });
}

function toSorted(rows: number[]): Int32Array {
  const a = Int32Array.from(rows);
  a.sort();
  return a;
}

export function holdout(n: number, opts: HoldoutOptions): Split {
  checkLength(n, opts);
  if (!(opts.test > 0 && opts.test < 1)) throw new Error(`holdout: \`test\` must be a fraction in (0, 1), got ${opts.test}`);
  const train: number[] = [], test: number[] = [];
  if (opts.by) {
    for (let i = 0; i < n; i++) (hashUnit(opts.seed, opts.by, i) < opts.test ? test : train).push(i);
  } else {
    for (const g of shuffledGroups(n, opts)) {
      const m = Math.round(opts.test * g.length);
      for (let k = 0; k < g.length; k++) (k < m ? test : train).push(g[k]!);
    }
  }
  return { train: toSorted(train), test: toSorted(test) };
}

/** k folds; fold f's `test` is the held-out part, its `train` the other k − 1 parts. */
export function kfold(n: number, k: number, opts: SplitOptions): Split[] {
  checkLength(n, opts);
  if (!Number.isInteger(k) || k < 2) throw new Error(`kfold: k must be an integer ≥ 2, got ${k}`);
  const fold = new Int32Array(n);
  if (opts.by) {
    for (let i = 0; i < n; i++) fold[i] = Math.min(k - 1, Math.floor(hashUnit(opts.seed, opts.by, i) * k));
  } else {
    // Continue the round-robin across classes so fold sizes stay balanced overall.
    let c = 0;
    for (const g of shuffledGroups(n, opts)) for (let j = 0; j < g.length; j++) fold[g[j]!] = c++ % k;
  }
  const out: Split[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [], test: number[] = [];
    for (let i = 0; i < n; i++) (fold[i] === f ? test : train).push(i);
    out.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return out;
}
