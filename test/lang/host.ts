/**
 * In-memory SourceHost and ColumnCatalog for front-end tests: files and source schemas are plain objects.
 * Paths are POSIX-like; `resolve` joins the importing file's directory with the import path and normalises
 * `.` and `..`.
 */
import type { ColumnCatalog, ColumnInfo, SourceHost } from '../../src/lang/index.js';

export function memoryHost(files: Record<string, string>): SourceHost & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile(path) {
      reads.push(path);
      return files[path];
    },
    resolve(fromFile, importPath) {
      if (importPath.startsWith('/')) return normalise(importPath);
      const dir = fromFile.includes('/') ? fromFile.slice(0, fromFile.lastIndexOf('/')) : '';
      return normalise(dir === '' ? importPath : `${dir}/${importPath}`);
    },
  };
}

function normalise(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '.' || part === '') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return (p.startsWith('/') ? '/' : '') + out.join('/');
}

/** A catalog from `path -> columns` ("name:type" strings); a path not listed is an unreadable source. */
export function memoryCatalog(schemas: Record<string, string[]>): ColumnCatalog & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async schema(source) {
      const path = source.paths[0] ?? '';
      asked.push(path);
      const cols = schemas[path];
      if (cols === undefined) return { ok: false, message: 'no such file' };
      const columns: ColumnInfo[] = cols.map((c) => {
        const i = c.indexOf(':'); // the type may hold a colon: `root:vector<string>`
        return i < 0 ? { name: c, type: 'float64' } : { name: c.slice(0, i), type: c.slice(i + 1) };
      });
      return { ok: true, columns };
    },
  };
}
