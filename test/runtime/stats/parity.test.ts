/**
 * Parity of the univariate scores with scipy 1.10 / scikit-learn 1.2 on the HiggsML and UCI HIGGS
 * rows. Reference values: test/fixtures/stats/reference.json (made by make_fixtures.py there).
 */
import { describe, expect, it } from 'vitest';
import { separation, anova, auc, aucScore, fisherCriterion, univariate } from '../../../src/runtime/stats/univariate.js';
import { ks2 } from '../../../src/runtime/stats/ks.js';
import { mutualInfo } from '../../../src/runtime/stats/mi.js';
import { kolmogn, fSf, digamma } from '../../../src/runtime/stats/special.js';
import { loadHiggsml, loadUci, loadReference, rankCorr, type Data } from './load.js';

const ref = loadReference();
const higgs = loadHiggsml();
const uci = loadUci();

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

function checkDataset(label: string, data: Data, rows: any[], weighted: boolean) {
  describe(label, () => {
    it('has the same variables and row counts as the reference', () => {
      expect(rows.map((r) => r.name)).toEqual(data.names);
    });

    it('separation (40 and 10 bins) agrees to 1e-9 relative', () => {
      rows.forEach((r, j) => {
        const x = data.columns[j]!;
        expect(rel(separation(x, data.y), r.separation), `${r.name}`).toBeLessThan(1e-9);
        expect(rel(separation(x, data.y, null, { bins: 10 }), r.separation_bins10), `${r.name} bins=10`).toBeLessThan(1e-9);
        if (weighted) expect(rel(separation(x, data.y, data.w), r.w_separation), `${r.name} weighted`).toBeLessThan(1e-9);
      });
    });

    it('KS statistic is exact and the p-value matches (exact and asymptotic)', () => {
      rows.forEach((r, j) => {
        const x = data.columns[j]!;
        const k = ks2(x, data.y);
        expect(k.statistic, r.name).toBe(r.ks);
        expect(k.method).toBe('exact');
        if (r.ks_pvalue > 1e-290) expect(rel(k.pvalue, r.ks_pvalue), `${r.name} p=${r.ks_pvalue}`).toBeLessThan(1e-6);
        else expect(k.pvalue).toBeLessThan(1e-280);
        const a = ks2(x, data.y, null, { method: 'asymp' });
        expect(a.statistic, r.name).toBe(r.ks_asymp);
        if (r.ks_asymp_pvalue > 1e-290) expect(rel(a.pvalue, r.ks_asymp_pvalue), `${r.name} asymp p=${r.ks_asymp_pvalue}`).toBeLessThan(1e-6);
      });
    });

    it('ANOVA F agrees to 1e-6 relative with f_classif, p-values too', () => {
      rows.forEach((r, j) => {
        const a = anova(data.columns[j]!, data.y);
        expect(rel(a.f, r.anova), r.name).toBeLessThan(1e-6);
        if (r.anova_pvalue > 1e-250) expect(rel(a.pvalue, r.anova_pvalue), `${r.name} p`).toBeLessThan(1e-6);
        // unit weights give exactly the unweighted F
        const u = anova(data.columns[j]!, data.y, new Float64Array(data.y.length).fill(1));
        expect(rel(u.f, a.f)).toBeLessThan(1e-12);
        if (weighted) {
          const wa = anova(data.columns[j]!, data.y, data.w);
          expect(rel(wa.f, r.w_anova), `${r.name} weighted`).toBeLessThan(1e-6);
          if (r.w_anova_pvalue > 1e-250) expect(rel(wa.pvalue, r.w_anova_pvalue), `${r.name} weighted p`).toBeLessThan(1e-6);
        }
      });
    });

    it('AUC agrees to 1e-9 with roc_auc_score (ties, weights)', () => {
      rows.forEach((r, j) => {
        const x = data.columns[j]!;
        expect(Math.abs(auc(x, data.y) - r.auc_raw), r.name).toBeLessThan(1e-9);
        expect(Math.abs(aucScore(x, data.y) - r.auc), r.name).toBeLessThan(1e-9);
        if (weighted) expect(Math.abs(auc(x, data.y, data.w) - r.w_auc_raw), `${r.name} weighted`).toBeLessThan(1e-9);
      });
    });

    it('Fisher criterion agrees with numpy to 1e-9 relative', () => {
      rows.forEach((r, j) => {
        expect(rel(fisherCriterion(data.columns[j]!, data.y), r.fisher), r.name).toBeLessThan(1e-9);
        if (weighted) expect(rel(fisherCriterion(data.columns[j]!, data.y, data.w), r.w_fisher), r.name).toBeLessThan(1e-9);
      });
    });

    it('kNN mutual information: sklearn\'s estimator on the same tie-breaking noise within 0.01, ranks ≥ 0.95', () => {
      // The reference adds winnow's Rng noise (ported to Python) and runs sklearn's _compute_mi_cd,
      // so the only difference left is the estimator itself.
      const ours: number[] = [], theirs: number[] = [];
      let maxDiff = 0;
      rows.forEach((r, j) => {
        const mi = mutualInfo(data.columns[j]!, data.y, { k: 3, seed: 0 });
        expect(Math.abs(mi - r.mutual_info_same_noise), `${r.name}: ${mi} vs ${r.mutual_info_same_noise}`).toBeLessThan(0.01);
        maxDiff = Math.max(maxDiff, Math.abs(mi - r.mutual_info_same_noise));
        ours.push(mi);
        theirs.push(r.mutual_info_same_noise);
      });
      expect(rankCorr(ours, theirs)).toBeGreaterThanOrEqual(0.95);
      expect(maxDiff).toBeLessThan(1e-6); // in practice identical up to rounding
    });

    it('kNN mutual information averaged over 64 noise seeds vs mutual_info_classif averaged over 64 random_states: within 0.01 (and within noise) on every variable, ranks ≥ 0.95', () => {
      // One sklearn draw is not a reference to 0.01: sklearn disagrees with itself across
      // random_state (its 1e-10 tie-breaking noise decides neighbours on tied columns). On these rows
      // random_state 0 and 1 differ by up to 0.013 (HiggsML) and 0.011 (UCI); on UCI the Spearman
      // correlation of the 28-variable ranking between two random_states has median 0.69 (min 0.31),
      // and even two disjoint 32-seed sklearn means correlate only 0.92–0.98 (most UCI variables have
      // MI < 0.004, equal within noise). So the reference is sklearn's mean over 64 random_states
      // (make_fixtures.py, with the sd of one draw), and winnow's estimator is averaged over 64 of
      // its own noise seeds (0..63). Besides the 0.01, each mean must agree within 5 standard
      // errors of the difference of two 64-draw means (floor 0.001).
      const ours: number[] = [], theirs: number[] = [];
      let maxDiff = 0, maxZ = 0;
      rows.forEach((r, j) => {
        const S = r.mutual_info_seeds as number;
        expect(S).toBe(64);
        let sum = 0;
        for (let seed = 0; seed < S; seed++) sum += mutualInfo(data.columns[j]!, data.y, { k: 3, seed });
        const mi = sum / S;
        const d = Math.abs(mi - r.mutual_info_mean);
        const se = r.mutual_info_sd * Math.sqrt(2 / S);
        const msg = `${r.name}: ${mi} vs ${r.mutual_info_mean} (sd of one sklearn draw ${r.mutual_info_sd})`;
        expect(d, msg).toBeLessThan(0.01);
        expect(d, msg).toBeLessThan(Math.max(1e-3, 5 * se));
        maxDiff = Math.max(maxDiff, d);
        if (se > 0) maxZ = Math.max(maxZ, d / se);
        ours.push(mi);
        theirs.push(r.mutual_info_mean);
      });
      const rc = rankCorr(ours, theirs);
      console.log(`${label}: MI averaged over 64 draws: max |diff| ${maxDiff.toFixed(4)} (max ${maxZ.toFixed(1)} se), rank correlation ${rc.toFixed(3)}`);
      expect(rc).toBeGreaterThanOrEqual(0.95);
    }, 120000);

    it('mutualInfo({ draws }) is the mean of the single-seed estimates', () => {
      const x = data.columns[0]!;
      let sum = 0;
      for (let seed = 5; seed < 9; seed++) sum += mutualInfo(x, data.y, { k: 3, seed });
      expect(mutualInfo(x, data.y, { k: 3, seed: 5, draws: 4 })).toBe(sum / 4);
      expect(() => mutualInfo(x, data.y, { draws: 0 })).toThrow(/draws/);
    });
  });
}

