/**
 * `mlp(...)`: a fully connected neural network classifier (sigmoid output and weighted binary
 * cross-entropy for two classes, softmax and weighted cross-entropy for more).
 *
 * May import: ./types, ./nn/*, ../util/rng; `./mlp-tfjs` (and so tfjs) only through a dynamic import,
 * so importing this module is cheap.
 *
 * Backends. `backend: "native"` (default) trains with winnow's own dense kernels (nn/net.ts over the
 * wasm SIMD kernels of nn/wasm-gemm.ts): float32, bit-for-bit deterministic, and several times faster
 * per epoch than tfjs-wasm on our 30-64-64-1 benchmark (see bench/RESULTS-mlp.md). With
 * ctx.threads >= 2 it runs the second half of each batch on a worker thread (nn/shard-pool.ts); the
 * split into two shards is fixed by the batch size (`shardCount`), and the shard gradients are summed
 * in shard order, so 1 and 2 threads give the same bits.
 * `backend: "tfjs"` trains the same network with @tensorflow/tfjs on its wasm backend (loaded lazily,
 * every batch in `tidy`); it is deterministic for a given seed too, but its float32 sums run in a
 * different order, so its weights differ in the last bits from native's. Either way the saved model is
 * the same plain JSON and prediction runs on the native kernels, synchronously.
 *
 * Data handling: features are standardised with the training mean and standard deviation (both stored
 * with the model); a missing value (NaN) is replaced by the training mean, i.e. 0 after
 * standardisation, at fit and at predict time, and the fit says so in `notes`. Event weights may be
 * negative (`negative_weights`: keep | ignore | abs); `class_weight: "balanced"` rescales each class to
 * the same total weight; the weights are then scaled to mean |w| = 1, so `lr` means the same thing for
 * any weight convention. Batch loss = sum(w_i * loss_i) / batch size.
 *
 * Randomness: initial weights, the per-epoch shuffle, dropout masks and the validation carve-out each
 * use their own stream derived from ctx.seed, so the same seed gives a bit-identical model.
 */
import { AlgorithmParamError, type Algorithm, type FitContext, type LearningCurve, type TrainData, type TrainedModel } from './types.js';
import { Net, type Activation, type NetConfig, type NetParams } from './nn/net.js';
import { roundUp } from './nn/kernels.js';
import { ShardPool } from './nn/shard-pool.js';
import { Rng } from '../util/rng.js';

export interface MlpParams {
  readonly layers: readonly number[];
  readonly activation: Activation;
  readonly dropout: number;
  readonly batchnorm: boolean;
  readonly optimizer: 'adam' | 'sgd';
  readonly lr: number;
  /** SGD momentum (ignored by Adam). */
  readonly momentum: number;
  readonly epochs: number;
  readonly batch: number;
  /** Patience in epochs on the validation loss; 0 = off. */
  readonly early_stopping: number;
  /** Fraction of the training rows held out for early stopping when the fit gets no validation part. */
  readonly validation_fraction: number;
  readonly class_weight: 'balanced' | 'none';
  readonly weight_decay: number;
  readonly negative_weights: 'keep' | 'ignore' | 'abs';
  readonly backend: 'native' | 'tfjs';
}

export const MLP_DEFAULTS: MlpParams = {
  layers: [64, 64],
  activation: 'relu',
  dropout: 0,
  batchnorm: false,
  optimizer: 'adam',
  lr: 1e-3,
  momentum: 0.9,
  epochs: 20,
  batch: 512,
  early_stopping: 0,
  validation_fraction: 0.1,
  class_weight: 'none',
  weight_decay: 0,
  negative_weights: 'keep',
  backend: 'native',
};

const ACTIVATIONS = ['relu', 'tanh', 'elu', 'sigmoid'] as const;

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
  throw new AlgorithmParamError(name, `mlp: \`${name}\` must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(v)}`);
}

