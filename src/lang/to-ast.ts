/**
 * CST -> AST: turns the (possibly partial) Chevrotain CST into the readonly AST of ast.ts, and `parse()`.
 *
 * May import: parser, lexer, ast (types), diagnostics, cst.d.ts (types).
 *
 * Choices:
 * - Kept apart from ast.ts so the runtime, which imports the AST types, never loads Chevrotain.
 * - After recovery any child may be missing, and tokens inserted by recovery have NaN offsets: every access
 *   is defensive. A missing expression becomes `{kind: 'error'}` at the nearest known position, a missing
 *   name becomes '' (the checker skips empty names, the parser has already reported the error).
 * - A parenthesised expression keeps no node of its own; its span is widened to cover the parentheses.
 */
import type { IToken } from 'chevrotain';
import type { Attribute, BinaryOp, Block, BlockItem, Decl, Expr, Module, NamedArg, NestedBlock, Span } from './ast.js';
import type * as C from './cst.js';
import { error, type Diagnostic } from './diagnostics.js';
import { quotedNameValue, stringValue, type Comment } from './lexer.js';
import { parseCst } from './parser.js';

export interface ParseResult {
  readonly module: Module;
  readonly comments: readonly Comment[];
  /** Lexer and parser diagnostics (E01xx), in text order. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Parses one file. Never throws on user input; the module is partial when there are diagnostics. */
export function parse(text: string, file: string): ParseResult {
  try {
    return parseUnguarded(text, file);
  } catch (e: unknown) {
    // The nesting limits of parser.ts keep real input far from the stack limit; this is the last guard, so
    // that parse() never throws on user input.
    if (!(e instanceof RangeError)) throw e;
    const span = { file, start: 0, end: 0 };
    return { module: { file, text, decls: [] }, comments: [], diagnostics: [error('E0111', 'input too deeply nested to read', span)] };
  }
}

function parseUnguarded(text: string, file: string): ParseResult {
  const cst = parseCst(text, file);
  const b = new AstBuilder(file, text);
  const decls: Decl[] = [];
  for (const m of cst.modules) decls.push(...b.module(m as C.ModuleCstNode));
  const diagnostics = [...cst.diagnostics, ...b.diagnostics].sort((x, y) => x.span.start - y.span.start);
  return { module: { file, text, decls }, comments: cst.comments, diagnostics };
}

function ok(t: IToken | undefined): t is IToken {
  return t !== undefined && !t.isInsertedInRecovery && Number.isFinite(t.startOffset) && t.startOffset >= 0;
}

class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    private readonly file: string,
    private readonly text: string,
  ) {}

  private span(start: number, end: number): Span {
    const s = Math.max(0, Math.min(start, this.text.length));
    return { file: this.file, start: s, end: Math.max(s, Math.min(end, this.text.length)) };
  }
  private tok(t: IToken): Span {
    return this.span(t.startOffset, t.startOffset + t.image.length);
  }
  private join(a: Span, b: Span): Span {
    return this.span(Math.min(a.start, b.start), Math.max(a.end, b.end));
  }
  /** The span of a token if it is real, else a zero-length span at `fallback`. */
  private tokOr(t: IToken | undefined, fallback: number): Span {
    return ok(t) ? this.tok(t) : this.span(fallback, fallback);
  }

  module(m: C.ModuleCstNode): Decl[] {
    const out: Decl[] = [];
    for (const d of m.children.declaration ?? []) {
      const c = d.children;
      const p = c.paramDecl?.[0];
      const i = c.importDecl?.[0];
      const k = c.blockDecl?.[0];
      if (p !== undefined) out.push(this.param(p));
      else if (i !== undefined) out.push(this.import(i));
      else if (k !== undefined) out.push(this.block(k));
    }
    return out;
  }

  private param(p: C.ParamDeclCstNode): Decl {
    const kw = p.children.Param?.[0];
    const start = ok(kw) ? kw.startOffset : 0;
    const nameTok = p.children.name?.[0];
    const nameSpan = this.tokOr(nameTok, start + 5);
    const eq = p.children.Equals?.[0];
    const valueNode = p.children.value?.[0];
    const value = valueNode ? this.expression(valueNode, ok(eq) ? eq.startOffset + 1 : nameSpan.end) : this.errorAt(ok(eq) ? eq.startOffset + 1 : nameSpan.end);
    if (p.children.Equals === undefined && valueNode !== undefined && ok(nameTok)) this.missingToken('=', value.span);
    return {
      kind: 'param',
      name: ok(nameTok) ? nameTok.image : '',
      nameSpan,
      value,
      span: this.span(start, Math.max(value.span.end, nameSpan.end)),
    };
  }

  private import(i: C.ImportDeclCstNode): Decl {
    const kw = i.children.Import?.[0];
    const start = ok(kw) ? kw.startOffset : 0;
    const pathTok = i.children.path?.[0];
    const pathSpan = this.tokOr(pathTok, start + 6);
    return {
      kind: 'import',
      path: ok(pathTok) ? stringValue(pathTok.image) : '',
      pathSpan,
      span: this.span(start, pathSpan.end),
    };
  }

  private block(k: C.BlockDeclCstNode): Block {
    const kindTok = k.children.blockKind?.[0];
    const start = ok(kindTok) ? kindTok.startOffset : 0;
    const kindSpan = this.tokOr(kindTok, start);
    const nameTok = k.children.name?.[0];
    const nameSpan = this.tokOr(nameTok, kindSpan.end);
    const body = this.items(k.children.items ?? []);
    const end = this.closeEnd(k.children.RCurly?.[0], k.children.LCurly?.[0], body, nameSpan.end);
    return {
      kind: 'block',
      blockKind: ok(kindTok) ? kindTok.image : '',
      kindSpan,
      name: ok(nameTok) ? nameTok.image : '',
      nameSpan,
      body,
      span: this.span(start, end),
    };
  }

  private closeEnd(r: IToken | undefined, l: IToken | undefined, body: readonly BlockItem[], fallback: number): number {
    if (ok(r)) return r.startOffset + 1;
    const last = body[body.length - 1];
    if (last !== undefined) return last.span.end;
    if (ok(l)) return l.startOffset + 1;
    return fallback;
  }

  private items(items: readonly C.BlockItemCstNode[]): BlockItem[] {
    const out: BlockItem[] = [];
    for (const it of items) {
      const r = this.item(it);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  private item(it: C.BlockItemCstNode): BlockItem | undefined {
    const keyNode = it.children.key?.[0];
    const keyTok = keyNode?.children.Identifier?.[0] ?? keyNode?.children.QuotedName?.[0];
    if (!ok(keyTok)) return undefined;
    const keySpan = this.tok(keyTok);
    const key = keyNode?.children.QuotedName !== undefined ? quotedNameValue(keyTok.image) : keyTok.image;
    const c = it.children;
    if (c.LCurly !== undefined) {
      const body = this.items(c.items ?? []);
      const end = this.closeEnd(c.RCurly?.[0], c.LCurly[0], body, keySpan.end);
      const nested: NestedBlock = { kind: 'nested', key, keySpan, body, span: this.span(keySpan.start, end) };
      return nested;
    }
    const eq = c.Equals?.[0];
    const at = ok(eq) ? eq.startOffset + 1 : keySpan.end;
    const v = c.value?.[0];
    const value = v !== undefined ? this.expression(v, at) : this.errorAt(at);
    if (c.Equals === undefined && v !== undefined) this.missingToken('=', value.span);
    const attr: Attribute = { kind: 'attr', key, keySpan, value, span: this.span(keySpan.start, Math.max(keySpan.end, value.span.end)) };
    return attr;
  }

  /** "expected `=`, found `kin`": reports a separator the grammar let pass (see parser.ts). */
  private missingToken(what: string, at: Span): void {
    const m = /^(?:[A-Za-z_][A-Za-z0-9_]*|\d[\w.]*|"[^"\n]{0,20}"?|\S)/.exec(this.text.slice(at.start, at.end));
    const found = m === null ? 'end of file' : `\`${m[0]}\``;
    this.diagnostics.push(error('E0105', `expected \`${what}\`, found ${found}`, { file: this.file, start: at.start, end: at.start + (m?.[0].length ?? 0) }));
  }

  /** Reports missing commas between consecutive items (`[1 2]`, `f(a: 1 b: 2)`). */
  private checkCommas(all: readonly Span[], commas: readonly IToken[] | undefined): void {
    // Recovered (empty) items were reported by the parser already.
    const items = all.filter((s) => s.end > s.start);
    for (let i = 1; i < items.length; i++) {
      const prev = items[i - 1]!;
      const next = items[i]!;
      const has = (commas ?? []).some((c) => ok(c) && c.startOffset >= prev.end && c.startOffset < next.start);
      if (!has) this.missingToken(',', next);
    }
  }

  private errorAt(at: number): Expr {
    return { kind: 'error', span: this.span(at, at) };
  }

  // Expressions ------------------------------------------------------------------------------------

  expression(e: C.ExpressionCstNode, at: number): Expr {
    return this.chain(e.children.operands, e.children.operators, at, (n, a) => this.andExpr(n, a));
  }
  private andExpr(e: C.AndExprCstNode, at: number): Expr {
    return this.chain(e.children.operands, e.children.operators, at, (n, a) => this.eqExpr(n, a));
  }
  private eqExpr(e: C.EqExprCstNode, at: number): Expr {
    return this.chain(e.children.operands, e.children.operators, at, (n, a) => this.relExpr(n, a));
  }
  private relExpr(e: C.RelExprCstNode, at: number): Expr {
    return this.chain(e.children.operands, e.children.operators, at, (n, a) => this.addExpr(n, a));
  }
  private addExpr(e: C.AddExprCstNode, at: number): Expr {
    return this.chain(e.children.operands, e.children.operators, at, (n, a) => this.mulExpr(n, a));
  }
  private mulExpr(e: C.MulExprCstNode, at: number): Expr {
    return this.chain(e.children.operands, e.children.operators, at, (n, a) => this.unaryExpr(n, a));
  }

  /** Left-associative chain `o0 op0 o1 op1 o2 ...`. */
  private chain<N>(operands: readonly N[] | undefined, operators: readonly IToken[] | undefined, at: number, sub: (n: N, at: number) => Expr): Expr {
    const ops = operands ?? [];
    const first = ops[0];
    let left = first !== undefined ? sub(first, at) : this.errorAt(at);
    const opToks = operators ?? [];
    for (let i = 0; i < opToks.length; i++) {
      const op = opToks[i]!;
      const opEnd = ok(op) ? op.startOffset + op.image.length : left.span.end;
      const rn = ops[i + 1];
      const right = rn !== undefined ? sub(rn, opEnd) : this.errorAt(opEnd);
      left = { kind: 'binary', op: op.image as BinaryOp, left, right, span: this.join(left.span, right.span) };
    }
    return left;
  }

  private unaryExpr(e: C.UnaryExprCstNode, at: number): Expr {
    const c = e.children;
    const op = c.operator?.[0];
    if (op !== undefined) {
      const start = ok(op) ? op.startOffset : at;
      const operandNode = c.operand?.[0];
      const operand = operandNode !== undefined ? this.unaryExpr(operandNode, start + 1) : this.errorAt(start + 1);
      return { kind: 'unary', op: op.image === '!' ? '!' : '-', operand, span: this.span(start, Math.max(start + 1, operand.span.end)) };
    }
    const base = c.base?.[0];
    return base !== undefined ? this.powExpr(base, at) : this.errorAt(at);
  }

  private powExpr(e: C.PowExprCstNode, at: number): Expr {
    const c = e.children;
    const bn = c.base?.[0];
    const base = bn !== undefined ? this.postfixExpr(bn, at) : this.errorAt(at);
    if (c.Pow === undefined) return base;
    const powTok = c.Pow[0];
    const after = ok(powTok) ? powTok.startOffset + 2 : base.span.end;
    const en = c.exponent?.[0];
    const exponent = en !== undefined ? this.unaryExpr(en, after) : this.errorAt(after);
    return { kind: 'binary', op: '**', left: base, right: exponent, span: this.join(base.span, exponent.span) };
  }

  private postfixExpr(e: C.PostfixExprCstNode, at: number): Expr {
    const an = e.children.atom?.[0];
    let x = an !== undefined ? this.atom(an, at) : this.errorAt(at);
    for (const s of e.children.suffixes ?? []) {
      if (s.name === 'memberSuffix') {
        const m = s as C.MemberSuffixCstNode;
        const nt = m.children.name?.[0];
        const dot = m.children.Dot?.[0];
        const nameSpan = this.tokOr(nt, ok(dot) ? dot.startOffset + 1 : x.span.end);
        x = { kind: 'member', object: x, name: ok(nt) ? nt.image : '', nameSpan, span: this.join(x.span, nameSpan) };
      } else {
        const ix = s as C.IndexSuffixCstNode;
        const lb = ix.children.LBracket?.[0];
        const rb = ix.children.RBracket?.[0];
        const inn = ix.children.index?.[0];
        const after = ok(lb) ? lb.startOffset + 1 : x.span.end;
        const index = inn !== undefined ? this.expression(inn, after) : this.errorAt(after);
        const end = ok(rb) ? rb.startOffset + 1 : index.span.end;
        x = { kind: 'index', object: x, index, span: this.span(x.span.start, Math.max(end, index.span.end)) };
      }
    }
    return x;
  }

  private atom(a: C.AtomCstNode, at: number): Expr {
    const c = a.children;
    const num = c.NumberLiteral?.[0];
    if (ok(num)) {
      const value = Number(num.image);
      return { kind: 'num', value: Number.isFinite(value) ? value : Number.NaN, raw: num.image, span: this.tok(num) };
    }
    const str = c.StringLiteral?.[0];
    if (ok(str)) return { kind: 'str', value: stringValue(str.image), span: this.tok(str) };
    const t = c.True?.[0] ?? c.False?.[0];
    if (ok(t)) return { kind: 'bool', value: t.image === 'true', span: this.tok(t) };
    const q = c.QuotedName?.[0];
    if (ok(q)) return { kind: 'name', name: quotedNameValue(q.image), quoted: true, span: this.tok(q) };
    const nc = c.nameOrCall?.[0];
    if (nc !== undefined) return this.nameOrCall(nc, at);
    const l = c.list?.[0];
    if (l !== undefined) return this.list(l, at);
    const p = c.parenExpr?.[0];
    if (p !== undefined) {
      const lp = p.children.LParen?.[0];
      const rp = p.children.RParen?.[0];
      const start = ok(lp) ? lp.startOffset : at;
      const inn = p.children.inner?.[0];
      const inner = inn !== undefined ? this.expression(inn, start + 1) : this.errorAt(start + 1);
      const end = ok(rp) ? rp.startOffset + 1 : inner.span.end;
      return { ...inner, span: this.span(start, Math.max(end, inner.span.end)) };
    }
    return this.errorAt(at);
  }

  private nameOrCall(n: C.NameOrCallCstNode, at: number): Expr {
    const c = n.children;
    const nt = c.name?.[0];
    const nameSpan = this.tokOr(nt, at);
    const name = ok(nt) ? nt.image : '';
    if (c.LParen === undefined) return { kind: 'name', name, quoted: false, span: nameSpan };
    const args: Expr[] = [];
    const named: NamedArg[] = [];
    const lp = c.LParen[0];
    let pos = ok(lp) ? lp.startOffset + 1 : nameSpan.end;
    const argSpans: Span[] = [];
    for (const a of c.args ?? []) {
      const an = a.children.argName?.[0];
      const colon = a.children.Colon?.[0];
      const vn = a.children.value?.[0];
      if (an !== undefined && ok(an)) {
        const after = ok(colon) ? colon.startOffset + 1 : an.startOffset + an.image.length;
        const value = vn !== undefined ? this.expression(vn, after) : this.errorAt(after);
        named.push({ name: an.image, nameSpan: this.tok(an), value, span: this.join(this.tok(an), value.span) });
        argSpans.push(this.join(this.tok(an), value.span));
        pos = value.span.end;
      } else {
        const value = vn !== undefined ? this.expression(vn, pos) : this.errorAt(pos);
        if (named.length > 0) {
          this.diagnostics.push(
            error('E0108', 'positional argument after a named argument', value.span, {
              help: 'put positional arguments first',
            }),
          );
        }
        args.push(value);
        argSpans.push(value.span);
        pos = value.span.end;
      }
    }
    this.checkCommas(argSpans, c.Comma);
    const rp = c.RParen?.[0];
    const end = ok(rp) ? rp.startOffset + 1 : pos;
    return { kind: 'call', callee: name, calleeSpan: nameSpan, args, named, span: this.span(nameSpan.start, Math.max(end, nameSpan.end)) };
  }

  private list(l: C.ListCstNode, at: number): Expr {
    const lb = l.children.LBracket?.[0];
    const start = ok(lb) ? lb.startOffset : at;
    const items: Expr[] = [];
    let pos = start + 1;
    for (const it of l.children.items ?? []) {
      const e = this.expression(it, pos);
      items.push(e);
      pos = e.span.end;
    }
    this.checkCommas(items.map((x) => x.span), l.children.Comma);
    const rb = l.children.RBracket?.[0];
    const end = ok(rb) ? rb.startOffset + 1 : pos;
    return { kind: 'list', items, span: this.span(start, Math.max(end, pos)) };
  }
}
