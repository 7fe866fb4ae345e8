/**
 * `winnow convert IN... OUT.parquet`: a ROOT tree or chain (or a CSV file) to one Parquet file.
 *
 * May import: root, parquet, csv, table, root-errors, node:fs.
 * Numeric branches keep their ROOT type (int32, float32, bool, ...), jagged branches become Arrow list
 * columns (`list<float32>`), strings utf8; the file is written atomically (temp + fsync + rename), so
 * an interrupted conversion leaves no half-written output. Readers other than winnow (DuckDB,
 * pyarrow, hyparquet) read the result: see test/runtime/io/convert.test.ts.
 * A chain is read in runs of files (about 64 MB of ROOT files each) that are streamed into the Parquet
 * writer, so converting a chain needs the memory of one run and one row group, not of the whole chain.
 */
import fs from 'node:fs';
import { readRoot, expandPaths, openTree, isReadable, readableColumns } from './root.js';
import { writeParquet, writeParquetStream, type ParquetWriteOptions } from './parquet.js';
import type { Table } from './table.js';
import { DataError, didYouMean } from './root-errors.js';

export interface ConvertInput {
  /** Input files or globs (a chain). */
  readonly paths: string | readonly string[];
  readonly tree?: string | undefined;
  /** Columns to keep (all readable ones when omitted). */
  readonly columns?: readonly string[] | undefined;
}

export interface ConvertOptions extends ParquetWriteOptions {
  /** fraction in [0, 1]; message names the file being read or the write. */
  readonly onProgress?: ((p: { fraction: number; message?: string }) => void) | undefined;
  readonly verbose?: ((message: string) => void) | undefined;
  /** Compressed bytes of ROOT files read and written per run (default 64 MB). */
  readonly runBytes?: number | undefined;
}

export interface ConvertResult {
  readonly rows: number;
  readonly columns: string[];
  readonly bytes: number;
  /** Branches left out of a conversion of every column because winnow cannot read their type yet. */
  readonly skipped: { readonly name: string; readonly rootType: string }[];
}

function isRoot(path: string): boolean {
  try {
    const fd = fs.openSync(path, 'r');
    const b = Buffer.alloc(4);
    fs.readSync(fd, b, 0, 4, 0);
    fs.closeSync(fd);
    return b.toString('latin1') === 'root';
  } catch {
    throw new DataError('not-found', `${path}: no such file`, path);
  }
}

/** Runs of consecutive files holding about `bytes` bytes each (at least one file per run), with their sizes. */
function runsOf(files: readonly string[], bytes: number): { files: string[]; bytes: number }[] {
  const runs: { files: string[]; bytes: number }[] = [];
  let cur: { files: string[]; bytes: number } = { files: [], bytes: 0 };
  for (const f of files) {
    const n = fs.statSync(f).size;
    if (cur.files.length > 0 && cur.bytes + n > bytes) { runs.push(cur); cur = { files: [], bytes: 0 }; }
    cur.files.push(f);
    cur.bytes += n;
  }
  if (cur.files.length > 0) runs.push(cur);
  return runs;
}

/** Converts the input chain to Parquet at `out`; returns what was written. */
export async function convertToParquet(input: ConvertInput, out: string, opts: ConvertOptions = {}): Promise<ConvertResult> {
  const files = expandPaths(input.paths);
  if (files.every(isRoot) || files.some((f) => f.endsWith('.root'))) {
    // The column list comes from the first file, so every run writes the same columns.
    const first = await openTree(files[0]!, input.tree, { verbose: opts.verbose });
    const names = input.columns ? [...input.columns] : readableColumns(first);
    const skipped = input.columns ? [] : first.branches.filter((b) => !isReadable(b)).map((b) => ({ name: b.column, rootType: b.rootType }));
    const runs = runsOf(files, opts.runBytes ?? 64 * 1024 * 1024);
    const total = runs.reduce((s, r) => s + r.bytes, 0);
    let run = 0, doneBytes = 0;
    const rows = await writeParquetStream(async () => {
      if (run >= runs.length) return undefined;
      const r = runs[run++]!;
      const t = await readRoot({ paths: r.files, tree: input.tree ?? first.tree, columns: names }, {
        verbose: opts.verbose,
        onProgress: (p) => opts.onProgress?.({ fraction: ((doneBytes + (p.filesDone / p.files) * r.bytes) / Math.max(1, total)) * 0.98, message: `read ${p.file}` }),
      });
      doneBytes += r.bytes;
      opts.onProgress?.({ fraction: (doneBytes / Math.max(1, total)) * 0.98, message: `writing ${out}` });
      return t;
    }, out, opts);
    opts.onProgress?.({ fraction: 1, message: `wrote ${out}` });
    return { rows, columns: names, bytes: fs.statSync(out).size, skipped };
  }
  if (files.length !== 1) throw new DataError('bad-input', `convert reads one CSV file at a time, got ${files.length}`);
  const { readCsv, csvSchema } = await import('./csv.js');
  const cnames = csvSchema(files[0]!).map((c) => c.name);
  for (const c of input.columns ?? []) {
    if (!cnames.includes(c)) throw new DataError('missing-column', `${files[0]}: no column \`${c}\`${didYouMean(c, cnames)}`, files[0]);
  }
  const table: Table = readCsv(files[0]!, input.columns ? { columns: input.columns } : {});
  opts.onProgress?.({ fraction: 0.9, message: `writing ${out}` });
  await writeParquet(table, out, opts);
  opts.onProgress?.({ fraction: 1, message: `wrote ${out}` });
  return { rows: table.rows, columns: [...table.columns.keys()], bytes: fs.statSync(out).size, skipped: [] };
}
