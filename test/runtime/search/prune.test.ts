import { describe, expect, it } from 'vitest';
import { type PruneReference, medianOf, shouldPrune } from '../../../src/runtime/search/index.js';

const done = (...folds: number[]): PruneReference => ({ folds, status: 'done' });

describe('shouldPrune (median rule)', () => {
  // Four finished AUC trials; at 1 fold their means are 0.80 0.82 0.84 0.90 (median 0.83),
  // at 2 folds 0.81 0.80 0.85 0.88 (median 0.83).
  const finished = [done(0.8, 0.82, 0.81), done(0.82, 0.78, 0.8), done(0.84, 0.86, 0.85), done(0.9, 0.86, 0.88)];

  it('prunes a trial whose first fold is below the median of finished trials at one fold', () => {
    const d = shouldPrune([0.7], finished, 'max', { metric: 'auc' });
    expect(d.prune).toBe(true);
    expect(d.median).toBeCloseTo(0.83, 12);
    expect(d.value).toBeCloseTo(0.7, 12);
    expect(d.compared).toBe(4);
    expect(d.reason).toBe('pruned: auc 0.7 over the first 1 fold is below the median 0.83 of 4 finished trials');
  });

  it('compares the mean of the first k folds with the references at k folds', () => {
    // Mean of two folds 0.835 > 0.83: kept, although its second fold alone (0.80) is low.
    const keep = shouldPrune([0.87, 0.8], finished, 'max');
    expect(keep.prune).toBe(false);
    expect(keep.folds).toBe(2);
    expect(keep.median).toBeCloseTo(0.83, 12);
    expect(keep.reason).toMatch(/^kept: metric 0.835 over the first 2 folds is not clearly below the median 0.83 of 4/);
    expect(shouldPrune([0.83, 0.82], finished, 'max').prune).toBe(true);
  });

  it('is not pruned when it equals the median, or is within the margin', () => {
    expect(shouldPrune([0.83], finished, 'max').prune).toBe(false);
    expect(shouldPrune([0.8], finished, 'max', { margin: 0.05 }).prune).toBe(false);
    const d = shouldPrune([0.77], finished, 'max', { margin: 0.05 });
    expect(d.prune).toBe(true);
    expect(d.reason).toMatch(/by more than 0.05$/);
  });

  it('minimises for logloss', () => {
    const ll = [done(0.4, 0.42), done(0.45, 0.5), done(0.5, 0.52)]; // medians: 0.45 at 1 fold, 0.475 at 2
    expect(shouldPrune([0.44], ll, 'min').prune).toBe(false);
    const d = shouldPrune([0.46], ll, 'min', { metric: 'logloss' });
    expect(d.prune).toBe(true);
    expect(d.reason).toMatch(/above the median 0.45/);
    expect(shouldPrune([0.44, 0.52], ll, 'min').prune).toBe(true); // 0.48 > 0.475
  });

  it('needs minFinished finished references with enough folds', () => {
    // Only two references have 3 folds.
    const refs = [done(0.8, 0.8, 0.8), done(0.9, 0.9, 0.9), done(0.85, 0.85), { folds: [0.95, 0.95, 0.95], status: 'pruned' as const }];
    const d = shouldPrune([0.1, 0.1, 0.1], refs, 'max');
    expect(d.prune).toBe(false);
    expect(d.compared).toBe(2);
    expect(d.reason).toBe('2 finished trials to compare with at 3 folds, fewer than 3');
    // At 2 folds three finished trials qualify (the pruned one never counts).
    expect(shouldPrune([0.1, 0.1], refs, 'max').compared).toBe(3);
    expect(shouldPrune([0.1, 0.1, 0.1], refs, 'max', { minFinished: 2 }).prune).toBe(true);
    // Failed trials and NaN folds do not count either.
    const bad = [done(0.9), done(Number.NaN), { folds: [0.9], status: 'failed' as const }, done(0.9)];
    expect(shouldPrune([0.1], bad, 'max').compared).toBe(2);
  });

  it('waits for minFolds and never prunes on its own NaN fold', () => {
    expect(shouldPrune([0.1], finished, 'max', { minFolds: 2 }).prune).toBe(false);
    expect(shouldPrune([0.1, 0.1], finished, 'max', { minFolds: 2 }).prune).toBe(true);
    const nan = shouldPrune([0.1, Number.NaN], finished, 'max');
    expect(nan.prune).toBe(false);
    expect(nan.reason).toMatch(/not a number/);
    expect(shouldPrune([], finished, 'max').prune).toBe(false);
  });

  it('medianOf handles odd and even counts', () => {
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 3, 2])).toBe(2.5);
  });
});
