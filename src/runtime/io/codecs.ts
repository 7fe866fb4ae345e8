/**
 * Decompression of ROOT's compressed blocks (zlib, old ROOT deflate, LZ4, ZSTD, LZMA/XZ).
 *
 * May import: node:zlib, node:module, @oneidentity/zstd-js, xz-decompress (both loaded lazily).
 *
 * A ROOT compressed buffer is a sequence of blocks, each with a 9-byte header: two letters naming the
 * algorithm ('ZL' zlib, 'CS' old deflate, 'L4' LZ4, 'ZS' zstd, 'XZ' xz), one method byte, then the
 * compressed and uncompressed sizes as 3-byte little-endian integers. LZ4 blocks carry an 8-byte
 * xxhash64 checksum before the LZ4 block data (not verified here; the decoder's bounds checks and the
 * exact output size catch corruption).
 *
 * The decompressors are chosen by measurement (bench/root-codecs.mjs, shared 2-core machine):
 *  - zlib: Node's native zlib (`inflateSync`, with the adler32 check), ≈ 5× faster than jsroot's JS inflate.
 *  - LZ4: a plain JS block decoder (below); LZ4 decoding is byte copying that V8 compiles well, it
 *    beats jsroot's and needs no native package.
 *  - ZSTD: `@oneidentity/zstd-js` (WebAssembly, jsroot's own choice): 1.1 ms for the HZZ-zstd baskets,
 *    against 17 ms for `fzstd` (pure JS) and 9 ms through jsroot's R__unzip (which copies byte by byte).
 *  - LZMA: `xz-decompress` (WebAssembly xz-embedded): ≈ 80 ms for the HZZ-lzma baskets against ≈ 580 ms
 *    for jsroot's JS LZMA. The native `@napi-rs/lzma` took 24 ms, but its platform binary arrives only
 *    as an npm optional dependency that npm failed to install here (npm/cli#4828), so we do not rely on it.
 *    xz-decompress is a stream API, hence `rootUnzipAsync` for buffers with LZMA blocks.
 * Everything except LZMA is synchronous after `prepareCodecs(...)`, so baskets decode in a tight loop
 * without a promise per basket.
 */
import zlib from 'node:zlib';
import { createRequire } from 'node:module';

export type RootCodec = 'zlib' | 'old' | 'lz4' | 'zstd' | 'lzma';

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

/** Thrown when a block needs a decoder that `prepareCodecs` has not loaded yet (load it and retry). */
export class CodecNotLoaded extends Error {
  constructor(readonly codec: RootCodec) {
    super(`${codec} decoder not loaded: call prepareCodecs first`);
    this.name = 'CodecNotLoaded';
  }
}

/** The algorithm of a block from its first bytes, or undefined when the bytes are no ROOT block header. */
export function blockCodec(src: Uint8Array, at = 0): RootCodec | undefined {
  const a = src[at], b = src[at + 1], m = src[at + 2];
  if (a === 0x5a && b === 0x4c && m === 8) return 'zlib'; // 'ZL'
  if (a === 0x43 && b === 0x53 && m === 8) return 'old'; // 'CS'
  if (a === 0x4c && b === 0x34) return 'lz4'; // 'L4'
  if (a === 0x5a && b === 0x53 && m === 1) return 'zstd'; // 'ZS'
  if (a === 0x58 && b === 0x5a && m === 0) return 'lzma'; // 'XZ'
  return undefined;
}

/** ROOT's fCompress setting (algorithm*100 + level) as text, e.g. 'zlib-4', 'lz4-4', 'none'. */
export function compressionSetting(fCompress: number): string {
  if (fCompress < 0) return 'inherit';
  const alg = Math.floor(fCompress / 100), level = fCompress % 100;
  if (level === 0) return 'none';
  const name = ['zlib', 'zlib', 'lzma', 'old', 'lz4', 'zstd'][alg] ?? `algorithm${alg}`;
  return `${name}-${level}`;
}

const HDR = 9;

// ---------------------------------------------------------------------------------------------
// Lazily loaded decoders

