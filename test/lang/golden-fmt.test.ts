/**
 * Golden tests for `winnow fmt`: each test/golden/fmt/NAME.pipe must format to NAME.formatted; formatting is
 * idempotent, keeps every comment (same comment texts, same count) and keeps the parse (the AST without
 * positions is unchanged). Update with `UPDATE_GOLDEN=1 npx vitest run test/lang/golden-fmt.test.ts`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { format, lex, parse } from '../../src/lang/index.js';
import { shape } from './ast-shape.js';

const dir = new URL('../golden/fmt/', import.meta.url);
const update = process.env['UPDATE_GOLDEN'] === '1';
const cases = readdirSync(dir).filter((f) => f.endsWith('.pipe')).sort();

const commentTexts = (t: string): string[] => lex(t, 'x').comments.map((c) => c.text).sort();

describe('golden: fmt', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(10));
  for (const f of cases) {
    it(f, () => {
      const text = readFileSync(new URL(f, dir), 'utf8');
      const r = format(text, f);
      expect(r.diagnostics).toEqual([]);
      const out = r.text!;
      const golden = new URL(f.replace(/\.pipe$/, '.formatted'), dir);
      if (update || !existsSync(golden)) writeFileSync(golden, out);
      expect(out).toBe(readFileSync(golden, 'utf8'));
      expect(format(out, f).text, 'idempotent').toBe(out);
      expect(commentTexts(out), 'comments kept').toEqual(commentTexts(text));
      expect(shape(parse(out, f).module), 'parse kept').toEqual(shape(parse(text, f).module));
    });
  }
  it('refuses a file with syntax errors', () => {
    const r = format('dataset d {\n  source = \n', 'bad.pipe');
    expect(r.text).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E0106']);
  });
  it('formats an empty file to an empty file', () => {
    expect(format('', 'e.pipe').text).toBe('');
    expect(format('\n\n  \n', 'e.pipe').text).toBe('');
    expect(format('# only a comment', 'e.pipe').text).toBe('# only a comment\n');
  });
});
