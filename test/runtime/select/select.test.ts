/**
 * Selection on a constructed dataset where the informative, redundant and noise variables are
 * known, plus permutation-importance parity with sklearn (test/fixtures/stats/reference.json).
 */
import { describe, expect, it } from 'vitest';
import { selectFeatures, rankOrder, type RankingInput } from '../../../src/runtime/select/filter.js';
import { mrmr } from '../../../src/runtime/select/mrmr.js';
import { permutationImportance, rfe, forwardSelection, bootstrapStability, aucMetric } from '../../../src/runtime/select/wrapper.js';
import { runSelection } from '../../../src/runtime/select/index.js';
import { univariate, scoreRecord } from '../../../src/runtime/stats/univariate.js';
import { classCorrelations } from '../../../src/runtime/stats/correlation.js';
import type { Algorithm, TrainData, TrainedModel } from '../../../src/runtime/models/types.js';
import { Rng } from '../../../src/runtime/util/rng.js';
import { loadUci, loadReference, rankCorr } from '../stats/load.js';

/**
 * a: strong (shift 1.0), dup: a + 1e-3 noise (redundant copy), b: medium (0.6), c: weak (0.3),
 * noise0..noise5: no information. Weights are positive and varied.
 */
function constructed(n: number, seed: number) {
  const rng = new Rng(seed);
  const names = ['a', 'dup', 'b', 'c', 'noise0', 'noise1', 'noise2', 'noise3', 'noise4', 'noise5'];
  const cols = names.map(() => new Float64Array(n));
  const y = new Float64Array(n), w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = i % 2;
    y[i] = s;
    w[i] = 0.5 + rng.next();
    cols[0]![i] = rng.normal() + s * 1.0;
    cols[1]![i] = cols[0]![i]! + 1e-3 * rng.normal();
    cols[2]![i] = rng.normal() + s * 0.6;
    cols[3]![i] = rng.normal() + s * 0.3;
    for (let k = 4; k < 10; k++) cols[k]![i] = rng.normal();
  }
  return { names, cols, y, w };
}

function rankingOf(d: ReturnType<typeof constructed>, scores: string[]): RankingInput[] {
  return d.names.map((f, j) => ({ feature: f, scores: scoreRecord(scores.map((s) => univariate(s, d.cols[j]!, d.y, d.w, { seed: 0 }))) }));
}

/** Weighted least squares on {1, x}: a tiny linear model for the wrapper tests. */
const leastSquares: Algorithm = {
  name: 'lsq',
  version: 1,
  normalize: (p) => ({ ...p }),
  async fit(data: TrainData): Promise<TrainedModel> {
    const p = data.columns.length + 1;
    const A = new Float64Array(p * p), b = new Float64Array(p);
    const row = new Float64Array(p);
    for (let i = 0; i < data.n; i++) {
      row[0] = 1;
      for (let j = 0; j < p - 1; j++) row[j + 1] = data.columns[j]![i]!;
      const wi = data.w[i]!;
      for (let r = 0; r < p; r++) { b[r]! += wi * row[r]! * data.y[i]!; for (let c = 0; c < p; c++) A[r * p + c]! += wi * row[r]! * row[c]!; }
    }
    for (let r = 0; r < p; r++) A[r * p + r]! += 1e-9;
    // Gaussian elimination
    for (let k = 0; k < p; k++) {
      for (let r = k + 1; r < p; r++) {
        const m = A[r * p + k]! / A[k * p + k]!;
        for (let c = k; c < p; c++) A[r * p + c]! -= m * A[k * p + c]!;
        b[r]! -= m * b[k]!;
      }
    }
    const coef = new Float64Array(p);
    for (let k = p - 1; k >= 0; k--) {
      let s = b[k]!;
      for (let c = k + 1; c < p; c++) s -= A[k * p + c]! * coef[c]!;
      coef[k] = s / A[k * p + k]!;
    }
    return linearModel(Array.from(coef.slice(1)), coef[0]!, data.featureNames);
  },
  fromJSON: () => { throw new Error('not needed'); },
};

function linearModel(coef: number[], intercept: number, names: readonly string[]): TrainedModel {
  return {
    algorithm: 'linear',
    featureNames: [...names],
    nClasses: 2,
    predict(columns, n) {
      const out = new Float64Array(n).fill(intercept);
      columns.forEach((c, j) => { for (let i = 0; i < n; i++) out[i]! += coef[j]! * c[i]!; });
      return out;
    },
    toJSON: () => ({ coef, intercept }),
  };
}

