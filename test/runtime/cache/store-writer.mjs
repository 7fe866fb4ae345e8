// Child process for store.test.ts: writes objects, records and the index in a loop until killed.
// argv: <dist store.js path> <cache dir> <seed>
const [storeJs, dir, seedText] = process.argv.slice(2);
const { Store } = await import(storeJs);
const store = Store.open(dir);
let seed = Number(seedText) >>> 0;
const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const index = {};
for (let i = 0; ; i++) {
  const n = Math.floor(rnd() * 300_000);
  const bytes = new Uint8Array(n);
  for (let j = 0; j < n; j += 97) bytes[j] = Math.floor(rnd() * 256);
  const hash = store.writeObject(bytes);
  const key = (hash.slice(0, 56) + i.toString(16).padStart(8, '0')).slice(0, 64);
  store.writeRecord({ format: 1, key, id: `step${i}`, data: { kind: 'k', version: 1, params: { i }, inputs: {}, files: {} }, output: hash, bytes: n, ms: 1, time: new Date().toISOString() });
  index[`step${i}`] = { key, kind: 'k', hash };
  if (i % 5 === 0) store.writeIndex(index);
  if (i === 0) process.stdout.write('ready\n'); // one complete record per round at least
}
