/**
 * The executors' front door: what the CLI and the scheduler import.
 *
 * May import: ./executor, ./pool, cache/store and graph/types (types).
 * `createExecutor` gives the usual setup: light steps inline (decoded values stay in memory),
 * `heavy` steps on a worker pool when a registry module URL and workers > 0 are given.
 */
import type { Store } from '../cache/store.js';
import type { StepRegistry } from '../graph/types.js';
import { InlineExecutor, RoutingExecutor, type Executor } from './executor.js';
import { WorkerPoolExecutor } from './pool.js';

export { InlineExecutor, RoutingExecutor, WorkerPoolExecutor };
export type { Executor, StepTask, TaskHooks, TaskResult } from './executor.js';
export type { PoolOptions } from './pool.js';

export interface ExecutorOptions {
  store: Store;
  registry: StepRegistry;
  /** URL of the compiled module exporting `registry` (the same registry, loadable by a worker). */
  registryModule?: string | URL;
  /** Worker threads for heavy steps; 0 or no registryModule = everything inline. */
  workers?: number;
  fsync?: boolean;
}

export function createExecutor(opts: ExecutorOptions): Executor {
  const inline = new InlineExecutor(opts.store, opts.registry);
  if (!opts.registryModule || !opts.workers || opts.workers < 1) return inline;
  const pool = new WorkerPoolExecutor({
    store: opts.store,
    registryModule: opts.registryModule,
    workers: opts.workers,
    ...(opts.fsync !== undefined ? { fsync: opts.fsync } : {}),
  });
  return new RoutingExecutor(inline, pool);
}
