/**
 * The `.pipe` abstract syntax tree: readonly nodes, a union on `kind`, each with a `span`.
 *
 * May import: diagnostics (for Span). Knows nothing of the runtime.
 * Spans are UTF-16 offsets into the file text; line/column are computed only when printing.
 * A recovered parse yields `{kind: 'error'}` expressions where the text could not be read, so a
 * partial tree always comes back with its diagnostics.
 */
import type { Span } from './diagnostics.js';
export type { Span };

export type BinaryOp = '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%' | '**';
export type UnaryOp = '-' | '!';

export type Expr =
  | { readonly kind: 'num'; readonly value: number; readonly raw: string; readonly span: Span }
  | { readonly kind: 'str'; readonly value: string; readonly span: Span }
  | { readonly kind: 'bool'; readonly value: boolean; readonly span: Span }
  | { readonly kind: 'list'; readonly items: readonly Expr[]; readonly span: Span }
  /** An identifier, or a backticked column name (`quoted: true`). */
  | { readonly kind: 'name'; readonly name: string; readonly quoted: boolean; readonly span: Span }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly operand: Expr; readonly span: Span }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | {
      readonly kind: 'call';
      readonly callee: string;
      readonly calleeSpan: Span;
      readonly args: readonly Expr[];
      readonly named: readonly NamedArg[];
      readonly span: Span;
    }
  | { readonly kind: 'member'; readonly object: Expr; readonly name: string; readonly nameSpan: Span; readonly span: Span }
  | { readonly kind: 'index'; readonly object: Expr; readonly index: Expr; readonly span: Span }
  | { readonly kind: 'error'; readonly span: Span };

export interface NamedArg {
  readonly name: string;
  readonly nameSpan: Span;
  readonly value: Expr;
  readonly span: Span;
}

export interface Attribute {
  readonly kind: 'attr';
  readonly key: string;
  readonly keySpan: Span;
  readonly value: Expr;
  readonly span: Span;
}

/** `derive { ... }`, `space { ... }`, `classes { ... }`. */
export interface NestedBlock {
  readonly kind: 'nested';
  readonly key: string;
  readonly keySpan: Span;
  readonly body: readonly BlockItem[];
  readonly span: Span;
}

export type BlockItem = Attribute | NestedBlock;

export type BlockKind = 'dataset' | 'features' | 'select' | 'model' | 'search' | 'report';

export interface Block {
  readonly kind: 'block';
  /** As written; the checker reports unknown kinds. */
  readonly blockKind: string;
  readonly kindSpan: Span;
  readonly name: string;
  readonly nameSpan: Span;
  readonly body: readonly BlockItem[];
  readonly span: Span;
}

export interface ParamDecl {
  readonly kind: 'param';
  readonly name: string;
  readonly nameSpan: Span;
  readonly value: Expr;
  readonly span: Span;
}

export interface ImportDecl {
  readonly kind: 'import';
  readonly path: string;
  readonly pathSpan: Span;
  readonly span: Span;
}

export type Decl = Block | ParamDecl | ImportDecl;

export interface Module {
  readonly file: string;
  readonly text: string;
  readonly decls: readonly Decl[];
}
