/**
 * ROOT files (TTree and RNTuple, one file or a chain) -> winnow `Table`s, and their schemas.
 *
 * May import: jsroot/io, jsroot/tree, jsroot/rntuple (all lazily), node:fs, node:os, node:worker_threads,
 * codecs, root-basket, root-direct, root-generic, root-errors, root-ahead, root-pool (lazily), table, exec/worker-url.
 *
 * jsroot parses the file structure (keys, streamer info, the TTree object with its branches and
 * basket positions). The data itself goes through the fast columnar path wherever the layout is
 * simple: a branch with one TLeaf of a numeric type (scalars, fixed arrays `x[10]`, counted arrays
 * `x[n]`, Float16_t/Double32_t with their packing), the leaves of leaf lists (`x/D:y/I`, each a
 * column `branch.leaf`), `char*` strings (TLeafC), unsplit
 * `std::vector<number>` branches, and the members of split objects and split collections (numbers,
 * fixed and `[n]` pointer arrays, Double32_t, TString, `std::vector<number>`). Their baskets are
 * read with positioned reads, decompressed (codecs.ts: native zlib, JS LZ4, zstd and xz in
 * WebAssembly), measured, and decoded big-endian straight into one preallocated Float64Array per
 * column over the whole chain (root-basket.ts; jagged = Int32 offsets + values). jsroot's own object
 * inflation is routed through codecs.ts as well, and identical streamer-info lists (the files of one
 * production) are parsed once (patchObjBuffer): together they cut jsroot's per-file header cost.
 * When every requested column is a plain TBranch on the fast path, even the first file is opened by
 * root-direct.ts alone (openDirectOnly); otherwise jsroot opens it. In a chain, later files go
 * through root-direct.ts (key list + TTree branch records, a few positioned
 * reads) and are used only when their streamer-info record is byte-identical to the first file's and
 * each requested branch has the same type and plan; otherwise jsroot opens them (openChainMember).
 * Each basket is decoded as soon as it is inflated (still in the CPU cache; one basket alive at a time).
 * A chain of 16 MB or more is by default read with read-ahead worker threads (ReadAhead,
 * root-ahead-worker.ts): they read and inflate files just ahead of this thread into memory shared with
 * it, and this thread decodes every file into the columns (inflating itself those no worker has taken).
 * A chain can also be read by this thread together with whole-file worker threads (root-pool.ts,
 * root-file-worker.ts; `threads`, or by default when they are already running or the chain has
 * 256 MB): this thread takes runs of files from the front and decodes them straight into the output,
 * the workers take runs from the back and send parts that are appended in order. The baskets of one
 * big file (over 32 MB compressed) are inflated on basket workers (root-worker.ts).
 * See `RootReadOptions.threads` and `readAhead`.
 * Everything else (std::string, scalar top-level TBranchElements, RNTuple fields) goes through
 * jsroot's generic per-entry reader (root-generic.ts), and `verbose` is told so. Types winnow cannot hold (maps, sets, nested vectors, objects) are an error naming the
 * branch and its type.
 *
 * Fixed-size arrays (`ArrayInt32[10]`) are read as jagged columns whose every entry has the same
 * length, so `x[0]` indexing and reductions work on them like on counted arrays.
 * Types starting with `root:` in a schema (e.g. `root:map<int,short>`) are present but unreadable.
 *
 * Bad input is a DataError with one sentence naming the file (and branch and entry range): not a ROOT
 * file, truncated (size below the header's fEND, or a basket past the end), corrupt baskets (bad
 * header, failed decompression, inconsistent offsets), missing tree (lists the trees), missing branch
 * (did-you-mean), unsupported type, glob matching nothing. jsroot calls are raced against a timeout
 * so a damaged file cannot hang a build.
 */
import fs from 'node:fs';
import os from 'node:os';
import { createHash } from 'node:crypto';
import nodePath from 'node:path';
import type { Column, ColumnInfo, Dtype, Table } from './table.js';
import { DataError, didYouMean } from './root-errors.js';
import { BasketError, type Basket, type Packing, countedEnds, dataLength, decodeBE, decodePacked, dtypeSize, entryOffsets, entryStart, packingOf, readRootString, unpackBasket, unpackBasketLoading } from './root-basket.js';
import { CodecNotLoaded, needsAsync, prepareCodecs, rootUnzip, rootUnzipAsync } from './codecs.js';
import { readGenericColumns, type GenericSpec } from './root-generic.js';
import { AheadLayout, FileState } from './root-ahead.js';
import type { AheadWorker } from './root-pool.js';
import { DirectUnsupported, readDirect, type DirectFile } from './root-direct.js';

/** Basket groups of a file's fast-path branches (fileGroups). */
type Groups = readonly { members: number[]; refs: BasketRef[] }[];
/**
 * A file's baskets decompressed ahead (`slot`: by a read-ahead worker, in its shared slot), per group
 * of `groups`, the file's fileGroups as the read-ahead computed them (readFastFile reuses them).
 */
type Inflated = { readonly baskets: Basket[][]; readonly groups: Groups; readonly slot: boolean };

// ---------------------------------------------------------------------------------------------
// Public API

export interface RootSource {
  /** Files or glob patterns (`*`, `?`, `**`), read in order as one chain. */
  readonly paths: string | readonly string[];
  /** TTree or RNTuple name; may be omitted when each file holds exactly one. */
  readonly tree?: string | undefined;
  /** Branches to read (names with dots for split objects); all readable ones when omitted. */
  readonly columns?: readonly string[] | undefined;
}

export interface RootProgress {
  readonly file: string;
  readonly filesDone: number;
  readonly files: number;
  /** Entries read so far over the chain, and the total (estimated from the files done so far when a
   * chain is read on worker threads, which open the other files). */
  readonly entriesDone: number;
  readonly entries: number;
}

export interface RootReadOptions {
  /** Told which path each column takes ("fast", "generic: why") and other details. */
  readonly verbose?: ((message: string) => void) | undefined;
  readonly onProgress?: ((p: RootProgress) => void) | undefined;
  /**
   * Worker threads helping this one: 0 = this thread alone. A chain of several files is read by this
   * thread and this many whole-file workers; a single file's baskets are decompressed on this many
   * workers. Default: chains of 4+ files use min(3, cores − 1) workers when workers are already
   * running, or when the files total 256 MB or more (see defaultChainWorkers); single
   * files use min(4, cores − 1) workers above 32 MB of compressed baskets.
   */
  readonly threads?: number | undefined;
  /**
   * Worker threads that read and decompress a chain's files just ahead of this thread, which decodes
   * them into the columns (used when no whole-file workers are; `threads: 0` turns them off too).
   * Default: min(3, cores − 1) for chains of 16 MB or more (4 MB when one is already running), else
   * none. Asking for them (any number) also keeps the default whole-file workers off.
   */
  readonly readAhead?: number | undefined;
  /**
   * Later files of a chain may have their headers read by root-direct.ts instead of jsroot when they
   * match the first file (default true; false opens every file with jsroot, as benchmarks compare).
   */
  readonly directHeaders?: boolean | undefined;
  /** Seconds before a jsroot call on a file is declared hung (default 60). */
  readonly timeoutSeconds?: number | undefined;
}

/** Reads `columns` of the tree from every file of the chain into one Table. */
export async function readRoot(src: RootSource, opts: RootReadOptions = {}): Promise<Table> {
  const files = expandPaths(src.paths);
  const chainThreads = opts.threads ?? (opts.readAhead === undefined && files.length >= 4 ? await defaultChainWorkers(files) : 0);
  if (files.length >= 2 && chainThreads > 0) return readChainInWorkers(files, src, opts, chainThreads);
  // Read-ahead workers for a chain are started now, so that they are up when the headers are read.
  let helpers: AheadWorker[] = [];
  try {
    if (files.length >= 2 && opts.threads !== 0 && opts.readAhead !== 0) helpers = await aheadHelpers(files, opts.readAhead);
  } catch (e: unknown) {
    opts.verbose?.(`reading without read-ahead workers: ${e instanceof Error ? e.message : String(e)}`); // e.g. no worker threads here
  }
  let ahead: ReadAhead | undefined;
  try {
    const first = (await openDirectOnly(files[0]!, src.tree, src.columns, opts)) ?? await openTree(files[0]!, src.tree, opts);
    const names = src.columns ?? readableColumns(first);
    for (const name of names) branchOf(first, name);
    // Every header is read before any basket is decoded (a bad one fails first); the workers start
    // inflating each file as soon as its header is read.
    if (helpers.length > 0) ahead = await ReadAhead.begin(files, first, names, helpers);
    const opened: OpenTree[] = [first];
    ahead?.publish(0, first);
    for (let k = 1; k < files.length; k++) {
      const t = await openChainMember(files[k]!, first, names, opts);
      for (const name of names) branchOf(t, name);
      opened.push(t);
      ahead?.publish(k, t);
    }
    const total = opened.reduce((s, t) => s + t.entries, 0);
    const columns = await readTrees(opened, names, opts, ahead);
    if (ahead !== undefined) opts.verbose?.(`${ahead.done} of ${files.length} files decompressed ahead on ${helpers.length} worker thread(s), the others on this thread`);
    return { rows: total, columns };
  } finally {
    await ahead?.stop();
    if (helpers.length > 0) (await import('./root-pool.js')).releaseAhead(helpers);
  }
}

/**
 * Chains of this many bytes or more are decompressed with read-ahead workers' help: fewer when one is
 * already running and idle. Measured on 2 cores (HZZ chains, bench/RESULTS-root.md): with a new worker
 * (about 50 ms to start) 1.3× the one-thread time at 40 files (9 MB), 0.92× at 100 (22 MB), 0.8× at
 * 400–1600 (87–350 MB); with a started one 0.88× at 40 files and 0.73–0.85× beyond.
 */
const AHEAD_FROM_BYTES = 16 * 1024 * 1024;
const AHEAD_RUNNING_FROM_BYTES = 4 * 1024 * 1024;

/**
 * Read-ahead workers for a chain read by this thread (ReadAhead): `asked`, else min(3, cores − 1) when
 * the files total AHEAD_FROM_BYTES or more (AHEAD_RUNNING_FROM_BYTES when one is idle), else none;
 * only idle ones (another read may hold some).
 */
async function aheadHelpers(files: readonly string[], asked?: number): Promise<AheadWorker[]> {
  const pool = await import('./root-pool.js');
  if (asked !== undefined) return asked > 0 ? pool.takeAheadWorkers(asked) : [];
  const n = Math.min(3, os.availableParallelism() - 1);
  if (n <= 0) return [];
  const from = pool.aheadWorkersIdle() > 0 ? AHEAD_RUNNING_FROM_BYTES : AHEAD_FROM_BYTES;
  return filesReach(files, from) === true ? pool.takeAheadWorkers(n) : [];
}

/**
 * Whether `files` total `bytes` or more (stat'ing only as many as it takes); undefined when one cannot
 * be stat'ed (the reader names it).
 */
function filesReach(files: readonly string[], bytes: number): boolean | undefined {
  let total = 0;
  for (const f of files) {
    try { total += fs.statSync(f).size; } catch { return undefined; }
    if (total >= bytes) return true;
  }
  return false;
}

/** Chains of this many bytes or more start whole-file workers when none are running yet. */
const NEW_WORKERS_FROM_BYTES = 256 * 1024 * 1024;

/**
 * Whole-file workers for a chain when the caller does not say: min(3, cores − 1) when workers are
 * already running (an earlier read started them), or when the files total 256 MB or more; else none.
 * Measured on 2 cores (bench/RESULTS-root.md): a new worker (about 60 ms to start, then its first runs
 * in unoptimized code) made chains under about 100 files (20 MB) slower and 400–1600 files (90–350 MB)
 * 5–16 % faster than this thread alone; a worker already running makes the 400-file chain 20–25 %
 * faster (its part decoded into the buffers of the parts it sent before, not into fresh memory).
 */
async function defaultChainWorkers(files: readonly string[]): Promise<number> {
  const cores = os.availableParallelism();
  const n = Math.min(3, cores - 1);
  if (n <= 0) return 0;
  const { fileWorkersRunning } = await import('./root-pool.js');
  if (fileWorkersRunning() > 0) return n;
  return filesReach(files, NEW_WORKERS_FROM_BYTES) === false ? 0 : n;
}

const workerTemplates = new Map<string, OpenTree>();

/**
 * A run of consecutive files of a chain read on a worker thread (root-file-worker.ts): the first file a
 * worker sees for a tree is opened with jsroot and becomes its template; later files go through
 * `openChainMember`. The run is decoded into one array per column (readTrees), so a worker sends back
 * one part per run rather than one per file.
 */
