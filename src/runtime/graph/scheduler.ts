/**
 * The scheduler: runs a Plan's steps in topological order under `jobs`, with cache lookups, early
 * cutoff, failure isolation and cancellation; and `status`/`explain`, which decide freshness the
 * same way without running anything.
 *
 * May import: ./fingerprint, ./explain, ./types, cache/store, exec/executor. It knows steps by
 * kind and key only, emits events and prints nothing.
 *
 * Keys. A step's key is the fingerprint of its kind, code version, canonical params, the content
 * hashes of its inputs' OUTPUTS and of its data files. So a step can only be keyed once its inputs
 * are built or found cached, and a rerun input that yields identical bytes leaves its dependents'
 * keys unchanged: early cutoff needs no special case.
 *
 * A cache hit is "the index entry (or the record) for this key exists and its object exists": one
 * stat per step in a no-op build, and nothing is decoded. Values are decoded only when a step that
 * runs needs them (by the executor) or when `BuildResult.output(id)` is called.
 *
 * Determinism. Ready steps start in plan order and results are reported in plan order; keys and
 * output bytes depend only on content, so any `jobs` gives the same keys, hashes and outcomes. (Only
 * the order of events differs.)
 *
 * Failure isolation. A failed step marks its transitive dependents 'skipped' (cause = the failed
 * step id) as soon as it fails; independent steps go on. Cancellation (the AbortSignal) stops
 * starting steps, aborts running ones (the pool terminates its workers) and marks the rest
 * 'skipped'; records are written only for completed steps, so the cache stays valid.
 *
 * Staleness reasons are recorded where staleness is decided (ninja's explanations): `status`
 * attaches them to each StepState and `build` to each step-start event.
 */
import path from 'node:path';
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { GcResult, IndexEntry, LockInfo, Store, StepRecord } from '../cache/store.js';
import { InlineExecutor, type Executor, type StepTask } from '../exec/executor.js';
import { describeFailure, diffFingerprints, type FingerprintView } from './explain.js';
import { FileHasher, fingerprintData, stepKey, type FingerprintData } from './fingerprint.js';
import type {
  BuildEvent,
  BuildResult,
  ContentHash,
  Plan,
  PlannedStep,
  StaleReason,
  StatusResult,
  StepFailure,
  StepKey,
  StepOutcome,
  StepRegistry,
  StepState,
  StepStatus,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// Plan analysis

interface Node {
  step: PlannedStep;
  /** Position in plan.steps (start order and report order). */
  index: number;
  /** Distinct input nodes. */
  deps: Node[];
  dependents: Node[];
}

interface Graph {
  nodes: Node[];
  byId: Map<string, Node>;
  /** Topological order, ties broken by plan order. */
  topo: Node[];
}

/** Checks ids, edges and acyclicity (planner bugs throw) and indexes the plan. */
export function analyzePlan(plan: Plan): Graph {
  const byId = new Map<string, Node>();
  const nodes = plan.steps.map((step, index) => {
    if (byId.has(step.id)) throw new Error(`internal error: the plan has two steps with id \`${step.id}\``);
    const n: Node = { step, index, deps: [], dependents: [] };
    byId.set(step.id, n);
    return n;
  });
  for (const n of nodes) {
    const seen = new Set<Node>();
    for (const [name, id] of Object.entries(n.step.inputs)) {
      const d = byId.get(id);
      if (!d) throw new Error(`internal error: step \`${n.step.id}\` input \`${name}\` refers to unknown step \`${id}\``);
      if (!seen.has(d)) {
        seen.add(d);
        n.deps.push(d);
        d.dependents.push(n);
      }
    }
  }
  const pending = nodes.map((n) => n.deps.length);
  const heap = new NodeHeap();
  for (const n of nodes) if (n.deps.length === 0) heap.push(n);
  const topo: Node[] = [];
  while (heap.size > 0) {
    const n = heap.pop()!;
    topo.push(n);
    for (const d of n.dependents) if (--pending[d.index]! === 0) heap.push(d);
  }
  if (topo.length !== nodes.length) {
    const inCycle = nodes.filter((n) => pending[n.index]! > 0).map((n) => n.step.id);
    throw new Error(`internal error: the plan has a cycle through ${inCycle.slice(0, 5).join(', ')}`);
  }
  return { nodes, byId, topo };
}

export type TargetsResult = { ok: true; value: string[] } | { ok: false; error: { unknown: string[] } };

/**
 * The step ids to build for `targets` (block names from plan.targets, or step ids), with all
 * their dependencies, in plan order. No targets = every step.
 */
export function resolveTargets(plan: Plan, targets?: readonly string[]): TargetsResult {
  if (!targets || targets.length === 0) return { ok: true, value: plan.steps.map((s) => s.id) };
  const byId = new Map(plan.steps.map((s) => [s.id, s]));
  const unknown: string[] = [];
  const roots: string[] = [];
  for (const t of targets) {
    const ids = plan.targets[t] ?? (byId.has(t) ? [t] : undefined);
    if (ids) roots.push(...ids);
    else unknown.push(t);
  }
  if (unknown.length) return { ok: false, error: { unknown } };
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const s = byId.get(id);
    if (s) stack.push(...Object.values(s.inputs));
  }
  return { ok: true, value: plan.steps.filter((s) => seen.has(s.id)).map((s) => s.id) };
}

