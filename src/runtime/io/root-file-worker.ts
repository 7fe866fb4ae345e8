/**
 * Worker-thread entry that reads runs of whole files of a chain: opens the first file it sees with
 * jsroot and the later ones through root.ts's direct-header shortcut when they match it
 * (readRootChainFiles), runs the fast path on the worker's thread, and returns one table per run with
 * its buffers transferred.
 *
 * The buffers of the parts it sends come back once the calling thread has copied them (`recycle`),
 * and later runs decode into them: fresh memory is paged in by the kernel on first touch, which on
 * two cores slowed both threads.
 *
 * May import: node:worker_threads, root, root-errors, table (types).
 */
import { parentPort } from 'node:worker_threads';
import { readRootChainFiles, useOutArrays } from './root.js';
import { DataError } from './root-errors.js';

export interface FileJob {
  readonly id: number;
  /** Consecutive files of the chain. */
  readonly files: readonly string[];
  readonly tree: string | undefined;
  readonly columns: readonly string[];
  /** false: every file's headers by jsroot (RootReadOptions.directHeaders). */
  readonly directHeaders?: boolean;
}

export type FileReply =
  | { readonly id: number; readonly ok: true; readonly rows: number; readonly columns: readonly { name: string; kind: string; dtype: string; values: unknown; offsets?: Int32Array }[] }
  | { readonly id: number; readonly ok: false; readonly data: boolean; readonly code: string; readonly message: string; readonly file: string | undefined };

/** A returned buffer for reuse: the caller has copied the part it held. */
export interface Recycle { readonly recycle: readonly ArrayBuffer[] }

/** Returned buffers, at most SPARE_MAX (the oldest are dropped). */
const spare: ArrayBuffer[] = [];
const SPARE_MAX = 64;

/** The smallest spare buffer of at least `bytes` (and at most 4× that, so big ones are not wasted), taken out of `spare`. */
function take(bytes: number): ArrayBuffer | undefined {
  let best = -1;
  for (let i = 0; i < spare.length; i++) {
    const n = spare[i]!.byteLength;
    if (n >= bytes && n <= 4 * bytes + 65536 && (best < 0 || n < spare[best]!.byteLength)) best = i;
  }
  return best < 0 ? undefined : spare.splice(best, 1)[0];
}

useOutArrays({
  f64: (n) => { const b = take(n * 8); return b ? new Float64Array(b, 0, n) : new Float64Array(n); },
  i32: (n) => { const b = take(n * 4); return b ? new Int32Array(b, 0, n) : new Int32Array(n); },
});

/** Jobs run one after another (the pool keeps two in flight per worker so the next one is ready). */
let queue: Promise<void> = Promise.resolve();

parentPort?.on('message', (m: FileJob | Recycle) => {
  if ('recycle' in m) {
    spare.push(...m.recycle);
    if (spare.length > SPARE_MAX) spare.splice(0, spare.length - SPARE_MAX);
    return;
  }
  queue = queue.then(() => run(m));
});

async function run(job: FileJob): Promise<void> {
  try {
    const t = await readRootChainFiles(job.files, job.tree, job.columns, { threads: 0, directHeaders: job.directHeaders ?? true });
    const cols: { name: string; kind: string; dtype: string; values: unknown; offsets?: Int32Array }[] = [];
    const transfer = new Set<ArrayBuffer>();
    for (const [name, c] of t.columns) {
      if (c.kind === 'str') { cols.push({ name, kind: c.kind, dtype: c.dtype, values: c.values }); continue; }
      // The arrays are views of somewhat larger buffers (the reader trims by subarray): the views are
      // sent as they are and their whole buffers moved, not copied.
      transfer.add(c.values.buffer as ArrayBuffer);
      if (c.kind === 'jagged') {
        transfer.add(c.offsets.buffer as ArrayBuffer);
        cols.push({ name, kind: c.kind, dtype: c.dtype, values: c.values, offsets: c.offsets });
      } else cols.push({ name, kind: c.kind, dtype: c.dtype, values: c.values });
    }
    parentPort!.postMessage({ id: job.id, ok: true, rows: t.rows, columns: cols } satisfies FileReply, [...transfer]);
  } catch (e: unknown) {
    const d = e instanceof DataError;
    parentPort!.postMessage({ id: job.id, ok: false, data: d, code: d ? e.code : 'bad-input',
      message: e instanceof Error ? (d ? e.message : e.stack ?? e.message) : String(e), file: d ? e.file : job.files[0] } satisfies FileReply);
  }
}

// Modules loaded: the pool hands out jobs from now on (a worker still starting up gets none).
parentPort?.postMessage({ ready: true });
