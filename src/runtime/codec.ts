/**
 * Deterministic binary encoding of step outputs: JSON plus raw typed arrays.
 *
 * May import: nothing.
 * A step's output is a plain value (objects, arrays, numbers, strings, typed arrays). We encode it as
 *   "WNV1" | u32 header length | header JSON (UTF-8) | padding to 8 | buffers (each 8-byte aligned)
 * where every typed array in the value is replaced in the JSON by {"$ta": index, "t": "f64"} and
 * non-finite numbers by {"$n": "NaN" | "Inf" | "-Inf"}. Object keys keep insertion order (steps build
 * their outputs deterministically), so equal values give equal bytes and the content hash is stable.
 * Typed arrays are little-endian, as on every platform Node runs on.
 */

type TA = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;
const TYPES: Record<string, new (b: ArrayBuffer, o: number, n: number) => TA> = {
  f64: Float64Array, f32: Float32Array, i32: Int32Array, u32: Uint32Array,
  i16: Int16Array, u16: Uint16Array, i8: Int8Array, u8: Uint8Array,
};

function tag(a: TA): string {
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Uint32Array) return 'u32';
  if (a instanceof Int16Array) return 'i16';
  if (a instanceof Uint16Array) return 'u16';
  if (a instanceof Int8Array) return 'i8';
  return 'u8';
}

export function encodeValue(value: unknown): Uint8Array {
  const buffers: TA[] = [];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'number') {
      if (Number.isFinite(v)) return v;
      return { $n: Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf' };
    }
    if (v === null || typeof v !== 'object') return v === undefined ? null : v;
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      buffers.push(v as TA);
      return { $ta: buffers.length - 1, t: tag(v as TA) };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Map) return { $map: [...v.entries()].map(([k, x]) => [k, walk(x)]) };
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = walk(x);
    return out;
  };
  const header = new TextEncoder().encode(JSON.stringify(walk(value)));
  let size = 8 + header.length;
  size = (size + 7) & ~7;
  const offsets: number[] = [];
  for (const b of buffers) {
    offsets.push(size);
    size += (b.byteLength + 7) & ~7;
  }
  const out = new Uint8Array(size);
  out.set([0x57, 0x4e, 0x56, 0x31], 0); // WNV1
  new DataView(out.buffer).setUint32(4, header.length, true);
  out.set(header, 8);
  buffers.forEach((b, i) => out.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), offsets[i]!));
  // Buffer lengths are stored in the header via a trailing table.
  return appendLengths(out, buffers.map((b) => b.length), offsets);
}

function appendLengths(body: Uint8Array, lengths: number[], offsets: number[]): Uint8Array {
  const table = new TextEncoder().encode(JSON.stringify({ l: lengths, o: offsets }));
  const out = new Uint8Array(body.length + table.length + 4);
  out.set(body, 0);
  out.set(table, body.length);
  new DataView(out.buffer).setUint32(out.length - 4, table.length, true);
  return out;
}

export function decodeValue<T = unknown>(bytes: Uint8Array): T {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || bytes[0] !== 0x57 || bytes[1] !== 0x4e || bytes[2] !== 0x56 || bytes[3] !== 0x31) {
    throw new Error('not a winnow value (bad magic)');
  }
  const hlen = dv.getUint32(4, true);
  const tlen = dv.getUint32(bytes.length - 4, true);
  const td = new TextDecoder();
  const header = JSON.parse(td.decode(bytes.subarray(8, 8 + hlen)));
  const table = JSON.parse(td.decode(bytes.subarray(bytes.length - 4 - tlen, bytes.length - 4))) as { l: number[]; o: number[] };
  // Copy into a fresh aligned buffer so typed arrays can view it.
  const aligned = new Uint8Array(bytes.length);
  aligned.set(bytes);
  const walk = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(walk);
    const o = v as Record<string, unknown>;
    if ('$n' in o) return o.$n === 'NaN' ? NaN : o.$n === 'Inf' ? Infinity : -Infinity;
    if ('$ta' in o) {
      const i = o.$ta as number;
      const Ctor = TYPES[o.t as string]!;
      return new Ctor(aligned.buffer, table.o[i]!, table.l[i]!);
    }
    if ('$map' in o) return new Map((o.$map as [unknown, unknown][]).map(([k, x]) => [k, walk(x)]));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = walk(x);
    return out;
  };
  return walk(header) as T;
}
