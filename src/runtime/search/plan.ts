/**
 * Trial planning: which trials' parameters are known, given the outcomes so far.
 *
 * May import: lang/program (types only), ./space, ./tpe, ./propose.
 *
 * The integrator turns every planned trial × fold into a cached step keyed by `paramsKey(params)`
 * (plus model, data, folds), runs what it can, records outcomes, and asks again. Everything here is
 * a pure function of (strategy, space, options, outcomes): the answer never depends on the order in
 * which trials finished or on --jobs.
 *
 * Dependencies, per trial i:
 * - grid, random: `dependsOn = 0`; every trial is plannable at once.
 * - bayes: trials below `startup` are random (`dependsOn = 0`). Trial i >= startup sees trials
 *   0..dependsOn-1 with `dependsOn = startup + floor((i - startup) / batch) * batch`. With the default
 *   `batch = 1` this is sequential TPE (Optuna's single-worker behaviour); a larger batch proposes
 *   `batch` trials from the same history so they can run in parallel (each still gets its own
 *   candidates, since the random streams are per trial). `batch` is part of the search's semantics:
 *   changing it changes trials >= startup.
 * - pruning: trial i may be pruned only against trials 0..pruneAgainst-1, once all of them have an
 *   outcome, with `pruneAgainst = max(dependsOn, floor(i / pruneBatch) * pruneBatch)`. A trial in
 *   the first pruneBatch is never pruned; later ones compare to a fixed, earlier set, so pruning
 *   decisions do not depend on --jobs either.
 *
 * Because trial i never depends on trials after it, `trials: 6` then `trials: 8` plans the same six
 * trials first (bayes included), and their steps are cache hits.
 *
 * `TrialPlanner` memoises proposals, so asking again after every finished trial costs one new TPE
 * proposal, not n. If an outcome it already used changes (it should not), it recomputes from there.
 * `planTrials` keeps a few planners keyed by (strategy, space, options), so callers that cannot hold
 * a planner between build steps get the same saving.
 */
import type { SpaceDim } from '../../lang/program.js';
import { gridPoints, gridSize, paramsKey, sampleRandom, type Params, unreachable } from './space.js';
import { type Direction, type Observation, type TrialStatus } from './tpe.js';
import { propose, type Strategy } from './propose.js';

/** What the integrator learned from a trial. `metric` of a pruned trial: mean of the folds that ran. */
export interface TrialOutcome {
  readonly metric: number;
  readonly status: TrialStatus;
  /** Folds that ran (used to rank pruned trials). */
  readonly folds?: number;
}

export interface PlannedTrial {
  readonly index: number;
  readonly params: Params;
  /** `paramsKey(params)`: the parameters' part of the trial's step keys. */
  readonly key: string;
  /** The params were computed from the outcomes of trials 0..dependsOn-1 (0: from the seed only). */
  readonly dependsOn: number;
  /** Prune against the finished trials among 0..pruneAgainst-1, once all of them have an outcome. */
  readonly pruneAgainst: number;
}

export interface TrialPlan {
  /** Number of trials the strategy runs (grid: the number of points). */
  readonly total: number;
  /** Trials whose parameters are known now: always the prefix 0..trials.length-1. */
  readonly trials: readonly PlannedTrial[];
  /** trials.length === total. */
  readonly complete: boolean;
  /** When not complete: the trials whose outcomes the next trial needs and that are missing. */
  readonly waitingFor: readonly number[];
}

export interface PlanOptions {
  readonly direction: Direction;
  /** bayes only: trials proposed from the same history (default 1, sequential). */
  readonly batch?: number;
  /** Pruning reference granularity (default 4; see the header). */
  readonly pruneBatch?: number;
  /** Ceiling on grid size (default space.MAX_GRID_POINTS). */
  readonly maxGridPoints?: number;
}

/** The number of trials a strategy runs over a space. */
export function trialCount(strategy: Strategy, space: readonly SpaceDim[]): number {
  return strategy.kind === 'grid' ? gridSize(space) : strategy.trials;
}

export class TrialPlanner {
  readonly total: number;
  private readonly batch: number;
  private readonly pruneBatch: number;
  private grid: Params[] | undefined;
  private readonly memo: (PlannedTrial | undefined)[] = [];
  /** Outcomes the memoised proposals were computed from. */
  private readonly used: (TrialOutcome | undefined)[] = [];

  constructor(
    readonly strategy: Strategy,
    readonly space: readonly SpaceDim[],
    private readonly opts: PlanOptions,
  ) {
    this.batch = Math.max(1, Math.floor(opts.batch ?? 1));
    this.pruneBatch = Math.max(1, Math.floor(opts.pruneBatch ?? 4));
    if (strategy.kind === 'grid') {
      this.grid = opts.maxGridPoints === undefined ? gridPoints(space) : gridPoints(space, opts.maxGridPoints);
      this.total = this.grid.length;
    } else {
      if (!Number.isInteger(strategy.trials) || strategy.trials < 0) {
        throw new Error(`${strategy.kind}(trials: ${strategy.trials}) needs a non-negative whole number of trials`);
      }
      this.total = strategy.trials;
    }
  }

