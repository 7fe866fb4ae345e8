/**
 * A small pool of basket-decompression workers (root-worker.ts), shared by every read in the process.
 *
 * May import: node:worker_threads, exec/worker-url, root-basket (types), root-errors.
 * Workers are started on first use and `unref`ed, so an idle pool never keeps the process alive.
 * Jobs are cut into chunks of similar compressed size and handed out as workers free up; results are
 * put back in input order, so the output does not depend on scheduling.
 */
import { Worker } from 'node:worker_threads';
import { workerUrl } from '../exec/worker-url.js';
import type { Basket } from './root-basket.js';
import { DataError } from './root-errors.js';
import type { WorkerJob, WorkerReply } from './root-worker.js';

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
