import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../../src/runtime/cache/store.js';
import { InlineExecutor } from '../../../src/runtime/exec/executor.js';
import { build, status, explain, resolveTargets, collectGarbage, cleanCache } from '../../../src/runtime/graph/scheduler.js';
import { formatExplanation } from '../../../src/runtime/graph/explain.js';
import type { BuildEvent, BuildResult, Plan } from '../../../src/runtime/graph/types.js';
import { fakeRegistry, plan, step, tempDir } from './helpers.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = tempDir();
  store = Store.open(path.join(dir, 'cache'), { fsync: false });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** a -> b, a -> c, (b, c) -> d; e independent. */
function diamond(opts: { bk?: number; av?: number } = {}): Plan {
  return plan(
    [
      step('a', 'const', { value: opts.av ?? 5 }),
      step('b', 'add', { k: opts.bk ?? 1 }, { x: 'a' }, { block: 'b' }),
      step('c', 'add', { k: 2 }, { x: 'a' }),
      step('d', 'add', { k: 0 }, { l: 'b', r: 'c' }, { block: 'd' }),
      step('e', 'const', { value: 'e' }),
    ],
    { b: ['b'], d: ['d'], e: ['e'] },
  );
}

const summary = (r: BuildResult) => Object.fromEntries(r.steps.map((s) => [s.id, s.status]));

