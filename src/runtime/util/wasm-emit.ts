/**
 * Helpers for emitting WebAssembly modules as bytes from TypeScript (the MLP's dense kernels and the
 * GBDT's histogram kernel are written this way, so no toolchain is needed at build or install time).
 *
 * May import: nothing.
 * LEB128 integers, vectors and sections of the binary format, the value-type bytes, and the part of
 * the WebAssembly JS API we use (the project's `lib` settings do not declare it).
 */

export interface WasmMemoryLike { readonly buffer: ArrayBuffer | SharedArrayBuffer; grow(pages: number): number }
export interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemoryLike;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { readonly exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}
export const wasmApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** Value types. */
export const I32 = 0x7f, F32 = 0x7d, V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
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

/** Signed LEB128 (32-bit). */
export function sleb(n: number): number[] {
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

/** A length-prefixed vector of encoded items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A module section: id, byte length, body. */
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
