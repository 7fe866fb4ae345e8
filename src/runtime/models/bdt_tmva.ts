/**
 * TMVA's default BDT (MethodBDT with its standard option string), for physicists who compare with
 * TMVA: AdaBoost, 800 trees of depth 3, β = 0.5, Gini index, 20 grid cuts, MinNodeSize 2.5 %.
 *
 * May import: models/types.
 *
 * What it reproduces (TMVA DecisionTree::TrainNodeFast and MethodBDT::AdaBoost):
 * - Cuts: per node and variable, `cuts` equidistant values between the node's min and max,
 *   c_k = min + k·(max − min)/cuts, k = 1..cuts; an event goes right when x > c_k.
 * - A node is split if depth < `depth`, it holds ≥ 2·MinNodeSize events and the best cut has a
 *   positive separation gain (parent index·W − left index·W_L − right index·W_R)/W, each child
 *   holding ≥ MinNodeSize events, where MinNodeSize = min_node_size % of the training events
 *   (counted unweighted, as TMVA does). Indices: gini p(1−p), cross_entropy −p ln p − (1−p) ln(1−p),
 *   misclassification 1 − max(p, 1−p), with p the weighted signal purity.
 * - Leaves are "yes/no" (UseYesNoLeaf): +1 if purity > 0.5, else −1.
 * - AdaBoost: err = Σ w(misclassified)/Σ w; misclassified events are multiplied by
 *   ((1 − err)/err)^β, then all weights are rescaled to keep their sum; the tree weight is
 *   α = β ln((1 − err)/err). Events with negative weight are multiplied by the inverse factor
 *   (TMVA's InverseBoostNegWeights). Boosting stops early if err ≥ 0.5 or err = 0 (noted).
 * - Output: Σ α_t h_t(x) / Σ α_t ∈ [−1, 1] (TMVA's BDT response). It is not a probability, so the
 *   log loss of its scores is NaN; `output: "probability"` maps it by a fitted logistic
 *   (Platt) calibration, monotone, leaving AUC/AMS/efficiencies unchanged.
 * - Missing values (NaN): TMVA has none; here NaN is treated as below every cut (goes left),
 *   as a −999 sentinel does in TMVA; the count is reported in `notes`.
 */
import { AlgorithmParamError, type Algorithm, type FitContext, type TrainData, type TrainedModel } from './types.js';

const VERSION = 1;

export interface BdtTmvaParams {
  trees: number;
  depth: number;
  beta: number;
  cuts: number;
  /** Percent of the training events. */
  min_node_size: number;
  boost: 'adaboost';
  separation: 'gini' | 'cross_entropy' | 'misclassification';
  output: 'raw' | 'probability';
}

const DEFAULTS: BdtTmvaParams = {
  trees: 800, depth: 3, beta: 0.5, cuts: 20, min_node_size: 2.5, boost: 'adaboost', separation: 'gini', output: 'raw',
};

function bad(k: string, what: string, v: unknown): never {
  throw new AlgorithmParamError(k, `bdt_tmva: parameter \`${k}\` must be ${what}, got ${JSON.stringify(v)}`);
}