function num(name: string, v: unknown, lo: number, hi: number, opts: { int?: boolean; openLo?: boolean; openHi?: boolean } = {}): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (opts.int ? Number.isInteger(v) : true)
    && (opts.openLo ? v > lo : v >= lo) && (opts.openHi ? v < hi : v <= hi);
  if (!ok) {
    const range = `${opts.openLo ? '(' : '['}${lo}, ${hi === Infinity ? '∞' : hi}${opts.openHi || hi === Infinity ? ')' : ']'}`;
    throw new AlgorithmParamError(name, `mlp: \`${name}\` must be ${opts.int ? 'an integer' : 'a number'} in ${range}, got ${JSON.stringify(v)}`);
  }
  return v as number;
}

export function normalizeMlpParams(params: Readonly<Record<string, unknown>>): MlpParams {
  const known = new Set(Object.keys(MLP_DEFAULTS));
  for (const k of Object.keys(params)) {
    if (!known.has(k)) {
      throw new AlgorithmParamError(k, `mlp: unknown parameter \`${k}\` (known: ${[...known].join(', ')})`);
    }
  }
  const get = <K extends keyof MlpParams>(k: K): unknown => (params[k] === undefined ? MLP_DEFAULTS[k] : params[k]);
  let layersRaw = get('layers');
  if (typeof layersRaw === 'number') layersRaw = [layersRaw];
  if (!Array.isArray(layersRaw)) throw new AlgorithmParamError('layers', `mlp: \`layers\` must be a list of layer widths such as [64, 64], got ${JSON.stringify(layersRaw)}`);
  const layers = layersRaw.map((v: unknown) => num('layers', v, 1, 65536, { int: true }));
  let es = get('early_stopping');
  if (es === false || es === null || es === 'none') es = 0;
  if (es === true) es = 5;
  let cw = get('class_weight');
  if (cw === null || cw === false) cw = 'none';
  return {
    layers,
    activation: oneOf('activation', get('activation'), ACTIVATIONS),
    dropout: num('dropout', get('dropout'), 0, 1, { openHi: true }),
    batchnorm: (() => {
      const b = get('batchnorm');
      if (typeof b !== 'boolean') throw new AlgorithmParamError('batchnorm', `mlp: \`batchnorm\` must be true or false, got ${JSON.stringify(b)}`);
      return b;
    })(),
    optimizer: oneOf('optimizer', get('optimizer'), ['adam', 'sgd'] as const),
    lr: num('lr', get('lr'), 0, 10, { openLo: true }),
    momentum: num('momentum', get('momentum'), 0, 1, { openHi: true }),
    epochs: num('epochs', get('epochs'), 1, 100000, { int: true }),
    batch: num('batch', get('batch'), 1, 1 << 20, { int: true }),
    early_stopping: num('early_stopping', es, 0, 100000, { int: true }),
    validation_fraction: num('validation_fraction', get('validation_fraction'), 0, 0.9, { openLo: true }),
    class_weight: oneOf('class_weight', cw, ['balanced', 'none'] as const),
    weight_decay: num('weight_decay', get('weight_decay'), 0, Infinity),
    negative_weights: oneOf('negative_weights', get('negative_weights'), ['keep', 'ignore', 'abs'] as const),
    backend: oneOf('backend', get('backend'), ['native', 'tfjs'] as const),
  };
}

/** Column-major features -> row-major standardised float32 rows (stride `stride`), NaN -> 0. */
export function packRows(columns: readonly Float64Array[], rows: ArrayLike<number> | null, n: number,
  mean: readonly number[], std: readonly number[], stride: number, out?: Float32Array, first = 0): Float32Array {
  const X = out ?? new Float32Array(n * stride);
  for (let f = 0; f < columns.length; f++) {
    const col = columns[f]!, mu = mean[f]!, inv = 1 / std[f]!;
    if (rows) {
      for (let i = 0; i < n; i++) {
        const v = col[rows[i]!]!;
        X[i * stride + f] = Number.isNaN(v) ? 0 : (v - mu) * inv;
      }
    } else {
      // rows first .. first+n-1 (v !== v: NaN test without a call)
      for (let i = 0; i < n; i++) {
        const v = col[first + i]!;
        X[i * stride + f] = v !== v ? 0 : (v - mu) * inv;
      }
    }
  }
  return X;
}

