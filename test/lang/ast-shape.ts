/** Test helper: an AST without positions, to compare the parse of two texts (e.g. before and after `fmt`). */
import type { Module } from '../../src/lang/index.js';

const POSITION_KEYS = new Set(['span', 'keySpan', 'nameSpan', 'calleeSpan', 'pathSpan', 'kindSpan']);

export function shape(m: Module): unknown {
  return JSON.parse(JSON.stringify(m.decls, (k, v: unknown) => (POSITION_KEYS.has(k) ? undefined : v)));
}
