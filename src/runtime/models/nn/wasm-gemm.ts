/**
 * A WebAssembly SIMD matrix-multiply kernel, assembled from bytes at load time.
 *
 * May import: nothing.
 *
 * Why bytes and not a .wasm file or a .wat source: winnow builds with `tsc` alone, and a 1 kB kernel
 * does not justify a wat2wasm toolchain step or a committed binary. The module below is emitted by a
 * ~100-line assembler that knows only the opcodes it uses; `gemmJs` in kernels.ts is the reference
 * implementation and the tests check that both give the same bits.
 *
 * The kernel computes, for m < M (M % 4 == 0), n < N (N % 8 == 0):
 *     C[m*ldc + n] (+)= sum over p = 0..P-1, in ascending order, of L[m*sm + p*sp] * R[p*ldr + n]
 * with every product and every sum rounded to float32 (wasm f32x4 has no fused multiply-add, so the
 * result is exactly what the float32 loop in gemmJs computes, on every machine). The strides of L are
 * free, so one kernel serves the forward pass (L = activations), the weight gradient (L = activations
 * read transposed) and the input gradient (R = transposed weights). Register block: 4 rows x 8 columns
 * (8 f32x4 accumulators), which fits the 16 xmm registers of x86-64 with room for operands.
 * All pointers and strides are byte offsets into the memory the module imports as env.mem.
 */

/** The part of the WebAssembly JS API we use (the project's lib settings do not declare it). */
export interface WasmMemory { readonly buffer: ArrayBuffer | SharedArrayBuffer }
import { F32, I32, V128, section, sleb, uleb, vec, wasmApi } from '../../util/wasm-emit.js';
export { wasmApi };


function str(s: string): number[] {
  return vec([...s].map((c) => [c.charCodeAt(0)]));
}

/** The opcodes this kernel needs. */
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  if_: [0x04, 0x40],
  else_: [0x05],
  end: [0x0b],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32add: [0x6a],
  i32eqz: [0x45],
  i32mul: [0x6c],
  i32sub: [0x6b],
  i32geS: [0x4e],
  f32load: (offset: number) => [0x2a, 0x02, ...uleb(offset)],
  v128load: (offset: number) => [0xfd, ...uleb(0x00), 0x02, ...uleb(offset)],
  v128store: (offset: number) => [0xfd, ...uleb(0x0b), 0x02, ...uleb(offset)],
  v128zero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  f32x4splat: [0xfd, ...uleb(0x13)],
  f32x4add: [0xfd, ...uleb(0xe4)],
  f32x4max: [0xfd, ...uleb(0xe9)],
  f32x4sub: [0xfd, ...uleb(0xe5)],
  f32x4div: [0xfd, ...uleb(0xe7)],
  f32x4sqrt: [0xfd, ...uleb(0xe3)],
  f32x4gt: [0xfd, ...uleb(0x44)],
  v128and: [0xfd, ...uleb(0x4e)],
  f32x4mul: [0xfd, ...uleb(0xe6)],
};

/** Builds the module bytes. `shared` imports a shared memory (for worker threads). */
export function gemmModuleBytes(shared: boolean, maxPages: number): Uint8Array {
  const types = [
    [0x60, ...vec(new Array(14).fill([I32])), ...vec([])], // gemm
    [0x60, ...vec(new Array(5).fill([I32])), ...vec([])], // colsum
    [0x60, ...vec([...new Array(5).fill([I32]), ...new Array(7).fill([F32])]), ...vec([])], // adam
  ];
  const typeSec = section(1, vec(types));
  const memLimits = shared ? [0x03, ...uleb(1), ...uleb(maxPages)] : [0x00, ...uleb(1)];
  const importSec = section(2, vec([[...str('env'), ...str('mem'), 0x02, ...memLimits]]));
  const funcSec = section(3, vec([uleb(0), uleb(1), uleb(2)]));
  const exportSec = section(7, vec([[...str('gemm'), 0x00, ...uleb(0)], [...str('colsum'), 0x00, ...uleb(1)],
    [...str('adam'), 0x00, ...uleb(2)]]));
  const bodies = [gemmBody(), colsumBody(), adamBody()].map((code) => [...uleb(code.length), ...code]);
  const codeSec = section(10, vec(bodies));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...typeSec, ...importSec, ...funcSec, ...exportSec, ...codeSec]);
}

