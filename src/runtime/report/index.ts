/**
 * The report: result objects in, an HTML page, one SVG per plot and report.json out.
 *
 *   const { html, svgs, json } = await renderReport(input);
 *   // the report step writes reports/NAME/index.html, NAME/<plot>.svg, NAME/report.json
 *
 * May import: report/*, results (types only). No fs, no paths, no console: the report step in
 * steps.ts writes the files (atomically) and the CLI prints the path.
 * Deterministic: the same input gives byte-identical output (no dates, no random ids), so an
 * unchanged report is an early cutoff. Async only because vega renders asynchronously.
 */
import { renderHtml } from './html.js';
import { buildFigure, type Figure } from './plots.js';
import { renderSpec } from './render.js';
import { modelColor } from './theme.js';
import {
  PLOT_NAMES,
  isPlotName,
  type PlotName,
  type ReportInput,
  type ReportInputVariable,
  type ReportJson,
  type ReportOutput,
} from './types.js';

export * from './types.js';
export { buildFigure, type Figure } from './plots.js';

/** Thrown for a plot name the report does not know (the checker should have caught it). */
export class ReportPlotError extends Error {
  constructor(readonly plot: string) {
    super(`unknown plot \`${plot}\` in report; expected one of ${PLOT_NAMES.join(', ')}`);
    this.name = 'ReportPlotError';
  }
}

/** A JSON-clean copy: NaN/±Infinity → null, typed arrays → arrays, undefined fields dropped. */
export function toJsonValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (v === null || typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => toJsonValue(x));
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : toJsonValue(x)));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJsonValue(x);
  return out;
}

/**
 * One input variable split into signal (y > 0.5) and background, for ReportInput.inputs: the
 * report step has the training part's columns, labels and weights; this sorts them by class.
 */
export function inputVariable(
  name: string,
  values: Float64Array,
  y: Float64Array,
  w: Float64Array,
  unit?: string,
): ReportInputVariable {
  if (values.length !== y.length || w.length !== y.length) {
    throw new Error(`report input \`${name}\`: values (${values.length}), y (${y.length}) and w (${w.length}) must have the same length`);
  }
  let ns = 0;
  for (let i = 0; i < y.length; i++) if (y[i]! > 0.5) ns++;
  const sv = new Float64Array(ns);
  const sw = new Float64Array(ns);
  const bv = new Float64Array(y.length - ns);
  const bw = new Float64Array(y.length - ns);
  let a = 0;
  let b = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i]! > 0.5) {
      sv[a] = values[i]!;
      sw[a++] = w[i]!;
    } else {
      bv[b] = values[i]!;
      bw[b++] = w[i]!;
    }
  }
  return { name, ...(unit ? { unit } : {}), signal: { values: sv, weights: sw }, background: { values: bv, weights: bw } };
}

/** The requested plot names, validated, duplicates dropped, in the order given. */
export function requestedPlots(plots: readonly string[]): PlotName[] {
  const out: PlotName[] = [];
  for (const p of plots) {
    if (!isPlotName(p)) throw new ReportPlotError(p);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

export async function renderReport(input: ReportInput): Promise<ReportOutput> {
  const plots = requestedPlots(input.plots);
  const figures: Figure[] = plots.map((p) => buildFigure(p, input));
  const svgs: Record<string, string> = {};
  for (const f of figures) {
    let svg: string;
    try {
      svg = await renderSpec(f.spec, f.name);
    } catch (e) {
      // a spec that vega-lite rejects is a bug in plots.ts; name the plot so it can be found
      throw new Error(`report plot \`${f.name}\` failed to render: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    svgs[f.name] = `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`;
  }
  const colors = input.models.map((_, i) => modelColor(i));
  const html = renderHtml(input, figures, svgs, colors);
  const figureData: Record<string, unknown> = {};
  for (const f of figures) figureData[f.name] = toJsonValue({ title: f.title, caption: f.caption, ...(f.data as object) });
  const json: ReportJson = {
    format: 'winnow.report',
    version: 1,
    title: input.title,
    plots,
    models: input.models.map((m) => toJsonValue({ ...m.result, name: m.result.name })),
    ...(input.select ? { select: toJsonValue(input.select) } : {}),
    ...(input.search ? { search: input.search.map((s) => toJsonValue({ name: s.name, ...s.result })) } : {}),
    ...(input.dataset ? { dataset: toJsonValue(input.dataset) } : {}),
    figures: figureData,
  };
  return { html, svgs, json };
}
