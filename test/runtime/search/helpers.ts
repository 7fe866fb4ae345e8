/** Shared test spaces and a cheap objective with a known optimum. */
import type { SpaceDim, SpaceDist } from '../../../src/lang/program.js';
import type { Params } from '../../../src/runtime/search/index.js';

const span = { file: 'test.pipe', start: 0, end: 0 };

export function dim(name: string, dist: SpaceDist, target: 'algorithm' | 'select' = 'algorithm'): SpaceDim {
  return { name, target, dist, span };
}

/** lr (log), depth (int), dropout (uniform) and a categorical activation. */
export const SPACE4: SpaceDim[] = [
  dim('lr', { kind: 'loguniform', low: 1e-5, high: 1e-1 }),
  dim('depth', { kind: 'int', low: 1, high: 16 }),
  dim('dropout', { kind: 'uniform', low: 0, high: 0.6 }),
  dim('activation', { kind: 'choice', values: ['relu', 'tanh', 'sigmoid', 'elu'] }),
];

/**
 * Maximum 0 at lr = 10^-2.5, depth = 9, dropout = 0.15, activation = tanh: a smooth bowl in
 * (log lr, depth, dropout) plus a penalty of 0.7 for the wrong activation.
 */
export function objective(p: Params): number {
  const lr = p.lr as number;
  const depth = p.depth as number;
  const dropout = p.dropout as number;
  const a = Math.log10(lr) + 2.5;
  const b = (depth - 9) / 4;
  const c = (dropout - 0.15) / 0.2;
  return -(a * a + b * b + c * c) - (p.activation === 'tanh' ? 0 : 0.7);
}
