import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mlp } from '../../../src/runtime/models/mlp.js';
import { auc, blobs, loadHiggsml } from './mlp-helpers.js';

const fixture = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/mlp/torch_auc.json'), 'utf8')) as {
  results: { dataset: string; config: string; params: Record<string, unknown>; auc_mean: number }[];
};

describe('mlp backend "tfjs" (@tensorflow/tfjs on the wasm backend)', () => {
  it('implements the same network as the native backend: same start, same masks, predictions agree to 1e-3', async () => {
    const d = blobs(300, 5, 2, 4, 0.05);
    const params = { layers: [16, 8], epochs: 3, batch: 50, dropout: 0.2, batchnorm: true, activation: 'tanh', weight_decay: 1e-3 };
    const native = await mlp.fit(d, params, { seed: 3 });
    const tf = await mlp.fit(d, { ...params, backend: 'tfjs' }, { seed: 3 });
    const pn = native.predict(d.columns, d.n), pt = tf.predict(d.columns, d.n);
    let maxDiff = 0;
    for (let i = 0; i < d.n; i++) maxDiff = Math.max(maxDiff, Math.abs(pn[i]! - pt[i]!));
    expect(maxDiff).toBeLessThan(1e-3);
    expect(maxDiff).toBeGreaterThan(0); // different float32 summation order: not the same bits
    expect(tf.notes?.some((n) => n.includes('tfjs'))).toBe(true);
    // and deterministic for a seed
    const tf2 = await mlp.fit(d, { ...params, backend: 'tfjs' }, { seed: 3 });
    expect(JSON.stringify(tf2.toJSON())).toBe(JSON.stringify(tf.toJSON()));
  });

  it('HiggsML: test AUC within 0.01 of the PyTorch mean (seed 0)', async () => {
    const ref = fixture.results.find((r) => r.dataset === 'higgsml' && r.config === 'base')!;
    const s = loadHiggsml();
    const m = await mlp.fit(s.train, { ...ref.params, backend: 'tfjs' }, { seed: 0 });
    const a = auc(m.predict(s.test.columns, s.test.n), s.test.y);
    expect(Math.abs(a - ref.auc_mean), `tfjs ${a.toFixed(4)} vs torch ${ref.auc_mean.toFixed(4)}`).toBeLessThan(0.01);
    expect(m.curve?.train.length).toBe(20);
  });
});
