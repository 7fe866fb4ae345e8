/**
 * `renderAll(diagnostics, texts)`: what `winnow check` prints, every diagnostic rendered with its code frame,
 * separated by blank lines, ending with a newline ('' when there is nothing to say).
 *
 * May import: diagnostics. `texts` is CompileResult.texts (file -> text).
 */
import { render, type Diagnostic } from './diagnostics.js';

export function renderAll(diagnostics: readonly Diagnostic[], texts: Readonly<Record<string, string>>): string {
  if (diagnostics.length === 0) return '';
  return `${diagnostics.map((d) => render(d, texts[d.span.file] ?? '', texts)).join('\n\n')}\n`;
}