describe('build', () => {
  it('builds everything once, then a no-op build runs and decodes nothing', async () => {
    const reg = fakeRegistry();
    const r1 = await build(diamond(), { registry: reg, store });
    expect(r1.ok).toBe(true);
    expect(reg.ran).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(r1.output('d')).toBe(5 + 1 + 5 + 2);

    const reg2 = fakeRegistry();
    const r2 = await build(diamond(), { registry: reg2, store });
    expect(summary(r2)).toEqual({ a: 'cached', b: 'cached', c: 'cached', d: 'cached', e: 'cached' });
    expect(reg2.ran).toEqual([]);
    expect(reg2.decoded).toEqual([]);
    expect(r2.steps.map((s) => s.key)).toEqual(r1.steps.map((s) => s.key));
    // output() decodes on demand, once
    expect(r2.output('d')).toBe(13);
    expect(r2.output('d')).toBe(13);
    expect(reg2.decoded).toEqual(['add']);
  });

  it('keeps in memory only what is still needed, and the targets\' values after the build', async () => {
    const reg = fakeRegistry();
    const executor = new InlineExecutor(store, reg);
    const r = await build(diamond(), { registry: reg, store, executor });
    const held = (id: string) => executor.peek(r.steps.find((s) => s.id === id)!.hash!) !== undefined;
    expect(['a', 'b', 'c', 'd', 'e'].map(held)).toEqual([false, true, false, true, true]); // b, d, e are targets
    expect(r.output('d')).toBe(13);
    expect(reg.decoded).toEqual([]);
    await executor.close();
  });

  it('given b.k changed, only b and d ran', async () => {
    await build(diamond(), { registry: fakeRegistry(), store });
    const reg = fakeRegistry();
    const r = await build(diamond({ bk: 10 }), { registry: reg, store });
    expect(reg.ran).toEqual(['b', 'd']);
    expect(summary(r)).toEqual({ a: 'cached', b: 'built', c: 'cached', d: 'built', e: 'cached' });
    expect(r.output('d')).toBe(5 + 10 + 5 + 2);
    // inputs of d: b's new value was kept in memory, c decoded from the store
    expect(reg.decoded).toEqual(['const', 'add']);
  });

  it('early cutoff: a rerun step with identical output leaves its dependents cached', async () => {
    const p = (v: number) =>
      plan([step('a', 'const', { value: v }), step('m', 'mod', { m: 2 }, { x: 'a' }), step('d', 'add', { k: 100 }, { x: 'm' })]);
    await build(p(5), { registry: fakeRegistry(), store });
    const reg = fakeRegistry();
    const r = await build(p(7), { registry: reg, store });
    expect(reg.ran).toEqual(['a', 'm']);
    expect(summary(r)).toEqual({ a: 'built', m: 'built', d: 'cached' });
    expect(r.output('d')).toBe(101);
    const reg3 = fakeRegistry();
    await build(p(8), { registry: reg3, store });
    expect(reg3.ran).toEqual(['a', 'm', 'd']);
  });

  it('gives identical keys, hashes and outputs for jobs 1, 2 and 4', async () => {
    // A layered DAG with random step durations, so finishing order differs from start order.
    const steps = [];
    let seed = 7;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 24; i++) {
      const inputs: Record<string, string> = {};
      if (i >= 4) for (let j = 0; j < 2; j++) inputs[`in${j}`] = `s${Math.floor(rnd() * (i - 1))}`;
      steps.push(step(`s${i}`, 'slow', { ms: Math.floor(rnd() * 15), k: i }, inputs));
    }
    const results = [];
    const regs = [];
    for (const jobs of [1, 2, 4]) {
      const s = Store.open(path.join(dir, `cache-j${jobs}`), { fsync: false });
      const reg = fakeRegistry();
      const r = await build(plan(steps), { registry: reg, store: s, jobs });
      expect(r.ok).toBe(true);
      results.push(r.steps.map((o) => [o.id, o.status, o.key, o.hash, r.output(o.id)]));
      regs.push(reg);
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    expect(regs[0]!.maxConcurrent).toBe(1);
    expect(regs[1]!.maxConcurrent).toBe(2);
    expect(regs[2]!.maxConcurrent).toBeGreaterThan(2);
    expect(regs[2]!.maxConcurrent).toBeLessThanOrEqual(4);
  });

  it('a failing step skips its dependents with the cause; independent steps go on', async () => {
    const p = plan([
      step('a', 'const', { value: 1 }),
      step('f', 'fail', {}, { x: 'a' }),
      step('g', 'add', {}, { x: 'f' }),
      step('h', 'add', {}, { x: 'g', y: 'a' }),
      step('e', 'add', { k: 1 }, { x: 'a' }),
    ]);
    const events: BuildEvent[] = [];
    const reg = fakeRegistry();
    const r = await build(p, { registry: reg, store, jobs: 2, onEvent: (e) => events.push(e) });
    expect(r.ok).toBe(false);
    expect(summary(r)).toEqual({ a: 'built', f: 'failed', g: 'skipped', h: 'skipped', e: 'built' });
    const f = r.steps.find((s) => s.id === 'f')!;
    expect(f.failure).toMatchObject({ reason: 'step-error', message: 'boom: column `x` has no entries' });
    expect(f.error).toBe('boom: column `x` has no entries');
    expect(r.steps.find((s) => s.id === 'h')).toMatchObject({ cause: 'f', error: 'skipped because `f` failed' });
    expect(reg.ran).not.toContain('g');
    const done = events.filter((e) => e.type === 'build-done');
    expect(done).toEqual([expect.objectContaining({ ok: false, counts: { built: 2, cached: 0, failed: 1, skipped: 2 } })]);
    expect(() => r.output('g')).toThrow(/has no output/);
    // the failure is not cached: the next build runs f again, and status says why
    const st = status(p, { registry: fakeRegistry(), store });
    expect(st.steps.find((s) => s.id === 'f')!.reasons).toEqual([{ reason: 'last-build-failed', error: 'boom: column `x` has no entries' }]);
    expect(st.steps.find((s) => s.id === 'g')!.reasons).toEqual([{ reason: 'input-failed', input: 'x', stepId: 'f' }]);
    const reg2 = fakeRegistry();
    await build(p, { registry: reg2, store });
    expect(reg2.ran).toEqual(['f']);
  });

  it('builds only the requested targets and their dependencies; force reruns them', async () => {
    const reg = fakeRegistry();
    const r = await build(diamond(), { registry: reg, store, targets: ['b'] });
    expect(reg.ran).toEqual(['a', 'b']);
    expect(Object.keys(r.targets)).toEqual(['b']);
    expect(resolveTargets(diamond(), ['nope', 'b'])).toEqual({ ok: false, error: { unknown: ['nope'] } });
    await expect(build(diamond(), { registry: reg, store, targets: ['nope'] })).rejects.toThrow('unknown target `nope`');
    const reg2 = fakeRegistry();
    const events: BuildEvent[] = [];
    await build(diamond(), { registry: reg2, store, targets: ['b'], force: true, onEvent: (e) => events.push(e) });
    expect(reg2.ran).toEqual(['a', 'b']);
    expect(events.find((e) => e.type === 'step-start')).toMatchObject({ id: 'a', reasons: [{ reason: 'forced' }] });
  });

  it('hashes data files into the key: a changed file reruns its readers only', async () => {
    const f = path.join(dir, 'data.csv');
    fs.writeFileSync(f, 'x\n1\n');
    const p = plan([step('src', 'read', {}, {}, { files: [f] }), step('n', 'const', { value: 3 }), step('t', 'add', {}, { x: 'n' })]);
    const r1 = await build(p, { registry: fakeRegistry(), store });
    expect(r1.files).toEqual([f]);
    fs.writeFileSync(f, 'x\n2\n');
    const reg = fakeRegistry();
    const events: BuildEvent[] = [];
    const r2 = await build(p, { registry: reg, store, onEvent: (e) => events.push(e) });
    expect(reg.ran).toEqual(['src']);
    expect(r2.output('src')).toBe('x\n2\n');
    const start = events.find((e) => e.type === 'step-start');
    expect(start).toMatchObject({ id: 'src', reasons: [{ reason: 'file-changed', path: f }] });
    fs.rmSync(f);
    const r3 = await build(p, { registry: fakeRegistry(), store });
    expect(r3.steps[0]).toMatchObject({ status: 'failed', failure: { reason: 'file-unreadable', path: f, message: 'no such file' } });
    expect(r3.steps[0]!.error).toBe(`cannot read ${f}: no such file`);
  });

  it('cancellation stops scheduling, aborts running steps and leaves a valid cache', async () => {
    const p = plan([
      step('a', 'const', { value: 1 }),
      step('s1', 'slow', { ms: 5000 }, { x: 'a' }),
      step('s2', 'add', {}, { x: 's1' }),
    ]);
    const ac = new AbortController();
    const r = await build(p, {
      registry: fakeRegistry(),
      store,
      signal: ac.signal,
      onEvent: (e) => {
        if (e.type === 'step-start' && e.id === 's1') ac.abort();
      },
    });
    expect(r.cancelled).toBe(true);
    expect(r.ok).toBe(false);
    expect(summary(r)).toEqual({ a: 'built', s1: 'skipped', s2: 'skipped' });
    expect(r.steps[1]!.failure).toEqual({ reason: 'cancelled' });
    expect(fs.existsSync(store.lockPath)).toBe(false);
    const fast = plan([step('a', 'const', { value: 1 }), step('s1', 'slow', { ms: 5000 }, { x: 'a' }), step('s2', 'add', {}, { x: 's1' })]);
    fast.steps[1]!.params = { ...(fast.steps[1]!.params as object), ms: 1 };
    const reg = fakeRegistry();
    const r2 = await build(fast, { registry: reg, store });
    expect(reg.ran).toEqual(['s1', 's2']);
    expect(r2.ok).toBe(true);
  });

  it('waits for the cache lock held by another build', async () => {
    const held = store.tryLock();
    expect(held.ok).toBe(true);
    const events: BuildEvent[] = [];
    let waiting!: () => void;
    const waited = new Promise<void>((res) => (waiting = res));
    const p = build(diamond(), {
      registry: fakeRegistry(),
      store,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'lock-wait') waiting();
      },
    });
    await waited;
    expect(events.some((e) => e.type === 'lock-wait' && e.pid === process.pid)).toBe(true);
    expect(events.some((e) => e.type === 'step-start')).toBe(false);
    if (held.ok) held.value.release();
    expect((await p).ok).toBe(true);
  });
});

