/**
 * The content-addressed cache store: output bytes by ContentHash, one JSON record per StepKey,
 * the "last build" index, data-file stamps, a version header, a lock, gc and clean.
 *
 * May import: node:fs, node:path, node:os, node:crypto, node:worker_threads, graph/fingerprint,
 * graph/types (types), util/fs-errors. It knows bytes and keys, never step kinds or algorithms.
 *
 * Layout (everything a build reads is under `<dir>/v1`, so an incompatible future format can live
 * beside it or replace it):
 *
 *     <dir>/VERSION                   "winnow-cache 1"; anything else -> that cache is discarded ("starting over")
 *     <dir>/lock                      {"pid", "host", "time"} while a build, gc or clean runs
 *     <dir>/v1/objects/ab/cdef…       output bytes, named by their sha256 (ab = first two hex digits)
 *     <dir>/v1/steps/<key>.json       one readable record per StepKey: fingerprint data, output hash, ms, step id, time
 *     <dir>/v1/index.json             last build: step id -> {key, kind, hash | error}; read once per build
 *     <dir>/v1/files.json             data-file stamps (path -> size, mtimeNs, ino, hash) for FileHasher
 *
 * Crash safety (as ninja's build log): every write goes to `.tmp-*` in the destination directory
 * and is renamed over the final name. Rename is atomic, so a process killed at any moment leaves
 * each name either absent or complete; orphan temp files are never read and `gc` removes them.
 * Against power loss, objects, the index, file stamps and VERSION are fsynced before their rename
 * (directories: see `flush()`); step records are NOT fsynced, so a cold build pays one fsync per
 * step instead of two (1,000 steps: 10.2 s -> 7.6 s, bench/RESULTS-graph.md). That is safe because
 * a record is only ever an index into synced data: it is written after its object is synced, so
 * whatever survives a crash of the record (nothing, an empty or truncated file, or the whole record)
 * either fails `readRecord`'s checks (JSON, format, key, hash shape: a miss, rebuilt and rewritten)
 * or names an object that was durable before the record existed; and readers treat a record whose
 * object is gone as a miss. An object, on the other hand, must be synced: a file that survived as a
 * name with lost bytes would be served as a cache hit, since hits are not re-hashed.
 * Unreadable JSON (a foreign or truncated file) is treated as absent and rewritten, never trusted.
 *
 * Speed: a no-op build reads index.json once and stats one object per step (`hasObject`); it
 * reads no record and no object. Records are read only on an index miss (a step id built under
 * another key, e.g. after a revert) and by status/explain for stale steps.
 *
 * Concurrency: objects and records are content-addressed and written atomically, so two writers
 * can only race to write the same bytes. What the lock protects is the index (last writer wins)
 * and gc/clean (which must not delete what a running build just wrote). The lock is a file created
 * atomically (written aside, then link()ed into place, which fails if it exists) holding the
 * owner's pid and host. A lock whose pid is dead on this host is stale and
 * is taken over (rename it aside, check it is still the dead owner's, delete, retry O_EXCL). A lock
 * held from another host cannot be checked and is reported to the caller.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import { contentHash, isContentHash, type FingerprintData, type FileStamp } from '../graph/fingerprint.js';
import type { ContentHash, StepKey } from '../graph/types.js';
import { writeRefusal } from '../util/fs-errors.js';

/**
 * `mkdir -p` one level at a time: Node's recursive mkdir never returns for some paths where a
 * directory cannot be made (`/proc/x` loops on ENOENT); this throws that error instead.
 */
function mkdirs(dir: string): void {
  try {
    fs.mkdirSync(dir);
  } catch (e: unknown) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && fs.statSync(dir).isDirectory()) return;
    if (code !== 'ENOENT' || path.dirname(dir) === dir) throw e;
    mkdirs(path.dirname(dir));
    fs.mkdirSync(dir);
  }
}

/** The cache directory cannot be used (one sentence naming it). */
export class CacheError extends Error {
  override readonly name = 'CacheError';
}

