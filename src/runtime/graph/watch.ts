/**
 * Watch mode: rebuild when a file the last build read changes.
 *
 * May import: chokidar, node:fs, node:path, node:perf_hooks. It knows nothing of
 * plans or the cache: the caller's `rebuild()` compiles and builds, and returns the files that build
 * read (the .pipe files and the data files), which become the watched set (esbuild's
 * pkg/api/watcher.go: watch exactly what the build read, re-armed after each build).
 *
 * States (as wireit's src/watcher.ts; every handler switches on the state):
 *
 *                 chokidar ready
 *     initial ─────────────────────────> watching <──────────────────────┐
 *        │                                  │                            │ rebuild done,
 *        │ file changed        file changed │                            │ watchers re-armed
 *        │                                  v                            │
 *        └─────────────────────────────> debouncing ──(quiet for ───> running
 *                                        │  ^    ^     debounceMs)        │
 *                       changed: restart └──┘    │                        │ file changed
 *                       the timer                │ rebuild done,          v
 *                                                └──────────────────── queued ──┐
 *                                                  watchers re-armed      ^     │ changed: still
 *                                                                         └─────┘ one rebuild
 *     any state ── close() ──> aborted   (timer cleared, running rebuild's signal aborted, watchers closed)
 *
 * A change during a rebuild queues exactly one more rebuild, which goes through debouncing so a
 * burst of saves still coalesces. A rebuild that throws is reported as a 'rebuild-error' event and
 * watching goes on with the previous watched set. Events are the only output; the CLI prints
 * esbuild-style one-line status from them.
 *
 * Re-arming starts a new chokidar watcher for the new set and closes the old one once the new one
 * is ready (chokidar gives no ready signal for `add()` on a live watcher), so 'watching' is
 * emitted only when every file of the set is really watched. chokidar can drop a change that lands
 * while watchers are swapped (the old one closes before its async stat reports it), so each
 * rebuild also compares size/mtime/inode stamps of the watched files taken before it started with
 * their stamps after re-arming; a difference queues a rebuild (at worst one extra, no-op, build).
 * Known gap: a file read for the first time by a build and changed before that build ends is not
 * noticed until its next change.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';

export type WatcherState = 'initial' | 'watching' | 'debouncing' | 'running' | 'queued' | 'aborted';

export type WatchEvent =
  | { type: 'watching'; files: number } // armed (after start and after each rebuild)
  | { type: 'change'; path: string; event: 'add' | 'change' | 'unlink'; queued: boolean } // queued: arrived during a rebuild
  | { type: 'rebuild-start'; changed: string[] }
  | { type: 'rebuild-done'; ms: number; files: number }
  | { type: 'rebuild-error'; error: string }
  | { type: 'watch-error'; error: string } // the file watcher itself failed (watching goes on)
  | { type: 'closed' };

export interface WatchOptions {
  /** What the last build read (absolute or relative paths); watched from the start. */
  files(): string[];
  /** Compiles and builds; returns what this build read. Should not throw for build failures. */
  rebuild(signal: AbortSignal): Promise<{ files: string[] }>;
  /** Quiet time after the last change before rebuilding (default 100 ms). */
  debounceMs?: number;
  onEvent?(e: WatchEvent): void;
  /** Poll instead of OS events (network file systems). */
  usePolling?: boolean;
}

export interface Watcher {
  readonly state: WatcherState;
  /** Resolves when the initial files are being watched. */
  readonly ready: Promise<void>;
  /** Stops watching; aborts a running rebuild (its signal) without waiting for it. */
  close(): Promise<void>;
}

export function watch(opts: WatchOptions): Watcher {
  return new FileWatcher(opts);
}

class FileWatcher implements Watcher {
  #state: WatcherState = 'initial';
  readonly #opts: WatchOptions;
  readonly #debounceMs: number;
  readonly #emit: (e: WatchEvent) => void;
  readonly #fsws = new Set<FSWatcher>();
  #watched = new Set<string>();
  #changed = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #rebuildAbort: AbortController | undefined;
  readonly ready: Promise<void>;

  constructor(opts: WatchOptions) {
    this.#opts = opts;
    this.#debounceMs = opts.debounceMs ?? 100;
    this.#emit = (e) => opts.onEvent?.(e);
    this.#watched = new Set(opts.files().map((f) => path.resolve(f)));
    this.ready = this.#arm(this.#watched).then(() => this.#onReady());
  }

