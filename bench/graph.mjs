// bench/graph.mjs — the build core on a generated pipeline of about 1,000 steps:
// full build, no-op rebuild (Node start-up included, as a user runs it), one-edit rebuild, and the
// watch latency from a file save to the start of the rebuild. Compared in the same run with
// Snakemake's dry run (no-op) over a DAG of the same number of jobs, when `snakemake` is installed.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const DERIVES = Number(process.env.BENCH_DERIVES ?? 930);

function machine() {
  return `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

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
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return { ms, out: r.stdout, err: r.stderr };
}

function best(n, f) {
  let m = Infinity;
  for (let i = 0; i < n; i++) m = Math.min(m, f());
  return m;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-bench-graph-'));
fs.writeFileSync(path.join(dir, 'p.pipe'), pipeText());
const full = time(process.execPath, [CLI, 'build', 'p.pipe', '--json'], dir);
const steps = JSON.parse(full.out).steps.length;
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
  fs.writeFileSync(path.join(sdir, 'Snakefile'), `N = ${steps}
rule all:
    input: expand("out/{i}.txt", i=range(N))
rule step:
    output: "out/{i}.txt"
    shell: "touch {output}"
`);
  spawnSync('snakemake', ['-j', '2', '--quiet'], { cwd: sdir, encoding: 'utf8' });
  const snakeNoop = best(3, () => time('snakemake', ['-n', '-j', '2', '--quiet'], sdir).ms);
  snake = { version: spawnSync('snakemake', ['--version'], { encoding: 'utf8' }).stdout.trim(), noop: snakeNoop };
}

// Watch latency: save -> "[watch] build started" on stderr.
async function watchLatency() {
  fs.writeFileSync(path.join(dir, 'p.pipe'), pipeText(2));
  spawnSync(process.execPath, [CLI, 'build', 'p.pipe'], { cwd: dir });
  const child = spawn(process.execPath, [CLI, 'watch', 'p.pipe'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let buf = '';
  const waitFor = (re) => new Promise((resolve) => {
    const on = (d) => { buf += d; if (re.test(buf)) { child.stderr.off('data', on); resolve(performance.now()); } };
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
  return lat.sort((a, b) => a - b)[2];
}
const watchMs = await watchLatency();

const ratio = snake ? snake.noop / noop : undefined;
const lines = [
  `## Build core: ${steps}-step generated pipeline (${DERIVES} derived columns on the 6,000 HiggsML rows)`,
  '',
  `Machine: ${machine()}. Date: ${new Date().toISOString().slice(0, 10)}.`,
  '',
  '| measurement | time |',
  '|---|---|',
  `| full build (${steps} steps) | ${(full.ms / 1000).toFixed(2)} s |`,
  `| no-op rebuild, whole process (best of 5) | ${noop.toFixed(0)} ms |`,
  `| Node start-up alone (\`node -e 0\`) | ${nodeStart.toFixed(0)} ms |`,
  `| one-edit rebuild (${rebuilt} steps rebuilt) | ${(edit.ms / 1000).toFixed(2)} s |`,
  `| watch: save -> rebuild started (median of 5) | ${watchMs.toFixed(0)} ms |`,
  ...(snake ? [`| Snakemake ${snake.version} dry run, ${steps} jobs, all done (best of 3) | ${snake.noop.toFixed(0)} ms |`] : []),
  '',
  snake ? `No-op: winnow is ${ratio.toFixed(1)}× faster than Snakemake's dry run (goal ≥ 10×).` : 'Snakemake is not installed: no peer ratio (apt-get install snakemake).',
  '',
];
console.log(lines.join('\n'));
if (process.env.BENCH_RESULTS) fs.appendFileSync(process.env.BENCH_RESULTS, lines.join('\n') + '\n');