export async function readRootChainFiles(files: readonly string[], tree: string | undefined, columns: readonly string[], opts: RootReadOptions = {}): Promise<Table> {
  const tkey = tree ?? '';
  const opened: OpenTree[] = [];
  for (const file of files) {
    const template = workerTemplates.get(tkey);
    let t: OpenTree;
    if (template === undefined || template.file === file || !columns.every((c) => template.byName.has(c))) {
      t = (await openDirectOnly(file, tree, columns, opts)) ?? await openTree(file, tree, opts);
      if (t.kind === 'TTree') workerTemplates.set(tkey, t);
    } else {
      t = await openChainMember(file, template, columns, opts);
    }
    for (const name of columns) branchOf(t, name);
    opened.push(t);
  }
  const rows = opened.reduce((s, t) => s + t.entries, 0);
  return { rows, columns: await readTrees(opened, columns, { ...opts, threads: 0 }) };
}

/**
 * A chain read by this thread and `workers` whole-file worker threads together. The files are cut into
 * runs of consecutive files; this thread takes runs from the front of the chain and decodes them
 * straight into the output arrays, the workers take runs from the back as soon as they are ready (two
 * in flight each once warm, so they never wait for this thread) and send each back as one part,
 * appended in file order at the end.
 * Where the two meet depends on speed (a worker's start-up, the machine's load), not the result.
 */
async function readChainInWorkers(files: readonly string[], src: RootSource, opts: RootReadOptions, workers: number): Promise<Table> {
  // Workers first: a new one starts up while this thread opens the first file.
  const { fileWorkers, runFiles, recycleParts } = await import('./root-pool.js');
  const pool = fileWorkers(workers);
  const first = (await openDirectOnly(files[0]!, src.tree, src.columns, opts)) ?? await openTree(files[0]!, src.tree, opts);
  const names = src.columns ?? readableColumns(first);
  for (const name of names) {
    const b = branchOf(first, name);
    opts.verbose?.(b.plan.path === 'fast'
      ? `\`${name}\` (${b.type}) read by the fast path`
      : `\`${name}\` (${b.type}) read by jsroot's generic reader: ${b.plan.why}`);
  }
  // Short runs (about 6 files): a worker has at most two in flight, so the wait for its last ones at
  // the end stays short even when it is slow (a new worker runs unoptimized code at first).
  const nRuns = Math.min(files.length, Math.max((workers + 1) * 8, Math.ceil(files.length / 6)));
  const runs: string[][] = [];
  for (let r = 0; r < nRuns; r++) runs.push(files.slice(Math.floor((r * files.length) / nRuns), Math.floor(((r + 1) * files.length) / nRuns)));
  opts.verbose?.(`reading ${files.length} files on this thread and ${workers} worker thread(s)`);
  const chain = new ChainColumns(first, names, first.entries * files.length);
  const tree = src.tree ?? first.tree;
  const parts = new Map<number, Promise<Table>>();
  const madeBy = new Map<number, (typeof pool)[number]>();
  const inFlight = new Map(pool.map((w) => [w, 0]));
  let front = 0, back = runs.length - 1, stop = false;
  // A worker gets runs once it is ready, one at a time until it has finished one (a new worker's code
  // is slow at first, and this thread must not wait long for its last runs), then two at a time.
  const feed = (w: (typeof pool)[number]): void => {
    while (!stop && front <= back && inFlight.get(w)! < (w.warm ? 2 : 1)) {
      const k = back--;
      inFlight.set(w, inFlight.get(w)! + 1);
      const p = runFiles(w, { files: runs[k]!, tree, columns: names, directHeaders: opts.directHeaders ?? true });
      parts.set(k, p);
      madeBy.set(k, w);
      p.then(() => { inFlight.set(w, inFlight.get(w)! - 1); feed(w); }, () => { stop = true; });
    }
  };
  // This thread's files are decoded here, not sent on to basket workers (`threads` counts whole-file
  // workers in a chain).
  const here: RootReadOptions = { ...opts, threads: 0 };
  try {
    for (const w of pool) void w.ready.then(() => feed(w));
    let filesDone = 0, yielded = performance.now();
    while (front <= back) {
      for (const f of runs[front++]!) {
        await chain.addFile(f === first.file && filesDone === 0 ? first : await openChainMember(f, first, names, opts), here);
        filesDone++;
        opts.onProgress?.({ file: f, filesDone, files: files.length, entriesDone: chain.rows, entries: Math.round((chain.rows / filesDone) * files.length) });
        // Let the workers' replies in now and then, so they get their next runs without waiting.
        if (performance.now() - yielded > 4) { await new Promise((r) => setImmediate(r)); yielded = performance.now(); }
      }
    }
    stop = true; // no more runs to hand out
    for (let k = front; k < runs.length; k++) {
      const part = await parts.get(k)!;
      chain.append(part.columns, part.rows, runs[k]![0]!);
      recycleParts(madeBy.get(k)!, part); // copied: its buffers go back for the worker's next runs
      filesDone += runs[k]!.length;
      opts.onProgress?.({ file: runs[k]!.at(-1)!, filesDone, files: files.length, entriesDone: chain.rows, entries: Math.round((chain.rows / filesDone) * files.length) });
    }
  } finally {
    stop = true;
    for (const p of parts.values()) p.catch(() => undefined); // parts not awaited after an error
  }
  return { rows: chain.rows, columns: chain.finish() };
}

/** The branches of the tree (of the first file) with their winnow types, from headers only. */
export async function rootSchema(src: { paths: string | readonly string[]; tree?: string | undefined }): Promise<ColumnInfo[]> {
  const files = expandPaths(src.paths);
  const t = await openTree(files[0]!, src.tree, {});
  return t.branches.map((b) => ({ name: b.column, type: b.type }));
}

/** Trees and RNTuples in one file: name, class, entries. */
export async function rootTrees(path: string): Promise<{ name: string; kind: 'TTree' | 'RNTuple'; title: string }[]> {
  const f = await openRootFile(path, 60);
  return (await listTrees(f)).map((k) => ({ name: k.fName, kind: isRNTupleClass(k.fClassName) ? 'RNTuple' : 'TTree', title: k.fTitle ?? '' }));
}

// ---------------------------------------------------------------------------------------------
// Globs

const GLOB_CHARS = /[*?[]/;

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const j = seg.indexOf(']', i + 1);
      if (j < 0) re += '\\[';
      else { re += `[${seg.slice(i + 1, j).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`; i = j; }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function expandGlob(pattern: string): string[] {
  const abs = nodePath.isAbsolute(pattern);
  const parts = pattern.split(/[\\/]+/).filter((p, i) => p !== '' || i === 0);
  let bases: string[] = [abs ? nodePath.sep : '.'];
  const start = abs ? 1 : 0;
  for (let i = start; i < parts.length; i++) {
    const seg = parts[i]!;
    const next: string[] = [];
    if (seg === '**') {
      // zero or more directories
      const stack = [...bases];
      while (stack.length > 0) {
        const d = stack.pop()!;
        next.push(d);
        let ents: fs.Dirent[] = [];
        try { ents = fs.readdirSync(d, { withFileTypes: true }); } catch { /* not a dir */ }
        for (const e of ents) if (e.isDirectory() && !e.name.startsWith('.')) stack.push(nodePath.join(d, e.name));
      }
    } else if (!GLOB_CHARS.test(seg)) {
      for (const b of bases) {
        const p = nodePath.join(b, seg);
        if (fs.existsSync(p)) next.push(p);
      }
    } else {
      const re = segmentRegex(seg);
      for (const b of bases) {
        let ents: string[] = [];
        try { ents = fs.readdirSync(b); } catch { /* not a dir */ }
        for (const e of ents.sort()) if (re.test(e) && (!e.startsWith('.') || seg.startsWith('.'))) next.push(nodePath.join(b, e));
      }
    }
    bases = [...new Set(next)];
  }
  return bases.filter((p) => { try { return fs.statSync(p).isFile(); } catch { return false; } })
    .map((p) => (abs || pattern.startsWith('./') ? p : nodePath.relative('.', p))).sort();
}

/** Files named by `paths`, globs expanded in sorted order. */
export function expandPaths(paths: string | readonly string[]): string[] {
  const list = typeof paths === 'string' ? [paths] : paths;
  if (list.length === 0) throw new DataError('bad-input', 'root source names no file');
  const out: string[] = [];
  for (const p of list) {
    if (GLOB_CHARS.test(p)) {
      const m = expandGlob(p);
      if (m.length === 0) throw new DataError('empty-glob', `${p}: the pattern matches no file`, p);
      out.push(...m);
    } else {
      out.push(p);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Opening files and trees

type JsFile = import('jsroot/io').JsrootFile;
type JsKey = import('jsroot/io').JsrootKey;

const TREE_CLASSES = new Set(['TTree', 'TNtuple', 'TNtupleD', 'TChain']);
function isRNTupleClass(c: string): boolean {
  return c === 'ROOT::RNTuple' || c === 'ROOT::Experimental::RNTuple';
}

/**
 * The trees and RNTuples of a file, those in (sub)directories named by their path (`dir/sub/tree`).
 * At most 256 directories are opened, so a file of many histogram folders stays quick.
 */
async function listTrees(f: JsFile): Promise<JsKey[]> {
  const out: JsKey[] = [];
  let dirsLeft = 256;
  const walk = async (keys: readonly JsKey[], prefix: string, depth: number): Promise<void> => {
    const seen = new Set<string>();
    const dirs: JsKey[] = [];
    for (const k of keys) {
      if (seen.has(k.fName)) continue; // highest cycle first in the key list; keep one
      if (TREE_CLASSES.has(k.fClassName) || isRNTupleClass(k.fClassName)) {
        seen.add(k.fName);
        out.push(prefix === '' ? k : { ...k, fName: `${prefix}${k.fName}` });
      } else if ((k.fClassName === 'TDirectory' || k.fClassName === 'TDirectoryFile') && depth < 16) {
        seen.add(k.fName);
        dirs.push(k);
      }
    }
    for (const d of dirs) {
      if (dirsLeft-- <= 0) return;
      const path = `${prefix}${d.fName}`;
      const dir = await f.readDirectory(path, d.fCycle).catch(() => null);
      if (dir?.fKeys) await walk(dir.fKeys, `${path}/`, depth + 1);
    }
  };
  await walk(f.fKeys, '', 0);
  return out;
}

async function withTimeout<T>(p: Promise<T>, seconds: number, file: string, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DataError('corrupt', `${file}: ${what} did not finish within ${seconds} s (corrupt file?)`, file)), seconds * 1000);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Checks the ROOT magic and that the file is as long as its header says. Returns the size. */
export function checkRootHeader(path: string): number {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e: unknown) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError('not-found', `${path}: no such file`, path);
    throw new DataError('bad-input', `${path}: cannot open the file (${code ?? String(e)})`, path);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const h = Buffer.alloc(64);
    checkRootHeaderBytes(path, h.subarray(0, fs.readSync(fd, h, 0, 64, 0)), size);
    return size;
  } finally {
    fs.closeSync(fd);
  }
}

/** `checkRootHeader` on the first bytes `h` (at least 20 for the check to pass) of a file of `size` bytes. */
function checkRootHeaderBytes(path: string, h: Buffer, size: number): void {
  if (h.length < 4 || h.toString('latin1', 0, 4) !== 'root') {
    throw new DataError('not-root', `${path}: not a ROOT file (it does not start with "root")`, path);
  }
  if (h.length < 20) throw new DataError('truncated', `${path}: the ROOT file is truncated (${size} bytes, header incomplete)`, path);
  const version = h.readInt32BE(4);
  const end = version >= 1000000 ? Number(h.readBigInt64BE(12)) : h.readUInt32BE(12);
  if (size < end) {
    throw new DataError('truncated', `${path}: the ROOT file is truncated (${size} bytes, the header says ${end})`, path);
  }
}

let patched = false;

/**
 * jsroot inflates the objects it parses (streamer infos, TTree headers) with its own JavaScript
 * inflate, which is most of its per-file cost. TFile.readObjBuffer is a prototype method, so once we
 * hold a file we route it through codecs.ts (native zlib etc.), falling back to jsroot's own code for
 * anything that fails there. The first file of a process is opened unpatched.
 */
function patchObjBuffer(f: JsFile, io: typeof import('jsroot/io')): void {
  if (patched) return;
  patched = true;
  let proto: any = Object.getPrototypeOf(f);
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'readObjBuffer')) proto = Object.getPrototypeOf(proto);
  if (!proto) return;
  const original = proto.readObjBuffer as (key: any) => Promise<any>;
  proto.readObjBuffer = async function (this: any, key: any): Promise<any> {
    const comp = Number(key.fNbytes) - Number(key.fKeylen);
    if (Number(key.fObjlen) <= comp) return original.call(this, key);
    const blob = (await this.readBuffer([Number(key.fSeekKey) + Number(key.fKeylen), comp])) as DataView;
    let u: Uint8Array;
    try {
      const src = new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
      try {
        u = needsAsync(src) ? await rootUnzipAsync(src, Number(key.fObjlen)) : rootUnzip(src, Number(key.fObjlen));
      } catch (e: unknown) {
        if (!(e instanceof CodecNotLoaded)) throw e;
        await prepareCodecs([e.codec]);
        u = rootUnzip(src, Number(key.fObjlen));
      }
    } catch {
      return original.call(this, key);
    }
    const buf = new io.TBuffer(new DataView(u.buffer, u.byteOffset, u.byteLength), 0, this);
    buf.fTagOffset = key.fKeylen;
    return buf;
  };
  // Files of one production share their streamer infos byte for byte: parse each distinct list once.
  let sproto: any = Object.getPrototypeOf(f);
  while (sproto && !Object.prototype.hasOwnProperty.call(sproto, 'extractStreamerInfos')) sproto = Object.getPrototypeOf(sproto);
  if (!sproto) return;
  const extract = sproto.extractStreamerInfos as (buf: any) => void;
  const seen = new Map<string, { lst: unknown; basic: Record<string, unknown> }>();
  sproto.extractStreamerInfos = function (this: any, buf: any): void {
    const dv = buf?.arr as DataView | undefined;
    if (!dv) return extract.call(this, buf);
    const key = createHash('sha1').update(new Uint8Array(dv.buffer, dv.byteOffset, Math.min(dv.byteLength, Number(buf.length ?? dv.byteLength)))).digest('hex');
    const hit = seen.get(key);
    if (hit) {
      this.fStreamerInfos = hit.lst;
      this.fBasicTypes = { ...(this.fBasicTypes ?? {}), ...hit.basic };
      return;
    }
    extract.call(this, buf);
    if (this.fStreamerInfos) {
      if (seen.size >= 32) seen.delete(seen.keys().next().value as string);
      seen.set(key, { lst: this.fStreamerInfos, basic: { ...(this.fBasicTypes ?? {}) } });
    }
  };
}

