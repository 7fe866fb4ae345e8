/**
 * Search machinery overhead per trial: proposing parameters and encoding them (`paramsKey`), for
 * 1,000 trials of random, grid and bayes (TPE) over a 4-D space (lr log, depth int, dropout, a
 * categorical). The fit is excluded (the objective is a closed-form function); the integrator's
 * planning/hashing/caching is measured elsewhere.
 *
 * Peer, measured in the same run: bench/search_peer.py, the same TPE in numpy/scipy written the way
 * Optuna writes it (vectorised over kernels). Ratio = winnow ms per trial / peer ms per trial.
 *
 * Usage: npm run build && node bench/search.mjs [trials]
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { TrialPlanner, planTrials } from '../dist/runtime/search/index.js';

const N = Number(process.argv[2] ?? 1000);
const span = { file: 'bench', start: 0, end: 0 };
const SPACE = [
  { name: 'lr', target: 'algorithm', span, dist: { kind: 'loguniform', low: 1e-5, high: 1e-1 } },
  { name: 'depth', target: 'algorithm', span, dist: { kind: 'int', low: 1, high: 16 } },
  { name: 'dropout', target: 'algorithm', span, dist: { kind: 'uniform', low: 0, high: 0.6 } },
  { name: 'activation', target: 'algorithm', span, dist: { kind: 'choice', values: ['relu', 'tanh', 'sigmoid', 'elu'] } },
];
const objective = (p) => {
  const a = Math.log10(p.lr) + 2.5;
  const b = (p.depth - 9) / 4;
  const c = (p.dropout - 0.15) / 0.2;
  return -(a * a + b * b + c * c) - (p.activation === 'tanh' ? 0 : 0.7);
};

/**
 * CPU time of this thread in ms (user + system), not wall time: the machine is shared by many jobs,
 * and CPU time is what the search costs whatever else runs. The peer reports time.process_time().
 */
function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function best(f, reps) {
  f();
  let b = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = cpuMs();
    f();
    b = Math.min(b, cpuMs() - t0);
  }
  return b;
}

const rows = [];
const row = (what, ms, note = '') => rows.push({ what, ms, note });

// Random: every trial planned at once (params + key).
row('random: plan all', best(() => new TrialPlanner({ kind: 'random', trials: N, seed: 1 }, SPACE, { direction: 'max' }).plan(new Map()), 5) / N);

// Grid of about N points (10 x 10 x 10 over three dims).
const GRID = [
  { name: 'depth', target: 'algorithm', span, dist: { kind: 'int', low: 1, high: 10 } },
  { name: 'dropout', target: 'algorithm', span, dist: { kind: 'uniform', low: 0, high: 0.45, step: 0.05 } },
  { name: 'layers', target: 'algorithm', span, dist: { kind: 'choice', values: Array.from({ length: 10 }, (_, i) => [16 * (i + 1), 16 * (i + 1)]) } },
];
row('grid: plan all (1,000 points)', best(() => new TrialPlanner({ kind: 'grid' }, GRID, { direction: 'max' }).plan(new Map()), 5) / 1000);

// Bayes, sequential, as a build would run it: one planner, one new outcome at a time.
function bayesIncremental() {
  const planner = new TrialPlanner({ kind: 'bayes', trials: N, seed: 1, startup: 10 }, SPACE, { direction: 'max' });
  const outcomes = new Map();
  const times = [];
  let bestMetric = -Infinity;
  let t0 = cpuMs();
  for (;;) {
    const plan = planner.plan(outcomes);
    let added = 0;
    for (const t of plan.trials) {
      if (outcomes.has(t.index)) continue;
      const m = objective(t.params);
      bestMetric = Math.max(bestMetric, m);
      outcomes.set(t.index, { metric: m, status: 'done' });
      added++;
    }
    const t1 = cpuMs();
    for (let k = 0; k < added; k++) times.push((t1 - t0) / added);
    t0 = t1;
    if (plan.complete && outcomes.size === plan.total) return { times, outcomes, bestMetric };
  }
}
// Three runs (the first also warms the JIT); keep the fastest.
let inc;
for (let r = 0; r < 3; r++) {
  const run = bayesIncremental();
  const sum = (x) => x.times.reduce((a, b) => a + b, 0);
  if (!inc || sum(run) < sum(inc)) inc = run;
}
const total = inc.times.reduce((a, b) => a + b, 0);
row('bayes: sequential, incremental planner', total / N, `last 100 trials: ${(inc.times.slice(-100).reduce((a, b) => a + b, 0) / 100).toFixed(3)} ms/trial; best ${inc.bestMetric.toFixed(3)}`);

// Bayes replanned from scratch with every outcome known (a fresh planner, as after a restart).
const BAYES = { kind: 'bayes', trials: N, seed: 1, startup: 10 };
row('bayes: one replan with a fresh planner (restart)', best(() => new TrialPlanner(BAYES, SPACE, { direction: 'max' }).plan(inc.outcomes), 2) / N, 'per trial of the total');
// The same through planTrials, whose planner is memoised: what a re-plan after each step costs.
planTrials(BAYES, SPACE, inc.outcomes, { direction: 'max' });
row('bayes: one replan via planTrials (memoised)', best(() => planTrials(BAYES, SPACE, inc.outcomes, { direction: 'max' }), 5) / N, 'per trial of the total');

// Peer.
let peer;
try {
  const out = execFileSync('python3', [fileURLToPath(new URL('./search_peer.py', import.meta.url)), String(N)], { encoding: 'utf8' });
  peer = JSON.parse(out.trim().split('\n').pop());
} catch (e) {
  peer = undefined;
  console.error(`peer not run: ${e instanceof Error ? e.message.split('\n')[0] : e}`);
}

console.log(`search overhead per trial, ${N} trials, Node ${process.version}, ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} (shared machine: CPU time, not wall time)`);
console.log('| what | CPU ms per trial | note |');
console.log('|---|---:|---|');
for (const r of rows) console.log(`| ${r.what} | ${r.ms.toFixed(4)} | ${r.note} |`);
if (peer) {
  console.log(`| peer: numpy/scipy TPE (bench/search_peer.py) | ${peer.ms_per_trial.toFixed(4)} | last 100 trials: ${peer.ms_last100.toFixed(3)} ms/trial; best ${peer.best.toFixed(3)} |`);
  const ours = rows.find((r) => r.what.startsWith('bayes: sequential'));
  console.log(`\nratio bayes winnow / peer: ${(ours.ms / peer.ms_per_trial).toFixed(2)} (lower is faster)`);
}