function selectOrThrow(plan: Plan, targets?: readonly string[]): Set<string> {
  const r = resolveTargets(plan, targets);
  if (!r.ok) throw new Error(`unknown target${r.error.unknown.length > 1 ? 's' : ''} ${r.error.unknown.map((t) => `\`${t}\``).join(', ')}`);
  return new Set(r.value);
}

// ---------------------------------------------------------------------------------------------
// Decisions shared by build and status

interface Env {
  registry: StepRegistry;
  store: Store;
  index: Record<string, IndexEntry>;
  hasher: FileHasher;
}

type Keyed = { ok: true; data: FingerprintData; key: StepKey } | { ok: false; failure: StepFailure; reasons: StaleReason[] };

/** Keys a step whose inputs' output hashes are known. */
function keyStep(env: Env, step: PlannedStep, inputHashes: Record<string, ContentHash>, filesRead?: Set<string>): Keyed {
  const impl = env.registry.get(step.kind);
  if (!impl) return { ok: false, failure: { reason: 'unknown-kind', kind: step.kind }, reasons: [{ reason: 'unknown-kind', kind: step.kind }] };
  const files: Record<string, ContentHash> = {};
  for (const f of step.files ?? []) {
    filesRead?.add(path.resolve(f));
    const h = env.hasher.hash(f);
    if (!h.ok) return { ok: false, failure: { reason: 'file-unreadable', path: f, message: h.message }, reasons: [{ reason: 'file-missing', path: f, message: h.message }] };
    files[f] = h.hash;
  }
  const data = fingerprintData(step.kind, impl.version, step.params, inputHashes, files);
  return { ok: true, data, key: stepKey(data) };
}

/** The output hash if `key` is cached (record or index entry, and its object). */
function lookup(env: Env, id: string, key: StepKey): ContentHash | undefined {
  const e = env.index[id];
  if (e && e.key === key && e.hash) return env.store.hasObject(e.hash) ? e.hash : undefined;
  const rec = env.store.readRecord(key);
  if (rec && env.store.hasObject(rec.output)) return rec.output;
  return undefined;
}

/** Why a keyed step is not cached, against the last build of the same step id. */
function staleReasons(env: Env, step: PlannedStep, data: FingerprintData, key: StepKey): StaleReason[] {
  const e = env.index[step.id];
  if (!e) return [{ reason: 'never-built' }];
  if (e.key === key) return e.error !== undefined && !e.hash ? [{ reason: 'last-build-failed', error: e.error }] : [{ reason: 'output-missing' }];
  let old: FingerprintView | undefined;
  if (e.data) old = { data: e.data, ...(e.attrs ? { attrs: e.attrs } : {}) };
  else {
    const rec = env.store.readRecord(e.key);
    if (rec) old = { data: rec.data, ...(rec.attrs ? { attrs: rec.attrs } : {}) };
  }
  if (!old) return [{ reason: 'output-missing' }];
  const reasons = diffFingerprints(old, { data, ...(step.attrs ? { attrs: step.attrs } : {}) }, step.inputs);
  return reasons.length ? reasons : [{ reason: 'output-missing' }];
}

// ---------------------------------------------------------------------------------------------
// build

export interface BuildOptions {
  registry: StepRegistry;
  store: Store;
  /** Default: an InlineExecutor (closed at the end). Pass a RoutingExecutor for worker threads. */
  executor?: Executor;
  /** Maximum steps running at once (cache lookups do not count). Default 1. */
  jobs?: number;
  /** Rerun every selected step, ignoring the cache. */
  force?: boolean;
  /** Block names or step ids; default all. Unknown names throw (check with resolveTargets first). */
  targets?: readonly string[];
  signal?: AbortSignal;
  onEvent?: (e: BuildEvent) => void;
  /** Reuse across builds (watch); default: loaded from the store's stamps. */
  fileHasher?: FileHasher;
  /** Take the cache lock for the build (default true); waits, emitting 'lock-wait'. */
  lock?: boolean;
}

export async function build(plan: Plan, opts: BuildOptions): Promise<BuildResult> {
  const t0 = performance.now();
  const { registry, store } = opts;
  const emit = opts.onEvent ?? (() => {});
  const g = analyzePlan(plan);
  const selected = selectOrThrow(plan, opts.targets);
  const jobs = Math.max(1, Math.floor(opts.jobs ?? 1));
  const ownExecutor = !opts.executor;
  const executor = opts.executor ?? new InlineExecutor(store, registry);
  const outcomes: (StepOutcome | undefined)[] = new Array(g.nodes.length);
  const filesRead = new Set<string>();
  const memo = new Map<string, unknown>();

  const result = (cancelled: boolean): BuildResult => {
    const steps = g.nodes.filter((n) => selected.has(n.step.id)).map((n) => outcomes[n.index]!);
    const targets: Record<string, string[]> = {};
    for (const [name, ids] of Object.entries(plan.targets)) if (ids.every((id) => selected.has(id))) targets[name] = [...ids];
    return {
      ok: !cancelled && steps.every((s) => s.status === 'built' || s.status === 'cached'),
      cancelled,
      steps,
      targets,
      ms: performance.now() - t0,
      files: [...filesRead].sort(),
      output: (id) => outputOf(id, g, outcomes, memo, executor, store, registry),
    };
  };

  for (const message of store.notices.splice(0)) emit({ type: 'notice', message });
  emit({ type: 'build-start', steps: selected.size, jobs });

  let lock: { release(): void } | undefined;
  if (opts.lock !== false) {
    const l = await store.lock({ ...(opts.signal ? { signal: opts.signal } : {}), onWait: (h) => emit({ type: 'lock-wait', pid: h.pid, host: h.host }) });
    if (!l.ok) {
      // Only an abort ends the wait.
      for (const n of g.nodes) if (selected.has(n.step.id)) outcomes[n.index] = cancelledOutcome(n.step, 0);
      const r = result(true);
      emit({ type: 'build-done', ok: false, cancelled: true, ms: r.ms, counts: countStatuses(r.steps) });
      return r;
    }
    lock = l.value;
  }

  try {
    const env: Env = { registry, store, index: store.readIndex(), hasher: opts.fileHasher ?? new FileHasher(store.readFileStamps()) };
    env.hasher.newBuild();
    const indexUpdates = new Map<string, IndexEntry>();
    const ac = new AbortController();
    setMaxListeners(0, ac.signal); // one signal shared by every running step
    const onAbort = () => ac.abort();
    if (opts.signal?.aborted) ac.abort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });

    const pending = g.nodes.map((n) => n.deps.length);
    const heap = new NodeHeap();
    for (const n of g.nodes) if (selected.has(n.step.id) && n.deps.length === 0) heap.push(n);
    let running = 0;
    let finishAll!: () => void;
    const allDone = new Promise<void>((res) => (finishAll = res));

    // Values held in memory by the executor are released once every consumer in this build has
    // finished, except the targets' own steps (what `show` reads); the rest decode on demand.
    // Counted per content hash, since steps with equal outputs share one value.
    const targetIds = new Set(Object.values(plan.targets).flat());
    const pinned = new Set<ContentHash>();
    const pendingUses = new Map<ContentHash, number>();
    const use = (h: ContentHash, delta: number): void => {
      const left = (pendingUses.get(h) ?? 0) + delta;
      pendingUses.set(h, left);
      if (left === 0 && !pinned.has(h)) executor.release?.(h);
    };

    const finish = (node: Node, outcome: StepOutcome): void => {
      if (outcomes[node.index]) return;
      outcomes[node.index] = outcome;
      emit({ type: 'step-done', ...outcome });
      if (outcome.hash) {
        if (targetIds.has(node.step.id)) pinned.add(outcome.hash);
        use(outcome.hash, node.dependents.filter((d) => selected.has(d.step.id)).length);
      }
      for (const d of node.deps) {
        const h = outcomes[d.index]?.hash;
        if (h) use(h, -1);
      }
      if (outcome.status === 'built' || outcome.status === 'cached') {
        for (const d of node.dependents) {
          if (selected.has(d.step.id) && --pending[d.index]! === 0 && !outcomes[d.index]) heap.push(d);
        }
      } else {
        const cause = outcome.status === 'failed' ? node.step.id : outcome.cause;
        for (const d of node.dependents) {
          if (!selected.has(d.step.id) || outcomes[d.index]) continue;
          if (outcome.failure?.reason === 'cancelled') continue; // the cancel sweep marks these
          finish(d, {
            ...baseOutcome(d.step),
            status: 'skipped',
            ms: 0,
            ...(cause ? { cause } : {}),
            error: `skipped because \`${cause}\` failed`,
          });
        }
      }
    };

    const start = (node: Node): void => {
      const step = node.step;
      const ts = performance.now();
      const inputHashes: Record<string, ContentHash> = {};
      const inputKinds: Record<string, string> = {};
      for (const [name, id] of Object.entries(step.inputs)) {
        const dn = g.byId.get(id)!;
        inputHashes[name] = outcomes[dn.index]!.hash!;
        inputKinds[name] = dn.step.kind;
      }
      const keyed = keyStep(env, step, inputHashes, filesRead);
      if (!keyed.ok) {
        finish(node, { ...baseOutcome(step), status: 'failed', ms: performance.now() - ts, failure: keyed.failure, error: describeFailure(keyed.failure) });
        return;
      }
      const { data, key } = keyed;
      if (!opts.force) {
        const hit = lookup(env, step.id, key);
        if (hit) {
          const prev = env.index[step.id];
          if (!prev || prev.key !== key || prev.hash !== hit) indexUpdates.set(step.id, { key, kind: step.kind, hash: hit });
          finish(node, { ...baseOutcome(step), status: 'cached', ms: performance.now() - ts, key, hash: hit });
          return;
        }
      }
      const reasons: StaleReason[] = opts.force ? [{ reason: 'forced' }] : staleReasons(env, step, data, key);
      running++;
      emit({ type: 'step-start', id: step.id, kind: step.kind, ...(step.block !== undefined ? { block: step.block } : {}), reasons });
      const task: StepTask = {
        stepId: step.id,
        kind: step.kind,
        version: data.version,
        params: data.params,
        inputHashes: data.inputs,
        inputKinds,
        key,
        heavy: !!step.heavy,
      };
      void runOne(node, task, data, key, ts).finally(() => {
        running--;
        pump();
      });
    };

    const runOne = async (node: Node, task: StepTask, data: FingerprintData, key: StepKey, ts: number): Promise<void> => {
      const step = node.step;
      let outcome: StepOutcome;
      try {
        const r = await executor.run(task, {
          signal: ac.signal,
          progress: (fraction, message) => emit({ type: 'progress', id: step.id, fraction, ...(message !== undefined ? { message } : {}) }),
          log: (message) => emit({ type: 'log', id: step.id, message }),
        });
        const ms = performance.now() - ts;
        if (r.ok) {
          const rec: StepRecord = {
            format: 1,
            key,
            id: step.id,
            data,
            ...(step.attrs ? { attrs: step.attrs } : {}),
            output: r.hash,
            bytes: r.bytes,
            ms: Math.round(ms * 1000) / 1000,
            time: new Date().toISOString(),
          };
          store.writeRecord(rec);
          indexUpdates.set(step.id, { key, kind: step.kind, hash: r.hash });
          outcome = { ...baseOutcome(step), status: 'built', ms, key, hash: r.hash };
        } else if (r.failure.reason === 'cancelled') {
          outcome = cancelledOutcome(step, ms);
        } else {
          const error = describeFailure(r.failure);
          indexUpdates.set(step.id, { key, kind: step.kind, error, data, ...(step.attrs ? { attrs: step.attrs } : {}) });
          outcome = { ...baseOutcome(step), status: 'failed', ms, key, failure: r.failure, error };
        }
      } catch (e) {
        // An executor or the store broke (disk full, worker script missing): this step fails, the build goes on.
        const failure: StepFailure = { reason: 'step-error', message: e instanceof Error ? e.message : String(e), ...(e instanceof Error && e.stack ? { stack: e.stack } : {}) };
        outcome = { ...baseOutcome(step), status: 'failed', ms: performance.now() - ts, key, failure, error: describeFailure(failure) };
      }
      finish(node, outcome);
    };

    const pump = (): void => {
      while (!ac.signal.aborted && running < jobs && heap.size > 0) {
        const n = heap.pop()!;
        if (!outcomes[n.index]) start(n);
      }
      if (running === 0 && (heap.size === 0 || ac.signal.aborted)) finishAll();
    };

    pump();
    await allDone;
    opts.signal?.removeEventListener('abort', onAbort);
    const cancelled = ac.signal.aborted;
    for (const n of g.nodes) {
      if (selected.has(n.step.id) && !outcomes[n.index]) {
        if (!cancelled) throw new Error(`internal error: step \`${n.step.id}\` was never scheduled`);
        finish(n, cancelledOutcome(n.step, 0));
      }
    }

    store.flush();
    if (indexUpdates.size > 0) store.writeIndex({ ...env.index, ...Object.fromEntries(indexUpdates) });
    if (env.hasher.dirty) store.writeFileStamps(env.hasher.takeStamps());
    const live = new Set<ContentHash>();
    for (const n of g.nodes) if (targetIds.has(n.step.id) && outcomes[n.index]?.hash) live.add(outcomes[n.index]!.hash!);
    executor.retain?.(live); // keep only the targets' values across builds (watch)
    if (ownExecutor) {
      // Our executor closes below: keep the targets' values it holds for output().
      for (const n of g.nodes) {
        const h = outcomes[n.index]?.hash;
        const held = h && targetIds.has(n.step.id) ? executor.peek?.(h) : undefined;
        if (held) memo.set(n.step.id, held.value);
      }
    }

    const r = result(cancelled);
    emit({ type: 'build-done', ok: r.ok, cancelled, ms: r.ms, counts: countStatuses(r.steps) });
    return r;
  } finally {
    lock?.release();
    if (ownExecutor) await executor.close();
  }
}

