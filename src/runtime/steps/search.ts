/**
 * The `search` step: trial x fold metrics -> the SearchResult (trials sorted, the best).
 *
 * May import: search (front door), steps/common, steps/models (types).
 */
import type { SearchResult } from '../results.js';
import { valueStep } from './common.js';
import type { FitValue } from './models.js';

interface SearchParams {
  metric: string;
  cv: number;
  trials: { index: number; params: Record<string, unknown>; folds: number[]; pruned: boolean; reason?: string }[];
  complete: boolean;
}

export const searchStep = valueStep<SearchResult & { complete: boolean; pruned: Record<number, string> }>('search', 1, async (inputs, p: SearchParams) => {
  const { summarize } = await import('../search/index.js');
  const records = p.trials.map((t) => {
    const folds = t.folds.map((f) => (inputs[`t${t.index}/f${f}`] as FitValue).metric!);
    const status = t.pruned ? ('pruned' as const) : folds.length === p.cv ? ('done' as const) : ('failed' as const);
    return { id: t.index, params: t.params as Record<string, never>, folds, status };
  });
  const result = summarize(records, p.metric);
  const pruned: Record<number, string> = {};
  for (const t of p.trials) if (t.pruned && t.reason) pruned[t.index] = t.reason;
  return { ...result, complete: p.complete, pruned };
});
