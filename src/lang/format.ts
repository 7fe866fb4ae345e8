/**
 * `format(text, file)`: canonical `.pipe` text, keeping every comment. `format(format(x)) === format(x)`.
 *
 * May import: to-ast (parse), lexer (Comment type), ast (types), diagnostics.
 *
 * Canonical style:
 * - 2-space indent, one attribute per line, `=` aligned within a run of consecutive attributes of a block
 *   (a run is broken by a blank line or a nested block, not by own-line comments); trailing comments of a run
 *   are aligned two spaces after its longest commented line;
 * - exactly one blank line between top-level declarations (comments above a declaration stay with it); between
 *   the items of a block at most one blank line, as written;
 * - lists and calls on one line; numbers as written; strings re-escaped (`\"` `\\` `\n` `\t`); backticks only
 *   where a name needs them; single spaces around binary operators, none after unary ones;
 * - minimal parentheses: a sub-expression is parenthesised only when the grammar would otherwise parse it
 *   differently.
 * Comments are placed by position: a comment on the line of an item, after it, stays a trailing comment; any
 * other comment becomes an own-line comment before the next item (a comment inside a multi-line expression
 * moves above that item). On a file with syntax errors it refuses: no text, the diagnostics.
 */
import type { Block, BlockItem, Decl, Expr } from './ast.js';
import { error, type Diagnostic } from './diagnostics.js';
import type { Comment } from './lexer.js';
import { parse } from './to-ast.js';

export interface FormatResult {
  /** The canonical text; absent when the file has syntax errors. */
  readonly text?: string;
  readonly diagnostics: readonly Diagnostic[];
}

export function format(text: string, file: string): FormatResult {
  const r = parse(text, file);
  if (r.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: r.diagnostics };
  const p = new Printer(text, r.comments);
  try {
    return { text: p.module(r.module.decls), diagnostics: r.diagnostics };
  } catch (e: unknown) {
    if (!(e instanceof RangeError)) throw e;
    return { diagnostics: [error('E0111', 'input too deeply nested to format', { file, start: 0, end: 0 })] };
  }
}

// ---------------------------------------------------------------------------------------------------
// Expressions

const PREC_OR = 1;
const PREC_UNARY = 7;
const PREC_POW = 8;
const PREC_POSTFIX = 9;
const PREC_ATOM = 10;

const binaryPrec: Record<string, number> = {
  '||': PREC_OR,
  '&&': 2,
  '==': 3,
  '!=': 3,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
  '**': PREC_POW,
};

function prec(e: Expr): number {
  switch (e.kind) {
    case 'binary':
      return binaryPrec[e.op] ?? PREC_OR;
    case 'unary':
      return PREC_UNARY;
    case 'member':
    case 'index':
      return PREC_POSTFIX;
    default:
      return PREC_ATOM;
  }
}

const KEYWORDS = new Set(['param', 'import', 'true', 'false']);

export function formatName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name) ? name : `\`${name}\``;
}

export function formatString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/** An expression in canonical form, parenthesised only where needed to keep its parse. */
export function formatExpr(e: Expr): string {
  const wrap = (x: Expr, min: number): string => (prec(x) < min ? `(${formatExpr(x)})` : formatExpr(x));
  switch (e.kind) {
    case 'num':
      return e.raw;
    case 'str':
      return formatString(e.value);
    case 'bool':
      return e.value ? 'true' : 'false';
    case 'name':
      return e.quoted ? `\`${e.name}\`` : e.name;
    case 'list':
      return `[${e.items.map(formatExpr).join(', ')}]`;
    case 'call':
      return `${e.callee}(${[...e.args.map(formatExpr), ...e.named.map((n) => `${n.name}: ${formatExpr(n.value)}`)].join(', ')})`;
    case 'member':
      // `(1).x` must keep its parentheses: `1.x` would lex as one (bad) number.
      return `${e.object.kind === 'num' ? `(${formatExpr(e.object)})` : wrap(e.object, PREC_POSTFIX)}.${e.name}`;
    case 'index':
      return `${wrap(e.object, PREC_POSTFIX)}[${formatExpr(e.index)}]`;
    case 'unary':
      return `${e.op}${wrap(e.operand, PREC_UNARY)}`;
    case 'binary': {
      const p = binaryPrec[e.op] ?? PREC_OR;
      if (e.op === '**') return `${wrap(e.left, PREC_POSTFIX)} ** ${wrap(e.right, PREC_UNARY)}`;
      return `${wrap(e.left, p)} ${e.op} ${wrap(e.right, p + 1)}`;
    }
    case 'error':
      return '';
  }
}

