/**
 * Result objects of the blocks, as `show --json` prints them and as reports consume them.
 *
 * May import: models/types (types only).
 * These are the shapes of LANGUAGE.md §4 (`show NAME --json`), extended. Every number is a plain
 * JSON number (NaN is written as null by the CLI).
 */
import type { LearningCurve } from './models/types.js';

export interface DatasetResult {
  rows: number;
  columns: { name: string; type: string }[];
  signal: { rows: number; weight: number };
  background: { rows: number; weight: number };
  /** Multiclass: rows and weight per class. */
  classes?: Record<string, { rows: number; weight: number }>;
  train: { rows: number };
  test: { rows: number };
}

export interface RankingEntry {
  feature: string;
  /** separation, ks, ks_pvalue, anova, anova_pvalue, mutual_info, auc, fisher, ... */
  scores: Record<string, number>;
  /** Permutation p-values per score, when `permutations` is set. */
  pvalues?: Record<string, number>;
  /** Bootstrap confidence interval (2.5 %, 97.5 %) of each score, when `bootstrap` is set. */
  ci?: Record<string, [number, number]>;
  /** 1 = best by the `by` score. */
  rank: number;
  selected: boolean;
  /** Why a variable was dropped: 'max_corr with X', 'fdr', 'keep', 'mrmr'. */
  dropped?: string;
}

export interface CorrelationMatrices {
  features: string[];
  signal: { pearson: number[][]; spearman: number[][] };
  background: { pearson: number[][]; spearman: number[][] };
}

export interface SelectResult {
  by: string;
  method: string;
  ranking: RankingEntry[];
  selected: string[];
  stability?: Record<string, number>;
  correlation?: CorrelationMatrices;
}

export interface Metrics {
  auc: number;
  /** AMS (b_reg = 10) at the best threshold. */
  ams: number;
  ams_threshold: number;
  /** AMS when the top 15 % of events (by score) are selected. */
  ams_top15: number;
  /** s / sqrt(b) at the best-AMS threshold. */
  significance: number;
  logloss: number;
  /** Signal efficiency at background rejection 0.9 and 0.99. */
  eff_at_rej90: number;
  eff_at_rej99: number;
  /** KS overtraining test p-values, train vs test scores, per class (when both are known). */
  ks_overtraining?: { signal: number; background: number };
}

/** Scores with the truth, as stored per fold and for the test part. */
export interface ScoreSet {
  score: Float64Array;
  y: Float64Array;
  w: Float64Array;
}

export interface ModelResult {
  name: string;
  algorithm: string;
  params: Record<string, unknown>;
  features: string[];
  /** Mean over CV folds (held-out), or the test part's metrics when there is no CV. */
  metrics: Metrics;
  /** Standard deviation over folds (absent without CV). */
  metrics_std?: Partial<Metrics>;
  folds: Metrics[];
  test?: Metrics;
  curves?: LearningCurve[];
  notes?: string[];
  /**
   * Multiclass: each class against the rest, in the dataset's class order, with the same fields as
   * the model's (metrics is the mean over CV folds, else the test part's). `metrics` above is their
   * macro average (the log loss is the multiclass one).
   */
  classes?: ClassMetrics[];
}

export interface ClassMetrics {
  name: string;
  metrics: Metrics;
  metrics_std?: Partial<Metrics>;
  folds: Metrics[];
  test?: Metrics;
}

export interface TrialResult {
  id: number;
  params: Record<string, unknown>;
  /** Mean over the folds that ran. */
  metric: number;
  std: number;
  folds: number[];
  status: 'done' | 'pruned' | 'failed';
  /** Why a pruned or failed trial stopped (one sentence). */
  reason?: string;
}

export interface SearchResult {
  metric: string;
  direction: 'max' | 'min';
  trials: TrialResult[];
  best: { id: number; params: Record<string, unknown>; metric: number; std: number; test?: Metrics };
}

export interface ReportResult {
  path: string;
  plots: string[];
}
