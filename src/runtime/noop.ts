/**
 * The no-op fast path: decide "everything is fresh" without loading the compiler, the planner, the
 * scheduler or any step code, the way ninja trusts its build log.
 *
 * May import: node:fs, node:path, node:crypto, node:url, cache/store, codec, graph/types (types).
 * The last successful build of a whole pipeline saves, next to its plan (see session.ts), a digest of
 * the (step id, key, output hash) triples it ended with. A later build is a no-op when
 *   - every `.pipe` file it came from has the same content hash (so the same plan and params),
 *   - every data file has the same size and mtime (the same trust the scheduler's FileHasher gives
 *     its stamp pre-check; any doubt takes the full path, where files are hashed),
 *   - the source globs expand to the same files, the planner and step code are the same (size and
 *     mtime of their compiled files), and the `--set` overrides are the same,
 *   - the cache index still holds exactly those triples and every output object exists.
 * Anything else returns undefined and the caller takes the full path, which re-derives every key.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Store, type IndexEntry } from './cache/store.js';
import type { Plan } from './graph/types.js';
import { decodeValue } from './codec.js';
import { resolveSourcePaths } from './io/sources.js';

export interface PlanCacheRecord {
  format: 2;
  code: string;
  overrides: Readonly<Record<string, string>>;
  pipeFiles: { path: string; hash: string }[];
  sources: { key: string; file: string; patterns: string[]; resolved: string[] }[];
  stamps: { path: string; size: number; mtimeMs: number }[];
  plan: Plan;
  /** Digest of [id, key, hash] for every step after the last successful whole build. */
  fresh?: string;
}

export const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** Identifies the code that planned and runs steps: compiled planner, step and model files. */
export function codeStamp(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const parts: string[] = [];
  const add = (p: string): void => {
    try { const st = fs.statSync(p); parts.push(`${path.relative(here, p)}:${st.size}:${st.mtimeMs}`); } catch { /* absent */ }
  };
  for (const f of ['session', 'noop', 'search-plan', 'graph/plan', 'graph/scheduler']) for (const ext of ['.js', '.ts']) add(path.join(here, f + ext));
  for (const dir of ['steps', 'models', 'models/nn', 'eval', 'stats', 'select', 'report', 'io']) {
    let names: string[] = [];
    try { names = fs.readdirSync(path.join(here, dir)).filter((n) => n.endsWith('.js') || n.endsWith('.ts')).sort(); } catch { continue; }
    for (const n of names) add(path.join(here, dir, n));
  }
  return sha(parts.join('|')).slice(0, 16);
}

export function planCacheFile(storeRoot: string, entry: string, overrides: Readonly<Record<string, string>>): string {
  return path.join(storeRoot, 'plans', `${sha(JSON.stringify([path.resolve(entry), overrides])).slice(0, 24)}.json`);
}

/** The plan cache record, if every input it was planned from is unchanged; with the .pipe texts. */
export function readValidPlanCache(file: string, cwd: string, overrides: Readonly<Record<string, string>>): { rec: PlanCacheRecord; texts: Map<string, string> } | undefined {
  let rec: PlanCacheRecord;
  try {
    rec = JSON.parse(fs.readFileSync(file, 'utf8')) as PlanCacheRecord;
  } catch {
    return undefined;
  }
  if (rec.format !== 2 || JSON.stringify(rec.overrides) !== JSON.stringify(overrides) || rec.code !== codeStamp()) return undefined;
  const texts = new Map<string, string>();
  for (const f of rec.pipeFiles) {
    let text: string;
    try { text = fs.readFileSync(f.path, 'utf8'); } catch { return undefined; }
    if (sha(text) !== f.hash) return undefined;
    texts.set(f.path, text);
  }
  for (const st of rec.stamps) {
    try {
      const s = fs.statSync(st.path);
      if (s.size !== st.size || s.mtimeMs !== st.mtimeMs) return undefined;
    } catch {
      return undefined;
    }
  }
  for (const s of rec.sources) {
    try {
      if (JSON.stringify(resolveSourcePaths(s.file, s.patterns, cwd)) !== JSON.stringify(s.resolved)) return undefined;
    } catch {
      return undefined;
    }
  }
  return { rec, texts };
}

export function freshDigest(plan: Plan, index: Readonly<Record<string, IndexEntry>>): string | undefined {
  const triples: [string, string, string][] = [];
  for (const s of plan.steps) {
    const e = index[s.id];
    if (!e?.hash) return undefined;
    triples.push([s.id, e.key, e.hash]);
  }
  return sha(JSON.stringify(triples));
}

export interface NoopBuild {
  plan: Plan;
  pipeFiles: string[];
  dataFiles: string[];
  output(id: string): unknown;
  /** The raw output bytes of a step (for outputs copied out of the cache as they are). */
  bytes(id: string): Uint8Array | undefined;
}

/** A no-op build, or undefined when anything may have changed (then take the full path). */
export function tryNoop(o: { entry: string; cwd: string; cacheDir: string; overrides: Readonly<Record<string, string>> }): NoopBuild | undefined {
  const store = Store.attach(o.cacheDir);
  let version: string;
  try { version = fs.readFileSync(path.join(store.dir, 'VERSION'), 'utf8'); } catch { return undefined; }
  if (!store.root.endsWith(`v${version.trim().split(' ').pop()}`)) return undefined;
  const v = readValidPlanCache(planCacheFile(store.root, path.resolve(o.cwd, o.entry), o.overrides), o.cwd, o.overrides);
  if (!v?.rec.fresh) return undefined;
  const index = store.readIndex();
  if (freshDigest(v.rec.plan, index) !== v.rec.fresh) return undefined;
  for (const s of v.rec.plan.steps) if (!store.hasObject(index[s.id]!.hash!)) return undefined;
  return {
    plan: v.rec.plan,
    pipeFiles: v.rec.pipeFiles.map((f) => f.path),
    dataFiles: v.rec.stamps.map((s) => s.path),
    bytes: (id: string) => {
      const e = index[id];
      return e?.hash ? store.readObject(e.hash) : undefined;
    },
    output: (id: string) => {
      const e = index[id];
      const bytes = e?.hash ? store.readObject(e.hash) : undefined;
      if (!bytes) throw new Error(`the output of \`${id}\` is missing from the cache`);
      return decodeValue(bytes);
    },
  };
}
