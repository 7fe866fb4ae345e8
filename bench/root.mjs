// ROOT read throughput: winnow's fast columnar path vs jsroot's TSelector (treeProcess), the pure
// decompression floor of the same baskets, and reload from the cache format (Arrow IPC, see
// src/runtime/io/parquet.ts) vs the ROOT read. Runs against dist/: `npm run build && node bench/root.mjs`.
// Options: --files N (chain length, default 400), --reps N (default 5), --no-tselector-chain.
// Prints wall and CPU time (process.cpuUsage): on a shared machine the CPU time is the steadier number.
// Writes bench/RESULTS-root.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { readRoot, openTree, readRootGeneric, clearRootCache } from '../dist/runtime/io/root.js';
import { parseBasketHeader } from '../dist/runtime/io/root-basket.js';
import { prepareCodecs, rootUnzip } from '../dist/runtime/io/codecs.js';
import { encodeTable, decodeTable, tableToParquetBytes, tableFromParquetBytes } from '../dist/runtime/io/parquet.js';
import { closeRootPool } from '../dist/runtime/io/root-pool.js';

const args = process.argv.slice(2);
const opt = (k, d) => { const i = args.indexOf(k); return i >= 0 ? Number(args[i + 1]) : d; };
const NFILES = opt('--files', 400);
const REPS = opt('--reps', 5);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const D = path.join(root, 'data/root');

// A young-generation garbage collection before every timed run, so no run pays for the short-lived
// garbage of the one before. Not a full one: a forced full collection (plain `gc()`) also discards
// V8's optimized code for the reader (`--trace-deopt`: ~30 functions marked "weak objects" per run,
// none under natural or young-generation GC), so every timed run re-optimized it on V8's compiler
// threads, which take the 2 cores from the read: 50–70 ms more per chain read that a build does not
// pay after its first read. The floor's times are the same either way (measured, 2026-11-25).
v8.setFlagsFromString('--expose-gc');
const fullGc = vm.runInNewContext('gc');
const gc = () => fullGc({ type: 'minor' });

async function measure(fn, reps = REPS_NOW.n) {
  let best = { wall: Infinity, cpu: Infinity };
  let result;
  for (let r = 0; r < reps; r++) {
    result = undefined;
    gc();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    result = await fn();
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    best = { wall: Math.min(best.wall, wall), cpu: Math.min(best.cpu, cpu) }; // best of each, separately
  }
  return { ...best, result };
}

/** Raw compressed payloads of the baskets of `columns` (read untimed), for the decompression floor. */
async function basketsOf(files, tree, columns) {
  const out = [];
  for (const file of files) {
    const t = await openTree(file, tree, {});
    const fd = fs.openSync(file, 'r');
    for (const c of columns) {
      const br = t.byName.get(c).branch;
      for (let i = 0; i < br.fWriteBasket; i++) {
        const raw = Buffer.alloc(br.fBasketBytes[i]);
        fs.readSync(fd, raw, 0, raw.length, br.fBasketSeek[i]);
        const h = parseBasketHeader(raw);
        out.push({ payload: raw.subarray(h.keylen, h.nbytes), objlen: h.objlen, compressed: h.objlen !== h.nbytes - h.keylen });
      }
    }
    fs.closeSync(fd);
  }
  return out;
}

function floor(baskets) {
  let n = 0;
  for (const b of baskets) n += (b.compressed ? rootUnzip(b.payload, b.objlen) : b.payload).length;
  return n;
}

async function tselector(files, tree, columns) {
  let rows = 0;
  for (const f of files) {
    clearRootCache();
    const t = await openTree(f, tree, {});
    const cols = await readRootGeneric(t, columns);
    rows += t.entries;
    if (cols.size !== columns.length) throw new Error('missing columns');
  }
  return rows;
}

/**
 * The first read in a new Node process, as `winnow build` does it cold: winnow's modules loaded and
 * nothing compiled by V8 yet (readRoot with its defaults; the time counts the import and the read).
 */