function baseOutcome(step: PlannedStep): { id: string; kind: string; block?: string } {
  return { id: step.id, kind: step.kind, ...(step.block !== undefined ? { block: step.block } : {}) };
}

function cancelledOutcome(step: PlannedStep, ms: number): StepOutcome {
  return { ...baseOutcome(step), status: 'skipped', ms, failure: { reason: 'cancelled' }, error: 'build cancelled' };
}

function countStatuses(steps: readonly StepOutcome[]): Record<StepStatus, number> {
  const c: Record<StepStatus, number> = { built: 0, cached: 0, failed: 0, skipped: 0 };
  for (const s of steps) c[s.status]++;
  return c;
}

function outputOf(
  id: string,
  g: Graph,
  outcomes: readonly (StepOutcome | undefined)[],
  memo: Map<string, unknown>,
  executor: Executor,
  store: Store,
  registry: StepRegistry,
): unknown {
  const n = g.byId.get(id);
  const o = n ? outcomes[n.index] : undefined;
  if (!n || !o) throw new Error(`step \`${id}\` is not part of this build`);
  if (memo.has(id)) return memo.get(id);
  if (!o.hash) throw new Error(`step \`${id}\` has no output: ${o.error ?? o.status}`);
  let value: unknown;
  const held = executor.peek?.(o.hash);
  if (held) value = held.value;
  else {
    const impl = registry.get(n.step.kind);
    if (!impl) throw new Error(`no step kind \`${n.step.kind}\` is registered`);
    const bytes = store.readObject(o.hash);
    if (!bytes) throw new Error(`the output of \`${id}\` is missing from the cache ${store.dir}`);
    value = impl.decode(bytes);
  }
  memo.set(id, value);
  return value;
}

