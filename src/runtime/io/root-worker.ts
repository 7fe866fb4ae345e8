/**
 * Worker-thread entry for the ROOT fast path: reads baskets with positioned reads and decompresses
 * them, returning the uncompressed objects as transferred buffers (no copy back).
 *
 * May import: node:worker_threads, node:fs, root-basket.
 * Decoding stays on the main thread: it is a few native byte swaps per basket, while decompression
 * is where the time goes (see bench/RESULTS-root.md).
 */
import { parentPort } from 'node:worker_threads';
import fs from 'node:fs';
import { BasketError, unpackBasketLoading } from './root-basket.js';

export interface WorkerJob {
  readonly id: number;
  readonly file: string;
  readonly jobs: readonly { readonly seek: number; readonly nbytes: number }[];
}
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly baskets: { u: Uint8Array; keylen: number; last: number; nevbuf: number }[] }
  | { readonly id: number; readonly ok: false; readonly index: number; readonly message: string; readonly truncated: boolean };

parentPort?.on('message', (msg: WorkerJob) => {
  void (async () => {
    const fd = fs.openSync(msg.file, 'r');
    const out: { u: Uint8Array; keylen: number; last: number; nevbuf: number }[] = [];
    try {
      const size = fs.fstatSync(fd).size;
      for (let i = 0; i < msg.jobs.length; i++) {
        const j = msg.jobs[i]!;
        if (j.seek + j.nbytes > size) {
          parentPort!.postMessage({ id: msg.id, ok: false, index: i, truncated: true,
            message: `basket at byte ${j.seek} (${j.nbytes} bytes) lies past the end of the file (${size} bytes)` } satisfies WorkerReply);
          return;
        }
        const raw = Buffer.allocUnsafe(j.nbytes);
        fs.readSync(fd, raw, 0, j.nbytes, j.seek);
        try {
          // The codec's decoder is loaded at its first basket, not at start-up (zstd's WebAssembly takes a while to compile).
          const b = await unpackBasketLoading(raw);
          out.push({ u: b.u, keylen: b.keylen, last: b.last, nevbuf: b.nevbuf });
        } catch (e: unknown) {
          parentPort!.postMessage({ id: msg.id, ok: false, index: i, truncated: false,
            message: e instanceof BasketError ? e.message : String(e) } satisfies WorkerReply);
          return;
        }
      }
    } finally {
      fs.closeSync(fd);
    }
    parentPort!.postMessage({ id: msg.id, ok: true, baskets: out } satisfies WorkerReply,
      out.map((b) => b.u.buffer as ArrayBuffer));
  })();
});
