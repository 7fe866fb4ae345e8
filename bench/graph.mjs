// bench/graph.mjs — the build core on a generated pipeline of about 1,000 steps:
// full build, no-op rebuild (Node start-up included, as a user runs it), one-edit rebuild, and the
// watch latency from a file save to the start of the rebuild. Compared in the same run with
// Snakemake's dry run (no-op) over a DAG of the same number of jobs, when `snakemake` is installed.
//
// Robustness: every wait has a timeout, children are killed on the way out, temp dirs are removed,
// and the load average is printed before and after (timings on a shared machine are only comparable
// within one run). BENCH_CLI=path/to/cli.js runs another build of winnow (e.g. a frozen copy of dist/,
// since `npm run build` in the same checkout rewrites dist/ under a running bench).
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = process.env.BENCH_CLI ? path.resolve(process.env.BENCH_CLI) : path.join(ROOT, 'dist', 'cli.js');
if (!fs.existsSync(CLI)) { console.error(`${CLI} does not exist: run \`npm run build\` first`); process.exit(1); }
const DERIVES = Number(process.env.BENCH_DERIVES ?? 930);

function machine() {
  return `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' / ');
const loadBefore = load();
const temps = [];
const children = new Set();
function cleanup() {
  for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
  for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { cleanup(); process.exit(130); });

function pipeText(edit = 0) {
  const cols = ['DER_mass_MMC', 'DER_mass_vis', 'DER_pt_h', 'PRI_tau_pt', 'PRI_lep_pt', 'PRI_met', 'PRI_met_sumet', 'DER_sum_pt'];
  const lines = [];
  for (let i = 0; i < DERIVES; i++) {
    const a = cols[i % cols.length], b = cols[(i * 7 + 3) % cols.length];
    lines.push(`    d${i} = ${a} * ${i + 1 + (i === 0 ? edit : 0)} + ${b}`);
  }
  return `dataset higgs {
  source  = csv("${path.join(ROOT, 'data', 'higgsml', 'train.csv')}")
  missing = -999.0
  label   = Label == "s"
  weight  = Weight
  derive {
${lines.join('\n')}
  }
  split = holdout(test: 0.3, seed: 1)
}
features f { from = higgs  include = ["d1", "d2", "d3", "d4"] }
model m { features = f  algorithm = fisher() }
`;
}

function time(cmd, args, cwd) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 600_000, maxBuffer: 256 * 2 ** 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}):\n${r.stderr}`);
  return { ms, out: r.stdout, err: r.stderr };
}

