import { describe, expect, it } from 'vitest';
import {
  checkSpace, dimGridValues, gridPoint, gridPoints, gridSize, paramsKey, sampleRandom,
} from '../../../src/runtime/search/index.js';
import { dim, SPACE4 } from './helpers.js';

describe('gridPoints', () => {
  it('enumerates exactly the cartesian product, list-valued choices included', () => {
    const space = [
      dim('layers', { kind: 'choice', values: [[32], [64, 64], [128, 64, 32]] }),
      dim('depth', { kind: 'int', low: 2, high: 6, step: 2 }),
      dim('dropout', { kind: 'uniform', low: 0, high: 0.5, step: 0.1 }),
      dim('act', { kind: 'choice', values: ['relu', 'tanh'] }),
    ];
    const pts = gridPoints(space);
    expect(pts.length).toBe(3 * 3 * 6 * 2);
    expect(gridSize(space)).toBe(108);
    // Every combination exactly once.
    const keys = new Set(pts.map(paramsKey));
    expect(keys.size).toBe(108);
    for (const layers of [[32], [64, 64], [128, 64, 32]]) {
      for (const depth of [2, 4, 6]) {
        for (const dropout of [0, 0.1, 0.2, 0.3, 0.4, 0.5]) {
          for (const act of ['relu', 'tanh']) expect(keys.has(paramsKey({ layers, depth, dropout, act }))).toBe(true);
        }
      }
    }
    // itertools.product order: last dimension fastest.
    expect(pts[0]).toEqual({ layers: [32], depth: 2, dropout: 0, act: 'relu' });
    expect(pts[1]).toEqual({ layers: [32], depth: 2, dropout: 0, act: 'tanh' });
    expect(pts[2]).toEqual({ layers: [32], depth: 2, dropout: 0.1, act: 'relu' });
    expect(pts[107]).toEqual({ layers: [128, 64, 32], depth: 6, dropout: 0.5, act: 'tanh' });
    // gridPoint(i) agrees with the enumeration.
    for (const i of [0, 1, 17, 55, 107]) expect(gridPoint(space, i)).toEqual(pts[i]);
    expect(() => gridPoint(space, 108)).toThrow(/108 points/);
  });

  it('writes step grid values as typed (0.3, not 0.30000000000000004)', () => {
    const v = dimGridValues(dim('x', { kind: 'uniform', low: 0, high: 1, step: 0.1 }));
    expect(v).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    expect(dimGridValues(dim('x', { kind: 'uniform', low: 0.001, high: 0.01, step: 0.003 }))).toEqual([0.001, 0.004, 0.007, 0.01]);
    // A step that does not divide the range stops below high.
    expect(dimGridValues(dim('n', { kind: 'int', low: 1, high: 10, step: 4 }))).toEqual([1, 5, 9]);
  });

  it('enumerates int ranges without step as every integer', () => {
    expect(gridPoints([dim('depth', { kind: 'int', low: 3, high: 6 })])).toEqual([{ depth: 3 }, { depth: 4 }, { depth: 5 }, { depth: 6 }]);
  });

  it('rejects a dimension with no finite set of values, naming it', () => {
    expect(() => gridPoints([dim('depth', { kind: 'int', low: 1, high: 3 }), dim('dropout', { kind: 'uniform', low: 0, high: 0.5 })])).toThrow(
      /`dropout`.*uniform\(0, 0.5\).*step/,
    );
    expect(() => gridPoints([dim('lr', { kind: 'loguniform', low: 1e-4, high: 1e-2 })])).toThrow(/`lr`.*loguniform/);
  });

  it('refuses absurdly large grids with the sizes per dimension', () => {
    const space = [dim('a', { kind: 'int', low: 0, high: 999 }), dim('b', { kind: 'int', low: 0, high: 999 })];
    expect(() => gridPoints(space)).toThrow(/1000000 trials \(a: 1000, b: 1000\)/);
  });

  it('gives one empty point for an empty space', () => {
    expect(gridPoints([])).toEqual([{}]);
  });
});

describe('checkSpace', () => {
  it('finds every problem, naming the dimension', () => {
    const problems = checkSpace([
      dim('a', { kind: 'choice', values: [] }),
      dim('b', { kind: 'uniform', low: 1, high: 1 }),
      dim('c', { kind: 'loguniform', low: 0, high: 1 }),
      dim('d', { kind: 'int', low: 1.5, high: 4 }),
      dim('e', { kind: 'int', low: 1, high: 4, step: 0.5 }),
      dim('f', { kind: 'choice', values: [[1, 2], [1, 2]] }),
      dim('a', { kind: 'choice', values: [1] }),
    ]);
    expect(problems.map((p) => p.dim)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'a']);
    expect(problems[2]?.message).toMatch(/positive lower bound/);
    expect(problems[5]?.message).toMatch(/\[1,2\] twice/);
    expect(problems[6]?.message).toMatch(/twice in the space/);
    expect(checkSpace(SPACE4)).toEqual([]);
    expect(checkSpace(SPACE4, true).map((p) => p.dim)).toEqual(['lr', 'dropout']);
  });
});

