/**
 * Search spaces: validation, grid enumeration, seeded random sampling and the canonical encoding of
 * a parameter set.
 *
 * May import: lang/program (types only), util/rng.
 *
 * A trial's parameters are a plain record `{dim name: Value}` (`Params`). The integrator maps each
 * name back to the model's algorithm or its select through `SpaceDim.target`; here a name is a name.
 *
 * Choices made here, and why:
 * - Grid order is `itertools.product` order: dimensions in declaration order, the last one varying
 *   fastest. A grid trial's cache key depends on its parameters, never on its index, so adding a
 *   choice to a grid reuses every point already computed even though indices shift.
 * - `int(a, b)` in a grid without `step` enumerates every integer a..b (step 1): an integer range is
 *   already finite and that is what an analyst means. `uniform` without `step` and `loguniform` have
 *   no finite set of points, so a grid over them is an error naming the dimension.
 * - Grid points of `uniform(a, b, step: s)` are `a + k*s` rounded to 12 significant digits, so
 *   `uniform(0, 0.5, step: 0.1)` gives 0.3, not 0.30000000000000004 (the value a user would type,
 *   and the one a hand-written `choice` would give: same params, same cache key).
 * - Random sampling draws every dimension of trial i from its own stream `Rng.derive(seed, 'trial',
 *   i, name)`. Trial i's parameters therefore depend only on (seed, i, that dimension's range):
 *   `trials: 6` then `trials: 8` keeps the first 6, and adding a dimension leaves the values of the
 *   others unchanged. Bayes uses the same streams for its startup trials, so switching
 *   random(trials: 10) to bayes(startup: 10) reuses the 10 random trials.
 * - `paramsKey` is JSON with keys sorted by UTF-16 code unit and numbers in ECMAScript's shortest
 *   round-trip form (what `JSON.stringify` writes; -0 is written 0). Non-finite numbers have no
 *   JSON form and are rejected with an error naming the parameter.
 */
import type { SpaceDim, SpaceDist, Value } from '../../lang/program.js';
import { Rng } from '../util/rng.js';

/** One trial's parameters: dimension name -> value. */
export type Params = Readonly<Record<string, Value>>;

/** A problem with a space, naming the dimension; the checker turns it into a diagnostic at `dim.span`. */
export interface SpaceProblem {
  readonly dim: string;
  readonly message: string;
}

/** The default ceiling on the number of grid points before `gridPoints` refuses. */
export const MAX_GRID_POINTS = 100_000;

/** `uniform(0, 1)`-style text of a distribution, for messages. */
export function describeDist(d: SpaceDist): string {
  switch (d.kind) {
    case 'choice':
      return `choice(${d.values.map((v) => JSON.stringify(v)).join(', ')})`;
    case 'uniform':
    case 'int':
      return `${d.kind}(${d.low}, ${d.high}${d.step !== undefined ? `, step: ${d.step}` : ''})`;
    case 'loguniform':
      return `loguniform(${d.low}, ${d.high})`;
    default:
      return unreachable(d);
  }
}

/**
 * Every problem with a space (empty when valid): duplicate names, empty or duplicated choices,
 * empty or inverted ranges, non-positive loguniform bounds, non-integer int bounds or steps,
 * non-positive steps. With `forGrid`, also every dimension that has no finite set of points.
 */
