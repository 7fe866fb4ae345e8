import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue } from '../../src/runtime/codec.js';

describe('value codec', () => {
  it('round-trips typed arrays, NaN and nested objects', () => {
    const v = { a: Float64Array.from([1, NaN, -Infinity]), b: { c: Int32Array.from([1, 2, 3]), d: 'x', e: [1, NaN, { f: Uint8Array.from([7]) }] } };
    const back = decodeValue<typeof v>(encodeValue(v));
    expect(Array.from(back.a)).toEqual([1, NaN, -Infinity]);
    expect(back.a).toBeInstanceOf(Float64Array);
    expect(Array.from(back.b.c)).toEqual([1, 2, 3]);
    expect(back.b.d).toBe('x');
    expect(back.b.e[1]).toBeNaN();
  });
  it('is deterministic: equal values give equal bytes', () => {
    const mk = () => ({ x: Float64Array.from([0.1, 0.2]), y: [1, 2, 3], z: 'abc' });
    expect(Buffer.from(encodeValue(mk())).equals(Buffer.from(encodeValue(mk())))).toBe(true);
  });
  it('rejects bytes that are not a value', () => {
    expect(() => decodeValue(new Uint8Array(20))).toThrow(/bad magic/);
  });
});
