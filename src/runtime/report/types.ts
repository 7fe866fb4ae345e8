/**
 * The input and output shapes of the report: what the report step hands to `renderReport`, and
 * what it gets back to write (`reports/NAME/index.html`, one `<plot>.svg` per plot, `report.json`).
 *
 * May import: results (types only).
 * The report is a pure function of these values: no paths, keys or cache here. Score arrays are the
 * raw per-event scores (ScoreSet), so the report draws ROC curves and histograms from the events
 * themselves, while every summary number (AUC, AMS, …) is taken verbatim from the ModelResult, so
 * report.json agrees with `show --json` to the last bit.
 */
import type { DatasetResult, ModelResult, ScoreSet, SearchResult, SelectResult } from '../results.js';

/**
 * Version of the rendering: bump it when the same input would give different bytes (a new plot
 * style, a table column), and use it in the report step's version so cached reports are redrawn.
 */
export const REPORT_VERSION = 2;

/** Every plot a `report` block may list, in the order the page shows them. */
export const PLOT_NAMES = [
  'roc',
  'scores',
  'overtraining',
  'ams',
  'ranking',
  'correlation',
  'inputs',
  'learning',
  'search',
  'parallel',
] as const;
export type PlotName = (typeof PLOT_NAMES)[number];

export function isPlotName(name: string): name is PlotName {
  return (PLOT_NAMES as readonly string[]).includes(name);
}

/** Values with event weights (NaN = missing; missing values are counted, not drawn). */
export interface WeightedSample {
  readonly values: Float64Array;
  readonly weights: Float64Array;
}

/** One model as the report sees it: its result object plus the per-event scores it was judged on. */
export interface ReportModel {
  /** The name the report block lists (`bdt`, `nn_tune.best`). */
  readonly name: string;
  readonly result: ModelResult;
  /** Scores of the test part (drawn filled in score plots; the ROC and AMS curves use it when present). */
  readonly test?: ScoreSet;
  /** Scores of the training events by the final fit (drawn as points with error bars). */
  readonly train?: ScoreSet;
  /** Held-out scores of each CV fold (used for the curves when there is no test part). */
  readonly folds?: readonly ScoreSet[];
  /**
   * Weight factors the model's AMS was computed with (eval/metrics MetricsOptions signalScale and
   * backgroundScale, e.g. total/evaluated weight per class), so the AMS curve peaks at
   * ModelResult.metrics.ams. Default 1 and 1.
   */
  readonly amsScale?: { readonly signal: number; readonly background: number };
  /**
   * Set on the rows of a multiclass model's classes, each against the rest (signal = the class,
   * background = the rest): the model's name. Such a model's own row has no scores.
   */
  readonly classOf?: string;
}

/** Signal and background values of one input variable (training part), for the `inputs` plot. */
export interface ReportInputVariable {
  readonly name: string;
  readonly signal: WeightedSample;
  readonly background: WeightedSample;
  /** Unit for the axis label, e.g. 'GeV'. */
  readonly unit?: string;
}

export interface ReportSearch {
  /** The search block's name (`nn_tune`). */
  readonly name: string;
  readonly result: SearchResult;
}

/**
 * How the ROC curve is drawn:
 * - 'rejection': background rejection (1 − ε_B) vs signal efficiency ε_S (TMVA's convention, the default);
 * - 'inverse':   1/ε_B on a log axis vs ε_S (the ATLAS/CMS tagging convention);
 * - 'tpr':       true-positive rate vs false-positive rate (the machine-learning convention).
 */
export type RocStyle = 'rejection' | 'inverse' | 'tpr';

export interface ReportOptions {
  readonly roc?: RocStyle;
  /** Bins of score histograms (default 40). */
  readonly scoreBins?: number;
  /** Bins of input-variable histograms (default 40). */
  readonly inputBins?: number;
  /** b_reg of the AMS curve (default 10, as in the HiggsML challenge and Metrics.ams). */
  readonly amsBreg?: number;
}

export interface ReportInput {
  /** The report block's name, shown as the page title. */
  readonly title: string;
  /** Models in the order the report block lists them (this is also the colour order). */
  readonly models: readonly ReportModel[];
  /** The selection whose ranking, stability and correlations are drawn (ranking, correlation). */
  readonly select?: SelectResult;
  /** Input variables to draw (usually the selected ones). */
  readonly inputs?: readonly ReportInputVariable[];
  readonly search?: readonly ReportSearch[];
  /** Dataset summary for the page header (rows and weights per class). */
  readonly dataset?: DatasetResult;
  /** Plots to draw, as listed in the `.pipe` file; the page keeps this order. */
  readonly plots: readonly string[];
  readonly options?: ReportOptions;
}

export interface ReportOutput {
  /** One self-contained HTML page (CSS and SVG inline, no external URL). */
  readonly html: string;
  /** One standalone SVG document per requested plot, keyed by plot name. */
  readonly svgs: Record<string, string>;
  /** Every number the page shows (plain JSON: no NaN, no typed arrays). */
  readonly json: ReportJson;
}

export interface ReportJson {
  readonly format: 'winnow.report';
  readonly version: 1;
  readonly title: string;
  readonly plots: readonly string[];
  /** The models' result objects as given (NaN written as null), minus nothing. */
  readonly models: readonly unknown[];
  readonly select?: unknown;
  readonly search?: readonly unknown[];
  readonly dataset?: unknown;
  /** The data behind each figure: curve points, histogram bins, the numbers in legends. */
  readonly figures: Record<string, unknown>;
}
