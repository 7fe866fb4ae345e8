/**
 * Runs one StepTask wherever it is: loads inputs from the store by content hash (or from an
 * in-memory memo), runs the registered StepImpl, encodes the output and writes it to the store.
 * Used by InlineExecutor on the main thread and by worker.ts on worker threads.
 *
 * May import: cache/store, graph/types (types).
 * Expected failures (unknown kind, an input gone from the cache, a step throwing) are returned as
 * `{ok: false, failure}`; the runner itself throws only on internal errors.
 */
import type { Store } from '../cache/store.js';
import type { ContentHash, StepContext, StepRegistry } from '../graph/types.js';
import type { StepTask, TaskHooks, TaskResult } from './executor.js';

export interface RunnerEnv {
  store: Store;
  registry: StepRegistry;
  hooks: TaskHooks;
  threads: number;
  /** Decoded values by content hash (inline executor); read, and filled with decoded inputs. */
  memo?: Map<ContentHash, unknown>;
}

export async function runTask(task: StepTask, env: RunnerEnv): Promise<TaskResult> {
  const { store, registry, hooks } = env;
  const impl = registry.get(task.kind);
  if (!impl) return { ok: false, failure: { reason: 'unknown-kind', kind: task.kind } };
  if (impl.version !== task.version) {
    return { ok: false, failure: { reason: 'version-mismatch', kind: task.kind, expected: task.version, actual: impl.version } };
  }
  const inputs: Record<string, unknown> = {};
  for (const name of Object.keys(task.inputHashes)) {
    const hash = task.inputHashes[name]!;
    if (env.memo?.has(hash)) {
      inputs[name] = env.memo.get(hash);
      continue;
    }
    const kind = task.inputKinds[name] ?? '';
    const producer = registry.get(kind);
    if (!producer) return { ok: false, failure: { reason: 'unknown-kind', kind } };
    const bytes = store.readObject(hash);
    if (!bytes) return { ok: false, failure: { reason: 'input-unavailable', input: name, hash } };
    try {
      inputs[name] = producer.decode(bytes);
    } catch (e) {
      return { ok: false, failure: { reason: 'step-error', message: `cannot decode input \`${name}\` (a \`${kind}\` output): ${message(e)}`, stack: stack(e) } };
    }
    env.memo?.set(hash, inputs[name]);
  }
  if (hooks.signal.aborted) return { ok: false, failure: { reason: 'cancelled' } };
  const params = task.params as { seed?: unknown } | null;
  const ctx: StepContext = {
    signal: hooks.signal,
    progress: hooks.progress,
    log: hooks.log,
    threads: env.threads,
  };
  if (params && typeof params === 'object' && typeof params.seed === 'number') ctx.seed = params.seed;
  let value: unknown;
  let bytes: Uint8Array;
  try {
    value = await impl.run(inputs, task.params, ctx);
    if (hooks.signal.aborted) return { ok: false, failure: { reason: 'cancelled' } };
    bytes = impl.encode(value);
  } catch (e) {
    if (hooks.signal.aborted) return { ok: false, failure: { reason: 'cancelled' } };
    return { ok: false, failure: { reason: 'step-error', message: message(e), stack: stack(e) } };
  }
  const hash = store.writeObject(bytes);
  return { ok: true, hash, bytes: bytes.length, value };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function stack(e: unknown): string | undefined {
  return e instanceof Error ? e.stack : undefined;
}