checkDataset('HiggsML (weighted, missing values)', higgs, ref.higgsml, true);
checkDataset('UCI HIGGS', uci, ref.uci, false);

describe('special functions against scipy', () => {
  it('kstwo.sf over every branch of _kolmogn', () => {
    for (const [n, d, p] of ref.kstwo_sf as [number, number, number][]) {
      const ours = kolmogn(n, d, false);
      if (p > 1e-280) expect(rel(ours, p), `n=${n} d=${d}: ${ours} vs ${p}`).toBeLessThan(1e-7);
      else expect(ours).toBeLessThan(1e-270);
    }
  });
  it('F survival function', () => {
    for (const [d1, d2, f, p] of ref.f_sf as number[][]) expect(rel(fSf(f!, d1!, d2!), p!)).toBeLessThan(1e-9);
  });
  it('digamma', () => {
    for (const [v, p] of ref.digamma as number[][]) expect(Math.abs(digamma(v!) - p!)).toBeLessThan(1e-13 * Math.max(1, Math.abs(p!)));
  });
  it('exact and asymptotic two-sample KS on small samples with ties', () => {
    for (const c of ref.ks_small) {
      const x = new Float64Array([...c.a, ...c.b]);
      const y = new Float64Array([...c.a.map(() => 1), ...c.b.map(() => 0)]);
      const e = ks2(x, y);
      expect(e.statistic).toBe(c.ks);
      expect(rel(e.pvalue, c.pvalue)).toBeLessThan(1e-9);
      const a = ks2(x, y, null, { method: 'asymp' });
      expect(a.statistic).toBe(c.asymp_statistic);
      expect(rel(a.pvalue, c.asymp_pvalue)).toBeLessThan(1e-7);
    }
  });
});

describe('univariate dispatcher', () => {
  it('returns the same numbers as the direct functions, with p-values for ks and anova', () => {
    const x = uci.columns[25]!, y = uci.y;
    const r = ref.uci[25];
    expect(univariate('separation', x, y).value).toBeCloseTo(r.separation, 12);
    const ks = univariate('ks', x, y);
    expect(ks.value).toBe(r.ks);
    expect(ks.pvalue).toBeDefined();
    const an = univariate('anova', x, y);
    expect(rel(an.value, r.anova)).toBeLessThan(1e-6);
    expect(rel(an.pvalue!, r.anova_pvalue)).toBeLessThan(1e-6);
    expect(univariate('auc', x, y).value).toBeCloseTo(r.auc, 12);
    expect(Math.abs(univariate('mutual_info', x, y).value - r.mutual_info)).toBeLessThan(0.01);
    expect(() => univariate('bogus', x, y)).toThrow(/unknown score `bogus`/);
  });
});