  /** Trials 0..dependsOn(i)-1 determine trial i's parameters. */
  dependsOn(i: number): number {
    const s = this.strategy;
    if (s.kind !== 'bayes' || i < s.startup) return 0;
    return s.startup + Math.floor((i - s.startup) / this.batch) * this.batch;
  }

  /** Trial i is pruned against trials 0..pruneAgainst(i)-1. */
  pruneAgainst(i: number): number {
    return Math.max(this.dependsOn(i), Math.floor(i / this.pruneBatch) * this.pruneBatch);
  }

  plan(outcomes: ReadonlyMap<number, TrialOutcome>): TrialPlan {
    this.invalidateChanged(outcomes);
    const trials: PlannedTrial[] = [];
    let known = 0; // outcomes of trials 0..known-1 are all present
    while (known < this.total && outcomes.has(known)) known++;
    for (let i = 0; i < this.total; i++) {
      const d = this.dependsOn(i);
      if (d > known) {
        const missing: number[] = [];
        for (let j = known; j < d; j++) if (!outcomes.has(j)) missing.push(j);
        return { total: this.total, trials, complete: false, waitingFor: missing };
      }
      trials.push(this.trial(i, d, outcomes));
    }
    return { total: this.total, trials, complete: true, waitingFor: [] };
  }

  private trial(i: number, d: number, outcomes: ReadonlyMap<number, TrialOutcome>): PlannedTrial {
    const cached = this.memo[i];
    if (cached) return cached;
    const params = this.params(i, d, outcomes);
    for (let j = 0; j < d; j++) this.used[j] ??= outcomes.get(j);
    const t: PlannedTrial = { index: i, params, key: paramsKey(params), dependsOn: d, pruneAgainst: this.pruneAgainst(i) };
    this.memo[i] = t;
    return t;
  }

  private params(i: number, d: number, outcomes: ReadonlyMap<number, TrialOutcome>): Params {
    const s = this.strategy;
    switch (s.kind) {
      case 'grid':
        return (this.grid as Params[])[i] as Params;
      case 'random':
        return sampleRandom(this.space, s.seed, i);
      case 'bayes': {
        if (d === 0) return sampleRandom(this.space, s.seed, i);
        const history: Observation[] = [];
        for (let j = 0; j < d; j++) {
          const o = outcomes.get(j) as TrialOutcome;
          const prev = this.memo[j];
          if (!prev) throw new Error(`bug: trial ${j} was not planned before trial ${i}`);
          history.push({ params: prev.params, metric: o.metric, status: o.status, folds: o.folds });
        }
        return propose(s, this.space, history, { index: i, direction: this.opts.direction });
      }
      default:
        return unreachable(s);
    }
  }

  /** Drop memoised trials computed from an outcome that has since changed. */
  private invalidateChanged(outcomes: ReadonlyMap<number, TrialOutcome>): void {
    let first = -1;
    for (let j = 0; j < this.used.length; j++) {
      const u = this.used[j];
      if (u !== undefined && !sameOutcome(u, outcomes.get(j))) {
        first = j;
        break;
      }
    }
    if (first < 0) return;
    for (let i = 0; i < this.memo.length; i++) if (this.memo[i] && this.dependsOn(i) > first) this.memo[i] = undefined;
    for (let j = first; j < this.used.length; j++) this.used[j] = undefined;
  }
}

function sameOutcome(a: TrialOutcome, b: TrialOutcome | undefined): boolean {
  return a === b || (b !== undefined && a.status === b.status && Object.is(a.metric, b.metric) && a.folds === b.folds);
}

/**
 * Plan with a memoised planner: the same (strategy, space, options) reuses the planner of the
 * previous call (up to PLANNER_CACHE_SIZE of them, least recently used evicted), so a build driver
 * that re-plans after every finished step pays for one new TPE proposal per call, not for all of
 * them. The answer is exactly that of `new TrialPlanner(...).plan(outcomes)`; the cache only saves
 * time (a planner recomputes whatever depended on an outcome that changed).
 */
export function planTrials(
  strategy: Strategy,
  space: readonly SpaceDim[],
  outcomes: ReadonlyMap<number, TrialOutcome>,
  opts: PlanOptions,
): TrialPlan {
  const key = JSON.stringify([strategy, space.map((d) => [d.name, d.target, d.dist]), opts]);
  let planner = plannerCache.get(key);
  if (planner) plannerCache.delete(key);
  else planner = new TrialPlanner(strategy, space, opts);
  plannerCache.set(key, planner);
  if (plannerCache.size > PLANNER_CACHE_SIZE) plannerCache.delete(plannerCache.keys().next().value as string);
  return planner.plan(outcomes);
}

export const PLANNER_CACHE_SIZE = 16;
const plannerCache = new Map<string, TrialPlanner>();
