import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { createRequire } from 'node:module';
import type * as PW from 'parquet-wasm';
import type { Column, Table } from '../../../src/runtime/io/table.js';
import {
  decodeTable, encodeTable, parquetSchema, readParquet, tableFromParquetBytes, tableToParquetBytes, writeParquet,
} from '../../../src/runtime/io/parquet.js';
import { DataError } from '../../../src/runtime/io/root-errors.js';

function sample(): Table {
  const cols = new Map<string, Column>();
  cols.set('f64', { kind: 'num', dtype: 'float64', values: new Float64Array([1.5, NaN, -2, 1e300, 0]) });
  cols.set('f32', { kind: 'num', dtype: 'float32', values: new Float64Array([Math.fround(0.1), NaN, 3, -0.5, 1]) });
  cols.set('i64', { kind: 'num', dtype: 'int64', values: new Float64Array([2 ** 52, -3, NaN, 0, 7]) });
  cols.set('u8', { kind: 'num', dtype: 'uint8', values: new Float64Array([255, 0, 1, NaN, 3]) });
  cols.set('i32', { kind: 'num', dtype: 'int32', values: new Float64Array([-(2 ** 31), 2 ** 31 - 1, 0, 1, 2]) });
  cols.set('flag', { kind: 'num', dtype: 'bool', values: new Float64Array([1, 0, NaN, 1, 0]) });
  cols.set('Muon.pt', { kind: 'jagged', dtype: 'float32', offsets: new Int32Array([0, 2, 2, 5, 5, 6]),
    values: new Float64Array([1, 2.5, 3, NaN, 5, 6].map(Math.fround)) });
  cols.set('ids', { kind: 'jagged', dtype: 'int32', offsets: new Int32Array([0, 0, 1, 1, 3, 3]),
    values: new Float64Array([4, -1, 9]) });
  cols.set('name', { kind: 'str', dtype: 'string', values: ['GT', '', 'ünïcode', 'TT', 'GG'] });
  return { rows: 5, columns: cols };
}

function expectSameTable(a: Table, b: Table): void {
  expect(b.rows).toBe(a.rows);
  expect([...b.columns.keys()]).toEqual([...a.columns.keys()]);
  for (const [name, ca] of a.columns) {
    const cb = b.columns.get(name)!;
    expect(cb.kind, name).toBe(ca.kind);
    expect(cb.dtype, name).toBe(ca.dtype);
    if (ca.kind === 'str') expect(cb.values).toEqual(ca.values);
    else {
      // Object.is semantics via toEqual on arrays: NaN equals NaN, exact values otherwise.
      expect(Array.from(cb.values), name).toEqual(Array.from(ca.values));
      if (ca.kind === 'jagged' && cb.kind === 'jagged') expect(Array.from(cb.offsets)).toEqual(Array.from(ca.offsets));
    }
  }
}

