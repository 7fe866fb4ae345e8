/**
 * Parquet and Arrow IPC: reading and writing winnow `Table`s, and the cache's byte format.
 *
 * May import: apache-arrow, parquet-wasm (loaded lazily), node:fs, table, root-errors, util/fs-errors.
 *
 * Mapping (Table <-> Arrow):
 *  - numeric columns keep their declared dtype (bool -> Bool, int64 -> Int64, float32 -> Float32, ...);
 *    float16 is stored as Float32 (Parquet readers disagree on FLOAT16) and restored from metadata.
 *    NaN in an integer/bool column becomes a null; NaN in a float column stays NaN. On reading, nulls
 *    become NaN. Each field carries `winnow.dtype` metadata so a round trip restores the exact dtype.
 *  - jagged columns are Arrow `List<dtype>` columns (Arrow offsets are exactly our offsets).
 *  - string columns are Utf8.
 *
 * The cache format (`encodeTable`/`decodeTable`) is Arrow IPC (file format), with every numeric column
 * and every jagged child stored as Float64 — the in-memory representation — so decoding is a view
 * (or one memcpy when unaligned), with no per-value conversion and no WebAssembly.
 * Measured here (shared 2-core machine, Node 20; bench/root-cache-format.mjs), best of 5:
 *                                  size MB   encode ms   decode ms
 *   1M rows int64+bool   IPC/f64     16.0        9          0.2
 *                        IPC native   8.1        -         19
 *                        Parquet      4.3 (snappy) / 1.3 (zstd)   107   167 / 114
 *   1M rows, jagged f32 (2M values) + f32:
 *                        IPC/f64     28.0        8          0.1
 *                        Parquet     13.2 (snappy) / 11.4 (zstd)  222   168 / 158
 *  Parquet is 2–12× smaller but 100–1000× slower to decode through parquet-wasm, so the cache uses
 *  IPC/f64 (the reload must beat the ROOT read) and `writeParquet`/`convert` use Parquet for users.
 *
 * parquet-wasm's Node build is CommonJS and initialises its WebAssembly synchronously on require, so
 * it is loaded lazily through `createRequire` (the first use costs ≈ 70 ms) and the API stays sync.
 */
import * as arrow from 'apache-arrow';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import nodePath from 'node:path';
import type * as PW from 'parquet-wasm';
import type { Column, ColumnInfo, Dtype, Table } from './table.js';
import { DataError, didYouMean } from './root-errors.js';
import { writeRefusal } from '../util/fs-errors.js';

let pw: typeof PW | undefined;
function parquetWasm(): typeof PW {
  if (pw === undefined) pw = createRequire(import.meta.url)('parquet-wasm') as typeof PW;
  return pw;
}

const DTYPE_KEY = 'winnow.dtype';

// ---------------------------------------------------------------------------------------------
// Table -> Arrow

function arrowTypeFor(dtype: Dtype): arrow.DataType {
  switch (dtype) {
    case 'bool': return new arrow.Bool();
    case 'int8': return new arrow.Int8();
    case 'uint8': return new arrow.Uint8();
    case 'int16': return new arrow.Int16();
    case 'uint16': return new arrow.Uint16();
    case 'int32': return new arrow.Int32();
    case 'uint32': return new arrow.Uint32();
    case 'int64': return new arrow.Int64();
    case 'uint64': return new arrow.Uint64();
    case 'float16': return new arrow.Float32();
    case 'float32': return new arrow.Float32();
    case 'float64': return new arrow.Float64();
    case 'string': return new arrow.Utf8();
  }
}

/** A validity bitmap (1 = valid) for the NaNs of `v`, or undefined when there are none. */
function nanBitmap(v: Float64Array): { bitmap: Uint8Array; nulls: number } | undefined {
  let nulls = 0;
  for (let i = 0; i < v.length; i++) if (v[i] !== v[i]) nulls++;
  if (nulls === 0) return undefined;
  const bitmap = new Uint8Array((v.length + 7) >> 3);
  for (let i = 0; i < v.length; i++) if (v[i] === v[i]) bitmap[i >> 3]! |= 1 << (i & 7);
  return { bitmap, nulls };
}

