// Generated from the grammar in parser.ts by chevrotain's generateCstDts; do not edit.
// test/lang/cst-dts.test.ts fails when this file is stale.
import type { CstNode, ICstVisitor, IToken } from "chevrotain";

export interface ModuleCstNode extends CstNode {
  name: "module";
  children: ModuleCstChildren;
}

export type ModuleCstChildren = {
  declaration?: DeclarationCstNode[];
};

export interface DeclarationCstNode extends CstNode {
  name: "declaration";
  children: DeclarationCstChildren;
}

export type DeclarationCstChildren = {
  paramDecl?: ParamDeclCstNode[];
  importDecl?: ImportDeclCstNode[];
  blockDecl?: BlockDeclCstNode[];
};

export interface ParamDeclCstNode extends CstNode {
  name: "paramDecl";
  children: ParamDeclCstChildren;
}

export type ParamDeclCstChildren = {
  Param: IToken[];
  name: IToken[];
  Equals?: IToken[];
  value: ExpressionCstNode[];
};

export interface ImportDeclCstNode extends CstNode {
  name: "importDecl";
  children: ImportDeclCstChildren;
}

export type ImportDeclCstChildren = {
  Import: IToken[];
  path: IToken[];
};

export interface BlockDeclCstNode extends CstNode {
  name: "blockDecl";
  children: BlockDeclCstChildren;
}

export type BlockDeclCstChildren = {
  blockKind: IToken[];
  name: IToken[];
  LCurly: IToken[];
  items?: BlockItemCstNode[];
  RCurly: IToken[];
};

export interface BlockItemCstNode extends CstNode {
  name: "blockItem";
  children: BlockItemCstChildren;
}

export type BlockItemCstChildren = {
  key: AttrKeyCstNode[];
  LCurly?: IToken[];
  items?: BlockItemCstNode[];
  RCurly?: IToken[];
  Equals?: IToken[];
  value?: ExpressionCstNode[];
};

export interface AttrKeyCstNode extends CstNode {
  name: "attrKey";
  children: AttrKeyCstChildren;
}

export type AttrKeyCstChildren = {
  Identifier?: IToken[];
  QuotedName?: IToken[];
};

export interface ExpressionCstNode extends CstNode {
  name: "expression";
  children: ExpressionCstChildren;
}

export type ExpressionCstChildren = {
  operands: (AndExprCstNode)[];
  operators?: IToken[];
};

export interface AndExprCstNode extends CstNode {
  name: "andExpr";
  children: AndExprCstChildren;
}

export type AndExprCstChildren = {
  operands: (EqExprCstNode)[];
  operators?: IToken[];
};

export interface EqExprCstNode extends CstNode {
  name: "eqExpr";
  children: EqExprCstChildren;
}

export type EqExprCstChildren = {
  operands: (RelExprCstNode)[];
  operators?: IToken[];
};

export interface RelExprCstNode extends CstNode {
  name: "relExpr";
  children: RelExprCstChildren;
}

export type RelExprCstChildren = {
  operands: (AddExprCstNode)[];
  operators?: IToken[];
};

export interface AddExprCstNode extends CstNode {
  name: "addExpr";
  children: AddExprCstChildren;
}

export type AddExprCstChildren = {
  operands: (MulExprCstNode)[];
  operators?: (IToken)[];
};

export interface MulExprCstNode extends CstNode {
  name: "mulExpr";
  children: MulExprCstChildren;
}

export type MulExprCstChildren = {
  operands: (UnaryExprCstNode)[];
  operators?: IToken[];
};

export interface UnaryExprCstNode extends CstNode {
  name: "unaryExpr";
  children: UnaryExprCstChildren;
}

export type UnaryExprCstChildren = {
  operator?: (IToken)[];
  operand?: UnaryExprCstNode[];
  base?: PowExprCstNode[];
};

export interface PowExprCstNode extends CstNode {
  name: "powExpr";
  children: PowExprCstChildren;
}

export type PowExprCstChildren = {
  base: PostfixExprCstNode[];
  Pow?: IToken[];
  exponent?: UnaryExprCstNode[];
};

