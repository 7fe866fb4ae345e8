import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Store, isAlive, type StepRecord } from '../../../src/runtime/cache/store.js';
import { fingerprintData, stepKey } from '../../../src/runtime/graph/fingerprint.js';
import type { StepKey } from '../../../src/runtime/graph/types.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-store-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function record(store: Store, i: number, bytes: Uint8Array): StepRecord {
  const data = fingerprintData('k', 1, { i }, {}, {});
  const rec: StepRecord = { format: 1, key: stepKey(data), id: `s${i}`, data, output: store.writeObject(bytes), bytes: bytes.length, ms: 1, time: new Date().toISOString() };
  store.writeRecord(rec);
  return rec;
}

function walk(d: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

describe('Store', () => {
  it('stores objects by content hash and readable records by key', () => {
    const store = Store.open(dir);
    const bytes = new TextEncoder().encode('hello');
    const rec = record(store, 1, bytes);
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(rec.output).toBe(sha);
    expect(fs.existsSync(path.join(dir, 'v1', 'objects', sha.slice(0, 2), sha.slice(2)))).toBe(true);
    expect(Buffer.from(store.readObject(rec.output)!).toString()).toBe('hello');
    expect(store.readRecord(rec.key)).toEqual(rec);
    const onDisk = JSON.parse(fs.readFileSync(path.join(dir, 'v1', 'steps', `${rec.key}.json`), 'utf8'));
    expect(onDisk.data.params).toEqual({ i: 1 });
    expect(fs.readFileSync(path.join(dir, 'VERSION'), 'utf8')).toBe('winnow-cache 1\n');
    // unreadable record = absent
    fs.writeFileSync(store.recordPath(rec.key), '{"format":1,"ke');
    expect(store.readRecord(rec.key)).toBeUndefined();
    expect(store.readRecord('0'.repeat(64) as StepKey)).toBeUndefined();
  });

  it('starts over on an unknown VERSION and leaves foreign files alone', () => {
    const s1 = Store.open(dir);
    const rec = record(s1, 1, new Uint8Array([1, 2, 3]));
    fs.writeFileSync(path.join(dir, 'VERSION'), 'winnow-cache 99\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const s2 = Store.open(dir);
    expect(s2.notices).toHaveLength(1);
    expect(s2.notices[0]).toMatch(/winnow-cache 99.*starting over/);
    expect(s2.readRecord(rec.key)).toBeUndefined();
    expect(s2.hasObject(rec.output)).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(Store.open(dir).notices).toEqual([]);
  });

  it('locks: second taker sees the holder, release frees it', () => {
    const store = Store.open(dir);
    const a = store.tryLock();
    expect(a.ok).toBe(true);
    const b = store.tryLock();
    expect(b.ok).toBe(false);
    if (!b.ok) expect(b.error.holder.pid).toBe(process.pid);
    if (a.ok) a.value.release();
    const c = store.tryLock();
    expect(c.ok).toBe(true);
    if (c.ok) c.value.release();
    expect(fs.existsSync(store.lockPath)).toBe(false);
  });

  it('takes over a lock left by a dead process, not one held by a live process', async () => {
    const store = Store.open(dir);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    expect(isAlive(deadPid)).toBe(false);
    fs.writeFileSync(store.lockPath, JSON.stringify({ pid: deadPid, host: os.hostname(), time: 'then' }));
    const r = store.tryLock();
    expect(r.ok).toBe(true);
    if (r.ok) r.value.release();

    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      fs.writeFileSync(store.lockPath, JSON.stringify({ pid: child.pid, host: os.hostname(), time: 'now' }));
      let waitedFor = -1;
      const r2 = await store.lock({ timeoutMs: 250, pollMs: 50, onWait: (h) => (waitedFor = h.pid) });
      expect(r2.ok).toBe(false);
      expect(waitedFor).toBe(child.pid);
      // the holder dies while we wait: we get the lock
      const p = store.lock({ pollMs: 20 });
      child.kill('SIGKILL');
      const r3 = await p;
      expect(r3.ok).toBe(true);
      if (r3.ok) r3.value.release();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('gc keeps live records and their objects, removes the rest and temp files; clean empties', () => {
    const store = Store.open(dir);
    const live = record(store, 1, new Uint8Array([1]));
    const dead = record(store, 2, new Uint8Array([2]));
    store.writeIndex({ a: { key: live.key, kind: 'k', hash: live.output }, b: { key: dead.key, kind: 'k', hash: dead.output } });
    fs.writeFileSync(path.join(dir, 'v1', 'steps', '.tmp-1-0-abc'), 'x');
    fs.writeFileSync(path.join(path.dirname(store.objectPath(live.output)), '.tmp-1-0-def'), 'y');
    const g = store.gc([live.key]);
    expect(g).toMatchObject({ records: 1, objects: 1, temps: 2 });
    expect(store.readRecord(live.key)).toBeDefined();
    expect(store.hasObject(live.output)).toBe(true);
    expect(store.readRecord(dead.key)).toBeUndefined();
    expect(store.hasObject(dead.output)).toBe(false);
    expect(Object.keys(store.readIndex())).toEqual(['a']);
    store.clean();
    expect(store.readRecord(live.key)).toBeUndefined();
    expect(store.readIndex()).toEqual({});
    expect(fs.readFileSync(path.join(dir, 'VERSION'), 'utf8')).toBe('winnow-cache 1\n');
  });

  it('a writer SIGKILLed at random moments leaves only valid or absent entries', async () => {
    const storeJs = path.join(repo, 'dist/runtime/cache/store.js');
    if (!fs.existsSync(storeJs)) throw new Error(`${storeJs} is not built: run \`npm run build\` first`);
    const writer = path.join(repo, 'test/runtime/cache/store-writer.mjs');
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const rounds = 16;
    for (let round = 0; round < rounds; round++) {
      const child = spawn(process.execPath, [writer, pathToFileURL(storeJs).href, dir, String(round + 1)], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((res, rej) => {
        child.stdout.once('data', () => res());
        child.once('exit', (code) => rej(new Error(`writer exited early with ${code}`)));
      });
      await new Promise((res) => setTimeout(res, rnd() * 60));
      const exited = new Promise((res) => child.once('exit', res));
      child.kill('SIGKILL');
      await exited;
    }
    const store = Store.open(dir);
    const files = walk(path.join(dir, 'v1'));
    const temps = files.filter((f) => path.basename(f).startsWith('.tmp-'));
    const objects = files.filter((f) => f.includes(`${path.sep}objects${path.sep}`) && !temps.includes(f));
    const records = files.filter((f) => f.includes(`${path.sep}steps${path.sep}`) && !temps.includes(f));
    expect(records.length).toBeGreaterThanOrEqual(rounds); // each round wrote at least one record
    for (const f of objects) {
      const name = path.basename(path.dirname(f)) + path.basename(f);
      expect(createHash('sha256').update(fs.readFileSync(f)).digest('hex')).toBe(name);
    }
    const keys: StepKey[] = [];
    for (const f of records) {
      const key = path.basename(f, '.json') as StepKey;
      const rec = store.readRecord(key);
      expect(rec, f).toBeDefined();
      expect(store.hasObject(rec!.output)).toBe(true);
      keys.push(key);
    }
    const indexFile = path.join(dir, 'v1', 'index.json');
    if (fs.existsSync(indexFile)) expect(() => JSON.parse(fs.readFileSync(indexFile, 'utf8'))).not.toThrow();
    if (process.env.WINNOW_DEBUG) console.log("temps", temps.length, "records", records.length);
    const g = store.gc(keys);
    expect(g.temps).toBe(temps.length);
    expect(g.records).toBe(0);
    expect(walk(path.join(dir, 'v1')).filter((f) => path.basename(f).startsWith('.tmp-'))).toEqual([]);
  });
});
