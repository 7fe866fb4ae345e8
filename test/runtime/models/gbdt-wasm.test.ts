import { describe, expect, it } from 'vitest';
import { FEAT_STRIDE, partitionRows, runHistTasks, type HistTask } from '../../../src/runtime/models/gbdt-kernels.js';
import { instantiateHist, newHistMemory, runHistTasksWasm, wasmHistAvailable } from '../../../src/runtime/models/gbdt-wasm.js';
import { Rng } from '../../../src/runtime/util/rng.js';

describe('gbdt wasm histogram kernel', () => {
  it('is available on this Node', () => {
    expect(wasmHistAvailable()).toBe(true);
  });

  it('sums a hand-made case exactly', () => {
    // 3 rows, S = 4 features; rows 0 and 2 are in the node.
    const S = 4, n = 3;
    const mem = newHistMemory(1 << 20);
    const L = { bins: 0, grad: 16, rows: 16 + 16 * n };
    const histOff = 4096;
    new Uint8Array(mem.buffer, 0, n * S).set([1, 2, 3, 255, 9, 9, 9, 9, 1, 0, 3, 255]);
    new Float64Array(mem.buffer, L.grad, 2 * n).set([0.5, 0.25, 100, 100, -1.5, 2]);
    new Int32Array(mem.buffer, L.rows, 2).set([0, 2]);
    runHistTasksWasm(instantiateHist(mem), L, S, histOff, null, [{ start: 0, end: 2, off: 0 }], 0, S);
    const h = new Float64Array(mem.buffer, histOff, S * FEAT_STRIDE);
    const at = (f: number, b: number): [number, number] => [h[f * FEAT_STRIDE + 2 * b]!, h[f * FEAT_STRIDE + 2 * b + 1]!];
    expect(at(0, 1)).toEqual([-1, 2.25]);
    expect(at(1, 2)).toEqual([0.5, 0.25]);
    expect(at(1, 0)).toEqual([-1.5, 2]);
    expect(at(2, 3)).toEqual([-1, 2.25]);
    expect(at(3, 255)).toEqual([-1, 2.25]);
    let total = 0;
    for (const x of h) total += Math.abs(x);
    expect(total).toBe(3 * 3.25 + 0.75 + 3.5); // only the cells above are non-zero
  });

  it('gives the same bits as the JS kernel, with subtraction and partial feature ranges', () => {
    const n = 5000, S = 12, rng = new Rng(5);
    const L = { bins: 0, grad: n * S, rows: n * S + 16 * n };
    const HS = S * FEAT_STRIDE;
    const parentOff = Math.ceil((L.rows + 4 * n) / 16) * 16, histOff = parentOff + 8 * HS;
    const mem = newHistMemory(histOff + 8 * 3 * HS);
    const bins = new Uint8Array(mem.buffer, 0, n * S);
    for (let i = 0; i < n * S; i++) bins[i] = rng.next() < 0.1 ? 255 : Math.floor(rng.next() * 40);
    const grad = new Float64Array(mem.buffer, L.grad, 2 * n);
    for (let i = 0; i < 2 * n; i++) grad[i] = rng.normal() * (i % 2 ? 0.1 : 1) + (i % 2 ? 0.3 : 0);
    const rows = new Int32Array(mem.buffer, L.rows, n);
    let m = 0;
    for (let r = 0; r < n; r++) if (rng.next() < 0.6) rows[m++] = r;
    const parentW = new Float64Array(mem.buffer, parentOff, HS);
    for (let i = 0; i < HS; i++) parentW[i] = rng.normal();
    const tasks: HistTask[] = [{ start: 0, end: 1234, off: 0, parentOff: 0, dstOff: HS }, { start: 1234, end: m, off: 2 * HS }];
    const k = instantiateHist(mem);
    const b32 = new Uint32Array(mem.buffer, 0, (n * S) >> 2), b16 = new Uint16Array(mem.buffer, 0, (n * S) >> 1);
    for (const [f0, f1] of [[0, 12], [2, 10], [4, 6]] as const) {
      const histW = new Float64Array(mem.buffer, histOff, 3 * HS).fill(7); // stale values must be zeroed in [f0, f1)
      const histJ = new Float64Array(3 * HS).fill(7);
      runHistTasksWasm(k, L, S, histOff, parentOff, tasks, f0, f1);
      runHistTasks(b32, b16, S, grad, rows, histJ, parentW.slice(), tasks, f0, f1);
      expect(Array.from(histW)).toEqual(Array.from(histJ));
      expect(histW.some((x) => x !== 7 && x !== 0)).toBe(true);
    }
    // An empty feature range touches nothing.
    const histW = new Float64Array(mem.buffer, histOff, 3 * HS).fill(7);
    runHistTasksWasm(k, L, S, histOff, parentOff, tasks, 6, 6);
    expect(histW.every((x) => x === 7)).toBe(true);
  });

  it('partitions rows like partitionRows (stable, missing values to the default side)', () => {
    const n = 3000, rng = new Rng(8);
    const rowsOff = 4096, tmpOff = rowsOff + 4 * n;
    const mem = newHistMemory(tmpOff + 4 * n);
    const k = instantiateHist(mem);
    const col = new Uint8Array(mem.buffer, 0, n);
    for (let r = 0; r < n; r++) col[r] = rng.next() < 0.1 ? 255 : Math.floor(rng.next() * 30);
    const rowsW = new Int32Array(mem.buffer, rowsOff, n);
    for (const [start, end, bin, defaultLeft] of [[0, n, 10, true], [100, 2500, 3, false], [7, 7, 5, true], [0, n, 29, false]] as const) {
      for (let i = 0; i < n; i++) rowsW[i] = n - 1 - i;
      const rowsJ = rowsW.slice();
      const mid = k.part(0, rowsOff, start, end, bin, defaultLeft ? 1 : 0, tmpOff);
      const midJ = partitionRows(col, n, rowsJ, start, end, 0, bin, defaultLeft, new Int32Array(n));
      expect(mid).toBe(midJ);
      expect(Array.from(rowsW)).toEqual(Array.from(rowsJ));
      for (let i = start; i < end; i++) {
        const b = col[rowsW[i]!]!;
        expect(i < mid).toBe(b === 255 ? defaultLeft : b <= bin);
      }
      if (end > start && bin < 29) expect(mid > start && mid < end).toBe(true);
    }
  });
});
