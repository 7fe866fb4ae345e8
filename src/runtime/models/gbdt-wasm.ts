/**
 * WebAssembly SIMD histogram kernel of the GBDT (gbdt.ts, gbdt-worker.ts), assembled from bytes at
 * load time like nn/wasm-gemm.ts (winnow builds with tsc alone; no wat2wasm step, no binary file).
 *
 * May import: gbdt-kernels (types only).
 *
 * Why: the histogram accumulate loop is ~90 % of a fit. In JS each (row, feature) update is two
 * bounds-checked double loads, adds and stores; here it is one byte load, one 128-bit load, one
 * f64x2.add of the row's (g, h) pair and one 128-bit store. f64x2.add is an IEEE double add per
 * lane, so every bin receives exactly the same sequence of double additions as the JS kernel
 * (buildHist in gbdt-kernels.ts): models are bit-identical to the JS path and across thread counts.
 *
 * All data the kernel reads lives in one shared WebAssembly.Memory (byte offsets below):
 * row-major bins (stride S bytes), interleaved grad pairs (16 bytes per row), the row-index list
 * (int32) and the histogram slots (F × 256 × (G, H) doubles, 4096 bytes per feature).
 * Exports:
 *   hist(bins, S, grad, rows, start, end, hist, f0, f1): adds rows[start..end) to features
 *     [f0, f1) (f1 − f0 even) of the histogram at byte offset `hist` (zero it first).
 *   sub(parent, src, dst, nbytes): dst = parent − src, double-wise (nbytes % 16 == 0).
 *   zero(ptr, nbytes): stores zeros (nbytes % 16 == 0).
 *   part(col, rows, start, end, bin, missLeft, tmp): partitionRows of gbdt-kernels.ts on the
 *     column-major bins of one feature at byte offset `col` (n bytes); `tmp` is a per-thread
 *     scratch of ≥ 4 (end − start) bytes. Returns the first index of the right part.
 */

import type { HistTask } from './gbdt-kernels.js';

import { I32, V128, section, sleb, uleb, vec, wasmApi, type WasmMemoryLike } from '../util/wasm-emit.js';
export type { WasmMemoryLike };

/** Largest memory the kernel addresses (i32 byte offsets, unsigned): 65536 pages = 4 GiB. */
export const MAX_PAGES = 65536;
export const PAGE = 65536;



const str = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));

const op = {
  block: [0x02, 0x40], loop: [0x03, 0x40], end: [0x0b], ret: [0x0f],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  add: [0x6a], mul: [0x6c], shl: [0x74], ltU: [0x49], geU: [0x4f],
  load: (o: number) => [0x28, 0x02, ...uleb(o)],
  load8u: (o: number) => [0x2d, 0x00, ...uleb(o)],
  vload: (o: number) => [0xfd, 0x00, 0x04, ...uleb(o)],
  vstore: (o: number) => [0xfd, 0x0b, 0x04, ...uleb(o)],
  vzero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  f64x2add: [0xfd, ...uleb(0xf0)],
  f64x2sub: [0xfd, ...uleb(0xf1)],
};

function body(locals: number[][], code: number[]): number[] {
  const b = [...vec(locals), ...code, ...op.end];
  return [...uleb(b.length), ...b];
}

