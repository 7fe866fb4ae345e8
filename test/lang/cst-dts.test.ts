/** src/lang/cst.d.ts must be what chevrotain generates from the grammar (Principle 7: CST types are generated). */
import { readFileSync } from 'node:fs';
import { generateCstDts } from 'chevrotain';
import { expect, it } from 'vitest';
import { parser } from '../../src/lang/parser.js';

it('cst.d.ts is generated from the current grammar', () => {
  const committed = readFileSync(new URL('../../src/lang/cst.d.ts', import.meta.url), 'utf8');
  const body = committed.split('\n').slice(2).join('\n');
  const generated = generateCstDts(parser.getGAstProductions());
  // On a mismatch, regenerate: the two header lines + this text.
  expect(body).toBe(generated);
});
