import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mlp, normalizeMlpParams, prepare, trainNative, MLP_DEFAULTS } from '../../../src/runtime/models/mlp.js';
import { Net, type NetConfig } from '../../../src/runtime/models/nn/net.js';
import { AlgorithmParamError, type TrainData } from '../../../src/runtime/models/types.js';
import { Rng } from '../../../src/runtime/util/rng.js';
import { auc, blobs, loadHiggsml, loadUci, type Split } from './mlp-helpers.js';

interface TorchResult { dataset: string; config: string; params: Record<string, unknown>; auc: number[]; auc_mean: number; auc_std: number }
const fixture = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/mlp/torch_auc.json'), 'utf8')) as { results: TorchResult[] };

const data: Record<string, () => Split> = { higgsml: loadHiggsml, 'uci-higgs': loadUci };
const splits = new Map<string, Split>();
const split = (name: string): Split => {
  if (!splits.has(name)) splits.set(name, data[name]!());
  return splits.get(name)!;
};

describe('mlp: test AUC matches a PyTorch MLP of the same shape (test/fixtures/mlp/torch_auc.json)', () => {
  for (const ref of fixture.results) {
    it(`${ref.dataset} ${ref.config}: mean AUC over 3 seeds within 0.01 of torch's mean over 5 seeds`, async () => {
      const s = split(ref.dataset);
      const { layers, activation, batchnorm, dropout, lr, batch, epochs } = ref.params;
      const aucs: number[] = [];
      for (const seed of [0, 1, 2]) {
        const m = await mlp.fit(s.train, { layers, activation, batchnorm, dropout, lr, batch, epochs }, { seed });
        aucs.push(auc(m.predict(s.test.columns, s.test.n), s.test.y));
      }
      const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
      expect(Math.abs(mean - ref.auc_mean), `winnow ${aucs.map((a) => a.toFixed(4))} vs torch ${ref.auc_mean.toFixed(4)}`).toBeLessThan(0.01);
    });
  }

  it('notes say that missing values were imputed with the training mean (HiggsML has -999 values)', async () => {
    const s = split('higgsml');
    const m = await mlp.fit(s.train, { layers: [8], epochs: 1 }, { seed: 0 });
    expect(m.notes?.some((n) => /imputed \d+ missing values .* training mean/.test(n))).toBe(true);
  });
});

describe('mlp: determinism and serialisation', () => {
  const d = blobs(700, 5, 2, 3, 0.05);
  const params = { layers: [16, 8], epochs: 4, batch: 50, dropout: 0.2, batchnorm: true, activation: 'elu' };

  it('the same seed gives a bit-identical model; another seed does not', async () => {
    const a = await mlp.fit(d, params, { seed: 7 });
    const b = await mlp.fit(d, params, { seed: 7 });
    const c = await mlp.fit(d, params, { seed: 8 });
    expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
    expect(Array.from(a.predict(d.columns, d.n))).toEqual(Array.from(b.predict(d.columns, d.n)));
    expect(JSON.stringify(a.toJSON())).not.toBe(JSON.stringify(c.toJSON()));
  });

  it('toJSON -> JSON text -> fromJSON predicts the same bits (NaN inputs included)', async () => {
    const a = await mlp.fit(d, params, { seed: 1 });
    const text = JSON.stringify(a.toJSON());
    expect(text).not.toMatch(/NaN|Infinity/);
    const b = mlp.fromJSON(JSON.parse(text));
    const p1 = a.predict(d.columns, d.n), p2 = b.predict(d.columns, d.n);
    expect(Array.from(p2)).toEqual(Array.from(p1));
    expect(p1.every((v) => v > 0 && v < 1)).toBe(true);
    expect(b.featureNames).toEqual(d.featureNames);
    expect(b.curve?.train.length).toBe(4);
    expect(() => mlp.fromJSON({ format: 'other' })).toThrow(/winnow mlp model/);
  });

  it('1 thread and 2 worker threads train bit-identical networks (fixed shards, fixed reduction order)', async () => {
    // needs the compiled worker (dist/runtime/models/nn/mlp-worker.js): `npm test` builds first
    const big = blobs(10_000, 6, 2, 5, 0.01);
    const p = normalizeMlpParams({ layers: [32, 16], epochs: 20, batch: 256, dropout: 0.1, weight_decay: 1e-4 });
    const { d } = prepare(big, p, 9);
    const one = await trainNative(d, p, 9, { threads: 1 });
    const two = await trainNative(d, p, 9, { threads: 2 });
    expect(one.threadsUsed).toBe(1);
    expect(two.threadsUsed).toBe(2);
    expect(JSON.stringify(two.net)).toBe(JSON.stringify(one.net));
    expect(two.curve.train).toEqual(one.curve.train);
  });

  it('the wasm and the JS kernels train bit-identical networks', () => {
    const cfg: NetConfig = { nIn: 5, hidden: [12, 9], nOut: 3, activation: 'tanh', dropout: 0.1, batchnorm: true, maxBatch: 22 };
    const run = (kind: 'wasm' | 'js') => {
      const net = new Net(cfg, kind);
      expect(net.kernelKind).toBe(kind);
      net.init(new Rng(5));
      net.setOptimizer({ kind: 'adam', lr: 0.01, weightDecay: 1e-3, momentum: 0 });
      const rng = new Rng(6), drop = new Rng(7);
      const y = new Int32Array(22), w = new Float32Array(22).fill(1);
      for (let step = 0; step < 5; step++) {
        for (let i = 0; i < 22; i++) {
          for (let f = 0; f < 5; f++) net.X[i * net.inPad + f] = rng.normal();
          y[i] = i % 3;
        }
        net.forward(22, true, drop);
        net.lossGrad(22, y, w, 22);
        net.backward(22);
        net.update();
      }
      return JSON.stringify(net.toParams());
    };
    expect(run('wasm')).toBe(run('js'));
  });
});

