#!/usr/bin/env node
/**
 * winnow's command line: argv -> command table -> the runtime, and the only place that prints,
 * exits, draws progress or writes `--json`.
 *
 * May import: cli/*, runtime/session (lazily), lang (lazily), runtime io/report modules (lazily).
 * Commands import what they need when they run ("import dynamically so that we import fewer
 * unnecessary modules", as wireit's cli does): a no-op `build` loads neither Chevrotain nor Arrow.
 * Exit codes: 0 ok, 1 a build or check failed, 2 bad usage. An error is one sentence on stderr;
 * the stack trace only with --debug.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closest, parseArgs, UsageError, type FlagSpec, type ParsedArgs } from './cli/args.js';

const FLAGS: FlagSpec[] = [
  { name: 'jobs', short: 'j', value: true, help: 'steps to run at once (default: the number of cores)' },
  { name: 'set', value: true, repeat: true, help: 'override a param: --set name=value' },
  { name: 'force', help: 'rebuild the targets even when cached' },
  { name: 'json', help: 'print machine-readable JSON on stdout' },
  { name: 'cache', value: true, help: 'cache directory (default ./cache, or $WINNOW_CACHE)' },
  { name: 'format', value: true, help: 'graph format: dot, mermaid or json' },
  { name: 'check', help: 'fmt: exit 1 if any file would change, without writing' },
  { name: 'tree', value: true, help: 'ROOT tree (or RNTuple) name' },
  { name: 'columns', value: true, help: 'comma-separated columns to read' },
  { name: 'out', short: 'o', value: true, help: 'output file' },
  { name: 'keep', value: true, help: 'predict: comma-separated input columns to copy to the output' },
  { name: 'verbose', short: 'v', help: 'one line per step, and reader details' },
  { name: 'quiet', short: 'q', help: 'print only errors' },
  { name: 'debug', help: 'show stack traces of internal errors' },
  { name: 'help', short: 'h', help: 'show help' },
  { name: 'version', help: 'show the version' },
];

interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(a: ParsedArgs, io: Io): Promise<number>;
}

interface Io {
  out(s: string): void;
  err(s: string): void;
  readonly tty: boolean;
}

const COMMANDS: Command[] = [
  { name: 'build', summary: 'build targets (block names; none = all)', usage: 'build [file.pipe] [targets...] [--jobs N] [--set name=value] [--force] [--json]', run: (a, io) => cmdBuild(a, io) },
  { name: 'watch', summary: 'build, then rebuild on every change of the .pipe files or the data they read', usage: 'watch [file.pipe] [targets...]', run: (a, io) => cmdWatch(a, io) },
  { name: 'status', summary: 'every step as fresh or stale, with the reason', usage: 'status [file.pipe] [targets...] [--json]', run: (a, io) => cmdStatus(a, io) },
  { name: 'explain', summary: 'why TARGET is stale or fresh, down to the attribute or column', usage: 'explain [file.pipe] TARGET', run: (a, io) => cmdExplain(a, io) },
  { name: 'show', summary: "print a block's result (ranking, metrics, trials)", usage: 'show [file.pipe] TARGET [--json]', run: (a, io) => cmdShow(a, io) },
  { name: 'graph', summary: 'print the DAG', usage: 'graph [file.pipe] [--format dot|mermaid|json]', run: (a, io) => cmdGraph(a, io) },
  { name: 'check', summary: 'parse and check only', usage: 'check [file.pipe]', run: (a, io) => cmdCheck(a, io) },
  { name: 'fmt', summary: 'rewrite files in canonical format', usage: 'fmt [files.pipe...] [--check]', run: (a, io) => cmdFmt(a, io) },
  { name: 'inspect', summary: 'trees, columns, types and entries of a ROOT, Parquet or CSV file', usage: 'inspect FILE [--json]', run: (a, io) => cmdInspect(a, io) },
  { name: 'convert', summary: 'convert a ROOT tree or chain to Parquet', usage: 'convert IN... OUT.parquet [--tree T] [--columns a,b]', run: (a, io) => cmdConvert(a, io) },
  { name: 'predict', summary: 'apply a trained model to a ROOT/Parquet/CSV file', usage: 'predict [file.pipe] MODEL FILE --out OUT.parquet [--keep a,b] [--tree T]', run: (a, io) => cmdPredict(a, io) },
  { name: 'clean', summary: 'remove the cache', usage: 'clean', run: (a, io) => cmdClean(a, io) },
  { name: 'gc', summary: 'remove cache entries the current pipeline no longer references', usage: 'gc [file.pipe]', run: (a, io) => cmdGc(a, io) },
  { name: 'help', summary: 'show help', usage: 'help [command]', run: async (a, io) => { io.out(helpText(a.positionals[0])); return 0; } },
];

function helpText(cmd?: string): string {
  const c = COMMANDS.find((x) => x.name === cmd);
  if (c) return `usage: winnow ${c.usage}\n\n${c.summary}\n`;
  const w = Math.max(...COMMANDS.map((x) => x.name.length));
  return [
    'winnow: declarative, incrementally built pipelines for particle-physics ML',
    '',
    'usage: winnow <command> [file.pipe] [targets...] [options]',
    '',
    'commands:',
    ...COMMANDS.map((x) => `  ${x.name.padEnd(w)}  ${x.summary}`),
    '',
    'options:',
    ...FLAGS.map((f) => `  ${(f.short ? `-${f.short}, ` : '    ') + `--${f.name}${f.value ? ' VALUE' : ''}`.padEnd(18)} ${f.help}`),
    '',
    'The file defaults to the only .pipe file in pipelines/ or the current directory.',
    'Docs: README.md and docs/language.md.',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// shared helpers

class CliError extends Error {
  constructor(message: string, readonly code = 1) {
    super(message);
  }
}

function flagStr(a: ParsedArgs, name: string): string | undefined {
  const v = a.flags[name];
  return typeof v === 'string' ? v : undefined;
}

function jobsOf(a: ParsedArgs): number {
  const j = flagStr(a, 'jobs');
  if (j === undefined) return Math.max(1, Math.min(8, os.availableParallelism()));
  const n = Number(j);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--jobs takes a whole number ≥ 1, got \`${j}\``);
  return n;
}

function overridesOf(a: ParsedArgs): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of (a.flags.set as string[] | undefined) ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set takes name=value, got \`${s}\``);
    out[s.slice(0, eq).trim()] = s.slice(eq + 1).trim();
  }
  return out;
}

/** Splits positionals into the .pipe file (explicit or the default) and the rest. */
function pipeAndRest(a: ParsedArgs): { file: string; rest: string[] } {
  const idx = a.positionals.findIndex((p) => p.endsWith('.pipe'));
  if (idx >= 0) {
    const file = a.positionals[idx]!;
    if (!fs.existsSync(file)) throw new CliError(`${file} does not exist`);
    return { file, rest: a.positionals.filter((_, i) => i !== idx) };
  }
  for (const dir of ['pipelines', '.']) {
    let files: string[] = [];
    try { files = fs.readdirSync(dir).filter((f) => f.endsWith('.pipe')).sort(); } catch { continue; }
    if (files.length === 1) return { file: path.join(dir, files[0]!), rest: a.positionals };
    if (files.length > 1) {
      throw new UsageError(`${dir === '.' ? 'this directory' : `${dir}/`} has ${files.length} .pipe files (${files.join(', ')}): name one, e.g. \`winnow ${a.command} ${path.join(dir, files[0]!)}\``);
    }
  }
  throw new UsageError('no .pipe file given, and none found in pipelines/ or the current directory');
}

