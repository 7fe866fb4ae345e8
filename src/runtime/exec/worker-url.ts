/**
 * Where a worker-thread entry script lives.
 *
 * May import: node:url, node:path, node:fs.
 * Worker threads need plain JavaScript. When winnow runs from `dist/` the worker is the sibling
 * `.js` file; when a module is loaded from `src/` as TypeScript (vitest), we point at the compiled
 * copy under `dist/` (`npm test` builds first), so workers behave the same in tests and in use.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

/** `workerUrl(import.meta.url, './gbdt-worker.js')` -> URL of the compiled worker script. */
export function workerUrl(callerUrl: string, relativeJs: string): URL {
  const callerPath = fileURLToPath(callerUrl);
  const candidate = path.resolve(path.dirname(callerPath), relativeJs);
  if (fs.existsSync(candidate)) return pathToFileURL(candidate);
  // Running from src/*.ts: map src/ -> dist/.
  const marker = `${path.sep}src${path.sep}`;
  const idx = candidate.lastIndexOf(marker);
  if (idx >= 0) {
    const dist = candidate.slice(0, idx) + `${path.sep}dist${path.sep}` + candidate.slice(idx + marker.length);
    if (fs.existsSync(dist)) return pathToFileURL(dist);
    throw new Error(`worker script ${relativeJs} is not built: run \`npm run build\` first (looked for ${dist})`);
  }
  throw new Error(`worker script not found: ${candidate}`);
}