// ---------------------------------------------------------------------------------------------------
// Layout

type Row =
  | { readonly kind: 'comment'; readonly text: string; readonly blank: boolean }
  | { readonly kind: 'attr'; readonly key: string; readonly value: string; readonly trailing?: string; readonly blank: boolean }
  | { readonly kind: 'raw'; readonly lines: readonly string[]; readonly blank: boolean };

class Printer {
  private ci = 0;
  constructor(
    private readonly text: string,
    private readonly comments: readonly Comment[],
  ) {}

  /** Own-line comments that start before `limit`. */
  private takeBefore(limit: number): Comment[] {
    const out: Comment[] = [];
    while (this.ci < this.comments.length && this.comments[this.ci]!.start < limit) out.push(this.comments[this.ci++]!);
    return out;
  }

  /** The next comment if it is on the same line, after `after` and before `limit`. */
  private takeTrailing(after: number, limit: number): Comment | undefined {
    const c = this.comments[this.ci];
    if (c === undefined || c.start < after || c.start >= limit) return undefined;
    if (/[\r\n]/.test(this.text.slice(after, c.start))) return undefined;
    this.ci++;
    return c;
  }

  /** Is there a blank line in the original text between two offsets? */
  private blank(from: number, to: number): boolean {
    if (to <= from) return false;
    const gap = this.text.slice(from, to);
    return (gap.match(/\n/g)?.length ?? 0) >= 2;
  }

  module(decls: readonly Decl[]): string {
    const lines: string[] = [];
    let prevEnd = 0;
    let prev: Decl | undefined;
    const push = (blank: boolean, ls: readonly string[]): void => {
      if (blank && lines.length > 0) lines.push('');
      lines.push(...ls);
    };
    for (const d of decls) {
      const forceBlank = prev !== undefined;
      let first = true;
      const limit = d.kind === 'block' ? d.span.start : d.span.end;
      for (const c of this.takeBefore(limit)) {
        push((first && forceBlank) || this.blank(prevEnd, c.start), [c.text]);
        prevEnd = c.end;
        first = false;
      }
      const blank = (first && forceBlank) || this.blank(prevEnd, d.span.start);
      let declLines: string[];
      if (d.kind === 'block') declLines = this.block(d);
      else {
        const s = d.kind === 'param' ? `param ${d.name} = ${formatExpr(d.value)}` : `import ${formatString(d.path)}`;
        const tr = this.takeTrailing(d.span.end, this.text.length);
        declLines = [tr !== undefined ? `${s}  ${tr.text}` : s];
        if (tr !== undefined) prevEnd = tr.end;
      }
      push(blank, declLines);
      prevEnd = Math.max(prevEnd, this.lastEnd ?? d.span.end, d.span.end);
      this.lastEnd = undefined;
      prev = d;
    }
    for (const c of this.takeBefore(Number.POSITIVE_INFINITY)) {
      push(this.blank(prevEnd, c.start), [c.text]);
      prevEnd = c.end;
    }
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }

  /** End of the last thing a block emitted (its closing trailing comment), for blank-line detection. */
  private lastEnd: number | undefined;

  private block(b: Block): string[] {
    return this.braced(`${b.blockKind} ${b.name}`, b.nameSpan.end, b.body, b.span.end, this.text.length);
  }

