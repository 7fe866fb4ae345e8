/**
 * What a chain's reader and its read-ahead workers (root-ahead-worker.ts) share: the layout of the
 * control words and of a slot, and the message that starts a worker on a read. No side effects, so
 * both the reader (root.ts) and the worker import it.
 *
 * May import: nothing.
 */

/** Positions in the control words (Int32Array on a SharedArrayBuffer). */
export const AheadLayout = {
  /** The file the reader is decoding (it notifies on change). */
  pos: 0,
  /** Set by the reader when it has finished (or failed): workers stop. */
  stop: 1,
  /** Bumped (and notified) by the reader whenever it frees a slot. */
  freed: 2,
  /** How many files (from the first) have their baskets published in the job table (notified on change). */
  known: 3,
  /** First slot state (0 free, 1 in use); then the files' states, then the files' slots. */
  slots: 4,
} as const;

/** A file's state: nobody's, a worker's (inflating), inflated (in its slot), the reader's, failed (message in its slot), too big for a slot. */
export const FileState = { open: 0, worker: 1, inflated: 2, reader: 3, failed: 4, tooBig: 5 } as const;

export interface AheadStart {
  readonly ctl: Int32Array;
  /** The slots, `slotBytes` each. */
  readonly bytes: Uint8Array;
  readonly slotBytes: number;
  readonly nslots: number;
  /** Every file of the chain; a file's baskets are known once `known` is past it. */
  readonly files: readonly string[];
  /** File k's disk baskets are `seeks`/`nbytes` [jobs[2k], jobs[2k + 1]). */
  readonly jobs: Int32Array;
  readonly seeks: Float64Array;
  readonly nbytes: Int32Array;
  /** Workers take files at least this many after the reader's. */
  readonly lead: number;
}

/** In a slot: int32 count n (or −1: an error), then per basket offset, length, keylen, last, nevbuf; data 8-aligned after. */
export const slotHeaderBytes = (n: number): number => (4 + 20 * n + 7) & ~7;