function firstReadInNewProcess(files, tree, columns) {
  const script = `
    const c0 = process.cpuUsage(), t0 = performance.now();
    const { readRoot } = await import(${JSON.stringify(path.join(root, 'dist/runtime/io/root.js'))});
    await readRoot(${JSON.stringify({ paths: files, tree, columns })});
    const wall = (performance.now() - t0) / 1000, c = process.cpuUsage(c0);
    const { closeRootPool } = await import(${JSON.stringify(path.join(root, 'dist/runtime/io/root-pool.js'))});
    await closeRootPool();
    console.log(JSON.stringify({ wall, cpu: (c.user + c.system) / 1e6 }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }));
}

function cacheBytes(table) { return encodeTable(table); }

const fmt = (x, d = 3) => x.toFixed(d);
const lines = [];
const log = (s) => { console.log(s); lines.push(s); };

async function suiteReps(reps, ...a) { const keep = REPS_NOW.n; REPS_NOW.n = reps; try { return await suite(...a); } finally { REPS_NOW.n = keep; } }
const REPS_NOW = { n: REPS };

async function suite(name, files, tree, columns, { tselectorToo = true } = {}) {
  const baskets = await basketsOf(files, tree, columns);
  const ubytes = baskets.reduce((s, b) => s + b.objlen, 0);
  const cbytes = baskets.reduce((s, b) => s + b.payload.length, 0);
  await prepareCodecs(['zstd']);
  // The readers are measured in rounds, each round running every reader once in the same order, so a
  // change of the shared machine's load between rounds hits the floor and the readers alike; each
  // figure is the best over the rounds.
  const fl = { wall: Infinity, cpu: Infinity }, cold = { ...fl }, warm = { ...fl }, thr = { ...fl }, thrStarted = { ...fl }, thrWarm = { ...fl };
  const aheadNew = files.length > 1 ? { ...fl } : undefined, aheadStarted = files.length > 1 ? { ...fl } : undefined;
  const coldJs = files.length > 1 ? { ...fl } : undefined;
  const fresh = files.length > 1 ? { ...fl } : undefined;
  const keep = (acc, m) => { acc.wall = Math.min(acc.wall, m.wall); acc.cpu = Math.min(acc.cpu, m.cpu); acc.result = m.result; };
  // Threads: a chain is read by this thread and 1 whole-file worker (cores − 1 here), taking runs of
  // files from both ends; one file's baskets are spread over 2 workers.
  const threads = files.length > 1 ? 1 : 2;
  for (let round = 0; round < REPS_NOW.n; round++) {
    keep(fl, await measure(() => floor(baskets), 1));
    keep(cold, await measure(async () => { clearRootCache(); return readRoot({ paths: files, tree, columns }, { threads: 0 }); }, 1));
    keep(warm, await measure(() => readRoot({ paths: files, tree, columns }, { threads: 0 }), 1));
    if (coldJs) keep(coldJs, await measure(async () => { clearRootCache(); return readRoot({ paths: files, tree, columns }, { threads: 0, directHeaders: false }); }, 1));
    // Cold: new worker threads each time (their start-up included) and no header cache anywhere.
    await closeRootPool(); // (a few ms, not timed)
    keep(thr, await measure(async () => { clearRootCache(); return readRoot({ paths: files, tree, columns }, { threads }); }, 1));
    // Workers already started (an earlier read in the process), headers not cached anywhere.
    keep(thrStarted, await measure(async () => { clearRootCache(); return readRoot({ paths: files, tree, columns }, { threads }); }, 1));
    // Warm: workers already started and holding the parsed headers, as in a build that reads several columns.
    keep(thrWarm, await measure(() => readRoot({ paths: files, tree, columns }, { threads }), 1));
    if (aheadNew) {
      // The default for a chain here: this thread decodes, 1 read-ahead worker (cores − 1) reads and inflates.
      await closeRootPool();
      keep(aheadNew, await measure(async () => { clearRootCache(); return readRoot({ paths: files, tree, columns }, { readAhead: 1 }); }, 1));
      keep(aheadStarted, await measure(async () => { clearRootCache(); return readRoot({ paths: files, tree, columns }, { readAhead: 1 }); }, 1));
      keep(fresh, firstReadInNewProcess(files, tree, columns));
    }
  }
  const table = cold.result;
  const rows = table.rows;
  const bytes = cacheBytes(table);
  const cacheFile = path.join(os.tmpdir(), `winnow-bench-cache-${process.pid}.arrow`);
  fs.writeFileSync(cacheFile, bytes);
  const reload = await measure(() => decodeTable(fs.readFileSync(cacheFile), columns));
  const pq = tableToParquetBytes(table);
  const pqReload = await measure(() => tableFromParquetBytes(pq, columns));
  fs.rmSync(cacheFile);
  let ts;
  if (tselectorToo) ts = await measure(() => tselector(files, tree, columns), files.length > 1 ? 1 : REPS_NOW.n);
  log(`\n### ${name}`);
  log(`${files.length} file(s), ${rows.toLocaleString('en')} entries, ${columns.length} branches (${columns.join(', ')}), ${baskets.length} baskets, ${fmt(cbytes / 1e6, 1)} MB compressed -> ${fmt(ubytes / 1e6, 1)} MB uncompressed`);
  log('');
  log('| reader | wall s | CPU s | entries/s (CPU) | MB/s uncompressed (CPU) | time / floor (wall; CPU) | TSelector time / this (wall; CPU) |');
  log('|---|---:|---:|---:|---:|---:|---:|');
  const row = (label, m) => log(`| ${label} | ${fmt(m.wall)} | ${fmt(m.cpu)} | ${(rows / m.cpu / 1e6).toFixed(2)} M | ${fmt(ubytes / 1e6 / m.cpu, 0)} | ${fmt(m.wall / fl.wall, 2)}×; ${fmt(m.cpu / fl.cpu, 2)}× | ${ts ? fmt(ts.wall / m.wall, 1) + '×; ' + fmt(ts.cpu / m.cpu, 1) + '×' : 'n/a'} |`);
  row('decompression floor (same baskets, no decode)', fl);
  row('winnow fast path, cold (every file\'s headers parsed: by root-direct.ts, these being plain branches)', cold);
  if (coldJs) row('winnow fast path, cold, every file\'s headers parsed by jsroot (directHeaders: false)', coldJs);
  row('winnow fast path, headers cached', warm);
  if (files.length > 1) {
    row('**winnow default: this thread decodes, 1 read-ahead worker inflates; cold, new worker (start-up included), no header cache**', aheadNew);
    row('winnow default, read-ahead worker already started, no header cache', aheadStarted);
    row('winnow default, first read in a new Node process (module load and V8 compiling the reader included)', fresh);
    row('winnow, this thread + 1 whole-file worker, cold: new worker (start-up included), no header cache', thr);
    row('winnow, this thread + 1 whole-file worker already started, no header cache', thrStarted);
    row('winnow, this thread + 1 whole-file worker, worker already started (the default then), headers cached', thrWarm);
  } else {
    row('winnow fast path, cold, baskets on 2 new worker threads (start-up included)', thr);
    row('winnow fast path, baskets on 2 worker threads already started, no header cache', thrStarted);
    row('winnow fast path, baskets on 2 worker threads already started, headers cached', thrWarm);
  }
  row(`cache reload (Arrow IPC, ${fmt(bytes.length / 1e6, 1)} MB: read file + decode)`, reload);
  row(`Parquet reload (parquet-wasm, ${fmt(pq.length / 1e6, 1)} MB in memory)`, pqReload);
  if (ts) row('jsroot TSelector (treeProcess), incl. opening', ts);
  return { fl, cold, coldJs, warm, thr, thrStarted, thrWarm, aheadNew, aheadStarted, fresh, reload, ts, rows, ubytes, chain: files.length > 1 };
}

