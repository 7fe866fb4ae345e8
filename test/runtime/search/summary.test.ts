import { describe, expect, it } from 'vitest';
import { type TrialRecord, isBetter, meanStd, metricDirection, summarize } from '../../../src/runtime/search/index.js';

describe('metric directions', () => {
  it('maximises auc, ams, significance and minimises logloss', () => {
    expect(['auc', 'ams', 'significance', 'logloss'].map(metricDirection)).toEqual(['max', 'max', 'max', 'min']);
    expect(() => metricDirection('acc')).toThrow(/unknown search metric `acc`; expected one of auc, ams/);
    expect(isBetter(0.9, 0.8, 'max')).toBe(true);
    expect(isBetter(0.9, 0.8, 'min')).toBe(false);
    expect(isBetter(Number.NaN, 0.8, 'max')).toBe(false);
    expect(isBetter(0.1, Number.NaN, 'min')).toBe(true);
  });
});

describe('meanStd', () => {
  it('is the mean and population std over folds', () => {
    const { mean, std } = meanStd([0.8, 0.82, 0.84]);
    expect(mean).toBeCloseTo(0.82, 14);
    expect(std).toBeCloseTo(Math.sqrt(0.0008 / 3), 14); // numpy.std([0.8, 0.82, 0.84]) = 0.016329931618554536
    expect(meanStd([0.7])).toEqual({ mean: 0.7, std: 0 });
    expect(meanStd([])).toEqual({ mean: Number.NaN, std: Number.NaN });
  });
});

describe('summarize', () => {
  const trials: TrialRecord[] = [
    { id: 0, params: { depth: 3 }, folds: [0.8, 0.82, 0.84], status: 'done' },
    { id: 1, params: { depth: 6 }, folds: [0.85, 0.87, 0.86], status: 'done' },
    { id: 2, params: { depth: 9 }, folds: [0.6], status: 'pruned' },
    { id: 3, params: { depth: 12 }, folds: [], status: 'failed' },
    { id: 4, params: { depth: 4 }, folds: [0.7, 0.72], status: 'pruned' },
    { id: 5, params: { depth: 5 }, folds: [0.84, 0.88, 0.86], status: 'done' }, // ties trial 1 at 0.86
  ];

  it('sorts finished trials best first (ties by id), then pruned by folds, then failed', () => {
    const r = summarize(trials, 'auc');
    expect(r.metric).toBe('auc');
    expect(r.direction).toBe('max');
    expect(r.trials.map((t) => t.id)).toEqual([1, 5, 0, 4, 2, 3]);
    expect(r.trials[0]?.metric).toBeCloseTo(0.86, 14);
    expect(r.trials[0]?.std).toBeCloseTo(Math.sqrt(0.0002 / 3), 14);
    expect(r.trials[0]?.folds).toEqual([0.85, 0.87, 0.86]);
    expect(r.best).toEqual({ id: 1, params: { depth: 6 }, metric: r.trials[0]?.metric, std: r.trials[0]?.std });
    expect(Number.isNaN(r.trials[5]?.metric)).toBe(true);
  });

  it('minimises logloss', () => {
    const ll: TrialRecord[] = [
      { id: 0, params: { a: 1 }, folds: [0.5, 0.52], status: 'done' },
      { id: 1, params: { a: 2 }, folds: [0.4, 0.44], status: 'done' },
      { id: 2, params: { a: 3 }, folds: [Number.NaN, 0.1], status: 'done' },
    ];
    const r = summarize(ll, 'logloss');
    expect(r.direction).toBe('min');
    expect(r.trials.map((t) => t.id)).toEqual([1, 0, 2]); // NaN metric last
    expect(r.best.id).toBe(1);
  });

  it('is an error when no trial finished, saying how many failed and were pruned', () => {
    expect(() => summarize([trials[2]!, trials[3]!], 'auc')).toThrow('no trial of the search finished (2 trials: 1 failed, 1 pruned)');
    expect(() => summarize([], 'auc')).toThrow(/0 trials/);
  });

  it('does not share arrays or objects with its input', () => {
    const r = summarize(trials, 'auc');
    (r.trials[0]!.folds as number[]).push(1);
    expect(trials[1]!.folds.length).toBe(3);
  });
});
