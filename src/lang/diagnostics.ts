/**
 * The single Diagnostic type, the catalogue of codes, rendering with a code frame, and suggestions.
 * (Placeholder types; the front-end work fills in the catalogue, render() and suggest().)
 */
export interface Span {
  readonly file: string;
  /** UTF-16 offsets into the file text, end exclusive. */
  readonly start: number;
  readonly end: number;
}