export const CACHE_FORMAT = 1;
const VERSION_TEXT = `winnow-cache ${CACHE_FORMAT}\n`;
const TMP_PREFIX = '.tmp-';

/** One per StepKey, stored as `steps/<key>.json`. */
export interface StepRecord {
  format: typeof CACHE_FORMAT;
  key: StepKey;
  /** The step id that produced it (several ids may share a key; the first writer wins). */
  id: string;
  data: FingerprintData;
  /** PlannedStep.attrs at the time, for explain (not part of the key). */
  attrs?: Record<string, unknown>;
  output: ContentHash;
  bytes: number;
  ms: number;
  /** ISO time the record was written. */
  time: string;
}

/** The last build's view of one step id. */
export interface IndexEntry {
  key: StepKey;
  kind: string;
  /** Output hash; absent when the last build of this key failed. */
  hash?: ContentHash;
  /** Failure sentence when the last build failed. */
  error?: string;
  /** Fingerprint data and attrs of a failed build (a success has them in its record). */
  data?: FingerprintData;
  attrs?: Record<string, unknown>;
}

export interface StoreOptions {
  /** fsync files and directories on every write (default true). Off only for throwaway caches. */
  fsync?: boolean;
}

export interface LockInfo {
  pid: number;
  host: string;
  time: string;
}

export interface Lock {
  readonly path: string;
  release(): void;
}

export type LockResult = { ok: true; value: Lock } | { ok: false; error: { reason: 'locked'; holder: LockInfo } };

export interface GcResult {
  records: number;
  objects: number;
  temps: number;
  bytes: number;
}

export class Store {
  /** The cache directory as given (e.g. ./cache). */
  readonly dir: string;
  /** `<dir>/v1`. */
  readonly root: string;
  /** Things the user should know (e.g. an incompatible cache was discarded). */
  readonly notices: string[] = [];
  readonly #fsync: boolean;
  readonly #objects: string;
  readonly #steps: string;
  readonly #shards = new Set<string>();
  readonly #pendingDirs = new Set<string>();

  private constructor(dir: string, opts: StoreOptions) {
    this.dir = path.resolve(dir);
    this.root = path.join(this.dir, `v${CACHE_FORMAT}`);
    this.#objects = path.join(this.root, 'objects');
    this.#steps = path.join(this.root, 'steps');
    this.#fsync = opts.fsync ?? true;
  }

