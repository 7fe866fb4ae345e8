/**
 * WorkerPoolExecutor: runs tasks on a pool of node:worker_threads workers, each loading the step
 * registry from a module URL and sharing the cache directory with the main thread.
 *
 * May import: node:worker_threads, ./executor (types), ./worker-url, cache/store (types).
 * Workers start lazily (up to `workers`), run one task at a time, and are unref'd while idle so
 * an unclosed pool never keeps the process alive. Cancelling a task terminates its worker (a step
 * cannot be interrupted cooperatively in the middle of a tight numeric loop) and a fresh worker is
 * started for the next task; the cache stays valid because the worker's writes are atomic. A worker
 * that dies or fails to load the registry fails its task with `worker-crashed`.
 */
import { Worker } from 'node:worker_threads';
import type { Store } from '../cache/store.js';
import type { StepFailure } from '../graph/types.js';
import type { Executor, StepTask, TaskHooks, TaskResult } from './executor.js';
import { workerUrl } from './worker-url.js';

export interface PoolOptions {
  store: Store;
  /** URL (or file URL string) of an ES module exporting `registry: StepRegistry`; must be plain JS. */
  registryModule: string | URL;
  /** Number of worker threads (>= 1). */
  workers: number;
  /** Passed to the workers' Store (default true). */
  fsync?: boolean;
  /** Override the compiled worker script (tests). */
  workerScript?: URL;
}

interface Job {
  task: StepTask;
  hooks: TaskHooks;
  resolve(r: TaskResult): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  taskId: number;
  onAbort?: () => void;
  dead: boolean;
}

export class WorkerPoolExecutor implements Executor {
  readonly #opts: PoolOptions;
  readonly #script: URL;
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  #nextTaskId = 1;
  #closed = false;
  /** Set when a worker reported it cannot load the registry: every task fails with it. */
  #fatal: string | undefined;

  constructor(opts: PoolOptions) {
    if (!(opts.workers >= 1)) throw new Error(`internal error: a worker pool needs at least 1 worker, got ${opts.workers}`);
    this.#opts = opts;
    this.#script = opts.workerScript ?? workerUrl(import.meta.url, './worker.js');
  }

  run(task: StepTask, hooks: TaskHooks): Promise<TaskResult> {
    return new Promise<TaskResult>((resolve) => {
      if (this.#closed) return resolve({ ok: false, failure: { reason: 'cancelled' } });
      this.#queue.push({ task, hooks, resolve });
      this.#dispatch();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.resolve({ ok: false, failure: { reason: 'cancelled' } });
    await Promise.all([...this.#slots].map((s) => this.#kill(s, { reason: 'cancelled' })));
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let slot = [...this.#slots].find((s) => !s.job && !s.dead);
      if (!slot) {
        if (this.#slots.size >= this.#opts.workers) return;
        slot = this.#spawn();
      }
      const job = this.#queue.shift()!;
      if (this.#fatal) {
        job.resolve({ ok: false, failure: { reason: 'worker-crashed', message: this.#fatal } });
        continue;
      }
      if (job.hooks.signal.aborted) {
        job.resolve({ ok: false, failure: { reason: 'cancelled' } });
        continue;
      }
      slot.job = job;
      slot.taskId = this.#nextTaskId++;
      slot.worker.ref();
      slot.onAbort = () => void this.#kill(slot, { reason: 'cancelled' });
      job.hooks.signal.addEventListener('abort', slot.onAbort, { once: true });
      slot.worker.postMessage({ type: 'run', taskId: slot.taskId, task: job.task });
    }
  }

  #spawn(): Slot {
    const worker = new Worker(this.#script, {
      workerData: { registryModule: String(this.#opts.registryModule), cacheDir: this.#opts.store.dir, fsync: this.#opts.fsync ?? true },
    });
    const slot: Slot = { worker, taskId: 0, dead: false };
    this.#slots.add(slot);
    worker.unref();
    worker.on('message', (msg: WorkerMessage) => {
      const job = slot.job;
      switch (msg.type) {
        case 'fatal':
          this.#fatal = msg.message;
          void this.#kill(slot, { reason: 'worker-crashed', message: msg.message });
          return;
        case 'progress':
          if (job && msg.taskId === slot.taskId) job.hooks.progress(msg.fraction, msg.message);
          return;
        case 'log':
          if (job && msg.taskId === slot.taskId) job.hooks.log(msg.message);
          return;
        case 'result':
          if (!job || msg.taskId !== slot.taskId) return;
          this.#release(slot);
          job.resolve(msg.result);
          this.#dispatch();
          return;
      }
    });
    worker.on('error', (e) => void this.#kill(slot, { reason: 'worker-crashed', message: e.message }));
    worker.on('exit', (code) => void this.#kill(slot, { reason: 'worker-crashed', message: `worker exited with code ${code}` }));
    return slot;
  }

  #release(slot: Slot): void {
    if (slot.job && slot.onAbort) slot.job.hooks.signal.removeEventListener('abort', slot.onAbort);
    slot.job = undefined;
    slot.onAbort = undefined;
    if (!slot.dead) slot.worker.unref();
  }

  /** Terminates a worker, failing its job (if any) with `failure`, and starts queued work elsewhere. */
  async #kill(slot: Slot, failure: StepFailure): Promise<void> {
    if (slot.dead) return;
    slot.dead = true;
    this.#slots.delete(slot);
    const job = slot.job;
    this.#release(slot);
    job?.resolve({ ok: false, failure });
    await slot.worker.terminate();
    if (!this.#closed) this.#dispatch();
  }
}

type WorkerMessage =
  | { type: 'fatal'; message: string }
  | { type: 'progress'; taskId: number; fraction: number; message?: string }
  | { type: 'log'; taskId: number; message: string }
  | { type: 'result'; taskId: number; result: TaskResult };
