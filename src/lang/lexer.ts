/**
 * The `.pipe` token vocabulary and `lex(text, file)`.
 *
 * May import: chevrotain, diagnostics.
 *
 * Choices:
 * - One `createToken` per token. Keywords (`param import true false`) use `longer_alt: Identifier` and come
 *   before Identifier in `allTokens`, because every keyword is also a valid identifier. Block kinds
 *   (`dataset`, `model`, ...) are plain identifiers so an unknown kind gets a did-you-mean from the checker.
 * - Comments go to the `comments` group (not SKIPPED), so `fmt` gets them back with their offsets.
 * - Unterminated strings and backtick names are tokens of their own, in the String/QuotedName category, so
 *   the parser still sees a string and recovers; the lexer reports them (E0102/E0104). Likewise a malformed
 *   number such as `1e` is one BadNumber token (a Number) reported as E0110.
 * - Operator classes are token categories (`EqualityOp`, `RelationalOp`, ...), as in Chevrotain's calculator.
 */
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';
import { error, type Diagnostic } from './diagnostics.js';

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: 'comments' });

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });
export const Param = createToken({ name: 'Param', pattern: /param/, longer_alt: Identifier });
export const Import = createToken({ name: 'Import', pattern: /import/, longer_alt: Identifier });
export const True = createToken({ name: 'True', pattern: /true/, longer_alt: Identifier });
export const False = createToken({ name: 'False', pattern: /false/, longer_alt: Identifier });

export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/ });
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/,
  categories: [StringLiteral],
});
export const QuotedName = createToken({ name: 'QuotedName', pattern: /`[^`\r\n]+`/ });
export const UnterminatedQuotedName = createToken({
  name: 'UnterminatedQuotedName',
  pattern: /`[^`\r\n]*`?/,
  categories: [QuotedName],
});
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?![A-Za-z0-9_.])/,
});
/** `1e`, `1.2.3`, `3abc`: one bad token, reported, parsed as a number. */
export const BadNumber = createToken({
  name: 'BadNumber',
  pattern: /(?:\d+(?:\.\d*)?|\.\d+)[A-Za-z0-9_.]*/,
  categories: [NumberLiteral],
});

export const LCurly = createToken({ name: 'LCurly', pattern: /\{/ });
export const RCurly = createToken({ name: 'RCurly', pattern: /\}/ });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', pattern: /\]/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });
export const Dot = createToken({ name: 'Dot', pattern: /\./ });

export const OrOp = createToken({ name: 'OrOp', pattern: /\|\|/ });
export const AndOp = createToken({ name: 'AndOp', pattern: /&&/ });
export const EqualityOp = createToken({ name: 'EqualityOp', pattern: Lexer.NA });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/, categories: EqualityOp });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/, categories: EqualityOp });
export const RelationalOp = createToken({ name: 'RelationalOp', pattern: Lexer.NA });
export const LessEq = createToken({ name: 'LessEq', pattern: /<=/, categories: RelationalOp });
export const GreaterEq = createToken({ name: 'GreaterEq', pattern: />=/, categories: RelationalOp });
export const Less = createToken({ name: 'Less', pattern: /</, categories: RelationalOp });
export const Greater = createToken({ name: 'Greater', pattern: />/, categories: RelationalOp });
export const Equals = createToken({ name: 'Equals', pattern: /=/ });
export const Plus = createToken({ name: 'Plus', pattern: /\+/ });
export const Minus = createToken({ name: 'Minus', pattern: /-/ });
export const MultiplicativeOp = createToken({ name: 'MultiplicativeOp', pattern: Lexer.NA });
export const Pow = createToken({ name: 'Pow', pattern: /\*\*/ });
export const Star = createToken({ name: 'Star', pattern: /\*/, categories: MultiplicativeOp });
export const Slash = createToken({ name: 'Slash', pattern: /\//, categories: MultiplicativeOp });
export const Percent = createToken({ name: 'Percent', pattern: /%/, categories: MultiplicativeOp });
export const Bang = createToken({ name: 'Bang', pattern: /!/ });

/** Order matters: longer operators before their prefixes, keywords before Identifier. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  Param,
  Import,
  True,
  False,
  Identifier,
  StringLiteral,
  UnterminatedString,
  QuotedName,
  UnterminatedQuotedName,
  NumberLiteral,
  BadNumber,
  LCurly,
  RCurly,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Colon,
  Dot,
  OrOp,
  AndOp,
  EqualityOp,
  EqEq,
  NotEq,
  RelationalOp,
  LessEq,
  GreaterEq,
  Less,
  Greater,
  Equals,
  Plus,
  Minus,
  MultiplicativeOp,
  Pow,
  Star,
  Slash,
  Percent,
  Bang,
];

const lexer = new Lexer(allTokens, { positionTracking: 'full', ensureOptimizations: false });

export interface Comment {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export interface LexResult {
  readonly tokens: IToken[];
  readonly comments: Comment[];
  readonly diagnostics: Diagnostic[];
}

export function lex(text: string, file: string): LexResult {
  const r = lexer.tokenize(text);
  const diagnostics: Diagnostic[] = [];
  for (const e of r.errors) {
    const ch = text.slice(e.offset, e.offset + e.length);
    const shown = ch.length > 20 ? `${ch.slice(0, 20)}...` : ch;
    diagnostics.push(
      error('E0101', `unexpected character${[...ch].length > 1 ? 's' : ''} \`${shown}\``, { file, start: e.offset, end: e.offset + e.length }),
    );
  }
  for (const t of r.tokens) {
    const span = { file, start: t.startOffset, end: t.startOffset + t.image.length };
    if (t.tokenType === UnterminatedString) {
      diagnostics.push(error('E0102', 'unterminated string', span, { help: 'close the string with `"` on the same line' }));
    } else if (t.tokenType === UnterminatedQuotedName) {
      diagnostics.push(
        error('E0104', t.image === '``' ? 'empty backtick name' : 'unterminated backtick name', span),
      );
    } else if (t.tokenType === BadNumber) {
      diagnostics.push(error('E0110', `invalid number \`${t.image}\``, span));
    } else if (t.tokenType === StringLiteral) {
      for (const m of t.image.matchAll(/\\(.)/g)) {
        if (!'"\\nt'.includes(m[1]!)) {
          const start = t.startOffset + m.index;
          diagnostics.push(
            error('E0103', `unknown escape \`\\${m[1]!}\` in string`, { file, start, end: start + 2 }, {
              help: 'the escapes are `\\"`, `\\\\`, `\\n` and `\\t`',
            }),
          );
        }
      }
    }
  }
  const comments = (r.groups['comments'] ?? []).map((t) => ({ text: t.image, start: t.startOffset, end: t.startOffset + t.image.length }));
  return { tokens: r.tokens, comments, diagnostics };
}

/** The value of a string token (escapes decoded; unknown escapes keep the character). */
export function stringValue(image: string): string {
  let body = image.startsWith('"') ? image.slice(1) : image;
  if (body.endsWith('"') && !body.endsWith('\\"')) body = body.slice(0, -1);
  else if (body.endsWith('"') && /(^|[^\\])(\\\\)*"$/.test(body)) body = body.slice(0, -1);
  return body.replace(/\\(.?)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

/** A backtick name's value (without the backticks). */
export function quotedNameValue(image: string): string {
  return image.replace(/^`/, '').replace(/`$/, '');
}
