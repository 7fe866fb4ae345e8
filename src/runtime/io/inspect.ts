/**
 * `winnow inspect FILE`: what a ROOT, Parquet or CSV file holds, from its headers.
 *
 * May import: root, parquet, csv, codecs, root-errors, node:fs, node:path.
 * `inspectFile` returns plain data (the CLI prints it as JSON with --json); `formatInspect` renders it
 * as aligned text tables. For ROOT files every TTree and RNTuple is listed with each branch's winnow
 * type, ROOT type, compression setting, basket count, compressed/uncompressed bytes and which reader
 * path (fast, generic, unsupported) `readRoot` would take. Nothing here reads event data, except
 * counting CSV rows.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import { createRequire } from 'node:module';
import type * as PW from 'parquet-wasm';
import { openTree, rootTrees, checkRootHeader } from './root.js';
import { parquetSchemaFromBytes } from './parquet.js';
import { compressionSetting } from './codecs.js';
import { DataError } from './root-errors.js';

export interface InspectBranch {
  readonly name: string;
  /** winnow type: 'float32', 'jagged<int32>', 'string', or 'root:<ROOT type>' when unreadable. */
  readonly type: string;
  readonly rootType: string;
  readonly compression: string;
  readonly baskets: number;
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
  readonly reader: 'fast' | 'generic' | 'unsupported';
}

export interface InspectTree {
  readonly name: string;
  readonly kind: 'TTree' | 'RNTuple';
  readonly title: string;
  readonly entries: number;
  readonly branches: readonly InspectBranch[];
  /** RNTuple: number of clusters (baskets do not apply). */
  readonly clusters?: number;
}

export type InspectResult =
  | { readonly format: 'root'; readonly file: string; readonly bytes: number; readonly rootVersion: string; readonly compression: string; readonly trees: readonly InspectTree[] }
  | { readonly format: 'parquet'; readonly file: string; readonly bytes: number; readonly rows: number; readonly rowGroups: number; readonly createdBy: string;
      readonly columns: readonly { readonly name: string; readonly type: string; readonly compression: string; readonly compressedBytes: number; readonly uncompressedBytes: number }[] }
  | { readonly format: 'csv'; readonly file: string; readonly bytes: number; readonly rows: number; readonly columns: readonly { readonly name: string; readonly type: string }[] };

function fileFormat(path: string): 'root' | 'parquet' | 'csv' {
  let head: Buffer;
  try {
    const fd = fs.openSync(path, 'r');
    head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    fs.closeSync(fd);
  } catch {
    throw new DataError('not-found', `${path}: no such file`, path);
  }
  const magic = head.toString('latin1');
  if (magic === 'root') return 'root';
  if (magic === 'PAR1') return 'parquet';
  const ext = nodePath.extname(path).toLowerCase();
  if (ext === '.root') return 'root'; // reported as "not a ROOT file" below
  if (ext === '.parquet') return 'parquet';
  return 'csv';
}

function rootVersion(v: number): string {
  const x = v % 1000000;
  const major = Math.floor(x / 10000), minor = Math.floor((x % 10000) / 100), patch = x % 100;
  return `${major}.${String(minor).padStart(2, '0')}/${String(patch).padStart(2, '0')}`;
}