/** Everything a trained native or tfjs network needs to be rebuilt. */
export interface MlpModelJSON {
  readonly format: 'winnow.mlp';
  readonly version: 1;
  readonly featureNames: readonly string[];
  readonly nClasses: number;
  readonly params: MlpParams;
  readonly standardize: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly net: NetParams;
  readonly curve?: LearningCurve;
  readonly notes: readonly string[];
}

/** Prepared training arrays shared by both backends. */
export interface PreparedData {
  readonly nIn: number;
  readonly nOut: number;
  readonly stride: number;
  readonly train: { readonly n: number; readonly X: Float32Array; readonly y: Int32Array; readonly w: Float32Array };
  readonly valid?: { readonly n: number; readonly X: Float32Array; readonly y: Int32Array; readonly w: Float32Array };
}

export interface TrainResult {
  readonly net: NetParams;
  readonly curve: LearningCurve;
  readonly notes: string[];
}

function netConfig(p: MlpParams, nIn: number, nOut: number, maxBatch: number): NetConfig {
  return { nIn, hidden: p.layers, nOut, activation: p.activation, dropout: p.dropout, batchnorm: p.batchnorm, maxBatch };
}

/**
 * Shards per training batch: 2 for batches of 64+ rows without batchnorm, else 1. A function of the
 * parameters only, so the model never depends on how many threads ran the shards.
 */
export function shardCount(p: MlpParams, batch: number): number {
  return !p.batchnorm && batch >= 64 ? 2 : 1;
}

/** Row counts of the shards of a batch of b rows (all but the last a multiple of 4). */
function shardSizes(S: number, b: number): number[] {
  if (S === 1 || b < 8) return [b];
  const b0 = roundUp(Math.ceil(b / 2), 4);
  return [b0, b - b0];
}

/** Work (rows x epochs) below which starting a worker thread costs more than it saves. */
const MIN_PARALLEL_WORK = 200_000;

