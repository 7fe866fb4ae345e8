import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Column } from '../../../src/runtime/io/table.js';
import { convertToParquet } from '../../../src/runtime/io/convert.js';
import { readParquet, parquetSchema } from '../../../src/runtime/io/parquet.js';
import { readRoot, rootSchema } from '../../../src/runtime/io/root.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-convert-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function same(a: Column, b: Column, label: string): void {
  expect(b.kind, label).toBe(a.kind);
  expect(b.dtype, label).toBe(a.dtype);
  if (a.kind === 'str') { expect(b.values, label).toEqual(a.values); return; }
  expect(Array.from(b.values as Float64Array), label).toEqual(Array.from(a.values));
  if (a.kind === 'jagged' && b.kind === 'jagged') expect(Array.from(b.offsets), label).toEqual(Array.from(a.offsets));
}

// DuckDB (its own Parquet reader, in C++) is the independent check; its npm package ships a binary.
let duck: typeof import('@duckdb/node-api') | undefined;
try { duck = await import('@duckdb/node-api'); } catch { duck = undefined; }

describe('convertToParquet', () => {
  it('ROOT -> Parquet -> columns identical, for every readable branch of two files', async () => {
    for (const [file, tree] of [['data/root/uproot-HZZ-lz4.root', 'events'], ['data/root/uproot-small-flat-tree.root', 'tree']] as const) {
      const out = path.join(tmp, `${path.basename(file, '.root')}.parquet`);
      const fractions: number[] = [];
      const r = await convertToParquet({ paths: file, tree }, out, { onProgress: (p) => fractions.push(p.fraction) });
      const src = await readRoot({ paths: file, tree });
      expect(r.rows).toBe(src.rows);
      expect(r.columns).toEqual([...src.columns.keys()]);
      expect(fractions.at(-1)).toBe(1);
      const back = await readParquet(out);
      expect(back.rows).toBe(src.rows);
      for (const [k, c] of src.columns) same(c, back.columns.get(k)!, `${file}:${k}`);
      // The schema keeps ROOT's types, and jagged branches are list columns.
      const rs = await rootSchema({ paths: file, tree });
      expect(await parquetSchema(out)).toEqual(rs);
    }
  }, 30_000);

  it('leaves out, and names, the branches of types it cannot read yet', async () => {
    const r = await convertToParquet({ paths: 'data/root/uproot-stl_containers.root' }, path.join(tmp, 'stl.parquet'));
    expect(r.columns).toEqual(['string', 'tstring', 'vector_int32']);
    expect(r.skipped).toHaveLength(23);
    expect(r.skipped[0]).toEqual({ name: 'vector_string', rootType: 'vector<string>' });
    expect((await convertToParquet({ paths: 'data/root/uproot-HZZ.root', tree: 'events' }, path.join(tmp, 'hzz-all.parquet'))).skipped).toEqual([]);
  });

  it('converts a chain with --columns', async () => {
    const out = path.join(tmp, 'chain.parquet');
    const r = await convertToParquet({ paths: ['data/root/uproot-HZZ.root', 'data/root/uproot-HZZ-zstd.root'], tree: 'events', columns: ['Jet_Px', 'NJet'] }, out);
    expect(r.rows).toBe(2 * 2421);
    const t = await readParquet(out);
    expect([...t.columns.keys()]).toEqual(['Jet_Px', 'NJet']);
    const j = t.columns.get('Jet_Px') as Extract<Column, { kind: 'jagged' }>;
    const n = t.columns.get('NJet')!.values as Float64Array;
    for (let i = 0; i < t.rows; i++) expect(j.offsets[i + 1]! - j.offsets[i]!).toBe(n[i]);
  });

  it('fails with the reader\'s own sentence (not the Parquet writer\'s) and leaves no output or temp file', async () => {
    const dir = path.join(tmp, 'bad');
    fs.mkdirSync(dir);
    const out = path.join(dir, 'x.parquet');
    const err = (p: Promise<unknown>) => p.then(() => { throw new Error('no error'); }, (e: Error) => e.message);
    // A misspelt column, and a truncated file late in a chain read run by run (the error comes from
    // inside the Parquet stream).
    expect(await err(convertToParquet({ paths: 'data/root/uproot-HZZ.root', tree: 'events', columns: ['NMuonn'] }, out)))
      .toBe('data/root/uproot-HZZ.root: tree `events` has no branch `NMuonn` (did you mean `NMuon`?)');
    const cut = path.join(dir, 'cut.root');
    fs.writeFileSync(cut, fs.readFileSync('data/root/uproot-HZZ.root').subarray(0, 150_000));
    expect(await err(convertToParquet({ paths: ['data/root/uproot-HZZ.root', cut], tree: 'events', columns: ['NMuon'] }, out, { runBytes: 1 })))
      .toMatch(/^.*cut\.root: the ROOT file is truncated \(150000 bytes, the header says 217945\)$/);
    expect(fs.readdirSync(dir)).toEqual(['cut.root']);
    // An output directory that is not there.
    expect(await err(convertToParquet({ paths: 'data/root/uproot-HZZ.root', tree: 'events', columns: ['NMuon'] }, path.join(dir, 'no', 'x.parquet'))))
      .toBe(`${path.join(dir, 'no', 'x.parquet')}: cannot write the file: the directory ${path.join(dir, 'no')} does not exist`);
  });

  it.skipIf(duck === undefined)('streams a chain run by run (one file per run, a row group per run) that DuckDB and winnow read back whole', async () => {
    const files = ['data/root/uproot-HZZ.root', 'data/root/uproot-HZZ-zstd.root', 'data/root/uproot-HZZ-lzma.root'];
    const out = path.join(tmp, 'runs.parquet');
    const fractions: number[] = [];
    const r = await convertToParquet({ paths: files, tree: 'events', columns: ['NMuon', 'Muon_Px'] }, out, { runBytes: 1, rowGroupSize: 2421, onProgress: (p) => fractions.push(p.fraction) });
    expect(r.rows).toBe(3 * 2421);
    expect(fractions.every((f, i) => i === 0 || f >= fractions[i - 1]!)).toBe(true);
    const src = await readRoot({ paths: files, tree: 'events', columns: ['NMuon', 'Muon_Px'] });
    const back = await readParquet(out);
    for (const [k, c] of src.columns) same(c, back.columns.get(k)!, k);
    const db = await duck!.DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const groups = (await con.runAndReadAll(`SELECT count(DISTINCT row_group_id)::INT FROM parquet_metadata('${out}')`)).getRows()[0]![0];
    expect(Number(groups)).toBe(3);
    const agg = (await con.runAndReadAll(`SELECT count(*)::DOUBLE, sum(len(Muon_Px))::DOUBLE FROM '${out}'`)).getRows()[0]!;
    expect(Number(agg[0])).toBe(src.rows);
    expect(Number(agg[1])).toBe(src.columns.get('Muon_Px')!.values.length);
    con.closeSync();
  }, 30_000);

  it.skipIf(duck === undefined)('writes files an independent reader (DuckDB) reads with the same types and values', async () => {
    const file = 'data/root/uproot-HZZ.root';
    const out = path.join(tmp, 'duck.parquet');
    await convertToParquet({ paths: file, tree: 'events', columns: ['NMuon', 'Muon_Px', 'triggerIsoMu24', 'EventWeight', 'Jet_ID'] }, out);
    const src = await readRoot({ paths: file, tree: 'events', columns: ['NMuon', 'Muon_Px', 'triggerIsoMu24', 'EventWeight'] });
    const db = await duck!.DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const types = (await con.runAndReadAll(`DESCRIBE SELECT * FROM '${out}'`)).getRows().map((r) => [String(r[0]), String(r[1])]);
    expect(types).toEqual([['NMuon', 'INTEGER'], ['Muon_Px', 'FLOAT[]'], ['triggerIsoMu24', 'BOOLEAN'], ['EventWeight', 'FLOAT'], ['Jet_ID', 'BOOLEAN[]']]);
    const agg = (await con.runAndReadAll(`SELECT count(*)::DOUBLE, sum(NMuon)::DOUBLE, sum(len(Muon_Px))::DOUBLE, sum(triggerIsoMu24::INT)::DOUBLE, sum(EventWeight::DOUBLE) FROM '${out}'`)).getRows()[0]!;
    const nm = src.columns.get('NMuon')!.values as Float64Array;
    const px = src.columns.get('Muon_Px') as Extract<Column, { kind: 'jagged' }>;
    const trig = src.columns.get('triggerIsoMu24')!.values as Float64Array;
    const w = src.columns.get('EventWeight')!.values as Float64Array;
    expect(Number(agg[0])).toBe(src.rows);
    expect(Number(agg[1])).toBe(nm.reduce((a, b) => a + b, 0));
    expect(Number(agg[2])).toBe(px.values.length);
    expect(Number(agg[3])).toBe(trig.reduce((a, b) => a + b, 0));
    expect(Number(agg[4])).toBeCloseTo(w.reduce((a, b) => a + b, 0), 6);
    // Element-level: the first muon's px of event 0 (DuckDB lists are 1-based).
    const first = (await con.runAndReadAll(`SELECT Muon_Px[1]::DOUBLE FROM '${out}' LIMIT 1`)).getRows()[0]![0];
    expect(Number(first)).toBe(px.values[0]);
    con.closeSync();
  }, 30_000);
});