/** Values of `v` as Arrow data of `dtype` (NaN -> null for integer and bool types). */
function numericData(v: Float64Array, dtype: Dtype): arrow.Data {
  const type = arrowTypeFor(dtype);
  const n = v.length;
  if (dtype === 'float64') return arrow.makeData({ type: type as arrow.Float64, length: n, data: v });
  if (dtype === 'float32' || dtype === 'float16') {
    return arrow.makeData({ type: type as arrow.Float32, length: n, data: Float32Array.from(v) });
  }
  const nb = nanBitmap(v);
  const extra = nb === undefined ? { nullCount: 0 } : { nullCount: nb.nulls, nullBitmap: nb.bitmap };
  switch (dtype) {
    case 'bool': {
      const bits = new Uint8Array((n + 7) >> 3);
      for (let i = 0; i < n; i++) if (v[i]! !== 0 && v[i] === v[i]) bits[i >> 3]! |= 1 << (i & 7);
      return arrow.makeData({ type: type as arrow.Bool, length: n, data: bits, ...extra });
    }
    case 'int64': case 'uint64': {
      const out = dtype === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
      for (let i = 0; i < n; i++) { const x = v[i]!; out[i] = x === x ? BigInt(Math.trunc(x)) : 0n; }
      return arrow.makeData({ type: type as arrow.Int64, length: n, data: out as BigInt64Array, ...extra });
    }
    default: {
      const Ctor = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
        int32: Int32Array, uint32: Uint32Array }[dtype as 'int8'];
      const out = new Ctor(n);
      for (let i = 0; i < n; i++) { const x = v[i]!; out[i] = x === x ? x : 0; }
      return arrow.makeData({ type: type as arrow.Int8, length: n, data: out, ...extra });
    }
  }
}

function stringData(values: readonly string[]): arrow.Data<arrow.Utf8> {
  const n = values.length;
  const offsets = new Int32Array(n + 1);
  let total = 0;
  for (let i = 0; i < n; i++) { total += Buffer.byteLength(values[i]!, 'utf8'); offsets[i + 1] = total; }
  const bytes = Buffer.alloc(total);
  for (let i = 0; i < n; i++) bytes.write(values[i]!, offsets[i]!, 'utf8');
  return arrow.makeData({ type: new arrow.Utf8(), length: n, valueOffsets: offsets,
    data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), nullCount: 0 });
}

/**
 * An Arrow table for `table`. With `storage: 'float64'` every number is stored as Float64 (the
 * cache format); with 'native' each column uses its dtype (files for other readers).
 */
export function tableToArrow(table: Table, storage: 'native' | 'float64' = 'native'): arrow.Table {
  const fields: arrow.Field[] = [];
  const children: arrow.Data[] = [];
  for (const [name, col] of table.columns) {
    const meta = new Map([[DTYPE_KEY, col.dtype]]);
    const stored: Dtype = storage === 'float64' && col.dtype !== 'string' ? 'float64' : col.dtype;
    if (col.kind === 'num') {
      const d = numericData(col.values, stored);
      fields.push(new arrow.Field(name, d.type, true, meta));
      children.push(d);
    } else if (col.kind === 'jagged') {
      const child = numericData(col.values, stored);
      const item = new arrow.Field('item', child.type, true);
      const type = new arrow.List(item);
      children.push(arrow.makeData({ type, length: col.offsets.length - 1, valueOffsets: col.offsets,
        child, nullCount: 0 }));
      fields.push(new arrow.Field(name, type, true, meta));
    } else {
      const d = stringData(col.values);
      children.push(d);
      fields.push(new arrow.Field(name, d.type, true, meta));
    }
  }
  const schema = new arrow.Schema(fields);
  const struct = arrow.makeData({ type: new arrow.Struct(fields), length: table.rows, children, nullCount: 0 });
  return new arrow.Table(schema, [new arrow.RecordBatch(schema, struct)]);
}

// ---------------------------------------------------------------------------------------------
// Arrow -> Table

function dtypeOfArrow(t: arrow.DataType): Dtype | undefined {
  switch (t.typeId) {
    case arrow.Type.Bool: return 'bool';
    case arrow.Type.Int: {
      const it = t as arrow.Int;
      return `${it.isSigned ? '' : 'u'}int${it.bitWidth}` as Dtype;
    }
    case arrow.Type.Float: {
      const p = (t as arrow.Float).precision;
      return p === arrow.Precision.HALF ? 'float16' : p === arrow.Precision.SINGLE ? 'float32' : 'float64';
    }
    case arrow.Type.Utf8: case arrow.Type.LargeUtf8: return 'string';
    default: return undefined;
  }
}

