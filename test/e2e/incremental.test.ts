import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { buildJson, DATA, statuses, tempProject, winnow } from '../helpers/cli.js';

const pipe = (pt: string, comment = '') => `# incremental test pipeline${comment}
param seed = 1

dataset higgs {
  source  = csv("${path.join(DATA, 'higgsml', 'train.csv')}")
  missing = -999.0
  label   = Label == "s"
  weight  = Weight
  derive {
    pt_ratio = ${pt}
    met_sig  = PRI_met / sqrt(PRI_met_sumet)
  }
  split = holdout(test: 0.3, seed: seed)
}

features f1 {
  from    = higgs
  include = ["DER_mass_MMC", "DER_mass_vis", pt_ratio]
}

features f2 {
  from    = higgs
  include = ["DER_mass_MMC", "DER_pt_h", met_sig]
}

model m1 {
  features  = f1
  algorithm = fisher()
}

model m2 {
  features  = f2
  algorithm = fisher()
  cv        = 2
}
`;

describe('incremental builds (the spine)', () => {
  const dir = tempProject({ 'p.pipe': pipe('PRI_lep_pt / PRI_tau_pt') });

  it('builds everything, then finds everything cached', () => {
    const first = buildJson(dir, ['p.pipe']);
    expect(first.ok).toBe(true);
    expect(first.steps.every((s) => s.status === 'built')).toBe(true);
    expect(first.steps.map((s) => s.id)).toContain('derive:higgs/pt_ratio');
    const second = buildJson(dir, ['p.pipe']);
    expect(second.steps.length).toBe(first.steps.length);
    expect(second.steps.every((s) => s.status === 'cached')).toBe(true);
  });

  it('rebuilds nothing after editing comments and whitespace', () => {
    fs.writeFileSync(path.join(dir, 'p.pipe'), pipe('PRI_lep_pt   /   PRI_tau_pt   # same ratio', '\n# another comment'));
    const r = buildJson(dir, ['p.pipe']);
    expect(r.steps.filter((s) => s.status !== 'cached')).toEqual([]);
  });

  it('rebuilds only the edited column and the model that uses it', () => {
    fs.writeFileSync(path.join(dir, 'p.pipe'), pipe('PRI_lep_pt / (PRI_tau_pt + 1)'));
    const explain = winnow(dir, ['explain', 'p.pipe', 'm1']);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toMatch(/derive\.pt_ratio/);
    const st = winnow(dir, ['status', 'p.pipe', '--json']);
    const stale = (JSON.parse(st.stdout) as { steps: { id: string; state: string }[] }).steps.filter((s) => s.state === 'stale').map((s) => s.id);
    expect(stale).toContain('derive:higgs/pt_ratio');
    expect(stale.some((id) => id.includes('m2'))).toBe(false);
    const r = statuses(buildJson(dir, ['p.pipe']).steps);
    const built = Object.entries(r).filter(([, s]) => s === 'built').map(([id]) => id).sort();
    expect(built).toEqual(['derive:higgs/pt_ratio', 'eval:m1', 'fit:m1/full', 'gather:m1', 'scores:m1']);
    expect(r['fit:m2/fold=0']).toBe('cached');
    expect(r['eval:m2']).toBe('cached');
  });

  it('show --json prints the model metrics in the contract shape', () => {
    const r = winnow(dir, ['show', 'p.pipe', 'm2', '--json']);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.features).toEqual(['DER_mass_MMC', 'DER_pt_h', 'met_sig']);
    expect(m.folds).toHaveLength(2);
    expect(m.metrics.auc).toBeGreaterThan(0.6);
    expect(m.test.auc).toBeGreaterThan(0.6);
    expect(Object.keys(m.metrics)).toEqual(expect.arrayContaining(['auc', 'ams', 'significance', 'logloss']));
    const d = JSON.parse(winnow(dir, ['show', 'p.pipe', 'higgs', '--json']).stdout);
    expect(d.rows).toBe(6000);
    expect(d.signal.rows).toBe(1993);
    expect(d.background.rows).toBe(4007);
    expect(d.signal.weight).toBeCloseTo(16.252914, 5);
  });

  it('gives bit-identical results with --jobs 1 and --jobs 2', () => {
    const a = tempProject({ 'p.pipe': pipe('PRI_lep_pt / PRI_tau_pt') });
    const b = tempProject({ 'p.pipe': pipe('PRI_lep_pt / PRI_tau_pt') });
    expect(winnow(a, ['build', 'p.pipe', '--jobs', '1']).code).toBe(0);
    expect(winnow(b, ['build', 'p.pipe', '--jobs', '2']).code).toBe(0);
    for (const target of ['m1', 'm2']) {
      expect(winnow(a, ['show', 'p.pipe', target, '--json']).stdout).toBe(winnow(b, ['show', 'p.pipe', target, '--json']).stdout);
    }
  });
});