function histBody(): number[] {
  // params 0 bins, 1 S, 2 grad, 3 rows, 4 start, 5 end, 6 hist, 7 f0, 8 f1
  // locals 9 i, 10 ie, 11 p, 12 pe, 13 o, 14 a, 15 rowBase, 16 gh (v128)
  const [bins, S, grad, rows, start, end, hist, f0, f1, i, ie, p, pe, o, a, rb, gh] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
  const c: number[] = [];
  const e = (...xs: number[][]): void => { for (const x of xs) c.push(...x); };
  // if (f0 >= f1) return; if (start >= end) return
  e(op.get(f0), op.get(f1), op.geU, [0x04, 0x40], op.ret, op.end);
  e(op.get(start), op.get(end), op.geU, [0x04, 0x40], op.ret, op.end);
  e(op.get(rows), op.get(start), op.i32(2), op.shl, op.add, op.set(i));
  e(op.get(rows), op.get(end), op.i32(2), op.shl, op.add, op.set(ie));
  e(op.get(hist), op.get(f0), op.i32(12), op.shl, op.add, op.set(hist)); // hist += f0 * 4096
  e(op.loop);
  {
    // r = rows[i]; gh = grad[r]; rb = bins + r*S
    e(op.get(i), op.load(0), op.tee(a));
    e(op.i32(4), op.shl, op.get(grad), op.add, op.vload(0), op.set(gh));
    e(op.get(bins), op.get(a), op.get(S), op.mul, op.add, op.tee(rb), op.get(f0), op.add, op.set(p));
    e(op.get(rb), op.get(f1), op.add, op.set(pe));
    e(op.get(hist), op.set(o));
    const upd = (k: number): void => {
      e(op.get(o), op.get(p), op.load8u(k), op.i32(4), op.shl, op.add, op.tee(a));
      e(op.get(a), op.vload(k * 4096), op.get(gh), op.f64x2add, op.vstore(k * 4096));
    };
    // A leading pair when f1 − f0 ≡ 2 (mod 4), then quads (unrolled: fewer loop branches per update).
    e(op.get(pe), op.get(p), [0x6b], op.i32(2), [0x71], [0x04, 0x40]); // if ((pe - p) & 2)
    upd(0); upd(1);
    e(op.get(o), op.i32(8192), op.add, op.set(o));
    e(op.get(p), op.i32(2), op.add, op.set(p));
    e(op.end);
    e(op.get(p), op.get(pe), op.ltU, [0x04, 0x40]); // if (p < pe)
    e(op.loop);
    {
      upd(0); upd(1); upd(2); upd(3);
      e(op.get(o), op.i32(16384), op.add, op.set(o));
      e(op.get(p), op.i32(4), op.add, op.tee(p), op.get(pe), op.ltU, op.brIf(0));
    }
    e(op.end);
    e(op.end);
    e(op.get(i), op.i32(4), op.add, op.tee(i), op.get(ie), op.ltU, op.brIf(0));
  }
  e(op.end);
  return body([[7, I32], [1, V128]], c);
}

function subBody(): number[] {
  // params 0 parent, 1 src, 2 dst, 3 nbytes; local 4 k
  const c: number[] = [];
  const e = (...xs: number[][]): void => { for (const x of xs) c.push(...x); };
  e(op.get(3), op.i32(0), [0x46], [0x04, 0x40], op.ret, op.end); // nbytes == 0
  e(op.loop);
  e(op.get(2), op.get(4), op.add);
  e(op.get(0), op.get(4), op.add, op.vload(0), op.get(1), op.get(4), op.add, op.vload(0), op.f64x2sub, op.vstore(0));
  e(op.get(4), op.i32(16), op.add, op.tee(4), op.get(3), op.ltU, op.brIf(0));
  e(op.end);
  return body([[1, I32]], c);
}

function partBody(): number[] {
  // params 0 col (byte offset of the feature's column-major bins), 1 rows, 2 start, 3 end, 4 bin,
  // 5 missLeft, 6 tmp; locals 7 i, 8 ie, 9 l, 10 t, 11 r, 12 b, 13 left. Returns the split index.
  const [col, rows, start, end, bin, missLeft, tmp, i, ie, l, t, r, b, left] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  const c: number[] = [];
  const e = (...xs: number[][]): void => { for (const x of xs) c.push(...x); };
  e(op.get(rows), op.get(start), op.i32(2), op.shl, op.add, op.tee(i), op.set(l));
  e(op.get(rows), op.get(end), op.i32(2), op.shl, op.add, op.set(ie));
  e(op.get(tmp), op.set(t));
  e(op.get(i), op.get(ie), op.ltU, [0x04, 0x40]);
  e(op.loop);
  {
    e(op.get(i), op.load(0), op.set(r));
    e(op.get(col), op.get(r), op.add, op.load8u(0), op.set(b));
    // left = b == 255 ? missLeft : b <= bin   (select, no branch)
    e(op.get(missLeft), op.get(b), op.get(bin), [0x4d], op.get(b), op.i32(255), [0x46], [0x1b], op.set(left));
    e(op.get(l), op.get(r), [0x36, 0x02, 0x00]); // i32.store
    e(op.get(t), op.get(r), [0x36, 0x02, 0x00]);
    e(op.get(l), op.get(left), op.i32(2), op.shl, op.add, op.set(l));
    e(op.get(t), op.i32(1), op.get(left), [0x6b], op.i32(2), op.shl, op.add, op.set(t));
    e(op.get(i), op.i32(4), op.add, op.tee(i), op.get(ie), op.ltU, op.brIf(0));
  }
  e(op.end);
  e(op.end);
  // memory.copy(l, tmp, t − tmp)
  e(op.get(l), op.get(tmp), op.get(t), op.get(tmp), [0x6b], [0xfc, 0x0a, 0x00, 0x00]);
  e(op.get(l), op.get(rows), [0x6b], op.i32(2), [0x76]); // (l − rows) >>> 2
  return body([[7, I32]], c);
}