/** Copies the values of one primitive chunk into `out` at `at` (nulls -> NaN). */
function copyPrimitive(d: arrow.Data, out: Float64Array, at: number): void {
  const n = d.length;
  const tid = d.type.typeId;
  const valid = d.nullCount > 0 && d.nullBitmap !== undefined && d.nullBitmap.length > 0 ? d.nullBitmap : undefined;
  const off = d.offset;
  if (tid === arrow.Type.Bool) {
    const bits = d.values as Uint8Array;
    for (let i = 0; i < n; i++) { const j = i + off; out[at + i] = (bits[j >> 3]! >> (j & 7)) & 1; }
  } else if (tid === arrow.Type.Int || tid === arrow.Type.Float) {
    const vals = d.values as unknown as ArrayLike<number | bigint>;
    if (d.type.typeId === arrow.Type.Float && (d.type as arrow.Float).precision === arrow.Precision.HALF) {
      const h = d.values as Uint16Array;
      for (let i = 0; i < n; i++) out[at + i] = halfToFloat(h[off + i]!);
    } else if (vals instanceof BigInt64Array || vals instanceof BigUint64Array) {
      for (let i = 0; i < n; i++) out[at + i] = Number(vals[off + i]!);
    } else if (vals instanceof Float64Array && off === 0 && n === vals.length) {
      out.set(vals, at);
    } else {
      const v = vals as ArrayLike<number>;
      for (let i = 0; i < n; i++) out[at + i] = v[off + i]!;
    }
  } else {
    // Anything else (decimal, date, dictionary, ...): through Arrow's generic getter.
    const vec = arrow.makeVector(d);
    for (let i = 0; i < n; i++) {
      const x = vec.get(i) as unknown;
      out[at + i] = x === null || x === undefined ? NaN : Number(x);
    }
    return;
  }
  if (valid !== undefined) {
    for (let i = 0; i < n; i++) { const j = i + off; if (((valid[j >> 3]! >> (j & 7)) & 1) === 0) out[at + i] = NaN; }
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

function fieldDtype(field: arrow.Field, fallback: Dtype | undefined): Dtype {
  const m = field.metadata.get(DTYPE_KEY);
  return (m as Dtype | undefined) ?? fallback ?? 'float64';
}

/** One Arrow column (all chunks) as a winnow Column. Throws DataError for a type we cannot hold. */
function arrowColumn(field: arrow.Field, chunks: readonly arrow.Data[], file: string): Column {
  const t = field.type;
  const rows = chunks.reduce((s, d) => s + d.length, 0);
  if (t.typeId === arrow.Type.List || t.typeId === arrow.Type.FixedSizeList || t.typeId === arrow.Type.LargeList) {
    const childType = (t as arrow.List).children[0]!.type;
    const dtype = fieldDtype(field, dtypeOfArrow(childType));
    if (chunks.length === 1 && t.typeId === arrow.Type.List) {
      // Zero-copy: one chunk of List<Float64> starting at 0 with no nulls (the cache format).
      const d = chunks[0]!;
      const child = d.children[0];
      const vo = d.valueOffsets as unknown;
      if (child !== undefined && vo instanceof Int32Array && d.offset === 0 && vo[0] === 0 && child.offset === 0 &&
          child.nullCount === 0 && child.values instanceof Float64Array && vo.length === d.length + 1) {
        return { kind: 'jagged', dtype, offsets: vo, values: child.values.subarray(0, vo[d.length]!) };
      }
    }
    const offsets = new Int32Array(rows + 1);
    let total = 0;
    for (const d of chunks) {
      if (t.typeId === arrow.Type.FixedSizeList) total += d.length * (t as arrow.FixedSizeList).listSize;
      else { const vo = d.valueOffsets as unknown as ArrayLike<number | bigint>; total += Number(vo[d.offset + d.length]!) - Number(vo[d.offset]!); }
    }
    const values = new Float64Array(total);
    let row = 0, at = 0;
    for (const d of chunks) {
      if (d.length === 0) continue;
      const child = d.children[0]!;
      let lo: number, hi: number;
      if (t.typeId === arrow.Type.FixedSizeList) {
        const k = (t as arrow.FixedSizeList).listSize;
        for (let i = 0; i < d.length; i++) offsets[row + i + 1] = at + (i + 1) * k;
        lo = d.offset * k; hi = (d.offset + d.length) * k;
      } else {
        const vo = d.valueOffsets as unknown as ArrayLike<number | bigint>;
        const base = Number(vo[d.offset]!);
        for (let i = 0; i < d.length; i++) offsets[row + i + 1] = at + Number(vo[d.offset + i + 1]!) - base;
        lo = base; hi = Number(vo[d.offset + d.length]!);
      }
      copyPrimitive(child.slice(lo, hi - lo), values, at);
      at += hi - lo;
      row += d.length;
    }
    return { kind: 'jagged', dtype, offsets, values };
  }
  if (t.typeId === arrow.Type.Utf8 || t.typeId === arrow.Type.LargeUtf8 ||
      (t.typeId === arrow.Type.Dictionary && arrow.DataType.isUtf8((t as arrow.Dictionary).dictionary))) {
    const out: string[] = new Array<string>(rows);
    let r = 0;
    for (const d of chunks) {
      const vec = arrow.makeVector(d);
      for (let i = 0; i < d.length; i++) out[r++] = (vec.get(i) as string | null) ?? '';
    }
    return { kind: 'str', dtype: 'string', values: out };
  }
  if (t.typeId === arrow.Type.Struct || t.typeId === arrow.Type.Map || t.typeId === arrow.Type.Union ||
      t.typeId === arrow.Type.Binary || t.typeId === arrow.Type.LargeBinary) {
    throw new DataError('unsupported-type', `${file}: column \`${field.name}\` has type ${String(t)}, which winnow cannot read yet`, file);
  }
  const dtype = fieldDtype(field, dtypeOfArrow(t));
  // Fast path: a single aligned Float64 chunk without nulls is used as is.
  if (chunks.length === 1) {
    const d = chunks[0]!;
    if (d.type.typeId === arrow.Type.Float && d.values instanceof Float64Array && d.nullCount === 0 &&
        d.offset === 0 && d.values.length === d.length) {
      return { kind: 'num', dtype, values: d.values };
    }
  }
  const values = new Float64Array(rows);
  let at = 0;
  for (const d of chunks) { copyPrimitive(d, values, at); at += d.length; }
  return { kind: 'num', dtype, values };
}

/** A winnow Table from an Arrow table (columns in schema order, or `columns` order). */
export function arrowToTable(t: arrow.Table, file = '<bytes>', columns?: readonly string[]): Table {
  const cols = new Map<string, Column>();
  const names = columns ?? t.schema.fields.map((f) => f.name);
  for (const name of names) {
    const idx = t.schema.fields.findIndex((f) => f.name === name);
    if (idx < 0) {
      throw new DataError('missing-column', `${file}: no column \`${name}\`${didYouMean(name, t.schema.fields.map((f) => f.name))}`, file);
    }
    const field = t.schema.fields[idx]!;
    const vec = t.getChildAt(idx)!;
    cols.set(name, arrowColumn(field, vec.data, file));
  }
  return { rows: t.numRows, columns: cols };
}

function typeString(field: arrow.Field): string {
  const t = field.type;
  if (t.typeId === arrow.Type.List || t.typeId === arrow.Type.LargeList || t.typeId === arrow.Type.FixedSizeList) {
    const child = (t as arrow.List).children[0]!.type;
    return `jagged<${fieldDtype(field, dtypeOfArrow(child)) ?? String(child)}>`;
  }
  const d = dtypeOfArrow(t);
  if (t.typeId === arrow.Type.Dictionary && arrow.DataType.isUtf8((t as arrow.Dictionary).dictionary)) return 'string';
  return d === undefined ? String(t).toLowerCase() : fieldDtype(field, d);
}

export function arrowSchemaInfo(schema: arrow.Schema): ColumnInfo[] {
  return schema.fields.map((f) => ({ name: f.name, type: typeString(f) }));
}

// ---------------------------------------------------------------------------------------------
// Parquet

export interface ParquetWriteOptions {
  /** Default 'snappy' (fast, and read by every Parquet reader). */
  readonly compression?: 'none' | 'snappy' | 'zstd' | 'gzip';
  /** Rows per row group; default 1M (parquet-wasm's default). */
  readonly rowGroupSize?: number;
}

function isParquet(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n >= 12 && bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31 &&
    bytes[n - 4] === 0x50 && bytes[n - 3] === 0x41 && bytes[n - 2] === 0x52 && bytes[n - 1] === 0x31;
}

function checkParquet(bytes: Uint8Array, file: string): void {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31 && !isParquet(bytes)) {
    throw new DataError('truncated', `${file}: the Parquet file is truncated (no footer after ${bytes.length} bytes)`, file);
  }
  if (!isParquet(bytes)) throw new DataError('not-parquet', `${file}: not a Parquet file (no PAR1 magic)`, file);
}

function wrapWasm<T>(file: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e: unknown) {
    if (e instanceof DataError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new DataError('corrupt', `${file}: cannot ${what} the Parquet data: ${msg}`, file);
  }
}

/** Parquet bytes for `table` (native dtypes, jagged as list columns, strings as utf8). */
export function tableToParquetBytes(table: Table, opts: ParquetWriteOptions = {}): Uint8Array {
  const P = parquetWasm();
  const ipc = arrow.tableToIPC(tableToArrow(table, 'native'), 'stream');
  const wasmTable = P.Table.fromIPCStream(ipc);
  const codec = { none: P.Compression.UNCOMPRESSED, snappy: P.Compression.SNAPPY, zstd: P.Compression.ZSTD,
    gzip: P.Compression.GZIP }[opts.compression ?? 'snappy'];
  let b = new P.WriterPropertiesBuilder().setCompression(codec);
  if (opts.rowGroupSize !== undefined) b = b.setMaxRowGroupSize(opts.rowGroupSize);
  return P.writeParquet(wasmTable, b.build());
}

/** A Table from Parquet bytes; `columns` selects (and orders) columns. `file` names the source in errors. */
export function tableFromParquetBytes(bytes: Uint8Array, columns?: readonly string[], file = '<parquet bytes>'): Table {
  checkParquet(bytes, file);
  const P = parquetWasm();
  if (columns !== undefined) {
    const schema = parquetSchemaFromBytes(bytes, file);
    const names = schema.map((c) => c.name);
    for (const c of columns) {
      if (!names.includes(c)) {
        throw new DataError('missing-column', `${file}: no column \`${c}\`${didYouMean(c, names)}`, file);
      }
    }
  }
  const ipc = wrapWasm(file, 'read', () => {
    const t = P.readParquet(bytes, columns === undefined ? undefined : { columns: [...columns] });
    return t.intoIPCStream();
  });
  const at = arrow.tableFromIPC(ipc);
  return arrowToTable(at, file, columns);
}

export function parquetSchemaFromBytes(bytes: Uint8Array, file = '<parquet bytes>'): ColumnInfo[] {
  checkParquet(bytes, file);
  const P = parquetWasm();
  const ipc = wrapWasm(file, 'read the schema of', () => P.readSchema(bytes).intoIPCStream());
  return arrowSchemaInfo(arrow.tableFromIPC(ipc).schema);
}

function readBytes(path: string): Uint8Array {
  try {
    return fs.readFileSync(path);
  } catch (e: unknown) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError('not-found', `${path}: no such file`, path);
    throw new DataError('bad-input', `${path}: cannot read the file (${code ?? String(e)})`, path);
  }
}

