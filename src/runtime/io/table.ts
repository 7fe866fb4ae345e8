/**
 * In-memory columnar tables shared by every reader and step.
 *
 * May import: nothing.
 * Numbers are Float64Array with NaN for missing (one representation for every source type keeps the
 * expression evaluator and the statistics monomorphic). A jagged column is Arrow's layout: `offsets`
 * (length rows + 1, offsets[0] = 0) into a flat `values` array. `dtype` records the type the source
 * declared (e.g. 'float32', 'int64', 'bool') for `inspect` and for writing Parquet back faithfully.
 */

export type Dtype =
  | 'bool' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'float16' | 'float32' | 'float64' | 'string';

export interface NumericColumn {
  readonly kind: 'num';
  readonly dtype: Dtype;
  readonly values: Float64Array;
}

export interface JaggedColumn {
  readonly kind: 'jagged';
  readonly dtype: Dtype;
  readonly offsets: Int32Array;
  readonly values: Float64Array;
}

export interface StringColumn {
  readonly kind: 'str';
  readonly dtype: 'string';
  readonly values: readonly string[];
}

export type Column = NumericColumn | JaggedColumn | StringColumn;

export interface Table {
  readonly rows: number;
  /** Insertion-ordered. */
  readonly columns: ReadonlyMap<string, Column>;
}

export function numeric(values: Float64Array, dtype: Dtype = 'float64'): NumericColumn {
  return { kind: 'num', dtype, values };
}

export function jagged(offsets: Int32Array, values: Float64Array, dtype: Dtype = 'float64'): JaggedColumn {
  return { kind: 'jagged', dtype, offsets, values };
}

export function columnLength(c: Column): number {
  return c.kind === 'jagged' ? c.offsets.length - 1 : c.values.length;
}

/** A schema entry, as readers report it without reading data (check-time). */
export interface ColumnInfo {
  readonly name: string;
  readonly type: string; // 'float64', 'jagged<float32>', 'string', ...
}
