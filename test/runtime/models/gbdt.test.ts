import { describe, expect, it } from 'vitest';
import { gbdt, setGbdtWasm } from '../../../src/runtime/models/gbdt.js';
import { amsTop, auc, computeMetrics } from '../../../src/runtime/eval/metrics.js';
import { Rng } from '../../../src/runtime/util/rng.js';
import type { TrainData } from '../../../src/runtime/models/types.js';
import { amsScales, loadHiggsml, loadReference, loadUci, scoreSet } from './fixture-data.js';

const ref = loadReference();

describe('gbdt parity with XGBoost hist (same trees, depth, learning rate; committed reference)', () => {
  const higgs = loadHiggsml();
  for (const key of Object.keys(ref.higgsml_xgb)) {
    const r = ref.higgsml_xgb[key];
    it(`HiggsML ${key}: test AUC within 0.005, AMS(top 15 %) within 0.3`, async () => {
      const params = gbdt.normalize({ trees: r.trees, depth: r.depth, learning_rate: r.learning_rate });
      const m = await gbdt.fit(higgs.train, params, { seed: 1 });
      const s = m.predict(higgs.test.columns, higgs.test.n);
      const a = auc(scoreSet(higgs.test, s));
      const ams = amsTop(scoreSet(higgs.test, s), 0.15, amsScales(higgs.test)).ams;
      const best = computeMetrics(scoreSet(higgs.test, s), undefined, amsScales(higgs.test)).ams;
      console.log(`HiggsML ${key}: auc ${a.toFixed(4)} (xgb ${r.test_auc.toFixed(4)}), ams_top15 ${ams.toFixed(3)} (xgb ${r.ams_top15.toFixed(3)}), ams_best ${best.toFixed(3)} (xgb ${r.ams_best.toFixed(3)})`);
      expect(Math.abs(a - r.test_auc)).toBeLessThan(0.005);
      expect(Math.abs(ams - r.ams_top15)).toBeLessThan(0.3);
    });
  }
  const uci = loadUci();
  for (const key of Object.keys(ref.uci_xgb)) {
    const r = ref.uci_xgb[key];
    it(`UCI HIGGS ${key}: test AUC within 0.005`, async () => {
      const m = await gbdt.fit(uci.train, gbdt.normalize({ trees: r.trees, depth: r.depth, learning_rate: r.learning_rate }), { seed: 1 });
      const a = auc(scoreSet(uci.test, m.predict(uci.test.columns, uci.test.n)));
      console.log(`UCI ${key}: auc ${a.toFixed(4)} (xgb ${r.test_auc.toFixed(4)})`);
      expect(Math.abs(a - r.test_auc)).toBeLessThan(0.005);
    });
  }
});

describe('gbdt determinism', () => {
  it('is bit-identical for threads 1, 2 and 3 and for the wasm and JS kernels (with subsample, colsample and missing values)', async () => {
    // Large enough that the root and first levels go to the workers (small levels stay on the main thread).
    const n = 40000, F = 12, rng = new Rng(21);
    const columns = Array.from({ length: F }, () => new Float64Array(n));
    const y = new Float64Array(n), w = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < F; f++) columns[f]![i] = rng.next() < 0.05 ? NaN : rng.normal();
      const z = (columns[0]![i]! || 0) + 0.5 * (columns[1]![i]! || 0) * (columns[2]![i]! || 0) + 0.7 * rng.normal();
      y[i] = z > 0 ? 1 : 0;
      w[i] = 0.5 + rng.next();
    }
    const train: TrainData = { n, columns, featureNames: columns.map((_, f) => `x${f}`), y, w, nClasses: 2 };
    const test = synthetic(2000, 99);
    const testCols = Array.from({ length: F }, (_, f) => test.columns[f % 3]!);
    const params = gbdt.normalize({ trees: 12, depth: 5, learning_rate: 0.2, subsample: 0.8, colsample: 0.7 });
    const fits = [];
    for (const threads of [1, 2, 3]) fits.push(await gbdt.fit(train, params, { seed: 11, threads }));
    const json0 = JSON.stringify(fits[0]!.toJSON());
    const p0 = fits[0]!.predict(testCols, test.n);
    // The JS histogram kernel (no wasm) gives the same bits as the wasm one, on 1 and 2 threads.
    setGbdtWasm(false);
    try {
      for (const threads of [1, 2]) fits.push(await gbdt.fit(train, params, { seed: 11, threads }));
    } finally {
      setGbdtWasm(true);
    }
    for (const m of fits.slice(1)) {
      expect(JSON.stringify(m.toJSON())).toBe(json0);
      expect(m.predict(testCols, test.n)).toEqual(p0);
    }
    // A different seed gives a different model (the sampling is really seeded).
    const other = await gbdt.fit(train, params, { seed: 12 });
    expect(JSON.stringify(other.toJSON())).not.toBe(json0);
  });
});