export interface PostfixExprCstNode extends CstNode {
  name: "postfixExpr";
  children: PostfixExprCstChildren;
}

export type PostfixExprCstChildren = {
  atom: AtomCstNode[];
  suffixes?: (MemberSuffixCstNode | IndexSuffixCstNode)[];
};

export interface MemberSuffixCstNode extends CstNode {
  name: "memberSuffix";
  children: MemberSuffixCstChildren;
}

export type MemberSuffixCstChildren = {
  Dot: IToken[];
  name: IToken[];
};

export interface IndexSuffixCstNode extends CstNode {
  name: "indexSuffix";
  children: IndexSuffixCstChildren;
}

export type IndexSuffixCstChildren = {
  LBracket: IToken[];
  index: ExpressionCstNode[];
  RBracket: IToken[];
};

export interface AtomCstNode extends CstNode {
  name: "atom";
  children: AtomCstChildren;
}

export type AtomCstChildren = {
  NumberLiteral?: IToken[];
  StringLiteral?: IToken[];
  True?: IToken[];
  False?: IToken[];
  QuotedName?: IToken[];
  nameOrCall?: NameOrCallCstNode[];
  list?: ListCstNode[];
  parenExpr?: ParenExprCstNode[];
};

export interface NameOrCallCstNode extends CstNode {
  name: "nameOrCall";
  children: NameOrCallCstChildren;
}

export type NameOrCallCstChildren = {
  name: IToken[];
  LParen?: IToken[];
  args?: (ArgumentCstNode)[];
  Comma?: IToken[];
  RParen?: IToken[];
};

export interface ArgumentCstNode extends CstNode {
  name: "argument";
  children: ArgumentCstChildren;
}

export type ArgumentCstChildren = {
  argName?: IToken[];
  Colon?: IToken[];
  value: ExpressionCstNode[];
};

export interface ListCstNode extends CstNode {
  name: "list";
  children: ListCstChildren;
}

export type ListCstChildren = {
  LBracket: IToken[];
  items?: (ExpressionCstNode)[];
  Comma?: IToken[];
  RBracket: IToken[];
};

export interface ParenExprCstNode extends CstNode {
  name: "parenExpr";
  children: ParenExprCstChildren;
}

export type ParenExprCstChildren = {
  LParen: IToken[];
  inner: ExpressionCstNode[];
  RParen: IToken[];
};

export interface ICstNodeVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  module(children: ModuleCstChildren, param?: IN): OUT;
  declaration(children: DeclarationCstChildren, param?: IN): OUT;
  paramDecl(children: ParamDeclCstChildren, param?: IN): OUT;
  importDecl(children: ImportDeclCstChildren, param?: IN): OUT;
  blockDecl(children: BlockDeclCstChildren, param?: IN): OUT;
  blockItem(children: BlockItemCstChildren, param?: IN): OUT;
  attrKey(children: AttrKeyCstChildren, param?: IN): OUT;
  expression(children: ExpressionCstChildren, param?: IN): OUT;
  andExpr(children: AndExprCstChildren, param?: IN): OUT;
  eqExpr(children: EqExprCstChildren, param?: IN): OUT;
  relExpr(children: RelExprCstChildren, param?: IN): OUT;
  addExpr(children: AddExprCstChildren, param?: IN): OUT;
  mulExpr(children: MulExprCstChildren, param?: IN): OUT;
  unaryExpr(children: UnaryExprCstChildren, param?: IN): OUT;
  powExpr(children: PowExprCstChildren, param?: IN): OUT;
  postfixExpr(children: PostfixExprCstChildren, param?: IN): OUT;
  memberSuffix(children: MemberSuffixCstChildren, param?: IN): OUT;
  indexSuffix(children: IndexSuffixCstChildren, param?: IN): OUT;
  atom(children: AtomCstChildren, param?: IN): OUT;
  nameOrCall(children: NameOrCallCstChildren, param?: IN): OUT;
  argument(children: ArgumentCstChildren, param?: IN): OUT;
  list(children: ListCstChildren, param?: IN): OUT;
  parenExpr(children: ParenExprCstChildren, param?: IN): OUT;
}
