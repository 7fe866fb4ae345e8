/**
 * Issue 8 through the real CLI: every search trial x fold is a cached step.
 *
 * One small HiggsML pipeline (13 DER_ variables, 4,200 training events, gbdt with 20 trees of
 * depth 3 per fit) whose search tunes a gbdt setting AND the select block's `keep`. The checks read
 * `build --json` step statuses, so "built" means "this invocation ran it".
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { buildJson, DATA, statuses, tempProject, winnow, winnowAsync } from '../helpers/cli.js';

const head = `param n = 6
dataset higgs {
  source  = csv("${path.join(DATA, 'higgsml', 'train.csv')}")
  missing = -999.0
  label   = Label == "s"
  weight  = Weight
  split   = holdout(test: 0.3, seed: 3)
}
features f { from = higgs  include = ["DER_*"] }
select s { from = f  rank = [separation]  keep = 8 }
model g { features = s  algorithm = gbdt(trees: 20, depth: 3)  cv = 3 }
`;

const searchPipe = (strategy: string) => `${head}
search t {
  model = g
  space {
    learning_rate = loguniform(0.03, 0.5)
    keep = int(4, 10)
  }
  strategy = ${strategy}
  metric   = auc
  cv       = 3
  prune    = false
}
`;

type Steps = { id: string; status: string }[];
const trialIds = (steps: Steps, status?: string): string[] =>
  steps.filter((s) => s.id.startsWith('trial:') && (status === undefined || s.status === status)).map((s) => s.id).sort();
const trialsOf = (ids: string[]): number[] => [...new Set(ids.map((id) => Number(/t=(\d+)/.exec(id)![1])))].sort((a, b) => a - b);

interface ShownSearch {
  trials: { id: number; params: Record<string, number>; metric: number; std: number; folds: number[]; status: string; reason?: string }[];
  best: { id: number; params: Record<string, number>; metric: number; test?: { auc: number } };
}
const showJson = (dir: string, args: string[] = []): ShownSearch => {
  const r = winnow(dir, ['show', 'p.pipe', 't', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ShownSearch;
};

describe('search: every trial x fold is a cached step', () => {
  const dir = tempProject({ 'p.pipe': searchPipe('random(trials: n, seed: 7)') });
  let six: ShownSearch;

  it('builds 6 x 3 trial steps, then `trials: 8` builds exactly 2 x 3 more', () => {
    const first = buildJson(dir, ['p.pipe', 't', '--jobs', '1']);
    expect(first.ok).toBe(true);
    expect(trialIds(first.steps, 'built')).toHaveLength(18);
    expect(trialIds(first.steps)).toHaveLength(18);
    six = showJson(dir);
    expect(six.trials).toHaveLength(6);
    // keep is a select setting, not a gbdt parameter: one select + gather step per distinct keep.
    const keeps = [...new Set(six.trials.map((t) => t.params.keep))].sort((a, b) => a - b);
    const st = statuses(first.steps);
    for (const k of keeps) {
      expect(st[`select:s/keep=${k}`]).toBe('built');
      expect(st[`gather:t/keep=${k}`]).toBe('built');
    }
    expect(Object.keys(st).filter((id) => id.startsWith('select:s/keep='))).toHaveLength(keeps.length);
    // show: sorted by the metric (mean over folds), best first, with the best's test score.
    const means = six.trials.map((t) => t.metric);
    expect(means).toEqual([...means].sort((a, b) => b - a));
    for (const t of six.trials) {
      expect(t.folds).toHaveLength(3);
      expect(t.metric).toBeCloseTo(t.folds.reduce((a, b) => a + b, 0) / 3, 12);
      expect(t.metric).toBeGreaterThan(0.8); // gbdt on HiggsML DER_ variables: AUC ~0.88
    }
    expect(six.best.params).toEqual(six.trials[0]!.params);
    expect(six.best.test!.auc).toBeGreaterThan(0.8);
    // The best refit uses the best trial's selection.
    expect(st[`fit:t.best/full`]).toBe('built');
    const bestModel = JSON.parse(winnow(dir, ['show', 'p.pipe', 't.best', '--json']).stdout) as { features: string[] };
    expect(bestModel.features).toHaveLength(six.best.params.keep!);

    const second = buildJson(dir, ['p.pipe', 't', '--set', 'n=8']);
    expect(second.ok).toBe(true);
    expect(trialIds(second.steps)).toHaveLength(24);
    expect(trialsOf(trialIds(second.steps, 'built'))).toEqual([6, 7]);
    expect(trialIds(second.steps, 'built')).toHaveLength(6);
    expect(trialIds(second.steps, 'cached')).toHaveLength(18);
    const eight = showJson(dir, ['--set', 'n=8']);
    for (const t of six.trials) expect(eight.trials.find((u) => u.id === t.id)).toEqual(t);
  }, 60_000);

  it('switching random -> bayes reuses every finished trial (the startup trials are the random ones)', () => {
    fs.writeFileSync(path.join(dir, 'p.pipe'), searchPipe('bayes(trials: 10, startup: 8, seed: 7)'));
    const r = buildJson(dir, ['p.pipe', 't']);
    expect(r.ok).toBe(true);
    expect(trialIds(r.steps, 'cached')).toHaveLength(24);
    expect(trialsOf(trialIds(r.steps, 'built'))).toEqual([8, 9]);
    const bayes = showJson(dir);
    for (const t of six.trials) expect(bayes.trials.find((u) => u.id === t.id)).toEqual(t);
  }, 60_000);

  it('a SIGKILLed search, rebuilt, builds only what was missing; results do not depend on --jobs', async () => {
    const k = tempProject({ 'p.pipe': searchPipe('random(trials: n, seed: 7)') });
    const child = winnowAsync(k, ['build', 'p.pipe', 't', '--verbose', '--jobs', '2']);
    let done = 0;
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (b: Buffer) => {
        done += (b.toString().match(/^built\s+trial:/gm) ?? []).length;
        if (done >= 5) child.kill('SIGKILL');
      });
      child.on('exit', () => resolve());
    });
    const st = JSON.parse(winnow(k, ['status', 'p.pipe', 't', '--json']).stdout) as { steps: { id: string; state: string }[] };
    const fresh = st.steps.filter((s) => s.id.startsWith('trial:') && s.state === 'fresh').map((s) => s.id).sort();
    expect(fresh.length).toBeGreaterThanOrEqual(5);
    expect(fresh.length).toBeLessThan(18);
    const r = buildJson(k, ['p.pipe', 't', '--jobs', '2']);
    expect(r.ok).toBe(true);
    expect(trialIds(r.steps, 'cached')).toEqual(fresh);
    expect(trialIds(r.steps, 'built')).toHaveLength(18 - fresh.length);
    // Same result as the uninterrupted --jobs 1 build above, to the bit.
    expect(showJson(k)).toEqual(six);
  }, 60_000);

  it('grid() enumerates exactly the product; a pruned trial says so', () => {
    const g = tempProject({
      'p.pipe': `${head}
search t {
  model = g
  space {
    keep  = choice(8, 2)
    depth = choice(2, 3)
    learning_rate = choice(0.3, 0.1)
  }
  strategy = grid()
  metric   = auc
  cv       = 2
}
`,
    });
    const r = buildJson(g, ['p.pipe', 't', '--jobs', '2']);
    expect(r.ok).toBe(true);
    const s = showJson(g);
    const points = s.trials.map((t) => JSON.stringify([t.params.keep, t.params.depth, t.params.learning_rate])).sort();
    const product: string[] = [];
    for (const keep of [8, 2]) for (const depth of [2, 3]) for (const lr of [0.3, 0.1]) product.push(JSON.stringify([keep, depth, lr]));
    expect(points).toEqual(product.sort());
    // Two keep settings: two selections and two gathers, shared by four trials each.
    const ids = r.steps.map((x) => x.id);
    expect(ids.filter((id) => id.startsWith('select:s/keep=')).sort()).toEqual(['select:s/keep=2', 'select:s/keep=8']);
    expect(ids.filter((id) => id.startsWith('gather:t/')).sort()).toEqual(['gather:t/keep=2', 'gather:t/keep=8']);
    // Trials 4..7 (keep = 2) are compared after their first fold with the median of trials 0..3.
    const pruned = s.trials.filter((t) => t.status === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    for (const t of pruned) {
      expect(t.params.keep).toBe(2);
      expect(t.folds).toHaveLength(1);
      expect(t.reason).toMatch(/^pruned: auc .* below the median/);
      expect(trialIds(r.steps).filter((id) => id.startsWith(`trial:t/t=${t.id}/`))).toEqual([`trial:t/t=${t.id}/fold=0`]);
    }
    const text = winnow(g, ['show', 'p.pipe', 't']).stdout;
    expect(text).toMatch(/pruned after 1 fold/);
  }, 60_000);
});
