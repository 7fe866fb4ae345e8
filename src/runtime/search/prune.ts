/**
 * Pruning: the median rule over folds.
 *
 * May import: ./tpe (types only).
 *
 * A trial has run its first k folds (fold metrics in fold order). It is pruned when the mean of
 * those k fold metrics is worse than the median, over the reference trials that finished, of the
 * mean of THEIR first k folds (the same folds, so fold-to-fold differences cancel), by more than
 * `margin` (default 0, Optuna's MedianPruner). Nothing is pruned:
 * - before `minFolds` folds have run (default 1),
 * - while fewer than `minFinished` reference trials finished with k usable folds (default 3),
 * - when one of the trial's own first k fold metrics is not a number (the fit's failure is reported
 *   by the integrator, not hidden by pruning).
 * Only trials with status 'done' are references: a pruned trial is worse by construction, and
 * counting it would make every pruning lower the bar for the next. Which trials are references must
 * not depend on timing; the planner's `pruneAgainst` gives a fixed set (see plan.ts).
 * The decision carries its numbers and a sentence, so the search can say why a trial stopped.
 */
import type { Direction, TrialStatus } from './tpe.js';

export interface PruneReference {
  /** Fold metrics in fold order. */
  readonly folds: readonly number[];
  readonly status: TrialStatus;
}

export interface PruneOptions {
  /** Finished reference trials needed before anything is pruned (default 3). */
  readonly minFinished?: number;
  /** Folds a trial runs before it can be pruned (default 1). */
  readonly minFolds?: number;
  /** How much worse than the median, in metric units, counts as clearly worse (default 0). */
  readonly margin?: number;
  /** The metric's name, for the reason sentence (default 'metric'). */
  readonly metric?: string;
}

export interface PruneDecision {
  readonly prune: boolean;
  /** Folds the decision looked at. */
  readonly folds: number;
  /** Mean of the trial's first `folds` fold metrics. */
  readonly value: number;
  /** Median of the references' means at the same fold count (NaN when there were too few). */
  readonly median: number;
  /** Reference trials the median was taken over. */
  readonly compared: number;
  readonly reason: string;
}

export function shouldPrune(
  foldMetrics: readonly number[],
  finished: readonly PruneReference[],
  direction: Direction,
  opts: PruneOptions = {},
): PruneDecision {
  const minFinished = opts.minFinished ?? 3;
  const minFolds = Math.max(1, opts.minFolds ?? 1);
  const margin = opts.margin ?? 0;
  const name = opts.metric ?? 'metric';
  const k = foldMetrics.length;
  const value = meanOfFirst(foldMetrics, k);
  const keep = (median: number, compared: number, reason: string): PruneDecision => ({
    prune: false, folds: k, value, median, compared, reason,
  });
  if (k < minFolds) return keep(Number.NaN, 0, `only ${k} of the ${minFolds} folds needed before pruning have run`);
  if (Number.isNaN(value)) return keep(Number.NaN, 0, `a fold ${name} is not a number`);
  const refs: number[] = [];
  for (const t of finished) {
    if (t.status !== 'done' || t.folds.length < k) continue;
    const m = meanOfFirst(t.folds, k);
    if (!Number.isNaN(m)) refs.push(m);
  }
  if (refs.length < minFinished) {
    return keep(Number.NaN, refs.length, `${refs.length} finished trials to compare with at ${k} folds, fewer than ${minFinished}`);
  }
  const median = medianOf(refs);
  const worse = direction === 'max' ? value < median - margin : value > median + margin;
  const cmp = direction === 'max' ? 'below' : 'above';
  const text = `${name} ${fmt(value)} over the first ${k} fold${k === 1 ? '' : 's'}`;
  const against = `the median ${fmt(median)} of ${refs.length} finished trials`;
  if (worse) {
    const by = margin > 0 ? ` by more than ${fmt(margin)}` : '';
    return { prune: true, folds: k, value, median, compared: refs.length, reason: `pruned: ${text} is ${cmp} ${against}${by}` };
  }
  return keep(median, refs.length, `kept: ${text} is not clearly ${cmp} ${against}`);
}

function meanOfFirst(xs: readonly number[], k: number): number {
  if (k === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < k; i++) s += xs[i] as number;
  return s / k;
}

/** Median (mean of the two middle values for an even count); input non-empty, NaN-free. */
export function medianOf(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 === 1 ? (s[h] as number) : 0.5 * ((s[h - 1] as number) + (s[h] as number));
}

function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
