// Worker for bench/stats.mjs: computes every score for the variables it is given (shared memory),
// twice. The first pass is the cold one (JIT and heap still growing: a fresh pool worker's first
// steps); the second is timed as warm (a pool worker keeps its workers for the whole build and
// has run many rank steps by then). Posts { phase: 'cold' } after the first pass, then the results.
import { parentPort, workerData } from 'node:worker_threads';
const { univariateAll } = await import(new URL('../dist/runtime/stats/univariate.js', import.meta.url));
const { X, y, w, n, vars, scores } = workerData;
const yy = new Float64Array(y), ww = new Float64Array(w);
const pass = () => {
  const res = [];
  for (const j of vars) {
    const x = new Float64Array(X, j * n * 8, n);
    for (const r of univariateAll(scores, x, yy, ww, { seed: 0 })) res.push({ j, s: r.score, value: r.value, pvalue: r.pvalue });
  }
  return res;
};
pass();
parentPort.postMessage({ phase: 'cold' });
const t0 = performance.now();
const res = pass();
parentPort.postMessage({ phase: 'warm', res, ms: performance.now() - t0 });
