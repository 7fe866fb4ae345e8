/**
 * The shapes shared by the build core (planner, scheduler, cache, executors, watch) and the CLI.
 *
 * May import: nothing (types only).
 * The core knows a step only by its `kind` and its key, never by its algorithm: a `PlannedStep` is
 * data made by the planner (decide early), a `StepImpl` is the code registered for a kind, and the
 * scheduler only joins the two (execute dumbly). Expected failures are values (`StepFailure`,
 * `StaleReason`, each a union on `reason`), and the scheduler reports through `BuildEvent`s; it
 * never prints.
 */

/** sha256 hex digest of a step's output bytes (`StepImpl.encode`) or of a data file's bytes. */
export type ContentHash = string & { readonly __brand: 'ContentHash' };
/** sha256 hex digest of the canonical JSON of a step's `FingerprintData` (see fingerprint.ts). */
export type StepKey = string & { readonly __brand: 'StepKey' };

export interface PlannedStep {
  /** Unique, human-readable: 'column.higgs.pt_ratio', 'fit.bdt/fold=0'. */
  id: string;
  /** Registry kind, e.g. 'derive', 'fit'. */
  kind: string;
  /** JSON-able params built from the AST. The core canonicalises them (sorted keys) for the key. */
  params: unknown;
  /** Input name -> step id (the edges of the DAG). */
  inputs: Record<string, string>;
  /** External files this step reads (data files): their content hashes are part of the key. */
  files?: string[];
  /** CPU-heavy: run on a worker thread through the executor. */
  heavy?: boolean;
  /** The .pipe block it belongs to (for progress and explain). */
  block?: string;
  /** Per-attribute view of params for `explain` (attribute name -> value). Not part of the key. */
  attrs?: Record<string, unknown>;
}

export interface Plan {
  steps: PlannedStep[];
  /** Block name -> step ids: what `winnow build <block>` builds (with their dependencies). */
  targets: Record<string, string[]>;
}

export interface StepContext {
  /** `params.seed` when it is a number (seeds are params, so they are in the key). */
  seed?: number;
  signal: AbortSignal;
  /** fraction in [0, 1]. */
  progress(fraction: number, message?: string): void;
  /** How many threads the step may use itself (1 on a pool worker). */
  threads: number;
  log(message: string): void;
}

export interface StepImpl<V = unknown> {
  kind: string;
  /** Bump when the same inputs and params would give different output bytes. */
  version: number;
  /** Pure: inputs are the decoded values of the input steps, by input name. Throw an Error with a clear message to fail. */
  run(inputs: Record<string, unknown>, params: any, ctx: StepContext): Promise<V>;
  /** Deterministic bytes; the output's ContentHash is the sha256 of these. */
  encode(value: V): Uint8Array;
  decode(bytes: Uint8Array): V;
}

export interface StepRegistry {
  get(kind: string): StepImpl | undefined;
}

// ---------------------------------------------------------------------------------------------
// Build outcomes and events

export type StepStatus = 'built' | 'cached' | 'failed' | 'skipped';

/** Why a step failed. One sentence for users is `describeFailure(f)` in explain.ts. */
export type StepFailure =
  | { reason: 'step-error'; message: string; stack?: string } // StepImpl.run/encode threw
  | { reason: 'unknown-kind'; kind: string } // no StepImpl registered for the kind
  | { reason: 'version-mismatch'; kind: string; expected: number; actual: number } // worker's registry differs
  | { reason: 'file-unreadable'; path: string; message: string } // a data file in `files` cannot be read
  | { reason: 'input-unavailable'; input: string; hash: ContentHash } // an input object vanished from the cache
  | { reason: 'worker-crashed'; message: string }
  | { reason: 'cancelled' };

export interface StepOutcome {
  id: string;
  kind: string;
  block?: string;
  status: StepStatus;
  /** Wall time of this step in this build (cache lookup time for 'cached'). */
  ms: number;
  key?: StepKey;
  /** Output content hash ('built' and 'cached'). */
  hash?: ContentHash;
  failure?: StepFailure;
  /** One clear sentence for 'failed' and 'skipped'. */
  error?: string;
  /** For 'skipped': the id of the failed (or cancelled) step that caused it. */
  cause?: string;
}

export type BuildEvent =
  | { type: 'build-start'; steps: number; jobs: number }
  | { type: 'notice'; message: string } // e.g. cache version reset
  | { type: 'lock-wait'; pid: number; host: string } // another build holds the cache lock
  | { type: 'step-start'; id: string; kind: string; block?: string; reasons?: StaleReason[] } // reasons: why it runs
  | ({ type: 'step-done' } & StepOutcome)
  | { type: 'progress'; id: string; fraction: number; message?: string }
  | { type: 'log'; id: string; message: string }
  | { type: 'build-done'; ok: boolean; cancelled: boolean; ms: number; counts: Record<StepStatus, number> };

export interface BuildResult {
  ok: boolean;
  cancelled: boolean;
  /** One outcome per selected step, in plan order (independent of --jobs and finishing order). */
  steps: StepOutcome[];
  /** Block name -> step ids, as in the plan, restricted to the selected targets. */
  targets: Record<string, string[]>;
  ms: number;
  /** Every data file the selected steps read (absolute paths), for watch. */
  files: string[];
  /** Decoded output of a built or cached step (decoded on demand from the store, then memoised). Throws if it has none. */
  output(id: string): unknown;
}

// ---------------------------------------------------------------------------------------------
// Status and explain

/**
 * Why a step is stale, recorded where staleness is decided (scheduler.ts `status`). Values
 * (`old`, `new`) are JSON values as stored; `undefined` means absent.
 */
export type StaleReason =
  | { reason: 'never-built' } // no record of this step id
  | { reason: 'forced' }
  | { reason: 'last-build-failed'; error: string } // same key as the last build, which failed
  | { reason: 'output-missing' } // record or output object gone from the cache (gc, clean)
  | { reason: 'unknown-kind'; kind: string }
  | { reason: 'kind-changed'; old: string; new: string }
  | { reason: 'version-changed'; kind: string; old: number; new: number } // the code of the kind changed
  | { reason: 'param-changed'; attribute: string; old: unknown; new: unknown } // attribute = attrs name or a params path
  | { reason: 'input-added'; input: string; stepId: string }
  | { reason: 'input-removed'; input: string }
  | { reason: 'input-changed'; input: string; stepId: string; old: ContentHash; new: ContentHash }
  | { reason: 'input-stale'; input: string; stepId: string } // its own key cannot be known before the input is built
  | { reason: 'input-failed'; input: string; stepId: string } // the input's last build failed
  | { reason: 'file-added'; path: string }
  | { reason: 'file-removed'; path: string }
  | { reason: 'file-changed'; path: string; old: ContentHash; new: ContentHash }
  | { reason: 'file-missing'; path: string; message: string };

export interface StepState {
  id: string;
  kind: string;
  block?: string;
  state: 'fresh' | 'stale';
  /** Current key, when computable (all inputs fresh). */
  key?: StepKey;
  /** Empty when fresh. */
  reasons: StaleReason[];
}

export interface StatusResult {
  /** In plan order, restricted to the selected targets. */
  steps: StepState[];
  fresh: number;
  stale: number;
}