  /** The `{` after a block head (only whitespace and comments can come between). */
  private openBrace(from: number): number {
    let i = from;
    while (i < this.text.length && this.text[i] !== '{') {
      if (this.text[i] === '#') while (i < this.text.length && this.text[i] !== '\n') i++;
      else i++;
    }
    return i;
  }

  /** `head {`, the items indented, `}`; trailing comments on the `{` and `}` lines kept. */
  private braced(head: string, afterHead: number, body: readonly BlockItem[], end: number, outerLimit: number): string[] {
    const lbrace = this.openBrace(afterHead);
    const rbrace = end - 1;
    const firstStart = body[0]?.span.start ?? rbrace;
    const headTr = this.takeTrailing(lbrace + 1, Math.min(firstStart, rbrace));
    const inner = this.items(body, headTr?.end ?? lbrace + 1, rbrace);
    const closeTr = this.takeTrailing(end, outerLimit);
    this.lastEnd = closeTr?.end ?? end;
    const open = `${head} {${headTr !== undefined ? `  ${headTr.text}` : ''}`;
    const close = `}${closeTr !== undefined ? `  ${closeTr.text}` : ''}`;
    if (inner.length === 0 && headTr === undefined) return [`${head} {}${closeTr !== undefined ? `  ${closeTr.text}` : ''}`];
    return [open, ...inner.map((l) => (l === '' ? '' : `  ${l}`)), close];
  }

  private items(items: readonly BlockItem[], bodyStart: number, bodyEnd: number): string[] {
    const rows: Row[] = [];
    let prevEnd = bodyStart;
    for (const it of items) {
      const limit = it.kind === 'attr' ? it.span.end : it.span.start;
      for (const c of this.takeBefore(limit)) {
        rows.push({ kind: 'comment', text: c.text, blank: this.blank(prevEnd, c.start) });
        prevEnd = c.end;
      }
      const blank = this.blank(prevEnd, it.span.start);
      if (it.kind === 'attr') {
        const tr = this.takeTrailing(it.span.end, bodyEnd);
        rows.push({ kind: 'attr', key: formatName(it.key), value: formatExpr(it.value), ...(tr !== undefined ? { trailing: tr.text } : {}), blank });
        prevEnd = Math.max(prevEnd, tr?.end ?? it.span.end);
      } else {
        const lines = this.braced(formatName(it.key), it.keySpan.end, it.body, it.span.end, bodyEnd);
        rows.push({ kind: 'raw', lines, blank });
        prevEnd = Math.max(prevEnd, this.lastEnd ?? it.span.end);
        this.lastEnd = undefined;
      }
    }
    for (const c of this.takeBefore(bodyEnd)) {
      rows.push({ kind: 'comment', text: c.text, blank: this.blank(prevEnd, c.start) });
      prevEnd = c.end;
    }
    return renderRows(rows);
  }
}

/** Rows -> lines (unindented), aligning `=` and trailing comments within runs of attributes. */
function renderRows(rows: readonly Row[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < rows.length) {
    // A run: from row i, attrs and comments until a raw row or a blank line (after the first row).
    let j = i + 1;
    if (rows[i]!.kind !== 'raw') while (j < rows.length && rows[j]!.kind !== 'raw' && !rows[j]!.blank) j++;
    const run = rows.slice(i, j);
    const attrs = run.filter((r): r is Extract<Row, { kind: 'attr' }> => r.kind === 'attr');
    const keyWidth = Math.max(0, ...attrs.map((r) => r.key.length));
    const code = (r: Extract<Row, { kind: 'attr' }>): string => `${r.key.padEnd(keyWidth)} = ${r.value}`;
    const commentCol = Math.max(0, ...attrs.filter((r) => r.trailing !== undefined).map((r) => code(r).length)) + 2;
    run.forEach((r, k) => {
      if (k === 0 && r.blank && out.length > 0) out.push('');
      if (r.kind === 'comment') out.push(r.text);
      else if (r.kind === 'raw') out.push(...r.lines);
      else out.push(r.trailing !== undefined ? `${code(r).padEnd(commentCol)}${r.trailing}` : code(r));
    });
    i = j;
  }
  return out;
}
