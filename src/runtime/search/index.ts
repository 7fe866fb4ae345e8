/**
 * Hyperparameter search, the pure domain part: spaces, proposals (grid, random, bayes/TPE),
 * trial planning, pruning and result summaries. The front door: the rest of the runtime imports
 * search only through this file.
 *
 * May import: ./*, lang/program (types), runtime/results (types), util/rng.
 *
 * Trials run as DAG steps elsewhere (steps.ts / graph/plan.ts): the integrator asks a `TrialPlanner`
 * which trials are known, keys each trial × fold by `key` (= `paramsKey(params)`) plus model, data
 * and folds, feeds outcomes back, asks `shouldPrune` after each fold against the trials
 * `0..pruneAgainst-1`, and finally calls `summarize`. Nothing here sees a key, the cache or the
 * console, and nothing depends on timing: same inputs, same trials, under any --jobs.
 */
export {
  type Params,
  type SpaceProblem,
  MAX_GRID_POINTS,
  checkSpace,
  describeDist,
  dimGridValues,
  gridPoint,
  gridPoints,
  gridSize,
  paramsKey,
  sampleRandom,
  valueKey,
} from './space.js';
export { type Direction, type Observation, type TrialStatus, type TpeOptions, erfc, proposeTpe, tpeGamma, tpeLogPdf, tpeSplit, tpeWeights } from './tpe.js';
export { type ProposeOptions, type Strategy, propose } from './propose.js';
export {
  type PlanOptions,
  type PlannedTrial,
  type TrialOutcome,
  type TrialPlan,
  TrialPlanner,
  planTrials,
  trialCount,
} from './plan.js';
export { type PruneDecision, type PruneOptions, type PruneReference, medianOf, shouldPrune } from './prune.js';
export { type TrialRecord, METRIC_DIRECTION, isBetter, meanStd, metricDirection, summarize } from './summary.js';
