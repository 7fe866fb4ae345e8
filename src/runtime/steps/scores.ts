/**
 * The `scores` step: every held-out score of a model as data, one Parquet table per model.
 *
 * May import: io/parquet, steps/common, steps/models (types).
 * Columns: `row` (the event's position in the dataset after the cut), `part` (the CV fold that held
 * the event out, or -1 for the test part), `score`, `label` (class index) and `weight`. The cached
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
  async run(inputs, p: { folds: number }) {
    parquet ??= await import('../io/parquet.js');
    const parts: { part: number; v: FitValue }[] = [];
    for (let f = 0; f < p.folds; f++) parts.push({ part: f, v: inputs[`fold${f}`] as FitValue });
    parts.push({ part: -1, v: inputs.full as FitValue });
    const rows: number[] = [], part: number[] = [], score: number[] = [], label: number[] = [], weight: number[] = [];
    for (const { part: k, v } of parts) {
      if (!v.heldout || !v.heldoutRows) continue;
      for (let i = 0; i < v.heldoutRows.length; i++) {
        rows.push(v.heldoutRows[i]!);
        part.push(k);
        score.push(v.heldout.score[i]!);
        label.push(v.heldout.y[i]!);
        weight.push(v.heldout.w[i]!);
      }
    }
    const col = (values: number[], dtype: 'int32' | 'float64') => ({ kind: 'num' as const, dtype, values: Float64Array.from(values) });
    return {
      rows: rows.length,
      columns: new Map([
        ['row', col(rows, 'int32')],
        ['part', col(part, 'int32')],
        ['score', col(score, 'float64')],
        ['label', col(label, 'int32')],
        ['weight', col(weight, 'float64')],
      ]),
    };
  },
  encode: (t) => parquet!.tableToParquetBytes(t),
  decode: (b) => parquet!.tableFromParquetBytes(b),
};