describe('status and explain', () => {
  it('reports fresh/stale with the reason where staleness is decided', async () => {
    const reg = fakeRegistry();
    let st = status(diamond(), { registry: reg, store });
    expect(st).toMatchObject({ fresh: 0, stale: 5 });
    expect(st.steps[0]!.reasons).toEqual([{ reason: 'never-built' }]);
    expect(st.steps[1]!.reasons).toEqual([{ reason: 'input-stale', input: 'x', stepId: 'a' }]);
    await build(diamond(), { registry: reg, store });
    st = status(diamond(), { registry: reg, store });
    expect(st).toMatchObject({ fresh: 5, stale: 0 });
    expect(reg.ran).toHaveLength(5); // status ran nothing

    st = status(diamond({ bk: 3 }), { registry: reg, store });
    const byId = Object.fromEntries(st.steps.map((s) => [s.id, s]));
    expect(byId.b!.reasons).toEqual([{ reason: 'param-changed', attribute: 'k', old: 1, new: 3 }]);
    expect(byId.d!.reasons).toEqual([{ reason: 'input-stale', input: 'l', stepId: 'b' }]);
    expect(byId.c!.state).toBe('fresh');
    expect(byId.e!.state).toBe('fresh');

    // code version of a kind changed
    st = status(diamond(), { registry: fakeRegistry({ add: 2 }), store });
    expect(st.steps.find((s) => s.id === 'b')!.reasons).toEqual([{ reason: 'version-changed', kind: 'add', old: 1, new: 2 }]);
    expect(st.steps.find((s) => s.id === 'a')!.state).toBe('fresh');
    // a step without attrs: the params path is named
    const noAttrs = diamond({ bk: 4 });
    delete noAttrs.steps[1]!.attrs;
    st = status(noAttrs, { registry: reg, store });
    expect(st.steps[1]!.reasons).toEqual([{ reason: 'param-changed', attribute: 'k', old: 1, new: 4 }]);
  });

  it('explain follows stale inputs down to the changed attribute', async () => {
    const reg = fakeRegistry();
    await build(diamond(), { registry: reg, store });
    const states = explain(diamond({ av: 6 }), 'd', { registry: reg, store });
    expect(states.map((s) => s.id)).toEqual(['d', 'b', 'a', 'c']);
    expect(formatExplanation(states)).toBe(
      [
        'd is stale:',
        '  input `l` (b) is stale',
        '  input `r` (c) is stale',
        'b is stale:',
        '  input `x` (a) is stale',
        'a is stale:',
        '  `value` changed from 5 to 6',
        'c is stale:',
        '  input `x` (a) is stale',
        '',
      ].join('\n'),
    );
    // after a build with a changed file-free input: input-changed names the input and its step
    await build(diamond({ av: 6 }), { registry: reg, store, targets: ['e'] });
    const fresh = explain(diamond(), 'e', { registry: reg, store });
    expect(formatExplanation(fresh)).toMatch(/^e is fresh \(key [0-9a-f]{12}\)\n$/);
  });

  it('input-changed is reported when an input was rebuilt elsewhere', async () => {
    const reg = fakeRegistry();
    await build(diamond(), { registry: reg, store });
    await build(diamond({ bk: 9 }), { registry: reg, store, targets: ['b'] });
    const [d] = explain(diamond({ bk: 9 }), 'd', { registry: reg, store });
    expect(d!.reasons).toEqual([{ reason: 'input-changed', input: 'l', stepId: 'b', old: expect.any(String), new: expect.any(String) }]);
    expect(formatExplanation([d!])).toMatch(/^d is stale:\n {2}input `l` \(b\) changed \([0-9a-f]{12} -> [0-9a-f]{12}\)\n$/);
  });

  it('gc keeps what the current plan needs; clean empties the cache', async () => {
    const reg = fakeRegistry();
    await build(diamond(), { registry: reg, store });
    await build(diamond({ bk: 7 }), { registry: reg, store });
    const gc = collectGarbage(diamond({ bk: 7 }), { registry: reg, store });
    expect(gc).toMatchObject({ ok: true, value: { records: 2, objects: 2, temps: 0 } }); // old b and d
    expect(status(diamond({ bk: 7 }), { registry: reg, store })).toMatchObject({ fresh: 5, stale: 0 });
    const st = status(diamond(), { registry: reg, store });
    expect(st.steps.find((s) => s.id === 'b')!.reasons).toEqual([{ reason: 'param-changed', attribute: 'k', old: 7, new: 1 }]);
    const held = store.tryLock();
    expect(cleanCache(store)).toMatchObject({ ok: false, error: { reason: 'locked', holder: { pid: process.pid } } });
    if (held.ok) held.value.release();
    expect(cleanCache(store).ok).toBe(true);
    expect(status(diamond(), { registry: reg, store })).toMatchObject({ fresh: 0, stale: 5 });
  });
});