  /**
   * Starts a chokidar watcher on `files` and resolves once it is ready; the previous watcher is
   * closed only then, so no change falls between the two. (chokidar's `add()` on a live watcher
   * gives no ready signal, which is why re-arming makes a new watcher.)
   */
  #arm(files: ReadonlySet<string>): Promise<void> {
    const fsw = chokidarWatch([...files], { ignoreInitial: true, persistent: true, usePolling: this.#opts.usePolling ?? false });
    for (const ev of ['add', 'change', 'unlink'] as const) fsw.on(ev, (p: string) => this.#onChange(path.resolve(p), ev));
    fsw.on('error', (e: unknown) => this.#emit({ type: 'watch-error', error: e instanceof Error ? e.message : String(e) }));
    this.#fsws.add(fsw);
    return new Promise<void>((res) => {
      fsw.once('ready', () => {
        const old = [...this.#fsws].filter((w) => w !== fsw);
        for (const w of old) this.#fsws.delete(w);
        void Promise.all(old.map((w) => w.close())).then(() => res());
      });
    });
  }

  get state(): WatcherState {
    return this.#state;
  }

  #onReady(): void {
    switch (this.#state) {
      case 'initial':
        this.#state = 'watching';
        this.#emit({ type: 'watching', files: this.#watched.size });
        return;
      case 'debouncing':
      case 'running':
      case 'queued':
      case 'aborted':
        return; // a change arrived before chokidar was ready, or we were closed: nothing to do
      case 'watching':
        throw unexpectedState(this.#state, 'ready');
      default:
        unreachableState(this.#state);
    }
  }

  #onChange(p: string, event: 'add' | 'change' | 'unlink'): void {
    if (!this.#watched.has(p)) return; // chokidar may report siblings of watched files
    switch (this.#state) {
      case 'initial':
      case 'watching':
      case 'debouncing':
        this.#emit({ type: 'change', path: p, event, queued: false });
        this.#changed.add(p);
        this.#debounce();
        return;
      case 'running':
      case 'queued':
        this.#emit({ type: 'change', path: p, event, queued: true });
        this.#changed.add(p);
        this.#state = 'queued';
        return;
      case 'aborted':
        return;
      default:
        unreachableState(this.#state);
    }
  }

  #debounce(): void {
    this.#state = 'debouncing';
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#onQuiet(), this.#debounceMs);
  }

  #onQuiet(): void {
    this.#timer = undefined;
    switch (this.#state) {
      case 'debouncing':
        void this.#run();
        return;
      case 'aborted':
        return;
      case 'initial':
      case 'watching':
      case 'running':
      case 'queued':
        throw unexpectedState(this.#state, 'debounce timer');
      default:
        unreachableState(this.#state);
    }
  }

  async #run(): Promise<void> {
    this.#state = 'running';
    const changed = [...this.#changed].sort();
    this.#changed.clear();
    const ac = new AbortController();
    this.#rebuildAbort = ac;
    this.#emit({ type: 'rebuild-start', changed });
    const before = stamps(this.#watched);
    const t0 = performance.now();
    let files: string[] | undefined;
    try {
      files = (await this.#opts.rebuild(ac.signal)).files;
    } catch (e) {
      if (this.#now() !== 'aborted') this.#emit({ type: 'rebuild-error', error: e instanceof Error ? e.message : String(e) });
    }
    this.#rebuildAbort = undefined;
    const state = this.#now();
    switch (state) {
      case 'aborted':
        return;
      case 'running':
      case 'queued': {
        if (files) {
          this.#emit({ type: 'rebuild-done', ms: performance.now() - t0, files: files.length });
          const next = new Set(files.map((f) => path.resolve(f)));
          if (!sameSet(next, this.#watched)) {
            this.#watched = next;
            await this.#arm(next); // changes meanwhile arrive in state running/queued
            if (this.#now() === 'aborted') return;
          }
        }
        // A save while watchers were being swapped can be lost by chokidar (the old watcher closes
        // before it reports); compare stamps taken before the rebuild to catch it.
        for (const [f, stamp] of before) {
          if (this.#watched.has(f) && !this.#changed.has(f) && stampOf(f) !== stamp) {
            this.#emit({ type: 'change', path: f, event: 'change', queued: true });
            this.#changed.add(f);
            this.#state = 'queued';
          }
        }
        if (this.#now() === 'queued') this.#debounce();
        else {
          this.#state = 'watching';
          this.#emit({ type: 'watching', files: this.#watched.size });
        }
        return;
      }
      case 'initial':
      case 'watching':
      case 'debouncing':
        throw unexpectedState(state, 'rebuild done');
      default:
        unreachableState(state);
    }
  }

  /** The state now (handlers run between awaits can change it; this defeats TS narrowing). */
  #now(): WatcherState {
    return this.#state;
  }

  async close(): Promise<void> {
    if (this.#state === 'aborted') return;
    this.#state = 'aborted';
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#rebuildAbort?.abort();
    const all = [...this.#fsws];
    this.#fsws.clear();
    await Promise.all(all.map((w) => w.close()));
    this.#emit({ type: 'closed' });
  }
}

/** size, mtime (ns) and inode of a file, or 'missing'. */
function stampOf(file: string): string {
  try {
    const st = fs.statSync(file, { bigint: true });
    return `${st.size}:${st.mtimeNs}:${st.ino}`;
  } catch {
    return 'missing';
  }
}

function stamps(files: Iterable<string>): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of files) m.set(f, stampOf(f));
  return m;
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

function unexpectedState(state: WatcherState, what: string): Error {
  return new Error(`internal error: watcher got ${what} in state ${state}`);
}

function unreachableState(state: never): never {
  throw new Error(`internal error: unknown watcher state ${String(state)}`);
}