/**
 * gemm(M, N, P, L, sm, sp, R, ldr, C, ldc, acc, bias, relu, mask): the product above, then an
 * epilogue per element: + bias[n] (bias != 0), max(., 0) (relu != 0), and keep the value only where
 * mask[m*ldc + n] > 0, else 0 (mask != 0; the mask has C's layout).
 */
function gemmBody(): number[] {
  const [M, N, P, L, SM, SP, R, LDR, C, LDC, ACC, BIAS, RELU, MASK] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
  // i32 locals.
  const m = 14, n = 15, p = 16, l0 = 17, l1 = 18, l2 = 19, l3 = 20, rp = 21, cp = 22, mp = 23;
  // v128 locals: 8 accumulators, 2 right operands, 1 splat / temporary.
  const acc0 = 24; // acc0..acc7 = 24..31
  const r0 = 32, r1 = 33, a = 34;

  const body: number[] = [];
  const e = (...xs: number[][]) => { for (const x of xs) body.push(...x); };
  const rowAddr = (base: number, r: number) => { e(op.get(base)); if (r > 0) e(op.get(LDC), op.i32(r), op.i32mul, op.i32add); };

  e(op.i32(0), op.set(m));
  e(op.block, op.loop); // m loop
  e(op.get(m), op.get(M), op.i32geS, op.brIf(1));
  e(op.i32(0), op.set(n));
  e(op.block, op.loop); // n loop
  e(op.get(n), op.get(N), op.i32geS, op.brIf(1));
  // cp = C + m*ldc + n*4
  e(op.get(C), op.get(m), op.get(LDC), op.i32mul, op.i32add, op.get(n), op.i32(4), op.i32mul, op.i32add, op.set(cp));
  // initialise accumulators from C (acc != 0) or zero
  e(op.get(ACC), op.if_);
  for (let r = 0; r < 4; r++) {
    for (let h = 0; h < 2; h++) { rowAddr(cp, r); e(op.v128load(h * 16), op.set(acc0 + 2 * r + h)); }
  }
  e(op.else_);
  for (let k = 0; k < 8; k++) e(op.v128zero, op.set(acc0 + k));
  e(op.end);
  // l0..l3 = L + (m + r)*sm ; rp = R + n*4
  e(op.get(L), op.get(m), op.get(SM), op.i32mul, op.i32add, op.tee(l0));
  e(op.get(SM), op.i32add, op.tee(l1), op.get(SM), op.i32add, op.tee(l2), op.get(SM), op.i32add, op.set(l3));
  e(op.get(R), op.get(n), op.i32(4), op.i32mul, op.i32add, op.set(rp));
  e(op.i32(0), op.set(p));
  e(op.block, op.loop); // p loop
  e(op.get(p), op.get(P), op.i32geS, op.brIf(1));
  e(op.get(rp), op.v128load(0), op.set(r0));
  e(op.get(rp), op.v128load(16), op.set(r1));
  const ls = [l0, l1, l2, l3];
  for (let r = 0; r < 4; r++) {
    e(op.get(ls[r]!), op.f32load(0), op.f32x4splat, op.set(a));
    e(op.get(acc0 + 2 * r), op.get(a), op.get(r0), op.f32x4mul, op.f32x4add, op.set(acc0 + 2 * r));
    e(op.get(acc0 + 2 * r + 1), op.get(a), op.get(r1), op.f32x4mul, op.f32x4add, op.set(acc0 + 2 * r + 1));
  }
  for (const l of ls) e(op.get(l), op.get(SP), op.i32add, op.set(l));
  e(op.get(rp), op.get(LDR), op.i32add, op.set(rp));
  e(op.get(p), op.i32(1), op.i32add, op.set(p));
  e(op.br(0), op.end, op.end); // end p loop
  // epilogue: bias
  e(op.get(BIAS), op.if_);
  e(op.get(BIAS), op.get(n), op.i32(4), op.i32mul, op.i32add, op.tee(mp), op.v128load(0), op.set(r0));
  e(op.get(mp), op.v128load(16), op.set(r1));
  for (let r = 0; r < 4; r++) {
    for (let h = 0; h < 2; h++) e(op.get(acc0 + 2 * r + h), op.get(h === 0 ? r0 : r1), op.f32x4add, op.set(acc0 + 2 * r + h));
  }
  e(op.end);
  // epilogue: relu
  e(op.get(RELU), op.if_);
  for (let k = 0; k < 8; k++) e(op.get(acc0 + k), op.v128zero, op.f32x4max, op.set(acc0 + k));
  e(op.end);
  // epilogue: mask (keep where mask > 0)
  e(op.get(MASK), op.if_);
  e(op.get(MASK), op.get(cp), op.get(C), op.i32sub, op.i32add, op.set(mp));
  for (let r = 0; r < 4; r++) {
    for (let h = 0; h < 2; h++) {
      rowAddr(mp, r);
      e(op.v128load(h * 16), op.v128zero, op.f32x4gt, op.get(acc0 + 2 * r + h), op.v128and, op.set(acc0 + 2 * r + h));
    }
  }
  e(op.end);
  // store accumulators
  for (let r = 0; r < 4; r++) {
    for (let h = 0; h < 2; h++) { rowAddr(cp, r); e(op.get(acc0 + 2 * r + h), op.v128store(h * 16)); }
  }
  e(op.get(n), op.i32(8), op.i32add, op.set(n));
  e(op.br(0), op.end, op.end); // end n loop
  e(op.get(m), op.i32(4), op.i32add, op.set(m));
  e(op.br(0), op.end, op.end); // end m loop
  e(op.end); // function end
  const locals = vec([[...uleb(10), I32], [...uleb(11), V128]]);
  return [...locals, ...body];
}

