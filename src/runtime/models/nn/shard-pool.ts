/**
 * Worker threads that each run one batch shard of a Net whose memory is shared (data parallelism).
 *
 * May import: node:worker_threads, ../../exec/worker-url, ./net (types).
 *
 * The main thread runs shard 0 itself and hands shards 1.. to workers; `Net.update` then sums the
 * shard gradients in shard order. Which thread ran a shard never changes a bit of the result: the
 * shard split is fixed by the batch size alone. Waiting is a blocking Atomics.wait on the main
 * thread (a batch takes milliseconds; an event-loop round trip would cost more than the work it
 * waits for), with a timeout so a dead worker turns into an Error instead of a hang.
 */
import { Worker } from 'node:worker_threads';
import { workerUrl } from '../../exec/worker-url.js';
import type { NetConfig } from './net.js';
import type { WasmMemory } from './wasm-gemm.js';

const STALL_MS = 120_000;

interface Slot {
  readonly worker: Worker;
  readonly ctl: Int32Array;
  readonly loss: Float64Array;
  pending: number;
  failure?: Error;
}

export class ShardPool {
  private constructor(private readonly slots: Slot[]) {}

  /**
   * Starts workers for shards 1..count (count = shards - 1) and waits until each has built its view
   * of the net. Returns undefined (the caller runs every shard itself) when workers cannot start,
   * e.g. when the compiled worker script is missing or was built from other sources (`layout`).
   */
  static async start(cfg: NetConfig, memory: WasmMemory, layout: string, count: number): Promise<ShardPool | undefined> {
    let url: URL;
    try {
      url = workerUrl(import.meta.url, './mlp-worker.js');
    } catch {
      return undefined;
    }
    const slots: Slot[] = [];
    try {
      for (let k = 0; k < count; k++) {
        const ctrl = new SharedArrayBuffer(24);
        const worker = new Worker(url, { workerData: { cfg, memory, ctrl, shard: k + 1, layout } });
        const slot: Slot = { worker, ctl: new Int32Array(ctrl, 0, 4), loss: new Float64Array(ctrl, 16, 1), pending: 0 };
        slots.push(slot);
        await new Promise<void>((resolve, reject) => {
          worker.once('message', (m: unknown) => (m === 'ready' ? resolve() : reject(new Error(String(m)))));
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`mlp worker exited with code ${code}`)));
        });
        worker.removeAllListeners();
        worker.on('error', (e: Error) => { slot.failure = e; });
      }
    } catch {
      for (const s of slots) void s.worker.terminate();
      return undefined;
    }
    return new ShardPool(slots);
  }

  /** Starts shard k+1 on its worker: `rows` rows, loss denominator `denom`. */
  run(k: number, rows: number, denom: number): void {
    const s = this.slots[k]!;
    s.ctl[1] = rows;
    s.ctl[2] = denom;
    s.pending = Atomics.add(s.ctl, 0, 1) + 1;
    Atomics.notify(s.ctl, 0);
  }

  /** Blocks until shard k+1 is done; returns its summed weighted loss. */
  wait(k: number): number {
    const s = this.slots[k]!;
    const t0 = Date.now();
    for (;;) {
      const done = Atomics.load(s.ctl, 3);
      if (done === s.pending) return s.loss[0]!;
      if (s.failure) throw new Error(`mlp worker failed: ${s.failure.message}`);
      Atomics.wait(s.ctl, 3, done, 1000);
      if (Date.now() - t0 > STALL_MS) throw new Error('internal error: mlp worker stopped responding');
    }
  }

  async close(): Promise<void> {
    for (const s of this.slots) {
      s.ctl[1] = -1;
      Atomics.add(s.ctl, 0, 1);
      Atomics.notify(s.ctl, 0);
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
