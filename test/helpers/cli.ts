/**
 * Runs the compiled CLI (dist/cli.js, built by `npm test`) in a temporary project directory, the
 * way a user would, and returns what they would see.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');
export const DATA = path.join(ROOT, 'data');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function tempProject(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-e2e-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export function winnow(cwd: string, args: string[], env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function winnowAsync(cwd: string, args: string[]) {
  return spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function buildJson(cwd: string, args: string[] = []): { ok: boolean; steps: { id: string; status: string; kind: string }[] } {
  const r = winnow(cwd, ['build', ...args, '--json']);
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`build --json did not print JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

export function statuses(steps: { id: string; status: string }[]): Record<string, string> {
  return Object.fromEntries(steps.map((s) => [s.id, s.status]));
}
