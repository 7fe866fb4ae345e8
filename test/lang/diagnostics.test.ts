import { describe, expect, it } from 'vitest';
import { CODES, LineIndex, render, type Diagnostic } from '../../src/lang/index.js';

const file = 'pipelines/higgs.pipe';

describe('render', () => {
  it('prints the form of STYLE.md exactly', () => {
    const text = `${'\n'.repeat(10)}    pt_ratio = PRI_lep_pt / PRI_tua_pt\n`;
    const start = text.indexOf('PRI_tua_pt');
    const span = { file, start, end: start + 10 };
    const d: Diagnostic = {
      code: 'E0201',
      severity: 'error',
      message: 'unknown column `PRI_tua_pt`',
      span,
      labels: [{ span, message: 'not a column of `higgs`' }],
      help: 'did you mean `PRI_tau_pt`?',
    };
    expect(render(d, text)).toBe(
      [
        'pipelines/higgs.pipe:11:29: error[E0201]: unknown column `PRI_tua_pt`',
        '   |',
        '11 |     pt_ratio = PRI_lep_pt / PRI_tua_pt',
        '   |                             ^^^^^^^^^^ not a column of `higgs`',
        '   = help: did you mean `PRI_tau_pt`?',
      ].join('\n'),
    );
  });
  it('underlines to the end of the first line of a multi-line span, and one caret for an empty span', () => {
    const text = 'a = [1,\n  2]\n';
    const d: Diagnostic = { code: 'E0301', severity: 'error', message: 'm', span: { file: 'f', start: 4, end: 12 } };
    expect(render(d, text)).toBe(['f:1:5: error[E0301]: m', '  |', '1 | a = [1,', '  |     ^^^'].join('\n'));
    const e: Diagnostic = { ...d, span: { file: 'f', start: 7, end: 7 } };
    expect(render(e, text).split('\n')[3]).toBe('  |        ^');
  });
  it('keeps tabs in the caret prefix so carets line up', () => {
    const text = '\tx = @\n';
    const d: Diagnostic = { code: 'E0101', severity: 'error', message: 'unexpected character `@`', span: { file: 'f', start: 5, end: 6 } };
    expect(render(d, text).split('\n')[3]).toBe('  | \t    ^');
  });
  it('prints secondary labels on their own lines, in line order', () => {
    const text = 'param a = 1\nparam a = 2\n';
    const d: Diagnostic = {
      code: 'E0208',
      severity: 'error',
      message: 'param `a` is defined twice',
      span: { file: 'f', start: 18, end: 19 },
      labels: [{ span: { file: 'f', start: 6, end: 7 }, message: 'first defined here' }],
    };
    expect(render(d, text)).toBe(
      ['f:2:7: error[E0208]: param `a` is defined twice', '  |', '1 | param a = 1', '  |       - first defined here', '2 | param a = 2', '  |       ^'].join('\n'),
    );
  });
});

describe('catalogue', () => {
  it('has a one-line description for every code, grouped by phase', () => {
    for (const [code, text] of Object.entries(CODES)) {
      expect(code).toMatch(/^E0[1-5]\d\d$/);
      expect(text).not.toContain('\n');
      expect(text.length).toBeGreaterThan(5);
    }
  });
});

describe('LineIndex', () => {
  it('handles LF, CRLF and CR line ends', () => {
    const idx = new LineIndex('a\r\nbc\rd\ne');
    expect([0, 3, 4, 6, 8].map((o) => idx.position(o))).toEqual([
      { line: 1, column: 1 },
      { line: 2, column: 1 },
      { line: 2, column: 2 },
      { line: 3, column: 1 },
      { line: 4, column: 1 },
    ]);
    expect(idx.lineText(2)).toBe('bc');
  });
});

describe('render without text', () => {
  it('prints only the header (and help) for a file that could not be read', () => {
    const d: Diagnostic = { code: 'E0501', severity: 'error', message: 'cannot read `x.pipe`', span: { file: 'x.pipe', start: 0, end: 0 } };
    expect(render(d, '')).toBe('x.pipe:1:1: error[E0501]: cannot read `x.pipe`');
  });
});
