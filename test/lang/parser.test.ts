import { describe, expect, it } from 'vitest';
import { lex, parse, render } from '../../src/lang/index.js';
import type { Expr } from '../../src/lang/index.js';

/** Prints an expression fully parenthesised, to pin precedence and associativity. */
function show(e: Expr): string {
  switch (e.kind) {
    case 'num':
      return e.raw;
    case 'str':
      return JSON.stringify(e.value);
    case 'bool':
      return String(e.value);
    case 'name':
      return e.quoted ? `\`${e.name}\`` : e.name;
    case 'list':
      return `[${e.items.map(show).join(', ')}]`;
    case 'unary':
      return `(${e.op}${show(e.operand)})`;
    case 'binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'call':
      return `${e.callee}(${[...e.args.map(show), ...e.named.map((n) => `${n.name}: ${show(n.value)}`)].join(', ')})`;
    case 'member':
      return `${show(e.object)}.${e.name}`;
    case 'index':
      return `${show(e.object)}[${show(e.index)}]`;
    case 'error':
      return '<error>';
  }
}

function expr(src: string): string {
  const r = parse(`param p = ${src}`, 't.pipe');
  expect(r.diagnostics).toEqual([]);
  const d = r.module.decls[0];
  if (d?.kind !== 'param') throw new Error('no param');
  return show(d.value);
}

describe('lexer', () => {
  it('keeps comments in their own group with offsets', () => {
    const r = lex('param a = 1 # one\n# two\n', 'f.pipe');
    expect(r.comments).toEqual([
      { text: '# one', start: 12, end: 17 },
      { text: '# two', start: 18, end: 23 },
    ]);
    expect(r.tokens.map((t) => t.image)).toEqual(['param', 'a', '=', '1']);
  });
  it('treats keywords as keywords only when whole words', () => {
    const r = lex('param params true trueish import importer', 'f.pipe');
    expect(r.tokens.map((t) => t.tokenType.name)).toEqual(['Param', 'Identifier', 'True', 'Identifier', 'Import', 'Identifier']);
  });
  it('reports unknown characters, unterminated strings, bad escapes and bad numbers', () => {
    const r = lex('a = @ "abc\nb = "x\\q" c = 1e d = `x', 'f.pipe');
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['E0101', 'unexpected character `@`'],
      ['E0102', 'unterminated string'],
      ['E0103', 'unknown escape `\\q` in string'],
      ['E0110', 'invalid number `1e`'],
      ['E0104', 'unterminated backtick name'],
    ]);
  });
});

describe('parser: expressions', () => {
  it('follows the precedence of LANGUAGE.md §2', () => {
    expect(expr('a || b && c == d < e + f * g')).toBe('(a || (b && (c == (d < (e + (f * g))))))');
    expect(expr('a * b + c')).toBe('((a * b) + c)');
    expect(expr('a - b - c')).toBe('((a - b) - c)');
    expect(expr('a != b == c')).toBe('((a != b) == c)');
    expect(expr('-a ** 2')).toBe('(-(a ** 2))');
    expect(expr('a ** b ** c')).toBe('(a ** (b ** c))');
    expect(expr('2 ** -1')).toBe('(2 ** (-1))');
    expect(expr('!a && b')).toBe('((!a) && b)');
    expect(expr('(a + b) * c')).toBe('((a + b) * c)');
    expect(expr('x % 2 == 0')).toBe('((x % 2) == 0)');
  });
  it('reads calls, named arguments, members, indexes, lists and literals', () => {
    expect(expr('max(sqrt(Muon_Px**2 + Muon_Py**2))')).toBe('max(sqrt(((Muon_Px ** 2) + (Muon_Py ** 2))))');
    expect(expr('holdout(test: 0.3, seed: seed)')).toBe('holdout(test: 0.3, seed: seed)');
    expect(expr('Muon_Px[0] + nn_tune.best')).toBe('(Muon_Px[0] + nn_tune.best)');
    expect(expr('[1, "a\\"b", true, false, `Muon.pt`, [], -999.0,]')).toBe('[1, "a\\"b", true, false, `Muon.pt`, [], (-999.0)]');
    expect(expr('f()')).toBe('f()');
    expect(expr('1e-3 + .5')).toBe('(1e-3 + .5)');
  });
  it('gives every node a span covering its text', () => {
    const text = 'param p = (a + b) * c';
    const d = parse(text, 't.pipe').module.decls[0];
    if (d?.kind !== 'param') throw new Error('no param');
    expect(text.slice(d.value.span.start, d.value.span.end)).toBe('(a + b) * c');
    if (d.value.kind !== 'binary') throw new Error('not binary');
    expect(text.slice(d.value.left.span.start, d.value.left.span.end)).toBe('(a + b)');
    expect(text.slice(d.span.start, d.span.end)).toBe(text);
  });
});

