/**
 * Three small worker pools shared by every read in the process: basket-decompression workers
 * (root-worker.ts) for big single files, whole-file workers (root-file-worker.ts) that read runs
 * of a chain's files while the calling thread reads others (root.ts, readChainInWorkers), and
 * read-ahead workers (root-ahead-worker.ts) that inflate a chain's files for the calling thread to
 * decode (root.ts, ReadAhead; one read at a time each).
 *
 * May import: node:worker_threads, exec/worker-url, root-basket (types), root-errors, root-ahead (types), table (types).
 * Workers are started on first use and `unref`ed, so an idle pool never keeps the process alive.
 * Basket jobs are cut into chunks of similar compressed size and handed out as workers free up;
 * results are put back in input order, so the output does not depend on scheduling.
 */
import { Worker } from 'node:worker_threads';
import { workerUrl } from '../exec/worker-url.js';
import type { Basket } from './root-basket.js';
import { DataError, type DataErrorCode } from './root-errors.js';
import type { WorkerJob, WorkerReply } from './root-worker.js';
import type { FileJob, FileReply, Recycle } from './root-file-worker.js';
import type { AheadStart } from './root-ahead.js';
import type { Column, Dtype, Table } from './table.js';

/** A basket worker and its jobs in flight (it runs them in order). */
interface PoolWorker {
  readonly w: Worker;
  readonly pending: Map<number, (r: WorkerReply) => void>;
}
const pool: PoolWorker[] = [];
let nextId = 1;

/** `n` basket workers, started on first use and kept (unref'ed while idle). */
function basketWorkers(n: number): PoolWorker[] {
  while (pool.length < n) {
    const w = new Worker(workerUrl(import.meta.url, './root-worker.js'));
    w.unref();
    const pw: PoolWorker = { w, pending: new Map() };
    w.on('message', (r: WorkerReply) => {
      const done = pw.pending.get(r.id);
      if (done === undefined) return;
      pw.pending.delete(r.id);
      if (pw.pending.size === 0 && pool.includes(pw)) w.unref(); // one being terminated stays ref'd until it exits
      done(r);
    });
    // A crashed or exited worker fails its jobs and leaves the pool (a new one starts on next use).
    const fail = (why: string): void => {
      const i = pool.indexOf(pw);
      if (i >= 0) pool.splice(i, 1);
      const failed = [...pw.pending.entries()];
      pw.pending.clear();
      for (const [id, done] of failed) done({ id, ok: false, index: -1, truncated: false, message: `worker thread failed: ${why}` });
    };
    w.on('error', (e: Error) => fail(e.message));
    w.on('exit', (code: number) => fail(`it exited (code ${code})`));
    pool.push(pw);
  }
  return pool.slice(0, n);
}

/** Terminates the pool's workers (tests and benchmarks; normal use just lets them idle). */
export async function closeRootPool(): Promise<void> {
  const ws = pool.splice(0);
  // ref'd while they stop: an unref'd worker's exit does not keep the process waiting for it.
  await Promise.all(ws.map((p) => { p.w.ref(); return p.w.terminate(); }));
  await closeRootFilePool();
  await closeAheadPool();
}

type Job = { seek: number; nbytes: number; where: string } | null;

/** Sends the baskets `chunk` of `file` to `pw`; resolves with them decompressed, in order. */
function send(pw: PoolWorker, file: string, chunk: readonly NonNullable<Job>[]): Promise<Basket[]> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pw.pending.set(id, (r) => {
      if (r.ok) { resolve(r.baskets); return; }
      const bad = chunk[r.index];
      reject(bad === undefined ? new Error(`${file}: ${r.message}`) : new DataError(r.truncated ? 'truncated' : 'corrupt', `${file}: ${bad.where}: ${r.message}`, file));
    });
    pw.w.ref();
    pw.w.postMessage({ id, file, jobs: chunk.map((c) => ({ seek: c.seek, nbytes: c.nbytes })) } satisfies WorkerJob);
  });
}

/**
 * Reads and decompresses the baskets `jobs[branch][basket]` of `file` on `threads` workers.
 * Null jobs (embedded baskets) come back as placeholders the caller replaces.
 */
