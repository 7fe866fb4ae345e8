/**
 * The single Diagnostic type, the catalogue of codes, rendering with a code frame, and suggestions.
 *
 * May import: nothing. Every front-end stage (lexer, parser, checker, formatter) produces these values;
 * only the CLI prints them, through `render()`.
 *
 * Choices:
 * - Spans are UTF-16 offsets (what JS strings index); line and column are computed only in `render()`
 *   (as in wireit's OffsetToPositionConverter), so diagnostics stay cheap to create and compare.
 * - Codes are stable and grouped by phase: E01 syntax, E02 names, E03 types/values, E04 graph (cycles),
 *   E05 sources. Tests and tools key on the code, never on the message text.
 * - Messages are lowercase, with code in backticks, no final period and no fix; the fix goes in `help`.
 * - `suggest()` follows TypeScript's getSpellingSuggestion (src/compiler/core.ts) so suggestions are offered
 *   only when close: length difference <= max(2, 0.34 * len), distance < 0.4 * len + 1, case changes cost 0.1,
 *   and names shorter than 3 characters match only case-insensitively.
 */
export interface Span {
  readonly file: string;
  /** UTF-16 offsets into the file text, end exclusive. */
  readonly start: number;
  readonly end: number;
}

export interface Label {
  readonly span: Span;
  readonly message: string;
}

export interface Diagnostic {
  /** Stable code from `CODES`, e.g. 'E0201'. */
  readonly code: DiagnosticCode;
  readonly severity: 'error' | 'warning';
  /** Lowercase, no final period, no fix: "unknown column `PRI_tua_pt`". */
  readonly message: string;
  /** The smallest span that shows the problem. */
  readonly span: Span;
  /** A label whose span equals `span` is printed under the carets; others get their own frame lines. */
  readonly labels?: readonly Label[];
  /** "did you mean `PRI_tau_pt`?" */
  readonly help?: string;
}

export type Result<T, E = readonly Diagnostic[]> = { ok: true; value: T } | { ok: false; error: E };

/** The catalogue: every code the front end emits, with a one-line description. */
export const CODES = {
  // E01: syntax (lexer and parser)
  E0101: 'unexpected character that starts no token',
  E0102: 'unterminated string literal',
  E0103: 'unknown escape sequence in a string',
  E0104: 'unterminated backtick name',
  E0105: 'a specific token was expected (e.g. `}` or `=`) but another was found',
  E0106: 'no construct (expression, attribute, declaration) can start with this token',
  E0107: 'input left over where a declaration should start',
  E0108: 'positional argument after a named argument',
  E0110: 'invalid number literal',
  E0111: 'input nested deeper (or an expression longer) than the parser reads',
  // E02: names
  E0201: 'unknown column of a dataset source (from the column catalog)',
  E0202: 'undefined name: no param, derived column or block of that name',
  E0203: 'unknown block kind',
  E0204: 'unknown attribute for this block kind',
  E0205: 'unknown function',
  E0206: 'duplicate block name (block names are unique across kinds)',
  E0207: 'attribute given twice in the same block',
  E0208: 'duplicate param',
  E0209: 'duplicate name in a nested block (derive, classes, space)',
  E0210: 'unknown parameter of an algorithm',
  E0211: 'unknown value for an attribute that takes a fixed set of words',
  E0212: 'reference to a block of the wrong kind',
  E0213: '`--set` override of an undefined param',
  E0214: 'unknown named argument of a function',
  E0215: 'unknown algorithm',
  E0216: 'search space names something the model cannot vary',
  E0217: 'named argument given twice',
  // E03: types and values
  E0301: 'expression has the wrong type',
  E0302: 'wrong number of arguments',
  E0303: 'value out of range',
  E0304: 'required attribute or argument missing',
  E0305: 'attributes that exclude each other',
  E0306: 'jagged value where a per-event scalar is needed',
  E0307: 'a features block may include only numeric scalar columns',
  E0308: 'glob matches no column',
  E0309: 'grid search needs a finite space',
  E0310: 'expected a constant value',
  E0311: 'an empty list where at least one item is needed',
  E0399: 'internal error in the checker (a bug: please report it)',
  // E04: graph
  E0401: 'import cycle',
  E0402: 'cycle between derived columns',
  E0403: 'cycle between blocks',
  E0404: 'cycle between params',
  // E05: sources
  E0501: 'imported file cannot be read',
  E0502: 'the columns of a data source cannot be read',
} as const;

