/**
 * The `backend: "tfjs"` training loop of mlp: the same network, loss, weights and optimizer as the
 * native loop in mlp.ts, written with @tensorflow/tfjs-core ops on the wasm backend.
 *
 * May import: @tensorflow/tfjs (the union package: it registers the gradients), @tensorflow/tfjs-backend-wasm (or @tensorflow/tfjs-node when it is
 * installed), ./mlp (types), ./nn/net (types), ../util/rng. Loaded only through a dynamic import from
 * mlp.ts, so winnow does not pay for tfjs unless a pipeline asks for it.
 *
 * We use tfjs-core, not tfjs-layers' `model.fit`, because `fit` shuffles with Math.random and its
 * dropout draws from tfjs' own generator: here batches, initial weights and dropout masks come from
 * the same seeded Rng streams as the native loop, so a fit is deterministic for a given seed. Every
 * batch runs inside `tf.tidy`; the variables are disposed at the end. The result is plain NetParams,
 * so prediction uses the native kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FitContext, LearningCurve } from './types.js';
import type { MlpParams, PreparedData, TrainResult } from './mlp.js';
import { fillDropoutMask, Net } from './nn/net.js';
import { Rng } from '../util/rng.js';

let ready: Promise<string> | undefined;

/** Picks tfjs-node when it is installed, else the wasm backend. Returns the backend name. */
export function tfjsBackend(): Promise<string> {
  ready ??= (async () => {
    try {
      const nodeName = '@tensorflow/tfjs-node';
      await import(nodeName);
      if (await tf.setBackend('tensorflow')) return 'tensorflow';
    } catch {
      // not installed: fall through to wasm
    }
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
    if (!(await tf.setBackend('wasm'))) throw new Error('mlp: could not initialise the tfjs wasm backend');
    await tf.ready();
    return 'wasm';
  })();
  return ready;
}

