/** Column assertions shared by the reader tests. */
import { expect } from 'vitest';
import type { Column } from '../../src/runtime/io/table.js';

/** Exact equality, NaN equal to NaN, offsets included. */
export function expectSameColumn(a: Column, b: Column, label: string): void {
  expect(b.kind, label).toBe(a.kind);
  if (a.kind === 'str' || b.kind === 'str') { expect(b.values, label).toEqual(a.values); return; }
  expect(b.values.length, label).toBe(a.values.length);
  let bad = -1;
  for (let i = 0; i < a.values.length; i++) if (!Object.is(a.values[i], b.values[i])) { bad = i; break; }
  expect(bad, `${label}: first differing value`).toBe(-1);
  if (a.kind === 'jagged' && b.kind === 'jagged') expect(Array.from(b.offsets), label).toEqual(Array.from(a.offsets));
}
