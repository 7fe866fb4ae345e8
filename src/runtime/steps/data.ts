/**
 * Data steps: read one source column, concatenate roles, derive a column, build the dataset's cut,
 * labels and weights, split train/test, and gather a model's feature columns.
 *
 * May import: io/*, expr, eval/folds, steps/common.
 * `read` outputs a one-column Table in the cache's table format (Arrow IPC, see io/parquet.ts), so the
 * cache of every ROOT read is a columnar file other tools can open. A CSV file is parsed once per
 * process and its columns served from memory to the per-column read steps (the file's content hash is
 * in every read step's key, so this memo can never serve stale data within a build).
 */
import type { StepImpl } from '../graph/types.js';
import type { Column, Table } from '../io/table.js';
import { columnLength } from '../io/table.js';
import { evaluate, exprFromCanonical, fromColumn, toColumn, ExprError, type Val } from '../expr.js';
import { StepError, take, valueStep, type DatasetValue, type GatherValue, type SplitValue } from './common.js';

interface ReadParams {
  format: 'csv' | 'parquet' | 'root';
  paths: string[];
  tree: string | null;
  options: Record<string, unknown>;
  column: string;
  missing: number[];
}

const csvMemo = new Map<string, Promise<Table>>();

async function readOne(p: ReadParams, path: string, log?: (m: string) => void): Promise<Column> {
  switch (p.format) {
    case 'csv': {
      const key = JSON.stringify([path, p.options]);
      let t = csvMemo.get(key);
      if (!t) {
        const { readCsv } = await import('../io/csv.js');
        t = Promise.resolve().then(() => readCsv(path, { sep: p.options.sep as string | undefined, header: p.options.header as boolean | undefined }));
        csvMemo.set(key, t);
        if (csvMemo.size > 8) csvMemo.delete(csvMemo.keys().next().value!);
      }
      const table = await t;
      const c = table.columns.get(p.column);
      if (!c) throw new StepError(`${path} has no column \`${p.column}\``);
      return c;
    }
    case 'parquet': {
      const { readParquet } = await import('../io/parquet.js');
      const t = await readParquet(path, [p.column]);
      return t.columns.get(p.column)!;
    }
    case 'root': {
      const { readRoot } = await import('../io/root.js');
      const t = await readRoot({ paths: [path], tree: p.tree ?? undefined, columns: [p.column] }, { verbose: log });
      return t.columns.get(p.column)!;
    }
  }
}

function concatColumns(cols: Column[], name: string): Column {
  if (cols.length === 1) return cols[0]!;
  const kind = cols[0]!.kind;
  if (cols.some((c) => c.kind !== kind)) throw new StepError(`column \`${name}\` has different types in different files (${cols.map((c) => c.kind).join(', ')})`);
  if (kind === 'str') return { kind: 'str', dtype: 'string', values: cols.flatMap((c) => c.values as string[]) };
  const total = cols.reduce((a, c) => a + c.values.length, 0);
  const values = new Float64Array(total);
  let o = 0;
  for (const c of cols) { values.set(c.values as Float64Array, o); o += c.values.length; }
  if (kind === 'num') return { kind: 'num', dtype: cols[0]!.dtype, values };
  const rows = cols.reduce((a, c) => a + columnLength(c), 0);
  const offsets = new Int32Array(rows + 1);
  let r = 0, base = 0;
  for (const c of cols) {
    const off = (c as { offsets: Int32Array }).offsets;
    for (let i = 1; i < off.length; i++) offsets[++r] = base + off[i]!;
    base += off[off.length - 1]!;
  }
  return { kind: 'jagged', dtype: cols[0]!.dtype, offsets, values };
}

function applyMissing(c: Column, missing: readonly number[]): Column {
  if (missing.length === 0 || c.kind === 'str') return c;
  const set = new Set(missing);
  const v = new Float64Array(c.values);
  for (let i = 0; i < v.length; i++) if (set.has(v[i]!)) v[i] = NaN;
  return c.kind === 'num' ? { ...c, values: v } : { ...c, values: v };
}

async function tableCodec(): Promise<typeof import('../io/parquet.js')> {
  return import('../io/parquet.js');
}
let parquetMod: typeof import('../io/parquet.js') | undefined;
// Loaded eagerly only when a read step encodes or decodes (the scheduler calls encode/decode synchronously).
async function ensureParquet(): Promise<void> { parquetMod ??= await tableCodec(); }

