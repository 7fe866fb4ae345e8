/**
 * Two small worker pools shared by every read in the process: basket-decompression workers
 * (root-worker.ts) for big single files, and whole-file workers (root-file-worker.ts) that read runs
 * of a chain's files while the calling thread reads others (root.ts, readChainInWorkers).
 *
 * May import: node:worker_threads, exec/worker-url, root-basket (types), root-errors, table (types).
 * Workers are started on first use and `unref`ed, so an idle pool never keeps the process alive.
 * Basket jobs are cut into chunks of similar compressed size and handed out as workers free up;
 * results are put back in input order, so the output does not depend on scheduling.
 */
import { Worker } from 'node:worker_threads';
import { workerUrl } from '../exec/worker-url.js';
import type { Basket } from './root-basket.js';
import { DataError, type DataErrorCode } from './root-errors.js';
import type { WorkerJob, WorkerReply } from './root-worker.js';
import type { FileJob, FileReply } from './root-file-worker.js';
import type { Column, Dtype, Table } from './table.js';

interface PoolWorker { readonly w: Worker; busy: boolean }
const pool: PoolWorker[] = [];
let nextId = 1;

function getWorkers(n: number): PoolWorker[] {
  while (pool.length < n) {
    const w = new Worker(workerUrl(import.meta.url, './root-worker.js'));
    w.unref();
    pool.push({ w, busy: false });
  }
  return pool.slice(0, n);
}

/** Terminates the pool's workers (tests and benchmarks; normal use just lets them idle). */
export async function closeRootPool(): Promise<void> {
  const ws = pool.splice(0);
  await Promise.all(ws.map((p) => p.w.terminate()));
  await closeRootFilePool();
}

type Job = { seek: number; nbytes: number; where: string } | null;

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
  const placeholder: Basket = { u: new Uint8Array(0), keylen: 0, last: 0, nevbuf: 0 };
  const out: Basket[][] = jobs.map((list) => list.map(() => placeholder));
  const workers = getWorkers(threads);
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    let running = 0;
    let failed = false;
    const launch = (pw: PoolWorker): void => {
      if (failed) return;
      if (next >= chunks.length) { if (running === 0) resolve(); return; }
      const chunk = chunks[next++]!;
      const id = nextId++;
      running++;
      pw.busy = true;
      pw.w.ref();
      const onMessage = (r: WorkerReply): void => {
        if (r.id !== id) return;
        pw.w.off('message', onMessage);
        pw.w.off('error', onError);
        pw.w.unref();
        pw.busy = false;
        running--;
        if (!r.ok) {
          failed = true;
          const bad = chunk[r.index]!;
          reject(new DataError(r.truncated ? 'truncated' : 'corrupt', `${file}: ${bad.job.where}: ${r.message}`, file));
          return;
        }
        r.baskets.forEach((bk, i) => { const c = chunk[i]!; out[c.b]![c.k] = bk; });
        launch(pw);
      };
      const onError = (e: Error): void => { failed = true; reject(e); };
      pw.w.on('message', onMessage);
      pw.w.on('error', onError);
      pw.w.postMessage({ id, file, jobs: chunk.map((c) => ({ seek: c.job.seek, nbytes: c.job.nbytes })) } satisfies WorkerJob);
    };
    if (chunks.length === 0) { resolve(); return; }
    for (const pw of workers) launch(pw);
  });
  return out;
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
      if (fw.pending.size === 0) w.unref();
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
    w.on('error', (e: Error) => {
      // A crashed worker fails its jobs and leaves the pool (a new one starts on next use).
      const i = filePool.indexOf(fw);
      if (i >= 0) filePool.splice(i, 1);
      for (const job of fw.pending.values()) job.reject(e);
      fw.pending.clear();
    });
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

/** Terminates the whole-file workers too. */
export async function closeRootFilePool(): Promise<void> {
  const ws = filePool.splice(0);
  await Promise.all(ws.map((fw) => fw.w.terminate()));
}
