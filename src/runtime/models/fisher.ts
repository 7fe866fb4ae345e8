/**
 * Fisher linear discriminant, as TMVA's MethodFisher computes it, behind the Algorithm interface.
 *
 * May import: models/types, util/linalg helpers defined here (no other runtime module).
 *
 * Fit (weighted, binary): class means m_S, m_B; within-class covariance
 *   W = (Σ_S w (x-m_S)(x-m_S)ᵀ + Σ_B w (x-m_B)(x-m_B)ᵀ) / (W_S + W_B)
 * coefficients F = √(W_S W_B)/(W_S + W_B) · W⁻¹ (m_S - m_B) and offset F0 = -F·(m_S + m_B)/2,
 * so the raw discriminant t(x) = F0 + F·x is TMVA's "Fisher" output (higher = signal).
 *
 * Choices worth knowing:
 * - Missing values (NaN) are imputed with the weighted training mean of the feature (over all
 *   classes) both in training and in prediction; the count is reported in `notes`.
 * - A singular W (a constant or duplicated feature) gets a ridge ε·tr(W)/p added to its
 *   diagonal, growing until the Cholesky factorisation succeeds; this is reported in `notes`.
 * - `predict` returns a probability by default: σ(a·t + b), with (a, b) fitted by weighted logistic
 *   regression on the training discriminant (Platt scaling). This is a monotone map of t (a > 0 on
 *   any fit where the signal mean discriminant exceeds the background's), so AUC, AMS, efficiencies
 *   and the KS test are unchanged, and the log loss becomes meaningful. `output: "raw"` returns t.
 * - Negative weights enter the means and covariances as they are (TMVA does the same); the Platt
 *   fit uses |w| in its Hessian so the Newton step stays well defined.
 * - Multiclass (K > 2): one-vs-rest, one discriminant and one Platt map per class; the K
 *   probabilities are normalised to sum to 1 per row (`output: "raw"` gives the K raw t values).
 */
import {
  AlgorithmParamError,
  type Algorithm,
  type FitContext,
  type TrainData,
  type TrainedModel,
} from './types.js';

export interface FisherParams {
  output: 'probability' | 'raw';
}

/** One binary discriminant: t = f0 + coef·x, then p = σ(a t + b). */
interface Discriminant {
  coef: number[];
  f0: number;
  a: number;
  b: number;
}

interface FisherJSON {
  algorithm: 'fisher';
  version: 1;
  featureNames: string[];
  nClasses: number;
  output: 'probability' | 'raw';
  /** Weighted training mean per feature, used to impute NaN. */
  means: number[];
  /** One discriminant (binary) or K (one-vs-rest). */
  discriminants: Discriminant[];
  notes: string[];
}

const VERSION = 1;

function normalize(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { output: 'probability' };
  for (const [k, v] of Object.entries(params)) {
    if (k === 'output') {
      if (v !== 'probability' && v !== 'raw') {
        throw new AlgorithmParamError('output', `fisher: parameter \`output\` must be "probability" or "raw", got ${JSON.stringify(v)}`);
      }
      out.output = v;
    } else if (k === 'negative_weights') {
      // Applied by the caller before fit (registry.applyNegativeWeights); validated here.
      if (v !== 'keep' && v !== 'ignore' && v !== 'abs') throw new AlgorithmParamError('negative_weights', `fisher: parameter \`negative_weights\` must be "keep", "ignore" or "abs", got ${JSON.stringify(v)}`);
      out.negative_weights = v;
    } else {
      throw new AlgorithmParamError(k, `fisher: unknown parameter \`${k}\` (fisher takes \`output\`)`);
    }
  }
  return out;
}

/** Cholesky solve of S x = r for symmetric positive definite S (row-major p×p); undefined if not SPD. */
function choleskySolve(S: Float64Array, p: number, r: Float64Array): Float64Array | undefined {
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = S[i * p + j]!;
      for (let k = 0; k < j; k++) s -= L[i * p + k]! * L[j * p + k]!;
      if (i === j) {
        if (!(s > 0)) return undefined;
        L[i * p + i] = Math.sqrt(s);
      } else {
        L[i * p + j] = s / L[j * p + j]!;
      }
    }
  }
  const z = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = r[i]!;
    for (let k = 0; k < i; k++) s -= L[i * p + k]! * z[k]!;
    z[i] = s / L[i * p + i]!;
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < p; k++) s -= L[k * p + i]! * x[k]!;
    x[i] = s / L[i * p + i]!;
  }
  return x;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Weighted 1-D logistic regression p = σ(a t + b) by Newton's method (|w| in the Hessian). */
