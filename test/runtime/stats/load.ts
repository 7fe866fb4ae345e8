/** Test-only loaders for the two reference datasets (plain parsing, independent of io/csv). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface Data {
  names: string[];
  columns: Float64Array[];
  y: Float64Array;
  w: Float64Array;
}

export function loadHiggsml(): Data {
  const text = fs.readFileSync(path.join(ROOT, 'data/higgsml/train.csv'), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]!.split(',');
  const featIdx = header.map((h, i) => [h, i] as const).filter(([h]) => h.startsWith('DER_') || h.startsWith('PRI_'));
  const wi = header.indexOf('Weight'), li = header.indexOf('Label');
  const n = lines.length - 1;
  const columns = featIdx.map(() => new Float64Array(n));
  const y = new Float64Array(n), w = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const parts = lines[r + 1]!.split(',');
    featIdx.forEach(([, i], j) => {
      const v = Number(parts[i]);
      columns[j]![r] = v === -999 ? NaN : v;
    });
    w[r] = Number(parts[wi]);
    y[r] = parts[li] === 's' ? 1 : 0;
  }
  return { names: featIdx.map(([h]) => h), columns, y, w };
}

export function loadUci(): Data {
  const text = fs.readFileSync(path.join(ROOT, 'data/uci-higgs/binary.train'), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const n = lines.length;
  const nf = lines[0]!.split('\t').length - 1;
  const columns = Array.from({ length: nf }, () => new Float64Array(n));
  const y = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const parts = lines[r]!.split('\t');
    y[r] = Number(parts[0]);
    for (let j = 0; j < nf; j++) columns[j]![r] = Number(parts[j + 1]);
  }
  return { names: columns.map((_, j) => `f${j}`), columns, y, w: new Float64Array(n).fill(1) };
}

export function loadReference(): any {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/stats/reference.json'), 'utf8'));
}

/** Spearman rank correlation of two equal-length number lists (average ranks for ties). */
export function rankCorr(a: number[], b: number[]): number {
  const rank = (v: number[]) => {
    const idx = v.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(v.length);
    for (let i = 0; i < idx.length; ) {
      let j = i;
      while (j < idx.length && idx[j]![0] === idx[i]![0]) j++;
      for (let t = i; t < j; t++) r[idx[t]![1]] = (i + j - 1) / 2;
      i = j;
    }
    return r;
  };
  const ra = rank(a), rb = rank(b);
  const n = a.length;
  const ma = ra.reduce((s, x) => s + x, 0) / n, mb = rb.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) { sab += (ra[i]! - ma) * (rb[i]! - mb); saa += (ra[i]! - ma) ** 2; sbb += (rb[i]! - mb) ** 2; }
  return sab / Math.sqrt(saa * sbb);
}
