/**
 * Helpers shared by the step kinds: the value codec, the shapes steps pass to each other.
 *
 * May import: graph/types, codec, io/table.
 */
import { decodeValue, encodeValue } from '../codec.js';
import type { StepImpl } from '../graph/types.js';
import type { DatasetResult } from '../results.js';

/** A step whose output goes through the generic value codec. */
export function valueStep<V>(kind: string, version: number, run: StepImpl<V>['run']): StepImpl<V> {
  return { kind, version, run, encode: (v) => encodeValue(v), decode: (b) => decodeValue<V>(b) };
}

/** Output of `dataset:D`. Row positions are after the cut. */
export interface DatasetValue {
  task: 'binary' | 'multiclass';
  classes: string[];
  /** Rows after the cut. */
  rows: number;
  /** For each kept row, its index in the concatenated source rows. */
  index: Int32Array;
  /** Class index per kept row. */
  y: Float64Array;
  /** Event weight per kept row. */
  w: Float64Array;
  summary: Omit<DatasetResult, 'train' | 'test' | 'columns'>;
}

/** Output of `split:D`: positions into the kept rows. */
export interface SplitValue {
  train: Int32Array;
  test: Int32Array;
  /** `kfold(k, seed:, by:)` datasets: the fold of each training position, used by every model's CV. */
  folds?: Int32Array;
  k?: number;
}

/** Output of `gather:M`: the model's candidate or selected feature columns, after the cut. */
export interface GatherValue {
  names: string[];
  columns: Float64Array[];
}

export function take(values: Float64Array, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = values[idx[i]!]!;
  return out;
}

/** Composes two index maps: positions `pos` into rows selected by `idx`. */
export function compose(idx: Int32Array, pos: Int32Array): Int32Array {
  const out = new Int32Array(pos.length);
  for (let i = 0; i < pos.length; i++) out[i] = idx[pos[i]!]!;
  return out;
}

export class StepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepError';
  }
}
