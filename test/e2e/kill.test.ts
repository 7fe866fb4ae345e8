import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { DATA, tempProject, winnow, winnowAsync } from '../helpers/cli.js';
import { Rng } from '../../src/runtime/util/rng.js';

const pipe = `dataset higgs {
  source  = csv("${path.join(DATA, 'higgsml', 'train.csv')}")
  missing = -999.0
  label   = Label == "s"
  weight  = Weight
  derive {
    a = PRI_lep_pt / PRI_tau_pt
    b = sqrt(PRI_met**2 + PRI_tau_pt**2)
    c = log(1 + DER_mass_MMC)
  }
  split = holdout(test: 0.3, seed: 3)
}
features f { from = higgs  include = ["DER_*", a, b, c] }
select s { from = f  rank = [separation, ks, auc]  keep = 8 }
model m { features = s  algorithm = fisher()  cv = 5 }
model g { features = s  algorithm = gbdt(trees: 40, depth: 3)  cv = 3 }
`;

describe('a killed build leaves a valid cache', () => {
  it('survives SIGKILL at random moments and converges to the clean result', async () => {
    const clean = tempProject({ 'p.pipe': pipe });
    expect(winnow(clean, ['build', 'p.pipe']).code).toBe(0);
    const expected = ['m', 'g', 's'].map((t) => winnow(clean, ['show', 'p.pipe', t, '--json']).stdout);

    const dir = tempProject({ 'p.pipe': pipe });
    const rng = new Rng(20261125);
    const kills = 12;
    for (let i = 0; i < kills; i++) {
      const child = winnowAsync(dir, ['build', 'p.pipe', '--jobs', String(1 + (i % 2))]);
      const delay = 100 + Math.floor(rng.next() * 2500);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), delay);
        child.on('exit', () => { clearTimeout(t); resolve(); });
      });
    }
    const final = winnow(dir, ['build', 'p.pipe']);
    expect(final.code, final.stderr).toBe(0);
    const got = ['m', 'g', 's'].map((t) => winnow(dir, ['show', 'p.pipe', t, '--json']).stdout);
    expect(got).toEqual(expected);
  });
});
