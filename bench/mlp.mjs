// bench/mlp.mjs: MLP training speed, winnow native kernels vs tfjs-wasm vs PyTorch, in one run.
//
//   npm run build && node bench/mlp.mjs [--epochs 3] [--tfjs-epochs 2] [--no-tfjs] [--no-torch]
//
// Network 30-64-64-1 (ReLU, sigmoid output, Adam lr 1e-3, batch 512) on 100,000 x 30 synthetic
// rows. Reports the median seconds per epoch of each backend, the ratio to PyTorch on 2 threads
// (and on 1 thread: on a loaded machine 2 OpenMP threads can be slower than one), and prediction
// rows/s. PyTorch runs bench/mlp_ref.py with /usr/bin/python3 when both exist. Imports dist/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : def; };
const epochs = opt('epochs', 3);
const tfjsEpochs = opt('tfjs-epochs', 2);

const { mlp } = await import(pathToFileURL(path.join(root, 'dist/runtime/models/mlp.js')).href);
const { Rng } = await import(pathToFileURL(path.join(root, 'dist/runtime/util/rng.js')).href);

const n = 100_000, d = 30;
const rng = new Rng(0);
const columns = Array.from({ length: d }, () => new Float64Array(n));
const y = new Float64Array(n);
for (let i = 0; i < n; i++) {
  let s = 0;
  for (let f = 0; f < d; f++) { const v = rng.normal(); columns[f][i] = v; if (f < 5) s += v; }
  y[i] = s + 0.5 * rng.normal() > 0 ? 1 : 0;
}
const data = { n, columns, featureNames: columns.map((_, f) => `x${f}`), y, w: new Float64Array(n).fill(1), nClasses: 2 };
const params = { layers: [64, 64], activation: 'relu', optimizer: 'adam', lr: 1e-3, batch: 512 };

async function timeFit(backend, nEpochs, threads = 1) {
  const stamps = [];
  const model = await mlp.fit(data, { ...params, epochs: nEpochs, backend }, {
    seed: 1, threads,
    progress: () => { const c = process.cpuUsage(); stamps.push([performance.now(), (c.user + c.system) / 1e6]); },
  });
  // per-epoch times: differences of progress stamps (the first epoch, with JIT warm-up, worker start
  // and tfjs backend initialisation in it, is dropped as warm-up)
  const per = stamps.slice(1).map((t, i) => (t[0] - stamps[i][0]) / 1000);
  const cpu = stamps.slice(1).map((t, i) => t[1] - stamps[i][1]);
  return { model, per, median: median(per), cpu: median(cpu), trainLoss: model.curve.train.at(-1) };
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN; };

function predictRate(model) {
  model.predict(columns, n); // warm-up
  const t = performance.now();
  model.predict(columns, n);
  return n / ((performance.now() - t) / 1000);
}

const rows = [];
const loadavg = os.loadavg()[0].toFixed(2);
const native = await timeFit('native', epochs + 1, 1);
rows.push({ name: 'winnow native (wasm SIMD), 1 thread', sec: native.median, cpu: native.cpu, predict: predictRate(native.model), loss: native.trainLoss, cpuComparable: true });
const native2 = await timeFit('native', epochs + 1, 2);
rows.push({ name: 'winnow native (wasm SIMD), 2 threads', sec: native2.median, cpu: native2.cpu, predict: NaN, loss: native2.trainLoss });
if (JSON.stringify(native2.model.toJSON()) !== JSON.stringify(native.model.toJSON())) throw new Error('1 and 2 threads gave different models');
if (!args.includes('--no-tfjs')) {
  const tf = await timeFit('tfjs', tfjsEpochs + 1);
  rows.push({ name: 'winnow backend tfjs (tfjs-backend-wasm)', sec: tf.median, cpu: tf.cpu, predict: NaN, loss: tf.trainLoss, cpuComparable: true });
}
const py = '/usr/bin/python3', ref = path.join(here, 'mlp_ref.py');
if (!args.includes('--no-torch') && fs.existsSync(py) && fs.existsSync(ref)) {
  for (const threads of [2, 1]) {
    const r = spawnSync(py, [ref, String(threads), String(epochs + 1)], { encoding: 'utf8' });
    if (r.status === 0) {
      const j = JSON.parse(r.stdout.trim().split('\n').at(-1));
      rows.push({ name: `PyTorch ${j.torch} CPU, ${threads} thread(s)`, sec: median(j.epoch_seconds.slice(1)), cpu: median(j.epoch_cpu_seconds.slice(1)), predict: j.predict_rows_per_second, loss: NaN, torchThreads: threads, cpuComparable: threads === 1 });
    } else {
      rows.push({ name: `PyTorch (${threads} threads) failed: ${r.stderr.trim().split('\n').at(-1)}`, sec: NaN, predict: NaN });
    }
  }
}
const torch2 = rows.find((r) => r.torchThreads === 2)?.sec;
const torch1 = rows.find((r) => r.torchThreads === 1)?.sec;
console.log(`MLP 30-64-64-1, ReLU, Adam, batch 512, ${n} x ${d} synthetic rows; median s/epoch over ${epochs} epochs after 1 warm-up (tfjs: ${tfjsEpochs})`);
console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average ${loadavg} at start: a SHARED machine, so timings are noisy`);
console.log('');
const torch1cpu = rows.find((r) => r.torchThreads === 1)?.cpu;
console.log('| backend | wall s/epoch | vs PyTorch 2 thr | vs PyTorch 1 thr | CPU s/epoch | CPU vs PyTorch 1 thr | predict rows/s | final train loss |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const ratio = (a, t) => (t && Number.isFinite(a) ? `${(a / t).toFixed(2)}x` : '-');
  const pr = Number.isFinite(r.predict) ? Math.round(r.predict).toLocaleString('en-US') : '-';
  const loss = Number.isFinite(r.loss) ? r.loss.toFixed(4) : '-';
  const f3 = (v) => (Number.isFinite(v) ? v.toFixed(3) : '-');
  console.log(`| ${r.name} | ${f3(r.sec)} | ${ratio(r.sec, torch2)} | ${ratio(r.sec, torch1)} | ${f3(r.cpu)} | ${r.cpuComparable ? ratio(r.cpu, torch1cpu) : '-'} | ${pr} | ${loss} |`);
}
console.log('');
console.log('ratio = winnow time / PyTorch time (below 1 = winnow faster). CPU s/epoch = user+system CPU time of the');
console.log('process per epoch (all threads): on a loaded machine it is far steadier than wall time, and the fair');
console.log('single-thread comparison; for 2-thread runs it includes both threads and any spin-waiting.');
