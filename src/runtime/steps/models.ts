/**
 * Model steps: `fit.<algorithm>` (one CV fold, the full training part, or one search trial x fold)
 * and `eval` (metrics over folds and the test part).
 *
 * May import: models/*, eval/*, steps/common.
 * A fit is a pure function of (feature columns, labels, weights, split, params, seed). The fold
 * assignment is recomputed inside the step from (training rows, k, seed), so it needs no input of its
 * own and is identical in every fold step and every search trial. Negative weights are treated here,
 * before the algorithm sees them (TMVA's NegWeightTreatment): `keep` passes them on, `ignore` drops
 * those events from training (they still count in every metric), `abs` uses |w|. Early stopping
 * carves a validation part out of the training rows (never the held-out fold or the test part);
 * without it, the held-out part is given to the algorithm only to record a learning curve.
 *
 * Class normalisation (TMVA's default NormMode=EqualNumEvents): before training, the weights of each
 * class are rescaled so that they sum to the number of events of that class. Physics weights often
 * differ by orders of magnitude between samples (HiggsML: Σw = 16 for signal, 10,038 for background),
 * which would otherwise make the training see almost nothing but background. Shapes within a class are
 * kept; every metric is computed with the original weights.
 */
import type { StepImpl } from '../graph/types.js';
import type { Metrics, ModelResult, ScoreSet } from '../results.js';
import type { LearningCurve, TrainData } from '../models/types.js';
import { deriveSeed } from '../util/rng.js';
import { StepError, take, valueStep, type DatasetValue, type GatherValue, type SplitValue } from './common.js';
import { getAlgorithm } from '../models/registry.js';
// Imported eagerly for its version (cheap: its TensorFlow.js backend is loaded only when asked for).
import { mlp } from '../models/mlp.js';

export interface FitParams {
  algorithm: { name: string; params: Record<string, unknown> };
  negativeWeights: 'keep' | 'ignore' | 'abs';
  seed: number;
  fold: number | 'full';
  k: number | null;
  /** Search trials: output only this metric on the held-out fold (and no model). */
  metricOnly?: 'auc' | 'ams' | 'significance' | 'logloss';
}

export interface FitValue {
  algorithm: string;
  features: string[];
  model?: unknown;
  /** Held-out fold scores (CV folds) or test-part scores (full fit, when there is a test part). */
  heldout?: ScoreSet;
  /** Positions (into the dataset's rows after the cut) of the held-out scores. */
  heldoutRows?: Int32Array;
  /** Scores of the rows the model was trained on (for the overtraining test). */
  train?: ScoreSet;
  curve?: LearningCurve;
  notes?: string[];
  /** metricOnly: the held-out metric. */
  metric?: number;
  nClasses: number;
  /** Multiclass: the full probability matrices (n × K, row-major) with the class indices. */
  multi?: { held?: MultiSet; train: MultiSet };
}

export interface MultiSet { prob: Float64Array; y: Float64Array; w: Float64Array }

type MetricsModule = typeof import('../eval/metrics.js');

/**
 * Metrics of a multiclass model: each class one-vs-rest, macro-averaged (the log loss is the
 * multiclass one; the overtraining KS p-values are the smallest over the classes).
 */
export function multiclassMetrics(m: MetricsModule, held: MultiSet, train: MultiSet | undefined, K: number): Metrics {
  return macroMetrics(m, classMetrics(m, held, train, K), held, K);
}

/** Each class against the rest (class k as signal), in class order. */
function classMetrics(m: MetricsModule, held: MultiSet, train: MultiSet | undefined, K: number): Metrics[] {
  const vsRest = (s: MultiSet, k: number) => m.oneVsRest(s.prob, s.y, s.w, K, k);
  return Array.from({ length: K }, (_, k) => m.computeMetrics(vsRest(held, k), train ? vsRest(train, k) : undefined));
}

/** The macro average of classMetrics `per` (the multiclass log loss of `held`, the smallest KS p-values). */
function macroMetrics(m: MetricsModule, per: readonly Metrics[], held: MultiSet, K: number): Metrics {
  const train = per.some((x) => x.ks_overtraining !== undefined);
  const mean = (f: (x: Metrics) => number) => per.reduce((a, x) => a + f(x), 0) / K;
  const out: Metrics = {
    auc: mean((x) => x.auc), ams: mean((x) => x.ams), ams_threshold: mean((x) => x.ams_threshold), ams_top15: mean((x) => x.ams_top15),
    significance: mean((x) => x.significance), logloss: m.loglossMulti(held.prob, held.y, held.w, K),
    eff_at_rej90: mean((x) => x.eff_at_rej90), eff_at_rej99: mean((x) => x.eff_at_rej99),
  };
  if (train) {
    out.ks_overtraining = {
      signal: Math.min(...per.map((x) => x.ks_overtraining?.signal ?? NaN)),
      background: Math.min(...per.map((x) => x.ks_overtraining?.background ?? NaN)),
    };
  }
  return out;
}

