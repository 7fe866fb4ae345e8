/**
 * The `report` step: model results, scores, the selection and searches -> HTML, SVGs and JSON.
 *
 * May import: report (pure rendering), eval/metrics (one class against the rest), steps/common, steps/models (types).
 * The output is bytes in the cache like every step's; the CLI writes them to reports/NAME/ after the
 * build (atomically), so a report is rebuilt when, and only when, something it shows changed.
 */
import type { ModelResult, SearchResult, SelectResult, CorrelationMatrices } from '../results.js';
import type { ReportInput, ReportModel, ReportOutput } from '../report/types.js';
import { REPORT_VERSION } from '../report/types.js';
import { take, valueStep, type DatasetValue, type GatherValue, type SplitValue } from './common.js';
import type { FitValue, MultiSet } from './models.js';

interface ReportParams { name: string; models: string[]; plots: string[] }

export const reportStep = valueStep<ReportOutput>('report', 100 + REPORT_VERSION, async (inputs, p: ReportParams) => {
  const { renderReport } = await import('../report/index.js');
  const models: ReportModel[] = [];
  const searches: { name: string; result: SearchResult }[] = [];
  for (const name of p.models) {
    const ev = inputs[`eval:${name}`] as ModelResult | undefined;
    if (!ev) continue;
    const full = inputs[`full:${name}`] as FitValue;
    const foldFits: FitValue[] = [];
    for (let f = 0; inputs[`fold:${name}:${f}`] !== undefined; f++) foldFits.push(inputs[`fold:${name}:${f}`] as FitValue);
    if (ev.classes !== undefined && full.multi !== undefined && ev.classes.length === full.nClasses) {
      // Multiclass: the model's row (macro averages, learning curves, notes) draws no scores, which
      // would be one class's; each class against the rest follows as a row with its own curves.
      models.push({ name, result: { ...ev, name } });
      const { oneVsRest } = await import('../eval/metrics.js');
      const K = full.nClasses;
      const heldSets = foldFits.map((v) => v.multi!.held!);
      ev.classes.forEach((c, k) => {
        const vsRest = (s: MultiSet) => oneVsRest(s.prob, s.y, s.w, K, k);
        const label = `${name} [${c.name} vs rest]`;
        const result: ModelResult = { name: label, algorithm: ev.algorithm, params: ev.params, features: ev.features, metrics: c.metrics, ...(c.metrics_std ? { metrics_std: c.metrics_std } : {}), folds: c.folds, ...(c.test ? { test: c.test } : {}) };
        models.push({ name: label, classOf: name, result, ...(full.multi!.held ? { test: vsRest(full.multi!.held) } : {}), train: vsRest(full.multi!.train), folds: heldSets.map(vsRest) });
      });
    } else models.push({ name, result: { ...ev, name }, test: full.heldout, train: full.train, folds: foldFits.map((v) => v.heldout!) });
    if (name.endsWith('.best')) {
      const s = inputs[`search:${name.slice(0, -5)}`] as SearchResult | undefined;
      if (s) searches.push({ name: name.slice(0, -5), result: s });
    }
  }
  let select = inputs.select as SelectResult | undefined;
  const corr = inputs.corr as CorrelationMatrices | undefined;
  if (select && corr) {
    // Show the correlations of the selected variables (all candidates when nothing was dropped).
    const keep = select.selected.length >= 2 ? select.selected : corr.features;
    const idx = keep.map((f) => corr.features.indexOf(f)).filter((i) => i >= 0);
    const sub = (m: number[][]) => idx.map((i) => idx.map((j) => m[i]![j]!));
    select = { ...select, correlation: { features: idx.map((i) => corr.features[i]!), signal: { pearson: sub(corr.signal.pearson), spearman: sub(corr.signal.spearman) }, background: { pearson: sub(corr.background.pearson), spearman: sub(corr.background.spearman) } } };
  }
  let vars: ReportInput['inputs'];
  const X = inputs.X as GatherValue | undefined, data = inputs.data as DatasetValue | undefined, split = inputs.split as SplitValue | undefined;
  if (X && data && split) {
    const sig: number[] = [], bkg: number[] = [];
    for (const i of split.train) (data.y[i] === 1 ? sig : bkg).push(i);
    const si = Int32Array.from(sig), bi = Int32Array.from(bkg);
    vars = X.names.map((name, k) => ({
      name,
      signal: { values: take(X.columns[k]!, si), weights: take(data.w, si) },
      background: { values: take(X.columns[k]!, bi), weights: take(data.w, bi) },
    }));
  }
  return renderReport({
    title: p.name,
    models,
    select,
    inputs: vars,
    search: searches,
    dataset: data ? { ...data.summary, columns: [], train: { rows: split?.train.length ?? data.rows }, test: { rows: split?.test.length ?? 0 } } : undefined,
    plots: p.plots,
  });
});
