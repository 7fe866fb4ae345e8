/**
 * Fuzz: a few thousand mutated versions of realistic .pipe files (tokens deleted, duplicated, swapped or
 * replaced; characters deleted or inserted; truncations) go through parse, compile (with the test catalog)
 * and format. Nothing may throw or hang, every diagnostic span lies within the text of its file, every
 * diagnostic renders, and whenever format() returns text it is idempotent and keeps the parse.
 * Mutations come from a seeded Rng, so a failure reproduces; the failing input is printed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { compile, format, lex, parse, render, type Diagnostic } from '../../src/lang/index.js';
import { Rng } from '../../src/runtime/util/rng.js';
import { shape } from './ast-shape.js';
import { testCatalog } from './catalogs.js';
import { memoryHost } from './host.js';

const seeds: string[] = [];
for (const [d, ext] of [
  ['./fixtures/', '.pipe'],
  ['../golden/fmt/', '.pipe'],
  ['../golden/check/', '.pipe'],
] as const) {
  const u = new URL(d, import.meta.url);
  for (const f of readdirSync(u)) if (f.endsWith(ext)) seeds.push(readFileSync(new URL(f, u), 'utf8'));
}
const lib = readFileSync(new URL('../golden/check/lib/broken.pipe', import.meta.url), 'utf8');

const INSERTS = ['{', '}', '(', ')', '[', ']', '"', '`', '#', '=', ',', ':', '.', '-', '*', '**', '!', '\n', ' ', '@', '1e', 'x', 'import "lib.pipe"\n', 'dataset ', '\\'];

function mutate(text: string, rng: Rng): string {
  const toks = lex(text, 'm').tokens;
  const n = 1 + rng.int(3);
  let t = text;
  for (let k = 0; k < n; k++) {
    const op = rng.int(8);
    const tok = toks[rng.int(Math.max(1, toks.length))];
    const a = tok?.startOffset ?? 0;
    const b = tok !== undefined ? a + tok.image.length : 0;
    const p = rng.int(t.length + 1);
    switch (op) {
      case 0: // delete a token
        t = t.slice(0, a) + t.slice(b);
        break;
      case 1: // duplicate a token
        t = t.slice(0, b) + ' ' + t.slice(a, b) + t.slice(b);
        break;
      case 2: {
        // swap a token with the next one
        const next = toks[toks.indexOf(tok!) + 1];
        if (tok !== undefined && next !== undefined && next.startOffset >= b) {
          const c = next.startOffset;
          const d = c + next.image.length;
          t = t.slice(0, a) + t.slice(c, d) + t.slice(b, c) + t.slice(a, b) + t.slice(d);
        }
        break;
      }
      case 3: // replace a token with another token of the file
        if (tok !== undefined) {
          const o = toks[rng.int(toks.length)]!;
          t = t.slice(0, a) + o.image + t.slice(b);
        }
        break;
      case 4: // delete a character
        t = t.slice(0, p) + t.slice(p + 1);
        break;
      case 5: // insert a character or snippet
        t = t.slice(0, p) + INSERTS[rng.int(INSERTS.length)]! + t.slice(p);
        break;
      case 6: // truncate
        t = t.slice(0, p);
        break;
      default: {
        // duplicate a character range
        const q = Math.min(t.length, p + rng.int(40));
        t = t.slice(0, q) + t.slice(p, q) + t.slice(q);
      }
    }
  }
  return t;
}

function spansInBounds(ds: readonly Diagnostic[], texts: Record<string, string>): void {
  for (const d of ds) {
    for (const s of [d.span, ...(d.labels ?? []).map((l) => l.span)]) {
      const text = texts[s.file];
      expect(text, `diagnostic in an unknown file ${s.file}`).toBeDefined();
      expect(s.start >= 0 && s.start <= s.end && s.end <= text!.length, `span ${s.start}..${s.end} of ${d.code} out of 0..${text!.length}`).toBe(true);
    }
    render(d, texts[d.span.file] ?? '', texts);
  }
}

it('survives thousands of mutated inputs', async () => {
  const rng = new Rng(20261125);
  const started = process.cpuUsage();
  let formatted = 0;
  let clean = 0;
  const N = 2000;
  for (let i = 0; i < N; i++) {
    const text = mutate(seeds[rng.int(seeds.length)]!, rng);
    try {
      const p = parse(text, 'm.pipe');
      spansInBounds(p.diagnostics, { 'm.pipe': text });
      const files = { 'm.pipe': text, 'lib.pipe': lib };
      const c = await compile('m.pipe', memoryHost(files), { catalog: testCatalog() });
      spansInBounds(c.diagnostics, c.texts);
      if (c.program !== undefined) clean++;
      const f = format(text, 'm.pipe');
      if (f.text !== undefined) {
        formatted++;
        expect(format(f.text, 'm.pipe').text).toBe(f.text);
        expect(shape(parse(f.text, 'm.pipe').module)).toEqual(shape(p.module));
      }
    } catch (e) {
      throw new Error(`input #${i} failed: ${e instanceof Error ? e.message : String(e)}\n--- input ---\n${text}\n-------------`);
    }
  }
  const cpu = process.cpuUsage(started);
  const ms = (cpu.user + cpu.system) / 1000;
  // Sanity: the mutations are not all fatal, and not all harmless.
  expect(formatted).toBeGreaterThan(N / 20);
  expect(formatted).toBeLessThan(N);
  expect(clean).toBeGreaterThan(0);
  // CPU time, not wall time: the machine is shared, and a hang would blow through this too.
  expect(ms).toBeLessThan(15_000);
}, 60_000);
