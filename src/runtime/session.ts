/**
 * The build driver: `.pipe` file -> checked program -> plan -> builds, for every CLI command.
 *
 * May import: lang (front door), graph/*, cache/store, exec/*, io/sources, steps (registry), node:fs.
 * It prints nothing: the CLI renders what it returns and the events it forwards.
 *
 * Fast path (why a no-op build costs little more than Node's start-up): loading Chevrotain and
 * checking the program takes a few hundred milliseconds, so the last plan is kept in the cache
 * (`plans/<entry>.json`) with the hashes of every `.pipe` file it came from, the resolved source
 * lists and the size/mtime of each data file (the schemas the checker used). When all of them still
 * match, the plan is reused without parsing; any difference (an edit, a new file matching a glob, a
 * touched data file) takes the full path. Data *content* is still verified by the scheduler through
 * the file hashes in every read step's key, so the fast path can never hide a changed input.
 *
 * Searches: bayes proposals and pruning depend on finished trials, so the planner is re-run with what
 * the last build learned until the plan stops growing (each round is cheap: finished steps are cache
 * hits). Only a complete plan is kept for the fast path.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CheckedProgram, Diagnostic } from '../lang/index.js';
import type { BuildEvent, BuildResult, Plan, StatusResult, StepOutcome, StepState } from './graph/types.js';
import { Store } from './cache/store.js';
import { build as runBuild, status as runStatus, explain as runExplain, resolveTargets } from './graph/scheduler.js';
import { InlineExecutor, RoutingExecutor, type Executor } from './exec/executor.js';
import type { PlanInput } from './graph/plan.js';
import { registry, preloadTableCodec } from './steps/index.js';
import { resolveSourcePaths, SchemaCatalog, SourceError } from './io/sources.js';
import { codeStamp, freshDigest, planCacheFile, readValidPlanCache, sha, type PlanCacheRecord } from './noop.js';

export interface SessionOptions {
  /** The .pipe file (absolute or relative to cwd). */
  readonly entry: string;
  readonly cwd: string;
  readonly cacheDir: string;
  readonly overrides: Readonly<Record<string, string>>;
  readonly jobs: number;
}

export type LoadResult =
  | { ok: true; plan: Plan; program?: CheckedProgram; pipeFiles: string[]; dataFiles: string[]; fromCache: boolean; diagnostics: Diagnostic[]; texts: Map<string, string> }
  | { ok: false; diagnostics: Diagnostic[]; texts: Map<string, string>; pipeFiles: string[] };

export class Session {
  readonly store: Store;
  private readonly planFile: string;
  private loaded?: LoadResult;
  private program?: CheckedProgram;
  private resolved = new Map<string, string[]>();
  private texts = new Map<string, string>();
  private columnTypes = new Map<string, string>();

  constructor(readonly opts: SessionOptions) {
    this.store = Store.open(opts.cacheDir);
    this.planFile = planCacheFile(this.store.root, path.resolve(opts.cwd, opts.entry), opts.overrides);
  }

  get notices(): string[] {
    return this.store.notices;
  }

  /** The plan: from the plan cache when nothing it depends on changed, else compiled and planned. */
  async load(opts: { noCache?: boolean } = {}): Promise<LoadResult> {
    if (!opts.noCache) {
      const cached = this.tryPlanCache();
      if (cached) return (this.loaded = cached);
    }
    return (this.loaded = await this.compileAndPlan());
  }

  private tryPlanCache(): LoadResult | undefined {
    const v = readValidPlanCache(this.planFile, this.opts.cwd, this.opts.overrides);
    if (!v) return undefined;
    this.texts = v.texts;
    return { ok: true, plan: v.rec.plan, pipeFiles: v.rec.pipeFiles.map((f) => f.path), dataFiles: v.rec.stamps.map((s) => s.path), fromCache: true, diagnostics: [], texts: v.texts };
  }

