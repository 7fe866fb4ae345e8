/**
 * `winnow predict`: apply a trained model to another ROOT/Parquet/CSV file.
 *
 * May import: lang (types), io/*, expr, models/registry, steps/models (types).
 * The model's variables may be derived columns, so the dataset's `derive` expressions (and its
 * `missing` sentinels) are evaluated on the new file exactly as in the pipeline; the source columns
 * they need are read from the file. One output row per input row, in input order (no cut): column
 * `score` (binary) or `score_<class>` (multiclass), plus the `--keep` columns.
 */
import path from 'node:path';
import type { CheckedProgram, DatasetDecl, ModelDecl, SearchDecl, BlockDecl } from '../lang/program.js';
import type { Column, Table } from './io/table.js';
import { columnLength } from './io/table.js';
import { evaluate, fromColumn, referencedNames, toColumn, type Val } from './expr.js';
import type { FitValue } from './steps/models.js';

export class PredictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepError';
  }
}

function datasetOfModel(program: CheckedProgram, model: string): DatasetDecl {
  const blocks = new Map<string, BlockDecl>(program.blocks.filter((b) => b.kind !== 'report').map((b) => [b.name, b])); // a report may share a name, and is never referenced
  let m = blocks.get(model.endsWith('.best') ? model.slice(0, -5) : model);
  if (m?.kind === 'search') m = blocks.get((m as SearchDecl).model);
  if (!m || m.kind !== 'model') throw new PredictError(`\`${model}\` is not a model (or SEARCH.best)`);
  let from = blocks.get((m as ModelDecl).features);
  while (from && from.kind !== 'dataset') from = blocks.get((from as { from: string }).from);
  if (!from) throw new PredictError(`cannot find the dataset of model \`${model}\``);
  return from as DatasetDecl;
}

async function readFile(file: string, columns: string[], tree: string | undefined): Promise<Table> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.root') {
    const { readRoot } = await import('./io/root.js');
    return readRoot({ paths: [file], tree, columns });
  }
  if (ext === '.parquet') {
    const { readParquet } = await import('./io/parquet.js');
    return readParquet(file, columns);
  }
  const { readCsv } = await import('./io/csv.js');
  return readCsv(file, { columns });
}

export async function predictFile(o: {
  program: CheckedProgram; model: string; fit: FitValue; file: string; out: string; tree?: string; keep: string[];
}): Promise<{ rows: number; columns: string[] }> {
  const d = datasetOfModel(o.program, o.model);
  const derived = new Map(d.derive.map((x) => [x.name, x.expr]));
  const params = o.program.params as Record<string, unknown>;
  // Source columns needed: features (through derives) and --keep columns.
  const need = new Set<string>();
  const visit = (name: string, seen: Set<string>): void => {
    if (name in params) return;
    const e = derived.get(name);
    if (!e) { need.add(name); return; }
    if (seen.has(name)) return;
    seen.add(name);
    for (const r of referencedNames(e)) visit(r, seen);
  };
  for (const f of o.fit.features) visit(f, new Set());
  for (const k of o.keep) visit(k, new Set());
  const tree = o.tree ?? d.sources[0]?.source.tree;
  const table = await readFile(o.file, [...need], path.extname(o.file).toLowerCase() === '.root' ? tree : undefined);
  const rows = table.rows;
  const sentinels = new Set(d.missing);
  const cols = new Map<string, Val>();
  for (const [name, c] of table.columns) {
    if (c.kind !== 'str' && sentinels.size) {
      const v = new Float64Array(c.values);
      for (let i = 0; i < v.length; i++) if (sentinels.has(v[i]!)) v[i] = NaN;
      cols.set(name, fromColumn({ ...c, values: v } as Column));
    } else cols.set(name, fromColumn(c));
  }
  const lookup = (name: string): Val | undefined => {
    if (name in params) { const p = params[name]; return { t: 'const', v: typeof p === 'number' || typeof p === 'string' || typeof p === 'boolean' ? p : String(p) }; }
    const known = cols.get(name);
    if (known) return known;
    const e = derived.get(name);
    if (!e) return undefined;
    const v = evaluate(e, { rows, lookup });
    cols.set(name, v);
    return v;
  };
  const features = o.fit.features.map((f) => {
    const v = lookup(f);
    if (!v) throw new PredictError(`${o.file} has no column \`${f}\` (needed by model \`${o.model}\`)`);
    const c = toColumn(v, rows);
    if (c.kind !== 'num') throw new PredictError(`variable \`${f}\` is not one number per event in ${o.file}`);
    return c.values;
  });
  const { loadAlgorithm } = await import('./models/registry.js');
  const algo = await loadAlgorithm(o.fit.algorithm);
  if (!algo) throw new PredictError(`unknown algorithm \`${o.fit.algorithm}\``);
  const model = algo.fromJSON(o.fit.model);
  const scores = model.predict(features, rows);
  const out = new Map<string, Column>();
  const K = o.fit.nClasses;
  if (K <= 2) out.set('score', { kind: 'num', dtype: 'float64', values: scores });
  else {
    const classes = d.classes;
    for (let k = 0; k < K; k++) {
      const v = new Float64Array(rows);
      for (let i = 0; i < rows; i++) v[i] = scores[i * K + k]!;
      out.set(`score_${classes[k] ?? k}`, { kind: 'num', dtype: 'float64', values: v });
    }
  }
  for (const k of o.keep) {
    const v = lookup(k);
    if (!v) throw new PredictError(`${o.file} has no column \`${k}\` to keep`);
    const c = toColumn(v, rows);
    if (columnLength(c) !== rows) throw new PredictError(`column \`${k}\` does not have one entry per row`);
    out.set(k, table.columns.get(k) ?? c);
  }
  const { writeParquet } = await import('./io/parquet.js');
  await writeParquet({ rows, columns: out }, o.out);
  return { rows, columns: [...out.keys()] };
}
