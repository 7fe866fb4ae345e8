/**
 * Source resolution and schemas: `.pipe` source paths -> files on disk -> column names and types.
 *
 * May import: node:fs, node:path, io readers (lazily), table.
 * Paths are relative to the directory of the `.pipe` file that declares them; when no such file
 * exists, a path relative to the current directory is accepted too (so LANGUAGE.md's examples, run
 * from the project root, work as written). `*`, `?` and `**` globs expand in sorted order, so a
 * chain's row order is stable. Schemas are read from headers only (CSV header + sniff, Parquet
 * footer, ROOT keys and branches) and memoised on disk by (path, size, mtime) in the cache directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ColumnInfo } from './table.js';

export class SourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceError';
  }
}

function globToRegExp(seg: string): RegExp {
  let re = '';
  for (const ch of seg) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const isGlob = (s: string): boolean => /[*?]/.test(s);

/** Expands one pattern (absolute) into sorted existing files. */
export function expandGlob(pattern: string): string[] {
  if (!isGlob(pattern)) return fs.existsSync(pattern) ? [pattern] : [];
  const parts = pattern.split(path.sep);
  let bases = [parts[0] === '' ? path.sep : parts[0]!];
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const b of bases) {
      if (seg === '**') {
        const walk = (d: string): void => {
          next.push(d);
          let ents: fs.Dirent[] = [];
          try { ents = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
          for (const e of ents.sort((x, y) => (x.name < y.name ? -1 : 1))) if (e.isDirectory()) walk(path.join(d, e.name));
        };
        walk(b);
        continue;
      }
      if (!isGlob(seg)) { const p = path.join(b, seg); if (fs.existsSync(p)) next.push(p); continue; }
      const re = globToRegExp(seg);
      let ents: fs.Dirent[] = [];
      try { ents = fs.readdirSync(b, { withFileTypes: true }); } catch { continue; }
      for (const e of ents) {
        if (!re.test(e.name)) continue;
        if (last ? e.isFile() || e.isSymbolicLink() : e.isDirectory() || e.isSymbolicLink()) next.push(path.join(b, e.name));
      }
    }
    bases = [...new Set(next)].sort();
  }
  return bases.filter((p) => { try { return fs.statSync(p).isFile(); } catch { return false; } });
}

/**
 * Resolves the paths of one source, declared in `pipeFile`, to files relative to the cwd
 * (portable keys) in a stable order. Throws SourceError naming the pattern when nothing matches.
 */
export function resolveSourcePaths(pipeFile: string, paths: readonly string[], cwd = process.cwd()): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const candidates = path.isAbsolute(p) ? [p] : [path.resolve(path.dirname(pipeFile), p), path.resolve(cwd, p)];
    let found: string[] = [];
    for (const c of candidates) {
      found = expandGlob(c);
      if (found.length) break;
    }
    if (found.length === 0) {
      const rel = path.relative(cwd, candidates[0]!) || candidates[0]!;
      throw new SourceError(isGlob(p) ? `the pattern "${p}" matches no file (looked in ${path.dirname(rel) || '.'})` : `${rel} does not exist`);
    }
    for (const f of found) {
      // Inside the project: relative (keys survive moving the checkout); outside: absolute.
      const r = path.relative(cwd, f);
      out.push(r === '' || r.startsWith('..') || path.isAbsolute(r) ? f : r);
    }
  }
  return out;
}

export interface SourceLike {
  readonly format: 'csv' | 'parquet' | 'root';
  readonly tree?: string;
  readonly options: Readonly<Record<string, unknown>>;
}

interface SchemaMemo { [key: string]: ColumnInfo[] }

/** Reads the schema of resolved files (the first file; a chain must share it), memoised on disk. */
export class SchemaCatalog {
  private memo: SchemaMemo = {};
  private dirty = false;
  constructor(private readonly memoFile?: string) {
    if (memoFile) {
      try { this.memo = JSON.parse(fs.readFileSync(memoFile, 'utf8')) as SchemaMemo; } catch { this.memo = {}; }
    }
  }

  async schema(src: SourceLike, files: readonly string[]): Promise<ColumnInfo[]> {
    const file = files[0]!;
    const st = fs.statSync(file);
    const key = JSON.stringify([path.resolve(file), st.size, st.mtimeMs, src.format, src.tree ?? null, src.options]);
    const hit = this.memo[key];
    if (hit) return hit;
    let cols: ColumnInfo[];
    switch (src.format) {
      case 'csv': {
        const { csvSchema } = await import('./csv.js');
        cols = csvSchema(file, { sep: src.options.sep as string | undefined, header: src.options.header as boolean | undefined });
        break;
      }
      case 'parquet': {
        const { parquetSchema } = await import('./parquet.js');
        cols = await parquetSchema(file);
        break;
      }
      case 'root': {
        const { rootSchema } = await import('./root.js');
        cols = await rootSchema({ paths: [file], tree: src.tree });
        break;
      }
    }
    this.memo[key] = cols;
    this.dirty = true;
    return cols;
  }

  save(): void {
    if (!this.memoFile || !this.dirty) return;
    try {
      fs.mkdirSync(path.dirname(this.memoFile), { recursive: true });
      const tmp = `${this.memoFile}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, JSON.stringify(this.memo));
      fs.renameSync(tmp, this.memoFile);
    } catch {
      // A memo is an optimisation: failing to write it is not an error.
    }
  }
}
