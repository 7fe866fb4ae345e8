import { describe, expect, it } from 'vitest';
import { adamJs, Arena, colsumJs, gemmJs } from '../../../src/runtime/models/nn/kernels.js';
import { wasmSimdAvailable } from '../../../src/runtime/models/nn/wasm-gemm.js';
import { Rng } from '../../../src/runtime/util/rng.js';

describe('gemm kernels', () => {
  it('wasm SIMD is available on this Node', () => {
    expect(wasmSimdAvailable()).toBe(true);
  });

  it('wasm and JS kernels give identical bits for all stride patterns', () => {
    const rng = new Rng(1);
    const arena = new Arena(200_000, 'wasm');
    expect(arena.kernels.kind).toBe('wasm');
    const M = 12, N = 24, P = 37;
    // L as M x P row-major (forward), and as P x M (transposed read)
    const L = arena.alloc(M * P), R = arena.alloc(P * N), C1 = arena.alloc(M * N);
    const bias = arena.alloc(N), mask = arena.alloc(M * N);
    for (let i = 0; i < N; i++) bias[i] = rng.normal();
    for (let i = 0; i < M * N; i++) mask[i] = rng.next() < 0.5 ? 0 : rng.next();
    for (let i = 0; i < L.length; i++) L[i] = rng.normal();
    for (let i = 0; i < R.length; i++) R[i] = rng.normal();
    for (const [sm, sp] of [[P, 1], [1, M]] as const) {
      for (const acc of [false, true]) {
        for (let i = 0; i < C1.length; i++) C1[i] = rng.normal();
        const C2 = Float32Array.from(C1);
        arena.kernels.gemm(M, N, P, L, sm, sp, R, N, C1, N, acc);
        gemmJs(M, N, P, L, sm, sp, R, N, C2, N, acc);
        expect(Array.from(C1)).toEqual(Array.from(C2));
        // and close to a float64 reference
        for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
          let s = 0;
          for (let p = 0; p < P; p++) s += L[m * sm + p * sp]! * R[p * N + n]!;
          if (!acc) expect(Math.abs(C1[m * N + n]! - s)).toBeLessThan(1e-4);
        }
        // with every epilogue
        for (const epi of [{ bias }, { bias, relu: true }, { relu: true }, { mask }, { bias, mask }]) {
          for (let i = 0; i < C1.length; i++) C1[i] = rng.normal();
          const C3 = Float32Array.from(C1);
          arena.kernels.gemm(M, N, P, L, sm, sp, R, N, C1, N, acc, epi);
          gemmJs(M, N, P, L, sm, sp, R, N, C3, N, acc, epi);
          expect(Array.from(C1)).toEqual(Array.from(C3));
          if ('relu' in epi) expect(C1.every((v) => v >= 0)).toBe(true);
          if ('mask' in epi) expect(C1.every((v, i) => mask[i]! > 0 || v === 0)).toBe(true);
        }
      }
    }
  });

  it('column sums: wasm equals JS, and both equal the float64 sums to float32 accuracy', () => {
    const rng = new Rng(2);
    const arena = new Arena(10_000, 'wasm');
    const B = 37, N = 12, ld = 16;
    const X = arena.alloc(B * ld), o1 = arena.alloc(N);
    for (let i = 0; i < X.length; i++) X[i] = rng.normal();
    const o2 = new Float32Array(N);
    arena.kernels.colsum(B, N, X, ld, o1);
    colsumJs(B, N, X, ld, o2);
    expect(Array.from(o1)).toEqual(Array.from(o2));
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let i = 0; i < B; i++) s += X[i * ld + n]!;
      expect(Math.abs(o1[n]! - s)).toBeLessThan(1e-4);
    }
  });

  it('Adam step: wasm equals the float32 JS reference and follows torch.optim.Adam to float32 accuracy', () => {
    const rng = new Rng(3);
    const arena = new Arena(10_000, 'wasm');
    const n = 40;
    const P = arena.alloc(n), G = arena.alloc(n), M = arena.alloc(n), V = arena.alloc(n);
    for (let i = 0; i < n; i++) { P[i] = rng.normal(); M[i] = 0.1 * rng.normal(); V[i] = 0.01 * rng.next(); }
    const [P2, M2, V2] = [Float32Array.from(P), Float32Array.from(M), Float32Array.from(V)];
    const [P0, M0, V0] = [Float64Array.from(P), Float64Array.from(M), Float64Array.from(V)];
    for (let t = 1; t <= 3; t++) {
      for (let i = 0; i < n; i++) G[i] = rng.normal();
      const h = { b1: 0.9, b2: 0.999, eps: 1e-8, stepSize: 1e-3 / (1 - 0.9 ** t), invSbc2: 1 / Math.sqrt(1 - 0.999 ** t) };
      arena.kernels.adam(P, G, M, V, h);
      adamJs(P2, G, M2, V2, h);
      expect(Array.from(P)).toEqual(Array.from(P2));
      expect(Array.from(M)).toEqual(Array.from(M2));
      expect(Array.from(V)).toEqual(Array.from(V2));
      for (let i = 0; i < n; i++) {
        const g = G[i]!;
        M0[i] = 0.9 * M0[i]! + 0.1 * g;
        V0[i] = 0.999 * V0[i]! + 0.001 * g * g;
        P0[i] = P0[i]! - h.stepSize * M0[i]! / (Math.sqrt(V0[i]!) * h.invSbc2 + 1e-8);
        expect(Math.abs(P[i]! - P0[i]!)).toBeLessThan(1e-5);
      }
    }
  });
});