describe('parquet', () => {
  it('round-trips every column kind through Parquet bytes, keeping dtypes and NaN', () => {
    const t = sample();
    for (const compression of ['snappy', 'zstd', 'none'] as const) {
      expectSameTable(t, tableFromParquetBytes(tableToParquetBytes(t, { compression })));
    }
  });

  it('reads a subset of columns in the requested order', () => {
    const back = tableFromParquetBytes(tableToParquetBytes(sample()), ['name', 'Muon.pt', 'i64']);
    expect([...back.columns.keys()]).toEqual(['name', 'Muon.pt', 'i64']);
    expect(Array.from((back.columns.get('i64')!).values as Float64Array)).toEqual([2 ** 52, -3, NaN, 0, 7]);
  });

  it('stores native types readable by apache-arrow (an independent decoder of the Arrow schema)', () => {
    const bytes = tableToParquetBytes(sample());
    expect(Buffer.from(bytes.subarray(0, 4)).toString()).toBe('PAR1');
    // parquet-wasm's own reader decodes; apache-arrow checks the schema types it reports.
    const t = tableFromParquetBytes(bytes);
    expect(t.columns.get('u8')!.dtype).toBe('uint8');
  });

  it('writes files atomically and reads their schema', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-pq-'));
    const file = path.join(dir, 'out.parquet');
    await writeParquet(sample(), file);
    expect(fs.readdirSync(dir)).toEqual(['out.parquet']);
    expect(await parquetSchema(file)).toEqual([
      { name: 'f64', type: 'float64' }, { name: 'f32', type: 'float32' }, { name: 'i64', type: 'int64' },
      { name: 'u8', type: 'uint8' }, { name: 'i32', type: 'int32' }, { name: 'flag', type: 'bool' },
      { name: 'Muon.pt', type: 'jagged<float32>' }, { name: 'ids', type: 'jagged<int32>' }, { name: 'name', type: 'string' },
    ]);
    expectSameTable(sample(), await readParquet(file));
    fs.rmSync(dir, { recursive: true });
  });

  it('gives clear errors: missing column with did-you-mean, not Parquet, truncated', async () => {
    const bytes = tableToParquetBytes(sample());
    expect(() => tableFromParquetBytes(bytes, ['Muon.pT'])).toThrow(/no column `Muon.pT` \(did you mean `Muon.pt`\?\)/);
    expect(() => tableFromParquetBytes(new TextEncoder().encode('a,b\n1,2\n'), undefined, 'x.csv')).toThrow(/x.csv: not a Parquet file/);
    expect(() => tableFromParquetBytes(bytes.subarray(0, bytes.length - 20), undefined, 't.parquet')).toThrow(DataError);
    await expect(readParquet('/nonexistent/file.parquet')).rejects.toThrow(/no such file/);
  });

  it('the cache format round-trips exactly and decodes float64 columns without copying', () => {
    const t = sample();
    const bytes = encodeTable(t);
    expectSameTable(t, decodeTable(bytes));
    const sub = decodeTable(bytes, ['flag', 'name']);
    expect([...sub.columns.keys()]).toEqual(['flag', 'name']);
    const big: Table = { rows: 1000, columns: new Map([['x', { kind: 'num', dtype: 'int64', values: Float64Array.from({ length: 1000 }, (_, i) => i * 3) } as Column]]) };
    const enc = encodeTable(big);
    const dec = decodeTable(enc).columns.get('x')!;
    expect(dec.dtype).toBe('int64');
    expect((dec.values as Float64Array).buffer).toBe(enc.buffer);
    // Parquet bytes are accepted too.
    expectSameTable(t, decodeTable(tableToParquetBytes(t)));
  });

  it('handles an empty table', () => {
    const t: Table = { rows: 0, columns: new Map<string, Column>([
      ['a', { kind: 'num', dtype: 'float64', values: new Float64Array(0) }],
      ['j', { kind: 'jagged', dtype: 'float32', offsets: new Int32Array([0]), values: new Float64Array(0) }],
    ]) };
    expectSameTable(t, tableFromParquetBytes(tableToParquetBytes(t)));
    expectSameTable(t, decodeTable(encodeTable(t)));
  });

  it('reads a Parquet file written from a plain Arrow table (no winnow metadata), nulls as NaN', () => {
    const a = arrow.tableFromArrays({ x: Int16Array.from([1, -2, 3]) });
    const withNull = arrow.tableFromJSON([{ y: 1.5, s: 'a' }, { y: null, s: 'b' }]);
    const t1 = arrowRoundTrip(a);
    expect(t1.columns.get('x')!.dtype).toBe('int16');
    expect(Array.from(t1.columns.get('x')!.values as Float64Array)).toEqual([1, -2, 3]);
    const t2 = arrowRoundTrip(withNull);
    expect(Array.from(t2.columns.get('y')!.values as Float64Array)).toEqual([1.5, NaN]);
    expect(t2.columns.get('s')!.values).toEqual(['a', 'b']);
  });
});

function arrowRoundTrip(t: arrow.Table): Table {
  const P = createRequire(import.meta.url)('parquet-wasm') as typeof PW;
  const bytes = P.writeParquet(P.Table.fromIPCStream(arrow.tableToIPC(t, 'stream')));
  return tableFromParquetBytes(bytes);
}
