// GBDT benchmark: winnow's gbdt (dist/) against XGBoost `hist` (nthread 2, same parameters), on
// 1,000,000 × 28 synthetic events and on the real HiggsML / UCI HIGGS rows; AUCs and prediction rows/s.
//
// Usage: npm run build && node bench/gbdt.mjs [--rows 1000000] [--trees 100] [--depth 6] [--lr 0.1] [--threads 2] [--skip-peer] [--compare-js]
// --compare-js also fits the synthetic set with winnow's JS histogram kernel (setGbdtWasm(false)), the
// kernel before the wasm one, in the same run, and checks that both give the same model bytes.
// The synthetic events are generated here (seeded) and written to a binary file that
// bench/gbdt_peer.py reads, so both learners see the same bytes. Timings are wall-clock on whatever
// machine runs this; on the shared 2-core development machine other jobs may be running.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const { gbdt, setGbdtWasm } = await import(path.join(root, 'dist/runtime/models/gbdt.js'));
const { auc } = await import(path.join(root, 'dist/runtime/eval/metrics.js'));
const { Rng } = await import(path.join(root, 'dist/runtime/util/rng.js'));

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const ROWS = Number(opt('rows', 1_000_000));
const TREES = Number(opt('trees', 100));
const DEPTH = Number(opt('depth', 6));
const LR = Number(opt('lr', 0.1));
const THREADS = Number(opt('threads', 2));
const SKIP_PEER = args.includes('--skip-peer');
const COMPARE_JS = args.includes('--compare-js');
const F = 28;

/** Synthetic HIGGS-like events: 21 "low-level" N(0,1) features (3 with 10 % missing), 7 nonlinear "high-level" ones. */
function synthetic(n, seed) {
  const rng = new Rng(seed);
  const cols = Array.from({ length: F }, () => new Float64Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 21; j++) cols[j][i] = rng.normal();
    const x = (j) => cols[j][i];
    cols[21][i] = x(0) * x(1);
    cols[22][i] = Math.hypot(x(2), x(3));
    cols[23][i] = Math.sin(x(4)) + 0.5 * x(5);
    cols[24][i] = Math.exp(0.5 * x(6)) - x(7);
    cols[25][i] = Math.abs(x(8) - x(9));
    cols[26][i] = x(10) * x(10) - x(11);
    cols[27][i] = Math.tanh(x(12) + x(13));
    const logit = 0.8 * x(0) - 0.6 * x(1) * x(2) + Math.sin(2 * x(3)) + 0.3 * x(4) * x(4) - 0.5 * cols[22][i]
      + 0.4 * cols[24][i] - 0.7 * Math.abs(x(14)) + 0.3 * x(15) * x(16) + 0.5 + 0.8 * rng.normal();
    y[i] = rng.next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    for (const j of [17, 18, 19]) if (rng.next() < 0.1) cols[j][i] = NaN;
  }
  return { n, columns: cols, featureNames: cols.map((_, j) => `x${j}`), y, w: new Float64Array(n).fill(1), nClasses: 2 };
}