/** Reads the headers of `path` (.root, .parquet, or a delimited text file). */
export async function inspectFile(path: string): Promise<InspectResult> {
  const format = fileFormat(path);
  const bytes = fs.statSync(path).size;
  if (format === 'root') {
    checkRootHeader(path);
    const list = await rootTrees(path);
    const trees: InspectTree[] = [];
    let fileCompress = 1;
    let version = '';
    for (const k of list) {
      const t = await openTree(path, k.name, {});
      fileCompress = Number(t.jsfile.fCompress ?? 1);
      version = rootVersion(Number(t.jsfile.fVersion));
      if (t.kind === 'RNTuple') {
        const builder = t.obj.builder as { clusterSummaries?: unknown[] } | undefined;
        trees.push({ name: t.tree, kind: 'RNTuple', title: k.title, entries: t.entries, clusters: builder?.clusterSummaries?.length ?? 0,
          branches: t.branches.map((b) => ({ name: b.column, type: b.type, rootType: b.rootType, compression: '', baskets: 0,
            compressedBytes: 0, uncompressedBytes: 0, reader: b.plan.path === 'none' ? 'unsupported' : b.plan.path })) });
        continue;
      }
      const treeCompress = Number(t.obj.fCompress ?? -1); // not streamed by every version
      trees.push({
        name: t.tree, kind: 'TTree', title: String(t.obj.fTitle ?? ''), entries: t.entries,
        branches: t.branches.map((b) => {
          const br = b.branch;
          let c = Number(br.fCompress);
          if (!(c >= 0)) c = treeCompress >= 0 ? treeCompress : fileCompress;
          const embedded = ((br.fBaskets?.arr ?? []) as unknown[]).filter((x) => x !== null && x !== undefined).length;
          return {
            name: b.column, type: b.type, rootType: b.rootType, compression: compressionSetting(c),
            baskets: Number(br.fWriteBasket) + embedded,
            compressedBytes: Number(br.fZipBytes ?? 0), uncompressedBytes: Number(br.fTotBytes ?? 0),
            reader: b.plan.path === 'none' ? 'unsupported' : b.plan.path,
          };
        }),
      });
    }
    if (version === '') {
      const h = Buffer.alloc(8);
      const fd = fs.openSync(path, 'r');
      fs.readSync(fd, h, 0, 8, 0);
      fs.closeSync(fd);
      version = rootVersion(h.readInt32BE(4));
    }
    return { format: 'root', file: path, bytes, rootVersion: version, compression: compressionSetting(fileCompress), trees };
  }
  if (format === 'parquet') {
    const data = fs.readFileSync(path);
    const cols = parquetSchemaFromBytes(data, path);
    const P = createRequire(import.meta.url)('parquet-wasm') as typeof PW;
    const pf = await P.ParquetFile.fromFile(new Blob([data]));
    const md = pf.metadata();
    const fmd = md.fileMetadata();
    const groups = md.rowGroups();
    const stats = cols.map((c) => ({ name: c.name, type: c.type, compression: '', compressedBytes: 0, uncompressedBytes: 0 }));
    for (const g of groups) {
      for (const cc of g.columns()) {
        const top = cc.columnPath()[0] ?? '';
        const s = stats.find((x) => x.name === top) ?? stats.find((x) => cc.columnPath().join('.').startsWith(x.name));
        if (!s) continue;
        s.compression = String((P.Compression as unknown as Record<number, string>)[cc.compression()] ?? cc.compression()).toLowerCase();
        s.compressedBytes += cc.compressedSize();
        s.uncompressedBytes += cc.uncompressedSize();
      }
    }
    const out: InspectResult = { format: 'parquet', file: path, bytes, rows: fmd.numRows(), rowGroups: md.numRowGroups(), createdBy: fmd.createdBy() ?? '', columns: stats };
    pf.free();
    return out;
  }
  const { csvSchema, readCsv } = await import('./csv.js');
  // A first line of numbers only is data, not a header (e.g. LightGBM's binary.train).
  const fd = fs.openSync(path, 'r');
  const head = Buffer.alloc(4096);
  const n = fs.readSync(fd, head, 0, 4096, 0);
  fs.closeSync(fd);
  const line = head.toString('utf8', 0, n).split(/\r?\n/)[0] ?? '';
  const fields = line.split(/[\t,;]/).map((f) => f.trim()).filter((f) => f !== '');
  const header = !(fields.length > 0 && fields.every((f) => Number.isFinite(Number(f))));
  const columns = csvSchema(path, { header });
  const first = columns[0]?.name;
  const rows = first === undefined ? 0 : readCsv(path, { header, columns: [first] }).rows;
  return { format: 'csv', file: path, bytes, rows, columns };
}

// ---------------------------------------------------------------------------------------------
// Text rendering

function human(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let x = n, u = -1;
  while (x >= 1000 && u < units.length - 1) { x /= 1000; u++; }
  return `${x.toFixed(x < 10 ? 2 : 1)} ${units[u]}`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string =>
    '  ' + r.map((c, i) => (right.has(i) ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

/** A readable, aligned text rendering of `r` (ends with a newline). */
export function formatInspect(r: InspectResult): string {
  const out: string[] = [];
  if (r.format === 'root') {
    out.push(`${r.file}: ROOT file, version ${r.rootVersion}, ${human(r.bytes)}, compression ${r.compression}`);
    if (r.trees.length === 0) out.push('  (no TTree or RNTuple)');
    for (const t of r.trees) {
      out.push('');
      const extra = t.kind === 'RNTuple' ? `, ${t.clusters ?? 0} clusters` : '';
      out.push(`${t.kind} ${t.name}${t.title ? ` "${t.title}"` : ''}: ${t.entries} entries, ${t.branches.length} ${t.kind === 'RNTuple' ? 'fields' : 'branches'}${extra}`);
      if (t.kind === 'RNTuple') {
        out.push(table(['field', 'type', 'ROOT type', 'read by'], t.branches.map((b) => [b.name, b.type, b.rootType, b.reader]), new Set()));
      } else {
        out.push(table(['branch', 'type', 'ROOT type', 'compression', 'baskets', 'compressed', 'uncompressed', 'read by'],
          t.branches.map((b) => [b.name, b.type, b.rootType, b.compression, String(b.baskets), human(b.compressedBytes), human(b.uncompressedBytes), b.reader]),
          new Set([4, 5, 6])));
      }
    }
  } else if (r.format === 'parquet') {
    out.push(`${r.file}: Parquet file, ${human(r.bytes)}, ${r.rows} rows in ${r.rowGroups} row group${r.rowGroups === 1 ? '' : 's'}${r.createdBy ? `, written by ${r.createdBy}` : ''}`);
    out.push(table(['column', 'type', 'compression', 'compressed', 'uncompressed'],
      r.columns.map((c) => [c.name, c.type, c.compression, human(c.compressedBytes), human(c.uncompressedBytes)]), new Set([3, 4])));
  } else {
    out.push(`${r.file}: delimited text, ${human(r.bytes)}, ${r.rows} rows, ${r.columns.length} columns`);
    out.push(table(['column', 'type'], r.columns.map((c) => [c.name, c.type]), new Set()));
  }
  return out.join('\n') + '\n';
}
