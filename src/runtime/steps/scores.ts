/**
 * The `scores` step: every held-out score of a model as data, one Parquet table per model.
 *
 * May import: io/parquet, steps/common, steps/models (types).
 * Columns: `row` (the event's position in the dataset after the cut), `part` (the CV fold that held
 * the event out, or -1 for the test part), `score` (multiclass: `score_<class>`, the probability of
 * each class, given `classes`), `label` (class index) and `weight`. The cached
 * bytes are Parquet, so `cache/` and the copy the CLI writes to `scores/MODEL.parquet` open in any
 * Parquet reader (pandas, ROOT's RDataFrame, DuckDB).
 */
import type { StepImpl } from '../graph/types.js';
import type { Table } from '../io/table.js';
import type { FitValue } from './models.js';

let parquet: typeof import('../io/parquet.js') | undefined;

export const scoresStep: StepImpl<Table> = {
  kind: 'scores',
  version: 1,
  async run(inputs, p: { folds: number; classes?: string[] }) {
    parquet ??= await import('../io/parquet.js');
    const parts: { part: number; v: FitValue }[] = [];
    for (let f = 0; f < p.folds; f++) parts.push({ part: f, v: inputs[`fold${f}`] as FitValue });
    parts.push({ part: -1, v: inputs.full as FitValue });
    const K = p.classes?.length ?? 0;
    const rows: number[] = [], part: number[] = [], label: number[] = [], weight: number[] = [];
    const scores: number[][] = Array.from({ length: Math.max(1, K) }, () => []);
    for (const { part: k, v } of parts) {
      if (!v.heldoutRows) continue;
      // Multiclass: every class's probability and the class index (heldout is one class vs the rest).
      const held = K > 2 ? v.multi?.held : undefined;
      if (K > 2 ? held === undefined : v.heldout === undefined) continue;
      for (let i = 0; i < v.heldoutRows.length; i++) {
        rows.push(v.heldoutRows[i]!);
        part.push(k);
        if (held !== undefined) {
          for (let c = 0; c < K; c++) scores[c]!.push(held.prob[i * K + c]!);
          label.push(held.y[i]!);
          weight.push(held.w[i]!);
        } else {
          scores[0]!.push(v.heldout!.score[i]!);
          label.push(v.heldout!.y[i]!);
          weight.push(v.heldout!.w[i]!);
        }
      }
    }
    const col = (values: number[], dtype: 'int32' | 'float64') => ({ kind: 'num' as const, dtype, values: Float64Array.from(values) });
    const scoreColumns: [string, ReturnType<typeof col>][] = K > 2 ? p.classes!.map((c, i) => [`score_${c}`, col(scores[i]!, 'float64')]) : [['score', col(scores[0]!, 'float64')]];
    return {
      rows: rows.length,
      columns: new Map([
        ['row', col(rows, 'int32')],
        ['part', col(part, 'int32')],
        ...scoreColumns,
        ['label', col(label, 'int32')],
        ['weight', col(weight, 'float64')],
      ]),
    };
  },
  encode: (t) => parquet!.tableToParquetBytes(t),
  decode: (b) => parquet!.tableFromParquetBytes(b),
};
