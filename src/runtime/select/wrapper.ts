/**
 * Model-based ("wrapper") selection: permutation importance, recursive feature elimination,
 * forward selection, and bootstrap selection stability.
 *
 * May import: models/types (types), stats/univariate (AUC), stats/significance, util/rng.
 * Models come through the Algorithm / TrainedModel interface, so any algorithm works (fisher, gbdt,
 * mlp). The quality metric is the weighted ROC AUC of the model's score (binary), or the mean
 * one-vs-rest AUC of the class probabilities (multiclass); a caller may pass another `metric`.
 * Evaluation data: `valid` when given; otherwise an internal holdout of the training rows
 * (`holdoutFraction`, default 0.3, rows drawn with `Rng.derive(seed, 'holdout')`), so elimination
 * and addition decisions are made on rows the model was not fitted on.
 * Permutation importance follows sklearn's `permutation_importance`: importance = baseline metric −
 * metric with one column shuffled, mean and population std over `repeats` shuffles; shuffle r of
 * feature j uses `Rng.derive(seed, 'permute', j, r)`.
 * Ties (equal importance or equal metric) are broken by feature order, so results are deterministic.
 */
import type { Algorithm, TrainData, TrainedModel } from '../models/types.js';
import { auc } from '../stats/univariate.js';
import { bootstrapRows } from '../stats/significance.js';
import { Rng } from '../util/rng.js';

/** Quality of scores (higher = better): (predictions, y, w, nClasses) → number. */
export type Metric = (pred: Float64Array, y: Float64Array, w: Float64Array, nClasses: number) => number;

/** Weighted AUC (binary) or mean one-vs-rest AUC (multiclass, predictions n×K row-major). */
export const aucMetric: Metric = (pred, y, w, K) => {
  if (K <= 2) return auc(pred, y, w);
  const n = y.length;
  let sum = 0, cnt = 0;
  const col = new Float64Array(n), yc = new Float64Array(n);
  for (let c = 0; c < K; c++) {
    for (let i = 0; i < n; i++) { col[i] = pred[i * K + c]!; yc[i] = y[i] === c ? 1 : 0; }
    const a = auc(col, yc, w);
    if (!Number.isNaN(a)) { sum += a; cnt++; }
  }
  return cnt ? sum / cnt : NaN;
};

/** The same rows with only the named features, in that order. */
export function withFeatures(data: TrainData, names: readonly string[]): TrainData {
  const columns = names.map((nm) => {
    const j = data.featureNames.indexOf(nm);
    if (j < 0) throw new Error(`feature \`${nm}\` is not in the data (have ${data.featureNames.join(', ')})`);
    return data.columns[j]!;
  });
  return { ...data, columns, featureNames: [...names] };
}

/** The given rows of every array. */
export function withRows(data: TrainData, rows: ArrayLike<number>): TrainData {
  const pick = (a: Float64Array) => {
    const o = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i++) o[i] = a[rows[i]!]!;
    return o;
  };
  return { ...data, n: rows.length, columns: data.columns.map(pick), y: pick(data.y), w: pick(data.w) };
}

/** Splits rows into (fit, evaluate) parts; deterministic in seed. */
export function holdout(data: TrainData, fraction: number, seed: number): { fit: TrainData; evaluate: TrainData } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`holdout fraction must be in (0, 1), got ${fraction}`);
  const perm = Rng.derive(seed, 'holdout').permutation(data.n);
  const nEval = Math.max(1, Math.round(data.n * fraction));
  const ev = perm.slice(0, nEval).sort(), fit = perm.slice(nEval).sort();
  return { fit: withRows(data, fit), evaluate: withRows(data, ev) };
}

export interface ImportanceResult {
  readonly features: string[];
  readonly baseline: number;
  /** Mean decrease of the metric when the feature is shuffled. */
  readonly mean: number[];
  /** Population standard deviation over repeats. */
  readonly std: number[];
  /** raw[j][r]: decrease for feature j, repeat r. */
  readonly raw: number[][];
}

export interface ImportanceOptions {
  readonly repeats?: number;
  readonly seed?: number;
  readonly metric?: Metric;
}

/** Permutation importance of every feature of `model` on `data` (columns matched by name). */
export function permutationImportance(model: TrainedModel, data: TrainData, opts: ImportanceOptions = {}): ImportanceResult {
  const repeats = opts.repeats ?? 5;
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new RangeError(`repeats must be a positive integer, got ${repeats}`);
  const seed = opts.seed ?? 0;
  const metric = opts.metric ?? aucMetric;
  const d = withFeatures(data, model.featureNames);
  const cols = [...d.columns];
  const baseline = metric(model.predict(cols, d.n), d.y, d.w, model.nClasses);
  const mean: number[] = [], std: number[] = [], raw: number[][] = [];
  for (let j = 0; j < cols.length; j++) {
    const orig = cols[j]!;
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const shuffled = Float64Array.from(orig);
      Rng.derive(seed, 'permute', j, r).shuffle(shuffled);
      cols[j] = shuffled;
      drops.push(baseline - metric(model.predict(cols, d.n), d.y, d.w, model.nClasses));
    }
    cols[j] = orig;
    const m = drops.reduce((s, v) => s + v, 0) / repeats;
    mean.push(m);
    std.push(Math.sqrt(drops.reduce((s, v) => s + (v - m) * (v - m), 0) / repeats));
    raw.push(drops);
  }
  return { features: [...model.featureNames], baseline, mean, std, raw };
}

