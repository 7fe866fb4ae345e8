/**
 * From a `search` block and the trial metrics known so far to the trial x fold steps to plan.
 *
 * May import: search (the domain front door), lang/program (types).
 * Pure: `metricOf(trial, fold)` is what the build driver learned from finished steps: a number for a
 * built or cached step, NaN for a step that failed (or whose metric could not be computed),
 * undefined for a step not run yet. A NaN fold ends its trial as 'failed': that fold is not planned
 * again in this build (so one failed fit cannot leave the search incomplete), the trial ranks after
 * every finished one, and the next build tries it again (failures are never cached).
 *
 * Folds are staged only when pruning can apply: fold f of trial i is planned once folds 0..f-1 have
 * metrics and the trials it is compared with (search/plan.ts `pruneAgainst`) are finished, so a
 * pruning decision never depends on which steps happened to finish first. Without pruning all folds
 * of every known trial are planned at once.
 *
 * Proposals come from the memoised `planTrials`, and trials are processed once each, in index order
 * (a trial only ever depends on earlier ones): a re-plan costs O(trials) plus the new proposals.
 *
 * Space dims are split by target: `algorithm` dims go into the fit's algorithm params, `select` dims
 * (`keep`) into the select block the model reads (the planner plans one select+gather per distinct
 * setting, shared by the trials that have it).
 */
import type { SearchDecl, Value } from '../lang/program.js';
import { metricDirection, planTrials, shouldPrune, type PruneReference, type TrialOutcome } from './search/index.js';

export interface TrialPlan {
  index: number;
  /** Every searched parameter (what `show` lists). */
  params: Record<string, Value>;
  /** The algorithm's part of `params`. */
  algorithm: Record<string, Value>;
  /** The select block's part of `params` (e.g. `keep`); empty when the space tunes none. */
  select: Record<string, Value>;
  /** Folds to plan now (a failed fold is not among them). */
  folds: number[];
  pruned: boolean;
  /** A fold failed (or its metric is not a number): the trial ends as 'failed'. */
  failed: boolean;
  /** Why it was pruned or failed (a sentence). */
  reason?: string;
}

export interface SearchPlan {
  trials: TrialPlan[];
  /** Every trial has an outcome: the summary and the best refit can be planned. */
  complete: boolean;
  /** The best finished trial (absent when none finished: the summary step then fails saying so). */
  best?: TrialPlan;
}

interface Done {
  metrics: number[];
  status: 'done' | 'pruned' | 'failed';
}

export function planSearchTrials(s: SearchDecl, metricOf: (trial: number, fold: number) => number | undefined): SearchPlan {
  const direction = metricDirection(s.metric);
  const opts = { direction };
  const selectDims = new Set(s.space.filter((d) => d.target === 'select').map((d) => d.name));
  const outcomes = new Map<number, TrialOutcome>();
  const finished: (Done | undefined)[] = [];
  /** Prune references in trial order; refs[j] is set once trial j has an outcome. */
  const refs: PruneReference[] = [];
  const plans: TrialPlan[] = [];
  let prefix = 0; // trials 0..prefix-1 all have an outcome
  for (;;) {
    const tp = planTrials(s.strategy, s.space, outcomes, opts);
    if (tp.trials.length === plans.length) {
      const complete = tp.complete && finished.length === tp.total && finished.every((x) => x !== undefined);
      if (!complete) return { trials: plans, complete: false };
      return { trials: plans, complete: true, best: bestOf(plans, finished, direction) };
    }
    for (let i = plans.length; i < tp.trials.length; i++) {
      const t = tp.trials[i]!;
      const folds: number[] = [];
      const metrics: number[] = [];
      let pruned = false, failed = false, pending = false, reason: string | undefined;
      for (let f = 0; f < s.cv; f++) {
        if (f > 0 && s.prune) {
          // (Reached only when folds 0..f-1 all have metrics.)
          // Trials 0..pruneAgainst-1 precede t, so they were processed before it in this loop.
          while (finished[prefix]) prefix++;
          if (prefix < t.pruneAgainst) break; // wait for the reference trials before planning more folds
          const d = shouldPrune(metrics, t.pruneAgainst === refs.length ? refs : refs.slice(0, t.pruneAgainst), direction, { metric: s.metric });
          if (d.prune) { pruned = true; reason = d.reason; break; }
        }
        const m = metricOf(t.index, f);
        if (m === undefined) {
          folds.push(f);
          pending = true;
          if (s.prune) break; // the next fold waits for this one's metric (the pruning decision)
          continue;
        }
        if (Number.isNaN(m)) {
          failed = true;
          reason = `fold ${f} failed or its ${s.metric} is not a number`;
          break;
        }
        folds.push(f);
        metrics.push(m);
      }
      const algorithm: Record<string, Value> = {}, select: Record<string, Value> = {};
      for (const [k, v] of Object.entries(t.params)) (selectDims.has(k) ? select : algorithm)[k] = v;
      plans.push({ index: t.index, params: { ...t.params }, algorithm, select, folds, pruned, failed, ...(reason ? { reason } : {}) });
      // A failed trial's outcome waits for its other folds, so it never changes once recorded.
      if (pruned || (failed && !pending) || metrics.length === s.cv) {
        const status = pruned ? 'pruned' : failed ? 'failed' : 'done';
        finished[t.index] = { metrics, status };
        refs[t.index] = { folds: metrics, status };
        const mean = metrics.length ? metrics.reduce((a, b) => a + b, 0) / metrics.length : Number.NaN;
        outcomes.set(t.index, { metric: mean, status, folds: metrics.length });
      }
    }
  }
}

/** The best finished trial: highest (or lowest) mean metric, ties to the lower index (as `summarize`). */
function bestOf(plans: readonly TrialPlan[], finished: readonly (Done | undefined)[], direction: 'max' | 'min'): TrialPlan | undefined {
  let best: TrialPlan | undefined, bestMean = Number.NaN;
  for (const p of plans) {
    const d = finished[p.index];
    if (!d || d.status !== 'done') continue;
    const mean = d.metrics.reduce((a, b) => a + b, 0) / d.metrics.length;
    if (best === undefined || (!Number.isNaN(mean) && (Number.isNaN(bestMean) || (direction === 'max' ? mean > bestMean : mean < bestMean)))) {
      best = p;
      bestMean = mean;
    }
  }
  return best;
}
