/**
 * Worker-thread entry for the mlp's data-parallel training: runs forward, loss and backward of one
 * batch shard on a Net that lives in memory shared with the main thread.
 *
 * May import: node:worker_threads, ./net.
 *
 * Protocol (see shard-pool.ts): workerData = {cfg, memory, ctrl, shard, layout}; a worker whose
 * buffer layout differs from `layout` (a stale dist/ build) says so and exits without writing. ctrl is an Int32Array
 * over a SharedArrayBuffer: [0] command counter, [1] shard rows (-1 = exit), [2] batch size (the
 * loss denominator), [3] last finished command; the loss of the shard goes to the Float64 at byte
 * 16. The worker posts 'ready' once, then blocks in Atomics.wait between commands, so a batch costs
 * two atomic notifications instead of two messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Net, type NetConfig } from './net.js';
import type { WasmMemory } from './wasm-gemm.js';

const { cfg, memory, ctrl, shard, layout } = workerData as {
  cfg: NetConfig; memory: WasmMemory; ctrl: SharedArrayBuffer; shard: number; layout: string;
};
const net = new Net(cfg, 'wasm', memory);
if (net.layoutSignature() !== layout) {
  parentPort?.postMessage('layout-mismatch');
  process.exit(0);
}
const ctl = new Int32Array(ctrl, 0, 4);
const loss = new Float64Array(ctrl, 16, 1);
parentPort?.postMessage('ready');
let seen = 0;
for (;;) {
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  const rows = ctl[1]!, denom = ctl[2]!;
  if (rows < 0) break;
  net.forward(rows, true, undefined, shard);
  loss[0] = net.lossGrad(rows, net.ys[shard]!, net.ws[shard]!, denom, shard);
  net.backward(rows, shard);
  Atomics.store(ctl, 3, seen);
  Atomics.notify(ctl, 3);
}