async function openRootFile(path: string, timeoutSeconds: number): Promise<JsFile> {
  checkRootHeader(path);
  const io = await import('jsroot/io');
  try {
    const f = await withTimeout(io.openFile(path), timeoutSeconds, path, 'reading the file directory');
    patchObjBuffer(f, io);
    return f;
  } catch (e: unknown) {
    if (e instanceof DataError) throw e;
    throw new DataError('corrupt', `${path}: jsroot cannot read the file structure: ${e instanceof Error ? e.message : String(e)}`, path);
  }
}

/** Runs `fn` with jsroot's file descriptor open (trees are cached with it closed). */
async function withJsFileOpen<T>(t: OpenTree, fn: () => Promise<T>): Promise<T> {
  const f = t.jsfile;
  const opened = typeof f.fd !== 'number';
  if (opened) f.fd = fs.openSync(t.file, 'r');
  try {
    return await fn();
  } finally {
    if (opened) closeJsFile(f);
  }
}

function closeJsFile(f: JsFile): void {
  if (typeof f.fd === 'number') {
    try { fs.closeSync(f.fd); } catch { /* already closed */ }
    f.fd = undefined;
  }
}

/** How one branch is read. */
type Plan =
  | { readonly path: 'fast'; readonly layout: 'fixed'; readonly dtype: Dtype; readonly len: number; readonly packing?: Packing
    /** A leaf of a leaf list (`x/D:y/I`): each entry is `stride` bytes, this leaf's values start at byte `at`. */
    readonly stride?: number; readonly at?: number }
  | { readonly path: 'fast'; readonly layout: 'counted'; readonly dtype: Dtype; readonly header?: number; readonly packing?: Packing
    /** A plain leaf `x[n]`: its dimensions as written in the leaf title (`[n]`, `[n][3]`); columns of
     * one tree with the same text have the same number of values per entry (see FastColumn.leader). */
    readonly counter?: string }
  | { readonly path: 'fast'; readonly layout: 'cstring' }
  | { readonly path: 'fast'; readonly layout: 'vector'; readonly dtype: Dtype }
  | { readonly path: 'generic'; readonly why: string }
  | { readonly path: 'none'; readonly why: string };

/** Whether winnow reads this branch (its type is not `root:…`, a ROOT type it cannot read yet). */
export const isReadable = (b: BranchEntry): boolean => !b.type.startsWith('root:');
/** The columns of `t` winnow reads, in tree order: what a read of "every column" reads. */
export const readableColumns = (t: OpenTree): string[] => t.branches.filter(isReadable).map((b) => b.column);

export interface BranchEntry {
  readonly column: string;
  readonly type: string;
  /** The jsroot branch object (undefined for RNTuple fields). */
  readonly branch: any;
  readonly plan: Plan;
  /** ROOT's own type text: leaf type code or class name. */
  readonly rootType: string;
}

export interface OpenTree {
  readonly file: string;
  readonly tree: string;
  readonly kind: 'TTree' | 'RNTuple';
  readonly entries: number;
  readonly branches: readonly BranchEntry[];
  readonly obj: any;
  readonly jsfile: JsFile;
  readonly byName: ReadonlyMap<string, BranchEntry>;
  /** Headers read by root-direct.ts (no jsroot objects: `obj` and `jsfile` are null; fast path only). */
  readonly direct?: boolean;
}

const openCache = new Map<string, OpenTree>();
// Parsed trees are kept (without an open file descriptor) so that reading one column at a time, or
// re-reading a chain, does not parse the same TTree again; jsroot's parse costs ≈ 4 ms CPU per file.
const OPEN_CACHE_MAX = 1024;

/** Opens `tree` in `file` (cached per path, size and mtime within this process). */
export async function openTree(file: string, tree: string | undefined, opts: RootReadOptions): Promise<OpenTree> {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new DataError('not-found', `${file}: no such file`, file);
  }
  const key = `${nodePath.resolve(file)}\0${st.size}\0${st.mtimeMs}\0${tree ?? ''}`;
  const hit = openCache.get(key);
  if (hit) return hit;
  const timeout = opts.timeoutSeconds ?? 60;
  const f = await openRootFile(file, timeout);
  try {
    const trees = await listTrees(f);
    let k: JsKey | undefined;
    if (tree === undefined) {
      if (trees.length === 1) k = trees[0];
      else if (trees.length === 0) throw new DataError('missing-tree', `${file}: the file holds no TTree or RNTuple`, file);
      else throw new DataError('missing-tree', `${file}: the file holds several trees (${trees.map((t) => t.fName).join(', ')}); name one with \`tree:\` in root(...) or --tree on the command line`, file);
    } else {
      k = trees.find((t) => t.fName === tree);
      if (k === undefined) {
        const hasObj = f.fKeys.some((x) => x.fName === tree);
        if (!hasObj && tree.includes('/')) k = { fName: tree, fClassName: 'TTree', fCycle: 1 }; // in a directory
        else {
          const list = trees.length > 0 ? `; trees there: ${trees.map((t) => t.fName).join(', ')}` : '; the file holds no TTree or RNTuple';
          throw new DataError('missing-tree', `${file}: no tree \`${tree}\`${hasObj ? ' (an object of another class has that name)' : ''}${didYouMean(tree, trees.map((t) => t.fName))}${list}`, file);
        }
      }
    }
    let obj: any;
    try {
      obj = await withTimeout(f.readObject(k!.fName), timeout, file, `reading tree \`${k!.fName}\``);
    } catch (e: unknown) {
      if (e instanceof DataError) throw e;
      throw new DataError('corrupt', `${file}: cannot read tree \`${k!.fName}\`: ${e instanceof Error ? e.message : String(e)}`, file);
    }
    if (obj === null || obj === undefined) throw new DataError('missing-tree', `${file}: no tree \`${k!.fName}\``, file);
    let t: OpenTree;
    if (isRNTupleClass(obj._typename as string)) {
      t = await openRNTuple(file, k!.fName, obj, f, timeout);
    } else {
      const branches = catalogTree(obj, memberTypes(f));
      t = { file, tree: k!.fName, kind: 'TTree', entries: Number(obj.fEntries), branches, obj, jsfile: f,
        byName: new Map(branches.map((b) => [b.column, b])) };
    }
    cacheSet(openCache, key, t);
    return t;
  } finally {
    closeJsFile(f); // reopened by withJsFileOpen when jsroot has to read data
  }
}

/** Streamer-info hashes of template files per path, size and mtime (null: the direct reader cannot read it). */
const templateHashes = new Map<string, string | null>();
/** Files whose headers the direct reader has parsed, per path, size, mtime and tree. */
const directCache = new Map<string, { hash: string; treeClass: string; entries: number; parsed: Set<string>; branches: BranchEntry[] }>();

/** The name of the top-level branch that holds column `name` in `t` (a split object's members share one). */
function topBranchOf(t: OpenTree, name: string): string {
  const br = t.byName.get(name)?.branch;
  const tops: any[] = t.obj?.fBranches?.arr ?? [];
  for (const top of tops) {
    if (top === br) return String(top.fName);
    const stack: any[] = [...(top.fBranches?.arr ?? [])];
    while (stack.length > 0) {
      const b = stack.pop();
      if (b === br) return String(top.fName);
      stack.push(...(b.fBranches?.arr ?? []));
    }
  }
  return name;
}

/**
 * Opens a later file of a chain whose first file, `template`, jsroot has opened. When the requested
 * columns are all fast-path branches, the file is read by root-direct.ts (file header, key list, the
 * TTree's branch records and basket tables; a few positioned reads, no jsroot), and used only if its
 * streamer-info record is byte-identical to the template's and every requested branch has the same
 * type, ROOT type and read plan as in the template. Anything else is opened with jsroot (`openTree`),
 * which also produces the errors (missing branch, changed type, corrupt file).
 */
async function openChainMember(file: string, template: OpenTree, names: readonly string[], opts: RootReadOptions): Promise<OpenTree> {
  const tree = template.tree;
  if (opts.directHeaders === false || template.kind !== 'TTree' || tree.includes('/') || !names.every((n) => template.byName.get(n)?.plan.path === 'fast')) {
    return openTree(file, tree, opts);
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new DataError('not-found', `${file}: no such file`, file);
  }
  const key = `${nodePath.resolve(file)}\0${st.size}\0${st.mtimeMs}\0${tree}`;
  const jsHit = openCache.get(key);
  if (jsHit) return jsHit;
  const fallback = (why: string): Promise<OpenTree> => {
    opts.verbose?.(`${file}: headers read by jsroot (${why})`);
    return openTree(file, tree, opts);
  };
  try {
    // The template's streamer-info hash, once per opened template (an OpenTree is one version of its file).
    let thash = templateHashByTree.get(template);
    if (thash === undefined) {
      const tst = fs.statSync(template.file);
      const tkey = `${nodePath.resolve(template.file)}\0${tst.size}\0${tst.mtimeMs}`;
      thash = templateHashes.get(tkey);
      if (thash === undefined) {
        try { thash = (await readDirect(template.file, tree, false)).streamerHash; } catch (e: unknown) {
          if (!(e instanceof DirectUnsupported)) throw e;
          thash = null;
        }
        templateHashes.set(tkey, thash);
      }
      templateHashByTree.set(template, thash);
    }
    if (thash === null) return fallback(`the direct reader cannot read ${template.file}`);
    // Only the top-level branches holding the requested columns are parsed (the others keep their name);
    // a later read of other columns parses the file again, for the union.
    const tops = new Set(names.map((n) => topBranchOf(template, n)));
    let d = directCache.get(key);
    if (d !== undefined && ![...tops].every((n) => d!.parsed.has(n))) {
      for (const n of d.parsed) tops.add(n);
      d = undefined;
    }
    if (d === undefined) {
      const { r, parsed, branches } = await directCatalog(file, tree, tops, memberTypes(template.jsfile));
      d = { hash: r.streamerHash, treeClass: r.treeClass, entries: r.entries, parsed: new Set(parsed.map((b) => b.fName)), branches };
      cacheSet(directCache, key, d);
    }
    if (d.hash !== thash) return fallback(`its streamer infos differ from ${template.file}'s`);
    if (d.treeClass !== 'TTree') return fallback(`\`${tree}\` is a ${d.treeClass}`);
    const byName = new Map(d.branches.map((b) => [b.column, b]));
    for (const n of names) {
      const b = byName.get(n), ref = template.byName.get(n)!;
      if (b === undefined) return fallback(`no branch \`${n}\``);
      if (b.type !== ref.type || b.rootType !== ref.rootType || !samePlan(b.plan, ref.plan)) {
        return fallback(`branch \`${n}\` differs from ${template.file}'s`);
      }
    }
    opts.verbose?.(`${file}: headers read directly (same streamer infos and branch types as ${template.file})`);
    return { file, tree, kind: 'TTree', entries: d.entries, branches: d.branches, obj: null, jsfile: null as unknown as JsFile, byName, direct: true };
  } catch (e: unknown) {
    if (e instanceof DirectUnsupported) return fallback(`direct reader: ${e.message}`);
    throw e;
  }
}

/** The template's streamer-info hash (null: the direct reader cannot read it) per opened template. */
const templateHashByTree = new WeakMap<OpenTree, string | null>();