/**
 * adam(n, P, G, M, V, b1, 1-b1, b2, 1-b2, stepSize, 1/sqrt(1-b2^t), eps), n % 4 == 0, all float32:
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) (g g);  p = p - ((m / (sqrt(v) * invSbc2 + eps)) * stepSize)
 * with every operation rounded to float32 in exactly this order (adamJs mirrors it).
 */
function adamBody(): number[] {
  const [N, P, G, M, V, B1, OMB1, B2, OMB2, STEP, ISB, EPS] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const off = 12; // i32 local: byte offset
  const [vb1, vomb1, vb2, vomb2, vstep, visb, veps, g, m, v] = [13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
  const body: number[] = [];
  const e = (...xs: number[][]) => { for (const x of xs) body.push(...x); };
  const pairs: [number, number][] = [[B1, vb1], [OMB1, vomb1], [B2, vb2], [OMB2, vomb2], [STEP, vstep], [ISB, visb], [EPS, veps]];
  for (const [src, dst] of pairs) e(op.get(src), op.f32x4splat, op.set(dst));
  e(op.i32(0), op.set(off));
  e(op.block, op.loop);
  e(op.get(off), op.get(N), op.i32(4), op.i32mul, op.i32geS, op.brIf(1));
  e(op.get(G), op.get(off), op.i32add, op.v128load(0), op.set(g));
  // m
  e(op.get(M), op.get(off), op.i32add);
  e(op.get(vb1), op.get(M), op.get(off), op.i32add, op.v128load(0), op.f32x4mul);
  e(op.get(vomb1), op.get(g), op.f32x4mul, op.f32x4add, op.tee(m), op.v128store(0));
  // v
  e(op.get(V), op.get(off), op.i32add);
  e(op.get(vb2), op.get(V), op.get(off), op.i32add, op.v128load(0), op.f32x4mul);
  e(op.get(vomb2), op.get(g), op.get(g), op.f32x4mul, op.f32x4mul, op.f32x4add, op.tee(v), op.v128store(0));
  // p
  e(op.get(P), op.get(off), op.i32add);
  e(op.get(P), op.get(off), op.i32add, op.v128load(0));
  e(op.get(m), op.get(v), op.f32x4sqrt, op.get(visb), op.f32x4mul, op.get(veps), op.f32x4add, op.f32x4div);
  e(op.get(vstep), op.f32x4mul, op.f32x4sub, op.v128store(0));
  e(op.get(off), op.i32(16), op.i32add, op.set(off));
  e(op.br(0), op.end, op.end);
  e(op.end);
  const locals = vec([[...uleb(1), I32], [...uleb(10), V128]]);
  return [...locals, ...body];
}

/** colsum(B, N, X, ld, out): out[n] = sum over i < B (ascending) of X[i*ld + n], for n < N (N % 4 == 0). */
function colsumBody(): number[] {
  const [B, N, X, LD, OUT] = [0, 1, 2, 3, 4];
  const n = 5, i = 6, xp = 7, acc = 8;
  const body: number[] = [];
  const e = (...xs: number[][]) => { for (const x of xs) body.push(...x); };
  e(op.i32(0), op.set(n));
  e(op.block, op.loop);
  e(op.get(n), op.get(N), op.i32geS, op.brIf(1));
  e(op.v128zero, op.set(acc));
  e(op.get(X), op.get(n), op.i32(4), op.i32mul, op.i32add, op.set(xp));
  e(op.i32(0), op.set(i));
  e(op.block, op.loop);
  e(op.get(i), op.get(B), op.i32geS, op.brIf(1));
  e(op.get(acc), op.get(xp), op.v128load(0), op.f32x4add, op.set(acc));
  e(op.get(xp), op.get(LD), op.i32add, op.set(xp));
  e(op.get(i), op.i32(1), op.i32add, op.set(i));
  e(op.br(0), op.end, op.end);
  e(op.get(OUT), op.get(n), op.i32(4), op.i32mul, op.i32add, op.get(acc), op.v128store(0));
  e(op.get(n), op.i32(4), op.i32add, op.set(n));
  e(op.br(0), op.end, op.end);
  e(op.end);
  const locals = vec([[...uleb(3), I32], [...uleb(1), V128]]);
  return [...locals, ...body];
}

export type GemmFn = (
  M: number, N: number, P: number, L: number, sm: number, sp: number,
  R: number, ldr: number, C: number, ldc: number, acc: number,
  bias: number, relu: number, mask: number,
) => void;
export type AdamFn = (n: number, P: number, G: number, M: number, V: number,
  b1: number, omb1: number, b2: number, omb2: number, stepSize: number, invSbc2: number, eps: number) => void;
export type ColsumFn = (B: number, N: number, X: number, ld: number, out: number) => void;
export interface WasmKernelFns { readonly gemm: GemmFn; readonly colsum: ColsumFn; readonly adam: AdamFn }

let simdOk: boolean | undefined;

/** True when this runtime validates wasm SIMD (Node >= 16.4 does). */
export function wasmSimdAvailable(): boolean {
  if (simdOk === undefined) {
    try {
      simdOk = wasmApi !== undefined && wasmApi.validate(gemmModuleBytes(false, 1));
    } catch {
      simdOk = false;
    }
  }
  return simdOk === true;
}

const moduleCache = new Map<string, object>();

/** Instantiates the kernel over `memory` (synchronously: Node allows it for modules of any size). */
export function instantiateGemm(memory: WasmMemory, shared: boolean, maxPages: number): WasmKernelFns {
  if (!wasmApi) throw new Error('internal error: WebAssembly is not available');
  const key = `${shared}:${maxPages}`;
  let mod = moduleCache.get(key);
  if (!mod) {
    mod = new wasmApi.Module(gemmModuleBytes(shared, maxPages));
    moduleCache.set(key, mod);
  }
  const inst = new wasmApi.Instance(mod, { env: { mem: memory } });
  return { gemm: inst.exports['gemm'] as GemmFn, colsum: inst.exports['colsum'] as ColsumFn, adam: inst.exports['adam'] as AdamFn };
}