export function checkSpace(space: readonly SpaceDim[], forGrid = false): SpaceProblem[] {
  const problems: SpaceProblem[] = [];
  const seen = new Set<string>();
  for (const dim of space) {
    const p = (message: string): void => {
      problems.push({ dim: dim.name, message });
    };
    if (seen.has(dim.name)) p(`\`${dim.name}\` appears twice in the space`);
    seen.add(dim.name);
    const d = dim.dist;
    if (d.kind === 'choice') {
      if (d.values.length === 0) p(`choice() for \`${dim.name}\` has no values`);
      const keys = new Set<string>();
      for (const v of d.values) {
        const k = valueKey(v);
        if (keys.has(k)) p(`choice() for \`${dim.name}\` lists ${k} twice`);
        keys.add(k);
      }
      continue;
    }
    if (!Number.isFinite(d.low) || !Number.isFinite(d.high)) {
      p(`${describeDist(d)} for \`${dim.name}\` needs finite bounds`);
      continue;
    }
    if (!(d.low < d.high)) p(`${describeDist(d)} for \`${dim.name}\` needs low < high`);
    if (d.kind === 'loguniform' && !(d.low > 0)) {
      p(`loguniform for \`${dim.name}\` needs a positive lower bound, got ${d.low}`);
    }
    if (d.kind === 'int' && (!Number.isInteger(d.low) || !Number.isInteger(d.high))) {
      p(`int() for \`${dim.name}\` needs integer bounds, got ${d.low} and ${d.high}`);
    }
    if ((d.kind === 'uniform' || d.kind === 'int') && d.step !== undefined) {
      if (!(d.step > 0) || !Number.isFinite(d.step)) p(`step for \`${dim.name}\` must be positive, got ${d.step}`);
      else if (d.kind === 'int' && !Number.isInteger(d.step)) {
        p(`step for int \`${dim.name}\` must be an integer, got ${d.step}`);
      }
    }
    if (forGrid && (d.kind === 'loguniform' || (d.kind === 'uniform' && d.step === undefined))) {
      p(gridlessMessage(dim));
    }
  }
  return problems;
}

function gridlessMessage(dim: SpaceDim): string {
  return (
    `grid() needs a finite set of values for \`${dim.name}\`, but ${describeDist(dim.dist)} has none; ` +
    `give it a step (uniform(a, b, step: s)) or list the values with choice(...)`
  );
}

function assertValid(space: readonly SpaceDim[], forGrid: boolean): void {
  const problems = checkSpace(space, forGrid);
  const first = problems[0];
  if (first) throw new Error(`search space: ${first.message}`);
}

/** The finite values of one dimension in a grid, in increasing order (choice: as written). */
export function dimGridValues(dim: SpaceDim): readonly Value[] {
  const d = dim.dist;
  switch (d.kind) {
    case 'choice':
      return d.values;
    case 'int': {
      const step = d.step ?? 1;
      const n = Math.floor((d.high - d.low) / step) + 1;
      return Array.from({ length: n }, (_, k) => d.low + k * step);
    }
    case 'uniform': {
      if (d.step === undefined) throw new Error(gridlessMessage(dim));
      const n = stepCount(d.low, d.high, d.step);
      return Array.from({ length: n }, (_, k) => stepValue(d.low, d.step as number, k));
    }
    case 'loguniform':
      throw new Error(gridlessMessage(dim));
    default:
      return unreachable(d);
  }
}

/** Number of points of a grid over `space` (the product of the dimensions' sizes). */
export function gridSize(space: readonly SpaceDim[]): number {
  assertValid(space, true);
  let n = 1;
  for (const dim of space) n *= dimGridValues(dim).length;
  return n;
}

/**
 * Exactly the cartesian product of the dimensions' values, last dimension fastest. Throws an Error
 * naming the dimension when one has no finite set of values, or when the grid has more than
 * `maxPoints` points. An empty space gives one point with no parameters.
 */
export function gridPoints(space: readonly SpaceDim[], maxPoints = MAX_GRID_POINTS): Params[] {
  const n = gridSize(space);
  if (n > maxPoints) {
    const sizes = space.map((d) => `${d.name}: ${dimGridValues(d).length}`).join(', ');
    throw new Error(`grid() would run ${n} trials (${sizes}), more than the limit of ${maxPoints}; use random() or bayes()`);
  }
  const values = space.map(dimGridValues);
  const out: Params[] = [];
  for (let i = 0; i < n; i++) out.push(gridPointAt(space, values, i));
  return out;
}