function cacheDir(a: ParsedArgs): string {
  return flagStr(a, 'cache') ?? process.env.WINNOW_CACHE ?? 'cache';
}

async function openSession(a: ParsedArgs, file: string) {
  const { Session } = await import('./runtime/session.js');
  const s = new Session({ entry: file, cwd: process.cwd(), cacheDir: cacheDir(a), overrides: overridesOf(a), jobs: jobsOf(a) });
  if (s.opts.jobs > 1) {
    try {
      const { WorkerPoolExecutor } = await import('./runtime/exec/pool.js');
      const { pathToFileURL, fileURLToPath } = await import('node:url');
      const here = path.dirname(fileURLToPath(import.meta.url));
      const registryModule = pathToFileURL(path.join(here, 'runtime', 'steps', 'index.js')).href;
      s.pool = new WorkerPoolExecutor({ workers: s.opts.jobs, registryModule, store: s.store });
    } catch {
      // No worker pool (e.g. running from TypeScript sources): heavy steps run inline.
    }
  }
  return s;
}

async function printDiagnostics(io: Io, diags: readonly { severity: string }[], texts: Map<string, string>): Promise<void> {
  if (!diags.length) return;
  const lang = await import('./lang/index.js');
  const sorted = lang.sortDiagnostics ? lang.sortDiagnostics(diags as never) : diags;
  const rel = (f: string) => path.relative(process.cwd(), f) || f;
  for (const d of sorted as never as import('./lang/index.js').Diagnostic[]) {
    const text = texts.get(d.span.file) ?? '';
    io.err(lang.render({ ...d, span: { ...d.span, file: rel(d.span.file) }, labels: d.labels?.map((l) => ({ ...l, span: { ...l.span, file: rel(l.span.file) } })) } as never, text) + '\n');
  }
  const errors = diags.filter((d) => d.severity === 'error').length;
  const warnings = diags.length - errors;
  io.err(`${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}\n`);
}

/** Loads the plan; prints diagnostics and returns undefined on errors. */
async function loadOrReport(a: ParsedArgs, io: Io, file: string) {
  const s = await openSession(a, file);
  const l = await s.load();
  for (const n of s.notices) io.err(`note: ${n}\n`);
  if (!l.ok) {
    await printDiagnostics(io, l.diagnostics, l.texts);
    await s.pool?.close();
    return undefined;
  }
  if (l.diagnostics.length) await printDiagnostics(io, l.diagnostics, l.texts);
  return { s, l };
}

