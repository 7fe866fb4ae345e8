/**
 * From a `search` block and the trial metrics known so far to the trial x fold steps to plan.
 *
 * May import: search (the domain front door), lang/program (types).
 * Pure: `metricOf(trial, fold)` is what the build driver learned from finished steps. Folds are
 * staged only when pruning can apply: fold f of trial i is planned once folds 0..f-1 have metrics
 * and the trials it is compared with (search/plan.ts `pruneAgainst`) are finished, so a pruning
 * decision never depends on which steps happened to finish first. Without pruning all folds of every
 * known trial are planned at once.
 */
import type { SearchDecl } from '../lang/program.js';
import { TrialPlanner, metricDirection, shouldPrune, summarize, type TrialOutcome, type TrialRecord } from './search/index.js';

export interface TrialPlan {
  index: number;
  params: Record<string, unknown>;
  /** Folds to plan now. */
  folds: number[];
  pruned: boolean;
  /** Why it was pruned (the decision's sentence). */
  reason?: string;
}

export interface SearchPlan {
  trials: TrialPlan[];
  /** Every trial has an outcome: the summary and the best refit can be planned. */
  complete: boolean;
  best?: { index: number; params: Record<string, unknown> };
}

export function planSearchTrials(s: SearchDecl, metricOf: (trial: number, fold: number) => number | undefined): SearchPlan {
  const direction = metricDirection(s.metric);
  const planner = new TrialPlanner(s.strategy, s.space, { direction });
  const outcomes = new Map<number, TrialOutcome>();
  const records = new Map<number, TrialRecord>();
  let plans: TrialPlan[] = [];
  let known = -1;
  for (;;) {
    const tp = planner.plan(outcomes);
    plans = [];
    for (const t of tp.trials) {
      const folds: number[] = [];
      const metrics: number[] = [];
      let pruned = false, reason: string | undefined;
      for (let f = 0; f < s.cv; f++) {
        if (f > 0 && s.prune) {
          const refs: { folds: number[]; status: 'done' | 'pruned' | 'failed' }[] = [];
          let ready = true;
          for (let j = 0; j < t.pruneAgainst; j++) {
            const r = records.get(j);
            if (!r) { ready = false; break; }
            refs.push({ folds: [...r.folds], status: r.status });
          }
          if (!ready) break; // wait for the reference trials before planning more folds
          const d = shouldPrune(metrics, refs, direction, { metric: s.metric });
          if (d.prune) { pruned = true; reason = d.reason; break; }
        }
        folds.push(f);
        const m = metricOf(t.index, f);
        if (m === undefined) break;
        metrics.push(m);
      }
      plans.push({ index: t.index, params: { ...t.params }, folds, pruned, reason });
      if (!records.has(t.index) && (pruned || metrics.length === s.cv)) {
        const status = pruned ? 'pruned' : 'done';
        records.set(t.index, { id: t.index, params: t.params, folds: metrics, status });
        const mean = metrics.reduce((a, b) => a + b, 0) / Math.max(1, metrics.length);
        outcomes.set(t.index, { metric: mean, status, folds: metrics.length });
      }
    }
    const size = tp.trials.length * 1000 + records.size;
    if (size === known) {
      const complete = tp.complete && records.size === tp.total;
      if (!complete) return { trials: plans, complete: false };
      const summary = summarize([...records.values()].sort((a, b) => a.id - b.id), s.metric, direction);
      return { trials: plans, complete: true, best: { index: summary.best.id, params: summary.best.params } };
    }
    known = size;
  }
}
