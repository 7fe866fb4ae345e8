/**
 * The `.pipe` grammar: a pure Chevrotain CstParser (no actions), plus `parseCst(text, file)`.
 *
 * May import: chevrotain, lexer, diagnostics, schema (the block kinds). The CST types in `cst.d.ts` are generated from this grammar
 * (test/lang/cst-dts.test.ts fails when they are stale and prints the new text).
 *
 * Choices:
 * - Precedence comes from how rules nest, loosest first: `||`, `&&`, `== !=`, `< <= > >=`, `+ -`, `* / %`,
 *   unary `- !`, `**` (right-assoc: its right operand is a unary expression, so `2 ** -1` parses and
 *   `-a ** 2` is `-(a ** 2)`), postfix member/index, then atoms. A call is `NAME(args)`, an atom.
 * - One parser instance; its state is reset for each input.
 * - Recovery is on (re-sync and single-token insertion/deletion), so every syntax error in a declaration is
 *   reported and a partial CST comes back. Chevrotain stops at the first token that no top-level rule can
 *   start; `parseCst` then reports it once (E0107), skips to the next token that can start a declaration and
 *   parses again, so one run reports the errors of the whole file. Each restart consumes at least one token,
 *   so parsing always terminates.
 * - Messages come from our error provider, in the diagnostics voice ("expected `}`, found `=`").
 */
import {
  CstParser,
  EOF,
  type CstNode,
  type IParserErrorMessageProvider,
  type IToken,
  type TokenType,
} from 'chevrotain';
import { error, type Diagnostic } from './diagnostics.js';
import * as T from './lexer.js';
import { lex, type Comment } from './lexer.js';
import * as S from './schema.js';

/** The block kinds, only to stop an expression before `dataset NAME {`. */
const BLOCK_KINDS: ReadonlySet<string> = new Set(S.BLOCK_KINDS);

const tokenLabels: Record<string, string> = {
  Identifier: 'a name',
  Param: '`param`',
  Import: '`import`',
  True: '`true`',
  False: '`false`',
  StringLiteral: 'a string',
  QuotedName: 'a backtick name',
  NumberLiteral: 'a number',
  LCurly: '`{`',
  RCurly: '`}`',
  LParen: '`(`',
  RParen: '`)`',
  LBracket: '`[`',
  RBracket: '`]`',
  Comma: '`,`',
  Colon: '`:`',
  Dot: '`.`',
  Equals: '`=`',
  EOF: 'end of file',
};

function describeExpected(t: TokenType): string {
  return tokenLabels[t.name] ?? `\`${t.name}\``;
}

export function describeToken(t: IToken): string {
  if (t.tokenType === EOF) return 'end of file';
  if (t.tokenType === T.Identifier) return `\`${t.image}\``;
  if (t.tokenType === T.StringLiteral || t.tokenType === T.UnterminatedString) return 'a string';
  if (t.tokenType === T.NumberLiteral || t.tokenType === T.BadNumber) return `\`${t.image}\``;
  const img = t.image.length > 20 ? `${t.image.slice(0, 20)}...` : t.image;
  return `\`${img}\``;
}

