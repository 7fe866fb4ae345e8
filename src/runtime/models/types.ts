/**
 * The interface every learning algorithm implements (fisher, gbdt, bdt_tmva, mlp).
 *
 * May import: nothing but types.
 * Data is column-major (one Float64Array per feature, NaN = missing), because tables are columnar
 * and the GBDT and the statistics read one feature at a time; an algorithm that wants rows (the MLP)
 * packs them itself. Fitting is a pure function of (data, params, seed): no fs, no clock, no global
 * randomness, so a fit is a cacheable DAG step and bit-identical for any `--jobs`.
 */

export interface TrainData {
  /** Number of rows. */
  readonly n: number;
  /** One array of length n per feature. */
  readonly columns: readonly Float64Array[];
  readonly featureNames: readonly string[];
  /** Class index per row: binary 0 = background, 1 = signal; multiclass 0..K-1. */
  readonly y: Float64Array;
  /** Event weights (may be negative, as in NLO Monte Carlo). */
  readonly w: Float64Array;
  /** Number of classes (2 for binary). */
  readonly nClasses: number;
}

export interface FitContext {
  /** Seed for every random choice of the fit. */
  readonly seed: number;
  /** Optional validation part, for early stopping and learning curves. */
  readonly valid?: TrainData;
  readonly signal?: AbortSignal;
  /** Progress in [0, 1] with an optional message (for the CLI's live display). */
  readonly progress?: (fraction: number, message?: string) => void;
  /** Worker threads the algorithm may use (1 = none). */
  readonly threads?: number;
}

export interface LearningCurve {
  /** 'epoch' (MLP) or 'round' (GBDT/BDT). */
  readonly unit: 'epoch' | 'round';
  readonly train: readonly number[];
  readonly valid: readonly number[];
  readonly metric: string; // 'logloss'
}

export interface TrainedModel {
  readonly algorithm: string;
  readonly featureNames: readonly string[];
  readonly nClasses: number;
  /**
   * Scores for n rows given column-major features (same order as featureNames).
   * Binary: one score per row, higher = more signal-like (a probability for gbdt/mlp).
   * Multiclass: n * nClasses row-major probabilities.
   */
  predict(columns: readonly Float64Array[], n: number): Float64Array;
  /** Plain JSON (no typed arrays, no NaN) that `fromJSON` of the same algorithm restores. */
  toJSON(): unknown;
  readonly curve?: LearningCurve;
  /** Notes for the user, e.g. "imputed 12 missing values with the training mean". */
  readonly notes?: readonly string[];
}

export interface Algorithm {
  readonly name: string;
  /** Bump when the same inputs would give different bytes. */
  readonly version: number;
  /** Validates and fills defaults; throws AlgorithmParamError naming the parameter. */
  normalize(params: Readonly<Record<string, unknown>>): Record<string, unknown>;
  fit(data: TrainData, params: Readonly<Record<string, unknown>>, ctx: FitContext): Promise<TrainedModel>;
  fromJSON(json: unknown): TrainedModel;
}

export class AlgorithmParamError extends Error {
  constructor(readonly param: string, message: string) {
    super(message);
    this.name = 'AlgorithmParamError';
  }
}
