/**
 * Histogram gradient-boosted decision trees in TypeScript (XGBoost `hist`-style), behind the
 * Algorithm interface.
 *
 * May import: models/types, models/gbdt-kernels, models/gbdt-wasm, util/rng, exec/worker-url, node:worker_threads.
 *
 * How a fit goes:
 * 1. Binning. Per feature, cut points at weighted (|w|) quantiles of at most 200,000 rows (a fixed
 *    seeded sample), or every distinct value when there are few: bin(x) = first j with x < cut_j.
 *    `bins` counts the missing-value bin, so bins = 256 gives up to 255 value bins + 1 for NaN.
 * 2. Boosting, second order. Binary: logloss, g = w (p − y), h = |w| p (1 − p) (floored at 1e-16 |w|).
 *    Multiclass: softmax, one tree per class per round, h = 2 |w| p_k (1 − p_k) (XGBoost's factor).
 *    Negative weights: the gradient keeps the sign of w, the Hessian uses |w|, so every node's
 *    Hessian sum stays positive and the Newton step −G/(H + λ) is defined; an event with negative
 *    weight then pulls its leaf away from its class, which is what the weight asks for.
 * 3. Trees grow depth-wise. A node's best split maximises
 *    T(G_L)²/(H_L+λ) + T(G_R)²/(H_R+λ) − T(G)²/(H+λ), T = L1 soft threshold by α,
 *    with both children's Hessian ≥ min_child_weight; it is made if that gain exceeds max(γ, 1e-6)
 *    (XGBoost prunes bottom-up with γ instead; same as this when γ = 0). Missing values try both
 *    sides and the better becomes the node's default direction. Leaf value −T(G)/(H+λ) · η.
 * 4. Histograms: only the smaller child of a split is built from rows; its sibling is the parent's
 *    histogram minus it. Workers (node:worker_threads, SharedArrayBuffer) take disjoint feature
 *    ranges, so every sum runs over the same rows in the same order for any thread count and the
 *    model is bit-identical for `threads` = 1, 2, ... (tested). When the runtime has wasm SIMD
 *    (Node 20 does), row-major bins, gradients, row lists and histograms live in one shared
 *    WebAssembly.Memory and the accumulate loop runs in gbdt-wasm.ts (same additions in the same
 *    order as the JS kernel, so the same bits; ~2-3x faster per update).
 * 5. Early stopping (`early_stopping: N`, needs ctx.valid): stop when the validation logloss has not
 *    improved for N rounds and keep the trees up to the best round.
 * 6. Learning curve: weighted logloss per round on the validation part, and on the training part
 *    (on at most 50,000 rows taken at a fixed stride, so large fits do not pay a log per row per round).
 * Randomness (subsample per round, colsample per tree, the binning sample) comes from Rng.derive(seed, ...).
 *
 * Saved model (toJSON): plain arrays per tree; a node with feature −1 is a leaf; rows go left when
 * x < threshold, NaN goes left iff default_left = 1. Multiclass trees are stored round-major
 * (tree t·K + k is class k's tree of round t).
 */
import { Worker } from 'node:worker_threads';
import { AlgorithmParamError, type Algorithm, type FitContext, type LearningCurve, type TrainData, type TrainedModel } from './types.js';
import { Rng } from '../util/rng.js';
import { workerUrl } from '../exec/worker-url.js';
import { MAX_PAGES, PAGE, instantiateHist, newHistMemory, runHistTasksWasm, wasmHistAvailable, type HistKernel, type WasmLayout, type WasmMemoryLike } from './gbdt-wasm.js';
import {
  type LeafTask, BIN_SLOTS, FEAT_STRIDE, MISSING_BIN, binColumn, addLeafValue, computeCuts, fillRows, gradLogistic, padCuts, partitionRows, runHistTasks, type HistTask, type PartTask,
} from './gbdt-kernels.js';

const VERSION = 1;

export interface GbdtParams {
  trees: number;
  depth: number;
  learning_rate: number;
  min_child_weight: number;
  lambda: number;
  alpha: number;
  gamma: number;
  subsample: number;
  colsample: number;
  bins: number;
  early_stopping: number;
}

const DEFAULTS: GbdtParams = {
  trees: 100, depth: 6, learning_rate: 0.3, min_child_weight: 1, lambda: 1, alpha: 0, gamma: 0,
  subsample: 1, colsample: 1, bins: 256, early_stopping: 0,
};

type Check = (v: number) => boolean;
const SPEC: Record<keyof GbdtParams, [Check, string, boolean]> = {
  trees: [(v) => v >= 1 && v <= 1e6, 'an integer in [1, 1000000]', true],
  depth: [(v) => v >= 1 && v <= 20, 'an integer in [1, 20]', true],
  learning_rate: [(v) => v > 0 && v <= 10, 'a number in (0, 10]', false],
  min_child_weight: [(v) => v >= 0, 'a number ≥ 0', false],
  lambda: [(v) => v >= 0, 'a number ≥ 0', false],
  alpha: [(v) => v >= 0, 'a number ≥ 0', false],
  gamma: [(v) => v >= 0, 'a number ≥ 0', false],
  subsample: [(v) => v > 0 && v <= 1, 'a fraction in (0, 1]', false],
  colsample: [(v) => v > 0 && v <= 1, 'a fraction in (0, 1]', false],
  bins: [(v) => v >= 2 && v <= 256, 'an integer in [2, 256]', true],
  early_stopping: [(v) => v >= 0, 'an integer ≥ 0 (rounds without improvement; 0 = off)', true],
};
const ALIASES: Record<string, keyof GbdtParams> = {
  n_estimators: 'trees', max_depth: 'depth', eta: 'learning_rate', reg_lambda: 'lambda', reg_alpha: 'alpha',
  min_split_loss: 'gamma', colsample_bytree: 'colsample', max_bin: 'bins',
};

