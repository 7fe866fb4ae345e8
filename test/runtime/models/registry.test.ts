import { describe, expect, it } from 'vitest';
import { algorithmNames, getAlgorithm } from '../../../src/runtime/models/registry.js';
import { fisher } from '../../../src/runtime/models/fisher.js';

describe('registry', () => {
  it('knows the built-in algorithms and mlp', () => {
    expect(getAlgorithm('fisher')).toBe(fisher);
    expect(getAlgorithm('gbdt')?.name).toBe('gbdt');
    expect(getAlgorithm('bdt_tmva')?.name).toBe('bdt_tmva');
    expect(algorithmNames).toEqual(['bdt_tmva', 'fisher', 'gbdt', 'mlp']);
    expect(algorithmNames).toContain('mlp');
    expect(getAlgorithm('nope')).toBeUndefined();
    expect(getAlgorithm('toString')).toBeUndefined();
    expect(getAlgorithm('mlp')?.name).toBe('mlp');
  });
});

describe('applyNegativeWeights', () => {
  it('keeps, ignores or takes |w|', async () => {
    const { applyNegativeWeights } = await import('../../../src/runtime/models/registry.js');
    const w = Float64Array.from([1, -2, 0.5]);
    expect(applyNegativeWeights(w, 'keep')).toBe(w);
    expect(Array.from(applyNegativeWeights(w, 'ignore'))).toEqual([1, 0, 0.5]);
    expect(Array.from(applyNegativeWeights(w, 'abs'))).toEqual([1, 2, 0.5]);
    expect(() => applyNegativeWeights(w, 'drop')).toThrow(/negative_weights/);
  });
});

describe('lazy mlp', () => {
  it('loads ./mlp.js on demand and then serves it synchronously', async () => {
    const { getAlgorithm, loadAlgorithm } = await import('../../../src/runtime/models/registry.js');
    const real = await loadAlgorithm('mlp');
    expect(real?.name).toBe('mlp');
    expect(typeof real?.version).toBe('number');
    expect(getAlgorithm('mlp')).toBe(real);
    expect(await loadAlgorithm('gbdt')).toBe(getAlgorithm('gbdt'));
    expect(await loadAlgorithm('nope')).toBeUndefined();
  });
});