export type DiagnosticCode = keyof typeof CODES;

export function error(code: DiagnosticCode, message: string, span: Span, extra?: { labels?: readonly Label[]; help?: string }): Diagnostic {
  const d: { code: DiagnosticCode; severity: 'error'; message: string; span: Span; labels?: readonly Label[]; help?: string } = {
    code,
    severity: 'error',
    message,
    span,
  };
  if (extra?.labels !== undefined && extra.labels.length > 0) d.labels = extra.labels;
  if (extra?.help !== undefined) d.help = extra.help;
  return d;
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/** Sort by file, then offset, then code (stable for equal keys). */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : 0) ||
      a.span.start - b.span.start ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

// ---------------------------------------------------------------------------------------------------
// Positions

/** Converts offsets to 1-based line and column (UTF-16 units) for one text. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13 && text.charCodeAt(i + 1) !== 10) this.starts.push(i + 1);
    }
  }
  /** 1-based line and column of an offset (clamped into the text). */
  position(offset: number): { line: number; column: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - (this.starts[lo] ?? 0) + 1 };
  }
  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const s = this.starts[line - 1];
    if (s === undefined) return '';
    const next = this.starts[line];
    let e = next === undefined ? this.text.length : next;
    while (e > s && (this.text[e - 1] === '\n' || this.text[e - 1] === '\r')) e--;
    return this.text.slice(s, e);
  }
  get lineCount(): number {
    return this.starts.length;
  }
}

// ---------------------------------------------------------------------------------------------------
// Rendering

/**
 * Renders a diagnostic the way `winnow check` prints it:
 *
 * ```
 * pipelines/higgs.pipe:11:29: error[E0201]: unknown column `PRI_tua_pt`
 *    |
 * 11 |     pt_ratio = PRI_lep_pt / PRI_tua_pt
 *    |                             ^^^^^^^^^^ not a column of `higgs`
 *    = help: did you mean `PRI_tau_pt`?
 * ```
 *
 * `text` is the text of `d.span.file`. Labels in the same file get their own lines (underlined with `-`);
 * labels in other files need their text, given in `otherFiles` (else they are printed as `--> file` only).
 * The output ends without a newline.
 */
export function render(d: Diagnostic, text: string, otherFiles?: Readonly<Record<string, string>>): string {
  const files: Record<string, LineIndex> = { [d.span.file]: new LineIndex(text) };
  const indexOf = (file: string): LineIndex | undefined => {
    if (files[file] !== undefined) return files[file];
    const t = otherFiles?.[file];
    if (t === undefined) return undefined;
    return (files[file] = new LineIndex(t));
  };
  const main = indexOf(d.span.file)!;
  const pos = main.position(d.span.start);
  const primaryLabel = d.labels?.find((l) => sameSpan(l.span, d.span));
  const others = (d.labels ?? []).filter((l) => l !== primaryLabel);

  // Every line we print, to size the gutter.
  const mainLines = [pos.line, ...others.filter((l) => l.span.file === d.span.file).map((l) => main.position(l.span.start).line)];
  let width = String(Math.max(...mainLines)).length;
  for (const l of others) {
    const idx = l.span.file === d.span.file ? undefined : indexOf(l.span.file);
    if (idx !== undefined) width = Math.max(width, String(idx.position(l.span.start).line).length);
  }
  const pad = ' '.repeat(width);
  const out: string[] = [`${d.span.file}:${pos.line}:${pos.column}: ${d.severity}[${d.code}]: ${d.message}`];
  // No text (an unreadable file): nothing to frame.
  if (text === '') {
    if (d.help !== undefined) out.push(`${pad} = help: ${d.help}`);
    return out.join('\n');
  }
  out.push(`${pad} |`);

  // The primary frame, with the same-file secondary labels in line order.
  type Mark = { span: Span; message: string; primary: boolean };
  const marks: Mark[] = [
    { span: d.span, message: primaryLabel?.message ?? '', primary: true },
    ...others.filter((l) => l.span.file === d.span.file).map((l) => ({ span: l.span, message: l.message, primary: false })),
  ];
  marks.sort((a, b) => a.span.start - b.span.start || (a.primary ? -1 : 1));
  let lastLine = -1;
  for (const m of marks) {
    const line = main.position(m.span.start).line;
    if (lastLine !== -1 && line > lastLine + 1) out.push('...');
    if (line !== lastLine) out.push(`${String(line).padStart(width)} | ${main.lineText(line)}`.trimEnd());
    out.push(underline(main, m.span, m.primary ? '^' : '-', m.message, pad));
    lastLine = line;
  }
  // Labels in other files.
  for (const l of others.filter((o) => o.span.file !== d.span.file)) {
    const idx = indexOf(l.span.file);
    if (idx === undefined) {
      out.push(`${pad} = note: ${l.message} (${l.span.file})`);
      continue;
    }
    const p = idx.position(l.span.start);
    out.push(`${pad}--> ${l.span.file}:${p.line}:${p.column}`);
    out.push(`${pad} |`);
    out.push(`${String(p.line).padStart(width)} | ${idx.lineText(p.line)}`.trimEnd());
    out.push(underline(idx, l.span, '-', l.message, pad));
  }
  if (d.help !== undefined) out.push(`${pad} = help: ${d.help}`);
  return out.join('\n');
}