const load = os.loadavg();
log(`# ROOT reading benchmark (bench/root.mjs)`);
log('');
log(`Machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, ${fmt(os.totalmem() / 2 ** 30, 1)} GiB, Node ${process.version}, ${new Date().toISOString()}.`);
log(`Load average at start: ${load.map((x) => x.toFixed(1)).join(' ')} — a SHARED machine (other engineers' builds and tests ran meanwhile), so wall times are noisy; each wall and CPU figure is the best of 9 (issue412) or ${REPS} (chain) rounds, wall and CPU taken separately; every round runs the floor and each reader once, in turn, so load changes hit them alike (the chain TSelector ran once); ratios are taken within this run.`);

const r1 = await suiteReps(9, 'uproot-issue412.root (TTree `test`, 2 branches: Long64 b1, Bool b2; zlib)', [path.join(D, 'uproot-issue412.root')], 'test', ['b1', 'b2']);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-chain-'));
const files = [];
for (let i = 0; i < NFILES; i++) {
  const f = path.join(dir, `hzz${String(i).padStart(4, '0')}.root`);
  fs.symlinkSync(path.join(D, 'uproot-HZZ.root'), f);
  files.push(f);
}
const r2 = await suite(`chain of ${NFILES} symlinks to uproot-HZZ.root (jagged float arrays; ROOT 5, zlib)`, files, 'events',
  ['NMuon', 'Muon_Px', 'Muon_Py', 'Muon_Pz', 'Muon_E', 'Jet_Px', 'MET_px'], { tselectorToo: !args.includes('--no-tselector-chain') });
fs.rmSync(dir, { recursive: true, force: true });
await closeRootPool();

