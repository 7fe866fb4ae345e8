/**
 * One builder per plot: ReportInput → Figure {vega-lite spec, the numbers it draws, a caption}.
 * Nothing here renders; render.ts compiles the specs with vega-lite and draws them with vega.
 *
 * May import: report/compute, report/theme, report/types, eval/metrics (KS fallback), results (types only).
 * Choices:
 * - Legends of mixed symbols (filled test histograms next to train points, curves with the AUC)
 *   are drawn as layers at pixel positions inside the frame, the way ROOT's TLegend sits in a
 *   plot; vega-lite's own legends are used where one symbol kind suffices (inputs, ranking,
 *   heat maps, parallel coordinates).
 * - Every number in a legend or table comes from the result objects (ModelResult.metrics,
 *   metrics_std, test); curves and bins are computed from the ScoreSets in compute.ts.
 * - A requested plot whose data is absent (no learning curves, no search) is still drawn, as a
 *   panel that says what is missing, so the page never silently drops a plot the .pipe asked for.
 */
import { overtrainingKS } from '../eval/metrics.js';
import type { Metrics, ScoreSet, SearchResult } from '../results.js';
import {
  amsCurve,
  classScores,
  concatScores,
  density,
  histogram,
  inputBinning,
  round,
  scoreRange,
  thin,
  weightedRoc,
  type DensityBin,
} from './compute.js';
import {
  BACKGROUND,
  BACKGROUND_FILL,
  SIGNAL,
  SIGNAL_FILL,
  modelColor,
  modelDash,
  textWidth,
} from './theme.js';
import type { PlotName, ReportInput, ReportModel, RocStyle } from './types.js';

/** A vega-lite spec as plain JSON (the builders write literal objects; vega-lite validates them). */
export type Spec = Record<string, unknown>;

export interface Figure {
  readonly name: PlotName;
  /** Heading on the page. */
  readonly title: string;
  /** One or two sentences under the plot: what is drawn and from which events. */
  readonly caption: string;
  readonly spec: Spec;
  /** The numbers drawn, for report.json. */
  readonly data: unknown;
}

// ---------------------------------------------------------------------------------------------
// formatting

/** A number for a legend or table: `digits` decimals, '–' for NaN/undefined. */
export function fmt(x: number | undefined | null, digits = 3): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return '–';
  return x.toFixed(digits);
}

/** A number of unknown magnitude, 3 significant digits, exponent form outside [1e-3, 1e4). */
export function fmtSig(x: number): string {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e4)) return x.toExponential(2);
  return String(Number(x.toPrecision(3)));
}

/** "p = 0.123" or "p < 0.001". */
export function pEquals(p: number | undefined): string {
  const f = fmtP(p);
  return f.startsWith('<') ? `p ${f}` : `p = ${f}`;
}

/** p-values: 3 decimals, or "< 0.001". */
export function fmtP(p: number | undefined): string {
  if (p === undefined || !Number.isFinite(p)) return '–';
  if (p < 0.001) return '< 0.001';
  return p.toFixed(3);
}

/** Decimals enough to show a spread: 3, or 4 when the spread is below 0.002. */
function decimalsFor(std: number | undefined): number {
  return std !== undefined && Number.isFinite(std) && std > 0 && std < 0.002 ? 4 : 3;
}

/** One number of decimals for a set of values shown side by side (a legend, a table column). */
export function sharedDecimals(stds: readonly (number | undefined)[]): number {
  return Math.max(3, ...stds.map(decimalsFor));
}

/** "0.912 ± 0.003" (± only when a spread over folds exists). */
export function meanStd(mean: number | undefined, std: number | undefined, digits = decimalsFor(std)): string {
  return std !== undefined && Number.isFinite(std) ? `${fmt(mean, digits)} ± ${fmt(std, digits)}` : fmt(mean, digits);
}

// ---------------------------------------------------------------------------------------------
// legends drawn inside the frame

export interface LegendEntry {
  readonly label: string;
  readonly color: string;
  readonly kind: 'area' | 'line' | 'point' | 'diamond';
  readonly dash?: readonly number[];
}

/** Where a legend sits: a corner inside the frame, centred at the top, or outside to the right. */
export type Corner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right' | 'top-center' | 'outside-right';

const LEGEND_FONT = 13;
const LEGEND_ROW = 19;
const LEGEND_PAD = 8;
const LEGEND_SYMBOL = 26;

/** Layers that draw a framed legend at a corner of a `width` × `height` plot. */
export function legendLayers(entries: readonly LegendEntry[], corner: Corner, width: number, height: number): Spec[] {
  if (entries.length === 0) return [];
  const textW = Math.max(...entries.map((e) => textWidth(e.label, LEGEND_FONT)));
  const boxW = LEGEND_PAD * 2 + LEGEND_SYMBOL + 6 + textW;
  const boxH = LEGEND_PAD * 2 + entries.length * LEGEND_ROW - 4;
  const inset = 8;
  const x0 =
    corner === 'outside-right'
      ? width + 14
      : corner === 'top-left' || corner === 'bottom-left'
        ? inset
        : corner === 'top-center'
          ? (width - boxW) / 2
          : width - inset - boxW;
  const y0 = corner === 'outside-right' ? 0 : corner.startsWith('top') ? inset : height - inset - boxH;
  const one = { values: [{}] };
  const px = (v: number) => ({ value: Math.round(v * 10) / 10 });
  const layers: Spec[] = [
    {
      data: one,
      mark: { type: 'rect', fill: '#ffffff', fillOpacity: 0.92, stroke: '#b0b0b0', strokeWidth: 1 },
      encoding: { x: px(x0), x2: px(x0 + boxW), y: px(y0), y2: px(y0 + boxH) },
    },
  ];
  entries.forEach((e, i) => {
    const cy = y0 + LEGEND_PAD + i * LEGEND_ROW + LEGEND_ROW / 2 - 2;
    const sx = x0 + LEGEND_PAD;
    if (e.kind === 'area') {
      layers.push({
        data: one,
        mark: { type: 'rect', fill: e.color, fillOpacity: 0.35, stroke: e.color, strokeWidth: 1.5 },
        encoding: { x: px(sx + 2), x2: px(sx + LEGEND_SYMBOL - 2), y: px(cy - 5), y2: px(cy + 5) },
      });
    } else if (e.kind === 'line') {
      layers.push({
        data: one,
        mark: { type: 'rule', color: e.color, strokeWidth: 2.5, ...(e.dash ? { strokeDash: [...e.dash] } : {}) },
        encoding: { x: px(sx), x2: px(sx + LEGEND_SYMBOL), y: px(cy), y2: px(cy) },
      });
    } else {
      if (e.kind === 'point') {
        layers.push({
          data: one,
          mark: { type: 'rule', color: e.color, strokeWidth: 1.5 },
          encoding: { x: px(sx + LEGEND_SYMBOL / 2), x2: px(sx + LEGEND_SYMBOL / 2), y: px(cy - 7), y2: px(cy + 7) },
        });
      }
      layers.push({
        data: one,
        mark: {
          type: 'point',
          shape: e.kind === 'diamond' ? 'diamond' : 'circle',
          filled: true,
          color: e.color,
          size: e.kind === 'diamond' ? 110 : 36,
          opacity: 1,
        },
        encoding: { x: px(sx + LEGEND_SYMBOL / 2), y: px(cy) },
      });
    }
    layers.push({
      data: one,
      mark: { type: 'text', align: 'left', baseline: 'middle', fontSize: LEGEND_FONT, color: '#000000' },
      encoding: { x: px(sx + LEGEND_SYMBOL + 6), y: px(cy), text: { value: e.label } },
    });
  });
  return layers;
}

