/**
 * The report page: one self-contained HTML document (CSS inline, SVG plots inline, no script, no
 * external URL) with a model summary table, the figures in the order the report block lists them,
 * a ranking table and the best search trials.
 *
 * May import: report/plots (formatting), report/types, results (types only).
 * Every cell's number comes from the result objects; report.json carries the same values.
 * Figures are `<section class="figure" data-plot="NAME">` so a browser test can find each plot.
 */
import type { Metrics, ModelResult } from '../results.js';
import { fmt, fmtP, fmtSig, meanStd, sharedDecimals, type Figure } from './plots.js';
import type { ReportInput } from './types.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
*{box-sizing:border-box}
body{margin:0;font-family:Helvetica,Arial,sans-serif;color:#1a1a1a;background:#f3f4f6;line-height:1.45}
header{background:#14213d;color:#fff;padding:22px 40px 16px}
header .brand{font-size:13px;letter-spacing:.12em;text-transform:uppercase;color:#9fb3d9}
header h1{margin:4px 0 6px;font-size:30px;font-weight:600}
header .meta{margin:0;color:#d6def0;font-size:15px}
nav{background:#1f2f52;padding:8px 40px;position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;gap:4px 20px}
nav a{color:#e8eefb;text-decoration:none;font-size:14px;white-space:nowrap}
nav a:hover{text-decoration:underline}
main{max-width:1360px;margin:0 auto;padding:24px 28px 40px}
section{background:#fff;border:1px solid #dde1e8;border-radius:6px;padding:18px 24px 16px;margin:0 0 22px}
h2{font-size:21px;margin:0 0 12px;color:#14213d}
h2 .tag{font-size:13px;font-weight:normal;color:#667;margin-left:10px}
.plot{overflow-x:auto}
.plot svg{display:block;max-width:100%;height:auto}
.caption{color:#444;font-size:14px;margin:10px 0 0;max-width:960px}
.figure.narrow .body{display:flex;flex-wrap:wrap;align-items:flex-start;gap:8px 36px}
.figure.narrow .side{flex:1 1 280px;max-width:460px;padding-top:40px}
.figure.narrow .caption{margin-top:0}
.files{font-size:13px;color:#667;margin:6px 0 0}
.files a{color:#2f5ca8}
table{border-collapse:collapse;font-size:14px;font-variant-numeric:tabular-nums}
th,td{padding:6px 12px;text-align:right;border-bottom:1px solid #e6e8ee;vertical-align:top;white-space:nowrap}
th{background:#f6f7fa;color:#223;font-weight:600;border-bottom:2px solid #c9cfdb}
th:first-child,td:first-child,td.l,th.l{text-align:left}
td .sub{display:block;color:#6b7280;font-size:12.5px}
td.best{font-weight:700}
td.warn{color:#c0392b;font-weight:600}
tr.dropped td{color:#8a8f99}
td.by,th.by{background:#eef3fb}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:7px;vertical-align:-1px}
.notes{font-size:13.5px;color:#444;margin:10px 0 0;padding-left:18px}
.scroll{overflow-x:auto}
footer{color:#777;font-size:13px;text-align:center;padding:0 0 30px}
@media print{nav{display:none}body{background:#fff}section{border:none;break-inside:avoid}}
`;

type Key = 'auc' | 'ams' | 'significance' | 'logloss' | 'eff_at_rej90' | 'eff_at_rej99';
const COLUMNS: { key: Key; head: string; higher: boolean }[] = [
  { key: 'auc', head: 'AUC', higher: true },
  { key: 'ams', head: 'AMS', higher: true },
  { key: 'significance', head: 'Z = s/√b', higher: true },
  { key: 'logloss', head: 'Log-loss', higher: false },
  { key: 'eff_at_rej90', head: 'ε<sub>S</sub> at 90 % rej.', higher: true },
  { key: 'eff_at_rej99', head: 'ε<sub>S</sub> at 99 % rej.', higher: true },
];

function hasCv(r: ModelResult): boolean {
  return r.folds.length > 0 && r.metrics_std !== undefined;
}

/** The value a column ranks models by: the test value when there is one, else the CV mean. */
function headline(r: ModelResult, key: Key): number {
  return (r.test ?? r.metrics)[key];
}

function summaryTable(input: ReportInput, colors: string[]): string {
  const best = new Map<Key, number>();
  for (const c of COLUMNS) {
    const vals = input.models.map((m) => headline(m.result, c.key)).filter((v) => Number.isFinite(v));
    if (vals.length > 1) best.set(c.key, c.higher ? Math.max(...vals) : Math.min(...vals));
  }
  // one number of decimals per column, enough to show the smallest fold spread in it
  const digits = new Map<Key, number>(
    COLUMNS.map((c) => [c.key, sharedDecimals(input.models.map((m) => (hasCv(m.result) ? m.result.metrics_std?.[c.key] : undefined)))]),
  );
  const rows = input.models.map((m, i) => {
    const r = m.result;
    const cv = hasCv(r);
    const cells = COLUMNS.map((c) => {
      const isBest = best.get(c.key) === headline(r, c.key);
      const d = digits.get(c.key)!;
      const main = cv ? meanStd(r.metrics[c.key], r.metrics_std?.[c.key], d) : fmt(r.metrics[c.key], d);
      const sub = cv && r.test ? `<span class="sub">test ${fmt(r.test[c.key], d)}</span>` : '';
      return `<td class="${isBest ? 'best' : ''}">${main}${sub}</td>`;
    });
    const ks: Metrics['ks_overtraining'] = r.test?.ks_overtraining ?? r.metrics.ks_overtraining;
    const ksCell = ks
      ? `<td class="${Math.min(ks.signal, ks.background) < 0.01 ? 'warn' : ''}">${fmtP(ks.signal)} / ${fmtP(ks.background)}</td>`
      : '<td>–</td>';
    const evalOn = cv ? `${r.folds.length}-fold CV${r.test ? ' + test' : ''}` : r.test ? 'test' : '–';
    return `<tr><td class="l"><span class="swatch" style="background:${colors[i]}"></span><b>${escapeHtml(m.name)}</b></td><td class="l">${escapeHtml(r.algorithm)}</td><td>${r.features.length}</td><td class="l">${evalOn}</td>${cells.join('')}${ksCell}</tr>`;
  });
  const head = `<tr><th>Model</th><th class="l">Algorithm</th><th>Inputs</th><th class="l">Evaluated on</th>${COLUMNS.map((c) => `<th>${c.head}</th>`).join('')}<th>KS p (S / B)</th></tr>`;
  return `<div class="scroll"><table>${head}${rows.join('')}</table></div>`;
}

/** Decimals for a table column: about three significant digits for its largest value. */
function columnDecimals(values: readonly number[]): number {
  const max = Math.max(0, ...values.filter((v) => Number.isFinite(v)).map(Math.abs));
  if (max >= 100) return 0;
  if (max >= 10) return 1;
  if (max >= 1) return 2;
  if (max >= 0.01 || max === 0) return 3;
  return Math.min(6, 2 - Math.floor(Math.log10(max)));
}

/** Why a variable was not selected, in words (RankingEntry.dropped). */
export function droppedReason(d: string | undefined): string {
  if (d === undefined) return 'not selected';
  if (d === 'keep') return 'beyond keep';
  if (d === 'mrmr') return 'redundant (mRMR)';
  if (d === 'fdr') return 'not significant (FDR)';
  if (d.startsWith('max_corr with ')) return `correlated with ${d.slice('max_corr with '.length)}`;
  return d;
}

function rankingTable(input: ReportInput): string {
  const sel = input.select;
  if (!sel) return '';
  const keys: string[] = [];
  for (const r of sel.ranking) for (const k of Object.keys(r.scores)) if (!keys.includes(k)) keys.push(k);
  const ranking = [...sel.ranking].sort((a, b) => a.rank - b.rank);
  const hasCi = ranking.some((r) => r.ci?.[sel.by]);
  const hasStab = sel.stability !== undefined;
  const head = `<tr><th>Rank</th><th class="l">Variable</th>${keys.map((k) => `<th class="${k === sel.by ? 'by' : ''}">${escapeHtml(k)}</th>`).join('')}${hasCi ? `<th>${escapeHtml(sel.by)} 95 % CI</th>` : ''}${hasStab ? '<th>Stability</th>' : ''}<th class="l">Selected</th></tr>`;
  const digits = new Map(keys.map((k) => [k, columnDecimals(ranking.map((r) => r.scores[k] ?? NaN))]));
  const num = (k: string, v: number | undefined) => (v !== undefined ? fmt(v, digits.get(k)!) : '–');
  const rows = ranking.map((r) => {
    const ci = r.ci?.[sel.by];
    const stab = sel.stability?.[r.feature];
    return `<tr class="${r.selected ? '' : 'dropped'}"><td>${r.rank}</td><td class="l">${escapeHtml(r.feature)}</td>${keys
      .map((k) => `<td class="${k === sel.by ? 'by' : ''}">${num(k, r.scores[k])}</td>`)
      .join('')}${hasCi ? `<td>${ci ? `${num(sel.by, ci[0])} – ${num(sel.by, ci[1])}` : '–'}</td>` : ''}${hasStab ? `<td>${stab !== undefined ? `${Math.round(100 * stab)} %` : '–'}</td>` : ''}<td class="l">${r.selected ? '✓' : escapeHtml(droppedReason(r.dropped))}</td></tr>`;
  });
  return `<section id="ranking-table"><h2>Variable ranking<span class="tag">ordered by ${escapeHtml(sel.by)}, method ${escapeHtml(sel.method)}, ${sel.selected.length} of ${sel.ranking.length} selected</span></h2><div class="scroll"><table>${head}${rows.join('')}</table></div></section>`;
}

function searchTable(input: ReportInput): string {
  const list = input.search ?? [];
  if (list.length === 0) return '';
  const rows = list.map(({ name, result: r }) => {
    const params = Object.entries(r.best.params)
      .map(([k, v]) => `${escapeHtml(k)} = ${escapeHtml(typeof v === 'number' ? fmtSig(v) : JSON.stringify(v))}`)
      .join(', ');
    const done = r.trials.filter((t) => t.status === 'done').length;
    return `<tr><td class="l"><b>${escapeHtml(name)}</b></td><td class="l">${escapeHtml(r.metric)} (${r.direction})</td><td>${r.trials.length} (${done} done)</td><td>${r.best.id}</td><td>${meanStd(r.best.metric, r.best.std)}</td><td class="l">${params}</td></tr>`;
  });
  return `<section id="search-table"><h2>Hyperparameter searches</h2><div class="scroll"><table><tr><th>Search</th><th class="l">Metric</th><th>Trials</th><th>Best trial</th><th>Best metric</th><th class="l">Best parameters</th></tr>${rows.join('')}</table></div></section>`;
}

function headerMeta(input: ReportInput): string {
  const parts: string[] = [];
  const d = input.dataset;
  if (d) {
    parts.push(`${d.rows.toLocaleString('en-US')} events`);
    parts.push(`signal ${d.signal.rows.toLocaleString('en-US')} (Σw ${fmtSig(d.signal.weight)})`);
    parts.push(`background ${d.background.rows.toLocaleString('en-US')} (Σw ${fmtSig(d.background.weight)})`);
    parts.push(`train ${d.train.rows.toLocaleString('en-US')} / test ${d.test.rows.toLocaleString('en-US')}`);
  }
  const nModels = input.models.filter((m) => m.classOf === undefined).length;
  parts.push(`${nModels} model${nModels === 1 ? '' : 's'}`);
  if (input.select) parts.push(`${input.select.selected.length} selected variables`);
  return parts.map(escapeHtml).join(' · ');
}

/** Strips the XML prolog so an SVG document can sit inline in HTML. */
function inlineSvg(svg: string): string {
  return svg.replace(/^<\?xml[^>]*>\s*/, '');
}

export function renderHtml(input: ReportInput, figures: readonly Figure[], svgs: Record<string, string>, colors: string[]): string {
  const nav = [
    '<a href="#summary">Summary</a>',
    ...figures.map((f) => `<a href="#plot-${f.name}">${escapeHtml(f.title)}</a>`),
    ...(input.select ? ['<a href="#ranking-table">Ranking table</a>'] : []),
    ...((input.search ?? []).length ? ['<a href="#search-table">Searches</a>'] : []),
  ].join('');
  const notes = input.models.flatMap((m) => (m.result.notes ?? []).map((n) => `<li><b>${escapeHtml(m.name)}</b>: ${escapeHtml(n)}</li>`));
  const summary = `<section id="summary"><h2>Model performance</h2>${summaryTable(input, colors)}<p class="caption">Cross-validated metrics are the mean ± standard deviation over the held-out folds; the test-sample value is below. Bold: best model per column (by test value when there is one). AMS with b<sub>reg</sub> = 10 at the best threshold; Z = s/√b at that threshold; ε<sub>S</sub> at a background rejection of 90 % and 99 %; KS p: Kolmogorov–Smirnov overtraining test per class, red below 0.01.</p>${notes.length ? `<ul class="notes">${notes.join('')}</ul>` : ''}</section>`;
  const sections = figures.map((f) => {
    const svg = svgs[f.name] ?? '';
    // a plot narrower than half the page gets its caption beside it instead of below
    const width = Number(/<svg [^>]*\bwidth="([\d.]+)"/.exec(svg)?.[1] ?? 0);
    const narrow = width > 0 && width <= 720;
    const side = `<div class="side"><p class="caption">${escapeHtml(f.caption)}</p><p class="files">Standalone: <a href="${f.name}.svg">${f.name}.svg</a> · numbers: <a href="report.json">report.json</a></p></div>`;
    return `<section class="figure${narrow ? ' narrow' : ''}" id="plot-${f.name}" data-plot="${f.name}"><h2>${escapeHtml(f.title)}</h2><div class="body"><div class="plot">${inlineSvg(svg)}</div>${side}</div></section>`;
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)} · winnow report</title>
<style>${CSS}</style>
</head>
<body>
<header><div class="brand">winnow report</div><h1>${escapeHtml(input.title)}</h1><p class="meta">${headerMeta(input)}</p></header>
<nav>${nav}</nav>
<main>
${summary}
${sections.join('\n')}
${rankingTable(input)}
${searchTable(input)}
</main>
<footer>Made by winnow from cached results. Every number on this page is in report.json.</footer>
</body>
</html>
`;
}