/** The i-th grid point without enumerating the others (mixed radix, last dimension fastest). */
export function gridPoint(space: readonly SpaceDim[], index: number): Params {
  const n = gridSize(space);
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new Error(`grid point ${index} does not exist: the grid has ${n} points`);
  }
  return gridPointAt(space, space.map(dimGridValues), index);
}

function gridPointAt(space: readonly SpaceDim[], values: readonly (readonly Value[])[], index: number): Params {
  const p: Record<string, Value> = {};
  let rest = index;
  for (let j = space.length - 1; j >= 0; j--) {
    const vals = values[j] as readonly Value[];
    const dim = space[j] as SpaceDim;
    p[dim.name] = vals[rest % vals.length] as Value;
    rest = Math.floor(rest / vals.length);
  }
  return orderLike(space, p);
}

/** Rebuild a record with keys in the space's declaration order (readability; keys sort in paramsKey). */
function orderLike(space: readonly SpaceDim[], p: Record<string, Value>): Params {
  const q: Record<string, Value> = {};
  for (const dim of space) q[dim.name] = p[dim.name] as Value;
  return q;
}

/** Number of points low, low+step, ... <= high (tolerating float error in the last point). */
export function stepCount(low: number, high: number, step: number): number {
  return Math.floor((high - low) / step + 1e-9) + 1;
}

/** low + k*step, rounded to 12 significant digits (see the header). */
export function stepValue(low: number, step: number, k: number): number {
  const v = low + k * step;
  return v === 0 ? 0 : Number(v.toPrecision(12));
}

/**
 * Trial `index` of random search: each dimension drawn from `Rng.derive(seed, 'trial', index, name)`.
 * choice: uniform over the values; uniform: U(low, high) (or a uniform grid point with step);
 * loguniform: exp(U(log low, log high)); int: a uniform integer (on the step grid with step).
 */
export function sampleRandom(space: readonly SpaceDim[], seed: number, index: number): Params {
  assertValid(space, false);
  const p: Record<string, Value> = {};
  for (const dim of space) p[dim.name] = sampleDim(dim.dist, Rng.derive(seed, 'trial', index, dim.name));
  return p;
}

/** One draw from a distribution (used by random search and by TPE's prior-only fallback). */
export function sampleDim(d: SpaceDist, rng: Rng): Value {
  switch (d.kind) {
    case 'choice':
      return d.values[rng.int(d.values.length)] as Value;
    case 'uniform':
      if (d.step !== undefined) return stepValue(d.low, d.step, rng.int(stepCount(d.low, d.high, d.step)));
      return d.low + (d.high - d.low) * rng.next();
    case 'loguniform': {
      const v = Math.exp(Math.log(d.low) + (Math.log(d.high) - Math.log(d.low)) * rng.next());
      return Math.min(d.high, Math.max(d.low, v));
    }
    case 'int': {
      const step = d.step ?? 1;
      return d.low + step * rng.int(Math.floor((d.high - d.low) / step) + 1);
    }
    default:
      return unreachable(d);
  }
}

/**
 * Canonical text of a parameter set: JSON, object keys sorted, numbers in shortest round-trip form.
 * Equal parameters give equal text, whatever the key order they were built in. Throws an Error
 * naming the parameter when a number is not finite (NaN/Infinity have no JSON form).
 */
export function paramsKey(params: Readonly<Record<string, unknown>>): string {
  return canonicalJson(params, '');
}

/** Canonical JSON of one value (choice values are compared with this). */
export function valueKey(v: unknown): string {
  return canonicalJson(v, '');
}

function canonicalJson(v: unknown, path: string): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`parameter \`${path || '?'}\` is ${v}; parameters must be finite numbers`);
    return Object.is(v, -0) ? '0' : JSON.stringify(v);
  }
  if (typeof v === 'string' || typeof v === 'boolean' || v === null) return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x, i) => canonicalJson(x, `${path}[${i}]`)).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k], path ? `${path}.${k}` : k)}`).join(',')}}`;
  }
  throw new Error(`parameter \`${path || '?'}\` has a value of type ${typeof v}, which has no canonical form`);
}

export function unreachable(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
