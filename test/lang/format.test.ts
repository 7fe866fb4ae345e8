import { describe, expect, it } from 'vitest';
import { format, formatExpr, parse, type Expr } from '../../src/lang/index.js';
import { Rng } from '../../src/runtime/util/rng.js';
import { shape } from './ast-shape.js';

const S = { file: 'g', start: 0, end: 0 };
const OPS = ['||', '&&', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', '**'] as const;

/** A random expression tree of the shapes the parser can produce. */
function randomExpr(rng: Rng, depth: number): Expr {
  const leaf = depth <= 0 || rng.int(4) === 0;
  if (leaf) {
    switch (rng.int(5)) {
      case 0: {
        const raw = ['1.5', '2', '1e-3', '.5'][rng.int(4)]!;
        return { kind: 'num', value: Number(raw), raw, span: S };
      }
      case 1:
        return { kind: 'str', value: ['a"b', 'x\\y', 'l\nn', ''][rng.int(4)]!, span: S };
      case 2:
        return { kind: 'bool', value: rng.int(2) === 0, span: S };
      case 3:
        return { kind: 'name', name: 'Muon.pt', quoted: true, span: S };
      default:
        return { kind: 'name', name: ['a', 'b', 'x_1'][rng.int(3)]!, quoted: false, span: S };
    }
  }
  switch (rng.int(7)) {
    case 0:
      return { kind: 'unary', op: rng.int(2) === 0 ? '-' : '!', operand: randomExpr(rng, depth - 1), span: S };
    case 1:
      return { kind: 'call', callee: 'f', calleeSpan: S, args: [randomExpr(rng, depth - 1)], named: [{ name: 'k', nameSpan: S, value: randomExpr(rng, depth - 1), span: S }], span: S };
    case 2:
      return { kind: 'list', items: [randomExpr(rng, depth - 1), randomExpr(rng, depth - 1)], span: S };
    case 3:
      return { kind: 'member', object: randomExpr(rng, depth - 1), name: 'best', nameSpan: S, span: S };
    case 4:
      return { kind: 'index', object: randomExpr(rng, depth - 1), index: randomExpr(rng, depth - 1), span: S };
    default:
      return { kind: 'binary', op: OPS[rng.int(OPS.length)]!, left: randomExpr(rng, depth - 1), right: randomExpr(rng, depth - 1), span: S };
  }
}

describe('formatExpr', () => {
  it('prints any expression so that it parses back to the same tree (minimal parentheses keep the parse)', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 1500; i++) {
      const e = randomExpr(rng, 4);
      const text = `param p = ${formatExpr(e)}`;
      const r = parse(text, 'g');
      expect(r.diagnostics, text).toEqual([]);
      const d = r.module.decls[0];
      expect(d?.kind).toBe('param');
      if (d?.kind === 'param') expect(shape({ file: '', text: '', decls: [{ kind: 'param', name: 'p', nameSpan: S, value: d.value, span: S }] }), text).toEqual(shape({ file: '', text: '', decls: [{ kind: 'param', name: 'p', nameSpan: S, value: e, span: S }] }));
    }
  });
  it('uses no parentheses where precedence already decides', () => {
    const f = (src: string): string => {
      const d = parse(`param p = ${src}`, 'g').module.decls[0];
      return d?.kind === 'param' ? formatExpr(d.value) : '';
    };
    expect(f('((a)) + ((b * c))')).toBe('a + b * c');
    expect(f('(a + b) * c')).toBe('(a + b) * c');
    expect(f('a - (b + c)')).toBe('a - (b + c)');
    expect(f('(a || b) && c')).toBe('(a || b) && c');
    expect(f('-(a ** 2)')).toBe('-a ** 2');
    expect(f('(-a) ** 2')).toBe('(-a) ** 2');
    expect(f('(1).x')).toBe('(1).x');
  });
});

describe('format', () => {
  it('turns CRLF into LF and keeps trailing comments', () => {
    expect(format('param a = 1 # one\r\nparam b = 2\r\n', 'c').text).toBe('param a = 1  # one\n\nparam b = 2\n');
  });
  it('aligns = and trailing comments within a run, and restarts after a blank line', () => {
    const text = 'model m {\n  features = f # f\n  cv = 5 # five\n\n  algorithm = fisher()\n  seed = 1\n}\n';
    expect(format(text, 'a').text).toBe('model m {\n  features = f  # f\n  cv       = 5  # five\n\n  algorithm = fisher()\n  seed      = 1\n}\n');
  });
});