/** Whether two read plans are equal, field by field (one level of nested objects: the packing). */
function samePlan(a: Plan, b: Plan): boolean {
  const ka = Object.keys(a) as (keyof Plan)[];
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    const x = a[k] as unknown, y = (b as Record<string, unknown>)[k];
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    const kx = Object.keys(x);
    if (kx.length !== Object.keys(y).length || kx.some((j) => (x as Record<string, unknown>)[j] !== (y as Record<string, unknown>)[j])) return false;
  }
  return true;
}

/** Stores `value` in a bounded cache, dropping the oldest entry when it is full. */
function cacheSet<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= OPEN_CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(key, value);
}

/**
 * Reads a file's headers with root-direct.ts, parsing only the top-level branches in `tops`, and
 * catalogues them (`memberType` resolves split members). Throws DirectUnsupported or DataError.
 */
async function directCatalog(file: string, tree: string, tops: ReadonlySet<string>, memberType?: MemberType) {
  let r: DirectFile;
  try {
    r = await readDirect(file, tree, true, tops, (head, size) => checkRootHeaderBytes(file, head, size));
  } catch (e: unknown) {
    const code = e instanceof DataError || e instanceof DirectUnsupported ? undefined : (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError('not-found', `${file}: no such file`, file);
    if (code !== undefined) throw new DataError('bad-input', `${file}: cannot open the file (${code})`, file);
    throw e;
  }
  const parsed = r.branches.filter((b) => !b.skipped);
  return { r, parsed, branches: catalogTree({ fBranches: { arr: parsed } }, memberType) };
}

/** Trees opened by root-direct.ts alone, per path, size, mtime, tree and requested columns. */
const directOnlyCache = new Map<string, OpenTree>();

/**
 * Opens `tree` of `file` with root-direct.ts alone, without jsroot, when every requested column is a
 * plain TBranch on the fast path (their types need no streamer info). Returns undefined otherwise
 * (no tree name, a directory path, a TBranchElement, a missing branch, anything the direct reader
 * declines), and the caller opens the file with jsroot, which also produces the errors. Only the
 * requested branches are parsed, so the result serves exactly those columns.
 */
async function openDirectOnly(file: string, tree: string | undefined, names: readonly string[] | undefined, opts: RootReadOptions): Promise<OpenTree | undefined> {
  if (opts.directHeaders === false || tree === undefined || tree.includes('/') || names === undefined || names.length === 0) return undefined;
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return undefined;
  }
  const key = `${nodePath.resolve(file)}\0${st.size}\0${st.mtimeMs}\0${tree}\0${[...names].sort().join('\0')}`;
  const hit = directOnlyCache.get(key);
  if (hit) return hit;
  try {
    const { r, parsed, branches } = await directCatalog(file, tree, new Set(names));
    if (r.treeClass !== 'TTree' || parsed.some((b) => b._typename !== 'TBranch')) return undefined;
    const byName = new Map(branches.map((b) => [b.column, b]));
    if (!names.every((n) => byName.get(n)?.plan.path === 'fast')) return undefined;
    const t: OpenTree = { file, tree, kind: 'TTree', entries: r.entries, branches, obj: null, jsfile: null as unknown as JsFile, byName, direct: true };
    cacheSet(directOnlyCache, key, t);
    opts.verbose?.(`${file}: headers read directly (plain branches: no jsroot needed)`);
    return t;
  } catch (e: unknown) {
    if (e instanceof DirectUnsupported || e instanceof DataError) return undefined; // jsroot opens it and names the problem
    throw e;
  }
}

function branchOf(t: OpenTree, name: string): BranchEntry {
  const b = t.byName.get(name);
  if (b === undefined) {
    throw new DataError('missing-column', `${t.file}: tree \`${t.tree}\` has no branch \`${name}\`${didYouMean(name, t.byName.keys())}`, t.file);
  }
  if (b.plan.path === 'none') {
    throw new DataError('unsupported-type', `${t.file}: branch \`${name}\` has type ${b.rootType}, which winnow cannot read yet (${b.plan.why})`, t.file);
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Branch catalogue

const LEAF_DTYPES: Record<string, [Dtype, Dtype] | undefined> = {
  TLeafB: ['int8', 'uint8'], TLeafS: ['int16', 'uint16'], TLeafI: ['int32', 'uint32'],
  TLeafL: ['int64', 'uint64'], TLeafG: ['int64', 'uint64'], TLeafF: ['float32', 'float32'],
  TLeafD: ['float64', 'float64'], TLeafO: ['bool', 'bool'],
  TLeafF16: ['float32', 'float32'], TLeafD32: ['float64', 'float64'],
};
const LEAF_CODES: Record<string, string> = {
  TLeafB: 'B', TLeafS: 'S', TLeafI: 'I', TLeafL: 'L', TLeafG: 'G', TLeafF: 'F', TLeafD: 'D', TLeafO: 'O',
  TLeafF16: 'f', TLeafD32: 'd', TLeafC: 'C',
};

// TStreamerInfo basic type codes -> dtype (kChar=1 ... kFloat16=19).
const STREAMER_DTYPES: Record<number, Dtype> = {
  1: 'int8', 2: 'int16', 3: 'int32', 4: 'int64', 5: 'float32', 6: 'int32', 8: 'float64', 9: 'float64',
  11: 'uint8', 12: 'uint16', 13: 'uint32', 14: 'uint64', 15: 'uint32', 16: 'int64', 17: 'uint64', 18: 'bool', 19: 'float32',
};

const CPP_DTYPES: Record<string, Dtype> = {
  bool: 'bool', Bool_t: 'bool', char: 'int8', Char_t: 'int8', 'signed char': 'int8', 'unsigned char': 'uint8', UChar_t: 'uint8',
  short: 'int16', Short_t: 'int16', 'unsigned short': 'uint16', UShort_t: 'uint16', int: 'int32', Int_t: 'int32',
  'unsigned int': 'uint32', UInt_t: 'uint32', long: 'int64', Long_t: 'int64', 'unsigned long': 'uint64', ULong_t: 'uint64',
  'long long': 'int64', Long64_t: 'int64', 'unsigned long long': 'uint64', ULong64_t: 'uint64',
  float: 'float32', Float_t: 'float32', double: 'float64', Double_t: 'float64',
  int8_t: 'int8', uint8_t: 'uint8', int16_t: 'int16', uint16_t: 'uint16', int32_t: 'int32', uint32_t: 'uint32',
  int64_t: 'int64', uint64_t: 'uint64',
};

function cppDtype(t: string): Dtype | undefined {
  return CPP_DTYPES[t.replace(/^std::/, '').trim()];
}

function leafBranches(br: any, out: any[]): void {
  const subs: any[] = br.fBranches?.arr ?? [];
  if (subs.length === 0) out.push(br);
  else {
    // A split object: its own data (if any) is not a column; its leaves are.
    for (const s of subs) leafBranches(s, out);
  }
}

function columnName(br: any, parent: any | undefined): string {
  // A split member's branch name carries its array dimensions (`evt.ArrayI16[10]`): the column does not.
  const name = parent === undefined ? String(br.fName) : String(br.fName).replace(/(\[\d*\])+$/, '');
  if (parent === undefined) return name;
  const pname = String(parent.fName).replace(/\.$/, '');
  return name.startsWith(`${pname}.`) ? name : name.includes('.') ? name : `${pname}.${name}`;
}

/**
 * The columns of a leaf-list branch (`x/D:y/I:z/B`), one per leaf, named `branch.leaf`. Each entry is
 * the leaves' values one after the other (no padding), so every leaf is a fixed-size slice of a
 * fixed-size record. Lists with a counted (`x[n]`), string or Float16/Double32 leaf are not read.
 */
function planLeafList(br: any): { column: string; type: string; plan: Plan; rootType: string }[] {
  const leaves: any[] = br.fLeaves?.arr ?? [];
  const list = leaves.map((l) => `${l.fName}/${LEAF_CODES[l._typename as string] ?? '?'}`).join(':');
  const name = String(br.fName);
  const unsupported = (why: string) => [{ column: name, type: `root:leaflist(${list})`, rootType: `leaf list ${list}`, plan: { path: 'none', why } as Plan }];
  let stride = 0;
  const parts: { leaf: any; dtype: Dtype; len: number; at: number }[] = [];
  for (const l of leaves) {
    const dts = LEAF_DTYPES[l._typename as string];
    if (dts === undefined || l._typename === 'TLeafF16' || l._typename === 'TLeafD32') return unsupported(`leaf \`${l.fName}\` of class ${l._typename} in a leaf list`);
    if (l.fLeafCount !== null && l.fLeafCount !== undefined) return unsupported(`counted leaf \`${l.fName}\` in a leaf list`);
    const dtype = l.fIsUnsigned ? dts[1] : dts[0];
    const len = Number(l.fLen) || 1;
    parts.push({ leaf: l, dtype, len, at: stride });
    stride += len * dtypeSize(dtype);
  }
  return parts.map((q) => ({
    column: `${name}.${String(q.leaf.fName)}`,
    type: q.len > 1 ? `jagged<${q.dtype}>` : q.dtype,
    rootType: `${leafRootType(q.leaf)} in ${list}`,
    plan: { path: 'fast', layout: 'fixed', dtype: q.dtype, len: q.len, stride, at: q.at } as Plan,
  }));
}

/** ROOT's type text of a leaf: its title and type code (`Muon_Px[NMuon]/F`, `n/i` for unsigned). */
function leafRootType(leaf: any): string {
  const code = LEAF_CODES[leaf._typename as string] ?? String(leaf._typename);
  return `${String(leaf.fTitle || leaf.fName)}/${leaf.fIsUnsigned ? code.toLowerCase() : code}`;
}

/** A branch with one leaf (leaf lists go to planLeafList). */
function planLeafBranch(br: any): { type: string; plan: Plan; rootType: string } {
  const leaf = br.fLeaves?.arr?.[0];
  if (leaf === undefined || leaf === null) return { type: 'root:TBranch', rootType: 'TBranch without leaves', plan: { path: 'none', why: 'the branch has no leaf' } };
  const lt = leaf._typename as string;
  const rootType = leafRootType(leaf);
  if (lt === 'TLeafC') return { type: 'string', rootType, plan: { path: 'fast', layout: 'cstring' } };
  const dts = LEAF_DTYPES[lt];
  if (dts === undefined) return { type: `root:${lt}`, rootType: lt, plan: { path: 'none', why: `leaf class ${lt}` } };
  const dtype = leaf.fIsUnsigned ? dts[1] : dts[0];
  const counted = leaf.fLeafCount !== null && leaf.fLeafCount !== undefined;
  const len = Number(leaf.fLen) || 1;
  const jag = counted || len > 1;
  const type = jag ? `jagged<${dtype}>` : dtype;
  // Float16_t / Double32_t: the range and bit count are in the leaf's title (`d[-2.71,10,30]`).
  const packing = lt === 'TLeafF16' || lt === 'TLeafD32' ? packingOf(`${String(leaf.fTitle ?? '')} ${String(br.fTitle ?? '')}`, lt === 'TLeafF16') : undefined;
  const dims = counted ? /(\[[^\]]+\])+\s*$/.exec(String(leaf.fTitle ?? '').replace(/\/\w+$/, '')) : null;
  const plan: Plan = counted
    ? { path: 'fast', layout: 'counted', dtype, ...(packing ? { packing } : {}), ...(dims ? { counter: dims[0].replace(/\s+/g, '') } : {}) }
    : { path: 'fast', layout: 'fixed', dtype, len, ...(packing ? { packing } : {}) };
  return { type, rootType, plan };
}

function planElementBranch(br: any, topLevel: boolean, memberType?: MemberType): { type: string; plan: Plan; rootType: string } {
  const cls = String(br.fClassName ?? '');
  const stype = Number(br.fStreamerType);
  const id = Number(br.fID);
  const ftype = Number(br.fType);
  if (topLevel && id < 0) {
    const m = /^(?:std::)?vector<\s*(.+?)\s*>$/.exec(cls) ?? /^ROOT::VecOps::RVec<\s*(.+?)\s*>$/.exec(cls);
    if (m) {
      const dt = cppDtype(m[1]!);
      if (dt !== undefined) return { type: `jagged<${dt}>`, rootType: cls, plan: { path: 'fast', layout: 'vector', dtype: dt } };
      if (m[1] === 'Double32_t' || m[1] === 'Float16_t') {
        return { type: `jagged<${m[1] === 'Double32_t' ? 'float64' : 'float32'}>`, rootType: cls, plan: { path: 'generic', why: `${cls} packing is decoded by jsroot` } };
      }
      return { type: `root:${cls}`, rootType: cls, plan: { path: 'none', why: 'only vectors of numbers are supported' } };
    }
    if (cls === 'string' || cls === 'std::string' || cls === 'TString') {
      return { type: 'string', rootType: cls, plan: { path: 'generic', why: `${cls} is decoded by jsroot` } };
    }
    const d = cppDtype(cls);
    if (d !== undefined) return { type: d, rootType: cls, plan: { path: 'generic', why: 'a scalar TBranchElement is decoded by jsroot' } };
    return { type: `root:${cls}`, rootType: cls, plan: { path: 'none', why: 'objects, maps and sets are not supported' } };
  }
  // A member of a split object or collection: its C++ type from the streamer info when known.
  const member = memberType?.(br);
  const tn = (member?.type ?? '').replace(/\s+/g, ' ').trim();
  const what = tn ? `${tn} (in ${cls || '?'}${ftype === 31 ? ' TClonesArray' : ftype === 41 ? ' collection' : ''})` : `${cls || 'member'} (streamer type ${stype})`;
  const inCollection = ftype === 31 || ftype === 41;
  // Double32_t / Float16_t members: the range and bit count are in the member's comment (`//[-pi,pi,24]`).
  const packedPlan = (d: Dtype, layout: 'fixed' | 'counted', len: number, header: number): { type: string; plan: Plan; rootType: string } => {
    const jagged = layout === 'counted' || len > 1;
    const type = jagged ? `jagged<${d}>` : d;
    if (member === undefined) return { type, rootType: what, plan: { path: 'generic', why: 'Double32_t/Float16_t member without its streamer info' } };
    const packing = packingOf(member.title, d === 'float32');
    return { type, rootType: `${what}${/\[.*,.*\]/.test(member.title) ? ` ${/\[[^\]]*,[^\]]*\]/.exec(member.title)![0]}` : ''}`,
      plan: layout === 'fixed' ? { path: 'fast', layout, dtype: d, len, packing } : { path: 'fast', layout, dtype: d, packing, ...(header > 0 ? { header } : {}) } };
  };
  if (stype === 65) {
    // TString: one length byte (255 then an int32 for long ones) and the characters, like a TLeafC.
    if (inCollection) return { type: 'root:TString[]', rootType: what, plan: { path: 'none', why: 'strings inside collections are not supported' } };
    return { type: 'string', rootType: what, plan: { path: 'fast', layout: 'cstring' } };
  }
  if (stype === 300 || stype === 500) {
    const rootType = what;
    const m = /^(?:std::)?vector< ?(.+?) ?>$/.exec(tn);
    const dt = m ? cppDtype(m[1]!) : undefined;
    if (inCollection) return { type: `root:${tn || what}`, rootType, plan: { path: 'none', why: 'containers inside collections would be doubly jagged' } };
    if (dt !== undefined) return { type: `jagged<${dt}>`, rootType, plan: { path: 'fast', layout: 'vector', dtype: dt } };
    if (tn === 'string' || tn === 'std::string') return { type: 'string', rootType, plan: { path: 'generic', why: 'std::string members are decoded by jsroot' } };
    return { type: `root:${tn || what}`, rootType, plan: { path: 'none', why: 'only vectors of numbers are supported' } };
  }
  // 1–19 basic, 21–39 fixed array of basic, 41–59 pointer to a counted array of basic (`x; //[n]`).
  const base = stype > 20 && stype < 60 ? stype % 20 : stype;
  const dt = base === 0 ? undefined : STREAMER_DTYPES[base];
  if (dt === undefined) return { type: `root:${what}`, rootType: what, plan: { path: 'none', why: 'the member is not a number or array of numbers' } };
  const isPacked = base === 9 || base === 19;
  if (inCollection) {
    if (base !== stype) return { type: `root:${what}`, rootType: what, plan: { path: 'none', why: 'arrays inside collections would be doubly jagged' } };
    // One value per element of the split TClonesArray / vector<T>: the entry's bytes are its values.
    return isPacked ? packedPlan(dt, 'counted', 1, 0) : { type: `jagged<${dt}>`, rootType: what, plan: { path: 'fast', layout: 'counted', dtype: dt } };
  }
  if (stype < 20) return isPacked ? packedPlan(dt, 'fixed', 1, 0) : { type: dt, rootType: what, plan: { path: 'fast', layout: 'fixed', dtype: dt, len: 1 } };
  if (stype < 40) {
    const len = Number(br.fLeaves?.arr?.[0]?.fLen) || 0;
    if (len < 1) return { type: `jagged<${dt}>`, rootType: what, plan: { path: 'generic', why: 'the array length is not in the leaf' } };
    return isPacked ? packedPlan(dt, 'fixed', len, 0) : { type: `jagged<${dt}>`, rootType: what, plan: { path: 'fast', layout: 'fixed', dtype: dt, len } };
  }
  // A counted pointer array: each entry is a one-byte marker (0: empty) and then its values.
  return isPacked ? packedPlan(dt, 'counted', 1, 1) : { type: `jagged<${dt}>`, rootType: what, plan: { path: 'fast', layout: 'counted', dtype: dt, header: 1 } };
}