  private savePlanCache(plan: Plan, pipeFiles: string[], dataFiles: string[], fresh?: string): void {
    // A search whose trials are not all known yet (a targeted build did not run them) must be
    // re-planned by the next command, so such a plan is never reused.
    const incomplete = Object.entries(plan.targets).some(([, ids]) => ids.length > 0 && ids.every((id) => id.startsWith('trial:')));
    if (incomplete) return;
    if (!this.program) {
      // Fast path: the plan is unchanged; only record that it is now fully built.
      if (fresh === undefined) return;
      try {
        const rec = JSON.parse(fs.readFileSync(this.planFile, 'utf8')) as PlanCacheRecord;
        if (rec.fresh === fresh) return;
        rec.fresh = fresh;
        this.writePlanCache(rec);
      } catch { /* an optimisation only */ }
      return;
    }
    const rec: PlanCacheRecord = {
      format: 2,
      code: codeStamp(),
      overrides: this.opts.overrides,
      pipeFiles: pipeFiles.map((p) => ({ path: p, hash: sha(this.texts.get(p) ?? '') })),
      sources: this.program.blocks.flatMap((b) => (b.kind === 'dataset' ? b.sources.map((s) => ({ key: this.planner!.sourceKey(b.name, s.role), file: s.source.file, patterns: [...s.source.paths], resolved: this.resolved.get(this.planner!.sourceKey(b.name, s.role)) ?? [] })) : [])),
      stamps: dataFiles.map((p) => { const st = fs.statSync(p); return { path: p, size: st.size, mtimeMs: st.mtimeMs }; }),
      plan,
      ...(fresh ? { fresh } : {}),
    };
    this.writePlanCache(rec);
  }