const oneColumnTable = (name: string, c: Column): Table => ({ rows: columnLength(c), columns: new Map([[name, c]]) });

export const readStep: StepImpl<Table> = {
  kind: 'read',
  version: 1,
  async run(_inputs, p: ReadParams, ctx) {
    await ensureParquet();
    if (p.format === 'root' && p.paths.length > 1) {
      // A ROOT chain is read as one: the reader checks every file against the first, writes one array
      // per column (no per-file parts to concatenate) and reads later files ahead on worker threads.
      const { readRoot } = await import('../io/root.js');
      let shown = -1; // progress in whole percent, reported when it moves (a chain may have thousands of files)
      const t = await readRoot({ paths: p.paths, tree: p.tree ?? undefined, columns: [p.column] }, {
        verbose: (m) => ctx.log(m),
        onProgress: (r) => {
          const f = r.entries > 0 ? r.entriesDone / r.entries : r.filesDone / r.files;
          if (Math.floor(f * 100) === shown) return;
          shown = Math.floor(f * 100);
          ctx.progress(f, `${r.filesDone}/${r.files} files`);
        },
      });
      return oneColumnTable(p.column, applyMissing(t.columns.get(p.column)!, p.missing));
    }
    const cols: Column[] = [];
    for (const path of p.paths) cols.push(await readOne(p, path, (m) => ctx.log(m)));
    return oneColumnTable(p.column, applyMissing(concatColumns(cols, p.column), p.missing));
  },
  encode: (t) => parquetMod!.encodeTable(t),
  decode: (b) => parquetMod!.decodeTable(b),
};

/** Makes sure the table codec is loaded before the scheduler decodes cached read outputs. */
export const preloadTableCodec = ensureParquet;

function onlyColumn(t: unknown): Column {
  if (t && typeof t === 'object' && 'columns' in t) return [...(t as Table).columns.values()][0]!;
  return t as Column;
}

export const concatStep = valueStep<Column>('concat', 1, async (inputs, p: { roles: string[] }) => {
  const cols = p.roles.map((_, i) => onlyColumn(inputs[`r${i}`]));
  return concatColumns(cols, '?');
});

export const deriveStep = valueStep<Column>('derive', 1, async (inputs, p: { name: string; expr: unknown }) => {
  const cols = new Map<string, Val>();
  let rows = -1;
  for (const [name, v] of Object.entries(inputs)) {
    const c = onlyColumn(v);
    cols.set(name, fromColumn(c));
    rows = columnLength(c);
  }
  try {
    const out = evaluate(exprFromCanonical(p.expr), { rows: Math.max(rows, 0), lookup: (n) => cols.get(n) });
    if (out.t === 'const' && rows < 0) throw new StepError(`derived column \`${p.name}\` uses no column`);
    return toColumn(out, rows);
  } catch (e) {
    if (e instanceof ExprError) throw new StepError(`derived column \`${p.name}\`: ${e.message}`);
    throw e;
  }
});

interface DatasetParams {
  task: 'binary' | 'multiclass';
  classes: string[];
  roles: string[];
  label: unknown;
  weight: unknown;
  cut: unknown;
}

