/**
 * The front door of the `.pipe` front end: the only module the runtime and the CLI import from src/lang.
 *
 * May import: the files of src/lang. Never node:fs, process or src/runtime: files are read only through
 * the SourceHost the caller hands to `compile()`, and source schemas only through a ColumnCatalog.
 *
 * Stages and their guarantees:
 * - `lex(text, file)`: tokens + comments; never throws.
 * - `parse(text, file)`: a Module (partial when there are E01 diagnostics) + comments; never throws.
 * - `compile(entry, host, opts)`: reads the entry and its imports, parses and checks them; `program` is
 *   present only when there is no error, and then every reference in it is resolved (see program.ts).
 * - `format(text, file)`: canonical text, or no text and the syntax diagnostics.
 */
export type * from './ast.js';
export type * from './program.js';
export { CODES, render, suggest, didYouMean, hasErrors, sortDiagnostics, LineIndex } from './diagnostics.js';
export type { Diagnostic, DiagnosticCode, Label, Result, Span } from './diagnostics.js';
export { lex } from './lexer.js';
export type { Comment, LexResult } from './lexer.js';
export { parse } from './to-ast.js';
export type { ParseResult } from './to-ast.js';
export { compile } from './compile.js';
export type { CompileOptions, CompileResult, SourceHost } from './compile.js';
export { OVERRIDE_FILE, columnType, overrideText, parseOverride, walkNames } from './check.js';
export type { ColumnCatalog, ColumnInfo } from './check.js';
export * as schema from './schema.js';
export { renderAll } from './render-all.js';
export { format, formatExpr } from './format.js';
export type { FormatResult } from './format.js';