function normalize(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...DEFAULTS };
  const num = (k: string, v: unknown, ok: (x: number) => boolean, what: string, int = false): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (int && !Number.isInteger(v)) || !ok(v)) bad(k, what, v);
    return v as number;
  };
  for (const [k, v] of Object.entries(params)) {
    switch (k) {
      case 'trees': out.trees = num(k, v, (x) => x >= 1 && x <= 1e5, 'an integer ≥ 1', true); break;
      case 'depth': out.depth = num(k, v, (x) => x >= 1 && x <= 20, 'an integer in [1, 20]', true); break;
      case 'beta': out.beta = num(k, v, (x) => x > 0 && x <= 10, 'a number in (0, 10]'); break;
      case 'cuts': out.cuts = num(k, v, (x) => x >= 1 && x <= 10000, 'an integer ≥ 1', true); break;
      case 'min_node_size': {
        // TMVA writes "2.5%"; accept that string or the number 2.5 (percent).
        const x = typeof v === 'string' && /^\s*[\d.]+\s*%\s*$/.test(v) ? Number(v.replace('%', '')) : v;
        out.min_node_size = num(k, x, (y) => y > 0 && y <= 50, 'a percentage in (0, 50], e.g. 2.5 or "2.5%"');
        break;
      }
      case 'boost':
        if (typeof v !== 'string' || v.toLowerCase() !== 'adaboost') bad(k, '"adaboost" (the only boosting of bdt_tmva; use gbdt() for gradient boosting)', v);
        break;
      case 'separation': {
        const s = typeof v === 'string' ? v.toLowerCase().replace(/index$/, '').replace(/[^a-z]/g, '') : '';
        const map: Record<string, BdtTmvaParams['separation']> = {
          gini: 'gini', crossentropy: 'cross_entropy', misclassification: 'misclassification', misclassificationerror: 'misclassification',
        };
        const m = map[s];
        if (!m) bad(k, '"gini", "cross_entropy" or "misclassification"', v);
        out.separation = m;
        break;
      }
      case 'output':
        if (v !== 'raw' && v !== 'probability') bad(k, '"raw" or "probability"', v);
        out.output = v;
        break;
      case 'negative_weights':
        // Applied by the caller before fit (registry.applyNegativeWeights); validated here.
        if (v !== 'keep' && v !== 'ignore' && v !== 'abs') throw new AlgorithmParamError('negative_weights', `bdt_tmva: parameter \`negative_weights\` must be "keep", "ignore" or "abs", got ${JSON.stringify(v)}`);
        out.negative_weights = v;
        break;
      default:
        throw new AlgorithmParamError(k, `bdt_tmva: unknown parameter \`${k}\` (bdt_tmva takes trees, depth, beta, cuts, min_node_size, boost, separation, output)`);
    }
  }
  return out;
}

function sepIndex(kind: BdtTmvaParams['separation'], s: number, b: number): number {
  const t = s + b;
  if (!(t > 0)) return 0;
  const p = s / t;
  switch (kind) {
    case 'gini': return p * (1 - p);
    case 'cross_entropy': return p <= 0 || p >= 1 ? 0 : -p * Math.log(p) - (1 - p) * Math.log(1 - p);
    case 'misclassification': return 1 - Math.max(p, 1 - p);
  }
}

interface TreeJSON {
  /** −1 = leaf. */
  feature: number[];
  cut: number[];
  left: number[];
  right: number[];
  /** Leaf output ±1 (0 for internal nodes). */
  value: number[];
}

interface BdtJSON {
  algorithm: 'bdt_tmva';
  version: 1;
  featureNames: string[];
  nClasses: number;
  params: BdtTmvaParams;
  trees: TreeJSON[];
  alpha: number[];
  /** Platt map of the response (output = probability). */
  platt: { a: number; b: number };
  notes: string[];
}