const ruleWhat: Record<string, string> = {
  declaration: 'a declaration (`param`, `import` or a block such as `dataset NAME { ... }`)',
  blockItem: 'an attribute `NAME = value` or a nested block `NAME { ... }`',
  atom: 'an expression',
  argument: 'an argument',
  attrKey: 'an attribute name',
};

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    if (expected === EOF) return `expected a declaration, found ${describeToken(actual)}`;
    return `expected ${describeExpected(expected)}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a declaration, found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ actual, ruleName }) {
    const a = actual.flat()[0];
    const what = ruleWhat[ruleName] ?? 'an expression';
    return `expected ${what}, found ${a === undefined ? 'end of file' : describeToken(a)}`;
  },
  buildEarlyExitMessage({ actual, ruleName }) {
    const a = actual[0];
    const what = ruleWhat[ruleName] ?? 'an expression';
    return `expected ${what}, found ${a === undefined ? 'end of file' : describeToken(a)}`;
  },
};

export class PipeParser extends CstParser {
  constructor() {
    super(T.allTokens, { recoveryEnabled: true, maxLookahead: 3, errorMessageProvider: messages });
    this.performSelfAnalysis();
  }

  public module = this.RULE('module', () => {
    this.MANY(() => this.SUBRULE(this.declaration));
  });

  public declaration = this.RULE('declaration', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.paramDecl) },
      { ALT: () => this.SUBRULE(this.importDecl) },
      { ALT: () => this.SUBRULE(this.blockDecl) },
    ]);
  });

  public paramDecl = this.RULE('paramDecl', () => {
    this.CONSUME(T.Param);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.OPTION(() => this.CONSUME(T.Equals));
    this.SUBRULE(this.expression, { LABEL: 'value' });
  });

  public importDecl = this.RULE('importDecl', () => {
    this.CONSUME(T.Import);
    this.CONSUME(T.StringLiteral, { LABEL: 'path' });
  });

  /** `KIND NAME { items }`; KIND is any identifier (the checker knows the kinds). */
  public blockDecl = this.RULE('blockDecl', () => {
    this.CONSUME(T.Identifier, { LABEL: 'blockKind' });
    this.CONSUME2(T.Identifier, { LABEL: 'name' });
    this.CONSUME(T.LCurly);
    this.MANY({ GATE: () => !this.atBlockStart(), DEF: () => this.SUBRULE(this.blockItem, { LABEL: 'items' }) });
    this.CONSUME(T.RCurly);
  });

  private atItemStart(): boolean {
    const t2 = this.LA(2).tokenType;
    if (t2 === T.Equals || t2 === T.LCurly) return true;
    // `model = nn` + newline + `space {` is a value then a nested block, so a name followed by `NAME {`
    // is refused only when it is a block kind (`param seed =` + newline + `dataset higgs {`).
    return this.atBlockStart() && BLOCK_KINDS.has(this.LA(1).image);
  }

  /** `IDENT IDENT {` starts a top-level block: a body stops there, so a missing `}` costs one error. */
  private atBlockStart(): boolean {
    return this.LA(1).tokenType === T.Identifier && this.LA(2).tokenType === T.Identifier && this.LA(3).tokenType === T.LCurly;
  }

  /**
   * `key = expr` or `key { items }`. The `=` is optional in the grammar so that `features kin` parses as
   * `features = kin` with one error (reported by the AST builder), instead of a cascade.
   */
  public blockItem = this.RULE('blockItem', () => {
    this.SUBRULE(this.attrKey, { LABEL: 'key' });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LCurly);
          this.MANY({ GATE: () => !this.atBlockStart(), DEF: () => this.SUBRULE2(this.blockItem, { LABEL: 'items' }) });
          this.CONSUME(T.RCurly);
        },
      },
      {
        ALT: () => {
          this.OPTION(() => this.CONSUME(T.Equals));
          this.SUBRULE(this.expression, { LABEL: 'value' });
        },
      },
    ]);
  });

  public attrKey = this.RULE('attrKey', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.QuotedName) }]);
  });

  public expression = this.RULE('expression', () => {
    this.SUBRULE(this.andExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.OrOp, { LABEL: 'operators' });
      this.SUBRULE2(this.andExpr, { LABEL: 'operands' });
    });
  });

  public andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.eqExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.AndOp, { LABEL: 'operators' });
      this.SUBRULE2(this.eqExpr, { LABEL: 'operands' });
    });
  });

  public eqExpr = this.RULE('eqExpr', () => {
    this.SUBRULE(this.relExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.EqualityOp, { LABEL: 'operators' });
      this.SUBRULE2(this.relExpr, { LABEL: 'operands' });
    });
  });

  public relExpr = this.RULE('relExpr', () => {
    this.SUBRULE(this.addExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.RelationalOp, { LABEL: 'operators' });
      this.SUBRULE2(this.addExpr, { LABEL: 'operands' });
    });
  });

  public addExpr = this.RULE('addExpr', () => {
    this.SUBRULE(this.mulExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.OR([
        { ALT: () => this.CONSUME(T.Plus, { LABEL: 'operators' }) },
        { ALT: () => this.CONSUME(T.Minus, { LABEL: 'operators' }) },
      ]);
      this.SUBRULE2(this.mulExpr, { LABEL: 'operands' });
    });
  });

  public mulExpr = this.RULE('mulExpr', () => {
    this.SUBRULE(this.unaryExpr, { LABEL: 'operands' });
    this.MANY(() => {
      this.CONSUME(T.MultiplicativeOp, { LABEL: 'operators' });
      this.SUBRULE2(this.unaryExpr, { LABEL: 'operands' });
    });
  });

  public unaryExpr = this.RULE('unaryExpr', () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Minus, { LABEL: 'operator' }) },
            { ALT: () => this.CONSUME(T.Bang, { LABEL: 'operator' }) },
          ]);
          this.SUBRULE(this.unaryExpr, { LABEL: 'operand' });
        },
      },
      { ALT: () => this.SUBRULE(this.powExpr, { LABEL: 'base' }) },
    ]);
  });

  public powExpr = this.RULE('powExpr', () => {
    this.SUBRULE(this.postfixExpr, { LABEL: 'base' });
    this.OPTION(() => {
      this.CONSUME(T.Pow);
      this.SUBRULE(this.unaryExpr, { LABEL: 'exponent' });
    });
  });

  public postfixExpr = this.RULE('postfixExpr', () => {
    this.SUBRULE(this.atom);
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.memberSuffix, { LABEL: 'suffixes' }) },
        { ALT: () => this.SUBRULE(this.indexSuffix, { LABEL: 'suffixes' }) },
      ]);
    });
  });

  public memberSuffix = this.RULE('memberSuffix', () => {
    this.CONSUME(T.Dot);
    this.CONSUME(T.Identifier, { LABEL: 'name' });
  });

  public indexSuffix = this.RULE('indexSuffix', () => {
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.expression, { LABEL: 'index' });
    this.CONSUME(T.RBracket);
  });

  public atom = this.RULE('atom', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.QuotedName) },
      // A name followed by `=` or `{` starts the next attribute or block, never an operand: refusing it here
      // turns `label = x ==` + newline + `derive {` into one error at `derive` instead of a cascade.
      { GATE: () => !this.atItemStart(), ALT: () => this.SUBRULE(this.nameOrCall) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.parenExpr) },
    ]);
  });

  public nameOrCall = this.RULE('nameOrCall', () => {
    this.CONSUME(T.Identifier, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.OPTION2(() => {
        this.SUBRULE(this.argument, { LABEL: 'args' });
        // Commas are checked by the AST builder: a missing one is one error, not a cascade. A trailing comma
        // is allowed: `f(a, b,)`.
        this.MANY({
          GATE: () => !this.atItemStart(),
          DEF: () => {
            this.OR([
              {
                ALT: () => {
                  this.CONSUME(T.Comma);
                  this.OPTION3(() => this.SUBRULE2(this.argument, { LABEL: 'args' }));
                },
              },
              { ALT: () => this.SUBRULE3(this.argument, { LABEL: 'args' }) },
            ]);
          },
        });
      });
      this.CONSUME(T.RParen);
    });
  });

  public argument = this.RULE('argument', () => {
    this.OPTION(() => {
      this.CONSUME(T.Identifier, { LABEL: 'argName' });
      this.CONSUME(T.Colon);
    });
    this.SUBRULE(this.expression, { LABEL: 'value' });
  });

  public list = this.RULE('list', () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expression, { LABEL: 'items' });
      this.MANY({
        GATE: () => !this.atItemStart(),
        DEF: () => {
          this.OR([
            {
              ALT: () => {
                this.CONSUME(T.Comma);
                this.OPTION2(() => this.SUBRULE2(this.expression, { LABEL: 'items' }));
              },
            },
            { ALT: () => this.SUBRULE3(this.expression, { LABEL: 'items' }) },
          ]);
        },
      });
    });
    this.CONSUME(T.RBracket);
  });

  public parenExpr = this.RULE('parenExpr', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression, { LABEL: 'inner' });
    this.CONSUME(T.RParen);
  });
}

/** The one shared instance (its state is reset for each input). */
export const parser = new PipeParser();

export interface CstResult {
  /** One `module` CST per parse run (more than one when the parser had to restart after stray input). */
  readonly modules: CstNode[];
  readonly tokens: IToken[];
  readonly comments: Comment[];
  readonly diagnostics: Diagnostic[];
}

/** Lexes and parses `text`; never throws on user input, always returns the (partial) CSTs. */
export function parseCst(text: string, file: string): CstResult {
  const lexed = lex(text, file);
  const diagnostics: Diagnostic[] = [...lexed.diagnostics];
  const tokens = lexed.tokens;
  const modules: CstNode[] = [];
  const eofSpan = (): { file: string; start: number; end: number } => {
    const last = tokens[tokens.length - 1];
    const at = last === undefined ? 0 : last.startOffset + last.image.length;
    return { file, start: at, end: at };
  };
  const spanOf = (t: IToken): { file: string; start: number; end: number } =>
    t.tokenType === EOF || Number.isNaN(t.startOffset) || t.startOffset < 0
      ? eofSpan()
      : { file, start: t.startOffset, end: t.startOffset + t.image.length };

  // Inputs nested deeper than any real file would overflow the stack of a recursive-descent parser (and of
  // the tree walkers after it): stop reading at the first token that goes past a limit (E0111), and drop the
  // parse errors at or after it (they only say the rest is missing).
  const cut = tooDeep(tokens);
  let limitAt = Number.POSITIVE_INFINITY;
  if (cut !== undefined) {
    const t = tokens[cut.index]!;
    limitAt = t.startOffset;
    diagnostics.push(error('E0111', cut.message, { file, start: t.startOffset, end: t.startOffset + t.image.length }));
    tokens.length = cut.index;
  }
  // A parse error at the first token after a lexically broken one (stray character, unterminated string or
  // name) is a cascade of the lexer error, already reported: drop it.
  const afterLexError = new Set<number>();
  for (const d of lexed.diagnostics) {
    if (d.code !== 'E0101' && d.code !== 'E0102' && d.code !== 'E0104') continue;
    const next = tokens.find((t) => t.startOffset >= d.span.end);
    if (next !== undefined) afterLexError.add(next.startOffset);
  }
  let i = 0;
  while (i < tokens.length || modules.length === 0) {
    const slice = tokens.slice(i);
    parser.input = slice;
    const cst = parser.module();
    modules.push(cst);
    let restartAt = -1;
    const seen = new Set<number>();
    for (const e of parser.errors) {
      const t = e.token;
      const span = spanOf(t);
      const cascade = afterLexError.has(span.start) || span.start >= limitAt || (cut !== undefined && t.tokenType === EOF);
      if (e.name === 'NotAllInputParsedException') {
        restartAt = slice.indexOf(t);
        if (!cascade) diagnostics.push(error('E0107', e.message, span));
        continue;
      }
      if (cascade) continue;
      // Chevrotain can report several errors at one token during recovery; keep the first.
      if (seen.has(span.start)) continue;
      seen.add(span.start);
      const code = e.message.startsWith('expected a declaration') ? 'E0107' : e.name === 'MismatchedTokenException' ? 'E0105' : 'E0106';
      diagnostics.push(error(code, e.message, span));
    }
    if (restartAt < 0) break;
    // Skip to the next token that can start a declaration, consuming at least one token.
    let j = restartAt + 1;
    while (j < slice.length && !startsDeclaration(slice, j)) j++;
    i += j;
  }
  return { modules, tokens, comments: lexed.comments, diagnostics };
}

const BINARY = new Set<TokenType>([T.OrOp, T.AndOp, T.EqEq, T.NotEq, T.Less, T.LessEq, T.Greater, T.GreaterEq, T.Plus, T.Star, T.Slash, T.Percent, T.Pow]);

/** Limits that no real `.pipe` file reaches; they keep every recursive stage far from the stack limit. */
export const LIMITS = { depth: 32, unaryRun: 64, powers: 64, operators: 500 } as const;

/**
 * The first token past a nesting limit: bracket depth, a run of prefix operators, or, within one value (from
 * one `=` to the next), the number of `**` (right-nested) or of all binary operators (left-nested).
 */
function tooDeep(ts: readonly IToken[]): { index: number; message: string } | undefined {
  let depth = 0;
  let unary = 0;
  let powers = 0;
  let operators = 0;
  let prevIsOperand = false;
  for (let i = 0; i < ts.length; i++) {
    const tt = ts[i]!.tokenType;
    if (tt === T.LParen || tt === T.LBracket || tt === T.LCurly) {
      if (++depth > LIMITS.depth) return { index: i, message: `nested more than ${LIMITS.depth} levels deep` };
    } else if (tt === T.RParen || tt === T.RBracket || tt === T.RCurly) depth = Math.max(0, depth - 1);
    if (tt === T.Equals) {
      powers = 0;
      operators = 0;
    }
    const isPrefix = (tt === T.Minus || tt === T.Bang) && !prevIsOperand;
    unary = isPrefix ? unary + 1 : 0;
    if (unary > LIMITS.unaryRun) return { index: i, message: `more than ${LIMITS.unaryRun} prefix operators in a row` };
    if (tt === T.Pow && ++powers > LIMITS.powers) return { index: i, message: `more than ${LIMITS.powers} \`**\` in one value` };
    const binary = BINARY.has(tt) || (tt === T.Minus && prevIsOperand);
    if (binary && ++operators > LIMITS.operators) return { index: i, message: `more than ${LIMITS.operators} operators in one value` };
    prevIsOperand =
      tt === T.Identifier || tt === T.NumberLiteral || tt === T.BadNumber || tt === T.StringLiteral || tt === T.UnterminatedString ||
      tt === T.QuotedName || tt === T.UnterminatedQuotedName || tt === T.True || tt === T.False || tt === T.RParen || tt === T.RBracket;
  }
  return undefined;
}

function startsDeclaration(ts: IToken[], j: number): boolean {
  const t = ts[j]!;
  if (t.tokenType === T.Param || t.tokenType === T.Import) return true;
  return (
    t.tokenType === T.Identifier &&
    ts[j + 1]?.tokenType === T.Identifier &&
    ts[j + 2]?.tokenType === T.LCurly
  );
}