export interface WrapperOptions {
  /** Number of features to end with. */
  readonly keep: number;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly seed?: number;
  /** Evaluation rows; default an internal holdout of `data`. */
  readonly valid?: TrainData;
  readonly holdoutFraction?: number;
  readonly metric?: Metric;
  /** Worker threads the algorithm may use. */
  readonly threads?: number;
  readonly signal?: AbortSignal;
}

function split(data: TrainData, opts: WrapperOptions): { fit: TrainData; evaluate: TrainData } {
  if (opts.valid) return { fit: data, evaluate: opts.valid };
  return holdout(data, opts.holdoutFraction ?? 0.3, opts.seed ?? 0);
}

function checkKeep(keep: number, p: number, what: string): void {
  if (!(Number.isInteger(keep) && keep >= 1 && keep <= p)) throw new RangeError(`${what}: keep must be an integer in [1, ${p}], got ${keep}`);
}

export interface RfeResult {
  readonly selected: string[];
  /** Features in the order they were eliminated (first = least important). */
  readonly eliminated: string[];
  readonly history: { features: string[]; metric: number; importance: number[] }[];
}

/**
 * Recursive feature elimination: fit on the current features, measure permutation importance on
 * the evaluation rows, drop the `step` least important (never below `keep`), repeat.
 */
export async function rfe(data: TrainData, algorithm: Algorithm, opts: WrapperOptions & { step?: number; repeats?: number }): Promise<RfeResult> {
  checkKeep(opts.keep, data.featureNames.length, 'rfe');
  const step = opts.step ?? 1;
  if (!(Number.isInteger(step) && step >= 1)) throw new RangeError(`rfe: step must be a positive integer, got ${step}`);
  const params = algorithm.normalize(opts.params ?? {});
  const { fit, evaluate } = split(data, opts);
  const seed = opts.seed ?? 0;
  let current = [...data.featureNames];
  const eliminated: string[] = [];
  const history: RfeResult['history'] = [];
  for (let round = 0; ; round++) {
    opts.signal?.throwIfAborted();
    const model = await algorithm.fit(withFeatures(fit, current), params, { seed, threads: opts.threads ?? 1, ...(opts.signal ? { signal: opts.signal } : {}) });
    const imp = permutationImportance(model, withFeatures(evaluate, current), { repeats: opts.repeats ?? 3, seed: seed + round, ...(opts.metric ? { metric: opts.metric } : {}) });
    history.push({ features: [...current], metric: imp.baseline, importance: imp.mean });
    if (current.length <= opts.keep) break;
    const drop = Math.min(step, current.length - opts.keep);
    // least important first; ties: the later feature goes first
    const order = current.map((f, i) => [f, imp.mean[i]!, i] as const).sort((a, b) => a[1] - b[1] || b[2] - a[2]);
    const gone = new Set(order.slice(0, drop).map((o) => o[0]));
    for (const o of order.slice(0, drop)) eliminated.push(o[0]);
    current = current.filter((f) => !gone.has(f));
  }
  return { selected: current, eliminated, history };
}

export interface ForwardResult {
  /** Features in the order they were added. */
  readonly selected: string[];
  /** Metric on the evaluation rows after each addition. */
  readonly history: { feature: string; metric: number }[];
}

/** Greedy forward selection: add the feature that most improves the metric, until `keep`. */
export async function forwardSelection(data: TrainData, algorithm: Algorithm, opts: WrapperOptions): Promise<ForwardResult> {
  checkKeep(opts.keep, data.featureNames.length, 'forward');
  const params = algorithm.normalize(opts.params ?? {});
  const { fit, evaluate } = split(data, opts);
  const metric = opts.metric ?? aucMetric;
  const seed = opts.seed ?? 0;
  const chosen: string[] = [];
  const history: ForwardResult['history'] = [];
  while (chosen.length < opts.keep) {
    let best: string | undefined, bestM = -Infinity;
    for (const f of data.featureNames) {
      if (chosen.includes(f)) continue;
      opts.signal?.throwIfAborted();
      const feats = [...chosen, f];
      const model = await algorithm.fit(withFeatures(fit, feats), params, { seed, threads: opts.threads ?? 1 });
      const ev = withFeatures(evaluate, feats);
      const m = metric(model.predict(ev.columns, ev.n), ev.y, ev.w, model.nClasses);
      if (best === undefined || m > bestM) { best = f; bestM = m; }
    }
    chosen.push(best!);
    history.push({ feature: best!, metric: bestM });
  }
  return { selected: chosen, history };
}

/**
 * Selection stability: the fraction of `n` bootstrap resamples (rows with replacement) in which
 * each name is selected by `selectFn`. Replica r uses rows `bootstrapRows(nRows, seed, r)`.
 */
export async function bootstrapStability(
  nRows: number,
  names: readonly string[],
  selectFn: (rows: Int32Array, replica: number) => readonly string[] | Promise<readonly string[]>,
  opts: { n: number; seed: number },
): Promise<Record<string, number>> {
  if (!(Number.isInteger(opts.n) && opts.n >= 1)) throw new RangeError(`bootstrap must be a positive integer, got ${opts.n}`);
  const count = new Map<string, number>(names.map((n) => [n, 0]));
  for (let r = 0; r < opts.n; r++) {
    const sel = await selectFn(bootstrapRows(nRows, opts.seed, r), r);
    for (const f of new Set(sel)) if (count.has(f)) count.set(f, count.get(f)! + 1);
  }
  const out: Record<string, number> = {};
  for (const nm of names) out[nm] = count.get(nm)! / opts.n;
  return out;
}
