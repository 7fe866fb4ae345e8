/**
 * Worker-thread entry that reads runs of whole files of a chain: opens the first file it sees with
 * jsroot and the later ones through root.ts's direct-header shortcut when they match it
 * (readRootChainFiles), runs the fast path on the worker's thread, and returns one table per run with
 * its buffers transferred.
 *
 * May import: node:worker_threads, root, root-errors, table (types).
 */
import { parentPort } from 'node:worker_threads';
import { readRootChainFiles } from './root.js';
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

function ownsBuffer(a: ArrayBufferView): boolean {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer;
}

parentPort?.on('message', (job: FileJob) => {
  void (async () => {
    try {
      const t = await readRootChainFiles(job.files, job.tree, job.columns, { threads: 0, directHeaders: job.directHeaders ?? true });
      const cols: { name: string; kind: string; dtype: string; values: unknown; offsets?: Int32Array }[] = [];
      const transfer: ArrayBuffer[] = [];
      for (const [name, c] of t.columns) {
        if (c.kind === 'str') { cols.push({ name, kind: c.kind, dtype: c.dtype, values: c.values }); continue; }
        // A view into a larger buffer (the reader trims its arrays with subarray) would be cloned whole:
        // copy just the view and transfer that.
        const values = ownsBuffer(c.values) ? c.values : c.values.slice();
        transfer.push(values.buffer as ArrayBuffer);
        if (c.kind === 'jagged') {
          const offsets = ownsBuffer(c.offsets) ? c.offsets : c.offsets.slice();
          transfer.push(offsets.buffer as ArrayBuffer);
          cols.push({ name, kind: c.kind, dtype: c.dtype, values, offsets });
        } else cols.push({ name, kind: c.kind, dtype: c.dtype, values });
      }
      parentPort!.postMessage({ id: job.id, ok: true, rows: t.rows, columns: cols } satisfies FileReply, [...new Set(transfer)]);
    } catch (e: unknown) {
      const d = e instanceof DataError;
      parentPort!.postMessage({ id: job.id, ok: false, data: d, code: d ? e.code : 'bad-input',
        message: e instanceof Error ? (d ? e.message : e.stack ?? e.message) : String(e), file: d ? e.file : job.files[0] } satisfies FileReply);
    }
  })();
});