function writeBinary(file, train, test) {
  // Layout: int32 nTrain, int32 nTest, int32 F, then train columns (f64, column-major), y, then test.
  const parts = [Buffer.from(Int32Array.from([train.n, test.n, F]).buffer)];
  for (const d of [train, test]) {
    for (const c of d.columns) parts.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    parts.push(Buffer.from(d.y.buffer, d.y.byteOffset, d.y.byteLength));
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}

function peer(file, extra) {
  const r = spawnSync('/usr/bin/python3', [path.join(here, 'gbdt_peer.py'), file, String(TREES), String(DEPTH), String(LR), ...extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`gbdt_peer.py failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

let lastModelJson = '';
async function winnowRun(train, test, threads, params) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const m = await gbdt.fit(train, gbdt.normalize(params), { seed: 1, threads });
  lastModelJson = JSON.stringify(m.toJSON());
  const c1 = process.cpuUsage(c0);
  const fitS = (performance.now() - t0) / 1000;
  const cpuS = (c1.user + c1.system) / 1e6; // all threads of this process, workers included
  const t1 = performance.now();
  const s = m.predict(test.columns, test.n);
  const predS = (performance.now() - t1) / 1000;
  return { fit_s: fitS, fit_cpu_s: cpuS, auc: auc({ score: s, y: test.y, w: test.w }), predict_rows_per_s: test.n / predS };
}

const load = os.loadavg()[0];
const out = { load_average_at_start: load, machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}; shared machine: other jobs may run`, results: [] };
const log = (s) => process.stdout.write(s + '\n');
log(`load average at start: ${load.toFixed(1)} on ${os.cpus().length} cores (timings are wall-clock; a shared machine inflates both sides)`);

// 1. Synthetic 1M × 28.
{
  const train = synthetic(ROWS, 1), test = synthetic(Math.min(200_000, ROWS), 2);
  const file = path.join(os.tmpdir(), `winnow-gbdt-bench-${ROWS}.bin`);
  writeBinary(file, train, test);
  const params = { trees: TREES, depth: DEPTH, learning_rate: LR, bins: 256 };
  const w = await winnowRun(train, test, THREADS, params);
  log(`synthetic ${ROWS}×${F}, ${TREES} trees depth ${DEPTH} lr ${LR}: winnow fit ${w.fit_s.toFixed(2)} s (cpu ${w.fit_cpu_s.toFixed(1)} s, threads ${THREADS}), test AUC ${w.auc.toFixed(4)}, predict ${(w.predict_rows_per_s / 1e6).toFixed(2)} M rows/s`);
  const row = { data: `synthetic ${ROWS}x${F}`, trees: TREES, depth: DEPTH, learning_rate: LR, winnow: w };
  if (COMPARE_JS) {
    const wasmJson = lastModelJson;
    setGbdtWasm(false);
    const j = await winnowRun(train, test, THREADS, params);
    setGbdtWasm(true);
    const same = lastModelJson === wasmJson;
    log(`  winnow JS histogram kernel: fit ${j.fit_s.toFixed(2)} s (cpu ${j.fit_cpu_s.toFixed(1)} s), test AUC ${j.auc.toFixed(4)}; wasm/JS cpu ${(w.fit_cpu_s / j.fit_cpu_s).toFixed(2)}×; same model bytes: ${same}`);
    row.winnow_js_kernel = { ...j, same_model: same };
  }
  if (!SKIP_PEER) {
    const x = peer(file, []);
    log(`  xgboost ${x.version} hist nthread 2 max_bin 255: fit ${x.fit_s.toFixed(2)} s (cpu ${x.fit_cpu_s.toFixed(1)} s), test AUC ${x.auc.toFixed(4)}, predict ${(x.predict_rows_per_s / 1e6).toFixed(2)} M rows/s`);
    log(`  ratio winnow/xgboost fit time: ${(w.fit_s / x.fit_s).toFixed(2)}× wall, ${(w.fit_cpu_s / x.fit_cpu_s).toFixed(2)}× cpu; AUC difference ${(w.auc - x.auc).toFixed(4)}`);
    row.xgboost = x;
    row.ratio = w.fit_s / x.fit_s;
  }
  out.results.push(row);
  fs.rmSync(file, { force: true });
}

// 2. Real rows (HiggsML: all 30 features, -999 -> NaN, first 4000 train / last 2000 test, balanced weights; UCI HIGGS 5000 / 2000).
{
  const { loadReal } = await import(path.join(here, 'gbdt_real.mjs'));
  for (const name of ['higgsml', 'uci']) {
    const { train, test } = loadReal(root, name);
    const file = path.join(os.tmpdir(), `winnow-gbdt-bench-${name}.bin`);
    writeBinaryW(file, train, test);
    const params = { trees: TREES, depth: DEPTH, learning_rate: LR, bins: 256 };
    const w = await winnowRun(train, test, THREADS, params);
    const row = { data: name, rows: train.n, trees: TREES, depth: DEPTH, learning_rate: LR, winnow: w };
    log(`${name} (${train.n} train rows): winnow fit ${w.fit_s.toFixed(3)} s, test AUC ${w.auc.toFixed(4)}`);
    if (!SKIP_PEER) {
      const x = peer(file, ['--weighted']);
      log(`  xgboost: fit ${x.fit_s.toFixed(3)} s, test AUC ${x.auc.toFixed(4)}; ratio ${(w.fit_s / x.fit_s).toFixed(2)}×`);
      row.xgboost = x;
      row.ratio = w.fit_s / x.fit_s;
    }
    out.results.push(row);
    fs.rmSync(file, { force: true });
  }
}

function writeBinaryW(file, train, test) {
  // Same layout as writeBinary plus a weight column after y for each part (training weights for train, metric weights for test).
  const parts = [Buffer.from(Int32Array.from([train.n, test.n, train.columns.length]).buffer)];
  for (const d of [train, test]) {
    for (const c of d.columns) parts.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    parts.push(Buffer.from(d.y.buffer, d.y.byteOffset, d.y.byteLength));
    parts.push(Buffer.from(d.w.buffer, d.w.byteOffset, d.w.byteLength));
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}

fs.writeFileSync(path.join(here, 'gbdt-last-run.json'), JSON.stringify(out, null, 1) + '\n');
log('wrote bench/gbdt-last-run.json');