/** Grows one tree on rows (indices into the data) with weights bw. */
function growTree(
  cols: readonly Float64Array[], isSig: Uint8Array, bw: Float64Array, n: number, p: BdtTmvaParams, minSize: number,
): TreeJSON {
  const F = cols.length;
  const nc = p.cuts;
  const t: TreeJSON = { feature: [], cut: [], left: [], right: [], value: [] };
  const add = (): number => { t.feature.push(-1); t.cut.push(0); t.left.push(-1); t.right.push(-1); t.value.push(0); return t.feature.length - 1; };
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  const tmp = new Int32Array(n);
  // Histograms per feature: (nc + 1) bins of (S, B, count).
  const hs = new Float64Array(nc + 1), hb = new Float64Array(nc + 1), hn = new Float64Array(nc + 1);
  const cutVals = new Float64Array(nc + 1);
  const stack: { node: number; start: number; end: number; depth: number }[] = [{ node: add(), start: 0, end: n, depth: 0 }];
  while (stack.length > 0) {
    const { node, start, end, depth } = stack.pop()!;
    let S = 0, B = 0;
    for (let i = start; i < end; i++) { const r = rows[i]!; if (isSig[r]) S += bw[r]!; else B += bw[r]!; }
    const count = end - start;
    let best = { gain: 0, f: -1, cut: 0 };
    if (depth < p.depth && count >= 2 * minSize && S > 0 && B > 0) {
      const parentIdx = sepIndex(p.separation, S, B);
      for (let f = 0; f < F; f++) {
        const col = cols[f]!;
        let lo = Infinity, hi = -Infinity;
        for (let i = start; i < end; i++) { const x = col[rows[i]!]!; if (x < lo) lo = x; if (x > hi) hi = x; }
        if (!(hi > lo)) continue;
        const step = (hi - lo) / nc;
        for (let k = 1; k <= nc; k++) cutVals[k] = lo + k * step;
        hs.fill(0); hb.fill(0); hn.fill(0);
        for (let i = start; i < end; i++) {
          const r = rows[i]!;
          const x = col[r]!;
          // bin = number of cuts strictly below x (NaN: 0, below every cut).
          let bin = 0;
          if (x === x) {
            bin = Math.ceil((x - lo) / step) - 1;
            if (bin < 0) bin = 0; else if (bin > nc) bin = nc;
            while (bin > 0 && !(cutVals[bin]! < x)) bin--;
            while (bin < nc && cutVals[bin + 1]! < x) bin++;
          }
          if (isSig[r]) hs[bin] = hs[bin]! + bw[r]!; else hb[bin] = hb[bin]! + bw[r]!;
          hn[bin] = hn[bin]! + 1;
        }
        // Cut k: left = bins 0..k−1 (x ≤ c_k).
        let sL = 0, bL = 0, nL = 0;
        for (let k = 1; k < nc; k++) {
          sL += hs[k - 1]!; bL += hb[k - 1]!; nL += hn[k - 1]!;
          const nR = count - nL;
          if (nL < minSize || nR < minSize) continue;
          const sR = S - sL, bR = B - bL;
          const gain = (parentIdx * (S + B) - sepIndex(p.separation, sL, bL) * (sL + bL) - sepIndex(p.separation, sR, bR) * (sR + bR)) / (S + B);
          if (gain > best.gain) best = { gain, f, cut: cutVals[k]! };
        }
      }
    }
    if (best.f < 0) {
      t.value[node] = S > B ? 1 : -1; // purity S/(S+B) > 0.5
      continue;
    }
    const col = cols[best.f]!;
    let l = start, q = 0;
    for (let i = start; i < end; i++) {
      const r = rows[i]!;
      const x = col[r]!;
      if (x > best.cut) tmp[q++] = r; else rows[l++] = r; // NaN > cut is false: left
    }
    for (let k = 0; k < q; k++) rows[l + k] = tmp[k]!;
    const L = add(), R = add();
    t.feature[node] = best.f; t.cut[node] = best.cut; t.left[node] = L; t.right[node] = R;
    stack.push({ node: R, start: l, end, depth: depth + 1 }, { node: L, start, end: l, depth: depth + 1 });
  }
  return t;
}

