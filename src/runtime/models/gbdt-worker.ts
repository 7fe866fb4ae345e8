/**
 * Worker thread of the histogram GBDT: runs gbdt-kernels on shared memory when gbdt.ts asks.
 *
 * May import: node:worker_threads, gbdt-kernels, gbdt-wasm.
 *
 * Protocol (one message in, one reply `{ id }` out, or `{ id, error }`):
 * - `init`: shared buffers of the fit (row- and column-major bins, grad, rows, margin, y, w), n and the row stride S;
 *   with the wasm kernel, also the shared wasm memory and the byte offsets of bins, grad and rows in it.
 * - `hist`: for each task, zero + build the smaller child's histogram and, when asked, subtract it
 *   from the parent's to get the larger sibling, all for features [f0, f1) only. With the wasm kernel
 *   `hist` and `parentHist` are byte offsets in the wasm memory, otherwise shared buffers.
 * - `grad`: logistic gradients for rows [r0, r1).
 * - `leaf`: adds each given leaf's value to the margins of its rows (leaves disjoint from other threads').
 * - `part`: stable partition of the given nodes' row ranges (disjoint from other threads'); replies with the split points.
 * - `bin`: compute the cut points of the given columns and bin them into both bin layouts; replies with the cuts.
 * Work is split by feature (hist, bin) or by row (grad) so that every number is computed by the
 * same sequence of floating-point operations whichever thread runs it.
 */
import { parentPort } from 'node:worker_threads';
import { instantiateHist, runHistTasksWasm, type HistKernel, type WasmLayout, type WasmMemoryLike } from './gbdt-wasm.js';
import { addLeafValue, binColumn, computeCuts, gradLogistic, padCuts, partitionRows, runHistTasks, type HistTask, type LeafTask, type PartTask } from './gbdt-kernels.js';

export type WorkerRequest =
  | { op: 'init'; id: number; n: number; S: number; rowBins: SharedArrayBuffer; colBins: SharedArrayBuffer; grad: SharedArrayBuffer; rows: SharedArrayBuffer; margin: SharedArrayBuffer; y: SharedArrayBuffer; w: SharedArrayBuffer; memory?: WasmMemoryLike; layout?: WasmLayout; tmp?: number }
  | { op: 'hist'; id: number; hist: SharedArrayBuffer | number; parentHist: SharedArrayBuffer | number | null; tasks: HistTask[]; f0: number; f1: number }
  | { op: 'grad'; id: number; r0: number; r1: number }
  | { op: 'part'; id: number; tasks: PartTask[] }
  | { op: 'leaf'; id: number; leaves: LeafTask[]; K: number; k: number }
  | { op: 'bin'; id: number; columns: { f: number; values: SharedArrayBuffer }[]; weighted: boolean; sample: Int32Array | null; maxValueBins: number };

let n = 0;
let S = 0;
let rowBins: Uint8Array = new Uint8Array(0);
let b16: Uint16Array = new Uint16Array(0);
let b32: Uint32Array = new Uint32Array(0);
let colBins: Uint8Array = new Uint8Array(0);
let tmp: Int32Array = new Int32Array(0);
let grad: Float64Array = new Float64Array(0);
let rows: Int32Array = new Int32Array(0);
let margin: Float64Array = new Float64Array(0);
let y: Float64Array = new Float64Array(0);
let w: Float64Array = new Float64Array(0);
let kernel: HistKernel | undefined;
let layout: WasmLayout = { bins: 0, grad: 0, rows: 0, cols: 0 };
let tmpOff = 0;

parentPort?.on('message', (msg: WorkerRequest) => {
  try {
    switch (msg.op) {
      case 'init':
        n = msg.n;
        S = msg.S;
        layout = msg.layout ?? { bins: 0, grad: 0, rows: 0, cols: 0 };
        tmpOff = msg.tmp ?? 0;
        kernel = msg.memory ? instantiateHist(msg.memory) : undefined;
        rowBins = new Uint8Array(msg.rowBins, layout.bins, n * S);
        b16 = new Uint16Array(msg.rowBins, layout.bins, (n * S) >> 1);
        b32 = new Uint32Array(msg.rowBins, layout.bins, (n * S) >> 2);
        colBins = new Uint8Array(msg.colBins, layout.cols); // F × n bytes from there (the worker does not need F)
        grad = new Float64Array(msg.grad, layout.grad, 2 * n);
        rows = new Int32Array(msg.rows, layout.rows, n);
        margin = new Float64Array(msg.margin);
        y = new Float64Array(msg.y);
        w = new Float64Array(msg.w);
        break;
      case 'hist':
        if (typeof msg.hist === 'number') {
          if (!kernel) throw new Error('internal error: gbdt worker has no wasm kernel');
          runHistTasksWasm(kernel, layout, S, msg.hist, typeof msg.parentHist === 'number' ? msg.parentHist : null, msg.tasks, msg.f0, msg.f1);
        } else {
          runHistTasks(b32, b16, S, grad, rows, new Float64Array(msg.hist), msg.parentHist instanceof SharedArrayBuffer ? new Float64Array(msg.parentHist) : null, msg.tasks, msg.f0, msg.f1);
        }
        break;
      case 'part': {
        const k = kernel;
        if (!k && tmp.length < n) tmp = new Int32Array(n);
        const result = k
          ? msg.tasks.map((t) => k.part(layout.cols + t.f * n, layout.rows, t.start, t.end, t.bin, t.defaultLeft ? 1 : 0, tmpOff))
          : msg.tasks.map((t) => partitionRows(colBins, n, rows, t.start, t.end, t.f, t.bin, t.defaultLeft, tmp));
        parentPort!.postMessage({ id: msg.id, result });
        return;
      }
      case 'leaf':
        for (const lf of msg.leaves) addLeafValue(rows, lf.start, lf.end, margin, msg.K, msg.k, lf.v);
        break;
      case 'grad':
        gradLogistic(margin, y, w, grad, msg.r0, msg.r1);
        break;
      case 'bin':
      {
        const result: Float64Array[] = [];
        for (const c of msg.columns) {
          const col = new Float64Array(c.values);
          const cuts = computeCuts(col, msg.weighted ? w : null, msg.sample, msg.maxValueBins);
          binColumn(col, padCuts(cuts), rowBins, S, colBins, n, c.f);
          result.push(cuts);
        }
        parentPort!.postMessage({ id: msg.id, result });
        return;
      }
    }
    parentPort!.postMessage({ id: msg.id });
  } catch (e: unknown) {
    parentPort!.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
  }
});
