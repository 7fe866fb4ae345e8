/**
 * bench/search-overhead.mjs — the search machinery's cost per trial, fit excluded: planning the
 * trial x fold steps (search-plan.ts + planSearch), keying them (canonical params + input hashes),
 * cache lookups, the scheduler's cached path, and the driver's re-planning rounds (learning each
 * trial's metric from its cached output).
 *
 * Pipeline: HiggsML (6,000 events, 2 features), gbdt(trees: 1, depth: 1) so a fit is trivially
 * cheap, and `search t { random(trials: N), cv = 3, prune = false }` over learning_rate: 3N trial
 * steps. Measured in-process through the build driver (runtime/session.ts, the code the CLI runs),
 * with the plan cache off so every build plans from scratch:
 *   cold       the first build of the search: CPU time outside the fit steps (the fit steps' CPU is
 *              measured by wrapping the registry's fit.gbdt; jobs 1 runs steps inline, one at a time),
 *              and wall time outside the steps (the cache fsyncs every object and record it writes)
 *   cached     a rebuild where every trial x fold is a cache hit, minus a rebuild of the model alone
 *              (data reads, compile): everything left is search machinery
 *   replan     one plan() with all 3N trial metrics known (the driver's last round)
 * Times are CPU time of this process (process.cpuUsage) and wall time; the machine is shared.
 *
 * Peer, same run: bench/search_overhead_peer.py, a minimal hand-written Python cache of the same
 * 3N trial x fold results (canonical JSON of params + input hashes -> sha256 -> one file each,
 * stat + read + json decode on a hit): what any cached trial needs at least, without a DAG.
 * Ratio = winnow cached ms per trial / peer cached ms per trial.
 *
 * Usage: npm run build && node bench/search-overhead.mjs [trials] [--append]
 *   --append adds the result table to bench/RESULTS-search.md.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const N = Number(process.argv.find((a, i) => i >= 2 && /^\d+$/.test(a)) ?? 1000);
const APPEND = process.argv.includes('--append');
const CV = 3;

const { Session } = await import(path.join(ROOT, 'dist', 'runtime', 'session.js'));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-search-bench-'));
const pipe = path.join(dir, 'p.pipe');
fs.writeFileSync(pipe, `dataset higgs {
  source  = csv("${path.join(ROOT, 'data', 'higgsml', 'train.csv')}")
  missing = -999.0
  label   = Label == "s"
  weight  = Weight
  split   = holdout(test: 0.3, seed: 1)
}
features f { from = higgs  include = ["DER_mass_MMC", "DER_mass_transverse_met_lep"] }
model g { features = f  algorithm = gbdt(trees: 1, depth: 1)  cv = ${CV} }
search t {
  model = g
  space { learning_rate = uniform(0.01, 0.5) }
  strategy = random(trials: ${N}, seed: 1)
  metric   = auc
  cv       = ${CV}
  prune    = false
}
`);

// CPU spent inside fit steps (jobs 1: steps run inline, one at a time, so the deltas are theirs).
const { registry } = await import(path.join(ROOT, 'dist', 'runtime', 'steps', 'index.js'));
let fitCpu = 0;
{
  const impl = registry.get('fit.gbdt');
  const run = impl.run.bind(impl);
  impl.run = async (...args) => {
    const c0 = cpu();
    try { return await run(...args); } finally { fitCpu += cpu() - c0; }
  };
}

const session = () => new Session({ entry: pipe, cwd: dir, cacheDir: path.join(dir, 'cache'), overrides: {}, jobs: 1 });

async function timedBuild(targets) {
  const s = session();
  const c0 = cpu(), w0 = performance.now();
  const loaded = await s.load({ noCache: true });
  if (!loaded.ok) throw new Error('bench pipeline does not check: ' + JSON.stringify(loaded.diagnostics));
  const r = await s.build({ targets });
  const out = { cpu: cpu() - c0, wall: performance.now() - w0, result: r.result, rounds: r.rounds, session: s };
  if (!r.result.ok) throw new Error('bench build failed: ' + r.result.steps.filter((x) => x.error).map((x) => `${x.id}: ${x.error}`).join('; '));
  return out;
}

// Warm up: data reads and the model alone (not measured), so the cold search build is the search.
await timedBuild(['g']);
fitCpu = 0;
const cold = await timedBuild(['t']);
const coldFitCpu = fitCpu;
const trialSteps = cold.result.steps.filter((x) => x.id.startsWith('trial:'));
if (trialSteps.length !== N * CV || trialSteps.some((x) => x.status !== 'built')) throw new Error(`expected ${N * CV} built trial steps`);
const fitMs = cold.result.steps.filter((x) => x.status === 'built').reduce((a, x) => a + x.ms, 0);

// Cached rebuilds (best of 3), search vs the model alone.
const best = async (targets) => {
  let b;
  for (let i = 0; i < 3; i++) {
    const m = await timedBuild(targets);
    if (m.result.steps.some((x) => x.status === 'built')) throw new Error('a cached rebuild built something');
    if (!b || m.cpu < b.cpu) b = m;
  }
  return b;
};
const cachedT = await best(['t']);
const cachedG = await best(['g']);

// One re-plan with every trial metric known (what each later round of the driver costs).
const knowledge = new Map();
for (const x of cachedT.result.steps) if (x.id.startsWith('trial:')) knowledge.set(x.id, cachedT.result.output(x.id).metric);
const s = cachedT.session;
let replan = Infinity, replanWall = Infinity;
for (let i = 0; i < 5; i++) {
  const c0 = cpu(), w0 = performance.now();
  const p = s.planWith((id) => knowledge.get(id));
  replan = Math.min(replan, cpu() - c0);
  replanWall = Math.min(replanWall, performance.now() - w0);
  if (!p.steps.some((x) => x.id === 'search:t')) throw new Error('re-plan did not complete the search');
}

// Peer.
let peer;
try {
  peer = JSON.parse(execFileSync('python3', [path.join(ROOT, 'bench', 'search_overhead_peer.py'), String(N), String(CV)], { encoding: 'utf8' }));
} catch (e) {
  peer = undefined;
  console.error(`peer failed: ${e.message}`);
}

const perTrial = (ms) => ms / N;
const rows = [
  ['cold build: CPU outside the fit steps (planning, keys, encoding, stores, scheduling)', perTrial(cold.cpu - coldFitCpu), `build CPU ${(cold.cpu / 1000).toFixed(1)} s, of which fit steps ${(coldFitCpu / 1000).toFixed(1)} s; ${cold.rounds} rounds`],
  ['cold build: wall outside the steps (mostly the cache\'s fsyncs: object + record per step)', perTrial(cold.wall - fitMs), `Σ step wall ${(fitMs / 1000).toFixed(1)} s of ${(cold.wall / 1000).toFixed(1)} s wall`],
  ['cached rebuild (CPU), minus the model alone', perTrial(cachedT.cpu - cachedG.cpu), `${cachedT.rounds} rounds; search ${cachedT.cpu.toFixed(0)} ms, model alone ${cachedG.cpu.toFixed(0)} ms`],
  ['cached rebuild (wall), minus the model alone', perTrial(cachedT.wall - cachedG.wall), `search ${cachedT.wall.toFixed(0)} ms, model alone ${cachedG.wall.toFixed(0)} ms`],
  ['one re-plan with all metrics known (CPU)', perTrial(replan), `wall ${replanWall.toFixed(1)} ms`],
];
if (peer) rows.push(['peer: Python hand-rolled cache, all hits (CPU)', peer.hit_ms / N, `cold (write) ${(peer.miss_ms / N).toFixed(4)} ms/trial`]);

const load = os.loadavg()[0].toFixed(1);
const lines = [
  `search overhead per trial (fit excluded), ${N} trials × ${CV} folds, Node ${process.version}, ${os.cpus().length} cores, load average ${load} (shared machine)`,
  '',
  '| what | ms per trial | note |',
  '|---|---:|---|',
  ...rows.map(([w, ms, note]) => `| ${w} | ${ms.toFixed(4)} | ${note} |`),
  '',
  peer ? `ratio cached winnow / peer: ${((cachedT.cpu - cachedG.cpu) / peer.hit_ms).toFixed(2)} (lower is faster); goal < 5 ms per trial: CPU ${perTrial(Math.max(cold.cpu - coldFitCpu, cachedT.cpu - cachedG.cpu)) < 5 ? 'met' : 'NOT met'}, wall cached ${perTrial(cachedT.wall - cachedG.wall) < 5 ? 'met' : 'NOT met'}, wall cold ${perTrial(cold.wall - fitMs) < 5 ? 'met' : 'NOT met (fsync-bound)'}` : 'peer unavailable',
];
console.log(lines.join('\n'));
if (APPEND) {
  const f = path.join(ROOT, 'bench', 'RESULTS-search.md');
  fs.appendFileSync(f, `\n## Search machinery per trial, through the build driver (bench/search-overhead.mjs), ${new Date().toISOString().slice(0, 10)}\n\n${lines.join('\n')}\n`);
}
fs.rmSync(dir, { recursive: true, force: true });