/** Reads a Parquet file into a Table (all columns, or `columns` in that order). */
export async function readParquet(path: string, columns?: readonly string[]): Promise<Table> {
  return tableFromParquetBytes(readBytes(path), columns, path);
}

/** The columns of a Parquet file and their winnow types, from the footer only. */
export async function parquetSchema(path: string): Promise<ColumnInfo[]> {
  // The footer is at the end; reading the whole file keeps this simple and is fast for cache-sized files.
  return parquetSchemaFromBytes(readBytes(path), path);
}

/**
 * Opens the temporary file beside `path` that an atomic write renames onto it; a directory that is
 * missing, not writable or read-only is one sentence naming `path`, not a system error.
 */
function openTemp(path: string): { fd: number; tmp: string } {
  const dir = nodePath.dirname(path);
  const tmp = nodePath.join(dir, `.${nodePath.basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    return { fd: fs.openSync(tmp, 'w'), tmp };
  } catch (e: unknown) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `the directory ${dir} does not exist`
      : code === 'ENOTDIR' ? `${dir} is not a directory`
      : writeRefusal(e) ?? (e as Error).message;
    throw new DataError('bad-input', `${path}: cannot write the file: ${why}`, path);
  }
}

/** Writes `bytes` to `path` atomically: a temp file in the same directory, fsync, rename. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const { fd, tmp } = openTemp(path);
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, path);
  } catch (e: unknown) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * Writes the tables that `next()` yields (same columns and types, until it returns undefined) as one
 * Parquet file without holding them all: parquet-wasm's transformParquetStream turns the record
 * batches into file bytes as they come, buffering at most one row group (`rowGroupSize` rows). The file appears
 * atomically (temp file, fsync, rename); on any error the temp file is removed. Returns the rows written.
 */
export async function writeParquetStream(next: () => Promise<Table | undefined>, path: string, opts: ParquetWriteOptions = {}): Promise<number> {
  const P = parquetWasm();
  const codec = { none: P.Compression.UNCOMPRESSED, snappy: P.Compression.SNAPPY, zstd: P.Compression.ZSTD,
    gzip: P.Compression.GZIP }[opts.compression ?? 'snappy'];
  let b = new P.WriterPropertiesBuilder().setCompression(codec);
  if (opts.rowGroupSize !== undefined) b = b.setMaxRowGroupSize(opts.rowGroupSize);
  let rows = 0;
  // An error of `next` (a bad input file) is rethrown as it is: parquet-wasm reports only "Dyn
  // casting error" for it, or none at all when it came after the first batch.
  let failed: { error: unknown } | undefined;
  const batches = new ReadableStream<PW.RecordBatch>({
    async pull(ctl) {
      let t: Table | undefined;
      try {
        t = await next();
      } catch (e: unknown) {
        failed = { error: e };
        throw e;
      }
      if (t === undefined) { ctl.close(); return; }
      rows += t.rows;
      const wasm = P.Table.fromIPCStream(arrow.tableToIPC(tableToArrow(t, 'native'), 'stream'));
      for (const rb of wasm.recordBatches()) ctl.enqueue(rb);
    },
  });
  const { fd, tmp } = openTemp(path);
  try {
    const out = (await P.transformParquetStream(batches, b.build())) as ReadableStream<Uint8Array>;
    for await (const chunk of out as unknown as AsyncIterable<Uint8Array>) fs.writeSync(fd, chunk);
    // parquet-wasm may end its output normally after the input stream failed: never keep that file.
    if (failed !== undefined) throw failed.error;
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, path);
  } catch (e: unknown) {
    try { fs.closeSync(fd); } catch { /* already closed */ }
    fs.rmSync(tmp, { force: true });
    throw failed !== undefined ? failed.error : e;
  }
  return rows;
}

/** Writes `table` as a Parquet file (atomic: temp + fsync + rename). */
export async function writeParquet(table: Table, path: string, opts: ParquetWriteOptions = {}): Promise<void> {
  writeFileAtomic(path, tableToParquetBytes(table, opts));
}

// ---------------------------------------------------------------------------------------------
// Cache format

const CACHE_MAGIC = 'ARROW1';

/** The cache's bytes for a Table: Arrow IPC file, numbers as Float64 (see the header for why). */
export function encodeTable(table: Table): Uint8Array {
  return arrow.tableToIPC(tableToArrow(table, 'float64'), 'file');
}

/**
 * The Table encoded by `encodeTable`; `columns` selects a subset. Also accepts Parquet bytes.
 * Numeric arrays are views into `bytes` when it is 8-byte aligned (no copy): keep `bytes` unchanged.
 */
export function decodeTable(bytes: Uint8Array, columns?: readonly string[]): Table {
  if (isParquet(bytes)) return tableFromParquetBytes(bytes, columns, '<cache entry>');
  let b = bytes;
  if (b.byteOffset % 8 !== 0) b = b.slice(); // Arrow views need 8-byte alignment of the Float64 buffers
  const magic = String.fromCharCode(...b.subarray(0, 6));
  if (magic !== CACHE_MAGIC) throw new DataError('corrupt', 'cache entry is not an Arrow IPC file', undefined);
  let t: arrow.Table;
  try {
    t = arrow.tableFromIPC(b);
  } catch (e: unknown) {
    throw new DataError('corrupt', `cache entry cannot be decoded: ${e instanceof Error ? e.message : String(e)}`);
  }
  return arrowToTable(t, '<cache entry>', columns);
}
