/**
 * `propose`: the parameters of trial `index` under a strategy (grid, random, bayes).
 *
 * May import: lang/program (types only), ./space, ./tpe.
 *
 * - grid: the index-th point of the cartesian product (`gridPoint`); needs no history.
 * - random: `sampleRandom(space, seed, index)`; depends only on (seed, index), never on history.
 * - bayes: TPE (see tpe.ts) over `history`, which must be the trials this proposal is allowed to see
 *   in trial order (the planner passes trials 0..dependsOn-1; see plan.ts). Until `startup` of them
 *   have a metric, it samples exactly like random search.
 */
import type { SearchDecl, SpaceDim } from '../../lang/program.js';
import { gridPoint, sampleRandom, type Params, unreachable } from './space.js';
import { type Direction, type Observation, proposeTpe } from './tpe.js';

export type Strategy = SearchDecl['strategy'];

export interface ProposeOptions {
  /** Trial number, from 0. */
  readonly index: number;
  readonly direction: Direction;
  /** Overrides the strategy's seed (random, bayes); ignored by grid. */
  readonly seed?: number;
}

export function propose(
  strategy: Strategy,
  space: readonly SpaceDim[],
  history: readonly Observation[],
  opts: ProposeOptions,
): Params {
  switch (strategy.kind) {
    case 'grid':
      return gridPoint(space, opts.index);
    case 'random':
      return sampleRandom(space, opts.seed ?? strategy.seed, opts.index);
    case 'bayes':
      return proposeTpe(space, history, opts.direction, opts.seed ?? strategy.seed, opts.index, {
        startup: strategy.startup,
      });
    default:
      return unreachable(strategy);
  }
}