  private writePlanCache(rec: PlanCacheRecord): void {
    try {
      fs.mkdirSync(path.dirname(this.planFile), { recursive: true });
      const tmp = `${this.planFile}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, JSON.stringify(rec));
      fs.renameSync(tmp, this.planFile);
    } catch {
      // An optimisation only.
    }
  }

  /** Parse and check only (for `check`, and the first half of the full path). */
  async compile(): Promise<{ program?: CheckedProgram; diagnostics: Diagnostic[]; texts: Map<string, string>; files: string[] }> {
    const lang = await import('../lang/index.js');
    this.planner ??= await import('./graph/plan.js');
    const sourceKey = this.planner.sourceKey;
    const texts = new Map<string, string>();
    const host = {
      readFile: (p: string): string | undefined => {
        try {
          const t = fs.readFileSync(p, 'utf8');
          texts.set(p, t);
          return t;
        } catch {
          return undefined;
        }
      },
      resolve: (from: string, imp: string): string => path.resolve(path.dirname(from), imp),
    };
    const schemas = new SchemaCatalog(path.join(this.store.root, 'schemas.json'));
    this.resolved = new Map();
    const resolvedBySpec = new Map<string, string[]>();
    const columnsBySpec = new Map<string, { name: string; type: string }[]>();
    const catalog = {
      schema: async (src: { format: 'csv' | 'parquet' | 'root'; paths: readonly string[]; file: string; tree?: string; options: Readonly<Record<string, unknown>> }) => {
        try {
          const files = resolveSourcePaths(src.file, src.paths, this.opts.cwd);
          resolvedBySpec.set(JSON.stringify([src.file, src.paths]), files);
          const columns = await schemas.schema(src, files);
          columnsBySpec.set(JSON.stringify([src.file, src.paths]), columns);
          return { ok: true as const, columns };
        } catch (e) {
          return { ok: false as const, message: e instanceof Error ? e.message : String(e) };
        }
      },
    };
    const entry = path.resolve(this.opts.cwd, this.opts.entry);
    const r = await lang.compile(entry, host, { catalog, overrides: { ...this.opts.overrides } });
    schemas.save();
    for (const [k, v] of Object.entries(r.texts ?? {})) texts.set(k, v);
    this.texts = texts;
    if (r.program) {
      for (const b of r.program.blocks) {
        if (b.kind !== 'dataset') continue;
        for (const s of b.sources) {
          const files = resolvedBySpec.get(JSON.stringify([s.source.file, s.source.paths])) ?? resolveSourcePaths(s.source.file, s.source.paths, this.opts.cwd);
          this.resolved.set(sourceKey(b.name, s.role), files);
          for (const c of columnsBySpec.get(JSON.stringify([s.source.file, s.source.paths])) ?? []) this.columnTypes.set(`${b.name}.${c.name}`, c.type);
        }
      }
    }
    this.program = r.program;
    return { program: r.program, diagnostics: [...r.diagnostics], texts, files: [...(r.files ?? texts.keys())] };
  }

  private async compileAndPlan(): Promise<LoadResult> {
    this.planner ??= await import('./graph/plan.js');
    const c = await this.compile();
    const pipeFiles = c.files.length ? c.files : [...c.texts.keys()];
    if (!c.program || c.diagnostics.some((d) => d.severity === 'error')) return { ok: false, diagnostics: c.diagnostics, texts: c.texts, pipeFiles };
    const plan = this.planWith(() => undefined);
    return { ok: true, plan, program: c.program, pipeFiles, dataFiles: this.dataFiles(), fromCache: false, diagnostics: c.diagnostics, texts: c.texts };
  }

  private dataFiles(): string[] {
    return [...new Set([...this.resolved.values()].flat())].sort();
  }

  /** The planner module, loaded only on the full path (a cached plan needs no planning). */
  private planner?: typeof import('./graph/plan.js');

  private planWith(knowledge: (id: string) => number | undefined): Plan {
    const input: PlanInput = { program: this.program!, resolved: this.resolved, knowledge, texts: this.texts, columnTypes: this.columnTypes };
    return this.planner!.plan(input);
  }

  private executor(): Executor {
    const inline = new InlineExecutor(this.store, registry, { threads: Math.max(1, this.opts.jobs) });
    const wrap = (inner: Executor): Executor => ({
      run: async (task, hooks) => { await preloadTableCodec(); return inner.run(task, hooks); },
      peek: inner.peek?.bind(inner),
      retain: inner.retain?.bind(inner),
      release: inner.release?.bind(inner),
      close: () => inner.close(),
    });
    if (this.opts.jobs <= 1) return wrap(inline);
    return wrap(new RoutingExecutor(inline, this.poolExecutor() ?? inline));
  }

  private poolExecutor(): Executor | undefined {
    return this.pool;
  }

  /** Set by the CLI after loading exec/pool (kept out of this module's static imports). */
  pool?: Executor;

  /** Builds the targets; re-plans while searches learn. */
  async build(opts: { targets?: string[]; force?: boolean; signal?: AbortSignal; onEvent?: (e: BuildEvent) => void } = {}): Promise<{ result: BuildResult; plan: Plan; rounds: number }> {
    let loaded = this.loaded ?? (await this.load());
    if (!loaded.ok) throw new Error('internal: build on a program with errors');
    let plan = loaded.plan;
    const executor = this.executor();
    const knowledge = new Map<string, number>();
    let rounds = 0;
    let forced = opts.force ?? false;
    // A step built in an earlier round is 'cached' in the later ones: report what really happened.
    const builtBefore = new Map<string, number>();
    const merge = (r: BuildResult): BuildResult => {
      for (const s of r.steps) {
        const ms = builtBefore.get(s.id);
        if (ms !== undefined && s.status === 'cached') { s.status = 'built'; s.ms = ms; }
      }
      return r;
    };
    // Failed trial steps of earlier rounds are dropped from later plans; they still failed.
    const failedBefore = new Map<string, StepOutcome>();
    const withFailed = (r: BuildResult): BuildResult => {
      const ids = new Set(r.steps.map((s) => s.id));
      for (const [id, s] of failedBefore) if (!ids.has(id)) r.steps.push(s);
      return r;
    };
    try {
      for (;;) {
        rounds++;
        const result = merge(await runBuild(plan, { registry, store: this.store, executor, jobs: this.opts.jobs, force: forced, targets: opts.targets, signal: opts.signal, onEvent: opts.onEvent }));
        for (const s of result.steps) if (s.status === 'built') builtBefore.set(s.id, s.ms);
        // A failed search trial step ends its trial (learned as NaN below; the planner drops the step
        // and marks the trial failed) and the search goes on; any other failure ends the build.
        const onlyTrialsFailed = !result.ok && result.steps.every((s) => s.status !== 'skipped' && (s.status !== 'failed' || s.id.startsWith('trial:')));
        for (const s of result.steps) if (s.status === 'failed' && s.id.startsWith('trial:')) failedBefore.set(s.id, s);
        const fresh = (): string | undefined => (result.ok && !result.cancelled && !opts.targets?.length ? freshDigest(plan, this.store.readIndex()) : undefined);
        if ((!result.ok && !onlyTrialsFailed) || result.cancelled || !this.program) {
          if (result.ok && !result.cancelled) this.savePlanCache(plan, loaded.pipeFiles, loaded.dataFiles, fresh());
          return { result: withFailed(result), plan, rounds };
        }
        // Learn the metrics of finished trials (NaN: failed), then re-plan.
        for (const s of result.steps) {
          if (!s.id.startsWith('trial:') || knowledge.has(s.id)) continue;
          if (s.status === 'built' || s.status === 'cached') knowledge.set(s.id, (result.output(s.id) as { metric?: number }).metric ?? NaN);
          else if (s.status === 'failed') knowledge.set(s.id, NaN);
        }
        const next = this.planWith((id) => knowledge.get(id));
        const same = next.steps.length === plan.steps.length && next.steps.every((s, i) => s.id === plan.steps[i]!.id);
        if (same) {
          // Not when a trial failed: the next build takes the full path and tries it again.
          if (result.ok && !failedBefore.size) this.savePlanCache(plan, loaded.pipeFiles, loaded.dataFiles, fresh());
          return { result: withFailed(result), plan, rounds };
        }
        plan = next;
        loaded = { ...loaded, plan };
        this.loaded = loaded;
        forced = false; // --force applies to the first round; later rounds only add new steps
      }
    } finally {
      await executor.close();
    }
  }

  /** Knowledge for status/explain: the metric of trial steps that are fresh in the cache. */
  private knowledgeFromCache(plan: Plan): Plan {
    if (!this.program) return plan;
    let current = plan;
    const knowledge = new Map<string, number>();
    for (let round = 0; round < 200; round++) {
      const st = runStatus(current, { registry, store: this.store });
      const index = this.store.readIndex();
      for (const s of st.steps) {
        if (!s.id.startsWith('trial:') || s.state !== 'fresh' || knowledge.has(s.id)) continue;
        const e = index[s.id];
        const bytes = e?.hash ? this.store.readObject(e.hash) : undefined;
        if (bytes) knowledge.set(s.id, (registry.get(s.kind)!.decode(bytes) as { metric?: number }).metric ?? NaN);
      }
      const next = this.planWith((id) => knowledge.get(id));
      if (next.steps.length === current.steps.length) return next;
      current = next;
    }
    return current;
  }

  status(targets?: string[]): StatusResult {
    const l = this.loaded;
    if (!l?.ok) throw new Error('internal: status before load');
    return runStatus(this.knowledgeFromCache(l.plan), { registry, store: this.store, targets });
  }

  explain(target: string): StepState[] {
    const l = this.loaded;
    if (!l?.ok) throw new Error('internal: explain before load');
    return runExplain(this.knowledgeFromCache(l.plan), target, { registry, store: this.store });
  }

  checkTargets(plan: Plan, targets: readonly string[]): string[] {
    const r = resolveTargets(plan, targets);
    return r.ok ? [] : r.error.unknown;
  }

  /** Decoded output of a step from the last build index (for show/predict without building). */
  outputOf(stepId: string): unknown {
    const e = this.store.readIndex()[stepId];
    if (!e?.hash) return undefined;
    const bytes = this.store.readObject(e.hash);
    if (!bytes) return undefined;
    return registry.get(e.kind)?.decode(bytes);
  }

  get lastProgram(): CheckedProgram | undefined {
    return this.program;
  }
}

export { SourceError };
