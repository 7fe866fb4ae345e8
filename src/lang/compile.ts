/**
 * `compile(entry, host, opts)`: reads the entry file and its imports through the SourceHost, parses them and
 * runs the checker.
 *
 * May import: to-ast, check, ast/program (types), diagnostics. Never node:fs or process.
 *
 * Imports are resolved with `host.resolve(fromFile, importPath)` and read depth-first, so `files` is the
 * entry first, then each import in the order it is first reached. All files share one namespace. An import of
 * a file that is still being read (on the current import chain) is a cycle (E0401); an unreadable file is
 * E0501 at the `import` that names it (or at the start of the entry). Host exceptions are caught and
 * reported the same way, so compile() never throws on user input. When any file has a syntax error (E01xx),
 * the checker does not run: diagnostics about a recovered tree would mostly restate the syntax errors.
 */
import type { ImportDecl, Module } from './ast.js';
import { Checker, OVERRIDE_FILE, overrideText, type ColumnCatalog } from './check.js';
import { error, sortDiagnostics, type Diagnostic } from './diagnostics.js';
import type { CheckedProgram } from './program.js';
import { parse } from './to-ast.js';

export interface SourceHost {
  /** The text of a file, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /** The path of `importPath` as written in `fromFile` (relative to its directory). */
  resolve(fromFile: string, importPath: string): string;
}

export interface CompileOptions {
  readonly catalog?: ColumnCatalog;
  /** `--set name=value`: value parsed as a number, then true/false, else a string. */
  readonly overrides?: Readonly<Record<string, string>>;
}

export interface CompileResult {
  /** Present only when there is no error. */
  readonly program?: CheckedProgram;
  /** Sorted by file, then position. */
  readonly diagnostics: Diagnostic[];
  /** Every file read (entry first), also when there are errors: watch mode watches these. */
  readonly files: string[];
  /**
   * The text of every file read, by path, for `render()`; overrides appear as `--set` pseudo-files
   * (key `OVERRIDE_FILE`, text `name=value`) when a diagnostic points into one.
   */
  readonly texts: Record<string, string>;
}

export async function compile(entry: string, host: SourceHost, opts: CompileOptions = {}): Promise<CompileResult> {
  const diagnostics: Diagnostic[] = [];
  const modules: Module[] = [];
  const texts: Record<string, string> = {};
  const files: string[] = [];
  const stack: string[] = [];
  const done = new Set<string>();

  const read = (path: string): string | undefined => {
    try {
      return host.readFile(path);
    } catch {
      return undefined;
    }
  };
  const visit = (path: string, via?: { decl: ImportDecl }): void => {
    if (stack.includes(path)) {
      const chain = [...stack.slice(stack.indexOf(path)), path];
      diagnostics.push(
        error('E0401', `import cycle: ${chain.map((f) => `\`${f}\``).join(' -> ')}`, via!.decl.pathSpan, {
          help: 'move what both files need into a third file that both import',
        }),
      );
      return;
    }
    if (done.has(path)) return;
    const text = read(path);
    if (text === undefined) {
      const span = via !== undefined ? via.decl.pathSpan : { file: path, start: 0, end: 0 };
      if (via === undefined) texts[path] = '';
      diagnostics.push(error('E0501', `cannot read \`${path}\``, span));
      done.add(path);
      return;
    }
    done.add(path);
    texts[path] = text;
    files.push(path);
    const r = parse(text, path);
    diagnostics.push(...r.diagnostics);
    modules.push(r.module);
    stack.push(path);
    for (const d of r.module.decls) {
      if (d.kind !== 'import' || d.pathSpan.end === d.pathSpan.start) continue;
      let target: string;
      try {
        target = host.resolve(path, d.path);
      } catch (e: unknown) {
        diagnostics.push(error('E0501', `cannot resolve \`${d.path}\`: ${e instanceof Error ? e.message : String(e)}`, d.pathSpan));
        continue;
      }
      visit(target, { decl: d });
    }
    stack.pop();
  };
  visit(entry);

  // Syntax errors stop here: checking a recovered tree mostly repeats them in other words.
  if (diagnostics.some((d) => d.code.startsWith('E01'))) return { diagnostics: sortDiagnostics(diagnostics), files, texts };
  const checker = new Checker(modules, opts);
  let program: CheckedProgram | undefined;
  try {
    program = await checker.run();
  } catch (e: unknown) {
    // A bug in the checker, not the user's fault: keep it visible, but as a diagnostic rather than a crash.
    const at = { file: entry, start: 0, end: 0 };
    diagnostics.push(error('E0399', `internal error in the checker: ${e instanceof Error ? e.message : String(e)}`, at));
  }
  diagnostics.push(...checker.diagnostics);
  if (diagnostics.some((d) => d.span.file === OVERRIDE_FILE)) texts[OVERRIDE_FILE] = overrideText(opts.overrides ?? {});
  const hasError = diagnostics.some((d) => d.severity === 'error');
  return {
    ...(program !== undefined && !hasError ? { program } : {}),
    diagnostics: sortDiagnostics(diagnostics),
    files,
    texts,
  };
}
