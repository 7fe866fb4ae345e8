/**
 * Loads the rows the model parity tests use, exactly as test/fixtures/models/make_fixtures.py does.
 * HiggsML: 30 features, -999 -> NaN, y = Label == 's', train = first 4000 rows, test = last 2000.
 * UCI HIGGS: label in column 0, 28 features, train = first 5000 rows, test = last 2000.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TrainData } from '../../../src/runtime/models/types.js';
import type { ScoreSet } from '../../../src/runtime/results.js';

const ROOT = path.resolve(__dirname, '../../..');

export interface Part extends TrainData {
  /** Original weights (for metrics). */
  readonly w0: Float64Array;
}

function part(cols: Float64Array[], names: string[], y: Float64Array, w: Float64Array, from: number, to: number, wTrain?: Float64Array): Part {
  return {
    n: to - from,
    columns: cols.map((c) => c.slice(from, to)),
    featureNames: names,
    y: y.slice(from, to),
    w: (wTrain ?? w).slice(from, to),
    w0: w.slice(from, to),
    nClasses: 2,
  };
}

/** Per-class balancing: w · (n/2) / W_class. */
export function balanced(y: Float64Array, w: Float64Array): Float64Array {
  let ws = 0, wb = 0;
  for (let i = 0; i < y.length; i++) if (y[i] === 1) ws += w[i]!; else wb += w[i]!;
  const n = y.length;
  return Float64Array.from(w, (v, i) => v * (n / 2) / (y[i] === 1 ? ws : wb));
}

export function loadHiggsml(): { train: Part; test: Part } {
  const text = fs.readFileSync(path.join(ROOT, 'data/higgsml/train.csv'), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]!.split(',');
  const feats = header.filter((h) => h !== 'EventId' && h !== 'Weight' && h !== 'Label');
  const fi = feats.map((f) => header.indexOf(f));
  const wi = header.indexOf('Weight'), li = header.indexOf('Label');
  const n = lines.length - 1;
  const cols = feats.map(() => new Float64Array(n));
  const y = new Float64Array(n), w = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const f = lines[r + 1]!.split(',');
    for (let j = 0; j < fi.length; j++) {
      const v = Number(f[fi[j]!]);
      cols[j]![r] = v === -999 ? NaN : v;
    }
    w[r] = Number(f[wi]);
    y[r] = f[li]!.trim() === 's' ? 1 : 0;
  }
  const ytr = y.slice(0, 4000);
  const wtrB = new Float64Array(n);
  wtrB.set(balanced(ytr, w.slice(0, 4000)));
  return { train: part(cols, feats, y, w, 0, 4000, wtrB), test: part(cols, feats, y, w, n - 2000, n) };
}

export function loadUci(): { train: Part; test: Part } {
  const lines = fs.readFileSync(path.join(ROOT, 'data/uci-higgs/binary.train'), 'utf8').split('\n').filter((l) => l.trim().length > 0);
  const n = lines.length;
  const cols = Array.from({ length: 28 }, () => new Float64Array(n));
  const y = new Float64Array(n), w = new Float64Array(n).fill(1);
  for (let r = 0; r < n; r++) {
    const f = lines[r]!.trim().split(/\s+/).map(Number);
    y[r] = f[0]!;
    for (let j = 0; j < 28; j++) cols[j]![r] = f[j + 1]!;
  }
  const names = Array.from({ length: 28 }, (_, j) => `f${j}`);
  return { train: part(cols, names, y, w, 0, 5000), test: part(cols, names, y, w, n - 2000, n) };
}

export const S_TOTAL = 691.988607712, B_TOTAL = 410999.847322;

/** Test scores with the original weights; `amsScale` gives the per-class scales to the full HiggsML totals. */
export function scoreSet(test: Part, score: Float64Array): ScoreSet {
  return { score, y: test.y, w: test.w0 };
}

export function amsScales(test: Part): { signalScale: number; backgroundScale: number } {
  let ws = 0, wb = 0;
  for (let i = 0; i < test.n; i++) if (test.y[i] === 1) ws += test.w0[i]!; else wb += test.w0[i]!;
  return { signalScale: S_TOTAL / ws, backgroundScale: B_TOTAL / wb };
}

export function loadReference(): any {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/models/reference.json'), 'utf8'));
}
