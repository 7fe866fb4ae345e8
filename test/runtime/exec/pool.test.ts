import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Store } from '../../../src/runtime/cache/store.js';
import { build } from '../../../src/runtime/graph/scheduler.js';
import { createExecutor, InlineExecutor, WorkerPoolExecutor } from '../../../src/runtime/exec/index.js';
import type { BuildEvent, Plan, PlannedStep, StepRegistry } from '../../../src/runtime/graph/types.js';
import { tempDir } from '../graph/helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const registryModule = pathToFileURL(path.join(here, 'fixtures/registry.mjs')).href;
const { registry } = (await import(registryModule)) as { registry: StepRegistry };

let dir: string;
let store: Store;
beforeEach(() => {
  dir = tempDir('winnow-pool-');
  store = Store.open(path.join(dir, 'cache'), { fsync: false });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const s = (id: string, kind: string, params: object, inputs: Record<string, string> = {}, heavy = false): PlannedStep => ({ id, kind, params, inputs, heavy });

function fanPlan(): Plan {
  return {
    steps: [
      s('a', 'const', { value: 3 }),
      s('h1', 'sumsq', { n: 200_000 }, { x: 'a' }, true),
      s('h2', 'sumsq', { n: 300_000 }, { x: 'a' }, true),
      s('h3', 'sumsq', { n: 100_000 }, { l: 'h1', r: 'h2' }, true),
      s('w', 'where', {}, {}, true),
      s('m', 'where', { tag: 'm' }, {}, false), // other params: same params would share w's key
    ],
    targets: {},
  };
}

describe('WorkerPoolExecutor', () => {
  it('runs heavy steps on worker threads with the same keys and bytes as inline', async () => {
    const events: BuildEvent[] = [];
    const executor = createExecutor({ store, registry, registryModule, workers: 2, fsync: false });
    const r = await build(fanPlan(), { registry, store, executor, jobs: 2, onEvent: (e) => events.push(e) });
    await executor.close();
    expect(r.ok).toBe(true);
    expect(r.output('w')).toBe('worker');
    expect(r.output('m')).toBe('main');
    expect(events).toContainEqual({ type: 'progress', id: 'h1', fraction: 0.5, message: 'half way' });
    expect(events).toContainEqual({ type: 'log', id: 'h2', message: 'summed 300000 squares' });

    const inlineStore = Store.open(path.join(dir, 'inline'), { fsync: false });
    const plain = fanPlan();
    plain.steps = plain.steps.filter((x) => x.kind !== 'where');
    const ri = await build(plain, { registry, store: inlineStore, executor: new InlineExecutor(inlineStore, registry) });
    for (const o of ri.steps) {
      const p = r.steps.find((x) => x.id === o.id)!;
      expect([p.key, p.hash, r.output(o.id)]).toEqual([o.key, o.hash, ri.output(o.id)]);
    }
    let expected = 0;
    for (let k = 0; k < 200_000; k++) expected = (expected + ((k * k) % 2147483647)) % 2147483647;
    expect(r.output('h1')).toBe(expected + 3);
  });

  it('reports a step failure from a worker as a value, and a bad registry module as worker-crashed', async () => {
    const plan: Plan = { steps: [s('f', 'fail', {}, {}, true), s('ok', 'const', { value: 1 })], targets: {} };
    const executor = createExecutor({ store, registry, registryModule, workers: 1, fsync: false });
    const r = await build(plan, { registry, store, executor });
    await executor.close();
    expect(r.steps.map((x) => x.status)).toEqual(['failed', 'built']);
    expect(r.steps[0]!.error).toBe('fit failed: feature `pt` is constant');

    const bad = new WorkerPoolExecutor({ store, registryModule: pathToFileURL(path.join(dir, 'missing.mjs')).href, workers: 1 });
    const r2 = await build({ steps: [s('x', 'sumsq', { n: 1 }, {}, true)], targets: {} }, { registry, store, executor: bad });
    await bad.close();
    expect(r2.steps[0]!.failure?.reason).toBe('worker-crashed');
    expect(r2.steps[0]!.error).toMatch(/^worker crashed: cannot load step registry .*missing\.mjs/);
  });

  it('cancellation terminates a busy worker; the pool and the cache remain usable', async () => {
    const executor = new WorkerPoolExecutor({ store, registryModule, workers: 1, fsync: false });
    const ac = new AbortController();
    const plan: Plan = { steps: [s('spin', 'spin', {}, {}, true), s('after', 'sumsq', { n: 10 }, { x: 'spin' }, true)], targets: {} };
    const t0 = Date.now();
    const r = await build(plan, {
      registry,
      store,
      executor,
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'step-start') setTimeout(() => ac.abort(), 50);
      },
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.cancelled).toBe(true);
    expect(r.steps.map((x) => [x.id, x.status, x.failure?.reason])).toEqual([
      ['spin', 'skipped', 'cancelled'],
      ['after', 'skipped', 'cancelled'],
    ]);
    const r2 = await build({ steps: [s('q', 'sumsq', { n: 1000 }, {}, true)], targets: {} }, { registry, store, executor });
    expect(r2.ok).toBe(true);
    await executor.close();
  });
});
