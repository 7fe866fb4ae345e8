/**
 * Executors: where a step's code runs. `InlineExecutor` runs on the main thread; the worker pool
 * (pool.ts) on worker threads; `RoutingExecutor` sends `heavy` steps to one and the rest to the
 * other.
 *
 * May import: ./runner, cache/store, graph/types (types).
 *
 * A task carries only what a remote machine would need: the kind, its version, the canonical
 * params, and the content hashes of its inputs (plus the kind that produced each input, whose
 * StepImpl decodes it). The runner loads the inputs from the store by hash, runs the StepImpl,
 * writes the output bytes to the store and returns their hash. So a future Slurm executor
 * sharing the cache directory needs no change to steps or to the scheduler: it ships the task as
 * JSON and waits for a hash. The scheduler (main process, holding the cache lock) writes the
 * step record and the index; executors only write objects.
 *
 * Memory: the inline executor keeps each decoded value until the scheduler releases it (all its
 * consumers in the build are done) or it is not a target's output at the end of the build.
 *
 * Decoded values shared between steps are immutable by contract: a step must not mutate its
 * inputs, because the inline executor hands the same decoded value to every consumer.
 */
import type { Store } from '../cache/store.js';
import type { ContentHash, StepFailure, StepKey, StepRegistry } from '../graph/types.js';
import { runTask } from './runner.js';

export interface StepTask {
  stepId: string;
  kind: string;
  version: number;
  /** Canonical params (as in the fingerprint). */
  params: unknown;
  /** Input name -> content hash of the input's output. */
  inputHashes: Readonly<Record<string, ContentHash>>;
  /** Input name -> kind of the step that produced it (its StepImpl.decode reads the bytes). */
  inputKinds: Readonly<Record<string, string>>;
  key: StepKey;
  /** PlannedStep.heavy: RoutingExecutor sends it to the pool. */
  heavy: boolean;
}

export interface TaskHooks {
  /** Aborted on cancellation: stop, and report { reason: 'cancelled' }. */
  signal: AbortSignal;
  progress(fraction: number, message?: string): void;
  log(message: string): void;
}

export type TaskResult =
  | { ok: true; hash: ContentHash; bytes: number; value?: unknown }
  | { ok: false; failure: StepFailure };

export interface Executor {
  /** Runs one task; never rejects for a step's own failure (that is `{ok: false}`). */
  run(task: StepTask, hooks: TaskHooks): Promise<TaskResult>;
  /** A decoded value this executor still holds in memory, if any (saves decoding for `output()`). */
  peek?(hash: ContentHash): { value: unknown } | undefined;
  /** Drop in-memory values not in `hashes` (called at the end of each build). */
  retain?(hashes: ReadonlySet<ContentHash>): void;
  /** Drop one in-memory value (its consumers in this build are done). */
  release?(hash: ContentHash): void;
  close(): Promise<void>;
}

/** Runs steps on the calling thread and keeps decoded values in memory by content hash. */
export class InlineExecutor implements Executor {
  readonly #store: Store;
  readonly #registry: StepRegistry;
  readonly #threads: number;
  readonly #values = new Map<ContentHash, unknown>();

  constructor(store: Store, registry: StepRegistry, opts: { threads?: number } = {}) {
    this.#store = store;
    this.#registry = registry;
    this.#threads = opts.threads ?? 1;
  }

  async run(task: StepTask, hooks: TaskHooks): Promise<TaskResult> {
    const r = await runTask(task, { store: this.#store, registry: this.#registry, hooks, threads: this.#threads, memo: this.#values });
    if (r.ok && r.value !== undefined) this.#values.set(r.hash, r.value);
    return r;
  }

  peek(hash: ContentHash): { value: unknown } | undefined {
    return this.#values.has(hash) ? { value: this.#values.get(hash) } : undefined;
  }

  retain(hashes: ReadonlySet<ContentHash>): void {
    for (const h of this.#values.keys()) if (!hashes.has(h)) this.#values.delete(h);
  }

  release(hash: ContentHash): void {
    this.#values.delete(hash);
  }

  async close(): Promise<void> {
    this.#values.clear();
  }
}

/** Sends `heavy` tasks to `heavy` (a worker pool) and the others to `light` (inline). */
export class RoutingExecutor implements Executor {
  constructor(
    readonly light: Executor,
    readonly heavy: Executor,
  ) {}

  run(task: StepTask, hooks: TaskHooks): Promise<TaskResult> {
    return (task.heavy ? this.heavy : this.light).run(task, hooks);
  }

  peek(hash: ContentHash): { value: unknown } | undefined {
    return this.light.peek?.(hash) ?? this.heavy.peek?.(hash);
  }

  retain(hashes: ReadonlySet<ContentHash>): void {
    this.light.retain?.(hashes);
    this.heavy.retain?.(hashes);
  }

  release(hash: ContentHash): void {
    this.light.release?.(hash);
    this.heavy.release?.(hash);
  }

  async close(): Promise<void> {
    await Promise.all([this.light.close(), this.heavy.close()]);
  }
}
