/**
 * The step registry: every kind the planner emits, with its code version.
 *
 * May import: steps/* (which import the domain modules, mostly lazily).
 * This module is also what pool workers load (`registryModule`), so it stays cheap to import: the
 * domain modules (arrow, parquet-wasm, jsroot, tfjs, vega) are imported inside `run`, on first use.
 */
import type { StepImpl, StepRegistry } from '../graph/types.js';
import { concatStep, datasetStep, deriveStep, gatherStep, readStep, schemaStep, splitStep } from './data.js';
import { evalStep, fitStep } from './models.js';
import { corrStep, rankStep, selectStep } from './select.js';
import { searchStep } from './search.js';
import { reportStep } from './report.js';
import { scoresStep } from './scores.js';

const fixed = new Map<string, StepImpl>(
  [readStep, schemaStep, concatStep, deriveStep, datasetStep, splitStep, gatherStep, rankStep, corrStep, selectStep, evalStep, searchStep, reportStep, scoresStep]
    .map((s) => [s.kind, s as StepImpl]),
);
const fits = new Map<string, StepImpl | undefined>();

export const registry: StepRegistry = {
  get(kind: string): StepImpl | undefined {
    const s = fixed.get(kind);
    if (s) return s;
    if (kind.startsWith('fit.')) {
      const algo = kind.slice(4);
      if (!fits.has(algo)) fits.set(algo, fitStep(algo) as StepImpl | undefined);
      return fits.get(algo);
    }
    return undefined;
  },
};

export { preloadTableCodec } from './data.js';
import { preloadTableCodec as loadCodec } from './data.js';
/** Awaited by pool workers before their first task: read outputs decode through Arrow. */
export const init = (): Promise<void> => loadCodec();
