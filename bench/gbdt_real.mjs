// Loads the real rows for bench/gbdt.mjs the same way test/fixtures/models/make_fixtures.py does.
import fs from 'node:fs';
import path from 'node:path';

export function loadReal(root, name) {
  if (name === 'higgsml') {
    const lines = fs.readFileSync(path.join(root, 'data/higgsml/train.csv'), 'utf8').split(/\r?\n/).filter((l) => l);
    const header = lines[0].split(',');
    const feats = header.filter((h) => !['EventId', 'Weight', 'Label'].includes(h));
    const fi = feats.map((f) => header.indexOf(f)), wi = header.indexOf('Weight'), li = header.indexOf('Label');
    const n = lines.length - 1;
    const cols = feats.map(() => new Float64Array(n)), y = new Float64Array(n), w = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      const f = lines[r + 1].split(',');
      fi.forEach((c, j) => { const v = Number(f[c]); cols[j][r] = v === -999 ? NaN : v; });
      w[r] = Number(f[wi]); y[r] = f[li].trim() === 's' ? 1 : 0;
    }
    const part = (a, b, wt) => ({ n: b - a, columns: cols.map((c) => c.slice(a, b)), featureNames: feats, y: y.slice(a, b), w: wt ?? w.slice(a, b), nClasses: 2 });
    const ytr = y.slice(0, 4000), wtr = w.slice(0, 4000);
    let ws = 0, wb = 0;
    for (let i = 0; i < 4000; i++) if (ytr[i] === 1) ws += wtr[i]; else wb += wtr[i];
    const wbal = Float64Array.from(wtr, (v, i) => v * 2000 / (ytr[i] === 1 ? ws : wb));
    return { train: part(0, 4000, wbal), test: part(n - 2000, n) };
  }
  const lines = fs.readFileSync(path.join(root, 'data/uci-higgs/binary.train'), 'utf8').split('\n').filter((l) => l.trim());
  const n = lines.length;
  const cols = Array.from({ length: 28 }, () => new Float64Array(n)), y = new Float64Array(n);
  lines.forEach((l, r) => { const f = l.trim().split(/\s+/).map(Number); y[r] = f[0]; for (let j = 0; j < 28; j++) cols[j][r] = f[j + 1]; });
  const part = (a, b) => ({ n: b - a, columns: cols.map((c) => c.slice(a, b)), featureNames: cols.map((_, j) => `f${j}`), y: y.slice(a, b), w: new Float64Array(b - a).fill(1), nClasses: 2 });
  return { train: part(0, 5000), test: part(n - 2000, n) };
}
