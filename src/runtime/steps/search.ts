/**
 * The `search` step: trial x fold metrics -> the SearchResult (trials sorted, the best).
 *
 * May import: search (front door), steps/common, steps/models (types).
 * The planner (search-plan.ts) decided each trial's outcome: its inputs are the folds that ran; a
 * trial flagged `failed` (a fold failed, or its metric was not a number) or with fewer folds than
 * `cv` without being pruned is 'failed'. Pruned and failed trials carry the planner's sentence per
 * trial (`TrialResult.reason`), so `show` can say why a trial stopped. A search where no trial finished fails here,
 * saying how many trials failed and how many were pruned.
 */
import type { SearchResult } from '../results.js';
import { StepError, valueStep } from './common.js';
import type { FitValue } from './models.js';

interface SearchParams {
  metric: string;
  cv: number;
  trials: { index: number; params: Record<string, unknown>; folds: number[]; pruned: boolean; failed?: boolean; reason?: string }[];
  complete: boolean;
}

export type SearchValue = SearchResult & { complete: boolean; pruned: Record<number, string> };

export const searchStep = valueStep<SearchValue>('search', 2, async (inputs, p: SearchParams) => {
  const { summarize } = await import('../search/index.js');
  const records = p.trials.map((t) => {
    const folds = t.folds.map((f) => (inputs[`t${t.index}/f${f}`] as FitValue).metric!);
    const status = t.pruned ? ('pruned' as const) : !t.failed && folds.length === p.cv ? ('done' as const) : ('failed' as const);
    return { id: t.index, params: t.params as Record<string, never>, folds, status };
  });
  let result: SearchResult;
  try {
    result = summarize(records, p.metric);
  } catch (e) {
    throw new StepError(`${(e as Error).message}; \`winnow build\` shows why each trial failed`);
  }
  const pruned: Record<number, string> = {};
  const reasons = new Map<number, string>();
  for (const t of p.trials) {
    if (t.pruned && t.reason) pruned[t.index] = t.reason;
    if (t.pruned || t.failed) reasons.set(t.index, t.reason ?? (t.pruned ? 'pruned' : 'a fold failed'));
  }
  const trials = result.trials.map((t) => (t.status !== 'done' && reasons.has(t.id) ? { ...t, reason: reasons.get(t.id)! } : t));
  return { ...result, trials, complete: p.complete, pruned };
});