function underline(idx: LineIndex, span: Span, ch: string, message: string, pad: string): string {
  const p = idx.position(span.start);
  const lineText = idx.lineText(p.line);
  const startCol = p.column - 1;
  const end = idx.position(span.end);
  const endCol = end.line === p.line ? end.column - 1 : lineText.length;
  const n = Math.max(1, endCol - startCol);
  let prefix = '';
  for (let i = 0; i < startCol; i++) prefix += lineText[i] === '\t' ? '\t' : ' ';
  const tail = message === '' ? '' : ` ${message}`;
  return `${pad} | ${prefix}${ch.repeat(n)}${tail}`;
}

function sameSpan(a: Span, b: Span): boolean {
  return a.file === b.file && a.start === b.start && a.end === b.end;
}

// ---------------------------------------------------------------------------------------------------
// Suggestions

/** The closest candidate to `name` by TypeScript's getSpellingSuggestion rules, or undefined. */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const maximumLengthDifference = Math.max(2, Math.floor(name.length * 0.34));
  let bestDistance = Math.floor(name.length * 0.4) + 1;
  let best: string | undefined;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - name.length) > maximumLengthDifference) continue;
    if (candidate === name) continue;
    if (candidate.length < 3 && candidate.toLowerCase() !== name.toLowerCase()) continue;
    const distance = levenshteinWithMax(name, candidate, bestDistance - 0.1);
    if (distance === undefined) continue;
    bestDistance = distance;
    best = candidate;
  }
  return best;
}

/** `help` text for a suggestion, or undefined when there is none. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const s = suggest(name, candidates);
  return s === undefined ? undefined : `did you mean \`${s}\`?`;
}

function levenshteinWithMax(s1: string, s2: string, max: number): number | undefined {
  let previous = new Array<number>(s2.length + 1);
  let current = new Array<number>(s2.length + 1);
  const big = max + 0.01;
  for (let i = 0; i <= s2.length; i++) previous[i] = i;
  for (let i = 1; i <= s1.length; i++) {
    const c1 = s1.charCodeAt(i - 1);
    const minJ = Math.ceil(i > max ? i - max : 1);
    const maxJ = Math.floor(s2.length > max + i ? max + i : s2.length);
    current[0] = i;
    let colMin = i;
    for (let j = 1; j < minJ; j++) current[j] = big;
    for (let j = minJ; j <= maxJ; j++) {
      const prevDiag = previous[j - 1]!;
      const substitutionDistance =
        s1[i - 1]!.toLowerCase() === s2[j - 1]!.toLowerCase() ? prevDiag + 0.1 : prevDiag + 2;
      const dist =
        c1 === s2.charCodeAt(j - 1)
          ? prevDiag
          : Math.min(previous[j]! + 1, current[j - 1]! + 1, substitutionDistance);
      current[j] = dist;
      colMin = Math.min(colMin, dist);
    }
    for (let j = maxJ + 1; j <= s2.length; j++) current[j] = big;
    if (colMin > max) return undefined;
    const temp = previous;
    previous = current;
    current = temp;
  }
  const res = previous[s2.length]!;
  return res > max ? undefined : res;
}
