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
import { instantiateGemm, wasmApi, wasmSimdAvailable, type WasmKernelFns, type WasmMemory } from './wasm-gemm.js';

export type KernelKind = 'wasm' | 'js';

export interface Kernels {
  readonly kind: KernelKind;
  /**
   * C[m*ldc + n] = (acc ? C[m*ldc + n] : 0) + sum_{p<P} L[m*sm + p*sp] * R[p*ldr + n]
   * for m < M, n < N. Requires M % 4 == 0 and N % 8 == 0 (callers pad); strides in elements.
   */
  gemm(M: number, N: number, P: number, L: Float32Array, sm: number, sp: number,
    R: Float32Array, ldr: number, C: Float32Array, ldc: number, acc: boolean, epi?: Epilogue): void;
  /** out[n] = sum_{i<B} X[i*ld + n] for n < N (N % 4 == 0), i ascending. */
  colsum(B: number, N: number, X: Float32Array, ld: number, out: Float32Array): void;
  /** One Adam step over equal-length P (params), G (grads), M, V; length % 4 == 0. See adamJs. */
  adam(P: Float32Array, G: Float32Array, M: Float32Array, V: Float32Array, h: AdamHyper): void;
}

/** Adam constants for one step t: stepSize = lr / (1 - b1^t), invSbc2 = 1 / sqrt(1 - b2^t). */
export interface AdamHyper {
  readonly b1: number;
  readonly b2: number;
  readonly stepSize: number;
  readonly invSbc2: number;
  readonly eps: number;
}

/**
 * Applied to each gemm result, in this order: + bias[n]; max(., 0) if relu; 0 unless
 * mask[m*ldc + n] > 0 (the mask has C's layout). Fusing these saves a pass over C in JS.
 */
export interface Epilogue {
  readonly bias?: Float32Array;
  readonly relu?: boolean;
  readonly mask?: Float32Array;
}

const PAGE = 65536;

/** One contiguous block of float32 memory that kernels can address. */
export class Arena {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  readonly memory: WasmMemory | undefined;
  readonly pages: number;
  private used = 16; // bytes; offset 0 is never handed out, so a wasm pointer 0 can mean "none"
  readonly kernels: Kernels;

  /** `floats` is an upper bound on the total of all allocations (plus 4 per allocation for alignment). */
  constructor(floats: number, kind: KernelKind, opts: { shared?: boolean; memory?: WasmMemory } = {}) {
    const bytes = Math.max(PAGE, Math.ceil((floats * 4 + 64) / PAGE) * PAGE);
    this.pages = bytes / PAGE;
    const shared = opts.shared === true;
    if (kind === 'wasm' && wasmApi && wasmSimdAvailable()) {
      this.memory = opts.memory ?? new wasmApi.Memory({ initial: this.pages, maximum: this.pages, shared });
      if (this.memory.buffer.byteLength !== bytes) throw new Error('internal error: attached memory has the wrong size');
      this.buffer = this.memory.buffer;
      this.kernels = wasmKernels(instantiateGemm(this.memory, shared, this.pages));
    } else {
      if (opts.memory) throw new Error('internal error: attaching needs the wasm kernels');
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

function wasmKernels(fns: WasmKernelFns): Kernels {
  const { gemm, colsum, adam } = fns;
  return {
    kind: 'wasm',
    gemm(M, N, P, L, sm, sp, R, ldr, C, ldc, acc, epi) {
      checkShape(M, N);
      if (M === 0 || N === 0) return;
      gemm(M, N, P, L.byteOffset, sm * 4, sp * 4, R.byteOffset, ldr * 4, C.byteOffset, ldc * 4, acc ? 1 : 0,
        epi?.bias ? epi.bias.byteOffset : 0, epi?.relu ? 1 : 0, epi?.mask ? epi.mask.byteOffset : 0);
    },
    colsum(B, N, X, ld, out) {
      if (N % 4 !== 0) throw new Error(`internal error: colsum needs N % 4 == 0, got ${N}`);
      colsum(B, N, X.byteOffset, ld * 4, out.byteOffset);
    },
    adam(P, G, M, V, h) {
      if (P.length % 4 !== 0) throw new Error(`internal error: adam needs a length % 4 == 0, got ${P.length}`);
      adam(P.length, P.byteOffset, G.byteOffset, M.byteOffset, V.byteOffset,
        h.b1, 1 - h.b1, h.b2, 1 - h.b2, h.stepSize, h.invSbc2, h.eps);
    },
  };
}

function checkShape(M: number, N: number): void {
  if (M % 4 !== 0 || N % 8 !== 0) throw new Error(`internal error: gemm needs M % 4 == 0 and N % 8 == 0, got ${M}, ${N}`);
}

/** The reference kernel: same arithmetic, same order, same bits. */
export function gemmJs(M: number, N: number, P: number, L: Float32Array, sm: number, sp: number,
  R: Float32Array, ldr: number, C: Float32Array, ldc: number, acc: boolean, epi?: Epilogue): void {
  for (let m = 0; m < M; m++) {
    const c0 = m * ldc;
    if (!acc) C.fill(0, c0, c0 + N);
    let li = m * sm;
    for (let p = 0; p < P; p++, li += sp) {
      const l = L[li]!;
      const r0 = p * ldr;
      for (let n = 0; n < N; n++) C[c0 + n] = C[c0 + n]! + Math.fround(l * R[r0 + n]!);
    }
    if (epi) {
      const { bias, relu, mask } = epi;
      for (let n = 0; n < N; n++) {
        let v = C[c0 + n]!;
        if (bias) v = Math.fround(v + bias[n]!);
        if (relu) v = v > 0 ? v : 0;
        if (mask) v = mask[c0 + n]! > 0 ? v : 0;
        C[c0 + n] = v;
      }
    }
  }
}

export function colsumJs(B: number, N: number, X: Float32Array, ld: number, out: Float32Array): void {
  out.fill(0, 0, N);
  for (let i = 0; i < B; i++) {
    for (let n = 0; n < N; n++) out[n] = out[n]! + X[i * ld + n]!;
  }
}

/** Adam in float32, operation by operation as the wasm kernel (constants rounded to float32 first). */
export function adamJs(P: Float32Array, G: Float32Array, M: Float32Array, V: Float32Array, h: AdamHyper): void {
  const f = Math.fround;
  const b1 = f(h.b1), omb1 = f(1 - h.b1), b2 = f(h.b2), omb2 = f(1 - h.b2);
  const step = f(h.stepSize), isb = f(h.invSbc2), eps = f(h.eps);
  for (let i = 0; i < P.length; i++) {
    const g = G[i]!;
    const m = f(f(b1 * M[i]!) + f(omb1 * g));
    const v = f(f(b2 * V[i]!) + f(omb2 * f(g * g)));
    M[i] = m;
    V[i] = v;
    const d = f(f(f(Math.sqrt(v)) * isb) + eps);
    P[i] = f(P[i]! - f(f(m / d) * step));
  }
}

export const jsKernels: Kernels = {
  kind: 'js',
  gemm(M, N, P, L, sm, sp, R, ldr, C, ldc, acc, epi) {
    checkShape(M, N);
    gemmJs(M, N, P, L, sm, sp, R, ldr, C, ldc, acc, epi);
  },
  colsum: colsumJs,
  adam: adamJs,
};

export function roundUp(n: number, k: number): number {
  return Math.ceil(n / k) * k;
}
