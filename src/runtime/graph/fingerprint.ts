/**
 * Step fingerprints: `FingerprintData` -> `StepKey`, canonical JSON, and data-file content hashes.
 *
 * May import: node:crypto, node:fs, node:path, ./types.
 *
 * A key is documented data (as in wireit's src/fingerprint.ts): every field of `FingerprintData`
 * is there because changing it can change the output bytes, maps are sorted, the field order is
 * fixed, and the key is the sha256 of the canonical JSON, so two processes (or two machines
 * sharing a cache) agree on it.
 *
 * File hashes. A data file's identity is the sha256 of its bytes, never its mtime: touching a file
 * or copying it elsewhere keeps its hash. Hashing a 1 GB ROOT file costs about a second, so
 * `FileHasher` memoises hashes per build and keeps a persistent table (path -> size, mtimeNs, ino,
 * hash, hashedAtNs) as a fast pre-check only: a file whose size, mtime and inode all match the
 * table is trusted without reading it. The trade-off (the same one git and ninja make): a tool that
 * rewrites a file with the same size and restores its mtime defeats the check (`--force` rebuilds).
 * To avoid git's "racily clean" problem, an entry is trusted only when the file's mtime was at
 * least `RACY_NS` older than the moment it was hashed; a file written within that window of its
 * hash (for example a save right after a build in watch mode) is rehashed next time.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ContentHash, StepKey } from './types.js';

export interface FingerprintData {
  /**
   * The registry kind ('derive', 'fit'). Included because two kinds with equal params and inputs
   * compute different things.
   */
  readonly kind: string;
  /**
   * `StepImpl.version` of the kind. Included because the code that runs a kind can change what it
   * outputs for the same inputs; bumping it reruns every step of that kind.
   */
  readonly version: number;
  /**
   * Canonical params (object keys sorted, no undefined). Included because they are the step's
   * configuration from the .pipe file; canonical so comments, layout and attribute order do not
   * count.
   */
  readonly params: unknown;
  /**
   * Input name -> content hash of that input step's output. Must be sorted. Included because the
   * output is a function of the input values. Hashes of outputs, not keys of input steps: a rerun
   * input that yields the same bytes leaves this key unchanged (early cutoff).
   */
  readonly inputs: Readonly<Record<string, ContentHash>>;
  /**
   * Data file path (as planned) -> sha256 of its bytes. Must be sorted. Included because source
   * steps read these files; the path is kept because it names the file in messages and outputs.
   */
  readonly files: Readonly<Record<string, ContentHash>>;
}