/** Resolves the C++ type (and comment, which holds a Double32_t's range) of a split-object member. */
type MemberType = (br: any) => { type: string; title: string } | undefined;

function memberTypes(f: JsFile | null | undefined): MemberType {
  const infos: any[] = (f as any)?.fStreamerInfos?.arr ?? [];
  return (br) => {
    const cls = String(br.fClassName ?? ''), id = Number(br.fID), ver = Number(br.fClassVersion);
    const si = infos.find((s) => s?.fName === cls && (Number.isNaN(ver) || Number(s.fClassVersion) === ver))
      ?? infos.find((s) => s?.fName === cls);
    const el = si?.fElements?.arr?.[id];
    return el ? { type: String(el.fTypeName ?? ''), title: String(el.fTitle ?? '') } : undefined;
  };
}

function catalogTree(tree: any, memberType?: MemberType): BranchEntry[] {
  const out: BranchEntry[] = [];
  const seen = new Set<string>();
  for (const top of (tree.fBranches?.arr ?? []) as any[]) {
    const leaves: any[] = [];
    leafBranches(top, leaves);
    for (const br of leaves) {
      const isTop = br === top;
      if (br._typename === 'TBranch' && (br.fLeaves?.arr?.length ?? 0) > 1) {
        for (const c of planLeafList(br)) {
          if (seen.has(c.column)) continue;
          seen.add(c.column);
          out.push({ column: c.column, type: c.type, branch: br, plan: c.plan, rootType: c.rootType });
        }
        continue;
      }
      const column = columnName(br, isTop ? undefined : top);
      if (seen.has(column)) continue;
      seen.add(column);
      const p = br._typename === 'TBranchElement' || br._typename === 'TBranchSTL'
        ? planElementBranch(br, isTop, memberType)
        : br._typename === 'TBranch' ? planLeafBranch(br)
          : { type: `root:${br._typename}`, rootType: String(br._typename), plan: { path: 'none', why: `${br._typename} branches are not supported` } as Plan };
      out.push({ column, type: p.type, branch: br, plan: p.plan, rootType: p.rootType });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// RNTuple

const RNTUPLE_TYPES: Record<string, Dtype> = {
  bool: 'bool', char: 'int8', 'std::int8_t': 'int8', 'std::uint8_t': 'uint8', 'std::int16_t': 'int16', 'std::uint16_t': 'uint16',
  'std::int32_t': 'int32', 'std::uint32_t': 'uint32', 'std::int64_t': 'int64', 'std::uint64_t': 'uint64',
  float: 'float32', double: 'float64', 'std::byte': 'uint8',
};

async function openRNTuple(file: string, name: string, obj: any, f: JsFile, timeout: number): Promise<OpenTree> {
  const rn = await import('jsroot/rntuple');
  let builder: any;
  try {
    builder = await withTimeout(rn.readHeaderFooter(obj), timeout, file, `reading RNTuple \`${name}\` header`);
  } catch (e: unknown) {
    if (e instanceof DataError) throw e;
    throw new DataError('corrupt', `${file}: cannot read the header of RNTuple \`${name}\`: ${e instanceof Error ? e.message : String(e)}`, file);
  }
  if (!builder) throw new DataError('corrupt', `${file}: cannot read the header of RNTuple \`${name}\``, file);
  const fields: any[] = builder.fieldDescriptors ?? [];
  const entries = (builder.clusterSummaries ?? []).reduce((s: number, c: any) => s + Number(c.numEntries), 0);
  const branches: BranchEntry[] = [];
  fields.forEach((fd: any, i: number) => {
    if (Number(fd.parentFieldId) !== i) return; // top-level fields are their own parents
    const tn = String(fd.typeName);
    let type: string;
    let plan: Plan;
    const d = RNTUPLE_TYPES[tn];
    const vm = /^(?:std::vector|ROOT::VecOps::RVec|ROOT::RVec)<(.+)>$/.exec(tn);
    if (d !== undefined) { type = d; plan = { path: 'generic', why: 'RNTuple fields are decoded by jsroot' }; }
    else if (tn === 'std::string') { type = 'string'; plan = { path: 'generic', why: 'RNTuple fields are decoded by jsroot' }; }
    else if (vm && RNTUPLE_TYPES[vm[1]!] !== undefined) { type = `jagged<${RNTUPLE_TYPES[vm[1]!]}>`; plan = { path: 'generic', why: 'RNTuple fields are decoded by jsroot' }; }
    else { type = `root:${tn}`; plan = { path: 'none', why: 'only numbers, strings and vectors of numbers are supported' }; }
    branches.push({ column: String(fd.fieldName), type, branch: String(fd.fieldName), plan, rootType: tn });
  });
  return { file, tree: name, kind: 'RNTuple', entries, branches, obj, jsfile: f, byName: new Map(branches.map((b) => [b.column, b])) };
}

// ---------------------------------------------------------------------------------------------
// Reading one tree

/**
 * Reads `names` from every tree of a chain on this thread: fast-path branches are decoded basket by
 * basket straight into one array per column (no per-file parts, no concatenation), generic branches
 * are read per file and appended.
 */
async function readTrees(trees: readonly OpenTree[], names: readonly string[], opts: RootReadOptions, ahead?: ReadAhead): Promise<Map<string, Column>> {
  const chain = new ChainColumns(trees[0]!, names, trees.reduce((s, t) => s + t.entries, 0));
  for (let fi = 0; fi < trees.length; fi++) {
    const inflated = ahead === undefined ? undefined : await ahead.take(fi);
    await chain.addFile(trees[fi]!, opts, inflated);
    if (inflated?.slot === true) ahead!.free(fi);
    opts.onProgress?.({ file: trees[fi]!.file, filesDone: fi + 1, files: trees.length, entriesDone: chain.rows, entries: chain.expectRows });
  }
  return chain.finish();
}

/**
 * Decompression ahead of this thread for a chain (root-ahead-worker.ts): workers read and inflate
 * files a few places after the one being decoded into slots of shared memory, and this thread decodes
 * those from there; it reads and inflates itself every file no worker has taken when it gets there
 * (all of them while the workers start up). When it reaches a file a worker is still inflating, it
 * inflates later files (up to 15 on) until the worker is done, and waits only when none of those is
 * left. The output columns are written by this thread alone, as without workers.
 */
class ReadAhead {
  private constructor(
    private readonly files: readonly string[],
    private readonly names: readonly string[],
    private readonly ctl: Int32Array,
    private readonly bytes: Uint8Array,
    private readonly slotBytes: number,
    private readonly nslots: number,
    private readonly jobs: Int32Array,
    private readonly seeks: Float64Array,
    private readonly nbytes: Int32Array,
    private readonly stopped: Promise<void>[],
  ) {}

  /** Per published file: its tree, fast-path branches and their basket groups (fileGroups). */
  private readonly trees: OpenTree[] = [];
  private readonly entries: BranchEntry[][] = [];
  private readonly groups: Groups[] = [];
  /** Baskets written to the job table so far. */
  private jobsUsed = 0;

  /**
   * Starts `workers` on the chain `files`, whose first file `first` is open: the job table is sized
   * from the first file's baskets (twice as many per file, plus some, up to 2^20), the slots from its bytes (its
   * branches' uncompressed size as ROOT recorded it, with a quarter and 64 kB to spare, or 3× its
   * compressed baskets if more; 256 kB to 16 MB each, as many as fit in 8 MB, at least 6 per worker:
   * fresh memory is paged in by the kernel, so more slots cost more than they gain). A later file with
   * more baskets than the table has left, or more inflated bytes than a slot holds, is read by this thread.
   */
  static async begin(files: readonly string[], first: OpenTree, names: readonly string[], workers: readonly AheadWorker[]): Promise<ReadAhead> {
    const pool = await import('./root-pool.js');
    const fast = names.map((n) => branchOf(first, n)).filter((b) => b.plan.path === 'fast');
    const groups = fileGroups(first, fast);
    const refs = groups.flatMap((g) => g.refs);
    const perFile = refs.length, fileBytes = refs.reduce((a, r) => a + (r.kind === 'disk' ? r.nbytes : 0), 0);
    const rawBytes = groups.reduce((a, g) => a + (Number(fast[g.members[0]!]!.branch.fTotBytes) || 0), 0);
    const slotBytes = Math.min(16 * 1024 * 1024, (Math.max(256 * 1024, 1.25 * rawBytes + 65536, 3 * fileBytes) + 7) & ~7);
    const nslots = Math.max(6 * workers.length, Math.min(128, Math.floor((8 * 1024 * 1024) / slotBytes)));
    const cap = Math.min(2 * perFile * files.length + 1024, 1 << 20); // at most 12 MB of table
    const ctl = new Int32Array(new SharedArrayBuffer(4 * (AheadLayout.slots + nslots + 2 * files.length)));
    const bytes = new Uint8Array(new SharedArrayBuffer(slotBytes * nslots));
    const jobs = new Int32Array(new SharedArrayBuffer(4 * 2 * files.length));
    const seeks = new Float64Array(new SharedArrayBuffer(8 * cap)), nbytes = new Int32Array(new SharedArrayBuffer(4 * cap));
    const stopped = workers.map((w) => new Promise<void>((resolve) => { w.onDone = resolve; }));
    for (const w of workers) pool.startAhead(w, { ctl, bytes, slotBytes, nslots, files, jobs, seeks, nbytes, lead: 2 });
    return new ReadAhead(files, names, ctl, bytes, slotBytes, nslots, jobs, seeks, nbytes, stopped);
  }

  /** Publishes file `k` (opened as `t`; files are published in order) to the workers. */
  publish(k: number, t: OpenTree): void {
    const entries = this.names.map((n) => branchOf(t, n)).filter((b) => b.plan.path === 'fast');
    const groups = fileGroups(t, entries);
    this.trees[k] = t;
    this.entries[k] = entries;
    this.groups[k] = groups;
    const disk = groups.flatMap((g) => g.refs).filter((r): r is Extract<BasketRef, { kind: 'disk' }> => r.kind === 'disk');
    if (this.jobsUsed + disk.length > this.seeks.length) {
      Atomics.store(this.ctl, this.st0 + k, FileState.tooBig); // no room in the table: this thread reads it
    } else {
      this.jobs[2 * k] = this.jobsUsed;
      for (const r of disk) { this.seeks[this.jobsUsed] = r.seek; this.nbytes[this.jobsUsed] = r.nbytes; this.jobsUsed++; }
      this.jobs[2 * k + 1] = this.jobsUsed;
    }
    Atomics.store(this.ctl, AheadLayout.known, k + 1);
    Atomics.notify(this.ctl, AheadLayout.known);
  }

  /** Files decoded from a worker's slot. */
  done = 0;
  /** Files this thread inflated ahead while a worker held the one it was on. */
  private readonly own = new Map<number, Inflated>();

  private get st0(): number { return AheadLayout.slots + this.nslots; }

  /**
   * File `fi`'s baskets when a worker inflated it (decode, then `free`), else undefined: this thread
   * reads it (it takes it from the workers first). Throws the worker's error for a bad basket.
   */
  async take(fi: number): Promise<Inflated | undefined> {
    const ctl = this.ctl, at = this.st0 + fi;
    const mine = this.own.get(fi);
    if (mine !== undefined) { this.own.delete(fi); return mine; }
    Atomics.store(ctl, AheadLayout.pos, fi);
    Atomics.notify(ctl, AheadLayout.pos);
    let state: number = Atomics.compareExchange(ctl, at, FileState.open, FileState.reader);
    if (state === FileState.open) return undefined;
    if (state === FileState.worker) {
      // A worker is on it: rather than wait, inflate files further on that no worker has taken yet,
      // until the worker is done with this one.
      for (let k = Math.min(this.files.length, fi + 16) - 1; k > fi + 1 && state === FileState.worker; k--) {
        if (Atomics.compareExchange(ctl, this.st0 + k, FileState.open, FileState.reader) !== FileState.open) continue;
        this.own.set(k, await inflateHere(this.trees[k]!, this.entries[k]!, this.groups[k]!));
        state = Atomics.load(ctl, at);
      }
    }
    const since = Date.now();
    while (state === FileState.worker) {
      Atomics.wait(ctl, at, FileState.worker, 100);
      state = Atomics.load(ctl, at);
      if (state === FileState.worker && Date.now() - since > 60_000) throw new Error(`${this.trees[fi]!.file}: a ROOT read-ahead worker stopped responding`);
    }
    if (state === FileState.tooBig) return undefined;
    const s = Atomics.load(ctl, this.st0 + this.files.length + fi);
    const base = s * this.slotBytes;
    const head = new Int32Array(this.bytes.buffer, base, 4);
    const t = this.trees[fi]!, groups = this.groups[fi]!, entries = this.entries[fi]!;
    if (state === FileState.failed) {
      const msg = Buffer.from(this.bytes.buffer, base + 16, head[3]!).toString('utf8');
      const index = head[1]!;
      this.free(fi);
      let i = 0;
      for (const g of groups) {
        for (const r of g.refs) {
          if (r.kind !== 'disk') continue;
          if (i++ === index) throw basketError(t, entries[g.members[0]!]!, r, msg, head[2] === 1 ? 'truncated' : 'corrupt');
        }
      }
      throw new DataError('corrupt', `${t.file}: ${msg}`, t.file);
    }
    const n = head[0]!;
    const meta = new Int32Array(this.bytes.buffer, base, 1 + 5 * n);
    let i = 0;
    const baskets = groups.map((g) => g.refs.map((r): Basket => {
      if (r.kind === 'embedded') return r.basket;
      const m = 1 + 5 * i++;
      return { u: new Uint8Array(this.bytes.buffer, base + meta[m]!, meta[m + 1]!), keylen: meta[m + 2]!, last: meta[m + 3]!, nevbuf: meta[m + 4]! };
    }));
    this.done++;
    return { baskets, groups, slot: true };
  }

  /** Gives file `fi`'s slot back to the workers (its baskets are decoded). */
  free(fi: number): void {
    const s = Atomics.load(this.ctl, this.st0 + this.files.length + fi);
    Atomics.store(this.ctl, AheadLayout.slots + s, 0);
    Atomics.add(this.ctl, AheadLayout.freed, 1);
    Atomics.notify(this.ctl, AheadLayout.freed);
  }

  /** Stops the workers and waits until they have left this read. */
  async stop(): Promise<void> {
    Atomics.store(this.ctl, AheadLayout.stop, 1);
    for (const w of [AheadLayout.pos, AheadLayout.freed, AheadLayout.known]) Atomics.notify(this.ctl, w);
    await Promise.all(this.stopped);
  }
}

const kindOfType = (type: string): Column['kind'] => (type === 'string' ? 'str' : type.startsWith('jagged<') ? 'jagged' : 'num');

/**
 * The columns of a chain being read, in file order: files read on this thread (`addFile`) decode their
 * fast-path baskets straight into one array per column and append their generic columns; parts read
 * elsewhere (a worker's run of files) are appended (`append`). The arrays are sized for `expectRows`
 * rows (exact when every file was opened first, else an estimate) and grow by doubling.
 */
class ChainColumns {
  readonly cols: FastColumn[];
  rows = 0;
  private readonly kinds: Column['kind'][];
  private readonly scratch = { buf: Buffer.alloc(0) };

  constructor(private readonly first: OpenTree, private readonly names: readonly string[], public expectRows: number) {
    this.cols = names.map((n) => ({ entry: branchOf(first, n), sink: undefined, at: 0 }));
    this.kinds = this.cols.map((c) => kindOfType(c.entry.type));
    const leaders = new Map<string, FastColumn>();
    for (const c of this.cols) {
      const k = counterOf(c.entry);
      if (k === undefined) continue;
      const lead = leaders.get(k);
      if (lead === undefined) { leaders.set(k, c); c.followers = []; } else { c.leader = lead; lead.followers!.push(c); }
    }
  }

  /** Reads every column of one more file of the chain on this thread. */
  async addFile(t: OpenTree, opts: RootReadOptions, inflated?: Inflated): Promise<void> {
    const fast: FastColumn[] = [];
    const generic: number[] = [];
    this.names.forEach((n, i) => {
      const b = branchOf(t, n);
      if (kindOfType(b.type) !== this.kinds[i]) {
        throw new DataError('bad-input', `${t.file}: branch \`${n}\` has type ${b.type} here but ${this.cols[i]!.entry.type} in ${this.first.file}`, t.file);
      }
      this.cols[i]!.entry = b;
      if (b.plan.path === 'fast') fast.push(this.cols[i]!); else generic.push(i);
    });
    // A follower goes alone from a file where it or its leader has another counter (or no fast path).
    for (const c of this.cols) if (c.leader !== undefined && (counterOf(c.entry) === undefined || counterOf(c.entry) !== counterOf(c.leader.entry))) unshare(c);
    this.expectRows = Math.max(this.expectRows, this.rows + t.entries);
    if (fast.length > 0) await readFastFile(t, fast, this.rows, this.expectRows, opts, this.scratch, inflated);
    if (generic.length > 0) {
      const part = await readGenericOf(t, generic.map((i) => this.names[i]!), opts);
      for (const i of generic) appendColumn(this.cols[i]!, part.get(this.names[i]!)!, this.rows, t.entries, this.expectRows);
    }
    this.rows += t.entries;
  }

  /** Appends `rows` rows read elsewhere (the next files of the chain). */
  append(part: ReadonlyMap<string, Column>, rows: number, file: string): void {
    this.expectRows = Math.max(this.expectRows, this.rows + rows);
    this.names.forEach((n, i) => {
      const c = part.get(n)!;
      if (c.kind !== this.kinds[i]) throw new DataError('bad-input', `${file}: column \`${n}\` is ${c.kind} there but ${this.kinds[i]} in ${this.first.file}`, file);
      const lead = this.cols[i]!.leader;
      const leadPart = lead === undefined ? undefined : part.get(this.names[this.cols.indexOf(lead)]!);
      const same = c.kind === 'jagged' && leadPart?.kind === 'jagged' && leadPart.offsets === c.offsets;
      appendColumn(this.cols[i]!, c, this.rows, rows, this.expectRows, same);
    });
    this.rows += rows;
  }

  finish(): Map<string, Column> {
    const out = new Map<string, Column>();
    this.cols.forEach((c, i) => {
      const p = c.entry.plan;
      if (c.leader !== undefined && c.sink === undefined) unshare(c);
      const sink = c.sink ?? emptySink(this.kinds[i]!, p.path === 'fast' && p.layout !== 'cstring' ? p.dtype : 'float64', 0, 0);
      if (sink.kind !== 'str' && sink.values.length !== c.at) sink.values = sink.values.subarray(0, c.at);
      if (c.leader !== undefined) sink.offsets = c.leader.sink!.offsets; // trimmed just before (leaders come first)
      else if (sink.kind === 'jagged' && sink.offsets.length !== this.rows + 1) sink.offsets = sink.offsets.subarray(0, this.rows + 1);
      if (sink.kind === 'str') sink.strs.length = this.rows;
      out.set(this.names[i]!, sinkColumn(sink));
    });
    return out;
  }
}

/**
 * Appends column part `part` (`rows` rows) to `c` at row `row0`. `sameOffsets`: the part's offsets are
 * the very array of its leader's part (a worker shared them), so a follower keeps sharing.
 */
function appendColumn(c: FastColumn, part: Column, row0: number, rows: number, expectRows: number, sameOffsets = false): void {
  if (c.sink === undefined) {
    const perRow = part.values.length / Math.max(1, rows);
    c.sink = emptySink(part.kind, part.dtype, Math.max(expectRows, row0 + rows), Math.ceil(perRow * Math.max(expectRows, row0 + rows) * 1.05) + 16);
    const lead = c.leader?.sink;
    if (lead !== undefined && c.sink.kind === 'jagged') c.sink.offsets = lead.offsets; // a follower shares from its first row
    else unshare(c);
  }
  const sink = c.sink;
  if (part.kind === 'str') {
    for (let i = 0; i < rows; i++) sink.strs[row0 + i] = part.values[i]!;
    return;
  }
  if (c.leader !== undefined) {
    // Shared offsets, written by the leader's part just before.
    const off = c.leader.sink?.offsets;
    if (sameOffsets && part.kind === 'jagged' && off !== undefined && off.length > row0 + rows && off[row0] === c.at && off[row0 + rows]! - off[row0]! === part.values.length) {
      grow(c, c.at + part.values.length, row0 + rows);
      sink.values.set(part.values, c.at);
      c.at += part.values.length;
      return;
    }
    unshare(c);
  }
  grow(c, c.at + part.values.length, row0 + rows);
  sink.values.set(part.values, c.at);
  if (part.kind === 'jagged') {
    const o = part.offsets, at = c.at;
    for (let i = 1; i <= rows; i++) sink.offsets[row0 + i] = at + o[i]!;
  }
  c.at += part.values.length;
}

async function readGenericOf(t: OpenTree, names: readonly string[], opts: RootReadOptions): Promise<Map<string, Column>> {
  const generic: GenericSpec[] = names.map((name) => {
    const b = branchOf(t, name);
    opts.verbose?.(`${t.file}: \`${name}\` (${b.type}) read by jsroot's generic reader: ${b.plan.path === 'generic' ? b.plan.why : ''}`);
    return { column: name, branch: b.branch, type: b.type };
  });
  return withJsFileOpen(t, () => withTimeout(readGenericColumns(t.obj, t.entries, generic, `${t.file} (${t.kind === 'RNTuple' ? 'RNTuple' : 'tree'} \`${t.tree}\`)`, t.kind === 'RNTuple'),
    opts.timeoutSeconds ?? 600, t.file, 'jsroot reading'));
}

/** Where one basket's bytes are: on disk, or embedded in the TTree object (already uncompressed). */
type BasketRef =
  | { readonly kind: 'disk'; readonly seek: number; readonly nbytes: number; readonly first: number; readonly entries: number }
  | { readonly kind: 'embedded'; readonly basket: Basket; readonly first: number; readonly entries: number };

function basketRefs(t: OpenTree, b: BranchEntry): BasketRef[] {
  const br = b.branch;
  const refs: BasketRef[] = [];
  const nw = Number(br.fWriteBasket);
  const seeks = br.fBasketSeek as ArrayLike<number>;
  const bytes = br.fBasketBytes as ArrayLike<number>;
  const firsts = br.fBasketEntry as ArrayLike<number>;
  for (let i = 0; i < nw; i++) {
    const first = Number(firsts[i]);
    const next = Number(firsts[i + 1]);
    refs.push({ kind: 'disk', seek: Number(seeks[i]), nbytes: Number(bytes[i]), first, entries: next - first });
  }
  let first = nw > 0 ? Number(firsts[nw]) : 0;
  for (const bk of (br.fBaskets?.arr ?? []) as any[]) {
    if (!bk || !bk.fNevBuf) continue;
    const ref = bk.fBufferRef;
    if (!ref?.arr) continue;
    const dv = ref.arr as DataView;
    const u = new Uint8Array(dv.buffer.slice(dv.byteOffset, dv.byteOffset + Number(ref.length ?? dv.byteLength)));
    refs.push({ kind: 'embedded', basket: { u, keylen: Number(bk.fKeylen), last: Number(bk.fLast), nevbuf: Number(bk.fNevBuf) }, first, entries: Number(bk.fNevBuf) });
    first += Number(bk.fNevBuf);
  }
  const covered = refs.reduce((s, r) => s + r.entries, 0);
  if (covered !== t.entries) {
    throw new DataError('corrupt', `${t.file}: branch \`${b.column}\` has baskets for ${covered} entries, the tree has ${t.entries}`, t.file);
  }
  return refs;
}

function basketError(t: OpenTree, b: BranchEntry, r: BasketRef, msg: string, code: 'corrupt' | 'truncated' = 'corrupt'): DataError {
  return new DataError(code, `${t.file}: branch \`${b.column}\`, entries ${r.first}–${r.first + r.entries - 1}: ${msg}`, t.file);
}

/**
 * One column of a chain being read: its output arrays (made at its first basket or appended part,
 * sized from its values per entry) and the next value to write. Fast-path files decode into it
 * basket by basket; generic files and workers' parts are appended.
 */
interface FastColumn {
  /** The column's branch in the file being read. */
  entry: BranchEntry;
  sink: Sink | undefined;
  at: number;
  /**
   * Counted arrays with the same counter (`Muon_Px[NMuon]`, `Muon_Py[NMuon]`) have the same offsets:
   * the first such column (the leader) builds them from its baskets' entry offsets, the others (its
   * followers) share that array and check only that each basket holds as many values as the counter
   * says (their own entry-offset arrays, redundant, are not read). A follower whose basket disagrees,
   * or whose branch differs in a later file, gets its own copy of the offsets and carries on alone.
   */
  leader?: FastColumn | undefined;
  followers?: FastColumn[];
}

/** Counted-array columns that can share offsets (see FastColumn.leader): counter text, or undefined. */
function counterOf(b: BranchEntry): string | undefined {
  const p = b.plan;
  return p.path === 'fast' && p.layout === 'counted' && p.header === undefined ? p.counter : undefined;
}

/** Ends the sharing of `c`'s offsets with its leader: `c` keeps a copy and builds its own from now on. */
function unshare(c: FastColumn): void {
  const lead = c.leader;
  if (lead === undefined) return;
  c.leader = undefined;
  lead.followers = lead.followers!.filter((f) => f !== c);
  if (c.sink !== undefined) c.sink.offsets = c.sink.offsets.slice();
}

/**
 * A follower's basket `r` (rows from `row0`): the number of values its leader's offsets give those
 * rows, after checking that the follower is where the leader was and the basket holds that many
 * values; undefined (and `c` unshared) when not.
 */
function followerValues(c: FastColumn, r: BasketRef, bk: Basket, row0: number): number | undefined {
  const off = c.leader!.sink?.offsets;
  const p = c.entry.plan;
  if (off === undefined || p.path !== 'fast' || p.layout !== 'counted') { unshare(c); return undefined; }
  const a = row0 + r.first, b = a + r.entries;
  const size = p.packing?.bytes ?? dtypeSize(p.dtype);
  const border = dataLength(bk);
  if (b >= off.length || off[a] !== c.at || border !== (off[b]! - off[a]!) * size) { unshare(c); return undefined; }
  // Spot checks of the basket's own entry offsets (first, middle and last entries) against the shared ones.
  const u = bk.u, words = border + 4;
  if (r.entries > 1) {
    if (words + 4 * r.entries > u.length) { unshare(c); return undefined; }
    for (const i of [1, r.entries >> 1, r.entries - 1]) {
      const at = words + 4 * i;
      const w = (u[at]! << 24) | (u[at + 1]! << 16) | (u[at + 2]! << 8) | u[at + 3]!;
      if (entryStart(w, bk.keylen, border) !== (off[a + i]! - off[a]!) * size) { unshare(c); return undefined; }
    }
  }
  return off[b]! - off[a]!;
}

/** The on-disk bytes of basket `r` of branch `b` from file `t` (open as `fd`, `size` bytes); a basket past the end or cut short is a 'truncated' DataError. */
function readBasketAt(t: OpenTree, b: BranchEntry, r: Extract<BasketRef, { kind: 'disk' }>, fd: number, size: number): Buffer {
  if (r.seek + r.nbytes > size) throw basketError(t, b, r, `basket at byte ${r.seek} (${r.nbytes} bytes) lies past the end of the file (${size} bytes)`, 'truncated');
  const raw = Buffer.allocUnsafe(r.nbytes);
  const n = fs.readSync(fd, raw, 0, r.nbytes, r.seek);
  if (n !== r.nbytes) throw basketError(t, b, r, `read ${n} of ${r.nbytes} basket bytes`, 'truncated');
  return raw;
}

/** Reads and inflates the baskets of `groups` (fileGroups of `entries`) of file `t` on this thread, for ReadAhead. */
async function inflateHere(t: OpenTree, entries: readonly BranchEntry[], groups: Groups): Promise<Inflated> {
  const fd = fs.openSync(t.file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const baskets: Basket[][] = [];
    for (const g of groups) {
      const head = entries[g.members[0]!]!;
      const list: Basket[] = [];
      for (const r of g.refs) {
        if (r.kind === 'embedded') { list.push(r.basket); continue; }
        const raw = readBasketAt(t, head, r, fd, size);
        try {
          list.push(await unpackBasketLoading(raw));
        } catch (e: unknown) {
          throw e instanceof BasketError ? basketError(t, head, r, e.message) : e;
        }
      }
      baskets.push(list);
    }
    return { baskets, groups, slot: false };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The fast-path branches `entries` of one file grouped by the baskets they decode (the leaves of a
 * leaf list share their branch's baskets), in order, with each group's baskets. Computed once per file:
 * a file inflated ahead (ReadAhead) carries its groups to readFastFile.
 */
function fileGroups(t: OpenTree, entries: readonly BranchEntry[]): Groups {
  const groups = new Map<unknown, number[]>();
  entries.forEach((b, i) => {
    const p = b.plan;
    const key = p.path === 'fast' && p.layout === 'fixed' && p.stride !== undefined ? b.branch : i;
    const g = groups.get(key);
    if (g) g.push(i); else groups.set(key, [i]);
  });
  return [...groups.values()].map((members) => ({ members, refs: basketRefs(t, entries[members[0]!]!) }));
}

/**
 * Reads the fast-path branches `cols` of one tree, basket by basket: each basket is read, decompressed,
 * checked and decoded into its column right away, so it is still in the CPU cache when decoded and
 * dies young (one basket alive at a time, not the whole file's). The leaves of a leaf list share their
 * branch's baskets: each basket is read and inflated once and every leaf decodes from it.
 * `scratch` (one per readTrees call) holds the raw bytes of a file's basket span, reused for the next
 * file. Big files (over 32 MB compressed, or `opts.threads`) are decompressed on worker threads first.
 */
async function readFastFile(t: OpenTree, cols: readonly FastColumn[], row0: number, expectRows: number, opts: RootReadOptions, scratch: { buf: Buffer }, inflated?: Inflated): Promise<void> {
  const groups = inflated?.groups ?? fileGroups(t, cols.map((c) => c.entry));
  const owners = groups.map((g) => g.members.map((i) => cols[i]!));
  const refs = groups.map((g) => g.refs);
  const decodeOne = (g: readonly FastColumn[], r: BasketRef, bk: Basket): void => {
    for (const c of g) {
      const b = c.entry;
      try {
        const n = c.leader !== undefined ? followerValues(c, r, bk, row0) : undefined;
        if (n !== undefined) {
          // Offsets shared with the leader: only the values to decode.
          const p = b.plan as Extract<Plan, { layout: 'counted' }>;
          const sink = sinkFor(c, r, row0, n, expectRows);
          if (p.packing) decodePacked(p.packing, bk.u, 0, n, sink.values, c.at);
          else decodeBE(p.dtype, bk.u, 0, n, sink.values, c.at);
          c.at += n;
          continue;
        }
        const m = measureBasket(b, r, bk);
        const sink = sinkFor(c, r, row0, m.values, expectRows);
        c.at += decodeBasket(b, r, bk, m, sink, row0, c.at);
      } catch (e: unknown) {
        throw e instanceof BasketError ? basketError(t, b, r, e.message) : e;
      }
    }
  };
  if (inflated !== undefined) {
    // Read and inflated by a read-ahead worker (readTrees): only the decoding is left.
    refs.forEach((list, i) => list.forEach((r, k) => decodeOne(owners[i]!, r, inflated.baskets[i]![k]!)));
    return;
  }
  const fd = fs.openSync(t.file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const totalBytes = refs.flat().reduce((s, r) => s + (r.kind === 'disk' ? r.nbytes : 0), 0);
    const threads = opts.threads ?? (totalBytes > 32 * 1024 * 1024 ? Math.min(4, Math.max(0, os.availableParallelism() - 1)) : 0);
    if (threads > 0) {
      const { unpackInWorkers } = await import('./root-pool.js');
      const baskets = await unpackInWorkers(t.file, size, refs.map((list, i) => list.map((r) => (r.kind === 'disk' ? { seek: r.seek, nbytes: r.nbytes, where: `branch \`${owners[i]![0]!.entry.column}\`, entries ${r.first}–${r.first + r.entries - 1}` } : null))), threads);
      opts.verbose?.(`${t.file}: decompressed ${refs.flat().length} baskets on ${threads} worker threads`);
      refs.forEach((list, i) => list.forEach((r, k) => decodeOne(owners[i]!, r, r.kind === 'embedded' ? r.basket : baskets[i]![k]!)));
      return;
    }
    // Baskets close together on disk (gaps under 16 kB) are read together, one read per such cluster
    // into `scratch`, when the wanted baskets total at most 8 MB; otherwise one read per basket. Only
    // the wanted bytes and small gaps are copied (a file's other branches lie between them).
    const disk = refs.flat().filter((r): r is Extract<BasketRef, { kind: 'disk' }> => r.kind === 'disk' && r.seek + r.nbytes <= size).sort((a, b) => a.seek - b.seek);
    let raws: Map<BasketRef, Buffer> | undefined;
    if (disk.length > 1 && totalBytes <= 8 * 1024 * 1024) {
      const clusters: { start: number; end: number; refs: typeof disk }[] = [];
      for (const r of disk) {
        const last = clusters.at(-1);
        if (last !== undefined && r.seek - last.end <= 16 * 1024) { last.end = Math.max(last.end, r.seek + r.nbytes); last.refs.push(r); } else clusters.push({ start: r.seek, end: r.seek + r.nbytes, refs: [r] });
      }
      const need = clusters.reduce((n, c) => n + c.end - c.start, 0);
      if (scratch.buf.length < need) scratch.buf = Buffer.allocUnsafe(Math.max(need, 2 * scratch.buf.length));
      raws = new Map();
      let o = 0;
      for (const c of clusters) {
        const len = c.end - c.start;
        if (fs.readSync(fd, scratch.buf, o, len, c.start) !== len) { raws = undefined; break; } // read per basket: names the short one
        for (const r of c.refs) raws.set(r, scratch.buf.subarray(o + r.seek - c.start, o + r.seek - c.start + r.nbytes));
        o += len;
      }
    }
    for (let i = 0; i < owners.length; i++) {
      const g = owners[i]!;
      for (const r of refs[i]!) {
        if (r.kind === 'embedded') { decodeOne(g, r, r.basket); continue; }
        const raw = raws?.get(r) ?? readBasketAt(t, g[0]!.entry, r, fd, size);
        let bk: Basket | Promise<Basket>;
        try {
          try {
            bk = unpackBasket(raw);
          } catch (e: unknown) {
            if (!(e instanceof CodecNotLoaded)) throw e;
            await prepareCodecs([e.codec]); // first basket of this codec in the process
            bk = unpackBasket(raw);
          }
          if (bk instanceof Promise) bk = await bk;
        } catch (e: unknown) {
          throw e instanceof BasketError ? basketError(t, g[0]!.entry, r, e.message) : e;
        }
        decodeOne(g, r, bk);
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  for (const c of cols) opts.verbose?.(`${t.file}: \`${c.entry.column}\` (${c.entry.type}) read by the fast path from ${refs[owners.findIndex((g) => g.includes(c))]!.length} baskets`);
}

/**
 * The output arrays of column `c`, with room for basket `r` (rows from `row0`) and its `values` values:
 * made at the column's first basket (sized exactly for fixed layouts, else from this basket's values
 * per entry over `expectRows` rows, plus 10 %), grown by doubling when a later basket needs more.
 */
function sinkFor(c: FastColumn, r: BasketRef, row0: number, values: number, expectRows: number): Sink {
  const rows = row0 + r.first + r.entries;
  if (c.sink === undefined) {
    const plan = c.entry.plan;
    const cap = Math.max(expectRows, rows);
    const exact = plan.path === 'fast' && plan.layout === 'fixed' ? cap * plan.len : 0;
    const est = exact > 0 ? exact : Math.ceil((values / Math.max(1, r.entries)) * cap * 1.1) + 16;
    const lead = c.leader?.sink;
    c.sink = lead !== undefined && plan.path === 'fast' && plan.layout === 'counted'
      ? { kind: 'jagged', dtype: plan.dtype, values: outArrays.f64(Math.max(c.at + values, est)), offsets: lead.offsets, strs: [] }
      : makeSink(c.entry, cap, Math.max(c.at + values, est));
  }
  grow(c, c.at + values, rows);
  return c.sink;
}

/** `room` for column `c`; a leader's grown offsets go to its followers, whose offsets it sizes. */
function grow(c: FastColumn, values: number, rows: number): void {
  const sink = c.sink!;
  if (c.leader !== undefined) { room(sink, c.at, values, 0); return; }
  const before = sink.offsets;
  room(sink, c.at, values, rows);
  if (sink.offsets !== before) for (const f of c.followers ?? []) if (f.sink !== undefined) f.sink.offsets = sink.offsets;
}

/** Grows `sink` (by doubling) to hold `values` values (`at` written so far) and `rows` rows. */
function room(sink: Sink, at: number, values: number, rows: number): void {
  if (values > sink.values.length) {
    const grown = outArrays.f64(Math.max(values, 2 * sink.values.length));
    grown.set(sink.values.subarray(0, at));
    sink.values = grown;
  }
  if (sink.kind === 'jagged' && rows + 1 > sink.offsets.length) {
    const grown = outArrays.i32(Math.max(rows + 1, 2 * sink.offsets.length));
    grown.set(sink.offsets);
    sink.offsets = grown;
  }
}

/** What `measureBasket` learns from one decompressed basket: its value count and entry layout. */
interface Measured {
  readonly values: number;
  /** Entry offsets (cstring) or value starts and counts (vector, marked pointer arrays). */
  readonly offs?: Int32Array;
  readonly starts?: Int32Array;
  readonly counts?: Int32Array;
}

/** Validates a basket and counts its values, without decoding them. Throws BasketError. */
function measureBasket(b: BranchEntry, r: BasketRef, bk: Basket): Measured {
  const plan = b.plan;
  if (plan.path !== 'fast') throw new Error('measureBasket on a non-fast branch');
  switch (plan.layout) {
    case 'fixed': {
      const size = plan.packing?.bytes ?? dtypeSize(plan.dtype);
      const perEntry = plan.stride ?? plan.len * size;
      const len = dataLength(bk);
      if (len !== r.entries * perEntry || len > bk.u.length) throw new BasketError(`basket holds ${len} bytes, expected ${r.entries * perEntry} (corrupt basket)`);
      return { values: r.entries * plan.len };
    }
    case 'counted': {
      const size = plan.packing?.bytes ?? dtypeSize(plan.dtype);
      const header = plan.header ?? 0;
      if (header > 0) {
        // A split member `T* x; //[n]`: per entry a marker byte, then the values (an empty entry may omit both).
        const o = entryOffsets(bk, r.entries);
        const starts = new Int32Array(r.entries);
        const counts = new Int32Array(r.entries);
        let total = 0;
        for (let i = 0; i < r.entries; i++) {
          const len = o[i + 1]! - o[i]!;
          const body = len === 0 ? 0 : len - header;
          if (body < 0 || body % size !== 0) throw new BasketError(`entry ${r.first + i} has ${len} bytes, not ${header} + a multiple of ${size}`);
          starts[i] = o[i]! + (len === 0 ? 0 : header);
          counts[i] = body / size;
          total += counts[i]!;
        }
        return { values: total, starts, counts };
      }
      // Only the value count here: the entry offsets are checked and turned into the column's offsets
      // in one pass when the basket is decoded (countedEnds).
      const len = dataLength(bk);
      if (len < 0 || len % size !== 0) throw new BasketError(`basket data length ${len} is not a multiple of ${size}`);
      return { values: len / size };
    }
    case 'cstring':
      return { values: 0, offs: entryOffsets(bk, r.entries) };
    case 'vector': {
      const size = dtypeSize(plan.dtype);
      // Entry layout: int32 bytecount | 0x40000000, int16 version, int32 n, n values.
      const o = entryOffsets(bk, r.entries);
      const dv = new DataView(bk.u.buffer, bk.u.byteOffset, bk.u.byteLength);
      const starts = new Int32Array(r.entries);
      const counts = new Int32Array(r.entries);
      let total = 0;
      for (let i = 0; i < r.entries; i++) {
        let p = o[i]!;
        const end = o[i + 1]!;
        if (end - p >= 4 && (dv.getUint32(p) & 0x40000000) !== 0) p += 6;
        if (p + 4 > end) throw new BasketError(`entry ${r.first + i} is too short for a vector`);
        const cnt = dv.getInt32(p);
        if (cnt < 0 || p + 4 + cnt * size !== end) throw new BasketError(`entry ${r.first + i} declares ${cnt} values in ${end - p - 4} bytes`);
        starts[i] = p + 4;
        counts[i] = cnt;
        total += cnt;
      }
      return { values: total, starts, counts };
    }
  }
}

/** Output arrays for one column over the whole chain, filled basket by basket (and part by part). */
interface Sink {
  readonly kind: Column['kind'];
  readonly dtype: Dtype;
  values: Float64Array;
  offsets: Int32Array;
  readonly strs: string[];
}

function makeSink(b: BranchEntry, rows: number, values: number): Sink {
  const plan = b.plan;
  if (plan.path !== 'fast') throw new Error('makeSink on a non-fast branch');
  if (plan.layout === 'cstring') return emptySink('str', 'string', rows, 0);
  return emptySink(plan.layout !== 'fixed' || plan.len > 1 ? 'jagged' : 'num', plan.dtype, rows, values);
}

/** Empty arrays of `kind` for `rows` rows and `values` values. */
function emptySink(kind: Column['kind'], dtype: Dtype, rows: number, values: number): Sink {
  if (kind === 'str') return { kind, dtype: 'string', values: new Float64Array(0), offsets: new Int32Array(0), strs: new Array<string>(rows) };
  const offsets = kind === 'jagged' ? outArrays.i32(rows + 1) : new Int32Array(0);
  if (offsets.length > 0) offsets[0] = 0; // the only word not written by the decoders
  return { kind, dtype, values: outArrays.f64(values), offsets, strs: [] };
}

/**
 * Where the output arrays of a read come from. Their contents need not be zero: the decoders write
 * every value up to a column's length and every entry offset after the first, which emptySink sets.
 */
export interface OutArrays {
  f64(n: number): Float64Array;
  i32(n: number): Int32Array;
}

let outArrays: OutArrays = { f64: (n) => new Float64Array(n), i32: (n) => new Int32Array(n) };

/**
 * Makes this thread's reads take their output arrays from `a` (a whole-file worker reuses the buffers
 * of the parts it has sent, so it does not page in fresh memory for every run).
 */
export function useOutArrays(a: OutArrays): void {
  outArrays = a;
}

function sinkColumn(s: Sink): Column {
  if (s.kind === 'str') return { kind: 'str', dtype: 'string', values: s.strs };
  if (s.kind === 'num') return { kind: 'num', dtype: s.dtype, values: s.values };
  return { kind: 'jagged', dtype: s.dtype, offsets: s.offsets, values: s.values };
}

/**
 * Decodes a measured basket into `sink`: its entries are rows `row0 + r.first …` and its values go
 * to `at …`. Returns the values written. Throws BasketError.
 */
function decodeBasket(b: BranchEntry, r: BasketRef, bk: Basket, m: Measured, sink: Sink, row0: number, at: number): number {
  const plan = b.plan;
  if (plan.path !== 'fast') throw new Error('decodeBasket on a non-fast branch');
  switch (plan.layout) {
    case 'fixed': {
      const p = plan.packing;
      let u = bk.u;
      if (plan.stride !== undefined) {
        // A leaf of a leaf list: gather its bytes out of each entry's record first.
        const w = plan.len * (p?.bytes ?? dtypeSize(plan.dtype)), off = plan.at ?? 0;
        const g = new Uint8Array(r.entries * w);
        for (let e = 0; e < r.entries; e++) g.set(u.subarray(e * plan.stride + off, e * plan.stride + off + w), e * w);
        u = g;
      }
      if (p) decodePacked(p, u, 0, m.values, sink.values, at);
      else decodeBE(plan.dtype, u, 0, m.values, sink.values, at);
      if (plan.len > 1) {
        const base = row0 + r.first;
        for (let i = 1; i <= r.entries; i++) sink.offsets[base + i] = at + i * plan.len;
      }
      return m.values;
    }
    case 'counted': {
      if (m.starts !== undefined) return decodeRuns(plan.dtype, r, bk, m, sink, row0, at);
      const size = plan.packing?.bytes ?? dtypeSize(plan.dtype);
      const count = countedEnds(bk, r.entries, size, sink.offsets, row0 + r.first + 1, at, r.first);
      if (plan.packing) decodePacked(plan.packing, bk.u, 0, count, sink.values, at);
      else decodeBE(plan.dtype, bk.u, 0, count, sink.values, at);
      return count;
    }
    case 'cstring': {
      const o = m.offs!;
      for (let i = 0; i < r.entries; i++) sink.strs[row0 + r.first + i] = readRootString(bk.u, o[i]!, o[i + 1]!)[0];
      return 0;
    }
    case 'vector':
      return decodeRuns(plan.dtype, r, bk, m, sink, row0, at);
  }
}

/** Decodes a basket's entries given as (start, count) runs (vectors, marked pointer arrays). */
function decodeRuns(dtype: Dtype, r: BasketRef, bk: Basket, m: Measured, sink: Sink, row0: number, at: number): number {
  const st = m.starts!, ct = m.counts!;
  const v0 = at;
  for (let i = 0; i < r.entries; i++) {
    decodeBE(dtype, bk.u, st[i]!, ct[i]!, sink.values, at);
    at += ct[i]!;
    sink.offsets[row0 + r.first + i + 1] = at;
  }
  return at - v0;
}

// ---------------------------------------------------------------------------------------------
// Chains

/**
 * Reads `columns` of an opened tree with jsroot's generic reader only (TSelector/treeProcess, or
 * rntupleProcess): the oracle of the tests and the peer of the benchmark.
 */
export async function readRootGeneric(t: OpenTree, columns: readonly string[]): Promise<Map<string, Column>> {
  if (t.direct === true) throw new Error(`${t.file}: readRootGeneric needs a tree opened by jsroot`);
  const specs = columns.map((c) => { const b = branchOf(t, c); return { column: c, branch: b.branch, type: b.type }; });
  return withJsFileOpen(t, () => readGenericColumns(t.obj, t.entries, specs, t.file, t.kind === 'RNTuple'));
}

/** Forgets the parsed trees kept by `openTree` (benchmarks measure cold reads with it). */
export function clearRootCache(): void {
  directOnlyCache.clear();
  openCache.clear();
  directCache.clear();
  templateHashes.clear();
  workerTemplates.clear();
}
