import { encodeTable, decodeTable, tableToParquetBytes, tableFromParquetBytes, tableToArrow } from '../dist/runtime/io/parquet.js';
import * as arrow from 'apache-arrow';
const n = 1e6;
const b1 = new Float64Array(n).map((_, i) => i * 7 - 3);
const b2 = new Float64Array(n).map((_, i) => (i % 3 === 0 ? 1 : 0));
const t = { rows: n, columns: new Map([['b1', { kind: 'num', dtype: 'int64', values: b1 }], ['b2', { kind: 'num', dtype: 'bool', values: b2 }]]) };
// jagged-ish: 1M rows, avg 2 floats
const off = new Int32Array(n + 1); for (let i = 0; i < n; i++) off[i + 1] = off[i] + (i % 5);
const jv = new Float64Array(off[n]).map((_, i) => Math.fround(Math.sin(i)));
const tj = { rows: n, columns: new Map([['j', { kind: 'jagged', dtype: 'float32', offsets: off, values: jv }], ['b1', { kind: 'num', dtype: 'float32', values: b1.map(Math.fround) }]]) };
function time(f, reps = 5) { f(); let best = Infinity; for (let r = 0; r < reps; r++) { const t0 = performance.now(); f(); best = Math.min(best, performance.now() - t0); } return best; }
for (const [name, tab] of [['flat int64+bool', t], ['jagged float32', tj]]) {
  const ipc = encodeTable(tab);
  const ipcNative = arrow.tableToIPC(tableToArrow(tab, 'native'), 'file');
  const pq = tableToParquetBytes(tab);
  const pqz = tableToParquetBytes(tab, { compression: 'zstd' });
  console.log(name, 'sizes MB ipc64', (ipc.length / 1e6).toFixed(1), 'ipcNative', (ipcNative.length / 1e6).toFixed(1), 'pq snappy', (pq.length / 1e6).toFixed(1), 'pq zstd', (pqz.length / 1e6).toFixed(1));
  console.log('  encode ms ipc64', time(() => encodeTable(tab)).toFixed(1), 'parquet', time(() => tableToParquetBytes(tab), 3).toFixed(1));
  console.log('  decode ms ipc64', time(() => decodeTable(ipc)).toFixed(2), 'ipcNative', time(() => decodeTable(ipcNative)).toFixed(1), 'parquet snappy', time(() => tableFromParquetBytes(pq), 3).toFixed(1), 'zstd', time(() => tableFromParquetBytes(pqz), 3).toFixed(1));
}
