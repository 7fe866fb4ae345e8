/**
 * CSV/TSV reader: file bytes -> typed columns.
 *
 * May import: node:fs, table.
 * One pass over the bytes splits records (RFC 4180 quoting, CRLF or LF line ends); a column is
 * numeric when every non-empty field parses as a number (empty fields and `NA`/`nan` are missing,
 * NaN), otherwise it is a string column. `header: false` names columns `col1`, `col2`, ... as
 * analysts number them. The schema is sniffed from the header and the first 1,000 rows, so `check`
 * stays fast on big files; a column that turns out non-numeric later is still read correctly
 * (as strings) by the full read.
 */
import fs from 'node:fs';
import type { Column, ColumnInfo, Table } from './table.js';

export interface CsvOptions {
  /** Field separator; default: tab for .tsv/.train/.txt files whose first line has tabs, else ','. */
  readonly sep?: string;
  readonly header?: boolean;
  /** Read only these columns (all when undefined). */
  readonly columns?: readonly string[];
  /** Stop after this many data rows (schema sniffing). */
  readonly maxRows?: number;
}

export class CsvError extends Error {
  constructor(readonly file: string, message: string) {
    super(message);
    this.name = 'CsvError';
  }
}

function detectSep(firstLine: string): string {
  const tabs = firstLine.split('\t').length;
  const commas = firstLine.split(',').length;
  const semis = firstLine.split(';').length;
  if (tabs > commas && tabs >= semis) return '\t';
  if (semis > commas) return ';';
  return ',';
}

/** Splits the text into records of fields. Calls `onRecord` per record; returns records seen. */
function scan(text: string, sep: string, onRecord: (fields: string[], line: number) => boolean): void {
  const n = text.length;
  let i = 0;
  let line = 1;
  const sepCode = sep.charCodeAt(0);
  while (i < n) {
    const fields: string[] = [];
    const startLine = line;
    let field = '';
    let atStart = true;
    for (;;) {
      if (i >= n) { fields.push(field); break; }
      let c = text.charCodeAt(i);
      if (atStart && c === 34 /* " */) {
        // Quoted field.
        i++;
        let buf = '';
        for (;;) {
          if (i >= n) throw new CsvError('', `unterminated quoted field starting on line ${startLine}`);
          const q = text.indexOf('"', i);
          if (q < 0) throw new CsvError('', `unterminated quoted field starting on line ${startLine}`);
          const chunk = text.slice(i, q);
          for (let k = 0; k < chunk.length; k++) if (chunk.charCodeAt(k) === 10) line++;
          buf += chunk;
          i = q + 1;
          if (text.charCodeAt(i) === 34) { buf += '"'; i++; continue; }
          break;
        }
        field = buf;
        atStart = false;
        c = text.charCodeAt(i);
      }
      // Unquoted: find the next separator or line end.
      let j = i;
      while (j < n) {
        c = text.charCodeAt(j);
        if (c === sepCode || c === 10 || c === 13) break;
        j++;
      }
      field += text.slice(i, j);
      i = j;
      if (i >= n) { fields.push(field); break; }
      if (c === sepCode) { fields.push(field); field = ''; atStart = true; i++; continue; }
      // Line end.
      fields.push(field);
      if (c === 13 && text.charCodeAt(i + 1) === 10) i += 2; else i++;
      line++;
      break;
    }
    if (fields.length === 1 && fields[0] === '') continue; // blank line
    if (!onRecord(fields, startLine)) return;
  }
}

const MISSING = new Set(['', 'NA', 'NaN', 'nan', 'null', 'NULL', 'N/A']);

interface Parsed {
  names: string[];
  cols: string[][];
}

function parseText(text: string, file: string, opts: CsvOptions): Parsed {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const nl = text.search(/\r?\n/);
  const firstLine = nl < 0 ? text : text.slice(0, nl);
  const sep = opts.sep ?? detectSep(firstLine);
  const header = opts.header ?? true;
  let names: string[] | undefined;
  let cols: string[][] = [];
  let rows = 0;
  const max = opts.maxRows ?? Infinity;
  try {
    scan(text, sep, (fields, line) => {
      if (!names) {
        if (header) {
          names = fields.map((f) => f.trim());
          cols = names.map(() => []);
          return true;
        }
        names = fields.map((_, k) => `col${k + 1}`);
        cols = names.map(() => []);
      }
      if (fields.length !== names.length) {
        throw new CsvError(file, `${file}:${line}: expected ${names.length} fields, found ${fields.length}; check the separator (sep:) and quoting`);
      }
      for (let k = 0; k < fields.length; k++) cols[k]!.push(fields[k]!);
      rows++;
      return rows < max;
    });
  } catch (e) {
    if (e instanceof CsvError) throw new CsvError(file, e.file ? e.message : `${file}: ${e.message}`);
    throw e;
  }
  if (!names) throw new CsvError(file, `${file} is empty: expected a header line`);
  const seen = new Set<string>();
  for (const nm of names) {
    if (seen.has(nm)) throw new CsvError(file, `${file}: column \`${nm}\` appears twice in the header`);
    seen.add(nm);
  }
  return { names, cols };
}

function toColumn(raw: string[]): Column {
  const values = new Float64Array(raw.length);
  let integer = true;
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i]!;
    if (MISSING.has(s)) { values[i] = NaN; continue; }
    const v = Number(s);
    if (Number.isNaN(v)) return { kind: 'str', dtype: 'string', values: raw };
    values[i] = v;
    if (integer && !Number.isInteger(v)) integer = false;
  }
  return { kind: 'num', dtype: integer ? 'int64' : 'float64', values };
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CsvError(file, code === 'ENOENT' ? `${file} does not exist` : `cannot read ${file}: ${(e as Error).message}`);
  }
}

export function readCsv(file: string, opts: CsvOptions = {}): Table {
  const { names, cols } = parseText(readText(file), file, opts);
  const want = opts.columns ? new Set(opts.columns) : undefined;
  if (opts.columns) {
    for (const c of opts.columns) {
      if (!names.includes(c)) throw new CsvError(file, `${file} has no column \`${c}\``);
    }
  }
  const columns = new Map<string, Column>();
  names.forEach((nm, k) => {
    if (!want || want.has(nm)) columns.set(nm, toColumn(cols[k]!));
  });
  return { rows: cols[0]?.length ?? 0, columns };
}

export function csvSchema(file: string, opts: CsvOptions = {}): ColumnInfo[] {
  // Read at most the first 1 MB for the sniff.
  let text: string;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(1 << 20);
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      text = buf.subarray(0, n).toString('utf8');
      if (n === buf.length) text = text.slice(0, Math.max(text.lastIndexOf('\n'), 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CsvError(file, code === 'ENOENT' ? `${file} does not exist` : `cannot read ${file}: ${(e as Error).message}`);
  }
  const { names, cols } = parseText(text, file, { ...opts, maxRows: 1000 });
  return names.map((name, k) => {
    const c = toColumn(cols[k]!);
    return { name, type: c.kind === 'str' ? 'string' : c.dtype };
  });
}

