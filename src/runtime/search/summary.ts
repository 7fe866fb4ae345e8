/**
 * Search results: metric directions and the `SearchResult` of a set of trials.
 *
 * May import: runtime/results (types), ./space, ./tpe (types only).
 *
 * - Directions: auc, ams, significance (and the other "higher is better" model metrics) are
 *   maximised; logloss is minimised. An unknown metric is an error naming it.
 * - A trial's metric is the mean of the folds that ran; `std` is the population standard deviation
 *   over those folds (ddof = 0, as scikit-learn's `std_test_score`), 0 for one fold, NaN for none.
 * - Order: finished trials best first (a NaN metric last), then pruned trials (most folds first,
 *   then by metric), then failed ones; ties by trial id. `best` is the first finished trial; a search
 *   where no trial finished is an Error saying how many failed and how many were pruned.
 */
import type { SearchResult, TrialResult } from '../results.js';
import type { Params } from './space.js';
import type { Direction, TrialStatus } from './tpe.js';

export const METRIC_DIRECTION: Readonly<Record<string, Direction>> = {
  auc: 'max',
  ams: 'max',
  ams_top15: 'max',
  significance: 'max',
  eff_at_rej90: 'max',
  eff_at_rej99: 'max',
  logloss: 'min',
};

export function metricDirection(metric: string): Direction {
  const d = METRIC_DIRECTION[metric];
  if (!d) throw new Error(`unknown search metric \`${metric}\`; expected one of ${Object.keys(METRIC_DIRECTION).join(', ')}`);
  return d;
}

/** a is strictly better than b (NaN is never better, and anything finite beats NaN). */
export function isBetter(a: number, b: number, direction: Direction): boolean {
  if (Number.isNaN(a)) return false;
  if (Number.isNaN(b)) return true;
  return direction === 'max' ? a > b : a < b;
}

export interface TrialRecord {
  readonly id: number;
  readonly params: Params;
  /** Fold metrics in fold order, for the folds that ran. */
  readonly folds: readonly number[];
  readonly status: TrialStatus;
}

/** Mean and population standard deviation (NaN, NaN for no values). */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const n = xs.length;
  if (n === 0) return { mean: Number.NaN, std: Number.NaN };
  let s = 0;
  for (const x of xs) s += x;
  const mean = s / n;
  let v = 0;
  for (const x of xs) v += (x - mean) * (x - mean);
  return { mean, std: Math.sqrt(v / n) };
}

export function summarize(trials: readonly TrialRecord[], metric: string, direction: Direction = metricDirection(metric)): SearchResult {
  const rows: TrialResult[] = trials.map((t) => {
    const { mean, std } = meanStd(t.folds);
    return { id: t.id, params: { ...t.params }, metric: mean, std, folds: [...t.folds], status: t.status };
  });
  const rank = { done: 0, pruned: 1, failed: 2 } as const;
  const sign = direction === 'max' ? -1 : 1;
  const byMetric = (a: TrialResult, b: TrialResult): number => {
    const an = Number.isNaN(a.metric);
    const bn = Number.isNaN(b.metric);
    if (an || bn) return an === bn ? 0 : an ? 1 : -1;
    return sign * (a.metric - b.metric);
  };
  rows.sort((a, b) => {
    const r = rank[a.status] - rank[b.status];
    if (r !== 0) return r;
    if (a.status === 'pruned') return b.folds.length - a.folds.length || byMetric(a, b) || a.id - b.id;
    if (a.status === 'done') return byMetric(a, b) || a.id - b.id;
    return a.id - b.id;
  });
  const best = rows[0];
  if (!best || best.status !== 'done') {
    const failed = rows.filter((r) => r.status === 'failed').length;
    const pruned = rows.filter((r) => r.status === 'pruned').length;
    throw new Error(`no trial of the search finished (${trials.length} trials: ${failed} failed, ${pruned} pruned)`);
  }
  return {
    metric,
    direction,
    trials: rows,
    best: { id: best.id, params: { ...best.params }, metric: best.metric, std: best.std },
  };
}
