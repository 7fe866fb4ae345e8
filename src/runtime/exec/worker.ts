/**
 * Worker-thread entry: loads the step registry module and runs tasks sent by WorkerPoolExecutor.
 *
 * May import: ./runner, cache/store, node:worker_threads.
 * workerData: { registryModule: string (URL of an ES module exporting `registry: StepRegistry`),
 * cacheDir: string, fsync: boolean }. Protocol (one task at a time per worker):
 *   main -> worker  { type: 'run', taskId, task }
 *   worker -> main  { type: 'progress', taskId, fraction, message? } | { type: 'log', taskId, message }
 *                   { type: 'result', taskId, result: TaskResult without value } | { type: 'fatal', message }
 * The worker reads inputs from and writes its output to the shared cache directory itself, so only
 * hashes cross the thread boundary. Cancellation is by terminating the worker (the pool does it);
 * the store's temp-file-then-rename writes keep the cache valid when that happens mid-write.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Store } from '../cache/store.js';
import type { StepRegistry } from '../graph/types.js';
import type { StepTask, TaskResult } from './executor.js';
import { runTask } from './runner.js';

interface WorkerInit {
  registryModule: string;
  cacheDir: string;
  fsync: boolean;
}

const port = parentPort;
if (!port) throw new Error('internal error: worker.ts must run in a worker thread');
const init = workerData as WorkerInit;

let registry: StepRegistry | undefined;
try {
  const mod = (await import(init.registryModule)) as { registry?: StepRegistry; init?: () => Promise<void> };
  if (!mod.registry || typeof mod.registry.get !== 'function') throw new Error('it does not export `registry` with a get(kind) method');
  // A registry may need asynchronous set-up before its synchronous decode() can run (e.g. loading a
  // codec module): it exports `init`, awaited before the first task.
  if (typeof mod.init === 'function') await mod.init();
  registry = mod.registry;
} catch (e) {
  port.postMessage({ type: 'fatal', message: `cannot load step registry ${init.registryModule}: ${e instanceof Error ? e.message : String(e)}` });
}

const store = Store.attach(init.cacheDir, { fsync: init.fsync });
const never = new AbortController().signal;

port.on('message', (msg: { type: 'run'; taskId: number; task: StepTask }) => {
  if (msg.type !== 'run' || !registry) return;
  const { taskId, task } = msg;
  void runTask(task, {
    store,
    registry,
    threads: 1,
    hooks: {
      signal: never,
      progress: (fraction, message) => port.postMessage({ type: 'progress', taskId, fraction, message }),
      log: (message) => port.postMessage({ type: 'log', taskId, message }),
    },
  }).then(
    (r) => {
      store.flush();
      const result: TaskResult = r.ok ? { ok: true, hash: r.hash, bytes: r.bytes } : r;
      port.postMessage({ type: 'result', taskId, result });
    },
    (e: unknown) => {
      const result: TaskResult = { ok: false, failure: { reason: 'worker-crashed', message: e instanceof Error ? e.message : String(e) } };
      port.postMessage({ type: 'result', taskId, result });
    },
  );
});