function checkTargetNames(plan: import('./runtime/graph/types.js').Plan, targets: string[]): void {
  const unknown = targets.filter((t) => !(t in plan.targets) && !plan.steps.some((s) => s.id === t));
  if (!unknown.length) return;
  const names = Object.keys(plan.targets);
  const t = unknown[0]!;
  const best = closest(t, names);
  const hint = best ? `; did you mean \`${best}\`?` : '';
  throw new CliError(`unknown target \`${t}\`${hint} (targets: ${names.join(', ')})`);
}

// ---------------------------------------------------------------------------------------------
// build and friends

type BuildOutcome = Awaited<ReturnType<import('./runtime/session.js').Session['build']>>;

async function runBuildWithProgress(a: ParsedArgs, io: Io, s: import('./runtime/session.js').Session, targets: string[], quietProgress = false, outer?: AbortSignal): Promise<BuildOutcome> {
  const { Progress } = await import('./cli/progress.js');
  const mode = a.flags.verbose ? 'verbose' : io.tty && !a.flags.json && !a.flags.quiet && !quietProgress ? 'tty' : 'quiet';
  const progress = new Progress(process.stderr, mode);
  const ac = new AbortController();
  const onSig = () => {
    progress.stop();
    io.err('\ninterrupted: stopping (the cache stays valid; the next build resumes from here)\n');
    ac.abort();
  };
  outer?.addEventListener('abort', () => ac.abort(), { once: true });
  if (!outer) {
    process.once('SIGINT', onSig);
    process.once('SIGTERM', onSig);
  }
  try {
    return await s.build({ targets: targets.length ? targets : undefined, force: !!a.flags.force, signal: ac.signal, onEvent: progress.onEvent });
  } finally {
    progress.stop();
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
}

/**
 * Copies results out of the cache for people and other tools (only files whose content changed):
 * reports/NAME/{index.html, *.svg, report.json} and scores/MODEL.parquet (the cached bytes as they are).
 */
async function materializeReports(r: BuildOutcome, baseDir: string, bytes: (id: string) => Uint8Array | undefined): Promise<Record<string, string>> {
  const paths: Record<string, string> = {};
  for (const st of r.result.steps) {
    if (!st.id.startsWith('scores:') || (st.status !== 'built' && st.status !== 'cached')) continue;
    const b = bytes(st.id);
    if (!b) continue;
    const p = path.join(baseDir, 'scores', `${st.id.slice('scores:'.length)}.parquet`);
    try { if (Buffer.from(fs.readFileSync(p)).equals(Buffer.from(b))) continue; } catch { /* new */ }
    fs.mkdirSync(path.dirname(p), { recursive: true });
    const tmp = `${p}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, b);
    fs.renameSync(tmp, p);
  }
  for (const st of r.result.steps) {
    if (!st.id.startsWith('report:') || (st.status !== 'built' && st.status !== 'cached')) continue;
    const name = st.id.slice('report:'.length);
    const out = r.result.output(st.id) as { html: string; svgs: Record<string, string>; json: unknown };
    const dir = path.join(baseDir, 'reports', name);
    fs.mkdirSync(dir, { recursive: true });
    const write = (file: string, content: string) => {
      const p = path.join(dir, file);
      try { if (fs.readFileSync(p, 'utf8') === content) return; } catch { /* new */ }
      const tmp = `${p}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, content);
      fs.renameSync(tmp, p);
    };
    for (const [plot, svg] of Object.entries(out.svgs)) write(`${plot}.svg`, svg);
    const { toJson } = await import('./cli/format.js');
    write('report.json', toJson(out.json) + '\n');
    write('index.html', out.html);
    paths[name] = path.relative(process.cwd(), path.join(dir, 'index.html'));
  }
  return paths;
}

function stepBytes(r: BuildOutcome, s: import('./runtime/session.js').Session | undefined): (id: string) => Uint8Array | undefined {
  const hashes = new Map(r.result.steps.map((x) => [x.id, x.hash]));
  return (id) => {
    const h = hashes.get(id);
    return h && s ? s.store.readObject(h) : undefined;
  };
}

function blockKindOf(stepIds: readonly string[]): string {
  const first = stepIds[0] ?? '';
  return first.slice(0, first.indexOf(':'));
}