function best(n, f) {
  let m = Infinity;
  for (let i = 0; i < n; i++) m = Math.min(m, f());
  return m;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-graph-'));
temps.push(dir);
fs.writeFileSync(path.join(dir, 'p.pipe'), pipeText());
const full = time(process.execPath, [CLI, 'build', 'p.pipe', '--json'], dir);
const fullJson = JSON.parse(full.out);
if (!fullJson.ok) throw new Error(`the full build failed:\n${full.err}`);
const steps = fullJson.steps.length;
const fullBuilt = fullJson.steps.filter((s) => s.status === 'built').length;
const noop = best(5, () => time(process.execPath, [CLI, 'build', 'p.pipe'], dir).ms);
const nodeStart = best(5, () => time(process.execPath, ['-e', '0'], dir).ms);
fs.writeFileSync(path.join(dir, 'p.pipe'), pipeText(1));
const edit = time(process.execPath, [CLI, 'build', 'p.pipe', '--json'], dir);
const rebuilt = JSON.parse(edit.out).steps.filter((s) => s.status === 'built').length;

// Snakemake: a DAG of `steps` jobs (a chain of fan-ins similar in size), all outputs present -> no-op.
let snake;
const hasSnake = spawnSync('snakemake', ['--version'], { encoding: 'utf8' }).status === 0;
if (hasSnake) {
  const sdir = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-snake-'));
  temps.push(sdir);
  fs.writeFileSync(path.join(sdir, 'Snakefile'), `N = ${steps}
rule all:
    input: expand("out/{i}.txt", i=range(N))
rule step:
    output: "out/{i}.txt"
    shell: "touch {output}"
`);
  const snakeFull = time('snakemake', ['-j', '2', '--quiet'], sdir).ms;
  const snakeNoop = best(3, () => time('snakemake', ['-n', '-j', '2', '--quiet'], sdir).ms);
  snake = { version: spawnSync('snakemake', ['--version'], { encoding: 'utf8' }).stdout.trim(), noop: snakeNoop, full: snakeFull };
}

// Watch latency: save -> "[watch] build started" on stderr.
async function watchLatency() {
  fs.writeFileSync(path.join(dir, 'p.pipe'), pipeText(2));
  spawnSync(process.execPath, [CLI, 'build', 'p.pipe'], { cwd: dir });
  const child = spawn(process.execPath, [CLI, 'watch', 'p.pipe'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.stdout.resume();
  let buf = '';
  let exited = false;
  child.on('exit', () => { exited = true; });
  const waitFor = (re, ms = 120_000) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.stderr.off('data', on); reject(new Error(`watch: no ${re} within ${ms / 1000} s; stderr so far:\n${buf}`)); }, ms);
    const on = (d) => { buf += d; if (re.test(buf)) { clearTimeout(timer); child.stderr.off('data', on); resolve(performance.now()); } };
    child.stderr.on('data', on);
  });
  await waitFor(/watching for changes/);
  const lat = [];
  for (let k = 0; k < 5; k++) {
    buf = '';
    const t0 = performance.now();
    fs.writeFileSync(path.join(dir, 'p.pipe'), pipeText(3 + k));
    const started = await waitFor(/build started/);
    lat.push(started - t0);
    await waitFor(/\[watch\] (ran|nothing)/);
  }
  child.kill('SIGINT');
  await new Promise((resolve) => { if (exited) resolve(); else { const t = setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 10_000); child.on('exit', () => { clearTimeout(t); resolve(); }); } });
  children.delete(child);
  return lat.sort((a, b) => a - b)[2];
}
const watchMs = await watchLatency();

const ratio = snake ? snake.noop / noop : undefined;
const lines = [
  `## Build core: ${steps}-step generated pipeline (${DERIVES} derived columns on the 6,000 HiggsML rows)`,
  '',
  `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC. Load average (1/5/15 min) before: ${loadBefore}; after: ${load()}.`,
  `${os.cpus().length <= 4 && os.loadavg()[0] > os.cpus().length ? 'The machine was shared (load above its core count): absolute times are inflated; the ratio was measured in the same run.' : 'Timings from one run; the ratio was measured in the same run.'}`,
  '',
  '| measurement | time |',
  '|---|---|',
  `| full build (${steps} steps, ${fullBuilt} built) | ${(full.ms / 1000).toFixed(2)} s |`,
  `| no-op rebuild, whole process (best of 5) | ${noop.toFixed(0)} ms |`,
  `| Node start-up alone (\`node -e 0\`) | ${nodeStart.toFixed(0)} ms |`,
  `| one-edit rebuild (${rebuilt} steps rebuilt) | ${(edit.ms / 1000).toFixed(2)} s |`,
  `| watch: save -> rebuild started (median of 5) | ${watchMs.toFixed(0)} ms |`,
  ...(snake ? [`| Snakemake ${snake.version} dry run, ${steps} jobs, all done (best of 3) | ${snake.noop.toFixed(0)} ms |`, `| Snakemake full run, ${steps} \`touch\` jobs, -j 2 | ${(snake.full / 1000).toFixed(2)} s |`] : []),
  '',
  snake ? `No-op: winnow is ${ratio.toFixed(1)}× faster than Snakemake's dry run (goal ≥ 10×).` : 'Snakemake is not installed: no peer ratio (apt-get install snakemake).',
  '',
];
console.log(lines.join('\n'));
if (process.env.BENCH_RESULTS) fs.appendFileSync(process.env.BENCH_RESULTS, lines.join('\n') + '\n');
