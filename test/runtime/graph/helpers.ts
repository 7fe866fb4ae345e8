/**
 * Test helpers for the build core: a fake step registry that records what ran and what was
 * decoded, a tiny plan builder, and temp cache dirs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Plan, PlannedStep, StepImpl, StepRegistry } from '../../../src/runtime/graph/types.js';

export interface FakeRegistry extends StepRegistry {
  /** Step ids (params.id) in the order their run() started. */
  ran: string[];
  /** Kinds decoded, in order. */
  decoded: string[];
  /** Highest number of run() calls in flight at once. */
  maxConcurrent: number;
  versions: Record<string, number>;
}

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const dec = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)) as unknown;

/**
 * Kinds: const {value}; add {k} (sum of inputs + k); mod {m} (input x mod m); read {} (text of
 * its files); fail {} (throws); slow {ms} (waits, then sum of inputs, aborts on signal).
 */
export function fakeRegistry(versions: Record<string, number> = {}): FakeRegistry {
  let inFlight = 0;
  const reg: FakeRegistry = {
    ran: [],
    decoded: [],
    maxConcurrent: 0,
    versions,
    get(kind) {
      return impls[kind];
    },
  };
  const sum = (inputs: Record<string, unknown>) => Object.values(inputs).reduce<number>((s, v) => s + Number(v), 0);
  const mk = (kind: string, run: (inputs: Record<string, unknown>, params: any, signal: AbortSignal) => Promise<unknown> | unknown): StepImpl => ({
    kind,
    version: versions[kind] ?? 1,
    async run(inputs, params, ctx) {
      reg.ran.push(params.id);
      inFlight++;
      reg.maxConcurrent = Math.max(reg.maxConcurrent, inFlight);
      try {
        return await run(inputs, params, ctx.signal);
      } finally {
        inFlight--;
      }
    },
    encode: enc,
    decode(b) {
      reg.decoded.push(kind);
      return dec(b);
    },
  });
  const impls: Record<string, StepImpl> = {
    const: mk('const', (_i, p) => p.value),
    add: mk('add', (i, p) => sum(i) + (p.k ?? 0)),
    mod: mk('mod', (i, p) => ((Number(i.x) % p.m) + p.m) % p.m),
    read: mk('read', (_i, p) => (p.files as string[]).map((f) => fs.readFileSync(f, 'utf8')).join('|')),
    fail: mk('fail', () => {
      throw new Error('boom: column `x` has no entries');
    }),
    slow: mk('slow', (i, p, signal) =>
      new Promise((res, rej) => {
        const onAbort = () => {
          clearTimeout(t);
          rej(new Error('aborted'));
        };
        const t = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          res(sum(i) + (p.k ?? 0));
        }, p.ms);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ),
  };
  return reg;
}

/** A step whose params carry its id (so the fake registry can record it). */
export function step(id: string, kind: string, params: Record<string, unknown> = {}, inputs: Record<string, string> = {}, extra: Partial<PlannedStep> = {}): PlannedStep {
  const p = { ...params, id, ...(extra.files ? { files: extra.files } : {}) };
  return { id, kind, params: p, inputs, attrs: { ...params }, ...extra };
}

export function plan(steps: PlannedStep[], targets: Record<string, string[]> = {}): Plan {
  return { steps, targets };
}

export function tempDir(prefix = 'winnow-graph-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