export async function trainTfjs(d: PreparedData, p: MlpParams, seed: number, ctx: Pick<FitContext, 'signal' | 'progress'> = {}): Promise<TrainResult> {
  await tfjsBackend();
  const B = Math.min(p.batch, d.train.n);
  // Same initial weights as the native loop: build a native net, initialise it, read its params.
  const init = new Net({ nIn: d.nIn, hidden: p.layers, nOut: d.nOut, activation: p.activation, dropout: p.dropout, batchnorm: p.batchnorm, maxBatch: 4 }, 'js');
  init.init(Rng.derive(seed, 'mlp', 'init'));
  const start = init.toParams();
  const widths = [d.nIn, ...p.layers, d.nOut];
  const W: tf.Variable[] = [], b: tf.Variable[] = [], gamma: tf.Variable[] = [], beta: tf.Variable[] = [];
  const runMean: tf.Variable[] = [], runVar: tf.Variable[] = [];
  for (let l = 0; l + 1 < widths.length; l++) {
    const q = start.layers[l]!;
    W.push(tf.variable(tf.tensor2d(q.w as number[], [widths[l]!, widths[l + 1]!]), true, `W${l}`));
    b.push(tf.variable(tf.tensor1d(q.b as number[]), true, `b${l}`));
    if (p.batchnorm && l + 2 < widths.length) {
      gamma.push(tf.variable(tf.ones([widths[l + 1]!]), true, `g${l}`));
      beta.push(tf.variable(tf.zeros([widths[l + 1]!]), true, `be${l}`));
      runMean.push(tf.variable(tf.zeros([widths[l + 1]!]), false, `rm${l}`));
      runVar.push(tf.variable(tf.ones([widths[l + 1]!]), false, `rv${l}`));
    }
  }
  const trainable = [...W, ...b, ...gamma, ...beta];
  const optimizer = p.optimizer === 'adam' ? tf.train.adam(p.lr, 0.9, 0.999, 1e-8) : tf.train.momentum(p.lr, p.momentum);
  const act = (z: tf.Tensor): tf.Tensor => {
    switch (p.activation) {
      case 'relu': return tf.relu(z);
      case 'tanh': return tf.tanh(z);
      case 'sigmoid': return tf.sigmoid(z);
      case 'elu': return tf.elu(z);
    }
  };
  const forward = (x: tf.Tensor2D, train: boolean, masks: tf.Tensor[] | null): tf.Tensor2D => {
    let a: tf.Tensor2D = x;
    for (let l = 0; l < W.length; l++) {
      let z = tf.add(tf.matMul(a, W[l]!), b[l]!) as tf.Tensor2D;
      if (l === W.length - 1) return z;
      if (p.batchnorm) {
        let mean: tf.Tensor, variance: tf.Tensor;
        if (train) {
          const m = tf.moments(z, 0);
          mean = m.mean;
          variance = m.variance;
          const n = z.shape[0];
          runMean[l]!.assign(tf.add(tf.mul(runMean[l]!, 0.9), tf.mul(mean, 0.1)));
          runVar[l]!.assign(tf.add(tf.mul(runVar[l]!, 0.9), tf.mul(variance, 0.1 * (n > 1 ? n / (n - 1) : 1))));
        } else {
          mean = runMean[l]!;
          variance = runVar[l]!;
        }
        z = tf.add(tf.mul(tf.div(tf.sub(z, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma[l]!), beta[l]!) as tf.Tensor2D;
      }
      a = act(z) as tf.Tensor2D;
      if (masks) a = tf.mul(a, masks[l]!) as tf.Tensor2D;
    }
    throw new Error('unreachable');
  };
  const lossOf = (logits: tf.Tensor2D, y: tf.Tensor, w: tf.Tensor, denom: number): tf.Scalar => {
    let per: tf.Tensor;
    if (d.nOut === 1) {
      const s = tf.reshape(logits, [-1]);
      per = tf.sub(tf.softplus(s), tf.mul(y, s));
    } else {
      const lse = tf.logSumExp(logits, 1);
      const picked = tf.sum(tf.mul(logits, tf.oneHot(tf.cast(y, 'int32'), d.nOut)), 1);
      per = tf.sub(lse, picked);
    }
    return tf.div(tf.sum(tf.mul(per, w)), denom) as tf.Scalar;
  };
  const shuffleRng = Rng.derive(seed, 'mlp', 'shuffle');
  const dropRng = Rng.derive(seed, 'mlp', 'dropout');
  const { X, y, w, n } = d.train;
  const stride = d.stride;
  const xb = new Float32Array(B * d.nIn), yb = new Float32Array(B), wb = new Float32Array(B);
  const trainCurve: number[] = [], validCurve: number[] = [];
  const notes: string[] = [];
  let sumW = 0;
  for (let i = 0; i < n; i++) sumW += Math.abs(w[i]!);
  if (!(sumW > 0)) sumW = 1;
  let best = Infinity, bestEpoch = -1;
  let bestSnap: tf.Tensor[] | undefined;
  for (let epoch = 0; epoch < p.epochs; epoch++) {
    ctx.signal?.throwIfAborted();
    const perm = shuffleRng.permutation(n);
    let total = 0;
    for (let s0 = 0; s0 < n; s0 += B) {
      const bs = Math.min(B, n - s0);
      for (let i = 0; i < bs; i++) {
        const r = perm[s0 + i]!;
        for (let f = 0; f < d.nIn; f++) xb[i * d.nIn + f] = X[r * stride + f]!;
        yb[i] = y[r]!;
        wb[i] = w[r]!;
      }
      // Dropout masks drawn in the same order as the native loop (layer, row, column).
      const maskVals: Float32Array[] = [];
      if (p.dropout > 0) {
        for (const width of p.layers) {
          const m = new Float32Array(bs * width);
          fillDropoutMask(dropRng, bs, width, p.dropout, m, width);
          maskVals.push(m);
        }
      }
      const lossValue = tf.tidy(() => {
        const xt = tf.tensor2d(xb.subarray(0, bs * d.nIn), [bs, d.nIn]);
        const yt = tf.tensor1d(yb.subarray(0, bs));
        const wt = tf.tensor1d(wb.subarray(0, bs));
        const masks = p.dropout > 0 ? maskVals.map((m, l) => tf.tensor2d(m, [bs, p.layers[l]!])) : null;
        const { value, grads } = tf.variableGrads(() => lossOf(forward(xt, true, masks), yt, wt, bs), trainable);
        if (p.weight_decay > 0) {
          // L2 on weights only, added to the gradient (as the native loop does).
          for (const Wl of W) grads[Wl.name] = tf.add(grads[Wl.name]!, tf.mul(Wl, p.weight_decay));
        }
        optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
        return value.dataSync()[0]!;
      });
      total += lossValue * bs;
    }
    trainCurve.push(total / sumW);
    if (d.valid) {
      const v = d.valid;
      const vl = tf.tidy(() => {
        const xv = new Float32Array(v.n * d.nIn);
        for (let i = 0; i < v.n; i++) for (let f = 0; f < d.nIn; f++) xv[i * d.nIn + f] = v.X[i * stride + f]!;
        let vw = 0;
        for (let i = 0; i < v.n; i++) vw += Math.abs(v.w[i]!);
        return lossOf(forward(tf.tensor2d(xv, [v.n, d.nIn]), false, null), tf.tensor1d(Float32Array.from(v.y)), tf.tensor1d(v.w), vw > 0 ? vw : 1).dataSync()[0]!;
      });
      validCurve.push(vl);
      if (p.early_stopping > 0) {
        if (vl < best) {
          best = vl;
          bestEpoch = epoch;
          bestSnap?.forEach((t) => t.dispose());
          bestSnap = [...trainable, ...runMean, ...runVar].map((t) => tf.clone(t));
        } else if (epoch - bestEpoch >= p.early_stopping) {
          notes.push(`early stopping after epoch ${epoch + 1}: validation loss last improved at epoch ${bestEpoch + 1}; kept that epoch's weights`);
          break;
        }
      }
    }
    ctx.progress?.((epoch + 1) / p.epochs, `epoch ${epoch + 1}/${p.epochs}`);
  }
  const all = [...trainable, ...runMean, ...runVar];
  if (bestSnap && bestEpoch < trainCurve.length - 1) all.forEach((t, i) => t.assign(bestSnap![i]!));
  const net = {
    layers: W.map((Wl, l) => {
      const hiddenBn = p.batchnorm && l < W.length - 1;
      return {
        w: Array.from(Wl.dataSync()), b: Array.from(b[l]!.dataSync()),
        ...(hiddenBn ? {
          gamma: Array.from(gamma[l]!.dataSync()), beta: Array.from(beta[l]!.dataSync()),
          runMean: Array.from(runMean[l]!.dataSync()), runVar: Array.from(runVar[l]!.dataSync()),
        } : {}),
      };
    }),
  };
  bestSnap?.forEach((t) => t.dispose());
  all.forEach((t) => t.dispose());
  optimizer.dispose();
  const curve: LearningCurve = { unit: 'epoch', train: trainCurve, valid: validCurve, metric: 'logloss' };
  return { net, curve, notes };
}
