import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { watch, type WatchEvent, type Watcher } from '../../../src/runtime/graph/watch.js';
import { tempDir } from './helpers.js';

/** Collects events and lets a test wait for the next one matching a predicate (never a fixed sleep). */
class Events {
  all: WatchEvent[] = [];
  #waiters: { pred: (e: WatchEvent) => boolean; res: (e: WatchEvent) => void }[] = [];
  push = (e: WatchEvent): void => {
    this.all.push(e);
    for (const w of [...this.#waiters]) {
      if (w.pred(e)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.res(e);
      }
    }
  };
  next<T extends WatchEvent['type']>(type: T, pred: (e: Extract<WatchEvent, { type: T }>) => boolean = () => true): Promise<Extract<WatchEvent, { type: T }>> {
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error(`timed out waiting for ${type}; got ${JSON.stringify(this.all)}`)), 15_000);
      this.#waiters.push({
        pred: (e) => e.type === type && pred(e as Extract<WatchEvent, { type: T }>),
        res: (e) => {
          clearTimeout(t);
          res(e as Extract<WatchEvent, { type: T }>);
        },
      });
    });
  }
  count(type: WatchEvent['type']): number {
    return this.all.filter((e) => e.type === type).length;
  }
}

let dir: string;
let w: Watcher | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function setup() {
  dir = tempDir('winnow-watch-');
  const a = path.join(dir, 'a.pipe');
  const b = path.join(dir, 'b.csv');
  const c = path.join(dir, 'c.csv');
  for (const f of [a, b, c]) fs.writeFileSync(f, 'v0');
  return { a, b, c };
}

describe('watch', () => {
  it('rebuilds on a save, re-arms with the files the build read, and coalesces a burst of saves', async () => {
    const { a, b, c } = setup();
    const ev = new Events();
    const builds: string[][] = [];
    w = watch({
      files: () => [a],
      rebuild: async () => {
        builds.push([]);
        return { files: [a, b] }; // this build read b too
      },
      debounceMs: 150,
      onEvent: ev.push,
    });
    await w.ready;
    expect(ev.all[0]).toEqual({ type: 'watching', files: 1 });

    let done = ev.next('rebuild-done');
    const start = ev.next('rebuild-start');
    const rearmed = ev.next('watching');
    fs.writeFileSync(a, 'v1');
    expect((await start).changed).toEqual([a]);
    expect(await done).toMatchObject({ files: 2 });
    expect(builds).toHaveLength(1);
    expect(await rearmed).toEqual({ type: 'watching', files: 2 });

    // b is watched now; c never was
    done = ev.next('rebuild-done');
    const startB = ev.next('rebuild-start');
    fs.writeFileSync(c, 'v1');
    fs.writeFileSync(b, 'v1');
    expect((await startB).changed).toEqual([b]);
    await done;
    expect(builds).toHaveLength(2);

    // five saves in a row: one rebuild
    done = ev.next('rebuild-done');
    const burst = ev.next('rebuild-start');
    for (let i = 0; i < 5; i++) fs.writeFileSync(a, `burst ${i}`);
    expect((await burst).changed).toEqual([a]);
    await done;
    expect(builds).toHaveLength(3);
    // sentinel: a later save of b alone is its own rebuild (nothing left over from the burst)
    const sentinel = ev.next('rebuild-start');
    fs.writeFileSync(b, 'v2');
    expect((await sentinel).changed).toEqual([b]);
    await ev.next('rebuild-done');
    expect(builds).toHaveLength(4);
    expect(ev.count('rebuild-error')).toBe(0);
  });

  it('a change during a rebuild queues exactly one more; errors are reported and watching goes on', async () => {
    const { a, b } = setup();
    const ev = new Events();
    let calls = 0;
    let openGate!: () => void;
    const gate = new Promise<void>((res) => (openGate = res));
    w = watch({
      files: () => [a, b],
      rebuild: async () => {
        calls++;
        if (calls === 1) await gate;
        if (calls === 3) throw new Error('a.pipe:3:1: error[E0101]: expected `}`');
        return { files: [a, b] };
      },
      debounceMs: 50,
      onEvent: ev.push,
    });
    await w.ready;
    const first = ev.next('rebuild-start');
    fs.writeFileSync(a, 'v1');
    await first;
    expect(w.state).toBe('running');
    const q1 = ev.next('change', (e) => e.queued && e.path === a);
    const q2 = ev.next('change', (e) => e.queued && e.path === b);
    fs.writeFileSync(a, 'v2');
    fs.writeFileSync(b, 'v2');
    fs.writeFileSync(a, 'v3');
    await q1;
    await q2;
    expect(w.state).toBe('queued');
    const second = ev.next('rebuild-start');
    const idle = ev.next('watching');
    openGate();
    expect((await second).changed).toEqual([a, b].sort());
    await idle;
    expect(calls).toBe(2);
    expect(ev.count('rebuild-start')).toBe(2);

    const err = ev.next('rebuild-error');
    const idle2 = ev.next('watching');
    fs.writeFileSync(a, 'broken');
    expect((await err).error).toBe('a.pipe:3:1: error[E0101]: expected `}`');
    await idle2;
    const again = ev.next('rebuild-done');
    fs.writeFileSync(a, 'fixed');
    await again;
    expect(calls).toBe(4);

    await w.close();
    expect(w.state).toBe('aborted');
    expect(ev.all.at(-1)).toEqual({ type: 'closed' });
  });

  it('notices a save that replaces the file (write to temp, rename over)', async () => {
    const { a } = setup();
    const ev = new Events();
    w = watch({ files: () => [a], rebuild: async () => ({ files: [a] }), debounceMs: 50, onEvent: ev.push });
    await w.ready;
    const done = ev.next('rebuild-done');
    const tmp = path.join(dir, '.a.pipe.swp');
    fs.writeFileSync(tmp, 'replaced');
    fs.renameSync(tmp, a);
    await done;
    // still watched after the replacement
    const again = ev.next('rebuild-done');
    fs.writeFileSync(a, 'again');
    await again;
  });
});
