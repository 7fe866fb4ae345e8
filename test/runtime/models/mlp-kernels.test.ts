import { describe, expect, it } from 'vitest';
import { Arena, gemmJs } from '../../../src/runtime/models/nn/kernels.js';
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
      }
    }
  });
});
