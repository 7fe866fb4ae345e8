// npm run bench [-- NAME...]: runs bench/NAME.mjs (all benches by default) one after another, on the
// compiled dist/, and prints their results (each prints its own ratio against a peer).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));
const all = fs.readdirSync(dir).filter((f) => f.endsWith('.mjs') && !f.startsWith('_')).map((f) => f.slice(0, -4)).sort();
const want = process.argv.slice(2);
const names = want.length ? want : all;
let failed = 0;
for (const name of names) {
  if (!all.includes(name)) { console.error(`no bench named ${name} (have: ${all.join(', ')})`); failed++; continue; }
  console.log(`\n=== bench/${name}.mjs ===`);
  const r = spawnSync(process.execPath, [path.join(dir, `${name}.mjs`)], { stdio: 'inherit' });
  if (r.status !== 0) { console.error(`bench ${name} failed (exit ${r.status})`); failed++; }
}
process.exit(failed ? 1 : 0);