// ---------------------------------------------------------------------------------------------
// status and explain

export interface StatusOptions {
  registry: StepRegistry;
  store: Store;
  targets?: readonly string[];
  fileHasher?: FileHasher;
}

/**
 * Fresh or stale for every selected step, with reasons, without running anything (it reads the
 * data files' hashes, the index, and the records of stale steps). A step with a stale input
 * cannot be keyed, so it is "stale (input X is stale)". Does not take the lock: every file it reads
 * is replaced atomically.
 */
export function status(plan: Plan, opts: StatusOptions): StatusResult {
  const g = analyzePlan(plan);
  const selected = selectOrThrow(plan, opts.targets);
  const states = computeStates(g, selected, opts);
  const steps = g.nodes.filter((n) => selected.has(n.step.id)).map((n) => states.get(n.step.id)!.state);
  const fresh = steps.filter((s) => s.state === 'fresh').length;
  return { steps, fresh, stale: steps.length - fresh };
}

/**
 * Why `target` (a block name or step id) is fresh or stale: its step(s) first, then every stale
 * input they lead to, depth first, down to the steps whose own fingerprint changed. Render with
 * `formatExplanation` (explain.ts).
 */
export function explain(plan: Plan, target: string, opts: Omit<StatusOptions, 'targets'>): StepState[] {
  const g = analyzePlan(plan);
  const selected = selectOrThrow(plan, [target]);
  const states = computeStates(g, selected, opts);
  const roots = plan.targets[target] ?? [target];
  const out: StepState[] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const s = states.get(id)!.state;
    out.push(s);
    for (const r of s.reasons) if (r.reason === 'input-stale' || r.reason === 'input-failed') visit(r.stepId);
  };
  for (const id of roots) visit(id);
  return out;
}

