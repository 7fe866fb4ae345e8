import { SaxesParser } from 'saxes';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  PLOT_NAMES,
  ReportPlotError,
  inputVariable,
  renderReport,
  requestedPlots,
  toJsonValue,
  type ReportInput,
  type ReportJson,
  type ReportOutput,
} from '../../../src/runtime/report/index.js';
import type { ScoreSet } from '../../../src/runtime/results.js';
import { syntheticReportInput } from './synthetic.js';

/** Parses a document as strict XML; returns the element count, throws on any error. */
function parseXml(text: string): { elements: number; root: string } {
  const p = new SaxesParser({ xmlns: true });
  let elements = 0;
  let root = '';
  let err: Error | undefined;
  p.on('error', (e) => {
    err ??= e;
  });
  p.on('opentag', (t) => {
    if (elements++ === 0) root = t.local;
  });
  p.write(text).close();
  if (err) throw err;
  return { elements, root };
}

/** Elements that draw something: paths with geometry, lines, text with content. */
function drawnMarks(svg: string): number {
  return (svg.match(/<path[^>]* d="M[^"]+"/g) ?? []).length + (svg.match(/<line /g) ?? []).length;
}

let input: ReportInput;
let out: ReportOutput;
const printed: unknown[][] = [];

beforeAll(async () => {
  input = syntheticReportInput({ events: 3000 });
  // library code must not print: vega and vega-lite warn on the console unless given a logger
  const spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((k) =>
    vi.spyOn(console, k).mockImplementation((...a: unknown[]) => {
      printed.push(a);
    }),
  );
  try {
    out = await renderReport(input);
  } finally {
    for (const s of spies) s.mockRestore();
  }
});

describe('renderReport on a synthetic HiggsML-like input', () => {
  it('prints nothing', () => {
    expect(printed).toEqual([]);
  });

  it('draws every requested plot as a well-formed, non-empty SVG document', () => {
    expect(Object.keys(out.svgs)).toEqual([...PLOT_NAMES]);
    for (const name of PLOT_NAMES) {
      const svg = out.svgs[name]!;
      const { elements, root } = parseXml(svg);
      expect(root, name).toBe('svg');
      expect(elements, name).toBeGreaterThan(50);
      expect(drawnMarks(svg), name).toBeGreaterThan(20);
      expect(svg, name).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg /);
      const w = Number(/<svg [^>]*width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1]);
      expect(w, name).toBeGreaterThan(300);
    }
  });

  it('writes legends and axis titles a physicist expects', () => {
    const roc = out.svgs.roc!;
    expect(roc).toContain('Background rejection');
    expect(roc).toContain('Signal efficiency');
    const bdt = input.models[1]!.result;
    const std = bdt.metrics_std!.auc!;
    const d = std < 0.002 ? 4 : 3; // enough decimals to show the fold spread
    const label = `bdt: AUC = ${bdt.metrics.auc.toFixed(d)} ± ${std.toFixed(d)} (test ${bdt.test!.auc.toFixed(d)})`;
    expect(roc.includes(label), label).toBe(true);
    expect(out.svgs.overtraining).toContain('Kolmogorov–Smirnov p-value');
    expect(out.svgs.scores).toContain('Signal (train)');
    expect(out.svgs.scores).toContain('Background (test)');
    expect(out.svgs.inputs).toContain('DER_mass_MMC [GeV]');
    // score distributions on a log axis labelled in powers of ten; the overtraining check linear
    expect(out.svgs.scores).toMatch(/>10⁻[¹²³]</);
    const sc = out.json.figures.scores as { models: { y_scale: { type: string; floor: number } }[] };
    expect(sc.models[0]!.y_scale.type).toBe('log');
    expect(sc.models[0]!.y_scale.floor).toBeGreaterThan(0);
    expect((out.json.figures.overtraining as { models: { y_scale: { type: string } }[] }).models[0]!.y_scale.type).toBe('linear');
    expect(out.svgs.learning).toContain('Boosting round');
    expect(out.svgs.parallel).toContain('(log)');
    expect(out.svgs.ranking).toContain('separation');
  });

  it('makes one offline HTML page with every plot inline and no external URL', () => {
    const html = out.html;
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    for (const name of PLOT_NAMES) {
      const m = new RegExp(`<section class="figure( narrow)?" id="plot-${name}" data-plot="${name}">[\\s\\S]*?</section>`).exec(html);
      expect(m, name).not.toBeNull();
      expect(m![0]).toContain('<svg ');
    }
    // the only absolute URLs are XML namespace names, which browsers never fetch
    const urls = [...html.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"')<]*/gi)].map((m) => m[0]);
    expect(urls.filter((u) => !/^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xlink)$/.test(u))).toEqual([]);
    expect(html).not.toMatch(/<script|<link |@import|src=/i);
    // ids stay unique although every SVG has its own clip paths
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has a summary table with each model metric as in the ModelResult', () => {
    for (const m of input.models) {
      const r = m.result;
      expect(out.html).toContain(`<b>${m.name}</b>`);
      expect(out.html).toContain(`test ${r.test!.auc.toFixed(3)}`);
    }
    expect(out.html).toContain('id="ranking-table"');
    expect(out.html).toContain('correlated with PRI_met_sumet');
    expect(out.html).toContain('redundant (mRMR)');
    expect(out.html).toContain('id="search-table"');
  });

  it('puts every model metric into report.json exactly as `show --json` would print it', () => {
    const json = JSON.parse(JSON.stringify(out.json)) as ReportJson;
    expect(json.format).toBe('winnow.report');
    expect(json.plots).toEqual([...PLOT_NAMES]);
    input.models.forEach((m, i) => {
      const got = json.models[i] as { name: string; metrics: Record<string, number>; test: Record<string, number>; folds: unknown[] };
      // show --json prints the result through JSON.stringify, which writes NaN as null
      expect(got).toEqual(JSON.parse(JSON.stringify(m.result)));
      expect(got.metrics.auc).toBe(m.result.metrics.auc);
      expect(got.metrics.ams).toBe(m.result.metrics.ams);
      expect(got.test.logloss).toBe(m.result.test!.logloss);
    });
    const roc = json.figures.roc as { models: { name: string; auc: number; auc_std: number; x: number[]; y: number[] }[] };
    expect(roc.models.map((m) => m.name)).toEqual(input.models.map((m) => m.name));
    expect(roc.models[0]!.auc).toBe(input.models[0]!.result.metrics.auc);
    expect(roc.models[0]!.x.length).toBe(roc.models[0]!.y.length);
    expect(roc.models[0]!.x.length).toBeGreaterThan(50);
    const ams = json.figures.ams as { models: { curve_best: { ams: number } }[] };
    // the curve's maximum is the test AMS of the model (same events, same weight scale)
    ams.models.forEach((a, i) => expect(a.curve_best.ams).toBeCloseTo(input.models[i]!.result.test!.ams, 9));
    expect(JSON.stringify(out.json)).not.toMatch(/NaN|Infinity/);
  });

  it('shows the stored KS p-values in the overtraining plot', () => {
    const ot = out.json.figures.overtraining as { models: { name: string; ks_pvalue: { signal: number; background: number; source: string } }[] };
    ot.models.forEach((m, i) => {
      const ks = input.models[i]!.result.test!.ks_overtraining!;
      expect(m.ks_pvalue.signal).toBe(ks.signal);
      expect(m.ks_pvalue.background).toBe(ks.background);
      expect(m.ks_pvalue.source).toBe('model result');
    });
  });

  it('is deterministic: the same input gives byte-identical output', async () => {
    const again = await renderReport(input);
    expect(again.html).toBe(out.html);
    expect(again.svgs).toEqual(out.svgs);
    expect(JSON.stringify(again.json)).toBe(JSON.stringify(out.json));
  });
});

