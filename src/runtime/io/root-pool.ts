/**
 * Two small worker pools shared by every read in the process: basket-decompression workers
 * (root-worker.ts) for big single files, and whole-file workers (root-file-worker.ts) for chains,
 * where jsroot's per-file header parsing is the cost to spread.
 *
 * May import: node:worker_threads, exec/worker-url, root-basket (types), root-errors, table (types).
 * Workers are started on first use and `unref`ed, so an idle pool never keeps the process alive.
 * Jobs are cut into chunks of similar compressed size and handed out as workers free up; results are
 * put back in input order, so the output does not depend on scheduling.
 */
import { Worker } from 'node:worker_threads';
import { workerUrl } from '../exec/worker-url.js';
import type { Basket } from './root-basket.js';
import { DataError, type DataErrorCode } from './root-errors.js';
import type { WorkerJob, WorkerReply } from './root-worker.js';
import type { FileJob, FileReply } from './root-file-worker.js';
import type { Column, Dtype } from './table.js';

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

const filePool: Worker[] = [];

function getFileWorkers(n: number): Worker[] {
  while (filePool.length < n) {
    const w = new Worker(workerUrl(import.meta.url, './root-file-worker.js'));
    w.unref();
    filePool.push(w);
  }
  return filePool.slice(0, n);
}

/** Terminates the whole-file workers too. */
export async function closeRootFilePool(): Promise<void> {
  const ws = filePool.splice(0);
  await Promise.all(ws.map((w) => w.terminate()));
}

/**
 * Reads `files` (each with `tree` and `columns`) on `threads` workers, in runs of consecutive files
 * (about four runs per worker, so the workers stay busy while results travel and few parts come back).
 * `onRun(last, rows, columns)` is called in file order as soon as a run and all runs before it are
 * done (`last`: index of the run's last file). The first error (in file order) rejects.
 */
export async function readFilesInWorkers(
  files: readonly string[], tree: string | undefined, columns: readonly string[], threads: number,
  onRun: (last: number, rows: number, columns: Map<string, Column>) => void,
  directHeaders = true,
): Promise<void> {
  const nRuns = Math.min(files.length, threads * 4);
  const runs: { from: number; to: number }[] = [];
  for (let r = 0; r < nRuns; r++) {
    const from = Math.floor((r * files.length) / nRuns), to = Math.floor(((r + 1) * files.length) / nRuns);
    if (to > from) runs.push({ from, to });
  }
  const workers = getFileWorkers(Math.min(threads, runs.length));
  const done = new Map<number, { rows: number; cols: Map<string, Column> } | Error>();
  let emitted = 0, next = 0;
  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const flush = (): void => {
      while (done.has(emitted)) {
        const r = done.get(emitted)!;
        done.delete(emitted);
        if (r instanceof Error) { failed = true; reject(r); return; }
        try { onRun(runs[emitted]!.to - 1, r.rows, r.cols); } catch (e: unknown) { failed = true; reject(e); return; }
        emitted++;
      }
      if (emitted === runs.length) resolve();
    };
    const launch = (w: Worker): void => {
      if (failed || next >= runs.length) { w.unref(); return; }
      const index = next++;
      const id = nextId++;
      w.ref();
      const onMessage = (r: FileReply): void => {
        if (r.id !== id) return;
        w.off('message', onMessage);
        w.off('error', onError);
        if (r.ok) {
          const cols = new Map<string, Column>();
          for (const c of r.columns) {
            cols.set(c.name, c.kind === 'jagged'
              ? { kind: 'jagged', dtype: c.dtype as Dtype, offsets: c.offsets!, values: c.values as Float64Array }
              : c.kind === 'num' ? { kind: 'num', dtype: c.dtype as Dtype, values: c.values as Float64Array }
                : { kind: 'str', dtype: 'string', values: c.values as string[] });
          }
          done.set(index, { rows: r.rows, cols });
        } else {
          done.set(index, r.data ? new DataError(r.code as DataErrorCode, r.message, r.file) : new Error(r.message));
        }
        flush();
        launch(w);
      };
      const onError = (e: Error): void => { failed = true; reject(e); };
      w.on('message', onMessage);
      w.on('error', onError);
      const run = runs[index]!;
      w.postMessage({ id, files: files.slice(run.from, run.to), tree, columns, directHeaders } satisfies FileJob);
    };
    if (runs.length === 0) { resolve(); return; }
    for (const w of workers) launch(w);
  });
}