function scoreSet(score: Float64Array, y: Float64Array, w: Float64Array, K: number, k = 1): ScoreSet {
  if (K <= 2) return { score, y, w };
  // Multiclass: one-vs-rest score of class k (the report and metrics treat class k as "signal").
  const n = y.length;
  const s = new Float64Array(n), yy = new Float64Array(n);
  for (let i = 0; i < n; i++) { s[i] = score[i * K + k]!; yy[i] = y[i] === k ? 1 : 0; }
  return { score: s, y: yy, w };
}

function subset(X: GatherValue, data: DatasetValue, rows: Int32Array, nClasses: number): TrainData {
  return {
    n: rows.length,
    columns: X.columns.map((c) => take(c, rows)),
    featureNames: X.names,
    y: take(data.y, rows),
    w: take(data.w, rows),
    nClasses,
  };
}

function treatWeights(d: TrainData, how: FitParams['negativeWeights']): TrainData {
  if (how === 'keep') return d;
  if (how === 'abs') return { ...d, w: d.w.map(Math.abs) };
  const keep: number[] = [];
  for (let i = 0; i < d.n; i++) if (d.w[i]! >= 0) keep.push(i);
  const idx = Int32Array.from(keep);
  return { ...d, n: idx.length, columns: d.columns.map((c) => take(c, idx)), y: take(d.y, idx), w: take(d.w, idx) };
}

/** Rescales each class's weights to sum to its number of events (TMVA's EqualNumEvents). */
function normaliseClasses(d: TrainData): TrainData {
  const sum = new Float64Array(d.nClasses), count = new Float64Array(d.nClasses);
  for (let i = 0; i < d.n; i++) { const c = d.y[i]!; sum[c]! += d.w[i]!; count[c]!++; }
  const f = Array.from(sum, (s, c) => (s > 0 ? count[c]! / s : 1));
  if (f.every((x) => x === 1)) return d;
  const w = new Float64Array(d.n);
  for (let i = 0; i < d.n; i++) w[i] = d.w[i]! * f[d.y[i]!]!;
  return { ...d, w };
}

export function metricValue(name: string, set: ScoreSet, m: typeof import('../eval/metrics.js')): number {
  switch (name) {
    case 'auc': return m.auc(set);
    case 'ams': return m.amsBest(set).ams;
    case 'significance': { const r = m.amsBest(set); return r.b > 0 ? r.s / Math.sqrt(r.b) : NaN; }
    case 'logloss': return m.logloss(set);
    default: throw new StepError(`unknown metric \`${name}\``);
  }
}

async function runFit(inputs: Record<string, unknown>, p: FitParams, ctx: { threads: number; signal: AbortSignal; progress(f: number, m?: string): void }): Promise<FitValue> {
  const X = inputs.X as GatherValue, data = inputs.data as DatasetValue, split = inputs.split as SplitValue;
  const { kfold, holdout } = await import('../eval/folds.js');
  const { loadAlgorithm } = await import('../models/registry.js');
  const algo = await loadAlgorithm(p.algorithm.name);
  if (!algo) throw new StepError(`unknown algorithm \`${p.algorithm.name}\``);
  const K = data.classes.length;
  let trainRows: Int32Array, heldRows: Int32Array | undefined;
  if (p.fold === 'full') {
    trainRows = split.train;
    heldRows = split.test.length ? split.test : undefined;
  } else if (split.folds && split.k === p.k) {
    // The dataset's own kfold split decides the folds (its seed and `by` column).
    const tr: number[] = [], ho: number[] = [];
    for (let i = 0; i < split.train.length; i++) (split.folds[i] === p.fold ? ho : tr).push(split.train[i]!);
    trainRows = Int32Array.from(tr);
    heldRows = Int32Array.from(ho);
  } else {
    const folds = kfold(split.train.length, p.k!, { seed: deriveSeed(p.seed, 'cv'), stratify: take(data.y, split.train) });
    const f = folds[p.fold]!;
    trainRows = Int32Array.from(f.train, (i) => split.train[i]!);
    heldRows = Int32Array.from(f.test, (i) => split.train[i]!);
  }
  let params: Record<string, unknown>;
  try {
    params = algo.normalize(p.algorithm.params);
  } catch (e) {
    throw new StepError(`${p.algorithm.name}(): ${(e as Error).message}`);
  }
  let fitRows = trainRows;
  let valid: TrainData | undefined;
  const es = Number(params.early_stopping ?? 0);
  if (es > 0) {
    const vf = Number(params.valid_fraction ?? 0.2);
    const s = holdout(trainRows.length, { test: vf, seed: deriveSeed(p.seed, 'valid'), stratify: take(data.y, trainRows) });
    fitRows = Int32Array.from(s.train, (i) => trainRows[i]!);
    valid = subset(X, data, Int32Array.from(s.test, (i) => trainRows[i]!), K);
  } else if (heldRows && !p.metricOnly) {
    valid = subset(X, data, heldRows, K); // for the learning curve only
  }
  const train = normaliseClasses(treatWeights(subset(X, data, fitRows, K), p.negativeWeights));
  if (valid) valid = normaliseClasses(valid);
  if (train.n === 0) throw new StepError('no training events (check the cut, the split and negative_weights)');
  const model = await algo.fit(train, params, { seed: deriveSeed(p.seed, 'fit', String(p.fold)), valid, threads: ctx.threads, signal: ctx.signal, progress: ctx.progress });
  const predictRows = (rows: Int32Array) => model.predict(X.columns.map((c) => take(c, rows)), rows.length);
  const multiSet = (rows: Int32Array, prob: Float64Array): MultiSet => ({ prob, y: take(data.y, rows), w: take(data.w, rows) });
  const heldProb = heldRows ? predictRows(heldRows) : undefined;
  const held = heldRows ? scoreSet(heldProb!, take(data.y, heldRows), take(data.w, heldRows), K) : undefined;
  if (p.metricOnly) {
    const m = await import('../eval/metrics.js');
    let metric = NaN;
    if (held && K > 2) {
      const mm = multiclassMetrics(m, multiSet(heldRows!, heldProb!), undefined, K);
      metric = p.metricOnly === 'logloss' ? mm.logloss : (mm as unknown as Record<string, number>)[p.metricOnly] ?? NaN;
    } else if (held) metric = metricValue(p.metricOnly, held, m);
    return { algorithm: algo.name, features: X.names, metric, nClasses: K, curve: model.curve };
  }
  const trainProb = predictRows(trainRows);
  return {
    algorithm: algo.name,
    features: X.names,
    model: model.toJSON(),
    heldout: held,
    ...(heldRows ? { heldoutRows: heldRows } : {}),
    train: scoreSet(trainProb, take(data.y, trainRows), take(data.w, trainRows), K),
    curve: model.curve,
    notes: model.notes ? [...model.notes] : undefined,
    nClasses: K,
    ...(K > 2 ? { multi: { ...(heldRows ? { held: multiSet(heldRows, heldProb!) } : {}), train: multiSet(trainRows, trainProb) } } : {}),
  };
}

