/**
 * Step versions, checked: a step's output is cached under a key that holds its kind's version, so a
 * change of code that changes what a step returns for the same inputs and params must bump that
 * version, or old cache entries are served for the new code. This test records, for every step kind,
 * its version and the source files it runs (its module and everything that module imports, statically
 * or lazily, or starts as a worker thread; type-only imports left out), in test/fixtures/step-versions.json. When a recorded file
 * changes and the version did not, it fails and names the files: bump the version if the output
 * changes, or record that it does not with
 *   UPDATE_STEP_VERSIONS=1 npx vitest run test/runtime/graph/step-versions.test.ts
 * and commit the fixture (the diff then shows the decision in review).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registry } from '../../../src/runtime/steps/index.js';
import { algorithmNames } from '../../../src/runtime/models/registry.js';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'step-versions.json');
const update = process.env['UPDATE_STEP_VERSIONS'] === '1';

/** The module of each step kind (fit.* steps live in steps/models.ts). */
const MODULE: Record<string, string> = {
  read: 'data', schema: 'data', concat: 'data', derive: 'data', dataset: 'data', split: 'data', gather: 'data',
  rank: 'select', corr: 'select', select: 'select', eval: 'models', search: 'search', report: 'report', scores: 'scores',
};
const kinds = [...Object.keys(MODULE), ...algorithmNames.map((a) => `fit.${a}`)];

/** Relative imports of a source file that carry code (not `import type`), as repository paths. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[\w*\s{},]*?)\s*from\s+'(\.{1,2}\/[^']+)'/g)) if (m[1] === undefined) specs.push(m[2]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+'(\.{1,2}\/[^']+)'/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/(?<!typeof\s)import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/workerUrl\(\s*import\.meta\.url,\s*'(\.{1,2}\/[^']+)'\s*\)/g)) specs.push(m[1]!); // worker entries
  return specs.map((s) => path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), s.replace(/\.js$/, '.ts')))).filter((f) => fs.existsSync(path.join(ROOT, f)));
}

function closure(entry: string): string[] {
  const seen = new Set<string>([entry]);
  const todo = [entry];
  while (todo.length > 0) for (const f of importsOf(todo.pop()!)) if (!seen.has(f)) { seen.add(f); todo.push(f); }
  return [...seen].sort();
}

const sha = (f: string) => createHash('sha256').update(fs.readFileSync(path.join(ROOT, f))).digest('hex').slice(0, 16);

interface Record_ { version: number; files: Record<string, string> }

describe('step versions', () => {
  it('every step kind whose code changed has a new version, or the change is recorded as output-neutral', () => {
    const now: Record<string, Record_> = {};
    for (const kind of kinds) {
      const impl = registry.get(kind);
      expect(impl, `no step implementation for \`${kind}\``).toBeDefined();
      now[kind] = { version: impl!.version, files: Object.fromEntries(closure(`src/runtime/steps/${MODULE[kind] ?? 'models'}.ts`).map((f) => [f, sha(f)])) };
    }
    if (update) {
      fs.mkdirSync(path.dirname(FIXTURE), { recursive: true });
      fs.writeFileSync(FIXTURE, JSON.stringify(now, null, 1) + '\n');
    }
    const then = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as Record<string, Record_>;
    const problems: string[] = [];
    for (const kind of kinds) {
      const a = then[kind], b = now[kind]!;
      if (a === undefined) { problems.push(`step \`${kind}\` is new: record it`); continue; }
      const changed = Object.keys({ ...a.files, ...b.files }).filter((f) => a.files[f] !== b.files[f]).sort();
      if (a.version !== b.version) problems.push(`step \`${kind}\` went from version ${a.version} to ${b.version}: record it`);
      else if (changed.length > 0) problems.push(`step \`${kind}\` (version ${b.version}) runs changed code: ${changed.join(', ')}. Bump its version if the same inputs and params now give other output; else record that they do not`);
    }
    for (const kind of Object.keys(then)) if (!kinds.includes(kind)) problems.push(`step \`${kind}\` is gone: record it`);
    expect(problems, `${problems.join('\n')}\n(record with UPDATE_STEP_VERSIONS=1 npx vitest run test/runtime/graph/step-versions.test.ts, and commit test/fixtures/step-versions.json)`).toEqual([]);
  });

  it('follows static, lazy and re-exported imports but not type-only ones', () => {
    const files = closure('src/runtime/steps/data.ts');
    expect(files).toContain('src/runtime/steps/common.ts'); // static
    expect(files).toContain('src/runtime/io/root.ts'); // lazy: await import('../io/root.js')
    expect(files).toContain('src/runtime/io/root-direct.ts'); // through root.ts
    expect(closure('src/runtime/steps/models.ts')).toContain('src/runtime/eval/metrics.ts'); // lazy
    expect(files).toContain('src/runtime/io/root-ahead-worker.ts'); // a worker entry (workerUrl)
    expect(files).not.toContain('src/runtime/results.ts'); // `import type` only
  });
});