describe('paramsKey', () => {
  it('is independent of key order and canonical for numbers', () => {
    expect(paramsKey({ b: 1, a: [64, 64], c: 'x' })).toBe('{"a":[64,64],"b":1,"c":"x"}');
    expect(paramsKey({ c: 'x', a: [64, 64], b: 1.0 })).toBe(paramsKey({ b: 1, a: [64, 64], c: 'x' }));
    expect(paramsKey({ x: -0 })).toBe('{"x":0}');
    expect(paramsKey({ x: 0.1 + 0.2 })).toBe('{"x":0.30000000000000004}');
    expect(paramsKey({ x: 1e-7, y: 123456789012345680000 })).toBe('{"x":1e-7,"y":123456789012345680000}');
    // Shortest round trip: parsing the key gives back the same doubles.
    const p = { lr: 0.000123456789123, d: 0.1 };
    expect(JSON.parse(paramsKey(p))).toEqual(p);
    expect(paramsKey({ o: { z: 1, a: [true, null] } })).toBe('{"o":{"a":[true,null],"z":1}}');
  });

  it('rejects non-finite numbers, naming the parameter', () => {
    expect(() => paramsKey({ lr: Number.NaN })).toThrow(/`lr` is NaN/);
    expect(() => paramsKey({ layers: [1, Infinity] })).toThrow(/`layers\[1\]` is Infinity/);
  });
});

describe('sampleRandom', () => {
  it('depends only on (seed, index) and stays in range', () => {
    for (let i = 0; i < 200; i++) {
      const p = sampleRandom(SPACE4, 7, i);
      expect(p).toEqual(sampleRandom(SPACE4, 7, i));
      const lr = p.lr as number;
      expect(lr).toBeGreaterThanOrEqual(1e-5);
      expect(lr).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(p.depth)).toBe(true);
      expect(p.depth).toBeGreaterThanOrEqual(1);
      expect(p.depth).toBeLessThanOrEqual(16);
      expect(p.dropout).toBeGreaterThanOrEqual(0);
      expect(p.dropout).toBeLessThan(0.6);
      expect(['relu', 'tanh', 'sigmoid', 'elu']).toContain(p.activation);
    }
    expect(sampleRandom(SPACE4, 8, 0)).not.toEqual(sampleRandom(SPACE4, 7, 0));
    expect(sampleRandom(SPACE4, 7, 1)).not.toEqual(sampleRandom(SPACE4, 7, 0));
  });

  it('covers the range: log-uniform lr is uniform in log10, int hits every value', () => {
    const n = 4000;
    let lowHalf = 0;
    const depths = new Set<number>();
    const acts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const p = sampleRandom(SPACE4, 1, i);
      if (Math.log10(p.lr as number) < -3) lowHalf++;
      depths.add(p.depth as number);
      acts.set(p.activation as string, (acts.get(p.activation as string) ?? 0) + 1);
    }
    // Binomial(4000, 0.5): sd 31.6; 5 sd = 158.
    expect(Math.abs(lowHalf - n / 2)).toBeLessThan(158);
    expect(depths.size).toBe(16);
    // Binomial(4000, 0.25): sd 27.4; 5 sd = 137.
    for (const c of acts.values()) expect(Math.abs(c - n / 4)).toBeLessThan(137);
  });

  it('keeps the other dimensions when one is added', () => {
    const more = [...SPACE4, dim('keep', { kind: 'int', low: 5, high: 20 }, 'select')];
    for (let i = 0; i < 10; i++) {
      const { keep, ...rest } = sampleRandom(more, 3, i);
      expect(rest).toEqual(sampleRandom(SPACE4, 3, i));
      expect(keep).toBeGreaterThanOrEqual(5);
    }
  });

  it('samples step grids on the grid', () => {
    const space = [dim('x', { kind: 'uniform', low: 0, high: 0.5, step: 0.1 }), dim('n', { kind: 'int', low: 10, high: 100, step: 30 })];
    const xs = new Set<number>();
    const ns = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const p = sampleRandom(space, 0, i);
      xs.add(p.x as number);
      ns.add(p.n as number);
    }
    expect([...xs].sort()).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect([...ns].sort((a, b) => a - b)).toEqual([10, 40, 70, 100]);
  });
});