function normalize(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...DEFAULTS };
  for (const [k0, v] of Object.entries(params)) {
    if (k0 === 'negative_weights') {
      // Applied by the caller before fit (registry.applyNegativeWeights); validated here.
      if (v !== 'keep' && v !== 'ignore' && v !== 'abs') throw new AlgorithmParamError('negative_weights', `gbdt: parameter \`negative_weights\` must be "keep", "ignore" or "abs", got ${JSON.stringify(v)}`);
      out.negative_weights = v;
      continue;
    }
    const k = (Object.prototype.hasOwnProperty.call(SPEC, k0) ? k0 : ALIASES[k0]) as keyof GbdtParams | undefined;
    if (!k) {
      throw new AlgorithmParamError(k0, `gbdt: unknown parameter \`${k0}\` (gbdt takes ${Object.keys(SPEC).join(', ')})`);
    }
    const [ok, what, int] = SPEC[k];
    const num = k === 'early_stopping' && v === false ? 0 : v;
    if (typeof num !== 'number' || !Number.isFinite(num) || (int && !Number.isInteger(num)) || !ok(num)) {
      throw new AlgorithmParamError(k0, `gbdt: parameter \`${k0}\` must be ${what}, got ${JSON.stringify(v)}`);
    }
    out[k] = num;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Binning

const CUT_SAMPLE = 200_000;

/** Cut points of one feature from (a sample of) its values. At most maxValueBins − 1 cuts. */
// ---------------------------------------------------------------------------------------------
// Trees

interface Tree {
  feature: Int32Array; // −1 = leaf
  threshold: Float64Array;
  splitBin: Int32Array;
  defaultLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
}

interface TreeJSON {
  feature: number[];
  threshold: number[];
  default_left: number[];
  left: number[];
  right: number[];
  value: number[];
}

class TreeBuilder {
  feature: number[] = [];
  threshold: number[] = [];
  splitBin: number[] = [];
  defaultLeft: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  add(): number {
    this.feature.push(-1); this.threshold.push(0); this.splitBin.push(0); this.defaultLeft.push(0);
    this.left.push(-1); this.right.push(-1); this.value.push(0);
    return this.feature.length - 1;
  }
  finish(): Tree {
    return {
      feature: Int32Array.from(this.feature), threshold: Float64Array.from(this.threshold),
      splitBin: Int32Array.from(this.splitBin), defaultLeft: Uint8Array.from(this.defaultLeft),
      left: Int32Array.from(this.left), right: Int32Array.from(this.right), value: Float64Array.from(this.value),
    };
  }
}

function softThreshold(g: number, alpha: number): number {
  if (alpha === 0) return g;
  return g > alpha ? g - alpha : g < -alpha ? g + alpha : 0;
}

interface SplitChoice {
  gain: number;
  feature: number;
  bin: number;
  defaultLeft: boolean;
  GL: number; HL: number; GR: number; HR: number;
}

/** Best split of one node from its histogram (features in `feats`, ascending; ties keep the first). */
function findSplit(
  hist: Float64Array, off: number, G: number, H: number, feats: Int32Array, nValueBins: Int32Array, p: GbdtParams,
): SplitChoice | undefined {
  const { lambda, alpha, min_child_weight: mcw } = p;
  const tG = softThreshold(G, alpha);
  const parentGain = (tG * tG) / (H + lambda);
  let best: SplitChoice | undefined;
  let bestGain = Math.max(p.gamma, 1e-6);
  for (let fi = 0; fi < feats.length; fi++) {
    const f = feats[fi]!;
    const nb = nValueBins[f]!;
    if (nb < 2) continue;
    const base = off + f * FEAT_STRIDE;
    const Gm = hist[base + MISSING_BIN * 2]!, Hm = hist[base + MISSING_BIN * 2 + 1]!;
    const hasMissing = Hm > 0 || Gm !== 0;
    let cg = 0, ch = 0;
    for (let b = 0; b < nb - 1; b++) {
      cg += hist[base + 2 * b]!;
      ch += hist[base + 2 * b + 1]!;
      // Missing goes right.
      {
        const GL = cg, HL = ch, GR = G - cg, HR = H - ch;
        if (HL >= mcw && HR >= mcw) {
          const a = softThreshold(GL, alpha), c = softThreshold(GR, alpha);
          const gain = (a * a) / (HL + lambda) + (c * c) / (HR + lambda) - parentGain;
          if (gain > bestGain) { bestGain = gain; best = { gain, feature: f, bin: b, defaultLeft: false, GL, HL, GR, HR }; }
        }
      }
      if (hasMissing) {
        // Missing goes left.
        const GL = cg + Gm, HL = ch + Hm, GR = G - GL, HR = H - HL;
        if (HL >= mcw && HR >= mcw) {
          const a = softThreshold(GL, alpha), c = softThreshold(GR, alpha);
          const gain = (a * a) / (HL + lambda) + (c * c) / (HR + lambda) - parentGain;
          if (gain > bestGain) { bestGain = gain; best = { gain, feature: f, bin: b, defaultLeft: true, GL, HL, GR, HR }; }
        }
      }
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Thread pool

class Pool {
  private readonly workers: Worker[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private failed: Error | undefined;

  constructor(count: number) {
    const url = workerUrl(import.meta.url, './gbdt-worker.js');
    for (let i = 0; i < count; i++) {
      const wk = new Worker(url);
      wk.on('message', (m: { id: number; error?: string; result?: unknown }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error) p.reject(new Error(`gbdt worker: ${m.error}`)); else p.resolve(m.result);
      });
      wk.on('error', (e: Error) => {
        this.failed = e;
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      this.workers.push(wk);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  send(i: number, msg: Record<string, unknown>): Promise<unknown> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[i]!.postMessage({ ...msg, id });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Contiguous feature ranges for T threads (thread 0 = the main thread), on even boundaries (the
 * histogram kernel reads bins in pairs and quads), over the padded feature count S.
 */
function featureRanges(S: number, T: number): [number, number][] {
  const P = S >> 1;
  const out: [number, number][] = [];
  for (let t = 0; t < T; t++) out.push([2 * Math.floor((t * P) / T), 2 * Math.floor(((t + 1) * P) / T)]);
  return out;
}

function newShared(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(8, bytes));
}

// ---------------------------------------------------------------------------------------------
// Model

interface GbdtJSON {
  algorithm: 'gbdt';
  version: 1;
  featureNames: string[];
  nClasses: number;
  params: GbdtParams;
  base_margin: number[];
  trees: TreeJSON[];
  /** Total split gain per feature (a feature-importance measure). */
  importance: number[];
  best_round: number;
  curve: { train: number[]; valid: number[] };
  notes: string[];
}

class GbdtModel implements TrainedModel {
  readonly algorithm = 'gbdt';
  readonly featureNames: readonly string[];
  readonly nClasses: number;
  readonly curve: LearningCurve | undefined;
  readonly notes: readonly string[];
  // Flattened trees for prediction.
  private readonly K: number;
  private readonly roots: Int32Array;
  private readonly feat: Int32Array;
  private readonly thr: Float64Array;
  /** Child taken by a missing value. */
  private readonly mis: Int32Array;
  /**
   * Heap layout (children of i at 2i+1, 2i+2), every tree padded to a complete tree of its depth:
   * a leaf above the last level becomes nodes with threshold +∞ that send every row left down to
   * copies of its value. Prediction is then branch-free index arithmetic. Used when depth ≤ 10.
   */
  private heap: HeapTrees | undefined;
  private readonly depths: Int32Array;
  private readonly lft: Int32Array;
  private readonly rgt: Int32Array;
  private readonly val: Float64Array;

  constructor(private readonly json: GbdtJSON) {
    this.featureNames = json.featureNames;
    this.nClasses = json.nClasses;
    this.notes = json.notes;
    this.curve = json.curve.train.length > 0 ? { unit: 'round', train: json.curve.train, valid: json.curve.valid, metric: 'logloss' } : undefined;
    this.K = json.nClasses > 2 ? json.nClasses : 1;
    let total = 0;
    for (const t of json.trees) total += t.feature.length;
    this.roots = new Int32Array(json.trees.length);
    this.feat = new Int32Array(total); this.thr = new Float64Array(total); this.mis = new Int32Array(total);
    this.depths = new Int32Array(json.trees.length);
    this.lft = new Int32Array(total); this.rgt = new Int32Array(total); this.val = new Float64Array(total);
    let o = 0;
    json.trees.forEach((t, ti) => {
      this.roots[ti] = o;
      for (let i = 0; i < t.feature.length; i++) {
        this.feat[o + i] = t.feature[i]!;
        this.thr[o + i] = t.threshold[i]!;
        this.lft[o + i] = t.left[i]! + o;
        this.rgt[o + i] = t.right[i]! + o;
        this.mis[o + i] = (t.default_left[i] ? t.left[i]! : t.right[i]!) + o;
        this.val[o + i] = t.value[i]!;
      }
      const depthOf = (node: number): number => (t.feature[node]! < 0 ? 0 : 1 + Math.max(depthOf(t.left[node]!), depthOf(t.right[node]!)));
      this.depths[ti] = t.feature.length > 0 ? depthOf(0) : 0;
      o += t.feature.length;
    });
    let maxDepth = 0;
    for (const d of this.depths) maxDepth = Math.max(maxDepth, d);
    if (maxDepth <= 10) this.heap = buildHeap(json.trees, this.depths);
  }

  /** Raw margins (n × K, row-major). */
  margins(columns: readonly Float64Array[], n: number): Float64Array {
    const F = this.featureNames.length;
    if (columns.length !== F) throw new Error(`gbdt: model expects ${F} features (${this.featureNames.join(', ')}), got ${columns.length}`);
    const K = this.K;
    const out = new Float64Array(n * K);
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) out[i * K + k] = this.json.base_margin[k]!;
    if (this.heap) return this.marginsHeap(columns, n, out);
    // Blocks of rows copied row-major, then each tree walked level by level for the whole block:
    // the rows' walks are independent, so the CPU overlaps them instead of waiting on one chain.
    const { feat, thr, mis, lft, rgt, val, roots, depths } = this;
    const BLOCK = 256;
    const X = new Float64Array(BLOCK * F);
    const nodes = new Int32Array(BLOCK);
    for (let b0 = 0; b0 < n; b0 += BLOCK) {
      const m = Math.min(n, b0 + BLOCK) - b0;
      gatherRows(columns, F, b0, m, X);
      for (let t = 0; t < roots.length; t++) {
        const k = t % K, depth = depths[t]!;
        nodes.fill(roots[t]!, 0, m);
        for (let d = 0; d < depth; d++) {
          for (let i = 0; i < m; i++) {
            const node = nodes[i]!;
            const f = feat[node]!;
            if (f < 0) continue;
            const x = X[i * F + f]!;
            nodes[i] = x < thr[node]! ? lft[node]! : x !== x ? mis[node]! : rgt[node]!;
          }
        }
        for (let i = 0; i < m; i++) { const j = (b0 + i) * K + k; out[j] = out[j]! + val[nodes[i]!]!; }
      }
    }
    return out;
  }

  private marginsHeap(columns: readonly Float64Array[], n: number, out: Float64Array): Float64Array {
    const F = this.featureNames.length, K = this.K;
    const { off, depth, feat, thr, missRight, leafOff, leaf } = this.heap!;
    const BLOCK = 256;
    const X = new Float64Array(BLOCK * F);
    for (let b0 = 0; b0 < n; b0 += BLOCK) {
      const m = Math.min(n, b0 + BLOCK) - b0;
      gatherRows(columns, F, b0, m, X);
      for (let t = 0; t < off.length; t++) {
        const o = off[t]!, D = depth[t]!, lo = leafOff[t]!, k = t % K;
        const first = (1 << D) - 1;
        for (let i = 0; i < m; i++) {
          let node = 0;
          const xo = i * F;
          for (let d = 0; d < D; d++) {
            const x = X[xo + feat[o + node]!]!;
            node = 2 * node + 1 + (+(x >= thr[o + node]!) | (+(x !== x) & missRight[o + node]!));
          }
          const j = (b0 + i) * K + k;
          out[j] = out[j]! + leaf[lo + node - first]!;
        }
      }
    }
    return out;
  }

  predict(columns: readonly Float64Array[], n: number): Float64Array {
    const m = this.margins(columns, n);
    if (this.K === 1) {
      for (let i = 0; i < n; i++) m[i] = 1 / (1 + Math.exp(-m[i]!));
      return m;
    }
    softmaxRows(m, n, this.K);
    return m;
  }

  toJSON(): GbdtJSON {
    return this.json;
  }
}

/** Pads every tree to a complete tree of its own depth in heap order (see GbdtModel.heap). */
interface HeapTrees {
  off: Int32Array;
  depth: Int32Array;
  feat: Int32Array;
  thr: Float64Array;
  missRight: Int32Array;
  leafOff: Int32Array;
  leaf: Float64Array;
}

function buildHeap(trees: readonly TreeJSON[], depths: Int32Array): HeapTrees {
  let nInner = 0, nLeaf = 0;
  for (const d of depths) { nInner += (1 << d) - 1; nLeaf += 1 << d; }
  const off = new Int32Array(trees.length), depth = Int32Array.from(depths), leafOff = new Int32Array(trees.length);
  const feat = new Int32Array(nInner), thr = new Float64Array(nInner), missRight = new Int32Array(nInner), leaf = new Float64Array(nLeaf);
  let o = 0, lo = 0;
  trees.forEach((t, ti) => {
    const D = depths[ti]!;
    off[ti] = o; leafOff[ti] = lo;
    const first = (1 << D) - 1;
    const place = (src: number, h: number, d: number): void => {
      if (d === D) { leaf[lo + h - first] = t.value[src]!; return; }
      if (t.feature[src]! < 0) {
        // A leaf above the last level: everything goes left (x < +∞; NaN: missRight = 0).
        feat[o + h] = 0; thr[o + h] = Infinity; missRight[o + h] = 0;
        place(src, 2 * h + 1, d + 1);
        place(src, 2 * h + 2, d + 1);
        return;
      }
      feat[o + h] = t.feature[src]!; thr[o + h] = t.threshold[src]!; missRight[o + h] = t.default_left[src] ? 0 : 1;
      place(t.left[src]!, 2 * h + 1, d + 1);
      place(t.right[src]!, 2 * h + 2, d + 1);
    };
    place(0, 0, 0);
    o += first; lo += 1 << D;
  });
  return { off, depth, feat, thr, missRight, leafOff, leaf };
}

function softmaxRows(m: Float64Array, n: number, K: number): void {
  for (let i = 0; i < n; i++) {
    let mx = -Infinity;
    for (let k = 0; k < K; k++) mx = Math.max(mx, m[i * K + k]!);
    let s = 0;
    for (let k = 0; k < K; k++) { const e = Math.exp(m[i * K + k]! - mx); m[i * K + k] = e; s += e; }
    for (let k = 0; k < K; k++) m[i * K + k] = m[i * K + k]! / s;
  }
}

function treeToJSON(t: Tree): TreeJSON {
  return {
    feature: Array.from(t.feature), threshold: Array.from(t.threshold), default_left: Array.from(t.defaultLeft),
    left: Array.from(t.left), right: Array.from(t.right), value: Array.from(t.value),
  };
}

/** Adds a tree's output to margins (stride K, offset k) of the given rows, using raw columns. */
function addTreeRaw(t: Tree, columns: readonly Float64Array[], n: number, margin: Float64Array, K: number, k: number): void {
  for (let i = 0; i < n; i++) {
    let node = 0;
    let f = t.feature[0]!;
    while (f >= 0) {
      const x = columns[f]![i]!;
      node = x < t.threshold[node]! ? t.left[node]! : x !== x ? (t.defaultLeft[node] ? t.left[node]! : t.right[node]!) : t.right[node]!;
      f = t.feature[node]!;
    }
    margin[i * K + k] = margin[i * K + k]! + t.value[node]!;
  }
}

/** Weighted logloss of margins (binary: K = 1) on the rows listed (all when null). */
function marginLogloss(margin: Float64Array, y: Float64Array, w: Float64Array, K: number, rowsIdx: Int32Array | null): number {
  let num = 0, den = 0;
  const m = rowsIdx ? rowsIdx.length : y.length;
  for (let j = 0; j < m; j++) {
    const r = rowsIdx ? rowsIdx[j]! : j;
    const wr = w[r]!;
    if (K === 1) {
      const z = margin[r]!;
      // −log σ(z) = log(1 + e^{−z}), computed stably.
      const nll = y[r] === 1 ? softplus(-z) : softplus(z);
      num += wr * Math.min(nll, 34.538776394910684); // clip at −log(1e-15)
    } else {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, margin[r * K + k]!);
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.exp(margin[r * K + k]! - mx);
      const nll = Math.log(s) + mx - margin[r * K + y[r]!]!;
      num += wr * Math.min(nll, 34.538776394910684);
    }
    den += wr;
  }
  return den !== 0 ? num / den : NaN;
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

// ---------------------------------------------------------------------------------------------
// Fit

const CURVE_ROWS = 50_000;

let wasmEnabled = true;
/**
 * Turns the wasm histogram kernel off (false) or back on (true, the default) for later fits; for
 * tests and benchmarks that compare it with the JS kernel. Models are the same bits either way.
 */
export function setGbdtWasm(on: boolean): void {
  wasmEnabled = on;
}
/** Below this many (row, feature) histogram updates a level is built on the calling thread. */
const SMALL_WORK = 1 << 18;

async function fit(data: TrainData, params0: Readonly<Record<string, unknown>>, ctx: FitContext): Promise<TrainedModel> {
  const p = normalize(params0) as unknown as GbdtParams;
  const { n, columns, y, w } = data;
  const F = columns.length;
  if (F === 0) throw new Error('gbdt: no features');
  if (n === 0) throw new Error('gbdt: no training rows');
  for (const c of columns) if (c.length < n) throw new Error('gbdt: a feature column is shorter than n');
  const K = data.nClasses > 2 ? data.nClasses : 1;
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    if (!(Number.isInteger(c) && c >= 0 && c < Math.max(2, data.nClasses))) throw new Error(`gbdt: row ${i} has class ${c}, expected 0..${Math.max(2, data.nClasses) - 1}`);
  }
  const notes: string[] = [];
  const seed = ctx.seed;
  const T = Math.max(1, Math.min(ctx.threads ?? 1, Math.ceil(F / 2), 64));
  const pool = T > 1 ? new Pool(T - 1) : undefined;
  try {
    return await fitInner(data, p, ctx, K, seed, T, pool, notes);
  } finally {
    await pool?.close();
  }
}

async function fitInner(
  data: TrainData, p: GbdtParams, ctx: FitContext, K: number, seed: number, T: number, pool: Pool | undefined, notes: string[],
): Promise<TrainedModel> {
  const { n, columns, y, w } = data;
  const F = columns.length;
  const S = 4 * Math.ceil(F / 4); // row stride of the row-major bins
  const ranges = featureRanges(S, T);

  // Shared buffers. With wasm: bins, grad, rows and the histogram slots in one shared wasm memory.
  const HS = S * FEAT_STRIDE; // doubles per histogram (padding features included, never read)
  const a16 = (x: number): number => Math.ceil(x / 16) * 16;
  const layout: WasmLayout = { bins: 0, grad: a16(n * S), rows: a16(n * S) + 16 * n, cols: a16(a16(n * S) + 20 * n) };
  const tmpStart = a16(layout.cols + n * F); // T partition scratch areas of 4n bytes
  const histStart = a16(tmpStart + T * 4 * n);
  const useWasm = wasmEnabled && wasmHistAvailable() && histStart + 8 * 3 * HS < (MAX_PAGES - 1) * PAGE;
  let memory: WasmMemoryLike | undefined;
  // The shared memory reserves its 4 GiB maximum of address space up front; where that is refused
  // (e.g. a ulimit on virtual memory) the fit falls back to the JS kernels (same bits).
  try { memory = useWasm ? newHistMemory(histStart + 8 * 3 * HS) : undefined; } catch { memory = undefined; }
  const kernel: HistKernel | undefined = memory ? instantiateHist(memory) : undefined;
  let histTop = histStart;
  /** A zeroed histogram buffer of `doubles` doubles (in the wasm memory when the kernel is used). */
  const newHist = (doubles: number): Float64Array => {
    if (!memory) return new Float64Array(newShared(8 * doubles));
    const bytes = 8 * doubles;
    const cap = memory.buffer.byteLength;
    if (histTop + bytes > cap) {
      const pages = Math.ceil((histTop + bytes - cap) / PAGE);
      try { memory.grow(pages); } catch { throw new Error(`gbdt: histograms need more than ${MAX_PAGES / 16384} GiB of memory (lower depth or bins)`); }
    }
    const h = new Float64Array(memory.buffer, histTop, doubles);
    h.fill(0);
    histTop += bytes;
    return h;
  };
  const rowBinsBuf = memory ? memory.buffer as SharedArrayBuffer : newShared(n * S);
  const b32 = new Uint32Array(rowBinsBuf, 0, (n * S) >> 2), b16 = new Uint16Array(rowBinsBuf, 0, (n * S) >> 1), rowBins = new Uint8Array(rowBinsBuf, 0, n * S);
  const colBinsBuf = memory ? rowBinsBuf : newShared(n * F);
  const colBins = new Uint8Array(colBinsBuf, memory ? layout.cols : 0, n * F);
  const gradBuf = memory ? rowBinsBuf : newShared(16 * n);
  const grad = new Float64Array(gradBuf, memory ? layout.grad : 0, 2 * n);
  const rowsBuf = memory ? rowBinsBuf : newShared(4 * n);
  const rows = new Int32Array(rowsBuf, memory ? layout.rows : 0, n);
  const marginBuf = newShared(8 * n * K);
  const margin = new Float64Array(marginBuf);
  const yBuf = newShared(8 * n), wBuf = newShared(8 * n);
  const yS = new Float64Array(yBuf), wS = new Float64Array(wBuf);
  yS.set(y.subarray(0, n)); wS.set(w.subarray(0, n));
  if (pool) {
    await Promise.all(Array.from({ length: pool.size }, async (_, i) =>
      pool.send(i, { op: 'init', n, S, rowBins: rowBinsBuf, colBins: colBinsBuf, grad: gradBuf, rows: rowsBuf, margin: marginBuf, y: yBuf, w: wBuf, memory, layout: memory ? layout : undefined, tmp: tmpStart + (i + 1) * 4 * n })));
  }

  // 1. Binning.
  let allEqual = true;
  for (let i = 1; i < n && allEqual; i++) if (w[i] !== w[0]) allEqual = false;
  let sample: Int32Array | null = null;
  if (n > CUT_SAMPLE) {
    const perm = Rng.derive(seed, 'gbdt', 'cuts').permutation(n);
    sample = perm.subarray(0, CUT_SAMPLE).slice().sort();
  }
  // Each thread computes the cuts of, and bins, the features of its range (pure per feature).
  const cuts: Float64Array[] = new Array<Float64Array>(F);
  const nValueBins = new Int32Array(F);
  {
    const jobs: Promise<unknown>[] = [];
    const weighted = allEqual ? null : wS;
    if (pool) {
      for (let t = 1; t < T; t++) {
        const [f0, f1] = ranges[t]!;
        const cols: { f: number; values: SharedArrayBuffer }[] = [];
        for (let f = f0; f < Math.min(f1, F); f++) {
          const sb = newShared(8 * n);
          new Float64Array(sb).set(columns[f]!.subarray(0, n));
          cols.push({ f, values: sb });
        }
        jobs.push(pool.send(t - 1, { op: 'bin', columns: cols, weighted: !allEqual, sample, maxValueBins: p.bins - 1 }).then((res) => {
          (res as Float64Array[]).forEach((c, j) => { cuts[cols[j]!.f] = c; });
        }));
      }
    }
    const [f0, f1] = pool ? ranges[0]! : [0, F];
    for (let f = f0; f < Math.min(f1, F); f++) {
      const col = columns[f]!.subarray(0, n);
      const c = computeCuts(col, weighted, sample, p.bins - 1);
      cuts[f] = c;
      binColumn(col, padCuts(c), rowBins, S, colBins, n, f);
    }
    await Promise.all(jobs);
    for (let f = 0; f < F; f++) nValueBins[f] = cuts[f]!.length + 1;
  }

  // 2. Base margin: log-odds (binary) or log class priors (multiclass) of the weighted labels.
  const baseMargin: number[] = [];
  {
    const cw = new Float64Array(Math.max(2, K));
    let tw = 0;
    for (let i = 0; i < n; i++) { cw[y[i]!] = cw[y[i]!]! + w[i]!; tw += w[i]!; }
    const frac = (k: number): number => Math.min(1 - 1e-6, Math.max(1e-6, tw !== 0 ? cw[k]! / tw : 0.5));
    if (K === 1) { const q = frac(1); baseMargin.push(Math.log(q / (1 - q))); } else for (let k = 0; k < K; k++) baseMargin.push(Math.log(frac(k)));
  }
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) margin[i * K + k] = baseMargin[k]!;

  const valid = ctx.valid;
  const vMargin = valid ? new Float64Array(valid.n * K) : null;
  if (valid && vMargin) {
    if (valid.columns.length !== F) throw new Error(`gbdt: validation part has ${valid.columns.length} features, expected ${F}`);
    for (let i = 0; i < valid.n; i++) for (let k = 0; k < K; k++) vMargin[i * K + k] = baseMargin[k]!;
  }
  if (p.early_stopping > 0 && !valid) notes.push('early_stopping is set but there is no validation part: trained all trees');
  let curveRows: Int32Array | null = null;
  if (n > CURVE_ROWS) {
    const stride = n / CURVE_ROWS;
    curveRows = Int32Array.from({ length: CURVE_ROWS }, (_, j) => Math.floor(j * stride));
    notes.push(`training logloss in the learning curve is computed on ${CURVE_ROWS} of ${n} rows (fixed stride)`);
  }

  let bufA = newHist(HS);
  let bufB = newHist(HS * 2);
  const tmp = new Int32Array(kernel ? 0 : n); // partition scratch of the JS path
  const inSample = new Uint8Array(n);
  const trees: Tree[] = [];
  const importance = new Float64Array(F);
  const trainCurve: number[] = [], validCurve: number[] = [];
  let bestLoss = Infinity, bestRound = -1;
  const eta = p.learning_rate;
  const nFeatTree = Math.max(1, Math.round(p.colsample * F));
  const gradK = K > 1 ? new Float64Array(2 * n * K) : null;
  const hessFloor = 1e-16;

  const runHist = async (hist: Float64Array, parent: Float64Array | null, tasks: HistTask[]): Promise<void> => {
    if (tasks.length === 0) return;
    // Small levels stay on this thread (a worker round trip costs more than the work). Each
    // feature's sums are the same whichever thread computes them, so this does not change bits.
    let work = 0;
    for (const t of tasks) work += t.end - t.start;
    const local = (f0: number, f1: number): void => {
      if (kernel) runHistTasksWasm(kernel, layout, S, hist.byteOffset, parent ? parent.byteOffset : null, tasks, f0, f1);
      else runHistTasks(b32, b16, S, grad, rows, hist, parent, tasks, f0, f1);
    };
    if (!pool || work * S < SMALL_WORK) {
      local(0, S);
      return;
    }
    const jobs: Promise<unknown>[] = [];
    for (let t = 1; t < T; t++) {
      const [f0, f1] = ranges[t]!;
      jobs.push(pool.send(t - 1, kernel
        ? { op: 'hist', hist: hist.byteOffset, parentHist: parent ? parent.byteOffset : null, tasks, f0, f1 }
        : { op: 'hist', hist: hist.buffer as SharedArrayBuffer, parentHist: parent ? parent.buffer as SharedArrayBuffer : null, tasks, f0, f1 }));
    }
    const [f0, f1] = ranges[0]!;
    local(f0, f1);
    await Promise.all(jobs);
  };

  /**
   * Partitions several nodes (disjoint row ranges) at once: nodes go to threads greedily by size
   * (largest first, to the least loaded thread). Each partition is a pure function of its range, so
   * the result does not depend on the assignment.
   */
  const part = (t: PartTask): number => kernel
    ? kernel.part(layout.cols + t.f * n, layout.rows, t.start, t.end, t.bin, t.defaultLeft ? 1 : 0, tmpStart)
    : partitionRows(colBins, n, rows, t.start, t.end, t.f, t.bin, t.defaultLeft, tmp);
  /**
   * margin[r·K + k] += v for the rows of each leaf; leaves go to threads greedily by size. Every
   * margin entry belongs to exactly one leaf, so the assignment does not change any bit.
   */
  const runLeaves = async (leaves: LeafTask[], k: number): Promise<void> => {
    if (!pool || leaves.length < 2 || n < SMALL_WORK / 8) {
      for (const lf of leaves) addLeafValue(rows, lf.start, lf.end, margin, K, k, lf.v);
      return;
    }
    const mine = assign(leaves);
    const jobs: Promise<unknown>[] = [];
    for (let t = 1; t < T; t++) {
      if (mine[t]!.length > 0) jobs.push(pool.send(t - 1, { op: 'leaf', leaves: mine[t]!.map((j) => leaves[j]!), K, k }));
    }
    for (const j of mine[0]!) { const lf = leaves[j]!; addLeafValue(rows, lf.start, lf.end, margin, K, k, lf.v); }
    await Promise.all(jobs);
  };
  /** Task indices per thread: largest first, each to the least loaded thread. */
  const assign = (tasks: readonly { start: number; end: number }[]): number[][] => {
    const order = tasks.map((t, j) => j).sort((a, b) => (tasks[b]!.end - tasks[b]!.start) - (tasks[a]!.end - tasks[a]!.start) || a - b);
    const load = new Array<number>(T).fill(0);
    const mine: number[][] = Array.from({ length: T }, () => []);
    for (const j of order) {
      let best = 0;
      for (let t = 1; t < T; t++) if (load[t]! < load[best]!) best = t;
      mine[best]!.push(j);
      load[best] = load[best]! + tasks[j]!.end - tasks[j]!.start;
    }
    return mine;
  };
  const runPartition = async (tasks: PartTask[]): Promise<number[]> => {
    const mids = new Array<number>(tasks.length).fill(0);
    let work = 0;
    for (const t of tasks) work += t.end - t.start;
    if (!pool || tasks.length < 2 || work < SMALL_WORK / 8) {
      tasks.forEach((t, j) => { mids[j] = part(t); });
      return mids;
    }
    const mine = assign(tasks);
    const jobs: Promise<unknown>[] = [];
    for (let t = 1; t < T; t++) {
      const idx = mine[t]!;
      if (idx.length === 0) continue;
      jobs.push(pool.send(t - 1, { op: 'part', tasks: idx.map((j) => tasks[j]!) }).then((res) => {
        (res as number[]).forEach((m, q) => { mids[idx[q]!] = m; });
      }));
    }
    for (const j of mine[0]!) {
      const t = tasks[j]!;
      mids[j] = part(t);
    }
    await Promise.all(jobs);
    return mids;
  };

  for (let round = 0; round < p.trees; round++) {
    if (ctx.signal?.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('gbdt: fit aborted');
    // Gradients.
    if (K === 1) {
      if (pool && n >= SMALL_WORK / 8) {
        const jobs: Promise<unknown>[] = [];
        for (let t = 1; t < T; t++) {
          jobs.push(pool.send(t - 1, { op: 'grad', r0: Math.floor((t * n) / T), r1: Math.floor(((t + 1) * n) / T) }));
        }
        gradLogistic(margin, yS, wS, grad, 0, Math.floor(n / T));
        await Promise.all(jobs);
      } else {
        gradLogistic(margin, yS, wS, grad, 0, n);
      }
    } else if (gradK) {
      for (let i = 0; i < n; i++) {
        let mx = -Infinity;
        for (let k = 0; k < K; k++) mx = Math.max(mx, margin[i * K + k]!);
        let s = 0;
        for (let k = 0; k < K; k++) s += Math.exp(margin[i * K + k]! - mx);
        const wi = w[i]!, aw = Math.abs(wi);
        for (let k = 0; k < K; k++) {
          const q = Math.exp(margin[i * K + k]! - mx) / s;
          gradK[(k * n + i) * 2] = wi * (q - (y[i] === k ? 1 : 0));
          gradK[(k * n + i) * 2 + 1] = Math.max(2 * aw * q * (1 - q), hessFloor * aw);
        }
      }
    }
    // Row sample for this round.
    const rng = Rng.derive(seed, 'gbdt', 'round', round);
    let nRows = n;
    if (p.subsample < 1) {
      nRows = 0;
      for (let i = 0; i < n; i++) {
        const keep = rng.next() < p.subsample;
        inSample[i] = keep ? 1 : 0;
        if (keep) nRows++;
      }
    }
    for (let k = 0; k < K; k++) {
      if (gradK) grad.set(gradK.subarray(2 * k * n, 2 * (k + 1) * n));
      // Feature sample for this tree.
      let feats: Int32Array;
      if (nFeatTree < F) {
        const perm = Rng.derive(seed, 'gbdt', 'tree', round, k).permutation(F);
        feats = perm.subarray(0, nFeatTree).slice().sort();
      } else {
        feats = Int32Array.from({ length: F }, (_, f) => f);
      }
      // Rows of this tree.
      fillRows(rows, n, p.subsample < 1 ? inSample : null);
      const tb = new TreeBuilder();
      const leaves: { node: number; start: number; end: number }[] = [];
      const root = tb.add();
      // Root histogram.
      if (bufA.length < HS) bufA = newHist(HS);
      await runHist(bufA, null, [{ start: 0, end: nRows, off: 0 }]);
      let G = 0, H = 0;
      {
        // Sum over all bins of one feature (every row sits in exactly one bin of it).
        const f = 0;
        for (let b = 0; b < BIN_SLOTS; b++) { G += bufA[f * FEAT_STRIDE + 2 * b]!; H += bufA[f * FEAT_STRIDE + 2 * b + 1]!; }
      }
      type Work = { node: number; start: number; end: number; G: number; H: number; off: number; hasHist: boolean };
      let level: Work[] = [{ node: root, start: 0, end: nRows, G, H, off: 0, hasHist: true }];
      const leafValue = (g: number, h: number): number => (-softThreshold(g, p.alpha) / (h + p.lambda)) * eta;
      for (let d = 0; d < p.depth && level.length > 0; d++) {
        const children: Work[] = [];
        const pairs: [Work, Work][] = [];
        const todo: { nd: Work; s: SplitChoice }[] = [];
        for (const nd of level) {
          const s = nd.hasHist && nd.end - nd.start >= 2 && nd.H >= 2 * p.min_child_weight
            ? findSplit(bufA, nd.off, nd.G, nd.H, feats, nValueBins, p)
            : undefined;
          if (!s) {
            tb.value[nd.node] = leafValue(nd.G, nd.H);
            leaves.push({ node: nd.node, start: nd.start, end: nd.end });
          } else {
            todo.push({ nd, s });
          }
        }
        const mids = await runPartition(todo.map(({ nd, s }) => ({ start: nd.start, end: nd.end, f: s.feature, bin: s.bin, defaultLeft: s.defaultLeft })));
        todo.forEach(({ nd, s }, j) => {
          const mid = mids[j]!;
          const l = tb.add(), r = tb.add();
          tb.feature[nd.node] = s.feature;
          tb.splitBin[nd.node] = s.bin;
          tb.threshold[nd.node] = cuts[s.feature]![s.bin]!;
          tb.defaultLeft[nd.node] = s.defaultLeft ? 1 : 0;
          tb.left[nd.node] = l;
          tb.right[nd.node] = r;
          importance[s.feature] = importance[s.feature]! + s.gain;
          const lw: Work = { node: l, start: nd.start, end: mid, G: s.GL, H: s.HL, off: 0, hasHist: false };
          const rw: Work = { node: r, start: mid, end: nd.end, G: s.GR, H: s.HR, off: 0, hasHist: false };
          children.push(lw, rw);
          pairs.push([lw, rw]);
          // Parent's histogram offset is remembered for the subtraction below.
          (lw as Work & { parentOff?: number }).parentOff = nd.off;
        });
        if (d + 1 < p.depth && pairs.length > 0) {
          // Histograms for the children that may split: build the smaller, subtract for the larger.
          const splittable = (c: Work): boolean => c.end - c.start >= 2 && c.H >= 2 * p.min_child_weight;
          const tasks: HistTask[] = [];
          let slot = 0;
          const need = pairs.filter(([a, b]) => splittable(a) || splittable(b)).length;
          if (bufB.length < need * 2 * HS) bufB = newHist(need * 2 * HS);
          for (const [a, b] of pairs) {
            if (!splittable(a) && !splittable(b)) continue;
            const parentOff = (a as Work & { parentOff?: number }).parentOff!;
            const small = a.end - a.start <= b.end - b.start ? a : b;
            const large = small === a ? b : a;
            small.off = slot++ * HS;
            small.hasHist = true;
            if (splittable(large)) {
              large.off = slot++ * HS;
              large.hasHist = true;
              tasks.push({ start: small.start, end: small.end, off: small.off, parentOff, dstOff: large.off });
            } else {
              tasks.push({ start: small.start, end: small.end, off: small.off });
            }
          }
          await runHist(bufB, bufA, tasks);
          const t0 = bufA; bufA = bufB; bufB = t0;
          level = children;
        } else {
          for (const c of children) {
            tb.value[c.node] = leafValue(c.G, c.H);
            leaves.push({ node: c.node, start: c.start, end: c.end });
          }
          level = [];
        }
      }
      for (const nd of level) {
        tb.value[nd.node] = leafValue(nd.G, nd.H);
        leaves.push({ node: nd.node, start: nd.start, end: nd.end });
      }
      const tree = tb.finish();
      trees.push(tree);
      // Update training margins: rows in the tree's sample via their leaf ranges, the others by binned traversal.
      await runLeaves(leaves.map((lf) => ({ start: lf.start, end: lf.end, v: tree.value[lf.node]! })), k);
      if (p.subsample < 1) {
        for (let r = 0; r < n; r++) {
          if (inSample[r]) continue;
          let node = 0;
          let f = tree.feature[0]!;
          while (f >= 0) {
            const b = colBins[f * n + r]!;
            node = b === MISSING_BIN ? (tree.defaultLeft[node] ? tree.left[node]! : tree.right[node]!) : b <= tree.splitBin[node]! ? tree.left[node]! : tree.right[node]!;
            f = tree.feature[node]!;
          }
          margin[r * K + k] = margin[r * K + k]! + tree.value[node]!;
        }
      }
      if (valid && vMargin) addTreeRaw(tree, valid.columns, valid.n, vMargin, K, k);
    }
    trainCurve.push(marginLogloss(margin, yS, wS, K, curveRows));
    if (valid && vMargin) {
      const vl = marginLogloss(vMargin, valid.y, valid.w, K, null);
      validCurve.push(vl);
      if (vl < bestLoss) { bestLoss = vl; bestRound = round; }
      if (p.early_stopping > 0 && round - bestRound >= p.early_stopping) {
        notes.push(`early stopping: best validation logloss ${bestLoss.toPrecision(6)} at round ${bestRound + 1}; stopped at round ${round + 1}`);
        break;
      }
    }
    ctx.progress?.((round + 1) / p.trees, `round ${round + 1}/${p.trees}`);
  }
  const keepRounds = p.early_stopping > 0 && valid && bestRound >= 0 ? bestRound + 1 : trees.length / K;
  const json: GbdtJSON = {
    algorithm: 'gbdt',
    version: VERSION,
    featureNames: [...data.featureNames],
    nClasses: Math.max(2, data.nClasses),
    params: p,
    base_margin: baseMargin,
    trees: trees.slice(0, keepRounds * K).map(treeToJSON),
    importance: Array.from(importance),
    best_round: keepRounds,
    curve: { train: trainCurve, valid: validCurve },
    notes,
  };
  return new GbdtModel(json);
}

function fromJSON(json: unknown): TrainedModel {
  const j = json as Partial<GbdtJSON> | null;
  if (!j || j.algorithm !== 'gbdt' || !Array.isArray(j.trees) || !Array.isArray(j.base_margin) || !Array.isArray(j.featureNames)) {
    throw new Error('gbdt: not a saved gbdt model');
  }
  if (j.version !== VERSION) throw new Error(`gbdt: saved model version ${String(j.version)} is not ${VERSION}`);
  return new GbdtModel({ ...(j as GbdtJSON), curve: j.curve ?? { train: [], valid: [] }, notes: j.notes ?? [] });
}

export const gbdt: Algorithm = { name: 'gbdt', version: VERSION, normalize, fit, fromJSON };

/** Rows b0 … b0 + m of the F feature columns, row-major into X (the block the predict kernels walk). */
function gatherRows(columns: readonly Float64Array[], F: number, b0: number, m: number, X: Float64Array): void {
  for (let f = 0; f < F; f++) {
    const col = columns[f]!;
    for (let i = 0; i < m; i++) X[i * F + f] = col[b0 + i]!;
  }
}