/** Native training loop (exported for tests and the benchmark). */
export async function trainNative(d: PreparedData, p: MlpParams, seed: number,
  ctx: Pick<FitContext, 'signal' | 'progress' | 'threads'> = {}): Promise<TrainResult & { threadsUsed: number }> {
  const B = Math.min(p.batch, d.train.n);
  const S = shardCount(p, B);
  const cfg: NetConfig = { ...netConfig(p, d.nIn, d.nOut, S === 1 ? B : roundUp(Math.ceil(B / 2), 4)), shards: S };
  const net = new Net(cfg, 'wasm');
  net.init(Rng.derive(seed, 'mlp', 'init'));
  net.setOptimizer({ kind: p.optimizer, lr: p.lr, weightDecay: p.weight_decay, momentum: p.momentum });
  const shuffleRng = Rng.derive(seed, 'mlp', 'shuffle');
  const dropRng = Rng.derive(seed, 'mlp', 'dropout');
  const { X, y, w, n } = d.train;
  const stride = d.stride;
  const trainCurve: number[] = [], validCurve: number[] = [];
  const notes: string[] = [];
  let best = Infinity, bestEpoch = -1, bestSnap: Float64Array[] | undefined;
  const sumW = sumAbs(w);
  const wantThreads = (ctx.threads ?? 1) >= 2 && S > 1 && n * p.epochs >= MIN_PARALLEL_WORK && net.memory !== undefined;
  const pool = wantThreads ? await ShardPool.start(cfg, net.memory!, net.layoutSignature(), S - 1) : undefined;
  try {
    for (let epoch = 0; epoch < p.epochs; epoch++) {
      ctx.signal?.throwIfAborted();
      const perm = shuffleRng.permutation(n);
      let total = 0;
      for (let start = 0; start < n; start += B) {
        const b = Math.min(B, n - start);
        const sizes = shardSizes(S, b);
        let at = start;
        for (let s = 0; s < sizes.length; s++) {
          const xs = net.Xs[s]!, ys = net.ys[s]!, ws = net.ws[s]!;
          for (let i = 0; i < sizes[s]!; i++, at++) {
            const r = perm[at]!;
            for (let f = 0, src = r * stride, dst = i * stride; f < stride; f++) xs[dst + f] = X[src + f]!;
            ys[i] = y[r]!;
            ws[i] = w[r]!;
          }
        }
        net.drawDropoutMasks(sizes, dropRng);
        const parallel = pool !== undefined && sizes.length > 1;
        if (parallel) pool.run(0, sizes[1]!, b);
        for (let s = 0; s < sizes.length; s++) {
          if (s > 0 && parallel) {
            total += pool.wait(s - 1);
            continue;
          }
          net.forward(sizes[s]!, true, undefined, s);
          total += net.lossGrad(sizes[s]!, net.ys[s]!, net.ws[s]!, b, s);
          net.backward(sizes[s]!, s);
        }
        net.update(sizes.length);
      }
      trainCurve.push(total / sumW);
      if (d.valid) {
        const vl = evalLoss(net, d.valid, stride);
        validCurve.push(vl);
        if (p.early_stopping > 0) {
          if (vl < best) {
            best = vl;
            bestEpoch = epoch;
            bestSnap = net.snapshot();
          } else if (epoch - bestEpoch >= p.early_stopping) {
            notes.push(`early stopping after epoch ${epoch + 1}: validation loss last improved at epoch ${bestEpoch + 1}; kept that epoch's weights`);
            break;
          }
        }
      }
      ctx.progress?.((epoch + 1) / p.epochs, `epoch ${epoch + 1}/${p.epochs}`);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    await pool?.close();
  }
  if (bestSnap && bestEpoch < trainCurve.length - 1) net.restore(bestSnap);
  return {
    net: net.toParams(), curve: { unit: 'epoch', train: trainCurve, valid: validCurve, metric: 'logloss' }, notes,
    threadsUsed: pool ? S : 1,
  };
}

function sumAbs(w: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += Math.abs(w[i]!);
  return s > 0 ? s : 1;
}

/** Weighted mean loss over a data part, in prediction mode. */
function evalLoss(net: Net, part: NonNullable<PreparedData['valid']>, stride: number): number {
  const B = net.maxBatch;
  let total = 0;
  for (let start = 0; start < part.n; start += B) {
    const b = Math.min(B, part.n - start);
    net.X.set(part.X.subarray(start * stride, (start + b) * stride));
    net.forward(b, false);
    total += net.loss(b, part.y.subarray(start, start + b), part.w.subarray(start, start + b));
  }
  return total / sumAbs(part.w);
}

class MlpModel implements TrainedModel {
  readonly algorithm = 'mlp';
  readonly featureNames: readonly string[];
  readonly nClasses: number;
  readonly curve?: LearningCurve;
  readonly notes: readonly string[];
  private net: Net | undefined;

  constructor(private readonly json: MlpModelJSON) {
    this.featureNames = json.featureNames;
    this.nClasses = json.nClasses;
    if (json.curve) this.curve = json.curve;
    this.notes = json.notes;
  }

  predict(columns: readonly Float64Array[], n: number): Float64Array {
    const nf = this.featureNames.length;
    if (columns.length !== nf) throw new Error(`mlp predict: expected ${nf} feature columns (${this.featureNames.join(', ')}), got ${columns.length}`);
    for (let f = 0; f < nf; f++) {
      if (columns[f]!.length < n) throw new Error(`mlp predict: feature \`${this.featureNames[f]}\` has ${columns[f]!.length} values for ${n} rows`);
    }
    const K = this.nClasses;
    const nOut = K === 2 ? 1 : K;
    const chunk = 2048;
    if (!this.net) {
      this.net = new Net(netConfig(this.json.params, nf, nOut, chunk), 'wasm');
      this.net.loadParams(this.json.net);
    }
    const net = this.net;
    const out = new Float64Array(K === 2 ? n : n * K);
    const { mean, std } = this.json.standardize;
    for (let start = 0; start < n; start += chunk) {
      const b = Math.min(chunk, n - start);
      packRows(columns, null, b, mean, std, net.inPad, net.X, start);
      net.forward(b, false);
      const Z = net.output, s = net.outStride;
      for (let i = 0; i < b; i++) {
        if (nOut === 1) {
          out[start + i] = 1 / (1 + Math.exp(-Z[i * s]!));
        } else {
          let mx = -Infinity;
          for (let j = 0; j < K; j++) mx = Math.max(mx, Z[i * s + j]!);
          let se = 0;
          for (let j = 0; j < K; j++) se += Math.exp(Z[i * s + j]! - mx);
          for (let j = 0; j < K; j++) out[(start + i) * K + j] = Math.exp(Z[i * s + j]! - mx) / se;
        }
      }
    }
    return out;
  }

  toJSON(): MlpModelJSON {
    return this.json;
  }
}

function checkData(data: TrainData, what: string): void {
  if (data.columns.length === 0) throw new Error(`mlp: the ${what} data have no feature columns`);
  if (!(Number.isInteger(data.nClasses) && data.nClasses >= 2)) throw new Error(`mlp: needs at least 2 classes, got ${data.nClasses}`);
  for (let f = 0; f < data.columns.length; f++) {
    if (data.columns[f]!.length !== data.n) throw new Error(`mlp: feature \`${data.featureNames[f] ?? f}\` has ${data.columns[f]!.length} values for ${data.n} rows`);
  }
  if (data.y.length !== data.n || data.w.length !== data.n) throw new Error(`mlp: labels or weights do not match the ${data.n} rows of the ${what} data`);
  for (let i = 0; i < data.n; i++) {
    const c = data.y[i]!;
    if (!(Number.isInteger(c) && c >= 0 && c < data.nClasses)) throw new Error(`mlp: row ${i} of the ${what} data has class ${c}, expected 0..${data.nClasses - 1}`);
  }
}

/** Standardisation, weights and packing shared by the backends. */
export function prepare(data: TrainData, p: MlpParams, seed: number, valid?: TrainData): { d: PreparedData; mean: number[]; std: number[]; notes: string[] } {
  checkData(data, 'training');
  const notes: string[] = [];
  let trainRows: Int32Array | null = null;
  let validRows: Int32Array | null = null;
  let validData = valid;
  if (validData) checkData(validData, 'validation');
  if (!validData && p.early_stopping > 0) {
    const nv = Math.floor(data.n * p.validation_fraction);
    if (nv >= 1 && data.n - nv >= 1) {
      const perm = Rng.derive(seed, 'mlp', 'valid').permutation(data.n);
      validRows = perm.slice(0, nv).sort();
      trainRows = perm.slice(nv).sort();
      validData = data;
      notes.push(`early stopping on ${nv} training rows held out at random (validation_fraction ${p.validation_fraction}), as no validation part was given`);
    }
  }
  const nTrain = trainRows ? trainRows.length : data.n;
  const nf = data.columns.length;
  const mean: number[] = [], std: number[] = [];
  let missing = 0, missingFeatures = 0;
  for (let f = 0; f < nf; f++) {
    const col = data.columns[f]!;
    let s = 0, c = 0;
    for (let i = 0; i < nTrain; i++) {
      const v = col[trainRows ? trainRows[i]! : i]!;
      if (!Number.isNaN(v)) { s += v; c++; }
    }
    const mu = c > 0 ? s / c : 0;
    let q = 0;
    for (let i = 0; i < nTrain; i++) {
      const v = col[trainRows ? trainRows[i]! : i]!;
      if (!Number.isNaN(v)) q += (v - mu) * (v - mu);
    }
    const sd = c > 0 ? Math.sqrt(q / c) : 0;
    mean.push(mu);
    std.push(sd > 0 && Number.isFinite(sd) ? sd : 1);
    if (c < nTrain) { missing += nTrain - c; missingFeatures++; }
    if (c === 0) notes.push(`feature \`${data.featureNames[f]}\` is missing in every training row; it is fed as a constant`);
  }
  if (missing > 0) notes.push(`imputed ${missing} missing values in ${missingFeatures} feature(s) with the training mean (also at prediction time)`);
  notes.push('inputs standardised with the training mean and standard deviation (stored with the model)');

  const K = data.nClasses;
  const nOut = K === 2 ? 1 : K;
  const stride = roundUp(nf, 8);
  // Class scale factors from the training part.
  const treat = (v: number): number => (p.negative_weights === 'abs' ? Math.abs(v) : p.negative_weights === 'ignore' && v < 0 ? 0 : v);
  const classTotals = new Float64Array(K);
  let nNeg = 0;
  for (let i = 0; i < nTrain; i++) {
    const r = trainRows ? trainRows[i]! : i;
    const v = data.w[r]!;
    if (v < 0) nNeg++;
    classTotals[data.y[r]!]! += treat(v);
  }
  if (nNeg > 0) notes.push(`${nNeg} training events have negative weights (negative_weights: ${p.negative_weights})`);
  const classScale = new Float64Array(K).fill(1);
  if (p.class_weight === 'balanced') {
    let tot = 0;
    for (const t of classTotals) tot += t;
    for (let k = 0; k < K; k++) {
      if (!(classTotals[k]! > 0)) throw new Error(`mlp: class ${k} has no positive total weight in the training data, so class_weight: "balanced" is undefined`);
      classScale[k] = tot / (K * classTotals[k]!);
    }
  }
  const makePart = (src: TrainData, rows: Int32Array | null, norm: number | undefined) => {
    const n = rows ? rows.length : src.n;
    const X = packRows(src.columns, rows, n, mean, std, stride);
    const y = new Int32Array(n), w = new Float32Array(n);
    let sa = 0;
    const raw = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = rows ? rows[i]! : i;
      y[i] = src.y[r]!;
      raw[i] = treat(src.w[r]!) * classScale[src.y[r]!]!;
      sa += Math.abs(raw[i]!);
    }
    const scale = norm ?? (sa > 0 ? n / sa : 1);
    for (let i = 0; i < n; i++) w[i] = raw[i]! * scale;
    return { n, X, y, w, scale };
  };
  const t = makePart(data, trainRows, undefined);
  if (t.n === 0) throw new Error('mlp: no training rows');
  const d: PreparedData = {
    nIn: nf, nOut, stride,
    train: { n: t.n, X: t.X, y: t.y, w: t.w },
    ...(validData ? { valid: (({ n, X, y, w }) => ({ n, X, y, w }))(makePart(validData, validRows, undefined)) } : {}),
  };
  return { d, mean, std, notes };
}