const FIT_STEP_VERSION = 4;

/** `fit.<algorithm>`: the step version folds in the algorithm's own version. */
export function fitStep(algorithm: string): StepImpl<FitValue> | undefined {
  const algo = algorithm === 'mlp' ? mlp : getAlgorithm(algorithm);
  if (!algo) return undefined;
  const version = FIT_STEP_VERSION * 1000 + algo.version;
  return valueStep<FitValue>(`fit.${algorithm}`, version, (inputs, p: FitParams, ctx) => runFit(inputs, p, ctx));
}

export const evalStep = valueStep<ModelResult>('eval', 2, async (inputs, p: { name: string; folds: number; params?: Record<string, unknown>; classes?: string[] }) => {
  const m = await import('../eval/metrics.js');
  const full = inputs.full as FitValue;
  const fits = Array.from({ length: p.folds }, (_, f) => inputs[`fold${f}`] as FitValue);
  const summarize = (metricsOf: (v: FitValue) => Metrics) => {
    const folds = fits.map(metricsOf);
    const test = full.heldout ? metricsOf(full) : undefined;
    if (folds.length) {
      const s = m.summarizeFolds(folds);
      return { metrics: s.mean, std: s.std as Partial<Metrics> | undefined, folds, test };
    }
    if (test) return { metrics: test, std: undefined, folds, test };
    throw new StepError(`model \`${p.name}\` has neither CV folds nor a test part to score: add \`cv = 5\` to the model or a \`split\` to its dataset`);
  };
  // A multiclass fit's per-class metrics, computed once for the macro average and the class rows.
  const perClassOf = new Map<FitValue, Metrics[]>();
  const perClass = (v: FitValue): Metrics[] => {
    let per = perClassOf.get(v);
    if (per === undefined) perClassOf.set(v, per = classMetrics(m, v.multi!.held!, v.multi!.train, v.nClasses));
    return per;
  };
  const { metrics, std, folds, test } = summarize((v) => (v.nClasses > 2 && v.multi?.held ? macroMetrics(m, perClass(v), v.multi.held, v.nClasses) : m.computeMetrics(v.heldout!, v.train)));
  // Multiclass: each class against the rest, summarized like the model (the report draws these).
  const K = full.nClasses;
  const classes = K > 2 && p.classes?.length === K && full.multi !== undefined
    ? p.classes.map((name, k) => {
      const c = summarize((v) => perClass(v)[k]!);
      return { name, metrics: c.metrics, ...(c.std ? { metrics_std: c.std } : {}), folds: c.folds, ...(c.test ? { test: c.test } : {}) };
    })
    : undefined;
  const curves = [full, ...fits].map((v) => v.curve).filter((c): c is LearningCurve => !!c);
  return {
    name: p.name,
    algorithm: full.algorithm,
    params: p.params ?? {},
    features: full.features,
    metrics,
    ...(std ? { metrics_std: std } : {}),
    folds,
    ...(test ? { test } : {}),
    ...(curves.length ? { curves } : {}),
    ...(full.notes?.length ? { notes: full.notes } : {}),
    ...(classes ? { classes } : {}),
  };
});
