// Worker for bench/stats.mjs: computes every score for the variables it is given (shared memory).
import { parentPort, workerData } from 'node:worker_threads';
const { univariateAll } = await import(new URL('../dist/runtime/stats/univariate.js', import.meta.url));
const { X, y, w, n, vars, scores } = workerData;
const yy = new Float64Array(y), ww = new Float64Array(w);
const res = [];
// Warm-up on one variable (JIT), as a worker of winnow's pool is warm after its first step.
if (vars.length) univariateAll(scores, new Float64Array(X, vars[0] * n * 8, n), yy, ww, { seed: 0 });
const t0 = performance.now();
for (const j of vars) {
  const x = new Float64Array(X, j * n * 8, n);
  for (const r of univariateAll(scores, x, yy, ww, { seed: 0 })) res.push({ j, s: r.score, value: r.value, pvalue: r.pvalue });
}
parentPort.postMessage({ res, ms: performance.now() - t0 });