/** JSON with object keys sorted recursively; `undefined` members dropped; non-finite numbers -> null. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonicalize(value));
}

/** A copy of `value` with sorted object keys, as plain JSON data. */
export function canonicalize(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonicalize(v)));
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, (v) => canonicalize(v));
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(src).sort()) {
    const v = canonicalize(src[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function sortedRecord<T>(rec: Readonly<Record<string, T>>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(rec).sort()) out[k] = rec[k] as T;
  return out;
}

/** Builds FingerprintData with the fixed field order and sorted maps. */
export function fingerprintData(
  kind: string,
  version: number,
  params: unknown,
  inputs: Readonly<Record<string, ContentHash>>,
  files: Readonly<Record<string, ContentHash>>,
): FingerprintData {
  return { kind, version, params: canonicalize(params) ?? null, inputs: sortedRecord(inputs), files: sortedRecord(files) };
}

/** The canonical string of FingerprintData (field order fixed, maps sorted). `data` must come from fingerprintData(). */
export function fingerprintString(data: FingerprintData): string {
  // Explicit field order, so the string (and key) does not depend on how `data` was built.
  return canonicalJsonOrdered(data);
}

function canonicalJsonOrdered(d: FingerprintData): string {
  // The parts are canonical already when `d` comes from fingerprintData() (or from a stored record,
  // which was written from one); stringifying them again as they are saves a second sort.
  return (
    `{"kind":${JSON.stringify(d.kind)},"version":${JSON.stringify(d.version)},` +
    `"params":${JSON.stringify(d.params)},"inputs":${JSON.stringify(d.inputs)},"files":${JSON.stringify(d.files)}}`
  );
}

export function stepKey(data: FingerprintData): StepKey {
  return sha256Hex(fingerprintString(data)) as StepKey;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function contentHash(bytes: Uint8Array): ContentHash {
  return sha256Hex(bytes) as ContentHash;
}

export function isContentHash(s: string): s is ContentHash {
  return /^[0-9a-f]{64}$/.test(s);
}

// ---------------------------------------------------------------------------------------------
// Data-file hashing

/** A persisted pre-check entry (see the header comment). */
export interface FileStamp {
  size: number;
  /** mtime in ns since the epoch, as a decimal string (bigint does not fit JSON). */
  mtimeNs: string;
  ino: number;
  hash: ContentHash;
  /** Wall clock (ns, decimal string) when the hash was taken. */
  hashedAtNs: string;
}

export type FileHashResult = { ok: true; hash: ContentHash } | { ok: false; message: string };

/** mtime must be this much older than the hash time for a stamp to be trusted (2 s covers coarse file systems). */
export const RACY_NS = 2_000_000_000n;

export class FileHasher {
  /** Per-build memo: path -> result. Cleared by `newBuild()`. */
  #memo = new Map<string, FileHashResult>();
  /** Persistent stamps (absolute path -> stamp). */
  #stamps: Map<string, FileStamp>;
  #dirty = false;

  constructor(stamps?: Record<string, FileStamp>) {
    this.#stamps = new Map(Object.entries(stamps ?? {}));
  }

  /** Forget the per-build memo (call at the start of each build; watch mode reuses the hasher). */
  newBuild(): void {
    this.#memo.clear();
  }

  /** True when stamps changed since the last `takeStamps()`. */
  get dirty(): boolean {
    return this.#dirty;
  }

  /** Stamps to persist (the store writes them atomically at the end of a build). */
  takeStamps(): Record<string, FileStamp> {
    this.#dirty = false;
    const out: Record<string, FileStamp> = {};
    for (const k of [...this.#stamps.keys()].sort()) out[k] = this.#stamps.get(k)!;
    return out;
  }

  /** Content hash of a file, or why it cannot be read. */
  hash(file: string): FileHashResult {
    const abs = path.resolve(file);
    const memo = this.#memo.get(abs);
    if (memo) return memo;
    const r = this.#compute(abs);
    this.#memo.set(abs, r);
    return r;
  }

  #compute(abs: string): FileHashResult {
    let st: fs.BigIntStats;
    try {
      st = fs.statSync(abs, { bigint: true });
    } catch (e) {
      this.#forget(abs);
      return { ok: false, message: errMessage(e) };
    }
    if (!st.isFile()) {
      this.#forget(abs);
      return { ok: false, message: 'not a regular file' };
    }
    const size = Number(st.size);
    const mtimeNs = st.mtimeNs.toString();
    const ino = Number(st.ino);
    const stamp = this.#stamps.get(abs);
    if (
      stamp &&
      stamp.size === size &&
      stamp.mtimeNs === mtimeNs &&
      stamp.ino === ino &&
      st.mtimeNs + RACY_NS <= BigInt(stamp.hashedAtNs)
    ) {
      return { ok: true, hash: stamp.hash };
    }
    // Taken before reading, so a write racing with the read falls inside the untrusted window.
    const hashedAtNs = nowNs();
    let hash: ContentHash;
    try {
      hash = hashFileSync(abs);
    } catch (e) {
      this.#forget(abs);
      return { ok: false, message: errMessage(e) };
    }
    this.#stamps.set(abs, { size, mtimeNs, ino, hash, hashedAtNs: hashedAtNs.toString() });
    this.#dirty = true;
    return { ok: true, hash };
  }

  #forget(abs: string): void {
    if (this.#stamps.delete(abs)) this.#dirty = true;
  }
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** sha256 of a file's bytes, read in 1 MiB chunks (constant memory). */
export function hashFileSync(file: string): ContentHash {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex') as ContentHash;
}

function errMessage(e: unknown): string {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const code = (e as { code: string }).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES') return 'permission denied';
    if (code === 'EISDIR') return 'is a directory';
  }
  return e instanceof Error ? e.message : String(e);
}
