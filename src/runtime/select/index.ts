/**
 * The selection of a `select` block: univariate filter (rank, fdr, max_corr, keep) followed by the
 * block's `method`, plus bootstrap stability. `runSelection` is what the `select` step calls.
 *
 * May import: select/*, stats/*, models/registry, models/types, results (types).
 * Pipeline: prefilter (rank by `by`, fdr(q) over all variables, max_corr) → method on the
 * survivors → `keep`:
 * - none: the best `keep` by the `by` score;
 * - mrmr: the first `keep` in mRMR (MID) order;
 * - permutation(model): fit the model on the survivors (internal 70/30 holdout of the training
 *   rows), keep the `keep` with the largest permutation importance (reported as score `importance`);
 * - rfe(model): recursive elimination down to `keep`;
 * - forward(model): greedy forward selection up to `keep`.
 * With `keep = all` or `fdr(q)` the model methods have no target size and keep every survivor
 * (they still report importances). Dropped reasons: 'fdr', 'max_corr with X', 'keep', or the method
 * name. `negativeWeights` ('keep' | 'ignore' | 'abs') applies to the weights the models are fitted
 * with, as in model blocks.
 * Stability (`bootstrap = N`): each replica resamples the training rows, recomputes the `by` score
 * (and its own p-value when fdr uses one) for every candidate, and reruns the whole selection; the
 * correlation matrices and permutation p-values of the full sample are reused for speed. Replica
 * seeds derive from `seed`.
 */
import type { CorrelationMatrices, SelectResult } from '../results.js';
import type { Algorithm, TrainData } from '../models/types.js';
import { entries, prefilter, type KeepSpec, type RankingInput } from './filter.js';
import { mrmr } from './mrmr.js';
import { bootstrapStability, forwardSelection, permutationImportance, rfe, holdout } from './wrapper.js';
import { univariate } from '../stats/univariate.js';
import { deriveSeed } from '../util/rng.js';

export * from './filter.js';
export * from './mrmr.js';
export * from './wrapper.js';

export interface MethodInput {
  /** none | mrmr | rfe | permutation | forward */
  readonly name: string;
  readonly args?: Readonly<Record<string, unknown>>;
  /** For model methods: the algorithm and its parameters. */
  readonly algorithm?: { readonly name: string; readonly params: Readonly<Record<string, unknown>> };
  readonly negativeWeights?: string;
}

export interface SelectionData {
  readonly cols: Float64Array[];
  readonly y: Float64Array;
  readonly w: Float64Array;
}

export interface RunSelectionInput {
  readonly ranking: readonly RankingInput[];
  readonly by: string;
  readonly keep: KeepSpec;
  readonly maxCorr?: number;
  readonly corr?: CorrelationMatrices;
  readonly method: MethodInput;
  /** Number of bootstrap replicas for stability (0 = none). */
  readonly bootstrap?: number;
  readonly seed: number;
  /** Histogram bins for binned scores. */
  readonly bins?: number;
  /** Training columns of `candidates` (same order), needed by methods other than none and by bootstrap. */
  readonly data?: () => SelectionData;
  readonly candidates: readonly string[];
  /** Resolves an algorithm by name (default: models/registry's loadAlgorithm). */
  readonly loadAlgorithm?: (name: string) => Promise<Algorithm | undefined>;
  readonly signal?: AbortSignal;
}

function trainData(names: readonly string[], all: readonly string[], d: SelectionData, negativeWeights: string | undefined): TrainData {
  let K = 2;
  for (let i = 0; i < d.y.length; i++) { const v = d.y[i]!; if (Number.isInteger(v) && v + 1 > K) K = v + 1; }
  let w = d.w;
  if (negativeWeights === 'ignore' || negativeWeights === 'abs') {
    w = Float64Array.from(d.w, (v) => (v >= 0 ? v : negativeWeights === 'abs' ? -v : 0));
  }
  const columns = names.map((nm) => d.cols[all.indexOf(nm)]!);
  return { n: d.y.length, columns, featureNames: [...names], y: d.y, w, nClasses: K };
}

interface MethodOutcome {
  selected: string[];
  /** Extra per-feature scores to report (e.g. importance). */
  extra?: Map<string, Record<string, number>>;
}