/** A black frame drawn over the plot area (the grid would otherwise paint over the view's border). */
export function frameLayer(width: number, height: number): Spec {
  return {
    data: { values: [{}] },
    mark: { type: 'rect', fill: '#ffffff', fillOpacity: 0, stroke: '#000000', strokeWidth: 1 },
    encoding: { x: { value: 0 }, x2: { value: width }, y: { value: 0 }, y2: { value: height } },
  };
}

/** A panel that says what is missing, for a requested plot without data. */
export function missingFigure(name: PlotName, title: string, reason: string): Figure {
  const w = Math.max(460, textWidth(reason, 14) + 40);
  return {
    name,
    title,
    caption: reason,
    data: { missing: reason },
    spec: {
      width: Math.ceil(w),
      height: 70,
      view: { stroke: '#bbbbbb', strokeDash: [4, 3] },
      data: { values: [{}] },
      mark: { type: 'text', fontSize: 14, color: '#666666', align: 'center', baseline: 'middle' },
      encoding: { x: { value: Math.ceil(w) / 2 }, y: { value: 35 }, text: { value: reason } },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// which events a model is judged on

interface EvalSet {
  readonly set: ScoreSet;
  /** 'test sample' or 'held-out CV folds'. */
  readonly source: string;
}

function evalSet(m: ReportModel): EvalSet | undefined {
  if (m.test && m.test.score.length > 0) return { set: m.test, source: 'test sample' };
  if (m.folds && m.folds.length > 0) return { set: concatScores(m.folds), source: 'held-out CV folds' };
  return undefined;
}

function sources(list: readonly EvalSet[]): string {
  return [...new Set(list.map((e) => e.source))].join(' / ');
}

/** "AUC = 0.912 ± 0.003 (test 0.910)", from the ModelResult, with `digits` decimals. */
function metricLabel(m: ReportModel, key: 'auc' | 'ams', name: string, digits: number): string {
  const r = m.result;
  const cv = r.metrics_std !== undefined && r.folds.length > 0;
  const main = meanStd(r.metrics[key], cv ? r.metrics_std?.[key] : undefined, digits);
  const test = r.test && cv ? ` (test ${fmt(r.test[key], digits)})` : '';
  return `${m.name}: ${name} = ${main}${test}`;
}

/** Decimals shared by a legend of models' `key` values. */
function legendDecimals(models: readonly ReportModel[], key: 'auc' | 'ams'): number {
  return sharedDecimals(models.map((m) => (m.result.folds.length > 0 ? m.result.metrics_std?.[key] : undefined)));
}

const modelNames = (input: ReportInput) => input.models.map((m) => m.name);
const colorScale = (input: ReportInput) => ({
  domain: modelNames(input),
  range: input.models.map((_, i) => modelColor(i)),
});
const dashScale = (input: ReportInput) => ({
  domain: modelNames(input),
  range: input.models.map((_, i) => modelDash(i)),
});

// ---------------------------------------------------------------------------------------------
// roc

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/** Log-axis ticks at the powers of ten in [min, max] (10⁻², 10⁻¹, 1, 10, 10², …), labelled with superscripts as in physics papers. */
function powersOfTenAxis(max: number, min = 1): Spec {
  const exps: number[] = [];
  for (let e = Math.ceil(Math.log10(min) - 1e-9); 10 ** e <= max * 1.0001 && exps.length < 16; e++) exps.push(e);
  const sup = (e: number) => [...String(e)].map((d) => (d === '-' ? '⁻' : SUPERSCRIPT[Number(d)])).join('');
  const label = (e: number) => (e === 0 ? '1' : e === 1 ? '10' : `10${sup(e)}`);
  // compare in log space: 10 ** -3 is not exactly the tick value vega computes for 1e-3
  const expr = exps.reduceRight((acc, e) => `abs(log(datum.value) / LN10 - (${e})) < 1e-6 ? '${label(e)}' : ${acc}`, "''");
  return { values: exps.map((e) => Number(`1e${e}`)), labelExpr: expr, grid: true };
}

export function rocFigure(input: ReportInput): Figure {
  const style: RocStyle = input.options?.roc ?? 'rejection';
  const rows: Record<string, unknown>[] = [];
  const models: unknown[] = [];
  const entries: LegendEntry[] = [];
  const used: EvalSet[] = [];
  let yMax = 1;
  input.models.forEach((m, mi) => {
    const ev = evalSet(m);
    if (!ev) return;
    used.push(ev);
    const roc = weightedRoc(ev.set);
    if (roc.effS.length === 0) return;
    let xs: number[];
    let ys: number[];
    if (style === 'inverse') {
      const keep = thin(roc.effS, roc.effB, { dx: 0.003, dy: 1, dlog: 0.015 });
      xs = [];
      ys = [];
      for (const k of keep) {
        if (roc.effB[k]! > 0) {
          xs.push(round(roc.effS[k]!));
          ys.push(round(1 / roc.effB[k]!));
        }
      }
      for (const y of ys) yMax = Math.max(yMax, y);
    } else {
      const keep = thin(roc.effS, roc.effB, { dx: 0.002, dy: 0.002 });
      if (style === 'rejection') {
        xs = keep.map((k) => round(roc.effS[k]!));
        ys = keep.map((k) => round(1 - roc.effB[k]!));
      } else {
        xs = keep.map((k) => round(roc.effB[k]!));
        ys = keep.map((k) => round(roc.effS[k]!));
      }
    }
    xs.forEach((x, i) => rows.push({ model: m.name, x, y: ys[i], i }));
    const label = metricLabel(m, 'auc', 'AUC', legendDecimals(input.models, 'auc'));
    entries.push({ label, color: modelColor(mi), kind: 'line', dash: modelDash(mi) });
    models.push({
      name: m.name,
      source: ev.source,
      events: ev.set.score.length,
      legend: label,
      auc: m.result.metrics.auc,
      auc_std: m.result.metrics_std?.auc ?? null,
      test_auc: m.result.test?.auc ?? null,
      curve_auc: roc.auc,
      x: xs,
      y: ys,
    });
  });
  if (rows.length === 0) return missingFigure('roc', 'ROC curves', 'No ROC curve: no model has test or held-out fold scores.');
  const W = 440;
  const H = 400;
  const axes =
    style === 'rejection'
      ? {
          x: { title: 'Signal efficiency', domain: [0, 1] },
          y: { title: 'Background rejection (1 − background efficiency)', domain: [0, 1] },
          diag: [
            { x: 0, y: 1 },
            { x: 1, y: 0 },
          ],
          corner: 'bottom-left' as Corner,
        }
      : style === 'tpr'
        ? {
            x: { title: 'False positive rate (background efficiency)', domain: [0, 1] },
            y: { title: 'True positive rate (signal efficiency)', domain: [0, 1] },
            diag: [
              { x: 0, y: 0 },
              { x: 1, y: 1 },
            ],
            corner: 'bottom-right' as Corner,
          }
        : {
            x: { title: 'Signal efficiency', domain: [0, 1] },
            y: { title: 'Background rejection (1 / background efficiency)', domain: [1, 10 ** Math.ceil(Math.log10(yMax * 1.5))] },
            diag: Array.from({ length: 51 }, (_, i) => ({ x: Math.max(i / 50, 1e-3), y: 1 / Math.max(i / 50, 1e-3) })),
            corner: 'top-right' as Corner,
          };
  const yScale = style === 'inverse' ? { type: 'log', domain: axes.y.domain } : { domain: axes.y.domain, nice: false };
  const xEnc = { field: 'x', type: 'quantitative', scale: { domain: axes.x.domain, nice: false }, axis: { title: axes.x.title } };
  const yEnc = {
    field: 'y',
    type: 'quantitative',
    scale: yScale,
    axis: style === 'inverse' ? { title: axes.y.title, ...powersOfTenAxis(axes.y.domain[1]!) } : { title: axes.y.title },
  };
  const src = sources(used);
  return {
    name: 'roc',
    title: 'ROC curves',
    caption:
      `${style === 'rejection' ? 'Background rejection versus signal efficiency' : style === 'tpr' ? 'True versus false positive rate' : 'Inverse background efficiency versus signal efficiency'}` +
      ` on the ${src}, event weights applied. Legend: AUC from the model results, mean ± standard deviation over the CV folds, with the test-sample value in brackets. The dashed grey line is a random classifier.`,
    data: { style, models },
    spec: {
      width: W,
      height: H,
      title: { text: 'ROC curves', subtitle: src },
      layer: [
        {
          data: { values: axes.diag },
          mark: { type: 'line', color: '#9a9a9a', strokeWidth: 1, strokeDash: [4, 4], clip: true },
          encoding: { x: xEnc, y: yEnc },
        },
        {
          data: { values: rows },
          mark: { type: 'line', strokeWidth: 2.2, clip: true },
          encoding: {
            x: xEnc,
            y: yEnc,
            color: { field: 'model', type: 'nominal', scale: colorScale(input), legend: null },
            strokeDash: { field: 'model', type: 'nominal', scale: dashScale(input), legend: null },
            order: { field: 'i', type: 'quantitative' },
          },
        },
        ...legendLayers(entries, axes.corner, W, H),
        frameLayer(W, H),
      ],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// scores and overtraining

interface ClassBins {
  readonly signal: DensityBin[];
  readonly background: DensityBin[];
}

function classDensity(set: ScoreSet, lo: number, hi: number, nbins: number): ClassBins {
  const s = classScores(set, true);
  const b = classScores(set, false);
  return {
    signal: density(histogram(s.score, s.w, lo, hi, nbins)),
    background: density(histogram(b.score, b.w, lo, hi, nbins)),
  };
}

/** Rows for a filled step histogram, closed at both ends (vega sorts by x stably, so the ends stay in place). */
function stepRows(bins: readonly DensityBin[], extra: Record<string, unknown>): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  if (bins.length === 0) return rows;
  rows.push({ ...extra, x: round(bins[0]!.lo, 6), d: 0 });
  for (const b of bins) rows.push({ ...extra, x: round(b.lo, 6), d: round(b.density) });
  const last = bins[bins.length - 1]!;
  rows.push({ ...extra, x: round(last.hi, 6), d: round(last.density) });
  rows.push({ ...extra, x: round(last.hi, 6), d: 0 });
  return rows;
}

function binsJson(bins: readonly DensityBin[]) {
  return {
    lo: bins.map((b) => round(b.lo, 6)),
    hi: bins.map((b) => round(b.hi, 6)),
    density: bins.map((b) => round(b.density)),
    error: bins.map((b) => round(b.error)),
  };
}

function ksOf(m: ReportModel, ev: EvalSet | undefined): { signal: number; background: number; source: string } | undefined {
  const stored: Metrics['ks_overtraining'] = m.result.test?.ks_overtraining ?? m.result.metrics.ks_overtraining;
  if (stored) return { ...stored, source: 'model result' };
  if (!m.train || !ev) return undefined;
  return { ...overtrainingKS(ev.set, m.train), source: 'computed by the report (eval/metrics overtrainingKS)' };
}

export function scoreFigure(input: ReportInput, overtraining: boolean): Figure {
  const name: PlotName = overtraining ? 'overtraining' : 'scores';
  const title = overtraining ? 'Overtraining check' : 'Score distributions';
  const nbins = input.options?.scoreBins ?? 40;
  const panels: Spec[] = [];
  const models: unknown[] = [];
  const used: EvalSet[] = [];
  const multi = input.models.length > 1;
  const W = multi ? 400 : 460;
  const H = multi ? 290 : 330;
  for (const m of input.models) {
    const ev = evalSet(m);
    if (!ev && !m.train) continue;
    if (ev) used.push(ev);
    const arrays = [ev?.set.score, m.train?.score].filter((a): a is Float64Array => a !== undefined);
    const [lo, hi] = scoreRange(arrays);
    const test = ev ? classDensity(ev.set, lo, hi, nbins) : undefined;
    const train = m.train ? classDensity(m.train, lo, hi, nbins) : undefined;
    const ks = overtraining ? ksOf(m, ev) : undefined;
    let ymax = 0;
    for (const bins of [test?.signal, test?.background]) for (const b of bins ?? []) ymax = Math.max(ymax, b.density);
    for (const bins of [train?.signal, train?.background])
      for (const b of bins ?? []) ymax = Math.max(ymax, b.density + b.error);
    if (!(ymax > 0)) ymax = 1;
    // `scores` uses a log y axis (HEP's usual view of score tails); `overtraining` stays linear
    // like TMVA's check. On the log axis, empty bins sit on the floor, 4 decades below the peak at
    // most, and the top third of the frame is left free for the legend.
    const logY = !overtraining;
    let floor = 0;
    if (logY) {
      let minPos = Infinity;
      for (const bins of [test?.signal, test?.background, train?.signal, train?.background])
        for (const b of bins ?? []) if (b.density > 0) minPos = Math.min(minPos, b.density);
      floor = 10 ** Math.floor(Math.log10(Math.max(Number.isFinite(minPos) ? minPos : ymax * 1e-4, ymax * 1e-4)));
    }
    const yTop = logY ? ymax * (ymax / floor) ** 0.55 : ymax * 1.5;
    const clampY = (v: number) => (logY ? Math.max(v, floor) : v);
    const testLabel = ev?.source === 'test sample' ? 'test' : 'held-out';
    const entries: LegendEntry[] = [];
    const layers: Spec[] = [];
    const xEnc = {
      field: 'x',
      type: 'quantitative',
      scale: { domain: [lo, hi], nice: false },
      axis: { title: `${m.name} score` },
    };
    const yEnc = {
      field: 'd',
      type: 'quantitative',
      scale: logY ? { type: 'log', domain: [floor, yTop], nice: false } : { domain: [0, yTop], nice: false },
      axis: logY ? { title: '(1/N) dN/dx', ...powersOfTenAxis(yTop, floor) } : { title: '(1/N) dN/dx' },
    };
    const clsColor = (fill: boolean) => ({
      field: 'cls',
      type: 'nominal',
      scale: { domain: ['Signal', 'Background'], range: fill ? [SIGNAL_FILL, BACKGROUND_FILL] : [SIGNAL, BACKGROUND] },
      legend: null,
    });
    if (test) {
      const rows = [
        ...stepRows(test.background, { cls: 'Background' }),
        ...stepRows(test.signal, { cls: 'Signal' }),
      ].map((r) => ({ ...r, d: clampY(r.d as number), base: floor }));
      layers.push({
        data: { values: rows },
        mark: { type: 'area', interpolate: 'step-after', fillOpacity: 0.35, line: { strokeWidth: 1.8 }, clip: true },
        encoding: {
          x: xEnc,
          y: { ...yEnc, stack: null },
          ...(logY ? { y2: { field: 'base' } } : {}),
          color: clsColor(false),
          detail: { field: 'cls', type: 'nominal' },
        },
      });
      entries.push({ label: `Signal (${testLabel})`, color: SIGNAL, kind: 'area' });
      entries.push({ label: `Background (${testLabel})`, color: BACKGROUND, kind: 'area' });
    }
    if (train) {
      const pts: Record<string, unknown>[] = [];
      for (const [cls, bins] of [
        ['Signal', train.signal],
        ['Background', train.background],
      ] as const) {
        for (const b of bins) {
          if (b.density <= 0 && (logY || b.error === 0)) continue;
          pts.push({
            cls,
            x: round((b.lo + b.hi) / 2, 6),
            d: round(b.density),
            lo: round(clampY(b.density - b.error)),
            hi: round(b.density + b.error),
          });
        }
      }
      layers.push({
        data: { values: pts },
        mark: { type: 'rule', strokeWidth: 1.3, clip: true },
        encoding: { x: xEnc, y: { ...yEnc, field: 'lo' }, y2: { field: 'hi' }, color: clsColor(false) },
      });
      layers.push({
        data: { values: pts },
        mark: { type: 'point', shape: 'circle', filled: true, size: 26, opacity: 1, clip: true },
        encoding: { x: xEnc, y: yEnc, color: clsColor(false) },
      });
      const ksS = ks ? `, KS ${pEquals(ks.signal)}` : '';
      const ksB = ks ? `, KS ${pEquals(ks.background)}` : '';
      entries.push({ label: `Signal (train${ksS})`, color: SIGNAL, kind: 'point' });
      entries.push({ label: `Background (train${ksB})`, color: BACKGROUND, kind: 'point' });
    }
    layers.push(...legendLayers(entries, 'top-center', W, H), frameLayer(W, H));
    const subtitle = overtraining
      ? ks
        ? `Kolmogorov–Smirnov p-value (train vs ${testLabel}): signal ${fmtP(ks.signal)}, background ${fmtP(ks.background)}`
        : 'KS p-values unavailable: needs train and test scores'
      : `${ev ? ev.source : 'training sample'}, ${nbins} bins, event weights applied`;
    panels.push({ width: W, height: H, title: { text: m.name, subtitle }, layer: layers });
    models.push({
      name: m.name,
      range: [lo, hi],
      bins: nbins,
      y_scale: logY ? { type: 'log', floor, top: yTop } : { type: 'linear', top: yTop },
      test_source: ev?.source ?? null,
      test: test ? { signal: binsJson(test.signal), background: binsJson(test.background) } : null,
      train: train ? { signal: binsJson(train.signal), background: binsJson(train.background) } : null,
      ...(overtraining ? { ks_pvalue: ks ? { signal: ks.signal, background: ks.background, source: ks.source } : null } : {}),
    });
  }
  if (panels.length === 0) return missingFigure(name, title, 'No score distributions: no model has scores.');
  const caption = overtraining
    ? `Classifier scores of the training events (points, statistical errors) against the ${sources(used) || 'test sample'} (filled), per class, each normalised to unit area. A small Kolmogorov–Smirnov p-value (below about 0.01) means the two differ more than chance allows: the model may be overtrained.`
    : `Signal and background score distributions, normalised to unit area, on a logarithmic scale to show the tails: the ${sources(used) || 'test sample'} filled, the training events as points with statistical errors.`;
  const spec: Spec = panels.length === 1 ? panels[0]! : { columns: 2, concat: panels };
  return { name, title, caption, spec, data: { models } };
}

// ---------------------------------------------------------------------------------------------
// ams

export function amsFigure(input: ReportInput): Figure {
  const breg = input.options?.amsBreg ?? 10;
  const items: { m: ReportModel; mi: number; ev: EvalSet; lo: number; hi: number }[] = [];
  input.models.forEach((m, mi) => {
    const ev = evalSet(m);
    if (!ev) return;
    const [lo, hi] = scoreRange([ev.set.score]);
    items.push({ m, mi, ev, lo, hi });
  });
  if (items.length === 0) return missingFigure('ams', 'AMS', 'No AMS curve: no model has test or held-out fold scores.');
  const overlay = items.every((it) => it.lo === 0 && it.hi === 1);
  const groups = overlay ? [items] : items.map((it) => [it]);
  const panels: Spec[] = [];
  const models: unknown[] = [];
  const W = overlay ? 460 : 400;
  const H = overlay ? 330 : 290;
  for (const group of groups) {
    const rows: Record<string, unknown>[] = [];
    const best: Record<string, unknown>[] = [];
    const entries: LegendEntry[] = [];
    let ymax = 0;
    for (const { m, mi, ev, lo, hi } of group) {
      const c = amsCurve(ev.set, breg, m.amsScale);
      const t = Array.from(c.threshold, (v) => round(v, 6));
      const a = Array.from(c.ams, (v) => round(v));
      t.forEach((x, i) => rows.push({ model: m.name, x, y: a[i] }));
      best.push({ model: m.name, x: round(c.best.threshold, 6), y: round(c.best.ams), y0: 0 });
      ymax = Math.max(ymax, c.best.ams, ...a);
      const label = metricLabel(m, 'ams', 'AMS', legendDecimals(input.models, 'ams'));
      entries.push({ label, color: modelColor(mi), kind: 'line', dash: modelDash(mi) });
      models.push({
        name: m.name,
        source: ev.source,
        legend: label,
        ams: m.result.metrics.ams,
        ams_std: m.result.metrics_std?.ams ?? null,
        ams_threshold: m.result.metrics.ams_threshold,
        test_ams: m.result.test?.ams ?? null,
        curve: { threshold: t, ams: a },
        curve_best: { threshold: c.best.threshold, ams: c.best.ams, s: c.best.s, b: c.best.b },
      });
    }
    const lo = Math.min(...group.map((g) => g.lo));
    const hi = Math.max(...group.map((g) => g.hi));
    const xEnc = {
      field: 'x',
      type: 'quantitative',
      scale: { domain: [lo, hi], nice: false },
      axis: { title: overlay ? 'Threshold on score' : `Threshold on ${group[0]!.m.name} score` },
    };
    const yEnc = { field: 'y', type: 'quantitative', scale: { domain: [0, (ymax || 1) * 1.35], nice: false }, axis: { title: 'AMS' } };
    const color = { field: 'model', type: 'nominal', scale: colorScale(input), legend: null };
    panels.push({
      width: W,
      height: H,
      title: overlay
        ? { text: 'AMS versus threshold', subtitle: `${sources(group.map((g) => g.ev))}, b_reg = ${breg}; diamonds mark the best cut` }
        : { text: group[0]!.m.name, subtitle: `${group[0]!.ev.source}, b_reg = ${breg}` },
      layer: [
        {
          data: { values: rows },
          mark: { type: 'line', strokeWidth: 2.2, clip: true },
          encoding: { x: xEnc, y: yEnc, color, strokeDash: { field: 'model', type: 'nominal', scale: dashScale(input), legend: null } },
        },
        {
          data: { values: best },
          mark: { type: 'rule', strokeDash: [2, 3], strokeWidth: 1 },
          encoding: { x: xEnc, y: { ...yEnc, field: 'y0' }, y2: { field: 'y' }, color },
        },
        {
          data: { values: best },
          mark: { type: 'point', shape: 'diamond', filled: true, size: 90, opacity: 1, stroke: '#ffffff', strokeWidth: 1 },
          encoding: { x: xEnc, y: yEnc, color },
        },
        ...legendLayers(entries, 'top-left', W, H),
        frameLayer(W, H),
      ],
    });
  }
  return {
    name: 'ams',
    title: 'Approximate median significance',
    caption: `AMS = √(2((s+b+b_reg) ln(1+s/(b+b_reg)) − s)) of the cut "score ≥ threshold", with s and b the selected signal and background weights of the ${sources(items.map((i) => i.ev))}. Legend values are the models' AMS at their best threshold (mean ± standard deviation over the CV folds, test value in brackets).`,
    spec: panels.length === 1 ? panels[0]! : { columns: 2, concat: panels },
    data: { breg, overlay, models },
  };
}

// ---------------------------------------------------------------------------------------------
// ranking

export function rankingFigure(input: ReportInput): Figure {
  const sel = input.select;
  if (!sel || sel.ranking.length === 0)
    return missingFigure('ranking', 'Variable ranking', 'No variable ranking: the report has no select block.');
  const by = sel.by;
  const ranking = [...sel.ranking].sort((a, b) => a.rank - b.rank);
  const order = ranking.map((r) => r.feature);
  const rows = ranking.map((r) => {
    const v = r.scores[by];
    const ci = r.ci?.[by];
    return {
      feature: r.feature,
      rank: r.rank,
      value: v !== undefined && Number.isFinite(v) ? v : null,
      lo: ci ? ci[0] : null,
      hi: ci ? ci[1] : null,
      status: r.selected ? 'selected' : 'not selected',
      stability: sel.stability?.[r.feature] ?? null,
    };
  });
  const H = Math.max(160, 21 * rows.length);
  const yEnc = {
    field: 'feature',
    type: 'nominal',
    scale: { domain: order, paddingInner: 0.25 },
    axis: { title: null, labelFontSize: 13, grid: false, labelLimit: 300 },
  };
  const status = {
    field: 'status',
    type: 'nominal',
    scale: { domain: ['selected', 'not selected'], range: [SIGNAL, '#c9c9c9'] },
    legend: { title: null, orient: 'bottom', direction: 'horizontal', symbolType: 'square' },
  };
  const hasCi = rows.some((r) => r.lo !== null);
  const main: Spec = {
    width: 380,
    height: H,
    view: { stroke: null },
    title: { text: `Ranking by ${by}`, subtitle: hasCi ? 'bars: full training part; whiskers: bootstrap 95 % interval' : `method: ${sel.method}` },
    layer: [
      {
        data: { values: rows },
        mark: { type: 'bar' },
        encoding: {
          y: yEnc,
          x: { field: 'value', type: 'quantitative', axis: { title: by, orient: 'bottom', tickCount: 5, labelFlush: false } },
          color: status,
        },
      },
      ...(hasCi
        ? [
            {
              data: { values: rows.filter((r) => r.lo !== null) },
              mark: { type: 'rule', color: '#000000', strokeWidth: 1.4 },
              encoding: { y: yEnc, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } },
            },
            {
              data: { values: rows.filter((r) => r.lo !== null) },
              mark: { type: 'tick', color: '#000000', orient: 'vertical', size: 9, thickness: 1.4 },
              encoding: { y: yEnc, x: { field: 'hi', type: 'quantitative' } },
            },
            {
              data: { values: rows.filter((r) => r.lo !== null) },
              mark: { type: 'tick', color: '#000000', orient: 'vertical', size: 9, thickness: 1.4 },
              encoding: { y: yEnc, x: { field: 'lo', type: 'quantitative' } },
            },
          ]
        : []),
    ],
  };
  const panels: Spec[] = [main];
  if (sel.stability) {
    panels.push({
      width: 170,
      height: H,
      view: { stroke: null },
      title: { text: 'Stability', subtitle: 'fraction of bootstraps selecting it' },
      data: { values: rows },
      mark: { type: 'bar' },
      encoding: {
        y: { ...yEnc, axis: { title: null, labels: false, ticks: false, grid: false } },
        x: { field: 'stability', type: 'quantitative', scale: { domain: [0, 1], nice: false }, axis: { title: 'selected in', format: '.0%', tickCount: 4 } },
        color: status,
      },
    });
  }
  return {
    name: 'ranking',
    title: 'Variable ranking',
    caption: `Variables ordered by ${by} on the training part (selection method ${sel.method}); the ${sel.selected.length} selected variables are blue.${hasCi ? ' Whiskers: 95 % bootstrap intervals.' : ''}${sel.stability ? ' Right: how often each variable was selected in the bootstrap resamples.' : ''}`,
    spec: panels.length === 1 ? main : { hconcat: panels, spacing: 12, resolve: { scale: { color: 'shared' } } },
    data: { by, method: sel.method, rows },
  };
}

// ---------------------------------------------------------------------------------------------
// correlation

export function correlationFigure(input: ReportInput): Figure {
  const corr = input.select?.correlation;
  if (!corr || corr.features.length === 0)
    return missingFigure('correlation', 'Correlation matrices', 'No correlation matrices: the selection did not record them.');
  let idx = corr.features.map((_, i) => i);
  const selected = new Set(input.select?.selected ?? []);
  let restricted = false;
  if (idx.length > 30 && selected.size > 0) {
    idx = idx.filter((i) => selected.has(corr.features[i]!));
    restricted = true;
  }
  const features = idx.map((i) => corr.features[i]!);
  const n = features.length;
  const cell = Math.max(14, Math.min(34, Math.floor(420 / n)));
  const annotate = n <= 24;
  const panel = (cls: 'signal' | 'background'): Spec => {
    const m = corr[cls].pearson;
    const rows: Record<string, unknown>[] = [];
    for (const a of idx) {
      for (const b of idx) {
        const r = m[a]?.[b] ?? NaN;
        rows.push({
          a: corr.features[a],
          b: corr.features[b],
          r: Number.isFinite(r) ? round(r, 4) : null,
          label: Number.isFinite(r) ? String(Math.round(100 * r)) : '',
          dark: Number.isFinite(r) && Math.abs(r) > 0.55,
        });
      }
    }
    const x = { field: 'a', type: 'nominal', scale: { domain: features }, axis: { title: null, labelAngle: -90, labelFontSize: 12, grid: false, labelLimit: 300 } };
    // the background matrix shares the signal matrix's row order, so only the first shows the names
    const y = {
      field: 'b',
      type: 'nominal',
      scale: { domain: features },
      axis: cls === 'signal' ? { title: null, labelFontSize: 12, grid: false, labelLimit: 300 } : { title: null, labels: false, ticks: false, grid: false },
    };
    return {
      width: cell * n,
      height: cell * n,
      title: { text: cls === 'signal' ? 'Signal' : 'Background', color: cls === 'signal' ? SIGNAL : BACKGROUND },
      data: { values: rows },
      layer: [
        {
          mark: { type: 'rect', stroke: '#ffffff', strokeWidth: 0.5 },
          encoding: {
            x,
            y,
            color: {
              field: 'r',
              type: 'quantitative',
              scale: { domain: [-1, 1], scheme: 'redblue', reverse: true },
              legend: { title: 'correlation', orient: 'right', gradientLength: Math.min(240, cell * n), format: '.1f' },
            },
          },
        },
        ...(annotate
          ? [
              {
                mark: { type: 'text', fontSize: cell >= 26 ? 11 : cell >= 20 ? 10 : 9 },
                encoding: {
                  x,
                  y,
                  text: { field: 'label' },
                  color: { condition: { test: 'datum.dark', value: '#ffffff' }, value: '#000000' },
                },
              },
            ]
          : []),
      ],
    };
  };
  const pick = (m: number[][]) => idx.map((a) => idx.map((b) => m[a]?.[b] ?? null));
  return {
    name: 'correlation',
    title: 'Correlation matrices',
    caption: `Linear (Pearson) correlation coefficients of the ${restricted ? 'selected ' : ''}input variables, weighted, for signal and background separately${annotate ? '; the numbers are the coefficients in %' : ''}.`,
    spec: { hconcat: [panel('signal'), panel('background')], spacing: 16, resolve: { scale: { color: 'shared' } } },
    data: { features, signal: { pearson: pick(corr.signal.pearson) }, background: { pearson: pick(corr.background.pearson) } },
  };
}

// ---------------------------------------------------------------------------------------------
// inputs

export function inputsFigure(input: ReportInput): Figure {
  const vars = input.inputs ?? [];
  if (vars.length === 0) return missingFigure('inputs', 'Input variables', 'No input distributions: the report was given no input variables.');
  const nbinsDefault = input.options?.inputBins ?? 40;
  const panels: Spec[] = [];
  const out: unknown[] = [];
  for (const v of vars) {
    const bin = inputBinning([v.signal.values, v.background.values], nbinsDefault);
    const hs = histogram(v.signal.values, v.signal.weights, bin.lo, bin.hi, bin.nbins);
    const hb = histogram(v.background.values, v.background.weights, bin.lo, bin.hi, bin.nbins);
    const ds = density(hs);
    const db = density(hb);
    const totS = sum(v.signal.weights);
    const totB = sum(v.background.weights);
    const missS = totS !== 0 ? hs.missing / totS : 0;
    const missB = totB !== 0 ? hb.missing / totB : 0;
    let ymax = 0;
    for (const b of [...ds, ...db]) ymax = Math.max(ymax, b.density);
    const rows = [...stepRows(db, { cls: 'Background' }), ...stepRows(ds, { cls: 'Signal' })];
    const subtitle =
      missS > 0 || missB > 0 ? `missing: ${pct(missS)} S, ${pct(missB)} B` : bin.discrete ? 'integer valued' : '';
    panels.push({
      width: 215,
      height: 150,
      // a blank subtitle keeps the panels of a row aligned when only some have one
      title: { text: v.unit ? `${v.name} [${v.unit}]` : v.name, fontSize: 14, subtitle: subtitle || '\u00a0', subtitleFontSize: 11 },
      data: { values: rows },
      mark: { type: 'area', interpolate: 'step-after', fillOpacity: 0.3, line: { strokeWidth: 1.5 } },
      encoding: {
        x: {
          field: 'x',
          type: 'quantitative',
          scale: { domain: [bin.lo, bin.hi], nice: false, zero: false },
          axis: { title: null, labelFontSize: 11, tickCount: 5 },
        },
        y: {
          field: 'd',
          type: 'quantitative',
          stack: null,
          scale: { domain: [0, (ymax || 1) * 1.15], nice: false },
          axis: { title: '(1/N) dN/dx', labelFontSize: 11, titleFontSize: 12, tickCount: 4, format: '~g' },
        },
        color: {
          field: 'cls',
          type: 'nominal',
          scale: { domain: ['Signal', 'Background'], range: [SIGNAL, BACKGROUND] },
          legend: { title: null, orient: 'top', direction: 'horizontal', symbolType: 'square', labelFontSize: 14 },
        },
        detail: { field: 'cls', type: 'nominal' },
      },
    });
    out.push({
      name: v.name,
      unit: v.unit ?? null,
      binning: bin,
      signal: { ...binsJson(ds), underflow: hs.underflow, overflow: hs.overflow, missing: hs.missing, missing_fraction: missS },
      background: { ...binsJson(db), underflow: hb.underflow, overflow: hb.overflow, missing: hb.missing, missing_fraction: missB },
    });
  }
  return {
    name: 'inputs',
    title: 'Input variables',
    caption:
      'Weighted distributions of the input variables on the training part, signal (blue) and background (red), each normalised to unit area. Ranges cover the 0.1–99.9 % quantiles when the tails are long; integer variables get one bin per value. Missing values are not drawn; their fraction is given under the name.',
    spec: vars.length === 1 ? panels[0]! : { columns: 4, concat: panels, spacing: 18, resolve: { scale: { color: 'shared' } } },
    data: { variables: out },
  };
}

function sum(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}
function pct(f: number): string {
  return `${(100 * f).toFixed(f < 0.1 ? 1 : 0)} %`;
}

// ---------------------------------------------------------------------------------------------
// learning

export function learningFigure(input: ReportInput): Figure {
  const panels: Spec[] = [];
  const models: unknown[] = [];
  input.models.forEach((m, mi) => {
    const curves = m.result.curves ?? [];
    if (curves.length === 0) return;
    const unit = curves[0]!.unit;
    const metric = curves[0]!.metric;
    const mean = (key: 'train' | 'valid') => {
      const list = curves.map((c) => c[key]).filter((a) => a.length > 0);
      if (list.length === 0) return [];
      const len = Math.min(...list.map((a) => a.length));
      return Array.from({ length: len }, (_, i) => list.reduce((s, a) => s + a[i]!, 0) / list.length);
    };
    const train = mean('train');
    const valid = mean('valid');
    const rows: Record<string, unknown>[] = [];
    train.forEach((v, i) => rows.push({ step: i + 1, v: round(v), split: 'training' }));
    valid.forEach((v, i) => rows.push({ step: i + 1, v: round(v), split: 'validation' }));
    let bestStep: number | null = null;
    if (valid.length > 0) {
      let b = 0;
      valid.forEach((v, i) => {
        if (v < valid[b]!) b = i;
      });
      bestStep = b + 1;
    }
    models.push({ name: m.name, unit, metric, fits: curves.length, train: train.map((v) => round(v)), valid: valid.map((v) => round(v)), best_step: bestStep });
    const W = 400;
    const H = 260;
    const validColor = modelColor(mi) === '#000000' ? SIGNAL : modelColor(mi);
    const entries: LegendEntry[] = [
      ...(train.length ? [{ label: 'training', color: '#555555', kind: 'line' as const }] : []),
      ...(valid.length ? [{ label: 'validation', color: validColor, kind: 'line' as const, dash: [7, 3] }] : []),
    ];
    const x = {
      field: 'step',
      type: 'quantitative',
      scale: { domain: [1, Math.max(train.length, valid.length, 2)], nice: false },
      axis: { title: unit === 'epoch' ? 'Epoch' : 'Boosting round', tickMinStep: 1 },
    };
    const y = { field: 'v', type: 'quantitative', scale: { zero: false }, axis: { title: metric } };
    panels.push({
      width: W,
      height: H,
      title: { text: m.name, subtitle: `${metric} per ${unit}${curves.length > 1 ? `, mean over ${curves.length} fits` : ''}` },
      layer: [
        {
          data: { values: rows.filter((r) => r.split === 'training') },
          mark: { type: 'line', strokeWidth: 2.2, color: '#555555' },
          encoding: { x, y },
        },
        {
          data: { values: rows.filter((r) => r.split === 'validation') },
          mark: { type: 'line', strokeWidth: 2.2, color: validColor, strokeDash: [7, 3] },
          encoding: { x, y },
        },
        ...(bestStep !== null
          ? [
              {
                data: { values: [{ step: bestStep }] },
                mark: { type: 'rule', color: '#888888', strokeDash: [2, 3] },
                encoding: { x },
              },
            ]
          : []),
        ...legendLayers(entries, 'top-right', W, H),
        frameLayer(W, H),
      ],
    });
  });
  if (panels.length === 0)
    return missingFigure('learning', 'Learning curves', 'No learning curves: none of the models recorded one (gbdt and mlp do; fisher has none).');
  return {
    name: 'learning',
    title: 'Learning curves',
    caption: 'Loss on the training and validation events after each boosting round or epoch; the dotted line marks the lowest validation loss. Diverging curves signal overtraining.',
    spec: panels.length === 1 ? panels[0]! : { columns: 2, concat: panels },
    data: { models },
  };
}

// ---------------------------------------------------------------------------------------------
// search

function better(r: SearchResult, a: number, b: number): boolean {
  return r.direction === 'max' ? a > b : a < b;
}

export function searchFigure(input: ReportInput): Figure {
  const searches = input.search ?? [];
  if (searches.length === 0) return missingFigure('search', 'Search history', 'No search history: the report lists no search.');
  const panels: Spec[] = [];
  const out: unknown[] = [];
  for (const { name, result: r } of searches) {
    const trials = [...r.trials].sort((a, b) => a.id - b.id);
    const pts = trials
      .filter((t) => Number.isFinite(t.metric))
      .map((t) => ({
        id: t.id,
        m: t.metric,
        lo: Number.isFinite(t.std) ? t.metric - t.std : t.metric,
        hi: Number.isFinite(t.std) ? t.metric + t.std : t.metric,
        status: t.status === 'done' ? 'trial' : 'pruned',
      }));
    const running: { id: number; m: number }[] = [];
    let cur: number | undefined;
    for (const t of trials) {
      if (t.status === 'done' && Number.isFinite(t.metric) && (cur === undefined || better(r, t.metric, cur))) cur = t.metric;
      if (cur !== undefined) running.push({ id: t.id, m: cur });
    }
    const failed = trials.filter((t) => t.status === 'failed' || !Number.isFinite(t.metric)).length;
    const W = 460;
    const H = 300;
    // trial numbers are integers: tick every trial when there are few, else integer ticks only
    const ids = trials.map((t) => t.id);
    const xAxis = ids.length <= 12 ? { title: 'Trial', values: ids, format: 'd' } : { title: 'Trial', tickMinStep: 1, format: 'd' };
    const x = { field: 'id', type: 'quantitative', scale: { nice: false, padding: 12 }, axis: xAxis };
    const y = { field: 'm', type: 'quantitative', scale: { zero: false, padding: 14 }, axis: { title: r.metric } };
    const entries: LegendEntry[] = [
      { label: 'trial: mean ± std over folds', color: SIGNAL, kind: 'point' },
      ...(pts.some((p) => p.status === 'pruned') ? [{ label: 'pruned', color: '#a0a0a0', kind: 'point' as const }] : []),
      { label: `best so far (${r.direction === 'max' ? 'maximum' : 'minimum'})`, color: '#e69f00', kind: 'line' },
      { label: `best: trial ${r.best.id}, ${r.metric} = ${meanStd(r.best.metric, r.best.std)}`, color: '#d55e00', kind: 'diamond' },
    ];
    panels.push({
      width: W,
      height: H,
      title: { text: name, subtitle: `${trials.length} trials${failed ? `, ${failed} failed (not drawn)` : ''}` },
      layer: [
        {
          data: { values: running },
          mark: { type: 'line', interpolate: 'step-after', color: '#e69f00', strokeWidth: 2 },
          encoding: { x, y },
        },
        {
          data: { values: pts },
          mark: { type: 'rule', strokeWidth: 1.2 },
          encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' }, color: { field: 'status', type: 'nominal', scale: { domain: ['trial', 'pruned'], range: [SIGNAL, '#a0a0a0'] }, legend: null } },
        },
        {
          data: { values: pts },
          mark: { type: 'point', filled: true, size: 40, opacity: 1 },
          encoding: { x, y, color: { field: 'status', type: 'nominal', scale: { domain: ['trial', 'pruned'], range: [SIGNAL, '#a0a0a0'] }, legend: null } },
        },
        {
          data: { values: [{ id: r.best.id, m: r.best.metric }] },
          mark: { type: 'point', shape: 'diamond', filled: true, size: 160, color: '#d55e00', opacity: 1, stroke: '#ffffff', strokeWidth: 1 },
          encoding: { x, y },
        },
        ...legendLayers(entries, 'outside-right', W, H),
        frameLayer(W, H),
      ],
    });
    out.push({ name, metric: r.metric, direction: r.direction, trials: pts, running_best: running, best: r.best, failed });
  }
  return {
    name: 'search',
    title: 'Search history',
    caption: 'Cross-validated metric of each hyperparameter trial (mean ± standard deviation over the folds), in the order the trials were proposed, with the best value found so far.',
    spec: panels.length === 1 ? panels[0]! : { columns: 2, concat: panels },
    data: { searches: out },
  };
}

// ---------------------------------------------------------------------------------------------
// parallel coordinates

interface Axis {
  name: string;
  kind: 'linear' | 'log' | 'category';
  min?: number;
  max?: number;
  categories?: string[];
  pos: (v: unknown) => number | null;
}

function paramKey(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function makeAxis(name: string, values: unknown[]): Axis {
  const nums = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (nums.length === values.length && nums.length > 0) {
    const min = Math.min(...nums);
    const max = Math.max(...nums);
    // log axis for values spread over decades and bunched at the low end (a loguniform draw), not
    // for a uniform draw that merely starts near 0 (dropout in (0, 0.5))
    const sorted = [...nums].sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
    const log = min > 0 && max / min >= 20 && (median - min) / (max - min) < 0.2;
    const f = log ? Math.log : (v: number) => v;
    const span = f(max) - f(min);
    return {
      name,
      kind: log ? 'log' : 'linear',
      min,
      max,
      pos: (v) => (typeof v === 'number' && Number.isFinite(v) ? (span > 0 ? (f(v) - f(min)) / span : 0.5) : null),
    };
  }
  const cats: string[] = [];
  for (const v of values) if (v !== undefined && !cats.includes(paramKey(v))) cats.push(paramKey(v));
  return {
    name,
    kind: 'category',
    categories: cats,
    pos: (v) => {
      if (v === undefined) return null;
      const k = cats.indexOf(paramKey(v));
      return cats.length > 1 ? k / (cats.length - 1) : 0.5;
    },
  };
}

export function parallelFigure(input: ReportInput): Figure {
  const searches = input.search ?? [];
  if (searches.length === 0) return missingFigure('parallel', 'Parallel coordinates', 'No parallel coordinates: the report lists no search.');
  const panels: Spec[] = [];
  const out: unknown[] = [];
  for (const { name, result: r } of searches) {
    const trials = r.trials.filter((t) => Number.isFinite(t.metric));
    const names: string[] = [];
    for (const t of r.trials) for (const k of Object.keys(t.params)) if (!names.includes(k)) names.push(k);
    const axes = names.map((n) => makeAxis(n, trials.map((t) => t.params[n])));
    axes.push(makeAxis(r.metric, trials.map((t) => t.metric)));
    const axisNames = axes.map((a) => a.name);
    const lines: Record<string, unknown>[] = [];
    for (const t of trials) {
      axes.forEach((a, ai) => {
        const p = ai < names.length ? a.pos(t.params[a.name]) : a.pos(t.metric);
        if (p !== null) lines.push({ trial: t.id, axis: a.name, p: round(p, 4), metric: t.metric, best: t.id === r.best.id });
      });
    }
    const ticks: Record<string, unknown>[] = [];
    for (const a of axes) {
      if (a.kind === 'category') a.categories!.forEach((c) => ticks.push({ axis: a.name, p: a.pos(c), label: c }));
      else {
        ticks.push({ axis: a.name, p: 0, label: fmtSig(a.min!) });
        if (a.max !== a.min) ticks.push({ axis: a.name, p: 1, label: fmtSig(a.max!) });
        if (a.kind === 'log') ticks.push({ axis: a.name, p: 0.5, label: `${fmtSig(Math.sqrt(a.min! * a.max!))} (log)` });
      }
    }
    const W = Math.max(420, 150 * axes.length);
    const x = { field: 'axis', type: 'ordinal', scale: { type: 'point', domain: axisNames, padding: 0.3 }, axis: { title: null, orient: 'bottom', labelFontSize: 14, labelAngle: 0, grid: false, ticks: false, domain: false, labelPadding: 10 } };
    const y = { field: 'p', type: 'quantitative', scale: { domain: [0, 1], nice: false, padding: 10 }, axis: null };
    panels.push({
      width: W,
      height: 300,
      view: { stroke: null },
      title: { text: name, subtitle: `${trials.length} trials; colour: ${r.metric} (${r.direction === 'max' ? 'higher' : 'lower'} is better); thick black line: best trial ${r.best.id}` },
      layer: [
        {
          data: { values: axisNames.map((a) => ({ axis: a })) },
          mark: { type: 'rule', color: '#555555', strokeWidth: 1.2 },
          encoding: { x, y: { datum: 0, type: 'quantitative', scale: y.scale, axis: null }, y2: { datum: 1 } },
        },
        {
          data: { values: lines.filter((l) => !l.best) },
          mark: { type: 'line', strokeWidth: 1.8, opacity: 0.85 },
          encoding: {
            x,
            y,
            detail: { field: 'trial', type: 'nominal' },
            color: {
              field: 'metric',
              type: 'quantitative',
              scale: { scheme: 'viridis', reverse: r.direction === 'min' },
              legend: { title: r.metric, orient: 'right', gradientLength: 200 },
            },
          },
        },
        {
          data: { values: lines.filter((l) => l.best) },
          mark: { type: 'line', strokeWidth: 4, color: '#000000' },
          encoding: { x, y },
        },
        // tick labels with a white halo, so the lines passing behind them don't hide them
        {
          data: { values: ticks },
          mark: { type: 'text', align: 'left', dx: 6, baseline: 'middle', fontSize: 12, stroke: '#ffffff', strokeWidth: 4, strokeJoin: 'round', color: '#ffffff' },
          encoding: { x, y, text: { field: 'label' } },
        },
        {
          data: { values: ticks },
          mark: { type: 'text', align: 'left', dx: 6, baseline: 'middle', fontSize: 12, color: '#111111' },
          encoding: { x, y, text: { field: 'label' } },
        },
      ],
    });
    out.push({
      name,
      metric: r.metric,
      direction: r.direction,
      axes: axes.map((a) => ({ name: a.name, kind: a.kind, min: a.min ?? null, max: a.max ?? null, categories: a.categories ?? null })),
      trials: trials.map((t) => ({ id: t.id, params: t.params, metric: t.metric })),
    });
  }
  return {
    name: 'parallel',
    title: 'Parallel coordinates',
    caption: 'One line per trial through its hyperparameter values and its metric, coloured by the metric. Each axis spans the values tried; a numeric axis is logarithmic (marked log) when its values cover more than a factor 20 and bunch at the low end, as a log-uniform draw does.',
    spec: panels.length === 1 ? panels[0]! : { vconcat: panels },
    data: { searches: out },
  };
}

/** The figure of one plot name. */
export function buildFigure(name: PlotName, input: ReportInput): Figure {
  switch (name) {
    case 'roc':
      return rocFigure(input);
    case 'scores':
      return scoreFigure(input, false);
    case 'overtraining':
      return scoreFigure(input, true);
    case 'ams':
      return amsFigure(input);
    case 'ranking':
      return rankingFigure(input);
    case 'correlation':
      return correlationFigure(input);
    case 'inputs':
      return inputsFigure(input);
    case 'learning':
      return learningFigure(input);
    case 'search':
      return searchFigure(input);
    case 'parallel':
      return parallelFigure(input);
  }
}
