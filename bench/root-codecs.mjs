// Compares decompressors on the real baskets of the HZZ files (one per codec) and on issue412 (zlib).
// Usage: npm run build && node bench/root-codecs.mjs   (timings on a shared machine vary by ~20%)
import fs from 'node:fs';
import zlib from 'node:zlib';
import { openTree } from '../dist/runtime/io/root.js';
import { parseBasketHeader } from '../dist/runtime/io/root-basket.js';
import { prepareCodecs, rootUnzip, rootUnzipAsync } from '../dist/runtime/io/codecs.js';

async function blocks(file, tree) {
  const t = await openTree(file, tree, {});
  const fd = fs.openSync(file, 'r');
  const out = [];
  for (const b of t.branches) {
    const br = b.branch;
    for (let i = 0; i < br.fWriteBasket; i++) {
      const raw = Buffer.alloc(br.fBasketBytes[i]);
      fs.readSync(fd, raw, 0, raw.length, br.fBasketSeek[i]);
      const h = parseBasketHeader(raw);
      if (h.objlen !== h.nbytes - h.keylen) out.push({ payload: raw.subarray(h.keylen, h.nbytes), objlen: h.objlen });
    }
  }
  fs.closeSync(fd);
  return out;
}
function best(f, reps = 7) { f(); let b = Infinity; for (let r = 0; r < reps; r++) { const t0 = performance.now(); f(); b = Math.min(b, performance.now() - t0); } return b; }
await prepareCodecs(['zstd', 'lzma']);
const io = await import('jsroot/io');
async function jsrootAll(bl) { for (const b of bl) { const dv = new DataView(b.payload.buffer, b.payload.byteOffset, b.payload.byteLength); await io.R__unzip(dv, b.objlen); } }
async function bestAsync(f, reps = 5) { await f(); let b = Infinity; for (let r = 0; r < reps; r++) { const t0 = performance.now(); await f(); b = Math.min(b, performance.now() - t0); } return b; }
const rows = [];
for (const [file, tree, codec] of [['data/root/uproot-issue412.root', 'test', 'zlib'], ['data/root/uproot-HZZ-zlib.root', 'events', 'zlib'], ['data/root/uproot-HZZ-lz4.root', 'events', 'lz4'], ['data/root/uproot-HZZ-zstd.root', 'events', 'zstd'], ['data/root/uproot-HZZ-lzma.root', 'events', 'lzma']]) {
  const bl = await blocks(file, tree);
  const mb = bl.reduce((s, b) => s + b.objlen, 0) / 1e6;
  const ours = codec === 'lzma' ? await bestAsync(async () => { for (const b of bl) await rootUnzipAsync(b.payload, b.objlen); }) : best(() => { for (const b of bl) rootUnzip(b.payload, b.objlen); });
  const js = await bestAsync(() => jsrootAll(bl));
  let alt = '';
  if (codec === 'zstd') {
    const { ZstdInit } = await import('@oneidentity/zstd-js');
    const { ZstdStream } = await ZstdInit();
    const t = best(() => { for (const b of bl) ZstdStream.decompress(b.payload.subarray(9)); });
    alt = `@oneidentity/zstd-js (wasm) ${t.toFixed(1)} ms`;
  }
  if (codec === 'lzma') {
    const url = new URL('./base/lzma.mjs', import.meta.resolve('jsroot/io'));
    const m = await import(url.href);
    const t = best(() => { for (const b of bl) { const out = new Uint8Array(b.objlen); m.decompress(b.payload.subarray(9), out, b.objlen); } });
    alt = `jsroot lzma JS ${t.toFixed(1)} ms`;
  }
  if (codec === 'zlib') {
    const t = best(() => { for (const b of bl) zlib.inflateRawSync(b.payload.subarray(11)); });
    alt = `inflateRawSync (no adler32) ${t.toFixed(1)} ms`;
  }
  rows.push(`${file.replace('data/root/', '')} ${codec}: ${bl.length} baskets, ${mb.toFixed(2)} MB out; winnow ${ours.toFixed(1)} ms (${(mb / ours * 1000).toFixed(0)} MB/s); jsroot R__unzip ${js.toFixed(1)} ms; ${alt}`);
}
console.log(rows.join('\n'));