async function applyMethod(
  input: RunSelectionInput,
  survivors: readonly string[],
  d: SelectionData | undefined,
  seed: number,
): Promise<MethodOutcome> {
  const n = input.keep.kind === 'count' ? Math.min(input.keep.n, survivors.length) : survivors.length;
  const m = input.method.name;
  if (m === 'none' || survivors.length === 0) return { selected: survivors.slice(0, n) };
  if (!d) throw new Error(`selection method \`${m}\` needs the training columns`);
  if (m === 'mrmr') {
    const cols = survivors.map((f) => d.cols[input.candidates.indexOf(f)]!);
    const r = mrmr(cols, d.y, n, { w: d.w });
    return { selected: r.order.map((j) => survivors[j]!) };
  }
  if (m !== 'rfe' && m !== 'permutation' && m !== 'forward') throw new Error(`unknown selection method \`${m}\`: expected none, mrmr, rfe, permutation or forward`);
  const algName = input.method.algorithm?.name;
  if (!algName) throw new Error(`selection method \`${m}\` needs a model: write ${m}(model: NAME)`);
  const load = input.loadAlgorithm ?? (async (name: string) => (await import('../models/registry.js')).loadAlgorithm(name));
  const algorithm = await load(algName);
  if (!algorithm) throw new Error(`selection method \`${m}\`: unknown algorithm \`${algName}\``);
  const params = input.method.algorithm?.params ?? {};
  const data = trainData(survivors, input.candidates, d, input.method.negativeWeights);
  const common = { keep: Math.max(1, n), params, seed, ...(input.signal ? { signal: input.signal } : {}) };
  if (m === 'rfe') {
    const r = await rfe(data, algorithm, common);
    const last = r.history[r.history.length - 1]!;
    const extra = new Map(last.features.map((f, i) => [f, { importance: last.importance[i]! }]));
    const order = [...r.selected].sort((a, b) => extra.get(b)!.importance - extra.get(a)!.importance);
    return { selected: order, extra };
  }
  if (m === 'forward') {
    const r = await forwardSelection(data, algorithm, common);
    return { selected: r.selected, extra: new Map(r.history.map((h) => [h.feature, { forward_metric: h.metric }])) };
  }
  // permutation
  const { fit, evaluate } = holdout(data, 0.3, seed);
  const model = await algorithm.fit(fit, algorithm.normalize(params), { seed, threads: 1 });
  const imp = permutationImportance(model, evaluate, { repeats: 5, seed });
  const order = survivors.map((f, i) => [f, imp.mean[i]!, i] as const).sort((a, b) => b[1] - a[1] || a[2] - b[2]);
  return {
    selected: order.slice(0, n).map((o) => o[0]),
    extra: new Map(survivors.map((f, i) => [f, { importance: imp.mean[i]!, importance_std: imp.std[i]! }])),
  };
}

async function selectOnce(input: RunSelectionInput, ranking: readonly RankingInput[], d: SelectionData | undefined, seed: number) {
  const { order, reason } = prefilter({ ranking, by: input.by, keep: input.keep, ...(input.maxCorr !== undefined ? { maxCorr: input.maxCorr } : {}), ...(input.corr ? { corr: input.corr } : {}) });
  const survivors = order.filter((r) => !reason.has(r.feature)).map((r) => r.feature);
  const outcome = await applyMethod(input, survivors, d, seed);
  const chosen = new Set(outcome.selected);
  for (const f of survivors) if (!chosen.has(f)) reason.set(f, input.method.name === 'none' ? 'keep' : input.method.name);
  return { order, reason, outcome };
}

/** Runs the selection of one `select` block (see the module comment). */
export async function runSelection(input: RunSelectionInput): Promise<SelectResult> {
  const d = input.data?.();
  const { order, reason, outcome } = await selectOnce(input, input.ranking, d, input.seed);
  const ranked: RankingInput[] = order.map((r) => {
    const extra = outcome.extra?.get(r.feature);
    return extra ? { ...r, scores: { ...r.scores, ...extra } } : r;
  });
  const result: SelectResult = {
    by: input.by,
    method: input.method.name,
    ranking: entries(ranked, reason, new Set(outcome.selected)),
    selected: outcome.selected,
    ...(input.corr ? { correlation: input.corr } : {}),
  };
  const B = input.bootstrap ?? 0;
  if (B > 0) {
    if (!d) throw new Error('bootstrap stability needs the training columns');
    const usesOwnP = input.keep.kind === 'fdr';
    result.stability = await bootstrapStability(d.y.length, input.candidates, async (rows, r) => {
      const pick = (a: Float64Array) => { const o = new Float64Array(rows.length); for (let i = 0; i < rows.length; i++) o[i] = a[rows[i]!]!; return o; };
      const rd: SelectionData = { cols: d.cols.map(pick), y: pick(d.y), w: pick(d.w) };
      const rank: RankingInput[] = input.ranking.map((e) => {
        const j = input.candidates.indexOf(e.feature);
        const u = univariate(input.by, rd.cols[j]!, rd.y, rd.w, { ...(input.bins ? { bins: input.bins } : {}), seed: deriveSeed(input.seed, 'stability-mi', r) });
        const scores: Record<string, number> = { ...e.scores, [input.by]: u.value };
        if (usesOwnP && u.pvalue !== undefined) scores[`${input.by}_pvalue`] = u.pvalue;
        return { feature: e.feature, scores, ...(e.pvalues ? { pvalues: e.pvalues } : {}) };
      });
      const once = await selectOnce(input, rank, rd, deriveSeed(input.seed, 'stability', r));
      return once.outcome.selected;
    }, { n: B, seed: deriveSeed(input.seed, 'stability-rows') });
  }
  return result;
}
