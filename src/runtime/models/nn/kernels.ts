/**
 * Dense-layer kernels over Float32Array: one matrix multiply with free strides, in two
 * implementations that give the same bits (wasm SIMD, the default, and plain JS, the reference).
 *
 * May import: ./wasm-gemm.
 *
 * All buffers come from one `Arena`: a single WebAssembly.Memory (or a plain ArrayBuffer for the JS
 * kernel) sized up front, so views never detach and the wasm kernel can address every buffer by its
 * byte offset. Sizes are in float32 elements; every allocation is 16-byte aligned.
 *
 * Float32 determinism: the JS reference rounds every product and every partial sum to float32
 * (`Math.fround` on the product; the Float32Array store rounds the sum). A sum of two float32 values
 * computed in float64 and then rounded to float32 is the correctly rounded float32 sum (53 >= 2*24+2),
 * so the JS loop and the wasm f32x4 loop agree bit for bit as long as both add the p terms in
 * ascending order, which both do.
 */
import { instantiateGemm, wasmApi, wasmSimdAvailable, type GemmFn, type WasmMemory } from './wasm-gemm.js';

export type KernelKind = 'wasm' | 'js';

export interface Kernels {
  readonly kind: KernelKind;
  /**
   * C[m*ldc + n] = (acc ? C[m*ldc + n] : 0) + sum_{p<P} L[m*sm + p*sp] * R[p*ldr + n]
   * for m < M, n < N. Requires M % 4 == 0 and N % 8 == 0 (callers pad); strides in elements.
   */
  gemm(M: number, N: number, P: number, L: Float32Array, sm: number, sp: number,
    R: Float32Array, ldr: number, C: Float32Array, ldc: number, acc: boolean): void;
}

const PAGE = 65536;

/** One contiguous block of float32 memory that kernels can address. */
export class Arena {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  readonly memory: WasmMemory | undefined;
  readonly pages: number;
  private used = 0; // bytes
  readonly kernels: Kernels;

  /** `floats` is an upper bound on the total of all allocations (plus 4 per allocation for alignment). */
  constructor(floats: number, kind: KernelKind) {
    const bytes = Math.max(PAGE, Math.ceil((floats * 4 + 64) / PAGE) * PAGE);
    this.pages = bytes / PAGE;
    if (kind === 'wasm' && wasmApi && wasmSimdAvailable()) {
      this.memory = new wasmApi.Memory({ initial: this.pages, maximum: this.pages });
      this.buffer = this.memory.buffer;
      this.kernels = wasmKernels(instantiateGemm(this.memory, false, this.pages));
    } else {
      this.memory = undefined;
      this.buffer = new ArrayBuffer(bytes);
      this.kernels = jsKernels;
    }
  }

  alloc(n: number): Float32Array {
    const off = this.used;
    const size = Math.ceil(n / 4) * 16;
    if (off + size > this.buffer.byteLength) {
      throw new Error(`internal error: arena overflow (${off + size} > ${this.buffer.byteLength} bytes)`);
    }
    this.used += size;
    return new Float32Array(this.buffer, off, n);
  }
}

function wasmKernels(fn: GemmFn): Kernels {
  return {
    kind: 'wasm',
    gemm(M, N, P, L, sm, sp, R, ldr, C, ldc, acc) {
      checkShape(M, N);
      if (M === 0 || N === 0) return;
      fn(M, N, P, L.byteOffset, sm * 4, sp * 4, R.byteOffset, ldr * 4, C.byteOffset, ldc * 4, acc ? 1 : 0);
    },
  };
}

function checkShape(M: number, N: number): void {
  if (M % 4 !== 0 || N % 8 !== 0) throw new Error(`internal error: gemm needs M % 4 == 0 and N % 8 == 0, got ${M}, ${N}`);
}

/** The reference kernel: same arithmetic, same order, same bits. */
export function gemmJs(M: number, N: number, P: number, L: Float32Array, sm: number, sp: number,
  R: Float32Array, ldr: number, C: Float32Array, ldc: number, acc: boolean): void {
  for (let m = 0; m < M; m++) {
    const c0 = m * ldc;
    if (!acc) C.fill(0, c0, c0 + N);
    let li = m * sm;
    for (let p = 0; p < P; p++, li += sp) {
      const l = L[li]!;
      const r0 = p * ldr;
      for (let n = 0; n < N; n++) C[c0 + n] = C[c0 + n]! + Math.fround(l * R[r0 + n]!);
    }
  }
}

export const jsKernels: Kernels = {
  kind: 'js',
  gemm(M, N, P, L, sm, sp, R, ldr, C, ldc, acc) {
    checkShape(M, N);
    gemmJs(M, N, P, L, sm, sp, R, ldr, C, ldc, acc);
  },
};

export function roundUp(n: number, k: number): number {
  return Math.ceil(n / k) * k;
}