export const datasetStep = valueStep<DatasetValue>('dataset', 2, async (inputs, p: DatasetParams) => {
  const roleRows = p.roles.map((_, i) => columnLength(onlyColumn(inputs[`rows${i}`])));
  const total = roleRows.reduce((a, b) => a + b, 0);
  const cols = new Map<string, Val>();
  for (const [name, v] of Object.entries(inputs)) if (name.startsWith('c:')) cols.set(name.slice(2), fromColumn(onlyColumn(v)));
  const scope = { rows: total, lookup: (n: string) => cols.get(n) };
  const asScalar = (canon: unknown, what: string): Float64Array => {
    try {
      const v = evaluate(exprFromCanonical(canon), scope);
      if (v.t === 'jagged' || v.t === 'str') throw new StepError(`the ${what} must be one value per event`);
      return (toColumn(v, total) as { values: Float64Array }).values;
    } catch (e) {
      if (e instanceof ExprError) throw new StepError(`${what}: ${e.message}`);
      throw e;
    }
  };
  // Class per row.
  const yAll = new Float64Array(total);
  if (p.label !== null) {
    const l = asScalar(p.label, 'label');
    for (let i = 0; i < total; i++) yAll[i] = l[i] === l[i] && l[i] !== 0 ? 1 : 0;
  } else {
    // Roles map to classes: binary roles are [background, signal] (or signal first as written).
    let o = 0;
    p.roles.forEach((role, r) => {
      const cls = p.classes.indexOf(role === 'all' ? p.classes[0]! : role);
      yAll.fill(cls < 0 ? r : cls, o, o + roleRows[r]!);
      o += roleRows[r]!;
    });
  }
  const wAll = p.weight !== null ? asScalar(p.weight, 'weight') : new Float64Array(total).fill(1);
  const keep: number[] = [];
  if (p.cut !== null) {
    const c = asScalar(p.cut, 'cut');
    for (let i = 0; i < total; i++) if (c[i] === c[i] && c[i] !== 0) keep.push(i);
  } else for (let i = 0; i < total; i++) keep.push(i);
  const index = Int32Array.from(keep);
  const y = take(yAll, index), w = take(wAll, index);
  let nanW = 0, firstNan = -1;
  for (let i = 0; i < w.length; i++) if (w[i] !== w[i]) { nanW++; if (firstNan < 0) firstNan = index[i]!; }
  if (nanW > 0) throw new StepError(`the weight is missing (NaN) for ${nanW} of ${w.length} events (the first is row ${firstNan + 1} of the data); give those events a weight or cut them`);
  const perClass = p.classes.map(() => ({ rows: 0, weight: 0 }));
  for (let i = 0; i < y.length; i++) { const c = perClass[y[i]!]!; c.rows++; c.weight += w[i]!; }
  const binary = p.task === 'binary';
  return {
    task: p.task,
    classes: p.classes,
    rows: index.length,
    index,
    y,
    w,
    summary: {
      rows: index.length,
      signal: binary ? perClass[1]! : { rows: 0, weight: 0 },
      background: binary ? perClass[0]! : { rows: 0, weight: 0 },
      ...(binary ? {} : { classes: Object.fromEntries(p.classes.map((c, i) => [c, perClass[i]!])) }),
    },
  };
});

interface SplitParams { kind: 'holdout' | 'kfold' | 'none'; test: number | null; k: number | null; seed: number; by: string | null }

export const splitStep = valueStep<SplitValue>('split', 2, async (inputs, p: SplitParams) => {
  const data = inputs.data as DatasetValue;
  const all = Int32Array.from({ length: data.rows }, (_, i) => i);
  if (p.kind === 'none') return { train: all, test: new Int32Array(0) };
  const { holdout, kfold } = await import('../eval/folds.js');
  let by: Float64Array | string[] | undefined;
  if (inputs.by !== undefined) {
    const c = onlyColumn(inputs.by);
    if (c.kind === 'jagged') throw new StepError(`split by: \`${p.by}\` must be one value per event`);
    by = c.kind === 'str' ? Array.from(data.index, (i) => c.values[i]!) : take(c.values, data.index);
  }
  if (p.kind === 'kfold') {
    // No test part; the folds (seeded, by id when `by` is given) are every model's CV folds.
    const folds = new Int32Array(data.rows);
    kfold(data.rows, p.k!, { seed: p.seed, by, stratify: by ? undefined : data.y }).forEach((f, k) => { for (const i of f.test) folds[i] = k; });
    return { train: all, test: new Int32Array(0), folds, k: p.k! };
  }
  const s = holdout(data.rows, { test: p.test!, seed: p.seed, by });
  return { train: s.train, test: s.test };
});

export const gatherStep = valueStep<GatherValue>('gather', 1, async (inputs, p: { features: string[] }) => {
  const data = inputs.data as DatasetValue;
  const sel = inputs.sel as { selected: string[] } | undefined;
  const names = sel ? sel.selected : p.features;
  if (names.length === 0) throw new StepError('no feature is selected: loosen `keep`, `max_corr` or the selection method');
  const columns = names.map((n) => {
    const c = onlyColumn(inputs[`x:${n}`]);
    if (!c) throw new StepError(`feature \`${n}\` has no column`);
    if (c.kind !== 'num') throw new StepError(`feature \`${n}\` must be one number per event (it is ${c.kind === 'str' ? 'a string' : 'a jagged list'}): reduce it with max(), sum(), ... in a derive`);
    return take(c.values, data.index);
  });
  return { names, columns };
});

export { onlyColumn };

/** `schema:D`: the dataset's columns and types, as `show` prints them (params only). */
export const schemaStep = valueStep<{ columns: { name: string; type: string }[] }>('schema', 1, async (_inputs, p: { columns: { name: string; type: string }[] }) => ({ columns: p.columns }));
