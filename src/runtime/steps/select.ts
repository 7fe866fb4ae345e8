/**
 * Selection steps: `rank` (one score of one variable on the training part), `corr` (correlation
 * matrices of the candidates) and `select` (the selection itself).
 *
 * May import: stats/*, select/*, models/registry, steps/common.
 * Each (variable, score) is its own step, so adding a variable computes only its scores and changing
 * `keep` recomputes only the `select` step. Rankings see only the training part of the split, as
 * LANGUAGE.md §3 requires; missing values are skipped by the statistics themselves.
 */
import type { CorrelationMatrices, RankingEntry, SelectResult } from '../results.js';
import { compose, StepError, take, valueStep, type DatasetValue, type SplitValue } from './common.js';
import { onlyColumn } from './data.js';
import { deriveSeed } from '../util/rng.js';

interface RankParams { score: string; bins: number; seed: number; bootstrap: number; permutations: number }

export interface RankValue {
  value: number;
  pvalue?: number;
  /** Permutation p-value (label shuffles). */
  perm_pvalue?: number;
  /** Bootstrap 95 % interval. */
  ci?: [number, number];
  perClass?: { value: number; pvalue?: number }[];
}

function trainColumn(inputs: Record<string, unknown>, name: string): { x: Float64Array; y: Float64Array; w: Float64Array; K: number } {
  const data = inputs.data as DatasetValue, split = inputs.split as SplitValue;
  const c = onlyColumn(inputs[name]);
  if (c.kind !== 'num') throw new StepError(`variable must be one number per event (it is ${c.kind === 'str' ? 'a string' : 'a jagged list'})`);
  const rows = compose(data.index, split.train);
  return { x: take(c.values, rows), y: take(data.y, split.train), w: take(data.w, split.train), K: data.classes.length };
}

export const rankStep = valueStep<RankValue>('rank', 4, async (inputs, p: RankParams) => {
  const { univariate } = await import('../stats/univariate.js');
  const { x, y, w, K } = trainColumn(inputs, 'x');
  const opts = { bins: p.bins, nClasses: K, seed: deriveSeed(p.seed, 'mi') };
  const r = univariate(p.score, x, y, w, opts);
  const out: RankValue = { value: r.value };
  if (r.pvalue !== undefined) out.pvalue = r.pvalue;
  if (r.perClass) out.perClass = r.perClass.map((c) => ({ ...c }));
  const sig = await import('../stats/significance.js').catch(() => undefined);
  if (p.permutations > 0 && sig) {
    // Labels and weights are shuffled together (a signal weight stays with a signal label).
    out.perm_pvalue = sig.permutationPValue((yy: Float64Array, ww: Float64Array | undefined) => univariate(p.score, x, yy, ww ?? w, opts).value, y, { n: p.permutations, seed: deriveSeed(p.seed, 'perm', p.score), w });
  }
  if (p.bootstrap > 0 && sig) {
    // Percentile bootstrap, except for the kNN mutual information: resampling with replacement
    // duplicates events, which that estimator reads as zero-distance neighbours (its interval then
    // misses the estimate), so it gets a subsampling interval (no duplicates). ANOVA F grows with the
    // number of events, which rules subsampling out for the others.
    const scoreOf = (idx: Int32Array) => univariate(p.score, take(x, idx), take(y, idx), take(w, idx), opts).value;
    const bopts = { n: p.bootstrap, seed: deriveSeed(p.seed, 'boot', p.score) };
    out.ci = p.score === 'mutual_info' ? sig.subsampleCI(scoreOf, x.length, r.value, bopts) : sig.bootstrapCI(scoreOf, x.length, bopts);
  }
  return out;
});

export const corrStep = valueStep<CorrelationMatrices>('corr', 1, async (inputs, p: { features: string[] }) => {
  const { correlationMatrices } = await import('../stats/correlation.js');
  const data = inputs.data as DatasetValue, split = inputs.split as SplitValue;
  const rows = compose(data.index, split.train);
  const cols = p.features.map((f) => take(onlyColumn(inputs[`x:${f}`]).values as Float64Array, rows));
  return correlationMatrices(p.features, cols, take(data.y, split.train), take(data.w, split.train));
});

interface SelectParams {
  features: string[];
  rank: string[];
  by: string;
  method: { name: string; args: Record<string, unknown>; algorithm?: { name: string; params: Record<string, unknown> }; negativeWeights?: string };
  keep: { kind: 'all' } | { kind: 'count'; n: number } | { kind: 'fdr'; q: number };
  maxCorr: number | null;
  bootstrap: number;
  bins: number;
  seed: number;
  task: string;
}

export const selectStep = valueStep<SelectResult>('select', 2, async (inputs, p: SelectParams) => {
  const sel = await import('../select/index.js');
  const prev = inputs.prev as SelectResult | undefined;
  const candidates = prev ? p.features.filter((f) => prev.selected.includes(f)) : p.features;
  const classes = (inputs.data as DatasetValue | undefined)?.classes ?? [];
  const ranking: RankingEntry[] = candidates.map((f) => {
    const scores: Record<string, number> = {};
    const pvalues: Record<string, number> = {};
    const ci: Record<string, [number, number]> = {};
    for (const s of p.rank) {
      const r = inputs[`rank:${f}:${s}`] as RankValue;
      scores[s] = r.value;
      if (r.pvalue !== undefined) scores[`${s}_pvalue`] = r.pvalue;
      // Multiclass: the one-vs-rest score of each class beside the combined one.
      r.perClass?.forEach((c, k) => { scores[`${s}[${classes[k] ?? k}]`] = c.value; });
      if (r.perm_pvalue !== undefined) pvalues[s] = r.perm_pvalue;
      if (r.ci) ci[s] = r.ci;
    }
    return { feature: f, scores, ...(Object.keys(pvalues).length ? { pvalues } : {}), ...(Object.keys(ci).length ? { ci } : {}), rank: 0, selected: false };
  });
  const data = inputs.data as DatasetValue | undefined, split = inputs.split as SplitValue | undefined;
  const columns = (): { cols: Float64Array[]; y: Float64Array; w: Float64Array } => {
    const rows = compose(data!.index, split!.train);
    return {
      cols: candidates.map((f) => take(onlyColumn(inputs[`x:${f}`]).values as Float64Array, rows)),
      y: take(data!.y, split!.train),
      w: take(data!.w, split!.train),
    };
  };
  return sel.runSelection({
    ranking,
    by: p.by,
    keep: p.keep,
    maxCorr: p.maxCorr ?? undefined,
    corr: inputs.corr as CorrelationMatrices | undefined,
    method: p.method,
    bootstrap: p.bootstrap,
    seed: p.seed,
    bins: p.bins,
    data: p.method.name !== 'none' || p.bootstrap > 0 ? columns : undefined,
    candidates,
  });
});