describe('parser: declarations', () => {
  it('reads params, imports, blocks, nested blocks and one-line blocks', () => {
    const r = parse(
      'import "common.pipe"\nparam seed = 42\ndataset d {\n  source = csv("a.csv")\n  derive { x = a  `y.z` = b }\n}\nmodel f { features = top  algorithm = fisher() }\n',
      't.pipe',
    );
    expect(r.diagnostics).toEqual([]);
    const shape = r.module.decls.map((d) =>
      d.kind === 'block'
        ? [d.blockKind, d.name, d.body.map((i) => (i.kind === 'nested' ? [i.key, i.body.map((j) => j.key)] : i.key))]
        : d.kind === 'param'
          ? ['param', d.name]
          : ['import', d.path],
    );
    expect(shape).toEqual([
      ['import', 'common.pipe'],
      ['param', 'seed'],
      ['dataset', 'd', ['source', ['derive', ['x', 'y.z']]]],
      ['model', 'f', ['features', 'algorithm']],
    ]);
  });
  it('reports every syntax error of a file in one run and keeps the partial tree', () => {
    const text = [
      'param seed =',
      'dataset higgs {',
      '  source = csv("a.csv"',
      '  label = x ==',
      '  derive { a = 1 + * 2 }',
      '}',
      '}',
      'model m { features = top algorithm = gbdt(trees: 3, 4) }',
      'model q { x = ) y = 3 }',
    ].join('\n');
    const r = parse(text, 'bad.pipe');
    expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      'E0106 expected an expression, found `dataset`',
      'E0105 expected `)`, found `label`',
      'E0106 expected an expression, found `derive`',
      'E0106 expected an expression, found `*`',
      'E0107 expected a declaration, found `}`',
      'E0108 positional argument after a named argument',
      'E0106 expected an expression, found `)`',
    ]);
    const names = r.module.decls.map((d) => (d.kind === 'block' ? d.name : d.kind));
    expect(names).toEqual(['param', 'higgs', 'm', 'q']);
  });
  it('restarts after stray input at the top level', () => {
    const r = parse(') ) param a = 1\n= = dataset d { }', 't.pipe');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['E0107', 'E0107']);
    expect(r.module.decls.map((d) => d.kind)).toEqual(['param', 'block']);
  });
  it('points at the end of the last token for an unexpected end of file', () => {
    const text = 'dataset d {\n  source = csv("a")\n\n';
    const r = parse(text, 't.pipe');
    expect(r.diagnostics.length).toBe(1);
    expect(render(r.diagnostics[0]!, text)).toBe(
      ['t.pipe:2:20: error[E0105]: expected `}`, found end of file', '  |', '2 |   source = csv("a")', '  |                    ^'].join('\n'),
    );
  });
});

describe('parser: limits', () => {
  it('stops at a nesting limit with one error instead of overflowing the stack', async () => {
    const { compile, format } = await import('../../src/lang/index.js');
    const inputs = [
      `param a = ${'('.repeat(3000)}1${')'.repeat(3000)}`,
      `param a = ${'['.repeat(3000)}${']'.repeat(3000)}`,
      `param a = ${'-'.repeat(5000)}1`,
      `param a = ${Array(3000).fill('2').join(' ** ')}`,
      `param a = ${Array(20000).fill('1').join(' + ')}`,
      `dataset d {${' x {'.repeat(3000)}${'}'.repeat(3001)}`,
    ];
    for (const text of inputs) {
      const p = parse(text, 'deep.pipe');
      expect(p.diagnostics.map((d) => d.code)).toContain('E0111');
      expect(format(text, 'deep.pipe').text).toBeUndefined();
      const c = await compile('deep.pipe', { readFile: () => text, resolve: (_f, p) => p });
      expect(c.diagnostics.map((d) => d.code)).toContain('E0111');
    }
  });
});