  /**
   * Opens (creating if needed) the cache at `dir`; discards a cache of another format with a notice.
   * A directory that cannot be made or written is a CacheError naming it.
   */
  static open(dir: string, opts: StoreOptions = {}): Store {
    try {
      return Store.#open(dir, opts);
    } catch (e: unknown) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'ENOTDIR' ? 'a part of its path is a file'
        : code === 'EEXIST' ? 'it is a file'
        : code === 'ENOENT' ? 'it cannot be created there'
        : writeRefusal(e) ?? (e as Error).message;
      throw new CacheError(`cannot use the cache directory ${path.resolve(dir)}: ${why} (choose another with --cache DIR or $WINNOW_CACHE)`);
    }
  }

  static #open(dir: string, opts: StoreOptions): Store {
    const s = new Store(dir, opts);
    mkdirs(s.dir);
    const versionFile = path.join(s.dir, 'VERSION');
    let version: string | undefined;
    try {
      version = fs.readFileSync(versionFile, 'utf8');
    } catch {
      version = undefined;
    }
    if (version !== undefined && version !== VERSION_TEXT) {
      // Only our own layout is removed (v<N> directories); a directory we did not create is left alone.
      for (const name of fs.readdirSync(s.dir)) {
        if (/^v\d+$/.test(name)) fs.rmSync(path.join(s.dir, name), { recursive: true, force: true });
      }
      s.notices.push(
        `cache ${s.dir} has format ${JSON.stringify(version.trim().slice(0, 40))}, this winnow uses ${JSON.stringify(VERSION_TEXT.trim())}: starting over`,
      );
    }
    fs.mkdirSync(s.#objects, { recursive: true });
    fs.mkdirSync(s.#steps, { recursive: true });
    if (version !== VERSION_TEXT) s.#atomicWrite(s.dir, 'VERSION', VERSION_TEXT);
    return s;
  }

  /** Opens an existing cache without version handling (worker threads and remote runners). */
  static attach(dir: string, opts: StoreOptions = {}): Store {
    return new Store(dir, opts);
  }

  // ---- objects -------------------------------------------------------------------------------

  objectPath(hash: ContentHash): string {
    return path.join(this.#objects, hash.slice(0, 2), hash.slice(2));
  }

  hasObject(hash: ContentHash): boolean {
    try {
      fs.statSync(this.objectPath(hash));
      return true;
    } catch {
      return false;
    }
  }

  /** The bytes of an object, or undefined if absent. */
  readObject(hash: ContentHash): Uint8Array | undefined {
    try {
      return fs.readFileSync(this.objectPath(hash));
    } catch {
      return undefined;
    }
  }

  /** Stores bytes (if not already present) and returns their hash. */
  writeObject(bytes: Uint8Array): ContentHash {
    const hash = contentHash(bytes);
    if (this.hasObject(hash)) return hash;
    const shard = path.join(this.#objects, hash.slice(0, 2));
    if (!this.#shards.has(shard)) {
      fs.mkdirSync(shard, { recursive: true });
      this.#shards.add(shard);
    }
    this.#atomicWrite(shard, hash.slice(2), bytes, false);
    return hash;
  }

  // ---- records -------------------------------------------------------------------------------

  recordPath(key: StepKey): string {
    return path.join(this.#steps, `${key}.json`);
  }

  /** The record of a key, or undefined if absent or unreadable. */
  readRecord(key: StepKey): StepRecord | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.recordPath(key), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const r = JSON.parse(text) as StepRecord;
      if (r.format !== CACHE_FORMAT || r.key !== key || typeof r.output !== 'string' || !isContentHash(r.output)) return undefined;
      return r;
    } catch {
      return undefined;
    }
  }

  /**
   * Writes a record; its output object must already be stored (and so synced). The record itself is
   * not fsynced: see "Crash safety" above.
   */
  writeRecord(rec: StepRecord): void {
    this.#atomicWrite(this.#steps, `${rec.key}.json`, JSON.stringify(rec, null, 2) + '\n', false, false);
  }

  // ---- index and file stamps -----------------------------------------------------------------

  readIndex(): Record<string, IndexEntry> {
    const j = this.#readJson(path.join(this.root, 'index.json'));
    if (j && typeof j === 'object' && (j as { format?: unknown }).format === CACHE_FORMAT) {
      const steps = (j as { steps?: unknown }).steps;
      if (steps && typeof steps === 'object') return steps as Record<string, IndexEntry>;
    }
    return {};
  }

  writeIndex(steps: Record<string, IndexEntry>): void {
    const sorted: Record<string, IndexEntry> = {};
    for (const k of Object.keys(steps).sort()) sorted[k] = steps[k]!;
    this.#atomicWrite(this.root, 'index.json', JSON.stringify({ format: CACHE_FORMAT, steps: sorted }) + '\n');
  }

  readFileStamps(): Record<string, FileStamp> {
    const j = this.#readJson(path.join(this.root, 'files.json'));
    if (j && typeof j === 'object' && (j as { format?: unknown }).format === CACHE_FORMAT) {
      const files = (j as { files?: unknown }).files;
      if (files && typeof files === 'object') return files as Record<string, FileStamp>;
    }
    return {};
  }

  writeFileStamps(files: Record<string, FileStamp>): void {
    this.#atomicWrite(this.root, 'files.json', JSON.stringify({ format: CACHE_FORMAT, files }) + '\n');
  }

  // ---- lock ----------------------------------------------------------------------------------

  get lockPath(): string {
    return path.join(this.dir, 'lock');
  }

  /** Takes the lock now, or says who holds it. A lock left by a dead process on this host is taken over. */
  tryLock(): LockResult {
    const lockPath = this.lockPath;
    const me: LockInfo = { pid: process.pid, host: os.hostname(), time: new Date().toISOString() };
    for (let attempt = 0; attempt < 5; attempt++) {
      // Write the content first, then link() it into place: creation is atomic and never observed empty.
      const tmp = `${lockPath}.${TMP_PREFIX}${process.pid}-${threadId}-${randomBytes(4).toString('hex')}`;
      fs.writeFileSync(tmp, JSON.stringify(me) + '\n');
      try {
        fs.linkSync(tmp, lockPath);
        return { ok: true, value: makeLock(lockPath, me) };
      } catch (e) {
        if (!isErrno(e, 'EEXIST')) throw e;
      } finally {
        fs.rmSync(tmp, { force: true });
      }
      const holder = readLockInfo(lockPath);
      if (holder === undefined) continue; // released (or being written) meanwhile: retry
      if (holder.host !== me.host || isAlive(holder.pid)) return { ok: false, error: { reason: 'locked', holder } };
      // Stale: move it aside (only one taker's rename succeeds), check we moved the dead owner's lock.
      const aside = `${lockPath}.stale-${process.pid}-${threadId}-${randomBytes(4).toString('hex')}`;
      try {
        fs.renameSync(lockPath, aside);
      } catch {
        continue; // someone else took it over first
      }
      const moved = readLockInfo(aside);
      if (moved && moved.pid !== holder.pid && isAlive(moved.pid)) {
        // We moved a live lock that replaced the stale one between our read and rename: put it back.
        try {
          fs.linkSync(aside, lockPath);
        } catch {
          /* a third process holds it now; the live owner will still release only its own lock */
        }
      }
      fs.rmSync(aside, { force: true });
    }
    const holder = readLockInfo(lockPath) ?? { pid: 0, host: '?', time: '?' };
    return { ok: false, error: { reason: 'locked', holder } };
  }

  /**
   * Waits for the lock (polling), calling `onWait(holder)` once when it has to wait. Resolves
   * with the holder's info instead if `signal` aborts or `timeoutMs` passes.
   */
  async lock(opts: { signal?: AbortSignal; timeoutMs?: number; pollMs?: number; onWait?: (holder: LockInfo) => void } = {}): Promise<LockResult> {
    const start = Date.now();
    let waited = false;
    for (;;) {
      const r = this.tryLock();
      if (r.ok) return r;
      if (opts.signal?.aborted || (opts.timeoutMs !== undefined && Date.now() - start >= opts.timeoutMs)) return r;
      if (!waited) {
        waited = true;
        opts.onWait?.(r.error.holder);
      }
      await new Promise((res) => setTimeout(res, opts.pollMs ?? 100));
    }
  }

  // ---- gc and clean --------------------------------------------------------------------------

  /**
   * Removes records whose key is not live, objects no live record (or live index entry) refers
   * to, index entries of dead keys, and every orphan temp file. The caller holds the lock.
   */
  gc(liveKeys: Iterable<StepKey>): GcResult {
    const live = new Set<string>(liveKeys);
    const res: GcResult = { records: 0, objects: 0, temps: 0, bytes: 0 };
    const keepObjects = new Set<string>();
    const index = this.readIndex();
    let indexChanged = false;
    for (const [id, e] of Object.entries(index)) {
      if (!live.has(e.key)) {
        delete index[id];
        indexChanged = true;
      } else if (e.hash) keepObjects.add(e.hash);
    }
    for (const name of safeReaddir(this.#steps)) {
      const p = path.join(this.#steps, name);
      if (name.startsWith(TMP_PREFIX)) {
        res.temps++;
        res.bytes += removeFile(p);
        continue;
      }
      const key = name.endsWith('.json') ? name.slice(0, -5) : name;
      const rec = live.has(key) ? this.readRecord(key as StepKey) : undefined;
      if (rec) keepObjects.add(rec.output);
      else {
        res.records++;
        res.bytes += removeFile(p);
      }
    }
    for (const shard of safeReaddir(this.#objects)) {
      const dir = path.join(this.#objects, shard);
      for (const name of safeReaddir(dir)) {
        const p = path.join(dir, name);
        if (name.startsWith(TMP_PREFIX)) {
          res.temps++;
          res.bytes += removeFile(p);
        } else if (!keepObjects.has(shard + name)) {
          res.objects++;
          res.bytes += removeFile(p);
        }
      }
    }
    for (const d of [this.root, this.dir]) {
      for (const name of safeReaddir(d)) {
        if (name.startsWith(TMP_PREFIX) || /^lock\.(stale-|\.tmp-)/.test(name)) {
          res.temps++;
          res.bytes += removeFile(path.join(d, name));
        }
      }
    }
    if (indexChanged) this.writeIndex(index);
    return res;
  }

  /** Removes the whole cache content (objects, records, index, stamps). The caller holds the lock. */
  clean(): void {
    for (const name of safeReaddir(this.dir)) {
      if (name === 'lock') continue;
      fs.rmSync(path.join(this.dir, name), { recursive: true, force: true });
    }
    this.#shards.clear();
    fs.mkdirSync(this.#objects, { recursive: true });
    fs.mkdirSync(this.#steps, { recursive: true });
    this.#atomicWrite(this.dir, 'VERSION', VERSION_TEXT);
  }

  // ---- internals -----------------------------------------------------------------------------

  #readJson(file: string): unknown {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      return undefined;
    }
  }

  /**
   * fsyncs the directories of objects and records written since the last flush (the scheduler
   * calls it at the end of a build, a worker after each task). Until then a power loss may lose
   * those names, which leaves a valid cache: a record whose object name was lost reads as a miss.
   */
  flush(): void {
    if (this.#fsync) for (const d of this.#pendingDirs) fsyncDir(d);
    this.#pendingDirs.clear();
  }

  /**
   * temp file in `dir` -> write -> fsync -> rename -> fsync(dir). The directory fsync of objects and
   * records is deferred to `flush()` (`syncDir: false`): one per directory per build instead of one
   * per write, the main cost of a cold build of many small steps. `syncFile: false` skips the file's
   * own fsync (records only, see the header).
   */
  #atomicWrite(dir: string, name: string, data: string | Uint8Array, syncDir = true, syncFile = true): void {
    const tmp = path.join(dir, `${TMP_PREFIX}${process.pid}-${threadId}-${randomBytes(6).toString('hex')}`);
    const fd = fs.openSync(tmp, 'wx');
    try {
      try {
        writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
        if (this.#fsync && syncFile) fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(tmp, path.join(dir, name));
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    if (!this.#fsync) return;
    if (syncDir) fsyncDir(dir);
    else this.#pendingDirs.add(dir);
  }
}

function writeAll(fd: number, buf: Uint8Array): void {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* some platforms cannot fsync a directory; the rename is still atomic */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function makeLock(lockPath: string, me: LockInfo): Lock {
  let released = false;
  return {
    path: lockPath,
    release() {
      if (released) return;
      released = true;
      const cur = readLockInfo(lockPath);
      if (cur && cur.pid === me.pid && cur.host === me.host && cur.time === me.time) fs.rmSync(lockPath, { force: true });
    },
  };
}

function readLockInfo(p: string): LockInfo | undefined {
  try {
    const j = JSON.parse(fs.readFileSync(p, 'utf8')) as LockInfo;
    if (typeof j.pid === 'number' && typeof j.host === 'string') return { pid: j.pid, host: j.host, time: String(j.time) };
    return { pid: 0, host: os.hostname(), time: '' }; // unparseable content: treated as dead
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    return { pid: 0, host: os.hostname(), time: '' }; // truncated lock (writer killed): dead
  }
}

/** Whether a pid is alive on this host (EPERM = alive, owned by someone else). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return isErrno(e, 'EPERM');
  }
}

function isErrno(e: unknown, code: string): boolean {
  return !!e && typeof e === 'object' && (e as { code?: unknown }).code === code;
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function removeFile(p: string): number {
  try {
    const size = fs.statSync(p).size;
    fs.rmSync(p, { force: true });
    return size;
  } catch {
    return 0;
  }
}