function trainData(d: ReturnType<typeof constructed>): TrainData {
  return { n: d.y.length, columns: d.cols, featureNames: d.names, y: d.y, w: d.w, nClasses: 2 };
}

describe('univariate filter', () => {
  const d = constructed(4000, 1);
  const ranking = rankingOf(d, ['separation', 'ks', 'anova', 'auc']);
  const corr = classCorrelations(d.names, d.cols, d.y, d.w);

  it('ranks the informative variables first, in order of strength', () => {
    const order = rankOrder(ranking, 'auc').map((r) => r.feature);
    expect(order.slice(0, 4).sort()).toEqual(['a', 'b', 'c', 'dup']);
    expect(order.indexOf('b')).toBeLessThan(order.indexOf('c'));
  });

  it('max_corr drops the weaker-ranked of the duplicated pair and nothing else', () => {
    const r = selectFeatures({ ranking, by: 'auc', keep: { kind: 'all' }, maxCorr: 0.9, corr });
    const order = rankOrder(ranking, 'auc').map((e) => e.feature);
    const [stronger, weaker] = order.indexOf('a') < order.indexOf('dup') ? ['a', 'dup'] : ['dup', 'a'];
    expect(r.selected).toContain(stronger);
    expect(r.selected).not.toContain(weaker);
    expect(r.ranking.find((e) => e.feature === weaker)!.dropped).toBe(`max_corr with ${stronger}`);
    expect(r.dropped).toEqual({ [weaker]: `max_corr with ${stronger}` });
    expect(r.selected).toHaveLength(9);
  });

  it('keep = N keeps the best N and records why the rest went', () => {
    const r = selectFeatures({ ranking, by: 'separation', keep: { kind: 'count', n: 3 } });
    expect(r.selected).toHaveLength(3);
    expect(r.ranking.filter((e) => !e.selected).every((e) => e.dropped === 'keep')).toBe(true);
    expect(r.ranking.map((e) => e.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('fdr needs p-values and says which', () => {
    expect(() => selectFeatures({ ranking, by: 'auc', keep: { kind: 'fdr', q: 0.05 } })).toThrow(/p-value for `auc`/);
  });

  it('fdr(0.05) keeps no pure-noise variable in most seeds and keeps the strong ones', () => {
    let clean = 0;
    const seeds = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
    for (const s of seeds) {
      const ds = constructed(1000, s);
      const r = selectFeatures({ ranking: rankingOf(ds, ['ks']), by: 'ks', keep: { kind: 'fdr', q: 0.05 } });
      expect(r.selected).toContain('a');
      expect(r.selected).toContain('b');
      if (!r.selected.some((f) => f.startsWith('noise'))) clean++;
    }
    expect(clean).toBeGreaterThanOrEqual(8);
  });
});

describe('mRMR', () => {
  it('keeps one of two duplicated variables and then the next informative one', () => {
    const d = constructed(4000, 2);
    const r = mrmr(d.cols, d.y, 3, { w: d.w });
    const picked = r.order.map((j) => d.names[j]!);
    expect(picked.filter((f) => f === 'a' || f === 'dup')).toHaveLength(1);
    expect(picked[1]).toBe('b');
    expect(picked[2]).toBe('c');
    expect(r.mid[0]).toBeCloseTo(Math.max(r.relevance[0]!, r.relevance[1]!), 15);
  });
  it('accepts a custom MI function and precomputed relevance', () => {
    const d = constructed(1000, 3);
    const calls: boolean[] = [];
    const r = mrmr(d.cols, d.y, 2, { relevance: d.cols.map((_, j) => 10 - j), miFn: (_a, _b, disc) => { calls.push(disc); return 0; } });
    expect(r.order).toEqual([0, 1]);
    expect(calls.every((c) => c === false)).toBe(true);
  });
});

describe('model-based selection', () => {
  it('permutation importance ranks features as sklearn does for the same linear model', () => {
    const ref = loadReference().perm_importance;
    const uci = loadUci();
    const [lo, hi] = ref.test_rows as [number, number];
    const cols = uci.columns.map((c) => c.slice(lo, hi));
    const data: TrainData = { n: hi - lo, columns: cols, featureNames: uci.names, y: uci.y.slice(lo, hi), w: uci.w.slice(lo, hi), nClasses: 2 };
    const model = linearModel(ref.coef, ref.intercept, uci.names);
    const imp = permutationImportance(model, data, { repeats: 10, seed: 0 });
    expect(imp.baseline).toBeCloseTo(ref.baseline_auc, 9);
    expect(rankCorr(imp.mean, ref.importances_mean)).toBeGreaterThanOrEqual(0.9);
    const top = (v: number[]) => v.map((x, i) => [x, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 3).map((p) => p[1]).sort();
    expect(top(imp.mean)).toEqual(top(ref.importances_mean));
    imp.mean.forEach((m, j) => expect(Math.abs(m - ref.importances_mean[j])).toBeLessThan(0.01));
  });

  it('RFE and forward selection find the informative variables with a least-squares model', async () => {
    const d = constructed(3000, 4);
    const data = trainData(d);
    const r = await rfe(data, leastSquares, { keep: 3, step: 2, seed: 1 });
    expect(r.selected.filter((f) => f === 'a' || f === 'dup')).not.toHaveLength(0);
    expect(r.selected).toContain('b');
    expect(r.eliminated).toHaveLength(7);
    const fw = await forwardSelection(data, leastSquares, { keep: 3, seed: 1 });
    expect(['a', 'dup']).toContain(fw.selected[0]);
    expect(fw.selected).toContain('b');
    expect(fw.history[2]!.metric).toBeGreaterThanOrEqual(fw.history[0]!.metric);
  });

  it('bootstrap stability counts how often each variable is chosen', async () => {
    const d = constructed(1000, 5);
    const stab = await bootstrapStability(1000, d.names, (rows) => {
      const pick = (a: Float64Array) => Float64Array.from(rows, (i) => a[i]!);
      const sub = { ...d, cols: d.cols.map(pick), y: pick(d.y), w: pick(d.w) };
      return selectFeatures({ ranking: rankingOf(sub, ['auc']), by: 'auc', keep: { kind: 'count', n: 3 } }).selected;
    }, { n: 10, seed: 1 });
    expect(stab.b).toBe(1);
    expect(stab.a! + stab.dup!).toBe(2); // both strong copies always beat everything else
    expect(stab.noise0).toBeLessThanOrEqual(0.3);
  });
});

describe('runSelection (the select step)', () => {
  const d = constructed(2000, 6);
  const ranking = rankingOf(d, ['ks', 'auc']);
  const base = { ranking, by: 'auc', seed: 3, candidates: d.names, data: () => ({ cols: d.cols, y: d.y, w: d.w }) };

  it('mrmr with keep = 2 picks one duplicate and b, and says why others were dropped', async () => {
    const r = await runSelection({ ...base, keep: { kind: 'count', n: 2 }, method: { name: 'mrmr' } });
    expect(r.selected).toHaveLength(2);
    expect(r.selected).toContain('b');
    expect(r.ranking.find((e) => e.feature === 'c')!.dropped).toBe('mrmr');
    expect(r.method).toBe('mrmr');
  });

  it('permutation(model) reports importances; fdr + bootstrap gives stability', async () => {
    const r = await runSelection({
      ...base, keep: { kind: 'count', n: 3 },
      method: { name: 'permutation', algorithm: { name: 'lsq', params: {} } },
      loadAlgorithm: async () => leastSquares,
    });
    expect(r.selected).toContain('b');
    expect(r.ranking.every((e) => typeof e.scores.importance === 'number')).toBe(true);
    const s = await runSelection({ ...base, by: 'ks', keep: { kind: 'fdr', q: 0.05 }, method: { name: 'none' }, bootstrap: 5 });
    expect(s.stability!.a).toBe(1);
    expect(s.stability!.b).toBe(1);
    expect(Object.keys(s.stability!)).toHaveLength(10);
  });

  it('rfe(model) and forward(model) run through the model registry (fisher)', async () => {
    const r = await runSelection({ ...base, keep: { kind: 'count', n: 3 }, method: { name: 'rfe', algorithm: { name: 'fisher', params: {} } } });
    expect(r.selected).toHaveLength(3);
    expect(r.selected).toContain('b');
    expect(r.selected.some((f) => f.startsWith('noise'))).toBe(false);
    const fw = await runSelection({ ...base, keep: { kind: 'count', n: 2 }, method: { name: 'forward', algorithm: { name: 'fisher', params: {} } } });
    expect(fw.selected).toContain('b');
  });

  it('model methods name the missing model', async () => {
    await expect(runSelection({ ...base, keep: { kind: 'count', n: 2 }, method: { name: 'rfe' } })).rejects.toThrow(/needs a model/);
  });
});

describe('aucMetric', () => {
  it('averages one-vs-rest AUC for multiclass probabilities', () => {
    const pred = Float64Array.from([0.8, 0.1, 0.1, 0.1, 0.8, 0.1, 0.1, 0.1, 0.8]);
    expect(aucMetric(pred, Float64Array.from([0, 1, 2]), Float64Array.from([1, 1, 1]), 3)).toBe(1);
  });
});
