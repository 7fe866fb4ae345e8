import { describe, expect, it } from 'vitest';
import {
  type TrialOutcome, TrialPlanner, gridPoints, paramsKey, planTrials, propose, sampleRandom, trialCount,
  type Observation,
} from '../../../src/runtime/search/index.js';
import { SPACE4, dim, objective } from './helpers.js';

const done = (metric: number): TrialOutcome => ({ metric, status: 'done' });

/** Run a search to completion through the planner, evaluating `objective`; returns the planned trials. */
function runAll(planner: TrialPlanner, outcomes = new Map<number, TrialOutcome>()) {
  for (;;) {
    const plan = planner.plan(outcomes);
    for (const t of plan.trials) if (!outcomes.has(t.index)) outcomes.set(t.index, done(objective(t.params)));
    if (plan.complete && outcomes.size >= plan.total) return { plan, outcomes };
  }
}

describe('random', () => {
  it('plans every trial at once; trials 0..5 are unchanged when trials = 8', () => {
    const six = planTrials({ kind: 'random', trials: 6, seed: 42 }, SPACE4, new Map(), { direction: 'max' });
    const eight = planTrials({ kind: 'random', trials: 8, seed: 42 }, SPACE4, new Map(), { direction: 'max' });
    expect(six.complete).toBe(true);
    expect(six.trials.length).toBe(6);
    expect(eight.trials.length).toBe(8);
    expect(eight.trials.slice(0, 6)).toEqual(six.trials);
    // The two new trials are new parameters (new step keys), not repeats.
    const oldKeys = new Set(six.trials.map((t) => t.key));
    expect(eight.trials.slice(6).every((t) => !oldKeys.has(t.key))).toBe(true);
    for (const t of eight.trials) {
      expect(t.dependsOn).toBe(0);
      expect(t.key).toBe(paramsKey(t.params));
      expect(t.params).toEqual(sampleRandom(SPACE4, 42, t.index));
    }
  });
});

describe('grid', () => {
  it('plans the whole product at once; adding a value keeps the old points\' keys', () => {
    const a = [dim('depth', { kind: 'int', low: 2, high: 4 }), dim('act', { kind: 'choice', values: ['relu', 'tanh'] })];
    const b = [dim('depth', { kind: 'int', low: 2, high: 4 }), dim('act', { kind: 'choice', values: ['relu', 'tanh', 'elu'] })];
    const pa = planTrials({ kind: 'grid' }, a, new Map(), { direction: 'max' });
    const pb = planTrials({ kind: 'grid' }, b, new Map(), { direction: 'max' });
    expect(pa.total).toBe(6);
    expect(trialCount({ kind: 'grid' }, b)).toBe(9);
    expect(pa.trials.map((t) => t.params)).toEqual(gridPoints(a));
    const keysB = new Set(pb.trials.map((t) => t.key));
    for (const t of pa.trials) expect(keysB.has(t.key)).toBe(true);
  });

  it('reports a dimension without a finite set of values', () => {
    expect(() => new TrialPlanner({ kind: 'grid' }, SPACE4, { direction: 'max' })).toThrow(/`lr`/);
  });
});

