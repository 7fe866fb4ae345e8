/**
 * `winnow convert IN... OUT.parquet`: a ROOT tree or chain (or a CSV file) to one Parquet file.
 *
 * May import: root, parquet, csv, table, root-errors, node:fs.
 * Numeric branches keep their ROOT type (int32, float32, bool, ...), jagged branches become Arrow list
 * columns (`list<float32>`), strings utf8; the file is written atomically (temp + fsync + rename), so
 * an interrupted conversion leaves no half-written output. Readers other than winnow (DuckDB,
 * pyarrow, hyparquet) read the result: see test/runtime/io/convert.test.ts.
 * The whole chain is read into memory first (one Table); chains larger than memory are not handled yet.
 */
import fs from 'node:fs';
import { readRoot, expandPaths } from './root.js';
import { writeParquet, type ParquetWriteOptions } from './parquet.js';
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
}

export interface ConvertResult {
  readonly rows: number;
  readonly columns: string[];
  readonly bytes: number;
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

/** Converts the input chain to Parquet at `out`; returns what was written. */
export async function convertToParquet(input: ConvertInput, out: string, opts: ConvertOptions = {}): Promise<ConvertResult> {
  const files = expandPaths(input.paths);
  let table: Table;
  if (files.every(isRoot) || files.some((f) => f.endsWith('.root'))) {
    table = await readRoot({ paths: files, tree: input.tree, columns: input.columns }, {
      verbose: opts.verbose,
      onProgress: (p) => opts.onProgress?.({ fraction: 0.9 * (p.entriesDone / Math.max(1, p.entries)), message: `read ${p.file}` }),
    });
  } else {
    if (files.length !== 1) throw new DataError('bad-input', `convert reads one CSV file at a time, got ${files.length}`);
    const { readCsv, csvSchema } = await import('./csv.js');
    const names = csvSchema(files[0]!).map((c) => c.name);
    for (const c of input.columns ?? []) {
      if (!names.includes(c)) throw new DataError('missing-column', `${files[0]}: no column \`${c}\`${didYouMean(c, names)}`, files[0]);
    }
    table = readCsv(files[0]!, input.columns ? { columns: input.columns } : {});
    opts.onProgress?.({ fraction: 0.9, message: `read ${files[0]}` });
  }
  opts.onProgress?.({ fraction: 0.9, message: `writing ${out}` });
  await writeParquet(table, out, opts);
  opts.onProgress?.({ fraction: 1, message: `wrote ${out}` });
  return { rows: table.rows, columns: [...table.columns.keys()], bytes: fs.statSync(out).size };
}