function evalTree(t: TreeJSON, cols: readonly Float64Array[], i: number): number {
  let node = 0;
  while (t.feature[node]! >= 0) node = cols[t.feature[node]!]![i]! > t.cut[node]! ? t.right[node]! : t.left[node]!;
  return t.value[node]!;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Weighted 1-D logistic fit p = σ(a t + b) (|w| Hessian), for output = probability. */
function platt(t: Float64Array, isSig: Uint8Array, w: Float64Array): { a: number; b: number } {
  let a = 1, b = 0;
  for (let it = 0; it < 50; it++) {
    let ga = 0, gb = 0, haa = 1e-9, hab = 0, hbb = 1e-9;
    for (let i = 0; i < t.length; i++) {
      const pr = sigmoid(a * t[i]! + b);
      const r = (pr - isSig[i]!) * w[i]!, h = pr * (1 - pr) * Math.abs(w[i]!);
      ga += r * t[i]!; gb += r; haa += h * t[i]! * t[i]!; hab += h * t[i]!; hbb += h;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
    a -= da; b -= db;
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) break;
  }
  return Number.isFinite(a) && Number.isFinite(b) ? { a, b } : { a: 1, b: 0 };
}

class BdtModel implements TrainedModel {
  readonly algorithm = 'bdt_tmva';
  readonly featureNames: readonly string[];
  readonly nClasses = 2;
  readonly notes: readonly string[];
  constructor(private readonly json: BdtJSON) {
    this.featureNames = json.featureNames;
    this.notes = json.notes;
  }

  /** TMVA's response Σ α h / Σ α. */
  response(columns: readonly Float64Array[], n: number): Float64Array {
    if (columns.length !== this.featureNames.length) {
      throw new Error(`bdt_tmva: model expects ${this.featureNames.length} features (${this.featureNames.join(', ')}), got ${columns.length}`);
    }
    const out = new Float64Array(n);
    const { trees, alpha } = this.json;
    let sa = 0;
    for (const a of alpha) sa += a;
    for (let t = 0; t < trees.length; t++) {
      const tr = trees[t]!, a = alpha[t]!;
      for (let i = 0; i < n; i++) out[i] = out[i]! + a * evalTree(tr, columns, i);
    }
    if (sa > 0) for (let i = 0; i < n; i++) out[i] = out[i]! / sa;
    return out;
  }

  predict(columns: readonly Float64Array[], n: number): Float64Array {
    const r = this.response(columns, n);
    if (this.json.params.output === 'probability') {
      const { a, b } = this.json.platt;
      for (let i = 0; i < n; i++) r[i] = sigmoid(a * r[i]! + b);
    }
    return r;
  }

  toJSON(): BdtJSON {
    return this.json;
  }
}

async function fit(data: TrainData, params0: Readonly<Record<string, unknown>>, ctx: FitContext): Promise<TrainedModel> {
  const p = normalize(params0) as unknown as BdtTmvaParams;
  const { n, columns, y, w } = data;
  if (data.nClasses > 2) throw new Error('bdt_tmva: binary classification only (TMVA\'s BDT); use gbdt() for multiclass');
  if (n === 0) throw new Error('bdt_tmva: no training rows');
  if (columns.length === 0) throw new Error('bdt_tmva: no features');
  const notes: string[] = [];
  const isSig = new Uint8Array(n);
  for (let i = 0; i < n; i++) isSig[i] = y[i] === 1 ? 1 : 0;
  let nMissing = 0;
  for (const c of columns) for (let i = 0; i < n; i++) if (Number.isNaN(c[i]!)) nMissing++;
  if (nMissing > 0) notes.push(`${nMissing} missing values are treated as below every cut (they go left), like a −999 sentinel in TMVA`);
  const minSize = Math.max(1, (p.min_node_size / 100) * n);
  const bw = Float64Array.from(w.subarray(0, n));
  let sumW0 = 0;
  for (let i = 0; i < n; i++) sumW0 += bw[i]!;
  const trees: TreeJSON[] = [];
  const alpha: number[] = [];
  const h = new Int8Array(n);
  for (let t = 0; t < p.trees; t++) {
    if (ctx.signal?.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('bdt_tmva: fit aborted');
    const tree = growTree(columns, isSig, bw, n, p, minSize);
    let errW = 0, totW = 0;
    for (let i = 0; i < n; i++) {
      const v = evalTree(tree, columns, i);
      h[i] = v;
      totW += bw[i]!;
      if ((v > 0) !== (isSig[i] === 1)) errW += bw[i]!;
    }
    const err = totW !== 0 ? errW / totW : 0.5;
    if (!(err > 0) || err >= 0.5) {
      if (trees.length === 0) { trees.push(tree); alpha.push(1); }
      notes.push(`boosting stopped after ${trees.length} trees: tree ${t + 1} has misclassification rate ${err.toPrecision(4)}`);
      break;
    }
    const boost = Math.pow((1 - err) / err, p.beta);
    trees.push(tree);
    alpha.push(Math.log(boost));
    let sumW = 0;
    for (let i = 0; i < n; i++) {
      if ((h[i]! > 0) !== (isSig[i] === 1)) bw[i] = bw[i]! * (bw[i]! >= 0 ? boost : 1 / boost);
      sumW += bw[i]!;
    }
    const scale = sumW !== 0 ? sumW0 / sumW : 1;
    for (let i = 0; i < n; i++) bw[i] = bw[i]! * scale;
    ctx.progress?.((t + 1) / p.trees, `tree ${t + 1}/${p.trees}`);
  }
  const json: BdtJSON = {
    algorithm: 'bdt_tmva', version: VERSION, featureNames: [...data.featureNames], nClasses: 2, params: p,
    trees, alpha, platt: { a: 1, b: 0 }, notes,
  };
  if (p.output === 'probability') {
    const model = new BdtModel(json);
    json.platt = platt(model.response(columns, n), isSig, w);
  }
  return new BdtModel(json);
}

function fromJSON(json: unknown): TrainedModel {
  const j = json as Partial<BdtJSON> | null;
  if (!j || j.algorithm !== 'bdt_tmva' || !Array.isArray(j.trees) || !Array.isArray(j.alpha) || !Array.isArray(j.featureNames)) {
    throw new Error('bdt_tmva: not a saved bdt_tmva model');
  }
  if (j.version !== VERSION) throw new Error(`bdt_tmva: saved model version ${String(j.version)} is not ${VERSION}`);
  return new BdtModel(j as BdtJSON);
}

export const bdtTmva: Algorithm = { name: 'bdt_tmva', version: VERSION, normalize, fit, fromJSON };