describe('bayes', () => {
  const bayes = (trials: number) => ({ kind: 'bayes', trials, seed: 3, startup: 4 }) as const;

  it('plans the startup trials at once, then one trial per new outcome', () => {
    const planner = new TrialPlanner(bayes(8), SPACE4, { direction: 'max' });
    const outcomes = new Map<number, TrialOutcome>();
    let plan = planner.plan(outcomes);
    expect(plan.trials.map((t) => t.index)).toEqual([0, 1, 2, 3]);
    expect(plan.complete).toBe(false);
    expect(plan.waitingFor).toEqual([0, 1, 2, 3]);
    // Outcomes arrive out of order: nothing new until all four are known.
    outcomes.set(2, done(-1)).set(0, done(-2)).set(3, done(-0.5));
    plan = planner.plan(outcomes);
    expect(plan.trials.length).toBe(4);
    expect(plan.waitingFor).toEqual([1]);
    outcomes.set(1, done(-3));
    plan = planner.plan(outcomes);
    expect(plan.trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4]);
    expect(plan.trials[4]?.dependsOn).toBe(4);
    expect(plan.waitingFor).toEqual([4]);
    // Trial 4 is TPE over trials 0..3.
    const history: Observation[] = [0, 1, 2, 3].map((j) => ({ params: plan.trials[j]!.params, ...outcomes.get(j)! }));
    expect(plan.trials[4]?.params).toEqual(propose(bayes(8), SPACE4, history, { index: 4, direction: 'max' }));
  });

  it('is the same whether planned incrementally or from scratch, and trials 0..5 survive trials = 8', () => {
    const incremental = runAll(new TrialPlanner(bayes(8), SPACE4, { direction: 'max' }));
    // From scratch with all outcomes known: the same trials.
    const scratch = planTrials(bayes(8), SPACE4, incremental.outcomes, { direction: 'max' });
    expect(scratch.trials).toEqual(incremental.plan.trials);
    // A 6-trial search is the prefix of the 8-trial one.
    const six = runAll(new TrialPlanner(bayes(6), SPACE4, { direction: 'max' }));
    expect(six.plan.trials).toEqual(incremental.plan.trials.slice(0, 6));
    // Resuming the 8-trial search from the 6 finished trials plans the same two new ones.
    const resumed = runAll(new TrialPlanner(bayes(8), SPACE4, { direction: 'max' }), new Map(six.outcomes));
    expect(resumed.plan.trials).toEqual(incremental.plan.trials);
  });

  it('with batch > 1 proposes a batch from the same history', () => {
    const planner = new TrialPlanner(bayes(10), SPACE4, { direction: 'max', batch: 3 });
    expect([0, 3, 4, 5, 6, 7, 8, 9].map((i) => planner.dependsOn(i))).toEqual([0, 0, 4, 4, 4, 7, 7, 7]);
    const outcomes = new Map<number, TrialOutcome>([0, 1, 2, 3].map((i) => [i, done(-i)]));
    const plan = planner.plan(outcomes);
    expect(plan.trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // Distinct proposals (own random streams) from one history.
    expect(new Set(plan.trials.slice(4).map((t) => t.key)).size).toBe(3);
    expect(plan.waitingFor).toEqual([4, 5, 6]);
  });

  it('recomputes when an outcome it used changes', () => {
    const planner = new TrialPlanner(bayes(6), SPACE4, { direction: 'max' });
    const outcomes = new Map<number, TrialOutcome>([0, 1, 2, 3].map((i) => [i, done(i)]));
    const first = planner.plan(outcomes).trials[4];
    outcomes.set(0, done(10)); // trial 0 is now the best
    const second = planner.plan(outcomes).trials[4];
    expect(second).toEqual(planTrials(bayes(6), SPACE4, outcomes, { direction: 'max' }).trials[4]);
    expect(second?.params).not.toEqual(first?.params);
  });
});

describe('planTrials (memoised planners)', () => {
  it('answers exactly like a fresh planner, call after call, and follows changed outcomes', () => {
    const strategy = { kind: 'bayes', trials: 9, seed: 17, startup: 3 } as const;
    const outcomes = new Map<number, TrialOutcome>();
    for (let step = 0; step < 12; step++) {
      const cached = planTrials(strategy, SPACE4, outcomes, { direction: 'min' });
      const fresh = new TrialPlanner(strategy, SPACE4, { direction: 'min' }).plan(outcomes);
      expect(cached).toEqual(fresh);
      const next = cached.trials.find((t) => !outcomes.has(t.index));
      if (next) outcomes.set(next.index, done(objective(next.params)));
      if (step === 8) outcomes.set(1, done(-100)); // an outcome changes under the cached planner
    }
    expect(outcomes.size).toBe(9);
  });
});

describe('pruneAgainst', () => {
  it('is a fixed earlier prefix: batches of 4 for random, every earlier trial for sequential bayes', () => {
    const r = new TrialPlanner({ kind: 'random', trials: 12, seed: 1 }, SPACE4, { direction: 'max' });
    expect(Array.from({ length: 12 }, (_, i) => r.pruneAgainst(i))).toEqual([0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8]);
    const b = new TrialPlanner({ kind: 'bayes', trials: 12, seed: 1, startup: 6 }, SPACE4, { direction: 'max' });
    expect(Array.from({ length: 12 }, (_, i) => b.pruneAgainst(i))).toEqual([0, 0, 0, 0, 4, 4, 6, 7, 8, 9, 10, 11]);
    const plan = r.plan(new Map());
    expect(plan.trials.map((t) => t.pruneAgainst)).toEqual([0, 0, 0, 0, 4, 4, 4, 4, 8, 8, 8, 8]);
  });
});

describe('errors', () => {
  it('rejects a bad trial count, naming the strategy', () => {
    expect(() => new TrialPlanner({ kind: 'random', trials: 2.5, seed: 1 }, SPACE4, { direction: 'max' })).toThrow(/random\(trials: 2.5\)/);
  });
  it('rejects an invalid space, naming the dimension', () => {
    expect(() => planTrials({ kind: 'random', trials: 2, seed: 1 }, [dim('lr', { kind: 'loguniform', low: 0, high: 1 })], new Map(), { direction: 'max' })).toThrow(
      /`lr`/,
    );
  });
});