type ZstdDecompress = (src: Uint8Array) => Uint8Array;
interface ZstdStreamApi { decompress(b: Uint8Array): Uint8Array }
type XzStreamCtor = new (s: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;

let zstdImpl: ZstdDecompress | undefined;
let xzStream: XzStreamCtor | undefined;

/** The zstd decoder's loading, shared by concurrent callers (see prepareCodecs). */
let zstdLoading: Promise<void> | undefined;

/**
 * Loads the decoders that `codecs` need (idempotent). Call before `rootUnzip` on such data. Concurrent
 * calls share one load: two ZstdInit() calls at once would leave functions bound to a replaced instance
 * (concurrent reads of a zstd file in one build then failed with "Src size is incorrect").
 */
export async function prepareCodecs(codecs: Iterable<RootCodec> = ['zstd', 'lzma']): Promise<void> {
  for (const c of codecs) {
    if (c === 'zstd' && zstdImpl === undefined) {
      zstdLoading ??= loadZstd().finally(() => { zstdLoading = undefined; });
      await zstdLoading;
    }
    if (c === 'lzma' && xzStream === undefined) {
      const req = createRequire(import.meta.url);
      xzStream = (req('xz-decompress') as { XzReadableStream: XzStreamCtor }).XzReadableStream;
    }
  }
}

async function loadZstd(): Promise<void> {
  // @oneidentity/zstd-js keeps its WebAssembly instance in module state, and a second ZstdInit()
  // replaces it under functions already bound to the first: share one instance with jsroot.
  // jsroot's own loader (io.mjs) queues its waiters in internals._ZstdInit while it loads: wait in that
  // queue when it is loading, and use the same queue while we load, so jsroot waits for us.
  const core = (await import('jsroot/core')) as unknown as { internals: { _ZstdStream?: ZstdStreamApi; _ZstdInit?: ((s: ZstdStreamApi) => void)[] } };
  const internals = core.internals;
  let stream = internals._ZstdStream;
  if (stream === undefined && internals._ZstdInit !== undefined) {
    const queue = internals._ZstdInit;
    stream = await new Promise<ZstdStreamApi>((resolve) => { queue.push(resolve); });
  } else if (stream === undefined) {
    const waiting: ((s: ZstdStreamApi) => void)[] = [];
    internals._ZstdInit = waiting;
    const req = createRequire(import.meta.url);
    const mod = req('@oneidentity/zstd-js') as { ZstdInit(): Promise<{ ZstdStream: ZstdStreamApi }> };
    try {
      stream = (await mod.ZstdInit()).ZstdStream;
    } finally {
      delete internals._ZstdInit;
    }
    internals._ZstdStream = stream;
    for (const resolve of waiting) resolve(stream);
  }
  const st = stream;
  zstdImpl = (b) => st.decompress(b);
}

/** Decompresses one complete .xz stream (WebAssembly xz-embedded; asynchronous by its API). */
async function xzDecompress(block: Uint8Array): Promise<Uint8Array> {
  if (xzStream === undefined) await prepareCodecs(['lzma']);
  const input = new ReadableStream<Uint8Array>({
    start(ctrl) { ctrl.enqueue(new Uint8Array(block)); ctrl.close(); },
  });
  const reader = new xzStream!(input).getReader();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    parts.push(r.value);
    n += r.value.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** True when `src` (a ROOT compressed buffer) has an LZMA block and so needs `rootUnzipAsync`. */
export function needsAsync(src: Uint8Array): boolean {
  let at = 0;
  while (at + HDR <= src.length) {
    if (blockCodec(src, at) === 'lzma') return true;
    at += HDR + (src[at + 3]! | (src[at + 4]! << 8) | (src[at + 5]! << 16));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// LZ4 block format

/** Decodes one LZ4 block `src` into `dst` (exact size); returns the bytes written. */
export function lz4DecodeBlock(src: Uint8Array, dst: Uint8Array): number {
  const sEnd = src.length, dEnd = dst.length;
  let s = 0, d = 0;
  while (s < sEnd) {
    const token = src[s++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw new CodecError('lz4: truncated literal length');
        b = src[s++]!;
        lit += b;
      } while (b === 255);
    }
    if (s + lit > sEnd || d + lit > dEnd) throw new CodecError('lz4: literal run out of bounds');
    if (lit < 16) {
      for (let i = 0; i < lit; i++) dst[d + i] = src[s + i]!;
    } else {
      dst.set(src.subarray(s, s + lit), d);
    }
    s += lit;
    d += lit;
    if (s >= sEnd) break; // the last sequence has literals only
    if (s + 2 > sEnd) throw new CodecError('lz4: truncated match offset');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new CodecError('lz4: bad match offset');
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (s >= sEnd) throw new CodecError('lz4: truncated match length');
        b = src[s++]!;
        len += b;
      } while (b === 255);
    }
    len += 4;
    if (d + len > dEnd) throw new CodecError('lz4: match out of bounds');
    let m = d - offset;
    if (offset >= len && len > 32) {
      dst.copyWithin(d, m, m + len);
      d += len;
    } else {
      const end = d + len;
      while (d < end) dst[d++] = dst[m++]!;
    }
  }
  return d;
}

// ---------------------------------------------------------------------------------------------

/** zlib's error for a block that should inflate to `usize` bytes, in words (its own for a bad stream). */
function zlibError(e: unknown, usize: number): CodecError {
  if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return new CodecError(`zlib: the block inflates to more than the ${usize} bytes its header gives`);
  return new CodecError(`zlib: ${(e as Error).message}`);
}

/**
 * Decompresses a ROOT compressed buffer (one or more blocks) to exactly `tgtSize` bytes.
 * Throws CodecError when a header is unknown, a block does not decode, or the size does not match.
 */
export function rootUnzip(src: Uint8Array, tgtSize: number, lzmaDone?: ReadonlyMap<number, Uint8Array>): Uint8Array {
  // One zlib block covering the whole buffer (the usual case): zlib's own output is the result, in a
  // single chunk, so nothing is copied. The chunk is one byte longer than the output: when a chunk
  // fills up exactly, Node allocates a second one and calls inflate again to see the stream's end.
  if (src.length >= HDR && blockCodec(src, 0) === 'zlib') {
    const csize = src[3]! | (src[4]! << 8) | (src[5]! << 16);
    const usize = src[6]! | (src[7]! << 8) | (src[8]! << 16);
    if (HDR + csize === src.length && usize === tgtSize) {
      let r: Buffer;
      try {
        r = zlib.inflateSync(src.subarray(HDR), { chunkSize: Math.max(64, usize + 1), maxOutputLength: Math.max(usize, 1) });
      } catch (e: unknown) {
        throw zlibError(e, usize);
      }
      if (r.length !== usize) throw new CodecError(`zlib block gave ${r.length} bytes instead of ${usize}`);
      return r;
    }
  }
  const out = new Uint8Array(tgtSize);
  let at = 0, done = 0;
  while (done < tgtSize) {
    if (at + HDR > src.length) throw new CodecError(`compressed data ends after ${at} of ${src.length} bytes`);
    const codec = blockCodec(src, at);
    if (codec === undefined) {
      throw new CodecError(`unknown compression header ${JSON.stringify(String.fromCharCode(src[at]!, src[at + 1]!))}`);
    }
    const csize = src[at + 3]! | (src[at + 4]! << 8) | (src[at + 5]! << 16);
    const usize = src[at + 6]! | (src[at + 7]! << 8) | (src[at + 8]! << 16);
    if (at + HDR + csize > src.length) throw new CodecError(`compressed block of ${csize} bytes exceeds the ${src.length - at - HDR} bytes present`);
    if (done + usize > tgtSize) throw new CodecError(`block expands beyond the expected ${tgtSize} bytes`);
    const block = src.subarray(at + HDR, at + HDR + csize);
    const dst = out.subarray(done, done + usize);
    let n: number;
    switch (codec) {
      case 'zlib': case 'old': {
        try {
          const r = codec === 'zlib'
            ? zlib.inflateSync(block, { info: false, maxOutputLength: Math.max(usize, 1) })
            : zlib.inflateRawSync(block, { maxOutputLength: Math.max(usize, 1) });
          dst.set(r);
          n = r.length;
        } catch (e: unknown) {
          throw zlibError(e, usize);
        }
        break;
      }
      case 'lz4':
        if (block.length < 8) throw new CodecError('lz4: block shorter than its checksum');
        n = lz4DecodeBlock(block.subarray(8), dst);
        break;
      case 'zstd': {
        if (zstdImpl === undefined) throw new CodecNotLoaded('zstd');
        let r: Uint8Array;
        try {
          r = zstdImpl(block);
        } catch (e: unknown) {
          throw new CodecError(`zstd: ${e instanceof Error ? e.message : String(e)}`);
        }
        if (r.length > dst.length) throw new CodecError(`zstd block gave ${r.length} bytes instead of ${usize}`);
        dst.set(r);
        n = r.length;
        break;
      }
      case 'lzma': {
        const r = lzmaDone?.get(at);
        if (r === undefined) throw new Error('lzma blocks need rootUnzipAsync');
        if (r.length > dst.length) throw new CodecError(`lzma block gave ${r.length} bytes instead of ${usize}`);
        dst.set(r);
        n = r.length;
        break;
      }
    }
    if (n !== usize) throw new CodecError(`${codec} block gave ${n} bytes instead of ${usize}`);
    done += usize;
    at += HDR + csize;
  }
  return out;
}

/** `rootUnzip` for buffers that may hold LZMA blocks (decoded first, asynchronously). */
export async function rootUnzipAsync(src: Uint8Array, tgtSize: number): Promise<Uint8Array> {
  const done = new Map<number, Uint8Array>();
  let at = 0;
  while (at + HDR <= src.length) {
    const csize = src[at + 3]! | (src[at + 4]! << 8) | (src[at + 5]! << 16);
    if (blockCodec(src, at) === 'lzma') {
      if (at + HDR + csize > src.length) break; // reported by rootUnzip
      try {
        done.set(at, await xzDecompress(src.subarray(at + HDR, at + HDR + csize)));
      } catch (e: unknown) {
        throw new CodecError(`lzma: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    at += HDR + csize;
  }
  return rootUnzip(src, tgtSize, done);
}
