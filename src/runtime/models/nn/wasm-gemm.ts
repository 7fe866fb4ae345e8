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
interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { readonly exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
export const wasmApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

const I32 = 0x7f;

function uleb(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

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
  i32mul: [0x6c],
  i32geS: [0x4e],
  f32load: (offset: number) => [0x2a, 0x02, ...uleb(offset)],
  v128load: (offset: number) => [0xfd, ...uleb(0x00), 0x02, ...uleb(offset)],
  v128store: (offset: number) => [0xfd, ...uleb(0x0b), 0x02, ...uleb(offset)],
  v128zero: [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)],
  f32x4splat: [0xfd, ...uleb(0x13)],
  f32x4add: [0xfd, ...uleb(0xe4)],
  f32x4mul: [0xfd, ...uleb(0xe6)],
};

/** Builds the module bytes. `shared` imports a shared memory (for worker threads). */
export function gemmModuleBytes(shared: boolean, maxPages: number): Uint8Array {
  // Parameters: 0 M, 1 N, 2 P, 3 L, 4 sm, 5 sp, 6 R, 7 ldr, 8 C, 9 ldc, 10 acc (all i32, bytes).
  const [M, N, P, L, SM, SP, R, LDR, C, LDC, ACC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  // i32 locals.
  const m = 11, n = 12, p = 13, l0 = 14, l1 = 15, l2 = 16, l3 = 17, rp = 18, cp = 19, rowStep = 20;
  // v128 locals: 8 accumulators, 2 right operands, 1 splat.
  const acc0 = 21; // acc0..acc7 = 21..28
  const r0 = 29, r1 = 30, a = 31;

  const body: number[] = [];
  const e = (...xs: number[][]) => { for (const x of xs) body.push(...x); };

  // rowStep = 4 * sm
  e(op.get(SM), op.i32(4), op.i32mul, op.set(rowStep));
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
    for (let h = 0; h < 2; h++) {
      e(op.get(cp));
      if (r > 0) e(op.get(LDC), op.i32(r), op.i32mul, op.i32add);
      e(op.v128load(h * 16), op.set(acc0 + 2 * r + h));
    }
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
  // store accumulators
  for (let r = 0; r < 4; r++) {
    for (let h = 0; h < 2; h++) {
      e(op.get(cp));
      if (r > 0) e(op.get(LDC), op.i32(r), op.i32mul, op.i32add);
      e(op.get(acc0 + 2 * r + h), op.v128store(h * 16));
    }
  }
  e(op.get(n), op.i32(8), op.i32add, op.set(n));
  e(op.br(0), op.end, op.end); // end n loop
  e(op.get(m), op.i32(4), op.i32add, op.set(m));
  e(op.br(0), op.end, op.end); // end m loop
  e(op.end); // function end

  const locals = vec([
    [...uleb(10), I32],
    [...uleb(11), 0x7b], // v128
  ]);
  const code = [...locals, ...body];

  const typeSec = section(1, vec([[0x60, ...vec(new Array(11).fill([I32])), ...vec([])]]));
  const memLimits = shared ? [0x03, ...uleb(1), ...uleb(maxPages)] : [0x00, ...uleb(1)];
  const importSec = section(2, vec([[...str('env'), ...str('mem'), 0x02, ...memLimits]]));
  const funcSec = section(3, vec([uleb(0)]));
  const exportSec = section(7, vec([[...str('gemm'), 0x00, ...uleb(0)]]));
  const codeSec = section(10, vec([[...uleb(code.length), ...code]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...typeSec, ...importSec, ...funcSec, ...exportSec, ...codeSec]);
}

export type GemmFn = (
  M: number, N: number, P: number, L: number, sm: number, sp: number,
  R: number, ldr: number, C: number, ldc: number, acc: number,
) => void;

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
export function instantiateGemm(memory: WasmMemory, shared: boolean, maxPages: number): GemmFn {
  if (!wasmApi) throw new Error('internal error: WebAssembly is not available');
  const key = `${shared}:${maxPages}`;
  let mod = moduleCache.get(key);
  if (!mod) {
    mod = new wasmApi.Module(gemmModuleBytes(shared, maxPages));
    moduleCache.set(key, mod);
  }
  const inst = new wasmApi.Instance(mod, { env: { mem: memory } });
  return inst.exports['gemm'] as GemmFn;
}