function plattFit(t: Float64Array, isPos: Uint8Array, w: Float64Array): { a: number; b: number } {
  // Standardise t for conditioning, then map back.
  const n = t.length;
  let sw = 0, st = 0;
  for (let i = 0; i < n; i++) { const aw = Math.abs(w[i]!); sw += aw; st += aw * t[i]!; }
  const mu = sw > 0 ? st / sw : 0;
  let sv = 0;
  for (let i = 0; i < n; i++) { const d = t[i]! - mu; sv += Math.abs(w[i]!) * d * d; }
  const sd = sw > 0 && sv > 0 ? Math.sqrt(sv / sw) : 1;
  let a = 1, b = 0;
  for (let iter = 0; iter < 50; iter++) {
    let ga = 0, gb = 0, haa = 1e-9, hab = 0, hbb = 1e-9;
    for (let i = 0; i < n; i++) {
      const u = (t[i]! - mu) / sd;
      const p = sigmoid(a * u + b);
      const r = (p - isPos[i]!) * w[i]!;
      const h = p * (1 - p) * Math.abs(w[i]!);
      ga += r * u; gb += r;
      haa += h * u * u; hab += h * u; hbb += h;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da; b -= db;
    if (!Number.isFinite(a) || !Number.isFinite(b)) { a = 1; b = 0; break; }
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) break;
  }
  // σ(a (t-mu)/sd + b) = σ((a/sd) t + (b - a mu/sd))
  return { a: a / sd, b: b - (a * mu) / sd };
}

/** Fits one binary discriminant of rows where isPos = 1 (signal) against isPos = 0. */
function fitDiscriminant(
  cols: readonly Float64Array[],
  means: Float64Array,
  n: number,
  isPos: Uint8Array,
  w: Float64Array,
  notes: string[],
  label: string,
): Discriminant {
  const p = cols.length;
  const mS = new Float64Array(p), mB = new Float64Array(p);
  let wS = 0, wB = 0;
  const val = (j: number, i: number): number => {
    const v = cols[j]![i]!;
    return Number.isNaN(v) ? means[j]! : v;
  };
  for (let i = 0; i < n; i++) {
    const wi = w[i]!;
    if (isPos[i]) wS += wi; else wB += wi;
  }
  if (!(wS > 0) || !(wB > 0)) {
    throw new Error(`fisher: ${label} needs a positive total weight in both classes (signal ${wS}, background ${wB})`);
  }
  for (let j = 0; j < p; j++) {
    let sS = 0, sB = 0;
    for (let i = 0; i < n; i++) {
      const v = val(j, i) * w[i]!;
      if (isPos[i]) sS += v; else sB += v;
    }
    mS[j] = sS / wS;
    mB[j] = sB / wB;
  }
  const Wm = new Float64Array(p * p);
  const dx = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    const m = isPos[i] ? mS : mB;
    const wi = w[i]!;
    for (let j = 0; j < p; j++) dx[j] = val(j, i) - m[j]!;
    for (let j = 0; j < p; j++) {
      const a = wi * dx[j]!;
      for (let k = 0; k <= j; k++) Wm[j * p + k] = Wm[j * p + k]! + a * dx[k]!;
    }
  }
  const tot = wS + wB;
  let trace = 0;
  for (let j = 0; j < p; j++) {
    for (let k = 0; k <= j; k++) {
      const v = Wm[j * p + k]! / tot;
      Wm[j * p + k] = v;
      Wm[k * p + j] = v;
    }
    trace += Wm[j * p + j]!;
  }
  const diff = new Float64Array(p);
  for (let j = 0; j < p; j++) diff[j] = mS[j]! - mB[j]!;
  let sol = choleskySolve(Wm, p, diff);
  if (!sol) {
    const base = trace > 0 ? trace / p : 1;
    for (let eps = 1e-12; eps <= 1 && !sol; eps *= 10) {
      const R = Wm.slice();
      for (let j = 0; j < p; j++) R[j * p + j] = R[j * p + j]! + eps * base;
      sol = choleskySolve(R, p, diff);
      if (sol) notes.push(`${label}: the within-class covariance is singular; added a ridge of ${eps.toExponential(0)}·tr(W)/p to its diagonal`);
    }
    if (!sol) throw new Error(`fisher: ${label}: the within-class covariance could not be inverted`);
  }
  const xfact = Math.sqrt(wS * wB) / tot;
  const coef: number[] = [];
  let f0 = 0;
  for (let j = 0; j < p; j++) {
    const c = xfact * sol[j]!;
    coef.push(c);
    f0 += c * (mS[j]! + mB[j]!);
  }
  f0 /= -2;
  const t = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = f0;
    for (let j = 0; j < p; j++) s += coef[j]! * val(j, i);
    t[i] = s;
  }
  const { a, b } = plattFit(t, isPos, w);
  return { coef, f0, a, b };
}

