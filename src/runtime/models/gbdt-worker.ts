/**
 * Worker thread of the histogram GBDT: runs gbdt-kernels on shared memory when gbdt.ts asks.
 *
 * May import: node:worker_threads, gbdt-kernels.
 *
 * Protocol (one message in, one reply `{ id }` out, or `{ id, error }`):
 * - `init`: shared buffers of the fit (bins, grad, rows, margin, y, w) and the feature count F.
 * - `hist`: for each task, zero + build the smaller child's histogram and, when asked, subtract it
 *   from the parent's to get the larger sibling, all for features [f0, f1) only.
 * - `grad`: logistic gradients for rows [r0, r1).
 * - `bin`: bin the given columns (each with its cuts) into the row-major bin matrix.
 * Work is split by feature (hist, bin) or by row (grad) so that every number is computed by the
 * same sequence of floating-point operations whichever thread runs it.
 */
import { parentPort } from 'node:worker_threads';
import { binColumn, gradLogistic, runHistTasks, type HistTask } from './gbdt-kernels.js';

export type WorkerRequest =
  | { op: 'init'; id: number; F: number; bins: SharedArrayBuffer; grad: SharedArrayBuffer; rows: SharedArrayBuffer; margin: SharedArrayBuffer; y: SharedArrayBuffer; w: SharedArrayBuffer }
  | { op: 'hist'; id: number; hist: SharedArrayBuffer; parentHist: SharedArrayBuffer | null; tasks: HistTask[]; f0: number; f1: number }
  | { op: 'grad'; id: number; r0: number; r1: number }
  | { op: 'bin'; id: number; columns: { f: number; values: SharedArrayBuffer; cuts: Float64Array }[] };

let F = 0;
let bins: Uint8Array = new Uint8Array(0);
let grad: Float64Array = new Float64Array(0);
let rows: Int32Array = new Int32Array(0);
let margin: Float64Array = new Float64Array(0);
let y: Float64Array = new Float64Array(0);
let w: Float64Array = new Float64Array(0);

parentPort?.on('message', (msg: WorkerRequest) => {
  try {
    switch (msg.op) {
      case 'init':
        F = msg.F;
        bins = new Uint8Array(msg.bins);
        grad = new Float64Array(msg.grad);
        rows = new Int32Array(msg.rows);
        margin = new Float64Array(msg.margin);
        y = new Float64Array(msg.y);
        w = new Float64Array(msg.w);
        break;
      case 'hist':
        runHistTasks(bins, F, grad, rows, new Float64Array(msg.hist), msg.parentHist ? new Float64Array(msg.parentHist) : null, msg.tasks, msg.f0, msg.f1);
        break;
      case 'grad':
        gradLogistic(margin, y, w, grad, msg.r0, msg.r1);
        break;
      case 'bin':
        for (const c of msg.columns) binColumn(new Float64Array(c.values), c.cuts, bins, F, c.f);
        break;
    }
    parentPort!.postMessage({ id: msg.id });
  } catch (e: unknown) {
    parentPort!.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
});