export const mlp: Algorithm = {
  name: 'mlp',
  version: 1,
  normalize(params) {
    return { ...normalizeMlpParams(params) };
  },
  async fit(data, params, ctx) {
    const p = normalizeMlpParams(params);
    const { d, mean, std, notes } = prepare(data, p, ctx.seed, ctx.valid);
    let res: TrainResult;
    if (p.backend === 'tfjs') {
      const { trainTfjs } = await import('./mlp-tfjs.js');
      res = await trainTfjs(d, p, ctx.seed, ctx);
      notes.push('trained with @tensorflow/tfjs (wasm backend); predictions use the native kernels');
    } else {
      res = await trainNative(d, p, ctx.seed, ctx);
    }
    if (p.early_stopping > 0 && !d.valid) notes.push('early_stopping ignored: too few rows to hold out a validation part');
    const json: MlpModelJSON = {
      format: 'winnow.mlp', version: 1,
      featureNames: [...data.featureNames], nClasses: data.nClasses, params: p,
      standardize: { mean, std }, net: res.net, curve: res.curve, notes: [...notes, ...res.notes],
    };
    return new MlpModel(json);
  },
  fromJSON(json) {
    const j = json as Partial<MlpModelJSON> | null;
    if (!j || typeof j !== 'object' || j.format !== 'winnow.mlp' || j.version !== 1) {
      throw new Error('mlp: not a saved winnow mlp model (expected format "winnow.mlp", version 1)');
    }
    if (!j.featureNames || !j.net || !j.standardize || !j.params || typeof j.nClasses !== 'number') {
      throw new Error('mlp: saved model is incomplete (needs featureNames, nClasses, params, standardize, net)');
    }
    return new MlpModel({ ...(j as MlpModelJSON), params: normalizeMlpParams(j.params as unknown as Record<string, unknown>) });
  },
};