function synthetic(n: number, seed: number, nClasses = 2): TrainData {
  const rng = new Rng(seed);
  const cols = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % nClasses;
    y[i] = c;
    cols[0]![i] = rng.normal() + c;
    cols[1]![i] = rng.normal() - 0.5 * c;
    cols[2]![i] = rng.normal();
  }
  return { n, columns: cols, featureNames: ['a', 'b', 'c'], y, w: new Float64Array(n).fill(1), nClasses: Math.max(2, nClasses) };
}

describe('gbdt behaviour', () => {
  it('learns a default direction for missing values', async () => {
    // Signal has x missing 50 % of the time, background never: NaN must go to the signal side.
    const n = 4000, rng = new Rng(3);
    const x = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      x[i] = y[i] === 1 && rng.next() < 0.5 ? NaN : rng.normal() + (y[i] === 1 ? 0 : 2);
    }
    const m = await gbdt.fit({ n, columns: [x], featureNames: ['x'], y, w: new Float64Array(n).fill(1), nClasses: 2 }, gbdt.normalize({ trees: 20, depth: 2 }), { seed: 1 });
    const [pNaN, pBkg] = m.predict([Float64Array.from([NaN, 2.5])], 2);
    expect(pNaN!).toBeGreaterThan(0.9);
    expect(pBkg!).toBeLessThan(0.2);
    const json = m.toJSON() as { trees: { default_left: number[]; threshold: number[] }[] };
    expect(json.trees[0]!.threshold.every((t) => Number.isFinite(t))).toBe(true);
  });

  it('multiclass softmax: probabilities sum to 1 and beat chance', async () => {
    const tr = synthetic(3000, 1, 3), te = synthetic(1500, 2, 3);
    const m = await gbdt.fit(tr, gbdt.normalize({ trees: 30, depth: 3, learning_rate: 0.3 }), { seed: 1, threads: 2 });
    const p = m.predict(te.columns, te.n);
    expect(p.length).toBe(3 * te.n);
    let correct = 0;
    for (let i = 0; i < te.n; i++) {
      expect(p[3 * i]! + p[3 * i + 1]! + p[3 * i + 2]!).toBeCloseTo(1, 12);
      const arg = [0, 1, 2].reduce((a, b) => (p[3 * i + b]! > p[3 * i + a]! ? b : a), 0);
      if (arg === te.y[i]) correct++;
    }
    expect(correct / te.n).toBeGreaterThan(0.55); // Bayes-optimal here is ~0.6; chance 0.33
    expect((m.toJSON() as { trees: unknown[] }).trees.length).toBe(90);
  });

  it('early stopping keeps the best round and records the learning curve', async () => {
    const tr = synthetic(1000, 4), va = synthetic(1000, 5);
    const m = await gbdt.fit(tr, gbdt.normalize({ trees: 300, depth: 6, learning_rate: 0.5, early_stopping: 10 }), { seed: 1, valid: va });
    const json = m.toJSON() as { best_round: number; trees: unknown[] };
    expect(m.curve!.valid.length).toBeLessThan(300);
    expect(m.curve!.train.length).toBe(m.curve!.valid.length);
    const best = m.curve!.valid.indexOf(Math.min(...m.curve!.valid));
    expect(json.best_round).toBe(best + 1);
    expect(json.trees.length).toBe(best + 1);
    expect(m.curve!.valid.length).toBe(best + 11);
    expect(m.curve!.train[m.curve!.train.length - 1]!).toBeLessThan(m.curve!.train[0]!); // training loss falls
    expect(m.notes!.some((s) => /early stopping/.test(s))).toBe(true);
  });

  it('survives negative weights (|w| Hessian) and uses them', async () => {
    const tr = synthetic(4000, 6);
    const w = Float64Array.from(tr.w);
    for (let i = 0; i < tr.n; i += 10) w[i] = -0.5; // 10 % negative
    const m = await gbdt.fit({ ...tr, w }, gbdt.normalize({ trees: 30, depth: 3 }), { seed: 1 });
    const te = synthetic(2000, 7);
    const p = m.predict(te.columns, te.n);
    expect(p.every((v) => Number.isFinite(v))).toBe(true);
    expect(auc({ score: p, y: te.y, w: te.w })).toBeGreaterThan(0.75);
  });

  it('round-trips through JSON and predicts the same', async () => {
    const { train, test } = loadUci();
    const m = await gbdt.fit(train, gbdt.normalize({ trees: 10, depth: 4 }), { seed: 1 });
    const back = gbdt.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(back.predict(test.columns, test.n)).toEqual(m.predict(test.columns, test.n));
    expect(() => gbdt.fromJSON({ algorithm: 'fisher' })).toThrow(/not a saved gbdt/);
  });

  it('names bad parameters', () => {
    expect(() => gbdt.normalize({ depht: 3 })).toThrow(/depht/);
    expect(() => gbdt.normalize({ trees: 2.5 })).toThrow(/trees/);
    expect(() => gbdt.normalize({ subsample: 0 })).toThrow(/subsample/);
    expect(gbdt.normalize({ max_depth: 3, eta: 0.1 })).toMatchObject({ depth: 3, learning_rate: 0.1 });
  });
});