function computeStates(g: Graph, selected: Set<string>, opts: Omit<StatusOptions, 'targets'>): Map<string, { state: StepState; hash?: ContentHash }> {
  const env: Env = { registry: opts.registry, store: opts.store, index: opts.store.readIndex(), hasher: opts.fileHasher ?? new FileHasher(opts.store.readFileStamps()) };
  env.hasher.newBuild();
  const states = new Map<string, { state: StepState; hash?: ContentHash }>();
  for (const n of g.topo) {
    const step = n.step;
    if (!selected.has(step.id)) continue;
    const base = { id: step.id, kind: step.kind, ...(step.block !== undefined ? { block: step.block } : {}) };
    const reasons: StaleReason[] = [];
    const inputHashes: Record<string, ContentHash> = {};
    for (const [name, id] of Object.entries(step.inputs)) {
      const s = states.get(id)!;
      if (s.hash) inputHashes[name] = s.hash;
      else {
        const failedOnly = s.state.reasons.length > 0 && s.state.reasons.every((r) => r.reason === 'last-build-failed');
        reasons.push({ reason: failedOnly ? 'input-failed' : 'input-stale', input: name, stepId: id });
      }
    }
    if (reasons.length) {
      states.set(step.id, { state: { ...base, state: 'stale', reasons } });
      continue;
    }
    const keyed = keyStep(env, step, inputHashes);
    if (!keyed.ok) {
      states.set(step.id, { state: { ...base, state: 'stale', reasons: keyed.reasons } });
      continue;
    }
    const hit = lookup(env, step.id, keyed.key);
    if (hit) states.set(step.id, { state: { ...base, state: 'fresh', key: keyed.key, reasons: [] }, hash: hit });
    else states.set(step.id, { state: { ...base, state: 'stale', key: keyed.key, reasons: staleReasons(env, step, keyed.data, keyed.key) } });
  }
  return states;
}

