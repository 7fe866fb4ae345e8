/**
 * Worker-thread entry that decompresses a chain's files ahead of the thread decoding them
 * (root.ts, readTrees with helpers): the baskets of each file it takes are read, inflated and copied
 * into a slot of memory shared with that thread, which decodes them from there into the columns.
 * Work is shared through atomics, not messages, so neither side waits for the other's event loop:
 *
 * - control words (Int32Array on a SharedArrayBuffer, root-ahead.ts `AheadLayout`): the file the
 *   reader is on, a stop flag, a counter bumped whenever a slot is freed, how many files' baskets the
 *   reader has published in the shared job table (it publishes each as it reads its header, so the
 *   workers start while it reads the others), the slots' states, each file's state and its slot;
 * - a file's state: 0 nobody's, 1 a worker inflating it, 2 inflated (in its slot), 3 the reader took
 *   it, 4 failed (message in its slot), 5 not for a worker (bigger than a slot; the reader reads it);
 * - a worker takes a free slot first, then the first file still nobody's at least `lead` files after
 *   the reader's, so the reader never waits on a file it could have read itself, and a full set of
 *   slots never holds the file the reader waits for.
 *
 * One read at a time per worker: `start` runs until the reader sets the stop flag, then replies `done`.
 *
 * May import: node:worker_threads, node:fs, root-basket, root-ahead.
 */
import { parentPort } from 'node:worker_threads';
import fs from 'node:fs';
import { BasketError, unpackBasketLoading, type Basket } from './root-basket.js';
import { AheadLayout, FileState, slotHeaderBytes, type AheadStart } from './root-ahead.js';

/** Writes an error for basket `index` into slot bytes `at`: −1, index, truncated, length, UTF-8 text. */
function writeError(bytes: Uint8Array, at: number, room: number, index: number, truncated: boolean, message: string): void {
  const text = Buffer.from(message.slice(0, Math.max(0, (room - 16) >> 2)), 'utf8');
  const head = new Int32Array(bytes.buffer, bytes.byteOffset + at, 4);
  head.set([-1, index, truncated ? 1 : 0, text.length]);
  bytes.set(text, at + 16);
}

/** Raw bytes of a file's baskets, reused from file to file. */
let scratch = Buffer.alloc(0);

/** A file not for this worker (its basket table alone is bigger than a slot). */
class Skip extends Error {}

async function run(m: AheadStart): Promise<void> {
  const { ctl, bytes, slotBytes, nslots, files, jobs, seeks, nbytes, lead } = m;
  const L = AheadLayout;
  const st0 = L.slots + nslots, slot0 = st0 + files.length;
  let cursor = 0;
  for (;;) {
    if (Atomics.load(ctl, L.stop) !== 0) return;
    // A free slot first, so that a claimed file always has somewhere to go.
    const freed = Atomics.load(ctl, L.freed);
    let s = -1;
    for (let i = 0; i < nslots && s < 0; i++) if (Atomics.compareExchange(ctl, L.slots + i, 0, 1) === 0) s = i;
    if (s < 0) { Atomics.wait(ctl, L.freed, freed, 20); continue; }
    const pos = Atomics.load(ctl, L.pos), known = Atomics.load(ctl, L.known);
    let k = Math.max(cursor, pos + lead);
    while (k < known && Atomics.load(ctl, st0 + k) !== FileState.open) k++;
    if (k >= known || Atomics.compareExchange(ctl, st0 + k, FileState.open, FileState.worker) !== FileState.open) {
      Atomics.store(ctl, L.slots + s, 0);
      // Nothing to take: wait for the reader to move on, or to publish more files.
      if (k >= known) Atomics.wait(ctl, known < files.length ? L.known : L.pos, known < files.length ? known : pos, 20);
      continue;
    }
    cursor = k + 1;
    const at = s * slotBytes;
    const first = jobs[2 * k]!, n = jobs[2 * k + 1]! - first;
    let state: number = slotHeaderBytes(n) > slotBytes ? FileState.tooBig : FileState.inflated;
    let fd = -1;
    try {
      if (state === FileState.tooBig) throw new Skip();
      fd = fs.openSync(files[k]!, 'r');
      const size = fs.fstatSync(fd).size;
      const head = slotHeaderBytes(n);
      let o = head;
      const meta = new Int32Array(bytes.buffer, bytes.byteOffset + at, 1 + 5 * n);
      // One read for all the file's wanted baskets when they lie close together (as a file's branches
      // usually do), else one per basket.
      let lo = Infinity, hi = 0, sum = 0;
      for (let i = 0; i < n; i++) { const a = seeks[first + i]!, b = a + nbytes[first + i]!; lo = Math.min(lo, a); hi = Math.max(hi, b); sum += b - a; }
      let span: Buffer | undefined;
      if (n > 1 && hi <= size && hi - lo <= Math.max(sum + 64 * 1024, 1.25 * sum) && hi - lo <= 16 * 1024 * 1024) {
        if (scratch.length < hi - lo) scratch = Buffer.allocUnsafe(Math.max(hi - lo, 2 * scratch.length));
        if (fs.readSync(fd, scratch, 0, hi - lo, lo) === hi - lo) span = scratch;
      }
      for (let i = 0; i < n; i++) {
        const seek = seeks[first + i]!, len = nbytes[first + i]!;
        if (seek + len > size) {
          writeError(bytes, at, slotBytes, i, true, `basket at byte ${seek} (${len} bytes) lies past the end of the file (${size} bytes)`);
          state = FileState.failed;
          break;
        }
        let raw: Buffer;
        if (span !== undefined) raw = span.subarray(seek - lo, seek - lo + len);
        else {
          raw = Buffer.allocUnsafe(len);
          fs.readSync(fd, raw, 0, len, seek);
        }
        let b: Basket;
        try {
          b = await unpackBasketLoading(raw);
        } catch (e: unknown) {
          writeError(bytes, at, slotBytes, i, false, e instanceof BasketError ? e.message : String(e));
          state = FileState.failed;
          break;
        }
        if (o + b.u.length > slotBytes) { state = FileState.tooBig; break; } // the reader reads this file
        bytes.set(b.u, at + o);
        meta.set([o, b.u.length, b.keylen, b.last, b.nevbuf], 1 + 5 * i);
        o = (o + b.u.length + 7) & ~7;
      }
      if (state === FileState.inflated) meta[0] = n;
    } catch (e: unknown) {
      if (!(e instanceof Skip)) {
        writeError(bytes, at, slotBytes, -1, false, e instanceof Error ? e.message : String(e));
        state = FileState.failed;
      }
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
    if (state === FileState.tooBig) Atomics.store(ctl, L.slots + s, 0); else Atomics.store(ctl, slot0 + k, s);
    Atomics.store(ctl, st0 + k, state);
    Atomics.notify(ctl, st0 + k);
  }
}

parentPort?.on('message', (m: AheadStart) => {
  void run(m).then(
    () => parentPort!.postMessage({ done: true }),
    (e: unknown) => parentPort!.postMessage({ done: true, error: e instanceof Error ? e.message : String(e) }),
  );
});