class FisherModel implements TrainedModel {
  readonly algorithm = 'fisher';
  readonly featureNames: readonly string[];
  readonly nClasses: number;
  readonly notes: readonly string[];
  constructor(private readonly json: FisherJSON) {
    this.featureNames = json.featureNames;
    this.nClasses = json.nClasses;
    this.notes = json.notes;
  }

  predict(columns: readonly Float64Array[], n: number): Float64Array {
    const p = this.json.featureNames.length;
    if (columns.length !== p) {
      throw new Error(`fisher: model expects ${p} features (${this.json.featureNames.join(', ')}), got ${columns.length}`);
    }
    const { means, discriminants, output } = this.json;
    const K = discriminants.length;
    const out = new Float64Array(n * K);
    for (let d = 0; d < K; d++) {
      const disc = discriminants[d]!;
      const acc = new Float64Array(n).fill(disc.f0);
      for (let j = 0; j < p; j++) {
        const col = columns[j]!, c = disc.coef[j]!, m = means[j]!;
        for (let i = 0; i < n; i++) {
          const v = col[i]!;
          acc[i] = acc[i]! + c * (Number.isNaN(v) ? m : v);
        }
      }
      for (let i = 0; i < n; i++) {
        const t = acc[i]!;
        out[i * K + d] = output === 'raw' ? t : sigmoid(disc.a * t + disc.b);
      }
    }
    if (K > 1 && output === 'probability') {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let d = 0; d < K; d++) s += out[i * K + d]!;
        if (s > 0) for (let d = 0; d < K; d++) out[i * K + d] = out[i * K + d]! / s;
      }
    }
    return out;
  }

  toJSON(): FisherJSON {
    return this.json;
  }
}

async function fit(data: TrainData, params: Readonly<Record<string, unknown>>, _ctx: FitContext): Promise<TrainedModel> {
  const norm = normalize(params) as unknown as FisherParams;
  const { n, columns, w, y, nClasses } = data;
  const p = columns.length;
  if (p === 0) throw new Error('fisher: no features');
  if (n === 0) throw new Error('fisher: no training rows');
  const notes: string[] = [];
  // Weighted means over all rows (for imputation), counting NaNs.
  const means: number[] = [];
  let nMissing = 0;
  for (let j = 0; j < p; j++) {
    const col = columns[j]!;
    let s = 0, sw = 0, cnt = 0;
    for (let i = 0; i < n; i++) {
      const v = col[i]!;
      if (Number.isNaN(v)) { nMissing++; continue; }
      s += w[i]! * v; sw += w[i]!; cnt++;
    }
    if (cnt === 0) throw new Error(`fisher: feature \`${data.featureNames[j]}\` has no non-missing value in the training rows`);
    if (sw === 0) { s = 0; for (let i = 0; i < n; i++) if (!Number.isNaN(col[i]!)) s += col[i]!; sw = cnt; }
    means.push(s / sw);
  }
  if (nMissing > 0) notes.push(`imputed ${nMissing} missing values with the weighted training mean of their feature`);
  const discriminants: Discriminant[] = [];
  const isPos = new Uint8Array(n);
  const meansArr = Float64Array.from(means);
  if (nClasses <= 2) {
    for (let i = 0; i < n; i++) isPos[i] = y[i] === 1 ? 1 : 0;
    discriminants.push(fitDiscriminant(columns, meansArr, n, isPos, w, notes, 'signal vs background'));
  } else {
    for (let k = 0; k < nClasses; k++) {
      for (let i = 0; i < n; i++) isPos[i] = y[i] === k ? 1 : 0;
      discriminants.push(fitDiscriminant(columns, meansArr, n, isPos, w, notes, `class ${k} vs rest`));
    }
    notes.push(`multiclass: ${nClasses} one-vs-rest discriminants, probabilities normalised to sum to 1`);
  }
  return new FisherModel({
    algorithm: 'fisher',
    version: VERSION,
    featureNames: [...data.featureNames],
    nClasses: Math.max(2, nClasses),
    output: norm.output,
    means,
    discriminants,
    notes,
  });
}

function fromJSON(json: unknown): TrainedModel {
  const j = json as Partial<FisherJSON> | null;
  if (!j || j.algorithm !== 'fisher' || !Array.isArray(j.discriminants) || !Array.isArray(j.means) || !Array.isArray(j.featureNames)) {
    throw new Error('fisher: not a saved fisher model');
  }
  if (j.version !== VERSION) throw new Error(`fisher: saved model version ${String(j.version)} is not ${VERSION}`);
  return new FisherModel(j as FisherJSON);
}

export const fisher: Algorithm = { name: 'fisher', version: VERSION, normalize, fit, fromJSON };
