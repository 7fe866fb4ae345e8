/**
 * The algorithms a `.pipe` file can name in `algorithm = NAME(...)`.
 *
 * May import: the algorithm modules of models/ (mlp only through a dynamic import).
 *
 * The MLP pulls in tfjs, which is slow to load, so it is imported only when needed:
 * - `loadAlgorithm(name)` (async) returns the real Algorithm, importing './mlp.js' on first use.
 *   Steps that fit or restore models should use it.
 * - `getAlgorithm(name)` (sync) returns the built-in algorithms directly and, for `mlp`, a lazy
 *   wrapper whose `fit` imports the module on first call. Its synchronous members (`version`,
 *   `normalize`, `fromJSON`) need the module loaded already and otherwise throw an Error saying
 *   to `await loadAlgorithm('mlp')` first.
 */
import { AlgorithmParamError, type Algorithm, type FitContext, type TrainData, type TrainedModel } from './types.js';
import { fisher } from './fisher.js';
import { gbdt } from './gbdt.js';
import { bdtTmva } from './bdt_tmva.js';

const builtin: Readonly<Record<string, Algorithm>> = {
  fisher,
  gbdt,
  bdt_tmva: bdtTmva,
};

let mlpModule: Algorithm | undefined;
let mlpLoading: Promise<Algorithm> | undefined;

function loadMlp(): Promise<Algorithm> {
  if (mlpModule) return Promise.resolve(mlpModule);
  // A non-literal specifier: tsc does not resolve it, so this file compiles before mlp.ts exists.
  const specifier = './mlp.js';
  mlpLoading ??= (import(specifier) as Promise<{ mlp: Algorithm }>).then((m) => {
    mlpModule = m.mlp;
    return m.mlp;
  });
  return mlpLoading;
}

function loadedMlp(member: string): Algorithm {
  if (!mlpModule) throw new Error(`mlp: \`${member}\` needs the mlp module loaded; call \`await loadAlgorithm('mlp')\` first`);
  return mlpModule;
}

const lazyMlp: Algorithm = {
  name: 'mlp',
  get version(): number {
    return loadedMlp('version').version;
  },
  normalize(params: Readonly<Record<string, unknown>>): Record<string, unknown> {
    return loadedMlp('normalize').normalize(params);
  },
  async fit(data: TrainData, params: Readonly<Record<string, unknown>>, ctx: FitContext): Promise<TrainedModel> {
    return (await loadMlp()).fit(data, params, ctx);
  },
  fromJSON(json: unknown): TrainedModel {
    return loadedMlp('fromJSON').fromJSON(json);
  },
};

/** Names of every algorithm, sorted. */
export const algorithmNames: readonly string[] = [...Object.keys(builtin), 'mlp'].sort();

export function getAlgorithm(name: string): Algorithm | undefined {
  if (name === 'mlp') return mlpModule ?? lazyMlp;
  return Object.prototype.hasOwnProperty.call(builtin, name) ? builtin[name] : undefined;
}

export async function loadAlgorithm(name: string): Promise<Algorithm | undefined> {
  if (name === 'mlp') return loadMlp();
  return getAlgorithm(name);
}

/** The `negative_weights` option every model accepts (in the spirit of TMVA's NegWeightTreatment). */
export type NegativeWeights = 'keep' | 'ignore' | 'abs';

/**
 * Training weights under a `negative_weights` mode: `keep` returns w itself, `ignore` sets
 * negative weights to 0 (TMVA's IgnoreNegWeightsInTraining), `abs` takes |w|. Metrics always use
 * the weights as they are; this is for the weights handed to `fit` only.
 */
export function applyNegativeWeights(w: Float64Array, mode: unknown = 'keep'): Float64Array {
  switch (mode) {
    case 'keep':
      return w;
    case 'ignore':
      return Float64Array.from(w, (v) => (v < 0 ? 0 : v));
    case 'abs':
      return Float64Array.from(w, (v) => Math.abs(v));
    default:
      throw new AlgorithmParamError('negative_weights', `parameter \`negative_weights\` must be "keep", "ignore" or "abs", got ${JSON.stringify(mode)}`);
  }
}
