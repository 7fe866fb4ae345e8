/**
 * Errors and name suggestions shared by the data readers (root, parquet, inspect, convert).
 *
 * May import: nothing.
 * Readers throw `DataError` for every expected failure (not ROOT, truncated, corrupt basket, missing
 * tree or branch, unsupported type, glob matching nothing). The message is one sentence naming the
 * file, and the branch and entry range where they apply; `code` lets callers switch on the reason
 * without parsing text. A plain `Error` from a reader means a bug.
 */

export type DataErrorCode =
  | 'not-found' | 'not-root' | 'truncated' | 'corrupt' | 'missing-tree' | 'missing-column'
  | 'unsupported-type' | 'empty-glob' | 'not-parquet' | 'bad-input';

export class DataError extends Error {
  readonly code: DataErrorCode;
  readonly file: string | undefined;
  constructor(code: DataErrorCode, message: string, file?: string) {
    super(message);
    this.name = 'DataError';
    this.code = code;
    this.file = file;
  }
}

function editDistance(a: string, b: string): number {
  const m = a.length, n = b.length;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n]!;
}

/**
 * The closest candidate to `name`, or undefined when none is close (distance at most a third of
 * the name's length, case-insensitive match first), in the spirit of TypeScript's getSpellingSuggestion.
 */
export function suggestName(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    if (c.toLowerCase() === lower) return c;
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) { bestD = d; best = c; }
  }
  return bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

/** " (did you mean `X`?)" or "". */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const s = suggestName(name, candidates);
  return s === undefined ? '' : ` (did you mean \`${s}\`?)`;
}
