import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { DATA, tempProject, winnowAsync } from '../helpers/cli.js';

const pipe = (expr: string) => `dataset higgs {
  source  = csv("${path.join(DATA, 'higgsml', 'train.csv')}")
  missing = -999.0
  label   = Label == "s"
  derive {
    r = ${expr}
  }
  split = holdout(test: 0.3, seed: 1)
}
features f { from = higgs  include = ["DER_mass_MMC", r] }
model m { features = f  algorithm = fisher() }
`;

/** Collects stderr and resolves when it matches, never on a fixed sleep. */
function waiter(child: ReturnType<typeof winnowAsync>) {
  let buf = '';
  const pending: { re: RegExp; from: number; resolve: (s: string) => void }[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (const p of [...pending]) {
      const m = buf.slice(p.from).match(p.re);
      if (m) { pending.splice(pending.indexOf(p), 1); p.resolve(buf.slice(p.from)); }
    }
  });
  return {
    mark: () => buf.length,
    waitFor: (re: RegExp, from = 0) => new Promise<string>((resolve, reject) => {
      const m = buf.slice(from).match(re);
      if (m) return resolve(buf.slice(from));
      pending.push({ re, from, resolve });
      setTimeout(() => reject(new Error(`timed out waiting for ${re}; stderr so far:\n${buf}`)), 60_000).unref();
    }),
  };
}

describe('watch mode', () => {
  it('rebuilds only what changed on save, shows diagnostics and keeps watching', async () => {
    const dir = tempProject({ 'p.pipe': pipe('PRI_lep_pt / PRI_tau_pt') });
    const child = winnowAsync(dir, ['watch', 'p.pipe', '--jobs', '1']);
    const w = waiter(child);
    try {
      await w.waitFor(/watching for changes/);
      let at = w.mark();
      fs.writeFileSync(path.join(dir, 'p.pipe'), pipe('PRI_lep_pt * 2'));
      const out = await w.waitFor(/\[watch\] (ran|nothing).*\n/, at);
      expect(out).toMatch(/build started \(change: "p\.pipe"\)/);
      expect(out).toMatch(/ran 5 steps: derive:higgs\/r, gather:m, fit:m\/full, eval:m, scores:m/);
      at = w.mark();
      fs.writeFileSync(path.join(dir, 'p.pipe'), pipe('PRI_lep_pt * '));
      const bad = await w.waitFor(/error\[E01\d\d\][\s\S]*\n1 error/, at);
      expect(bad).toMatch(/p\.pipe:7:3: error\[E0106\]: expected an expression/);
      at = w.mark();
      fs.writeFileSync(path.join(dir, 'p.pipe'), pipe('PRI_lep_pt * 3'));
      const again = await w.waitFor(/\[watch\] ran.*\n/, at);
      expect(again).toMatch(/derive:higgs\/r/);
    } finally {
      child.kill('SIGINT');
    }
  });
});
