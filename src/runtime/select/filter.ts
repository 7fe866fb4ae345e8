/**
 * Univariate selection: order the variables by one score, then apply `keep = fdr(q)`, `max_corr`
 * and `keep = N`.
 *
 * May import: stats/significance, results (types).
 * Order of operations (each is optional):
 * 1. rank: by `scores[by]` descending (NaN last; ties by feature name, so the order is stable);
 * 2. fdr(q): Benjamini–Hochberg over ALL variables — the family is every variable tested — using
 *    the permutation p-value of `by` when present (`pvalues[by]`), else the score's own p-value
 *    (`scores[by + '_pvalue']`, KS and ANOVA); a variable without a p-value is an Error naming it;
 * 3. max_corr: walking the survivors in rank order, a variable whose |Pearson r| with an already
 *    kept variable exceeds the threshold in the signal OR the background sample is dropped (the
 *    weaker-ranked of the pair goes; pairs with an already dropped variable do not count);
 * 4. keep N: the first N survivors.
 * Each dropped variable records why: 'fdr', 'max_corr with X', 'keep'.
 */
import type { CorrelationMatrices, RankingEntry } from '../results.js';
import { benjaminiHochberg } from '../stats/significance.js';

export type KeepSpec = { readonly kind: 'all' } | { readonly kind: 'count'; readonly n: number } | { readonly kind: 'fdr'; readonly q: number };

/** A ranking row before selection (rank/selected are recomputed). */
export interface RankingInput {
  readonly feature: string;
  readonly scores: Readonly<Record<string, number>>;
  readonly pvalues?: Readonly<Record<string, number>>;
  readonly ci?: Readonly<Record<string, [number, number]>>;
}

export interface FilterInput {
  readonly ranking: readonly RankingInput[];
  readonly by: string;
  readonly keep: KeepSpec;
  readonly maxCorr?: number;
  /** Needed when maxCorr is set; features not in it are never dropped for correlation. */
  readonly corr?: CorrelationMatrices;
}

export interface FilterResult {
  /** Kept features, best first. */
  readonly selected: string[];
  /** Every feature, best first, with rank, selected and the reason it was dropped. */
  readonly ranking: RankingEntry[];
  /** Dropped feature → reason ('fdr', 'max_corr with X', 'keep'). */
  readonly dropped: Record<string, string>;
}

/** Features in rank order by `by` (descending, NaN last, ties by name). */
export function rankOrder(ranking: readonly RankingInput[], by: string): RankingInput[] {
  const key = (r: RankingInput) => {
    const v = r.scores[by];
    return v === undefined || Number.isNaN(v) ? -Infinity : v;
  };
  return [...ranking].sort((a, b) => {
    const d = key(b) - key(a);
    if (d !== 0 && !Number.isNaN(d)) return d;
    return a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0;
  });
}

/** The p-value `fdr` uses for one variable, or undefined. */
export function fdrPValue(r: RankingInput, by: string): number | undefined {
  return r.pvalues?.[by] ?? r.scores[`${by}_pvalue`];
}

/** |r| of two features: the larger of the signal and background Pearson coefficients. */
export function maxAbsCorr(corr: CorrelationMatrices, a: string, b: string): number {
  const i = corr.features.indexOf(a), j = corr.features.indexOf(b);
  if (i < 0 || j < 0) return NaN;
  const s = Math.abs(corr.signal.pearson[i]?.[j] ?? NaN), g = Math.abs(corr.background.pearson[i]?.[j] ?? NaN);
  if (Number.isNaN(s)) return g;
  if (Number.isNaN(g)) return s;
  return Math.max(s, g);
}

/** Steps 1–3 (rank, fdr, max_corr): the ordered ranking and, per feature, a drop reason or none. */
export function prefilter(input: FilterInput): { order: RankingInput[]; reason: Map<string, string> } {
  const order = rankOrder(input.ranking, input.by);
  const reason = new Map<string, string>();
  if (input.keep.kind === 'fdr') {
    const ps = order.map((r) => {
      const p = fdrPValue(r, input.by);
      if (p === undefined) {
        throw new Error(`keep = fdr(${input.keep.kind === 'fdr' ? input.keep.q : ''}) needs a p-value for \`${input.by}\` of \`${r.feature}\`: rank by ks or anova, or set \`permutations\``);
      }
      return p;
    });
    const bh = benjaminiHochberg(ps, input.keep.q);
    order.forEach((r, i) => { if (!bh.rejected[i]) reason.set(r.feature, 'fdr'); });
  }
  if (input.maxCorr !== undefined) {
    if (!input.corr) throw new Error('max_corr needs the correlation matrices of the candidates');
    const kept: string[] = [];
    for (const r of order) {
      if (reason.has(r.feature)) continue;
      const hit = kept.find((k) => maxAbsCorr(input.corr!, k, r.feature) > input.maxCorr!);
      if (hit !== undefined) reason.set(r.feature, `max_corr with ${hit}`);
      else kept.push(r.feature);
    }
  }
  return { order, reason };
}

/** Builds the RankingEntry list from an order, the drop reasons and the selected set. */
export function entries(order: readonly RankingInput[], reason: ReadonlyMap<string, string>, selected: ReadonlySet<string>): RankingEntry[] {
  return order.map((r, i) => {
    const e: RankingEntry = { feature: r.feature, scores: { ...r.scores }, rank: i + 1, selected: selected.has(r.feature) };
    if (r.pvalues) e.pvalues = { ...r.pvalues };
    if (r.ci) e.ci = { ...r.ci };
    const why = reason.get(r.feature);
    if (why !== undefined && !e.selected) e.dropped = why;
    return e;
  });
}

/** The whole univariate selection (method `none`). */
export function selectFeatures(input: FilterInput): FilterResult {
  const { order, reason } = prefilter(input);
  const survivors = order.filter((r) => !reason.has(r.feature));
  const n = input.keep.kind === 'count' ? input.keep.n : survivors.length;
  if (input.keep.kind === 'count' && !(Number.isInteger(n) && n >= 0)) throw new RangeError(`keep must be a non-negative integer, got ${n}`);
  survivors.slice(n).forEach((r) => reason.set(r.feature, 'keep'));
  const selected = survivors.slice(0, n).map((r) => r.feature);
  return { selected, ranking: entries(order, reason, new Set(selected)), dropped: Object.fromEntries(reason) };
}
