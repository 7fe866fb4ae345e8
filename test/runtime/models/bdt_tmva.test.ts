import { describe, expect, it } from 'vitest';
import { bdtTmva } from '../../../src/runtime/models/bdt_tmva.js';
import { auc, logloss } from '../../../src/runtime/eval/metrics.js';
import { loadHiggsml, loadReference, scoreSet } from './fixture-data.js';

const ref = loadReference();

describe('bdt_tmva', () => {
  const { train, test } = loadHiggsml();

  it('has TMVA\'s defaults', () => {
    expect(bdtTmva.normalize({})).toMatchObject({ trees: 800, depth: 3, beta: 0.5, cuts: 20, min_node_size: 2.5, boost: 'adaboost', separation: 'gini' });
    expect(bdtTmva.normalize({ min_node_size: '5%', separation: 'GiniIndex' })).toMatchObject({ min_node_size: 5, separation: 'gini' });
    expect(() => bdtTmva.normalize({ boost: 'grad' })).toThrow(/boost/);
    expect(() => bdtTmva.normalize({ ntrees: 3 })).toThrow(/ntrees/);
  });

  it('is close to sklearn AdaBoost(SAMME, β = 0.5, depth 3, min leaf 2.5 %) on HiggsML', async () => {
    // sklearn searches exact cuts and has no missing values (-999 there); TMVA uses a 20-point grid.
    // Expect the same AUC within 0.015.
    const r = ref.higgsml_adaboost;
    const m = await bdtTmva.fit(train, bdtTmva.normalize({ trees: r.trees }), { seed: 1 });
    const s = m.predict(test.columns, test.n);
    const a = auc(scoreSet(test, s));
    console.log(`bdt_tmva ${r.trees} trees: auc ${a.toFixed(4)} (sklearn AdaBoost ${r.test_auc.toFixed(4)})`);
    expect(Math.abs(a - r.test_auc)).toBeLessThan(0.015);
    expect(Math.min(...s)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...s)).toBeLessThanOrEqual(1);
    expect(logloss(scoreSet(test, s))).toBeNaN(); // raw response is not a probability
    const json = m.toJSON() as { trees: { feature: number[] }[]; alpha: number[] };
    expect(json.trees.length).toBe(r.trees);
    // depth 3: at most 15 nodes per tree
    expect(Math.max(...json.trees.map((t) => t.feature.length))).toBeLessThanOrEqual(15);
    expect(json.alpha.every((x) => x > 0)).toBe(true);
    const back = bdtTmva.fromJSON(JSON.parse(JSON.stringify(m.toJSON())));
    expect(back.predict(test.columns, test.n)).toEqual(s);
  });

  it('probability output is a monotone calibration', async () => {
    const m = await bdtTmva.fit(train, bdtTmva.normalize({ trees: 30, output: 'probability' }), { seed: 1 });
    const raw = await bdtTmva.fit(train, bdtTmva.normalize({ trees: 30 }), { seed: 1 });
    const p = m.predict(test.columns, test.n), s = raw.predict(test.columns, test.n);
    expect(auc(scoreSet(test, p))).toBeCloseTo(auc(scoreSet(test, s)), 12);
    const ll = logloss(scoreSet(test, p));
    expect(ll).toBeGreaterThan(0);
    expect(ll).toBeLessThan(Math.log(2) * 1.2);
  });
});