// ---------------------------------------------------------------------------------------------
// gc and clean (take the lock; report the holder instead of waiting)

export type MaintenanceResult<T> = { ok: true; value: T } | { ok: false; error: { reason: 'locked'; holder: LockInfo } };

/**
 * `winnow gc`: keeps what the current plan's fresh steps need (their records and objects) and
 * removes everything else, including orphan temp files. Steps that are stale now lose their old
 * entries, so gc after editing a file forgets the previous results (as ninja -t cleandead).
 */
export function collectGarbage(plan: Plan, opts: Omit<StatusOptions, 'targets'>): MaintenanceResult<GcResult> {
  const lock = opts.store.tryLock();
  if (!lock.ok) return lock;
  try {
    const st = status(plan, opts);
    const live = st.steps.filter((s) => s.state === 'fresh' && s.key).map((s) => s.key!);
    return { ok: true, value: opts.store.gc(live) };
  } finally {
    lock.value.release();
  }
}

/** `winnow clean`: removes the whole cache content. */
export function cleanCache(store: Store): MaintenanceResult<void> {
  const lock = store.tryLock();
  if (!lock.ok) return lock;
  try {
    store.clean();
    return { ok: true, value: undefined };
  } finally {
    lock.value.release();
  }
}

// ---------------------------------------------------------------------------------------------

/** Min-heap of nodes by plan index (ready steps start in plan order). */
class NodeHeap {
  #a: Node[] = [];
  get size(): number {
    return this.#a.length;
  }
  push(n: Node): void {
    const a = this.#a;
    a.push(n);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.index <= n.index) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = n;
  }
  pop(): Node | undefined {
    const a = this.#a;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mv = last.index;
        if (l < a.length && a[l]!.index < mv) {
          m = l;
          mv = a[l]!.index;
        }
        if (r < a.length && a[r]!.index < mv) m = r;
        if (m === i) break;
        a[i] = a[m]!;
        i = m;
      }
      a[i] = last;
    }
    return top;
  }
}