describe('mlp: gradients', () => {
  // Central finite differences of the float32 network's loss, computed in float64 from float32
  // activations; eps = 1e-2 keeps the float32 rounding noise (~1e-7 relative) far below the
  // truncation error, so we ask for 2 % relative agreement on every gradient entry above 1e-3.
  for (const [activation, batchnorm, nOut] of [['tanh', false, 1], ['sigmoid', true, 1], ['elu', true, 3], ['tanh', false, 4]] as const) {
    it(`backward matches finite differences (${activation}, batchnorm ${batchnorm}, ${nOut} output(s))`, () => {
      const B = 9;
      const net = new Net({ nIn: 4, hidden: [6, 5], nOut, activation, dropout: 0, batchnorm, maxBatch: B }, 'js');
      net.init(new Rng(11));
      const rng = new Rng(12);
      for (let i = 0; i < B; i++) for (let f = 0; f < 4; f++) net.X[i * net.inPad + f] = rng.normal();
      const K = Math.max(2, nOut);
      const y = Int32Array.from({ length: B }, (_, i) => i % K);
      const w = Float32Array.from({ length: B }, (_, i) => (i === 3 ? -0.5 : 0.5 + i / B));
      // batchnorm: perturb gamma/beta too; give them non-trivial values first
      for (const s of net.paramSlots()) for (let i = 0; i < s.value.length; i++) if (s.value[i] === 1) s.value[i] = 1 + 0.1 * rng.normal();
      const loss = () => { net.forward(B, true, new Rng(0)); return net.lossGrad(B, y, w, 1); };
      loss();
      net.backward(B);
      let checked = 0;
      for (const s of net.paramSlots()) {
        const grad = Float32Array.from(s.grad);
        for (let i = 0; i < s.value.length; i++) {
          const v = s.value[i]!;
          if (v === 0 && grad[i] === 0) continue; // padding
          const eps = 1e-2;
          s.value[i] = v + eps; const up = loss();
          s.value[i] = v - eps; const dn = loss();
          s.value[i] = v;
          const fd = (up - dn) / (2 * eps);
          if (Math.abs(fd) < 1e-3 && Math.abs(grad[i]!) < 1e-3) continue;
          expect(Math.abs(fd - grad[i]!) / Math.max(Math.abs(fd), Math.abs(grad[i]!)), `entry ${i}: fd ${fd} vs ${grad[i]}`).toBeLessThan(0.02);
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(40);
    });
  }
});

describe('mlp: multiclass, weights, early stopping, parameters', () => {
  it('softmax on 3 Gaussian blobs: probabilities sum to 1 and the argmax is mostly right', async () => {
    const train = blobs(900, 4, 3, 21, 0.02), test = blobs(600, 4, 3, 22, 0.02);
    // same centers: blobs() draws centers first from the seed, so use the same seed and split rows instead
    const all = blobs(1500, 4, 3, 21, 0.02);
    const take = (from: number, to: number): TrainData => ({
      ...all, n: to - from, columns: all.columns.map((c) => c.slice(from, to)), y: all.y.slice(from, to), w: all.w.slice(from, to),
    });
    void train; void test;
    const tr = take(0, 900), te = take(900, 1500);
    const m = await mlp.fit(tr, { layers: [16], epochs: 30, batch: 32, lr: 3e-3 }, { seed: 2 });
    const p = m.predict(te.columns, te.n);
    expect(p.length).toBe(te.n * 3);
    let right = 0;
    for (let i = 0; i < te.n; i++) {
      const row = [p[3 * i]!, p[3 * i + 1]!, p[3 * i + 2]!];
      expect(Math.abs(row[0]! + row[1]! + row[2]! - 1)).toBeLessThan(1e-12);
      if (row.indexOf(Math.max(...row)) === te.y[i]) right++;
    }
    expect(right / te.n).toBeGreaterThan(0.85);
  });

  it('class_weight balanced lifts the rare class; negative weights are accepted', async () => {
    // Features carry no information, 1 event in 10 is signal: the plain fit learns the prior (~0.1),
    // the balanced fit sees both classes with the same total weight (~0.5).
    const rng = new Rng(8);
    const n = 1000;
    const d: TrainData = {
      n, nClasses: 2, featureNames: ['a', 'b', 'c'],
      columns: [0, 1, 2].map(() => Float64Array.from({ length: n }, () => rng.normal())),
      y: Float64Array.from({ length: n }, (_, i) => (i % 10 === 3 ? 1 : 0)),
      w: Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? -0.2 : 1)),
    };
    const meanScore = async (cw: string) => {
      const m = await mlp.fit(d, { layers: [8], epochs: 10, batch: 32, class_weight: cw }, { seed: 1 });
      const p = m.predict(d.columns, d.n);
      expect(m.notes?.some((note) => /143 training events have negative weights/.test(note))).toBe(true);
      return p.reduce((a, b) => a + b, 0) / p.length;
    };
    const plain = await meanScore('none'), balanced = await meanScore('balanced');
    expect(plain).toBeGreaterThan(0.03);
    expect(plain).toBeLessThan(0.2);
    expect(balanced).toBeGreaterThan(0.35);
    expect(balanced).toBeLessThan(0.65);
  });

  it('early stopping on ctx.valid keeps the best epoch and records both curves', async () => {
    const all = blobs(600, 6, 2, 9, 0);
    // labels mostly noise so the validation loss turns up quickly
    const rng = new Rng(3);
    const y = all.y.map((v) => (rng.next() < 0.4 ? 1 - v : v));
    const tr: TrainData = { ...all, n: 300, columns: all.columns.map((c) => c.slice(0, 300)), y: y.slice(0, 300), w: all.w.slice(0, 300) };
    const va: TrainData = { ...all, n: 300, columns: all.columns.map((c) => c.slice(300)), y: y.slice(300), w: all.w.slice(300) };
    const m = await mlp.fit(tr, { layers: [128, 128], epochs: 200, batch: 16, lr: 1e-2, early_stopping: 3 }, { seed: 4, valid: va });
    const c = m.curve!;
    expect(c.unit).toBe('epoch');
    expect(c.train.length).toBe(c.valid.length);
    expect(c.train.length).toBeLessThan(200);
    const best = c.valid.indexOf(Math.min(...c.valid));
    expect(c.valid.length - 1 - best).toBe(3);
    expect(m.notes?.some((n) => n.startsWith('early stopping after epoch'))).toBe(true);
  });

  it('early stopping without a validation part holds out validation_fraction of the training rows', async () => {
    const d = blobs(400, 3, 2, 12);
    const m = await mlp.fit(d, { layers: [8], epochs: 5, batch: 32, early_stopping: 2, validation_fraction: 0.25 }, { seed: 1 });
    expect(m.notes?.some((n) => n.includes('early stopping on 100 training rows held out at random'))).toBe(true);
    expect(m.curve!.valid.length).toBe(m.curve!.train.length);
    expect(m.curve!.valid.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  });

  it('SGD with momentum and a network without hidden layers (logistic regression) both learn', async () => {
    const tr = blobs(600, 4, 2, 31, 0.02);
    for (const params of [{ optimizer: 'sgd', lr: 0.01, layers: [16], activation: 'sigmoid' }, { layers: [], lr: 0.01 }]) {
      const m = await mlp.fit(tr, { ...params, epochs: 15, batch: 32 }, { seed: 3 });
      const c = m.curve!.train;
      expect(c.at(-1)!).toBeLessThan(0.5 * c[0]!);
      expect(auc(m.predict(tr.columns, tr.n), tr.y)).toBeGreaterThan(0.95);
    }
  });

  it('normalize fills defaults and names the bad parameter', () => {
    expect(normalizeMlpParams({})).toEqual(MLP_DEFAULTS);
    expect(mlp.normalize({ layers: 32, early_stopping: false })).toMatchObject({ layers: [32], early_stopping: 0 });
    const bad = (p: Record<string, unknown>, param: string) => {
      try { normalizeMlpParams(p); } catch (e) {
        expect(e).toBeInstanceOf(AlgorithmParamError);
        expect((e as AlgorithmParamError).param).toBe(param);
        return (e as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(bad({ activation: 'relu6' }, 'activation')).toMatch(/"relu", "tanh", "elu", "sigmoid"/);
    expect(bad({ layers: [64, 0] }, 'layers')).toMatch(/integer/);
    expect(bad({ dropout: 1 }, 'dropout')).toMatch(/dropout/);
    expect(bad({ lr: -1 }, 'lr')).toMatch(/lr/);
    expect(bad({ learning_rate: 0.1 }, 'learning_rate')).toMatch(/unknown parameter/);
    expect(bad({ backend: 'torch' }, 'backend')).toMatch(/"native", "tfjs"/);
  });
});