export async function unpackInWorkers(file: string, _size: number, jobs: readonly (readonly Job[])[], threads: number): Promise<Basket[][]> {
  const flat: { b: number; k: number; job: NonNullable<Job> }[] = [];
  jobs.forEach((list, b) => list.forEach((job, k) => { if (job) flat.push({ b, k, job }); }));
  const total = flat.reduce((s, f) => s + f.job.nbytes, 0);
  const target = Math.max(256 * 1024, Math.ceil(total / (threads * 8)));
  const chunks: (typeof flat)[] = [];
  let cur: typeof flat = [], curBytes = 0;
  for (const f of flat) {
    cur.push(f);
    curBytes += f.job.nbytes;
    if (curBytes >= target) { chunks.push(cur); cur = []; curBytes = 0; }
  }
  if (cur.length > 0) chunks.push(cur);
  const workers = basketWorkers(threads);
  const got: Basket[][] = new Array(chunks.length);
  let next = 0;
  // Each worker takes the next chunk as it finishes one; results go back in input order.
  const drain = async (pw: PoolWorker): Promise<void> => {
    while (next < chunks.length) {
      const k = next++;
      try {
        got[k] = await send(pw, file, chunks[k]!.map((c) => c.job));
      } catch (e: unknown) {
        next = chunks.length; // no more chunks after a failure
        throw e;
      }
    }
  };
  await Promise.all(workers.map(drain));
  const placeholder: Basket = { u: new Uint8Array(0), keylen: 0, last: 0, nevbuf: 0 };
  const out: Basket[][] = jobs.map((list) => list.map(() => placeholder));
  got.flat().forEach((bk, i) => { const f = flat[i]!; out[f.b]![f.k] = bk; });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Read-ahead workers for chains (root-ahead-worker.ts)

/** A read-ahead worker, `busy` while it serves a read. */
export interface AheadWorker {
  readonly w: Worker;
  busy: boolean;
  /** Called when its current read's loop has ended (it takes the next read only then). */
  onDone?: (() => void) | undefined;
}

const aheadPool: AheadWorker[] = [];

/**
 * Up to `n` read-ahead workers for one read, started on first use and kept (unref'ed while idle):
 * the idle ones, marked busy until `releaseAhead`. Workers still starting are included (the reader
 * goes on alone until they are ready).
 */
export function takeAheadWorkers(n: number): AheadWorker[] {
  while (aheadPool.length < n) {
    const w = new Worker(workerUrl(import.meta.url, './root-ahead-worker.js'));
    w.unref();
    const aw: AheadWorker = { w, busy: false };
    w.on('message', (m: { done?: true }) => {
      if (m.done) { w.unref(); aw.busy = false; const d = aw.onDone; aw.onDone = undefined; d?.(); }
    });
    const gone = (): void => {
      const i = aheadPool.indexOf(aw);
      if (i >= 0) aheadPool.splice(i, 1);
      const d = aw.onDone; aw.onDone = undefined; d?.();
    };
    w.on('error', gone);
    w.on('exit', gone);
    aheadPool.push(aw);
  }
  const idle = aheadPool.filter((a) => !a.busy).slice(0, n);
  for (const a of idle) a.busy = true;
  return idle;
}

/** How many read-ahead workers are running and not serving a read. */
export function aheadWorkersIdle(): number {
  return aheadPool.filter((a) => !a.busy).length;
}

/** Starts worker `aw` on a read (root-ahead-worker.ts); a worker still starting up gets it once it has loaded. */
export function startAhead(aw: AheadWorker, start: AheadStart): void {
  aw.w.ref();
  aw.w.postMessage(start);
}

/** Gives back workers taken for a read that did not start them. */
export function releaseAhead(ws: readonly AheadWorker[]): void {
  for (const a of ws) if (a.onDone === undefined) a.busy = false;
}

/** Terminates the read-ahead workers. */
async function closeAheadPool(): Promise<void> {
  const ws = aheadPool.splice(0);
  await Promise.all(ws.map((a) => { a.w.ref(); return a.w.terminate(); }));
}

// ---------------------------------------------------------------------------------------------
// Whole-file workers for chains (root-file-worker.ts)

/** A whole-file worker and its jobs in flight (it runs them one after another). */
export interface FileWorker {
  readonly w: Worker;
  readonly pending: Map<number, { resolve(t: Table): void; reject(e: Error): void }>;
  /** Resolves when the worker has loaded its modules and takes jobs (at once for a running one). */
  readonly ready: Promise<void>;
  /** It has finished a job: its code is compiled and optimized, so it may take two at a time. */
  warm: boolean;
}

const filePool: FileWorker[] = [];

/** `n` whole-file workers, started on first use and kept (unref'ed while idle). */
export function fileWorkers(n: number): FileWorker[] {
  while (filePool.length < n) {
    const w = new Worker(workerUrl(import.meta.url, './root-file-worker.js'));
    w.unref();
    let isReady!: () => void;
    const fw: FileWorker = { w, pending: new Map(), ready: new Promise<void>((r) => { isReady = r; }), warm: false };
    w.on('message', (r: FileReply | { readonly ready: true }) => {
      if ('ready' in r) { isReady(); return; }
      fw.warm = true;
      const job = fw.pending.get(r.id);
      if (job === undefined) return;
      fw.pending.delete(r.id);
      if (fw.pending.size === 0 && filePool.includes(fw)) w.unref(); // one being terminated stays ref'd until it exits
      if (r.ok) {
        const cols = new Map<string, Column>();
        for (const c of r.columns) {
          cols.set(c.name, c.kind === 'jagged'
            ? { kind: 'jagged', dtype: c.dtype as Dtype, offsets: c.offsets!, values: c.values as Float64Array }
            : c.kind === 'num' ? { kind: 'num', dtype: c.dtype as Dtype, values: c.values as Float64Array }
              : { kind: 'str', dtype: 'string', values: c.values as string[] });
        }
        job.resolve({ rows: r.rows, columns: cols });
      } else {
        job.reject(r.data ? new DataError(r.code as DataErrorCode, r.message, r.file) : new Error(r.message));
      }
    });
    // A crashed or exited worker fails its jobs and leaves the pool (a new one starts on next use).
    const fail = (e: Error): void => {
      const i = filePool.indexOf(fw);
      if (i >= 0) filePool.splice(i, 1);
      for (const job of fw.pending.values()) job.reject(e);
      fw.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code: number) => fail(new Error(`a ROOT reading worker thread exited (code ${code})`)));
    filePool.push(fw);
  }
  return filePool.slice(0, n);
}

