/**
 * Golden tests for `winnow check` output: each test/golden/check/NAME.pipe is compiled (imports from
 * test/golden/check/lib/, columns from the in-memory test catalog) and its rendered diagnostics must equal
 * NAME.stderr byte for byte. A first-line comment `# set: a=1 b=2` passes `--set` overrides.
 * Update with `UPDATE_GOLDEN=1 npx vitest run test/lang/golden-check.test.ts`, then read the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile, renderAll } from '../../src/lang/index.js';
import { testCatalog } from './catalogs.js';
import { memoryHost } from './host.js';

const dir = new URL('../golden/check/', import.meta.url);
const update = process.env['UPDATE_GOLDEN'] === '1';

function filesOf(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir)) if (f.endsWith('.pipe')) files[f] = readFileSync(new URL(f, dir), 'utf8');
  for (const f of readdirSync(new URL('lib/', dir))) files[`lib/${f}`] = readFileSync(new URL(`lib/${f}`, dir), 'utf8');
  return files;
}

const files = filesOf();
const cases = Object.keys(files).filter((f) => !f.startsWith('lib/')).sort();

describe('golden: check', () => {
  it('has at least 35 cases with distinct codes', () => {
    expect(cases.length).toBeGreaterThanOrEqual(35);
  });
  for (const f of cases) {
    it(f, async () => {
      const text = files[f]!;
      const overrides: Record<string, string> = {};
      const set = text.match(/^# set: (.*)$/m);
      if (set) for (const kv of set[1]!.split(/\s+/)) overrides[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
      const r = await compile(f, memoryHost(files), { catalog: testCatalog(), overrides });
      const out = renderAll(r.diagnostics, r.texts);
      expect(out, 'a golden case must produce at least one diagnostic').not.toBe('');
      expect(r.program).toBeUndefined();
      const golden = new URL(f.replace(/\.pipe$/, '.stderr'), dir);
      if (update || !existsSync(golden)) writeFileSync(golden, out);
      expect(out).toBe(readFileSync(golden, 'utf8'));
    });
  }
});

describe('golden: check covers the catalogue', () => {
  it('every code but the internal-error one appears in some golden', async () => {
    const { CODES } = await import('../../src/lang/index.js');
    const all = cases.map((f) => {
      const p = new URL(f.replace(/\.pipe$/, '.stderr'), dir);
      return existsSync(p) ? readFileSync(p, 'utf8') : '';
    });
    const missing = Object.keys(CODES).filter((c) => c !== 'E0399' && !all.some((t) => t.includes(`[${c}]`)));
    expect(missing).toEqual([]);
  });
});
