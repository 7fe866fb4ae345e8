/**
 * The examples of docs/language.md cannot rot: every ```pipe block must be marked, on the line
 * before it, either `<!-- runnable -->` (it is written to pipelines/docN.pipe in a temporary project
 * whose data/ holds the repository's data, and `winnow check` must pass on it), `<!-- file: NAME -->`
 * (written to pipelines/NAME first, for blocks that import it; checked too) or `<!-- not runnable:
 * why -->`. The project also gets data/hzz.parquet, made by `winnow convert` (the docs' Parquet
 * example).
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, DATA, ROOT, winnow } from '../helpers/cli.js';

interface Block {
  mark: string;
  text: string;
  line: number;
}

function pipeBlocks(md: string): Block[] {
  const lines = md.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```pipe') continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    if (end < 0) throw new Error(`docs/language.md:${i + 1}: unterminated code block`);
    let k = i - 1;
    while (k >= 0 && lines[k]!.trim() === '') k--;
    out.push({ mark: k >= 0 ? lines[k]!.trim() : '', text: lines.slice(i + 1, end).join('\n') + '\n', line: i + 1 });
    i = end;
  }
  return out;
}

function run(cwd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, out }));
  });
}

describe('docs/language.md', () => {
  const md = fs.readFileSync(path.join(ROOT, 'docs', 'language.md'), 'utf8');
  const blocks = pipeBlocks(md);

  it('marks every pipe example as runnable, a file, or not runnable (with a reason)', () => {
    expect(blocks.length).toBeGreaterThan(5);
    for (const b of blocks) {
      expect(/^<!-- (runnable|file: [\w.-]+\.pipe|not runnable: .+) -->$/.test(b.mark), `docs/language.md:${b.line}: mark the block (found ${JSON.stringify(b.mark)})`).toBe(true);
    }
  });

  it('every runnable example passes `winnow check`', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-docs-'));
    const data = path.join(dir, 'data');
    fs.mkdirSync(path.join(dir, 'pipelines'), { recursive: true });
    fs.mkdirSync(data);
    for (const name of fs.readdirSync(DATA)) fs.symlinkSync(path.join(DATA, name), path.join(data, name));
    const conv = winnow(dir, ['convert', path.join(DATA, 'root', 'uproot-HZZ.root'), path.join(data, 'hzz.parquet'), '--tree', 'events', '--columns', 'NMuon,NJet,MET_px,MET_py,EventWeight']);
    expect(conv.code, conv.stderr).toBe(0);

    const checks: { file: string; line: number }[] = [];
    blocks.forEach((b, i) => {
      const file = b.mark.startsWith('<!-- file: ') ? b.mark.slice('<!-- file: '.length, -' -->'.length) : `doc${i}.pipe`;
      if (b.mark.startsWith('<!-- not runnable')) return;
      fs.writeFileSync(path.join(dir, 'pipelines', file), b.text);
      checks.push({ file, line: b.line });
    });
    expect(checks.length).toBeGreaterThan(5);
    // Two at a time, with one shared cache (its schema memo makes every check after the first cheap).
    const failures: string[] = [];
    const queue = [...checks];
    const worker = async (): Promise<void> => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const r = await run(dir, ['check', path.join('pipelines', c.file), '--cache', path.join(dir, 'cache')]);
        if (r.code !== 0) failures.push(`docs/language.md:${c.line} (${c.file}): exit ${r.code}\n${r.out}`);
      }
    };
    await Promise.all([worker(), worker()]);
    expect(failures.join('\n')).toBe('');
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});

describe('docs/cli.md', () => {
  it('documents every command and flag of `winnow help`', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
    const help = winnow(ROOT, ['help']).stdout;
    const commands = [...help.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    const flags = [...help.matchAll(/--([a-z]+)/g)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThan(10);
    for (const c of commands) expect(doc, `docs/cli.md does not document \`winnow ${c}\``).toContain(`winnow ${c}`);
    for (const f of new Set(flags)) expect(doc, `docs/cli.md does not document --${f}`).toContain(`--${f}`);
  });
});