/** How many whole-file workers are running. */
export function fileWorkersRunning(): number {
  return filePool.length;
}

/** Reads a run of consecutive chain files (`job`) on worker `fw`; resolves with their table. */
export function runFiles(fw: FileWorker, job: Omit<FileJob, 'id'>): Promise<Table> {
  const id = nextId++;
  return new Promise<Table>((resolve, reject) => {
    fw.pending.set(id, { resolve, reject });
    fw.w.ref();
    fw.w.postMessage({ id, ...job } satisfies FileJob);
  });
}

/**
 * Gives the buffers of a part that `fw` sent back to it, once the caller has copied the part (the
 * part's arrays must not be used after this).
 */
export function recycleParts(fw: FileWorker, part: Table): void {
  const bufs = new Set<ArrayBuffer>();
  for (const c of part.columns.values()) {
    if (c.kind === 'str') continue;
    if (c.values.buffer instanceof ArrayBuffer) bufs.add(c.values.buffer);
    if (c.kind === 'jagged' && c.offsets.buffer instanceof ArrayBuffer) bufs.add(c.offsets.buffer);
  }
  if (bufs.size > 0 && filePool.includes(fw)) fw.w.postMessage({ recycle: [...bufs] } satisfies Recycle, [...bufs]);
}

/** Terminates the whole-file workers too. */
export async function closeRootFilePool(): Promise<void> {
  const ws = filePool.splice(0);
  await Promise.all(ws.map((fw) => { fw.w.ref(); return fw.w.terminate(); }));
}