log('\n### Summary');
const s = (r, n) => `${n} (CPU time): fast path ${fmt(r.cold.cpu / r.fl.cpu, 2)}× the decompression floor cold${r.coldJs ? ' (' + fmt(r.coldJs.cpu / r.fl.cpu, 2) + '× with every file\'s headers by jsroot)' : ''}, ${fmt(r.warm.cpu / r.fl.cpu, 2)}× with headers cached; ${r.ts ? fmt(r.ts.cpu / r.cold.cpu, 1) + '× (cold) and ' + fmt(r.ts.cpu / r.warm.cpu, 1) + '× (cached headers) the TSelector throughput' : 'TSelector not run'}; cache reload ${fmt(r.cold.cpu / r.reload.cpu, 1)}× faster than the cold fast ROOT read${r.ts ? ' and ' + fmt(r.ts.cpu / r.reload.cpu, 0) + '× faster than TSelector' : ''}. Wall-clock: ${fmt(r.cold.wall / r.fl.wall, 2)}× floor${r.ts ? ', ' + fmt(r.ts.wall / r.cold.wall, 1) + '× TSelector' : ''}; ${r.aheadNew ? 'default (1 read-ahead worker) ' + fmt(r.aheadNew.wall / r.fl.wall, 2) + '× the floor with a new worker (CPU ' + fmt(r.aheadNew.cpu / r.fl.cpu, 2) + '×), ' + fmt(r.aheadStarted.wall / r.fl.wall, 2) + '× with a started one, ' + fmt(r.fresh.wall / r.fl.wall, 2) + '× as the first read in a new process; ' : ''}${r.chain ? 'this thread + 1 worker' : 'baskets on 2 workers'} ${fmt(r.thr.wall / r.fl.wall, 2)}× the (one-thread) floor with a new worker (CPU ${fmt(r.thr.cpu / r.fl.cpu, 2)}×), ${fmt(r.thrStarted.wall / r.fl.wall, 2)}× with a started one and no header cache, ${fmt(r.thrWarm.wall / r.fl.wall, 2)}× with headers cached too${r.ts ? ' (' + fmt(r.ts.wall / r.thrWarm.wall, 1) + '× TSelector)' : ''}.`;
log('- ' + s(r1, 'issue412'));
log('- ' + s(r2, `HZZ chain ×${NFILES}`));
log('');
log('Notes. "Cold" includes reading the file headers. Every column here is a plain TBranch, so root-direct.ts reads');
log('them without jsroot (file header, key list, the TTree\'s records of the requested branches and their basket');
log('tables; ≈ 0.1 ms CPU per HZZ file); jsroot would be needed for split objects (streamer infos). In a chain the later files are');
log('used when their streamer-info record is byte-identical to the first file\'s and each requested branch has the');
log('same type (the "every file by jsroot" row turns this off). The 400 chain files are symlinks to one file, but');
log('each is opened and parsed on its own (nothing is keyed by content). "Headers cached" is a second read in the');
log('same process (winnow keeps parsed trees per path, size and mtime), which is what a build that reads');
log('columns one at a time sees after the first. The floor inflates the same baskets with Node\'s zlib and');
log('decodes nothing. TSelector = jsroot openFile + treeProcess with one addBranch per column, per file.');
log('The cache reload reads winnow\'s cache format (Arrow IPC file, numbers stored as float64 so decoding is');
log('a view) from disk; the Parquet row is parquet-wasm decoding the same table from memory, for comparison.');
log('CPU time counts all threads of the process (worker rows include the workers\' start-up).');
log('The chain\'s "default" rows are what `readRoot` does unasked for a chain of 16 MB or more on this machine: 1 read-ahead');
log('worker (cores − 1) reads and inflates files just ahead of this thread, which decodes them all (root-ahead-worker.ts).');
log('"New worker": the pool is closed before the (timed) read, so the read starts the worker; "started": a previous read');
log('left it running, as for every read after the first in a build or in watch mode. The floor is one thread.');
log('"First read in a new Node process" is a child process that imports winnow and reads the chain once with the');
log('defaults: what the first `winnow build` of a chain pays, V8 compiling the reader included; the floor it is');
log('compared with is this process\'s (warm). Every other row is the best of rounds in one warm process, with a');
log('young-generation GC before each timed run (a forced full GC would discard the reader\'s optimized code; see the top of the script).');
log(`Load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores; >2 means the runs competed for CPU, which inflates wall times most).`);
fs.writeFileSync(path.join(root, 'bench/RESULTS-root.md'), lines.join('\n') + '\n');