async function summaryLines(r: BuildOutcome, reports: Record<string, string>): Promise<string[]> {
  const { fmtNum } = await import('./cli/format.js');
  const lines: string[] = [];
  const reportLines: string[] = [];
  const ok = new Set(r.result.steps.filter((s) => s.status === 'built' || s.status === 'cached').map((s) => s.id));
  const seen = new Set<string>();
  for (const ids of Object.values(r.result.targets)) {
    for (const id of ids) {
      if (seen.has(id) || !ok.has(id)) continue;
      seen.add(id);
      const kind = id.slice(0, id.indexOf(':'));
      const name = id.slice(id.indexOf(':') + 1);
      try {
        if (kind === 'dataset' && ok.has(`split:${name}`)) {
          const d = r.result.output(id) as import('./runtime/steps/common.js').DatasetValue;
          const sp = r.result.output(`split:${name}`) as import('./runtime/steps/common.js').SplitValue;
          lines.push(`dataset ${name}: ${d.rows} events (${sp.train.length} train, ${sp.test.length} test); ` +
            (d.task === 'binary' ? `signal ${d.summary.signal.rows} (Σw ${fmtNum(d.summary.signal.weight, 2)}), background ${d.summary.background.rows} (Σw ${fmtNum(d.summary.background.weight, 2)})` : `${d.classes.length} classes`));
        } else if (kind === 'select') {
          const s = r.result.output(id) as import('./runtime/results.js').SelectResult;
          const names = s.selected.slice(0, 6).join(', ') + (s.selected.length > 6 ? `, … (+${s.selected.length - 6})` : '');
          lines.push(`select ${name}: ${s.selected.length} of ${s.ranking.length} variables by ${s.by}: ${names}`);
        } else if (kind === 'eval' && !name.endsWith('.best')) {
          const m = r.result.output(id) as import('./runtime/results.js').ModelResult;
          const cv = m.folds.length ? `auc ${fmtNum(m.metrics.auc)} ± ${fmtNum(m.metrics_std?.auc)} (cv ${m.folds.length})` : '';
          const test = m.test ? `test auc ${fmtNum(m.test.auc)}, ams ${fmtNum(m.test.ams, 2)}` : '';
          lines.push(`model ${name}: ${m.algorithm}, ${[cv, test].filter(Boolean).join('; ')}`);
        } else if (kind === 'search') {
          const s = r.result.output(id) as import('./runtime/results.js').SearchResult;
          const best = s.best;
          const bestEval = ok.has(`eval:${name}.best`) ? (r.result.output(`eval:${name}.best`) as import('./runtime/results.js').ModelResult) : undefined;
          const pruned = s.trials.filter((t) => t.status === 'pruned').length;
          const params = Object.entries(best.params).map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toPrecision(4) : JSON.stringify(v)}`).join(', ');
          lines.push(`search ${name}: ${s.trials.length} trials${pruned ? ` (${pruned} pruned)` : ''}; best ${s.metric} ${fmtNum(best.metric)} ± ${fmtNum(best.std)} (cv) with ${params}` +
            (bestEval?.test ? `; ${name}.best on the test part: ${s.metric} ${fmtNum((bestEval.test as unknown as Record<string, number>)[s.metric])}` : ''));
        } else if (kind === 'report' && reports[name]) {
          reportLines.push(`report ${name}: ${reports[name]}`);
        }
      } catch {
        // A summary line is a courtesy; `show` prints the full result.
      }
    }
  }
  return [...lines, ...reportLines];
}

async function cmdBuild(a: ParsedArgs, io: Io): Promise<number> {
  const { file, rest } = pipeAndRest(a);
  jobsOf(a); // bad --jobs is a usage error even when nothing needs to run
  overridesOf(a);
  const t0 = performance.now();
  let r: BuildOutcome | undefined;
  let session: import('./runtime/session.js').Session | undefined;
  let noopBytes: ((id: string) => Uint8Array | undefined) | undefined;
  if (!a.flags.force && rest.length === 0) {
    // The no-op fast path: nothing is loaded beyond the cache index when nothing changed.
    const { tryNoop } = await import('./runtime/noop.js');
    const n = tryNoop({ entry: file, cwd: process.cwd(), cacheDir: cacheDir(a), overrides: overridesOf(a) });
    if (n) {
      const steps = n.plan.steps.map((st) => ({ id: st.id, kind: st.kind, ...(st.block !== undefined ? { block: st.block } : {}), status: 'cached' as const, ms: 0 }));
      r = { plan: n.plan, rounds: 0, result: { ok: true, cancelled: false, steps, targets: n.plan.targets, ms: 0, files: n.dataFiles, output: n.output } };
      noopBytes = n.bytes;
    }
  }
  if (!r) {
    const loaded = await loadOrReport(a, io, file);
    if (!loaded) return 1;
    session = loaded.s;
    checkTargetNames(loaded.l.plan, rest);
    r = await runBuildWithProgress(a, io, loaded.s, rest);
  }
  const reports = r.result.ok ? await materializeReports(r, process.cwd(), noopBytes ?? stepBytes(r, session)) : {};
  const ms = performance.now() - t0;
  if (a.flags.json) {
    const { toJson } = await import('./cli/format.js');
    io.out(toJson({
      ok: r.result.ok,
      steps: r.result.steps.map((st) => ({ id: st.id, kind: st.kind, status: st.status, ms: Math.round(st.ms * 10) / 10, ...(st.error ? { error: st.error } : {}) })),
      targets: Object.fromEntries(Object.entries(r.result.targets).map(([k, v]) => [k, { steps: v, ...(reports[k] ? { path: reports[k] } : {}) }])),
    }) + '\n');
    await session?.pool?.close();
    return r.result.ok ? 0 : 1;
  }
  const counts = { built: 0, cached: 0, failed: 0, skipped: 0 };
  for (const st of r.result.steps) counts[st.status]++;
  for (const st of r.result.steps) if (st.status === 'failed') io.err(`error: ${st.id} failed: ${st.error ?? 'unknown error'}\n`);
  if (counts.skipped) io.err(`${counts.skipped} step${counts.skipped === 1 ? '' : 's'} not run because an input failed\n`);
  if (r.result.cancelled) io.err('build interrupted\n');
  if (!a.flags.quiet) {
    const parts = [`${counts.built} built`, `${counts.cached} cached`, ...(counts.failed ? [`${counts.failed} failed`] : []), ...(counts.skipped ? [`${counts.skipped} skipped`] : [])];
    io.err(`${r.result.ok ? 'built' : 'build failed'}: ${r.result.steps.length} steps (${parts.join(', ')}) in ${(ms / 1000).toFixed(2)}s\n`);
    for (const line of await summaryLines(r, reports)) io.out(line + '\n');
  }
  await session?.pool?.close();
  return r.result.ok ? 0 : 1;
}

async function cmdStatus(a: ParsedArgs, io: Io): Promise<number> {
  const { file, rest } = pipeAndRest(a);
  const loaded = await loadOrReport(a, io, file);
  if (!loaded) return 1;
  checkTargetNames(loaded.l.plan, rest);
  const st = loaded.s.status(rest.length ? rest : undefined);
  if (a.flags.json) {
    io.out(JSON.stringify({ fresh: st.fresh, stale: st.stale, steps: st.steps.map((x) => ({ id: x.id, kind: x.kind, state: x.state, reasons: x.reasons })) }, null, 2) + '\n');
    return 0;
  }
  const { describeReason } = await import('./runtime/graph/explain.js');
  const w = Math.max(...st.steps.map((x) => x.id.length), 4);
  const reasonText = (rs: typeof st.steps[number]['reasons']): string => {
    const shown = rs.slice(0, 3).map(describeReason).join('; ');
    return rs.length > 3 ? `${shown}; and ${rs.length - 3} more (see \`winnow explain\`)` : shown;
  };
  for (const x of st.steps) io.out(`${x.state === 'fresh' ? 'fresh' : 'stale'}  ${x.id.padEnd(w)}${x.reasons.length ? `  ${reasonText(x.reasons)}` : ''}\n`);
  io.out(`${st.fresh} fresh, ${st.stale} stale\n`);
  return 0;
}

async function cmdExplain(a: ParsedArgs, io: Io): Promise<number> {
  const { file, rest } = pipeAndRest(a);
  if (rest.length !== 1) throw new UsageError('explain takes one target: `winnow explain [file.pipe] TARGET`');
  const loaded = await loadOrReport(a, io, file);
  if (!loaded) return 1;
  checkTargetNames(loaded.l.plan, rest);
  const states = loaded.s.explain(rest[0]!);
  if (a.flags.json) {
    io.out(JSON.stringify(states, null, 2) + '\n');
    return 0;
  }
  const { formatExplanation, describeReason } = await import('./runtime/graph/explain.js');
  // Root causes first: the steps whose own fingerprint changed (not just because an input is stale).
  const roots = states.filter((st) => st.state === 'stale' && st.reasons.some((r) => r.reason !== 'input-stale' && r.reason !== 'input-failed'));
  if (states[0]?.state === 'fresh') io.out(`${rest[0]} is fresh: nothing it depends on changed since it was built\n`);
  else if (roots.length) {
    io.out(`${rest[0]} is stale because:\n`);
    for (const st of roots) {
      for (const r of st.reasons.filter((x) => x.reason !== 'input-stale' && x.reason !== 'input-failed')) io.out(`  ${st.id}: ${describeReason(r)}\n`);
    }
    io.out('\nin detail:\n');
  }
  io.out(formatExplanation(states));
  return 0;
}

async function cmdShow(a: ParsedArgs, io: Io): Promise<number> {
  const { file, rest } = pipeAndRest(a);
  if (rest.length !== 1) throw new UsageError('show takes one target: `winnow show [file.pipe] TARGET`');
  const name = rest[0]!;
  const loaded = await loadOrReport(a, io, file);
  if (!loaded) return 1;
  const { s, l } = loaded;
  // `SEARCH.best` exists in the plan only once the search is complete: build the search, then show it.
  const searchBest = name.endsWith('.best') && name.slice(0, -5) in l.plan.targets;
  checkTargetNames(l.plan, searchBest ? [] : [name]);
  const target = searchBest ? name.slice(0, -5) : name;
  const r = await runBuildWithProgress(a, io, s, [target], true);
  await s.pool?.close();
  if (!r.result.ok) {
    for (const st of r.result.steps) if (st.status === 'failed') io.err(`error: ${st.id} failed: ${st.error ?? 'unknown error'}\n`);
    return 1;
  }
  const reports = await materializeReports(r, process.cwd(), stepBytes(r, s));
  if (searchBest && !r.result.steps.some((x) => x.id === `eval:${name}` && x.status !== 'failed' && x.status !== 'skipped')) {
    throw new CliError(`search \`${target}\` has no finished trial, so \`${name}\` does not exist; see \`winnow show ${target}\``);
  }
  const ids = searchBest ? [`eval:${name}`] : name.includes(':') ? [name] : r.result.targets[name] ?? [name];
  const kind = blockKindOf(ids);
  const f = await import('./cli/format.js');
  let value: unknown;
  let text: string;
  switch (kind) {
    case 'dataset': {
      const d = r.result.output(ids[0]!) as import('./runtime/steps/common.js').DatasetValue;
      const sp = r.result.output(ids[1]!) as import('./runtime/steps/common.js').SplitValue;
      const schema = ids[2] ? (r.result.output(ids[2]) as { columns: { name: string; type: string }[] }) : { columns: [] };
      const { rows, ...rest } = d.summary;
      const v = { rows, columns: schema.columns, ...rest, train: { rows: sp.train.length }, test: { rows: sp.test.length } };
      value = v;
      text = f.formatDataset(name, v);
      break;
    }
    case 'select': { const v = r.result.output(ids[0]!) as import('./runtime/results.js').SelectResult; value = v; text = f.formatSelect(name, v); break; }
    case 'eval': { const v = r.result.output(ids[0]!) as import('./runtime/results.js').ModelResult; value = v; text = f.formatModel(v); break; }
    case 'search': {
      const v = r.result.output(ids[0]!) as import('./runtime/results.js').SearchResult & { complete?: boolean; pruned?: Record<number, string> };
      const best = ids[1] ? (r.result.output(ids[1]) as import('./runtime/results.js').ModelResult) : undefined;
      const { complete: _c, pruned: _p, ...rest2 } = v;
      const out = { ...rest2, best: { ...v.best, ...(best?.test ? { test: best.test } : {}) } };
      value = out;
      text = f.formatSearch(name, out);
      break;
    }
    case 'report': { const rn = ids[0]!.slice('report:'.length); value = { path: reports[rn] }; text = `report ${rn}: ${reports[rn]}\n`; break; }
    default: {
      value = r.result.output(ids[0]!);
      text = f.toJson(value) + '\n';
    }
  }
  io.out(a.flags.json ? f.toJson(value) + '\n' : text);
  return 0;
}

async function cmdGraph(a: ParsedArgs, io: Io): Promise<number> {
  const { file } = pipeAndRest(a);
  const format = flagStr(a, 'format') ?? 'dot';
  if (!['dot', 'mermaid', 'json'].includes(format)) throw new UsageError(`--format is one of dot, mermaid, json; got \`${format}\``);
  const loaded = await loadOrReport(a, io, file);
  if (!loaded) return 1;
  const { formatGraph } = await import('./cli/format.js');
  io.out(formatGraph(loaded.l.plan, a.flags.json ? 'json' : format));
  return 0;
}

async function cmdCheck(a: ParsedArgs, io: Io): Promise<number> {
  const { file } = pipeAndRest(a);
  const { Session } = await import('./runtime/session.js');
  const s = new Session({ entry: file, cwd: process.cwd(), cacheDir: cacheDir(a), overrides: overridesOf(a), jobs: 1 });
  const c = await s.compile();
  await printDiagnostics(io, c.diagnostics, c.texts);
  const errors = c.diagnostics.filter((d) => d.severity === 'error').length;
  if (a.flags.json) io.out(JSON.stringify({ ok: errors === 0, diagnostics: c.diagnostics }, null, 2) + '\n');
  else if (!errors && !a.flags.quiet) io.err(`${path.relative(process.cwd(), file) || file}: ok (${c.files.length} file${c.files.length === 1 ? '' : 's'} checked)\n`);
  return errors ? 1 : 0;
}

async function cmdFmt(a: ParsedArgs, io: Io): Promise<number> {
  let files = a.positionals;
  if (!files.length) files = [pipeAndRest(a).file];
  const lang = await import('./lang/index.js');
  let changed = 0, failed = 0;
  for (const f of files) {
    let text: string;
    try { text = fs.readFileSync(f, 'utf8'); } catch { throw new CliError(`${f} does not exist`); }
    const r = lang.format(text, f);
    if (r.text === undefined) {
      await printDiagnostics(io, r.diagnostics, new Map([[f, text]]));
      failed++;
      continue;
    }
    if (r.text !== text) {
      changed++;
      if (a.flags.check) io.err(`${f}: would be reformatted\n`);
      else {
        const tmp = `${f}.tmp-${process.pid}`;
        fs.writeFileSync(tmp, r.text);
        fs.renameSync(tmp, f);
        if (!a.flags.quiet) io.err(`${f}: formatted\n`);
      }
    }
  }
  if (failed) return 1;
  return a.flags.check && changed ? 1 : 0;
}

async function cmdClean(a: ParsedArgs, io: Io): Promise<number> {
  const dir = cacheDir(a);
  if (!fs.existsSync(dir)) { io.err(`${dir}: no cache\n`); return 0; }
  const { Store } = await import('./runtime/cache/store.js');
  const st = Store.open(dir);
  const lock = await st.lock({ timeoutMs: 10_000 });
  if (!lock.ok) throw new CliError(`the cache ${dir} is in use by process ${lock.error.holder.pid} on ${lock.error.holder.host}; try again when it finishes`);
  try { st.clean(); } finally { lock.value.release(); }
  io.err(`removed the cache ${dir}\n`);
  return 0;
}

async function cmdGc(a: ParsedArgs, io: Io): Promise<number> {
  const { file } = pipeAndRest(a);
  const loaded = await loadOrReport(a, io, file);
  if (!loaded) return 1;
  const { s } = loaded;
  const st = s.status();
  const live = st.steps.map((x) => x.key).filter((k): k is NonNullable<typeof k> => !!k);
  const lock = await s.store.lock({ timeoutMs: 10_000 });
  if (!lock.ok) throw new CliError(`the cache is in use by process ${lock.error.holder.pid}; try again when it finishes`);
  try {
    const r = s.store.gc(live);
    io.err(`gc: removed ${r.records ?? 0} records and ${r.objects ?? 0} objects (${((r.bytes ?? 0) / 1e6).toFixed(1)} MB); kept what ${live.length} current steps use\n`);
  } finally {
    lock.value.release();
  }
  return 0;
}

async function cmdWatch(a: ParsedArgs, io: Io): Promise<number> {
  const { file, rest } = pipeAndRest(a);
  const { watch } = await import('./runtime/graph/watch.js');
  const dim = (s: string) => (io.tty ? `\x1b[2m${s}\x1b[0m` : s);
  let files: string[] = [path.resolve(file)];
  const rebuild = async (signal?: AbortSignal): Promise<{ files: string[] }> => {
    const t0 = performance.now();
    const loaded = await loadOrReport(a, io, file);
    if (!loaded) return { files: [path.resolve(file)] };
    const { s, l } = loaded;
    const r = await runBuildWithProgress(a, io, s, rest, false, signal);
    const reports = r.result.ok ? await materializeReports(r, process.cwd(), stepBytes(r, s)) : {};
    await s.pool?.close();
    const ran = r.result.steps.filter((x) => x.status === 'built');
    for (const st of r.result.steps) if (st.status === 'failed') io.err(`error: ${st.id} failed: ${st.error}\n`);
    io.err(dim(`[watch] ${ran.length ? `ran ${ran.length} step${ran.length === 1 ? '' : 's'}: ${ran.slice(0, 8).map((x) => x.id).join(', ')}${ran.length > 8 ? ', …' : ''}` : 'nothing to do'} in ${((performance.now() - t0) / 1000).toFixed(2)}s`) + '\n');
    if (ran.length) for (const line of await summaryLines(r, reports)) io.out(line + '\n');
    files = [...new Set([...l.pipeFiles, ...l.dataFiles, ...r.result.files].map((p) => path.resolve(p)))];
    return { files };
  };
  io.err(dim('[watch] build started') + '\n');
  await rebuild();
  const w = watch({
    files: () => files,
    rebuild: (signal) => rebuild(signal),
    debounceMs: 100,
    onEvent: (e) => {
      if (e.type === 'rebuild-start') io.err(dim(`[watch] build started (change: ${e.changed.map((p) => `"${path.relative(process.cwd(), p) || p}"`).join(', ')})`) + '\n');
      else if (e.type === 'rebuild-done') io.err(dim('[watch] watching for changes...') + '\n');
      else if (e.type === 'rebuild-error') io.err(`[watch] build failed: ${e.error}\n`);
      else if (e.type === 'watch-error') io.err(`[watch] file watcher error: ${e.error}\n`);
    },
  });
  await w.ready;
  io.err(dim('[watch] watching for changes (Ctrl-C to stop)...') + '\n');
  await new Promise<void>((resolve) => {
    const stop = () => { resolve(); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await w.close();
  return 0;
}

async function cmdInspect(a: ParsedArgs, io: Io): Promise<number> {
  const file = a.positionals[0];
  if (!file || a.positionals.length > 1) throw new UsageError('inspect takes one file: `winnow inspect FILE`');
  const { inspectFile, formatInspect } = await import('./runtime/io/inspect.js');
  const r = await inspectFile(file);
  io.out(a.flags.json ? JSON.stringify(r, null, 2) + '\n' : formatInspect(r));
  return 0;
}

async function cmdConvert(a: ParsedArgs, io: Io): Promise<number> {
  if (a.positionals.length < 2) throw new UsageError('convert takes inputs and an output: `winnow convert IN.root [IN2.root...] OUT.parquet`');
  const out = a.positionals[a.positionals.length - 1]!;
  const inputs = a.positionals.slice(0, -1);
  if (!out.endsWith('.parquet')) throw new UsageError(`the output must be a .parquet file, got \`${out}\``);
  const { convertToParquet } = await import('./runtime/io/convert.js');
  const cols = flagStr(a, 'columns')?.split(',').map((c) => c.trim()).filter(Boolean);
  let lastDraw = 0;
  const r = await convertToParquet({ paths: inputs, tree: flagStr(a, 'tree'), columns: cols }, out, {
    onProgress: (p: { fraction: number; message?: string }) => {
      if (!io.tty || a.flags.quiet) return;
      const now = performance.now();
      if (now - lastDraw < 100 && p.fraction < 1) return;
      lastDraw = now;
      const width = 30;
      const filled = Math.round(p.fraction * width);
      process.stderr.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(p.fraction * 100)}% ${p.message ?? ''}`);
    },
  });
  if (io.tty && !a.flags.quiet) process.stderr.write('\r\x1b[2K');
  if (!a.flags.quiet) {
    const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
    io.err(`wrote ${out}: ${n(r.rows, 'row')}, ${n(r.columns.length, 'column')}\n`);
    if (r.skipped.length > 0) {
      const list = r.skipped.slice(0, 5).map((b) => `${b.name} (${b.rootType})`).join(', ') + (r.skipped.length > 5 ? ', …' : '');
      io.err(`note: ${r.skipped.length} branch${r.skipped.length === 1 ? ' was' : 'es were'} left out, of types winnow does not read yet: ${list}; \`winnow inspect\` lists them\n`);
    }
  }
  return 0;
}

async function cmdPredict(a: ParsedArgs, io: Io): Promise<number> {
  const { file, rest } = pipeAndRest(a);
  if (rest.length !== 2) throw new UsageError('predict takes a model and a data file: `winnow predict [file.pipe] MODEL FILE --out OUT.parquet`');
  const out = flagStr(a, 'out');
  if (!out) throw new UsageError('predict needs `--out OUT.parquet`');
  const [model, dataFile] = rest as [string, string];
  const loaded = await loadOrReport(a, io, file);
  if (!loaded) return 1;
  const { s, l } = loaded;
  const isBest = model.endsWith('.best');
  if (!isBest) checkTargetNames(l.plan, [model]);
  const r = await runBuildWithProgress(a, io, s, [isBest ? model.slice(0, -5) : model], true);
  await s.pool?.close();
  if (!r.result.ok) {
    for (const st of r.result.steps) if (st.status === 'failed') io.err(`error: ${st.id} failed: ${st.error}\n`);
    return 1;
  }
  const { predictFile } = await import('./runtime/predict.js');
  if (!s.lastProgram) await s.compile();
  const res = await predictFile({
    program: s.lastProgram!,
    model,
    fit: r.result.output(`fit:${model}/full`) as import('./runtime/steps/models.js').FitValue,
    file: dataFile,
    out,
    tree: flagStr(a, 'tree'),
    keep: flagStr(a, 'keep')?.split(',').map((x) => x.trim()).filter(Boolean) ?? [],
  });
  if (!a.flags.quiet) io.err(`wrote ${out}: ${res.rows} rows, columns ${res.columns.join(', ')}\n`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// main

export async function main(argv: readonly string[], io: Io): Promise<number> {
  let a: ParsedArgs;
  try {
    a = parseArgs(argv, COMMANDS.map((c) => c.name), FLAGS);
  } catch (e) {
    if (e instanceof UsageError) { io.err(`error: ${e.message}\n`); return 2; }
    throw e;
  }
  if (a.flags.version) {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    io.out(`winnow ${pkg.version}\n`);
    return 0;
  }
  if (a.flags.help || a.command === 'help') { io.out(helpText(a.command === 'help' ? a.positionals[0] : a.command)); return 0; }
  const cmd = COMMANDS.find((c) => c.name === a.command)!;
  try {
    return await cmd.run(a, io);
  } catch (e) {
    if (e instanceof UsageError) { io.err(`error: ${e.message}\n`); return 2; }
    if (e instanceof CliError) { io.err(`error: ${e.message}\n`); return e.code; }
    const err = e as Error;
    const known = ['SourceError', 'CsvError', 'DataError', 'StepError', 'ExprError', 'RootError', 'ParquetError', 'AlgorithmParamError', 'CacheError'].includes(err?.name);
    io.err(`error: ${known ? err.message : `internal error: ${err?.message ?? String(e)}${a.flags.debug ? '' : ' (run with --debug for the stack trace)'}`}\n`);
    if (a.flags.debug && err?.stack) io.err(err.stack + '\n');
    return 1;
  }
}

const isMain = (() => {
  try {
    return fs.realpathSync(process.argv[1] ?? '') === fs.realpathSync(new URL(import.meta.url).pathname);
  } catch {
    return false;
  }
})();

if (isMain) {
  // A reader that goes away (`winnow show top | head -3`) ends our output there, not the command:
  // a build still finishes its steps (and its cache writes) quietly.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    });
  }
  const write = (stream: NodeJS.WriteStream, s: string) => { if (!stream.destroyed) stream.write(s); };
  const io: Io = {
    out: (s) => write(process.stdout, s),
    err: (s) => write(process.stderr, s),
    tty: !!process.stderr.isTTY,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
      // Worker pools and watchers are closed by their commands; make sure nothing keeps us alive.
      if (process.argv[2] !== 'watch') setTimeout(() => process.exit(code), 50).unref();
    },
    (e: unknown) => {
      process.stderr.write(`error: internal error: ${(e as Error)?.message ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