function zeroBody(): number[] {
  // params 0 ptr, 1 nbytes; local 2 k
  const c: number[] = [];
  const e = (...xs: number[][]): void => { for (const x of xs) c.push(...x); };
  e(op.get(1), op.i32(0), [0x46], [0x04, 0x40], op.ret, op.end);
  e(op.loop);
  e(op.get(0), op.get(2), op.add, op.vzero, op.vstore(0));
  e(op.get(2), op.i32(16), op.add, op.tee(2), op.get(1), op.ltU, op.brIf(0));
  e(op.end);
  return body([[1, I32]], c);
}

export function histModuleBytes(shared: boolean): Uint8Array {
  const types = [
    [0x60, ...vec(new Array(9).fill([I32])), ...vec([])],
    [0x60, ...vec(new Array(4).fill([I32])), ...vec([])],
    [0x60, ...vec(new Array(2).fill([I32])), ...vec([])],
    [0x60, ...vec(new Array(7).fill([I32])), ...vec([[I32]])],
  ];
  const memLimits = shared ? [0x03, ...uleb(1), ...uleb(MAX_PAGES)] : [0x00, ...uleb(1)];
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(types)),
    ...section(2, vec([[...str('env'), ...str('mem'), 0x02, ...memLimits]])),
    ...section(3, vec([uleb(0), uleb(1), uleb(2), uleb(3)])),
    ...section(7, vec([[...str('hist'), 0x00, 0x00], [...str('sub'), 0x00, 0x01], [...str('zero'), 0x00, 0x02], [...str('part'), 0x00, 0x03]])),
    ...section(10, vec([histBody(), subBody(), zeroBody(), partBody()])),
  ]);
}

export interface HistKernel {
  hist(bins: number, S: number, grad: number, rows: number, start: number, end: number, hist: number, f0: number, f1: number): void;
  sub(parent: number, src: number, dst: number, nbytes: number): void;
  zero(ptr: number, nbytes: number): void;
  part(col: number, rows: number, start: number, end: number, bin: number, missLeft: number, tmp: number): number;
}

let okCache: boolean | undefined;
/** True when this runtime has wasm SIMD and shared wasm memory (Node 20 has both). */
export function wasmHistAvailable(): boolean {
  if (okCache === undefined) {
    try {
      okCache = wasmApi !== undefined && wasmApi.validate(histModuleBytes(true)) && typeof SharedArrayBuffer === 'function';
    } catch {
      okCache = false;
    }
  }
  return okCache;
}

let modCache: object | undefined;
export function instantiateHist(memory: WasmMemoryLike): HistKernel {
  if (!wasmApi) throw new Error('internal error: WebAssembly is not available');
  modCache ??= new wasmApi.Module(histModuleBytes(true));
  const ex = new wasmApi.Instance(modCache, { env: { mem: memory } }).exports;
  return { hist: ex['hist'] as HistKernel['hist'], sub: ex['sub'] as HistKernel['sub'], zero: ex['zero'] as HistKernel['zero'], part: ex['part'] as HistKernel['part'] };
}

/** A shared memory of at least `bytes` bytes (maximum 4 GiB, so it can grow for histogram slots). */
export function newHistMemory(bytes: number): WasmMemoryLike {
  if (!wasmApi) throw new Error('internal error: WebAssembly is not available');
  return new wasmApi.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)), maximum: MAX_PAGES, shared: true });
}

/** Byte offsets of the kernel's inputs in the shared memory (see the header). */
export interface WasmLayout { bins: number; grad: number; rows: number; cols: number }

/**
 * runHistTasks (gbdt-kernels.ts) on the wasm kernel: `hist` and `parent` are byte offsets of the
 * histogram buffers in the memory, task offsets are in doubles as in HistTask.
 */
export function runHistTasksWasm(
  k: HistKernel, L: WasmLayout, S: number, hist: number, parent: number | null, tasks: readonly HistTask[], f0: number, f1: number,
): void {
  if (f1 <= f0) return;
  const lo = f0 * 4096, nb = (f1 - f0) * 4096;
  for (const t of tasks) {
    const h = hist + 8 * t.off;
    k.zero(h + lo, nb);
    k.hist(L.bins, S, L.grad, L.rows, t.start, t.end, h, f0, f1);
    if (parent !== null && t.parentOff !== undefined && t.dstOff !== undefined) {
      k.sub(parent + 8 * t.parentOff + lo, h + lo, hist + 8 * t.dstOff + lo, nb);
    }
  }
}
