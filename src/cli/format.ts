/**
 * Human-readable output of results: ranking tables, model metrics, search trials, dataset summaries,
 * graphs (dot, mermaid, json). Pure string functions; the CLI prints them.
 *
 * May import: runtime types only.
 */
import type { DatasetResult, Metrics, ModelResult, SearchResult, SelectResult } from '../runtime/results.js';
import type { Plan } from '../runtime/graph/types.js';

export function fmtNum(x: number | undefined | null, digits = 4): string {
  if (x === undefined || x === null || Number.isNaN(x)) return '—';
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(2);
  return x.toFixed(digits);
}

export function table(header: string[], rows: string[][], align: ('l' | 'r')[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (align[i] === 'r' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatSelect(name: string, r: SelectResult): string {
  const scoreNames = [...new Set(r.ranking.flatMap((e) => Object.keys(e.scores)))];
  const header = ['rank', 'variable', ...scoreNames, ...(r.stability ? ['stability'] : []), 'selected'];
  const rows = r.ranking.map((e) => [
    String(e.rank),
    e.feature,
    ...scoreNames.map((s) => {
      const v = fmtNum(e.scores[s]);
      const ci = e.ci?.[s];
      return ci ? `${v} [${fmtNum(ci[0], 3)}, ${fmtNum(ci[1], 3)}]` : v;
    }),
    ...(r.stability ? [fmtNum(r.stability[e.feature] ?? 0, 2)] : []),
    e.selected ? 'yes' : e.dropped ? `no (${e.dropped})` : 'no',
  ]);
  return `select ${name}: ${r.selected.length} of ${r.ranking.length} variables, ranked by ${r.by}${r.method !== 'none' ? `, method ${r.method}` : ''}\n\n${table(header, rows, ['r', 'l', ...scoreNames.map(() => 'r' as const), 'r', 'l'])}\n`;
}

const METRIC_ROWS: [keyof Metrics, string][] = [
  ['auc', 'ROC AUC'],
  ['ams', 'AMS (b_reg=10, best cut)'],
  ['ams_top15', 'AMS (top 15 %)'],
  ['significance', 's/√b (best cut)'],
  ['logloss', 'log loss'],
  ['eff_at_rej90', 'ε_S at 90 % bkg rejection'],
  ['eff_at_rej99', 'ε_S at 99 % bkg rejection'],
];

export function formatModel(r: ModelResult): string {
  const cv = r.folds.length;
  const header = ['metric', ...(cv ? [`cv (${cv} folds)`] : []), ...(r.test ? ['test'] : [])];
  const rows = METRIC_ROWS.map(([k, label]) => [
    label,
    ...(cv ? [`${fmtNum(r.metrics[k] as number)} ± ${fmtNum(r.metrics_std?.[k] as number | undefined)}`] : []),
    ...(r.test ? [fmtNum(r.test[k] as number)] : []),
  ]);
  const ks = r.test?.ks_overtraining;
  const lines = [
    `model ${r.name}: ${r.algorithm}(${Object.entries(r.params).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}) on ${r.features.length} variables`,
    '',
    table(header, rows, ['l', 'r', 'r']),
  ];
  if (r.classes?.length) {
    // Multiclass: the table above is the macro average of these.
    const auc = (m: Metrics | undefined) => fmtNum(m?.auc);
    const classRows = r.classes.map((c) => [
      c.name,
      ...(cv ? [`${auc(c.metrics)} ± ${fmtNum(c.metrics_std?.auc)}`] : []),
      ...(r.test ? [auc(c.test)] : []),
    ]);
    lines.push('', table(['ROC AUC, each class vs rest', ...(cv ? [`cv (${cv} folds)`] : []), ...(r.test ? ['test'] : [])], classRows, ['l', 'r', 'r']));
  }
  if (ks) lines.push('', `overtraining check (KS p-value, train vs test): signal ${fmtNum(ks.signal, 3)}, background ${fmtNum(ks.background, 3)}`);
  lines.push('', `variables: ${r.features.join(', ')}`);
  for (const n of r.notes ?? []) lines.push(`note: ${n}`);
  return lines.join('\n') + '\n';
}

/** A parameter value as a person reads it: 4 significant digits for reals. */
export function fmtParam(v: unknown): string {
  if (typeof v === 'number' && !Number.isInteger(v)) return String(+v.toPrecision(4));
  return JSON.stringify(v);
}

export function formatSearch(name: string, r: SearchResult & { pruned?: Record<number, string> }): string {
  const keys = [...new Set(r.trials.flatMap((t) => Object.keys(t.params)))];
  const rows = r.trials.map((t) => [
    String(t.id),
    `${fmtNum(t.metric)} ± ${fmtNum(t.std)}`,
    ...keys.map((k) => fmtParam(t.params[k])),
    t.status + (t.status === 'pruned' ? ` after ${t.folds.length} fold${t.folds.length === 1 ? '' : 's'}` : ''),
  ]);
  const reasons = r.trials.filter((t) => (t as { reason?: string }).reason).map((t) => `  trial ${t.id}: ${(t as { reason?: string }).reason}`);
  const best = r.best;
  return [
    `search ${name}: ${r.trials.length} trials, metric ${r.metric} (${r.direction === 'max' ? 'higher' : 'lower'} is better), cross-validated on the training part`,
    '',
    table(['trial', r.metric, ...keys, 'status'], rows, ['r', 'r', ...keys.map(() => 'r' as const), 'l']),
    '',
    ...(reasons.length ? [...reasons, ''] : []),
    `best: trial ${best.id}, ${r.metric} ${fmtNum(best.metric)} ± ${fmtNum(best.std)} (cv)${best.test ? `, ${fmtNum((best.test as unknown as Record<string, number>)[r.metric])} on the test part` : ''}, with ${Object.entries(best.params).map(([k, v]) => `${k} = ${fmtParam(v)}`).join(', ')}`,
  ].join('\n') + '\n';
}

export function formatDataset(name: string, r: DatasetResult): string {
  const lines = [
    `dataset ${name}: ${r.rows} events after the cut (${r.train.rows} train, ${r.test.rows} test)`,
  ];
  if (r.classes) for (const [c, v] of Object.entries(r.classes)) lines.push(`  ${c}: ${v.rows} events, weight ${fmtNum(v.weight)}`);
  else {
    lines.push(`  signal:     ${r.signal.rows} events, weight sum ${fmtNum(r.signal.weight)}`);
    lines.push(`  background: ${r.background.rows} events, weight sum ${fmtNum(r.background.weight)}`);
  }
  lines.push(`  columns: ${r.columns.map((c) => c.name).join(', ')}`);
  return lines.join('\n') + '\n';
}

export function formatGraph(plan: Plan, format: string): string {
  const q = (s: string) => JSON.stringify(s);
  switch (format) {
    case 'json':
      return JSON.stringify({ steps: plan.steps.map((s) => ({ id: s.id, kind: s.kind, block: s.block, inputs: Object.values(s.inputs), files: s.files ?? [] })), targets: plan.targets }, null, 2) + '\n';
    case 'mermaid': {
      const ids = new Map(plan.steps.map((s, i) => [s.id, `s${i}`]));
      const lines = ['flowchart LR'];
      for (const s of plan.steps) lines.push(`  ${ids.get(s.id)}[${q(s.id)}]`);
      for (const s of plan.steps) for (const i of new Set(Object.values(s.inputs))) lines.push(`  ${ids.get(i)} --> ${ids.get(s.id)}`);
      return lines.join('\n') + '\n';
    }
    case 'dot': {
      const lines = ['digraph winnow {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
      const byBlock = new Map<string, string[]>();
      for (const s of plan.steps) (byBlock.get(s.block ?? '') ?? byBlock.set(s.block ?? '', []).get(s.block ?? '')!).push(s.id);
      let c = 0;
      for (const [block, ids] of byBlock) {
        lines.push(`  subgraph cluster_${c++} {`, `    label=${q(block)};`);
        for (const id of ids) lines.push(`    ${q(id)};`);
        lines.push('  }');
      }
      for (const s of plan.steps) for (const i of new Set(Object.values(s.inputs))) lines.push(`  ${q(i)} -> ${q(s.id)};`);
      lines.push('}');
      return lines.join('\n') + '\n';
    }
    default:
      throw new Error(`unknown graph format ${format}`);
  }
}

/** JSON with NaN/Infinity as null and typed arrays as arrays. */
export function toJson(v: unknown, indent = 2): string {
  return JSON.stringify(v, (_k, x) => {
    if (typeof x === 'number' && !Number.isFinite(x)) return null;
    if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return Array.from(x as unknown as ArrayLike<number>);
    if (x instanceof Map) return Object.fromEntries(x);
    return x;
  }, indent);
}