describe('renderReport on unusual inputs', () => {
  it('rejects an unknown plot name, naming it', async () => {
    expect(() => requestedPlots(['roc', 'rocc'])).toThrow(ReportPlotError);
    expect(() => requestedPlots(['rocc'])).toThrow(/unknown plot `rocc`.*roc, scores/);
    expect(requestedPlots(['roc', 'ams', 'roc'])).toEqual(['roc', 'ams']);
  });

  it('draws a requested plot without data as a panel that says what is missing', async () => {
    const base = syntheticReportInput({ events: 500, plots: ['learning', 'search', 'parallel', 'ranking', 'correlation', 'inputs'] });
    const bare: ReportInput = { title: 'bare', models: [base.models[0]!], plots: base.plots };
    const r = await renderReport(bare);
    for (const p of bare.plots) {
      parseXml(r.svgs[p]!);
      expect(r.svgs[p]).toMatch(/>No [^<]+</);
      expect((r.json.figures[p] as { missing: string }).missing).toMatch(/^No /);
    }
    expect(r.svgs.learning).toContain('none of the models recorded one');
    const none = await renderReport({ title: 'empty', models: [], plots: ['roc', 'scores', 'ams'] });
    for (const p of ['roc', 'scores', 'ams']) expect(none.svgs[p]).toMatch(/>No [^<]+</);
    expect(none.html).toContain('<table>');
  });

  it('draws ROC curves in the inverse and tpr conventions', async () => {
    const base = syntheticReportInput({ events: 800, plots: ['roc'] });
    const inv = await renderReport({ ...base, options: { roc: 'inverse' } });
    expect(inv.svgs.roc).toContain('1 / background efficiency');
    const fig = inv.json.figures.roc as { models: { y: number[] }[] };
    expect(Math.max(...fig.models[1]!.y)).toBeGreaterThan(10);
    const tpr = await renderReport({ ...base, options: { roc: 'tpr' } });
    expect(tpr.svgs.roc).toContain('True positive rate');
  });

  it('handles unbounded scores, NaN scores, no test part and no train part', async () => {
    const base = syntheticReportInput({ events: 600, plots: ['roc', 'scores', 'overtraining', 'ams'] });
    const raw = (s: ScoreSet): ScoreSet => ({ ...s, score: s.score.map((v, i) => (i % 97 === 0 ? NaN : 4 * (v - 0.5))) });
    const [fisher, bdt] = base.models;
    const models = [
      // a raw discriminant: scores outside [0, 1], some NaN, evaluated on folds only
      { name: 'fisher', result: { ...fisher!.result, test: undefined }, folds: fisher!.folds!.map(raw), train: raw(fisher!.train!) },
      // test scores but no training scores and no KS stored
      { name: 'bdt', result: { ...bdt!.result, metrics: { ...bdt!.result.metrics, ks_overtraining: undefined }, test: { ...bdt!.result.test!, ks_overtraining: undefined } }, test: bdt!.test! },
    ];
    const r = await renderReport({ ...base, models });
    for (const p of base.plots) expect(drawnMarks(r.svgs[p]!), p).toBeGreaterThan(10);
    const ams = r.json.figures.ams as { overlay: boolean; models: { source: string }[] };
    expect(ams.overlay).toBe(false); // fisher's scores are not in [0, 1]: one panel per model
    expect(ams.models[0]!.source).toBe('held-out CV folds');
    const ot = r.json.figures.overtraining as { models: { name: string; ks_pvalue: { source: string } | null; range: number[] }[] };
    expect(ot.models[0]!.ks_pvalue!.source).toMatch(/computed/);
    expect(ot.models[0]!.range[0]).toBeLessThan(-1);
    expect(ot.models[1]!.ks_pvalue).toBeNull();
    expect(r.svgs.overtraining).toContain('KS p-values unavailable');
  });

  it('draws searches with failed trials, missing parameters and a minimised metric', async () => {
    const base = syntheticReportInput({ events: 300, plots: ['search', 'parallel'] });
    const trials = [
      { id: 0, params: { depth: 3, eta: 0.1 }, metric: 0.41, std: 0.01, folds: [0.4, 0.42], status: 'done' as const },
      { id: 1, params: { depth: 6 }, metric: 0.39, std: NaN, folds: [0.39], status: 'done' as const },
      { id: 2, params: { depth: 9, eta: 0.3 }, metric: NaN, std: NaN, folds: [], status: 'failed' as const },
    ];
    const search = { metric: 'logloss', direction: 'min' as const, trials, best: { id: 1, params: { depth: 6 }, metric: 0.39, std: NaN } };
    const allFailed = { ...search, trials: [trials[2]!], best: { id: 2, params: {}, metric: NaN, std: NaN } };
    const r = await renderReport({ ...base, search: [{ name: 'tune', result: search }, { name: 'broken', result: allFailed }] });
    parseXml(r.svgs.search!);
    parseXml(r.svgs.parallel!);
    expect(r.svgs.search).toContain('best: trial 1, logloss = 0.390');
    expect(r.svgs.search).toContain('1 failed (not drawn)');
    expect(r.svgs.parallel).toContain('lower is better');
    const s = r.json.figures.search as { searches: { running_best: { id: number; m: number }[] }[] };
    expect(s.searches[0]!.running_best).toEqual([{ id: 0, m: 0.41 }, { id: 1, m: 0.39 }, { id: 2, m: 0.39 }]);
  });

  it('inputVariable splits a column by class, keeping NaN and weights', () => {
    const f = (a: number[]) => Float64Array.from(a);
    const v = inputVariable('x', f([1, NaN, 3, 4]), f([1, 0, 1, 0]), f([0.5, 2, 1.5, 3]), 'GeV');
    expect(Array.from(v.signal.values)).toEqual([1, 3]);
    expect(Array.from(v.signal.weights)).toEqual([0.5, 1.5]);
    expect(Array.from(v.background.values)).toEqual([NaN, 4]);
    expect(Array.from(v.background.weights)).toEqual([2, 3]);
    expect(v.unit).toBe('GeV');
    expect(() => inputVariable('x', f([1]), f([1, 0]), f([1, 1]))).toThrow(/report input `x`/);
  });

  it('toJsonValue writes NaN as null and typed arrays as arrays', () => {
    expect(toJsonValue({ a: NaN, b: Float64Array.from([1, NaN]), c: undefined, d: [Infinity] })).toEqual({ a: null, b: [1, null], d: [null] });
  });
});
