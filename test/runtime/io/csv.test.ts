import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { csvSchema, readCsv } from '../../../src/runtime/io/csv.js';

const higgs = path.resolve('data/higgsml/train.csv');

describe('CSV reader', () => {
  it('reads the HiggsML rows with CRLF line ends', () => {
    const t = readCsv(higgs, { columns: ['EventId', 'Weight', 'Label', 'DER_mass_MMC'] });
    expect(t.rows).toBe(6000);
    const label = t.columns.get('Label')!;
    expect(label.kind).toBe('str');
    const w = t.columns.get('Weight')!.values as Float64Array;
    const lab = label.values as string[];
    let ws = 0, wb = 0, ns = 0;
    for (let i = 0; i < t.rows; i++) {
      if (lab[i] === 's') { ws += w[i]!; ns++; } else wb += w[i]!;
    }
    expect(ns).toBe(1993);
    expect(ws).toBeCloseTo(16.252914, 5);
    expect(wb).toBeCloseTo(10038.39581, 4);
    expect((t.columns.get('EventId')!.values as Float64Array)[5999]).toBe(105999);
    expect(t.columns.get('DER_mass_MMC')!.values[0]).toBeCloseTo(138.47, 2);
  });
  it('sniffs the schema from the header', () => {
    const s = csvSchema(higgs);
    expect(s.length).toBe(33);
    expect(s.find((c) => c.name === 'Label')!.type).toBe('string');
    expect(s.find((c) => c.name === 'PRI_jet_num')!.type).toBe('int64');
  });
  it('reads headerless tab-separated files as col1..colN', () => {
    const t = readCsv(path.resolve('data/uci-higgs/binary.train'), { header: false });
    expect(t.rows).toBe(7000);
    expect(t.columns.size).toBe(29);
    const lab = t.columns.get('col1')!.values as Float64Array;
    expect(lab.reduce((a, b) => a + b, 0)).toBe(3716);
  });
  it('handles quotes and reports ragged rows with the line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csv-'));
    const f = path.join(dir, 'q.csv');
    fs.writeFileSync(f, 'a,b\n1,"x, ""y"""\n2,\n');
    const t = readCsv(f);
    expect(t.columns.get('b')!.values).toEqual(['x, "y"', '']);
    fs.writeFileSync(f, 'a,b\n1,2\n3\n');
    expect(() => readCsv(f)).toThrow(/q\.csv:3: expected 2 fields, found 1/);
    expect(() => readCsv(path.join(dir, 'none.csv'))).toThrow(/does not exist/);
  });
});
