/**
 * Test helpers for the mlp tests: the two real data sets with the splits of
 * test/fixtures/mlp/make_fixtures.py, a weighted ROC AUC, and a synthetic problem generator.
 * (Self-contained on purpose: the mlp tests should not depend on io/ or eval/ being finished.)
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TrainData } from '../../../src/runtime/models/types.js';
import { Rng } from '../../../src/runtime/util/rng.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

export interface Split { train: TrainData; test: TrainData }

function toData(rows: number[][], y: number[], names: string[], from: number, to: number, nClasses = 2): TrainData {
  const n = to - from;
  const columns = names.map((_, f) => Float64Array.from({ length: n }, (_, i) => rows[from + i]![f]!));
  return { n, columns, featureNames: names, y: Float64Array.from(y.slice(from, to)), w: new Float64Array(n).fill(1), nClasses };
}

export function loadHiggsml(): Split {
  const text = fs.readFileSync(path.join(ROOT, 'data/higgsml/train.csv'), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0]!.split(',');
  const feats = header.map((h, i) => [h, i] as const).filter(([h]) => h.startsWith('DER_') || h.startsWith('PRI_'));
  const label = header.indexOf('Label');
  const rows: number[][] = [], y: number[] = [];
  for (const line of lines.slice(1)) {
    const c = line.split(',');
    rows.push(feats.map(([, i]) => { const v = Number(c[i]); return v === -999 ? NaN : v; }));
    y.push(c[label]!.trim() === 's' ? 1 : 0);
  }
  const names = feats.map(([h]) => h);
  return { train: toData(rows, y, names, 0, 4000), test: toData(rows, y, names, rows.length - 2000, rows.length) };
}

export function loadUci(): Split {
  const text = fs.readFileSync(path.join(ROOT, 'data/uci-higgs/binary.train'), 'utf8');
  const rows: number[][] = [], y: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const c = line.split('\t').map(Number);
    y.push(c[0]!);
    rows.push(c.slice(1));
  }
  const names = rows[0]!.map((_, i) => `f${i}`);
  return { train: toData(rows, y, names, 0, 5000), test: toData(rows, y, names, rows.length - 2000, rows.length) };
}

/** Weighted ROC AUC with ties counted as one half. */
export function auc(score: ArrayLike<number>, y: ArrayLike<number>, w?: ArrayLike<number>): number {
  const idx = Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[a]! - score[b]!);
  let sb = 0, num = 0, ss = 0;
  for (let k = 0; k < idx.length;) {
    let j = k, ts = 0, tb = 0;
    while (j < idx.length && score[idx[j]!] === score[idx[k]!]) {
      const i = idx[j]!, wi = w ? w[i]! : 1;
      if (y[i] === 1) ts += wi; else tb += wi;
      j++;
    }
    num += ts * (sb + tb / 2);
    sb += tb;
    ss += ts;
    k = j;
  }
  return num / (ss * sb);
}

/** K Gaussian blobs in d dimensions (a few NaN values sprinkled in). */
export function blobs(n: number, d: number, K: number, seed: number, nanRate = 0): TrainData {
  const rng = new Rng(seed);
  const centers = Array.from({ length: K }, () => Array.from({ length: d }, () => 1.5 * rng.normal()));
  const columns = Array.from({ length: d }, () => new Float64Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = i % K;
    y[i] = k;
    for (let f = 0; f < d; f++) columns[f]![i] = rng.next() < nanRate ? NaN : 10 * f + 3 * (centers[k]![f]! + rng.normal());
  }
  return { n, columns, featureNames: columns.map((_, f) => `x${f}`), y, w: new Float64Array(n).fill(1), nClasses: K };
}
