/**
 * Issue 8 through the real CLI: every search trial x fold is a cached step.
 *
 * One small HiggsML pipeline (13 DER_ variables, 4,200 training events, gbdt with 20 trees of
 * depth 3 per fit) whose search tunes a gbdt setting AND the select block's `keep`. The checks read
 * `build --json` step statuses, so "built" means "this invocation ran it". The CLI runs are async
 * and the independent checks run concurrently (the machine is shared: wall time is mostly waiting).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { DATA, statuses, tempProject, winnowAsync, type Run } from '../helpers/cli.js';

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
/** The CLI, asynchronously (spawnSync would block the concurrent tests). */
function winnow(cwd: string, args: string[]): Promise<Run> {
  const child = winnowAsync(cwd, args);
  let stdout = '', stderr = '';
  child.stdout.on('data', (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
}
interface BuildJson { ok: boolean; steps: (Steps[number] & { error?: string })[] }
async function buildJson(cwd: string, args: string[]): Promise<BuildJson> {
  const r = await winnow(cwd, ['build', ...args, '--json']);
  try {
    return JSON.parse(r.stdout) as BuildJson;
  } catch {
    throw new Error(`build --json did not print JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}
async function showJson(dir: string, args: string[] = []): Promise<ShownSearch> {
  const r = await winnow(dir, ['show', 'p.pipe', 't', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ShownSearch;
}

describe.concurrent('search: every trial x fold is a cached step', () => {
  const dir = tempProject({ 'p.pipe': searchPipe('random(trials: n, seed: 7)') });
  // The uninterrupted --jobs 1 result, which the killed --jobs 2 search must reproduce.
  let sixDone: (v: ShownSearch | undefined) => void = () => {};
  const sixP = new Promise<ShownSearch | undefined>((resolve) => { sixDone = resolve; });

  it('builds 6 x 3 trial steps, then `trials: 8` builds exactly 2 x 3 more, then bayes reuses them', async () => {
    let six: ShownSearch | undefined;
    try {
      six = await first6();
    } finally {
      sixDone(six);
    }
    const second = await buildJson(dir, ['p.pipe', 't', '--set', 'n=8']);
    expect(second.ok).toBe(true);
    expect(trialIds(second.steps)).toHaveLength(24);
    expect(trialsOf(trialIds(second.steps, 'built'))).toEqual([6, 7]);
    expect(trialIds(second.steps, 'built')).toHaveLength(6);
    expect(trialIds(second.steps, 'cached')).toHaveLength(18);

    // random -> bayes: the startup trials are the random ones, so every finished trial is reused.
    fs.writeFileSync(path.join(dir, 'p.pipe'), searchPipe('bayes(trials: 10, startup: 8, seed: 7)'));
    const r = await buildJson(dir, ['p.pipe', 't']);
    expect(r.ok).toBe(true);
    expect(trialIds(r.steps, 'cached')).toHaveLength(24);
    expect(trialsOf(trialIds(r.steps, 'built'))).toEqual([8, 9]);
    expect(trialIds(r.steps, 'built')).toHaveLength(6);
  }, 90_000);

  async function first6(): Promise<ShownSearch> {
    const first = await buildJson(dir, ['p.pipe', 't', '--jobs', '1']);
    expect(first.ok).toBe(true);
    expect(trialIds(first.steps, 'built')).toHaveLength(18);
    expect(trialIds(first.steps)).toHaveLength(18);
    const six = await showJson(dir);
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
    const bestModel = JSON.parse((await winnow(dir, ['show', 'p.pipe', 't.best', '--json'])).stdout) as { features: string[] };
    expect(bestModel.features).toHaveLength(six.best.params.keep!);
    return six;
  }

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
    const st = JSON.parse((await winnow(k, ['status', 'p.pipe', 't', '--json'])).stdout) as { steps: { id: string; state: string }[] };
    const fresh = st.steps.filter((s) => s.id.startsWith('trial:') && s.state === 'fresh').map((s) => s.id).sort();
    expect(fresh.length).toBeGreaterThanOrEqual(5);
    expect(fresh.length).toBeLessThan(18);
    const r = await buildJson(k, ['p.pipe', 't', '--jobs', '2']);
    expect(r.ok).toBe(true);
    expect(trialIds(r.steps, 'cached')).toEqual(fresh);
    expect(trialIds(r.steps, 'built')).toHaveLength(18 - fresh.length);
    // Same result as the uninterrupted --jobs 1 build above, to the bit.
    const six = await sixP;
    expect(six).toBeDefined();
    expect(await showJson(k)).toEqual(six);
  }, 90_000);

  it('grid() enumerates exactly the product; a pruned trial says so', async () => {
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
    const r = await buildJson(g, ['p.pipe', 't', '--jobs', '2']);
    expect(r.ok).toBe(true);
    const s = await showJson(g);
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
    const text = (await winnow(g, ['show', 'p.pipe', 't'])).stdout;
    expect(text).toMatch(/pruned after 1 fold/);
  }, 90_000);

  it('a failed trial ends as failed and the search completes; the next build tries it again', async () => {
    // 2,000,000 trees pass the checker (any integer >= 1) but gbdt fits at most 1e6: that fit fails.
    const f = tempProject({
      'p.pipe': `${head}
search t {
  model = g
  space { trees = choice(20, 2000000) }
  strategy = grid()
  cv = 2
}
`,
    });
    for (let round = 0; round < 2; round++) {
      const r = await winnow(f, ['build', 'p.pipe', 't', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout) as { ok: boolean; steps: (Steps[number] & { error?: string })[] };
      expect(j.ok).toBe(true);
      const failed = j.steps.filter((s) => s.status === 'failed');
      expect(failed.map((s) => s.id)).toEqual(['trial:t/t=1/fold=0']);
      expect(failed[0]!.error).toMatch(/trees/);
      expect(statuses(j.steps)['search:t']).toBe(round === 0 ? 'built' : 'cached');
    }
    const s = await showJson(f);
    expect(s.trials.map((t) => [t.id, t.status])).toEqual([[0, 'done'], [1, 'failed']]);
    expect(s.trials[1]!.reason).toMatch(/fold 0 failed/);
    expect(s.best.params).toEqual({ trees: 20 });
  }, 90_000);
});
