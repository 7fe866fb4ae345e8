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
