/**
 * Why a step is stale: diffs the stored and the current FingerprintData into `StaleReason`s, down
 * to the param attribute, the input or the data file, and renders reasons and failures as one
 * sentence each for `status`, `explain` and build errors.
 *
 * May import: ./fingerprint, ./types. Pure: no IO (the scheduler reads the store and calls in here
 * at the point where it decides staleness, as ninja records explanations in src/graph.cc).
 *
 * Attribute names come from `PlannedStep.attrs` (name -> value) when the planner provides them; a
 * param change the attrs do not show (or a step without attrs) is reported as a JSON path into
 * `params` ("space.lr[1]"), at most MAX_PATHS of them.
 */
import { canonicalJson } from './fingerprint.js';
import type { FingerprintData } from './fingerprint.js';
import type { StaleReason, StepFailure, StepState } from './types.js';

const MAX_PATHS = 8;

export interface FingerprintView {
  data: FingerprintData;
  attrs?: Record<string, unknown>;
}

/**
 * Reasons why `cur` differs from `old`. `inputIds` maps the current input names to step ids
 * (for messages). Empty when both are equal.
 */
export function diffFingerprints(old: FingerprintView, cur: FingerprintView, inputIds: Readonly<Record<string, string>>): StaleReason[] {
  const out: StaleReason[] = [];
  const o = old.data;
  const c = cur.data;
  if (o.kind !== c.kind) out.push({ reason: 'kind-changed', old: o.kind, new: c.kind });
  else if (o.version !== c.version) out.push({ reason: 'version-changed', kind: c.kind, old: o.version, new: c.version });

  if (canonicalJson(o.params) !== canonicalJson(c.params)) {
    let named = false;
    if (old.attrs && cur.attrs) {
      for (const name of unionKeys(old.attrs, cur.attrs)) {
        const a = old.attrs[name];
        const b = cur.attrs[name];
        if (canonicalJson(a) !== canonicalJson(b)) {
          out.push({ reason: 'param-changed', attribute: name, old: a, new: b });
          named = true;
        }
      }
    }
    if (!named) {
      const paths: StaleReason[] = [];
      diffJson(o.params, c.params, '', paths);
      out.push(...paths.slice(0, MAX_PATHS));
    }
  }

  for (const name of unionKeys(o.inputs, c.inputs)) {
    const a = o.inputs[name];
    const b = c.inputs[name];
    if (a === undefined && b !== undefined) out.push({ reason: 'input-added', input: name, stepId: inputIds[name] ?? name });
    else if (a !== undefined && b === undefined) out.push({ reason: 'input-removed', input: name });
    else if (a !== undefined && b !== undefined && a !== b) out.push({ reason: 'input-changed', input: name, stepId: inputIds[name] ?? name, old: a, new: b });
  }
  for (const p of unionKeys(o.files, c.files)) {
    const a = o.files[p];
    const b = c.files[p];
    if (a === undefined) out.push({ reason: 'file-added', path: p });
    else if (b === undefined) out.push({ reason: 'file-removed', path: p });
    else if (a !== b) out.push({ reason: 'file-changed', path: p, old: a, new: b });
  }
  return out;
}

function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}

/** Leaf-level differences between two JSON values, as param-changed reasons with a path. */
function diffJson(a: unknown, b: unknown, at: string, out: StaleReason[]): void {
  if (out.length >= MAX_PATHS) return;
  if (canonicalJson(a) === canonicalJson(b)) return;
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) diffJson(a[i], b[i], `${at}[${i}]`, out);
    return;
  }
  if (isObj(a) && isObj(b)) {
    for (const k of unionKeys(a, b)) diffJson(a[k], b[k], at ? `${at}.${k}` : k, out);
    return;
  }
  out.push({ reason: 'param-changed', attribute: at || '(params)', old: a, new: b });
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  const s = JSON.stringify(v);
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}

function shortHash(h: string): string {
  return h.slice(0, 12);
}

/** One sentence (no period) for a stale reason. */
export function describeReason(r: StaleReason): string {
  switch (r.reason) {
    case 'never-built':
      return 'never built';
    case 'forced':
      return 'forced';
    case 'last-build-failed':
      return `its last build failed: ${r.error}`;
    case 'output-missing':
      return 'its cached output is gone (gc or clean)';
    case 'unknown-kind':
      return `no step kind \`${r.kind}\` is registered`;
    case 'kind-changed':
      return `kind changed from \`${r.old}\` to \`${r.new}\``;
    case 'version-changed':
      return `the code of \`${r.kind}\` changed (version ${r.old} -> ${r.new})`;
    case 'param-changed':
      return `\`${r.attribute}\` changed from ${show(r.old)} to ${show(r.new)}`;
    case 'input-added':
      return `new input \`${r.input}\` (${r.stepId})`;
    case 'input-removed':
      return `input \`${r.input}\` was removed`;
    case 'input-changed':
      return `input \`${r.input}\` (${r.stepId}) changed (${shortHash(r.old)} -> ${shortHash(r.new)})`;
    case 'input-stale':
      return `input \`${r.input}\` (${r.stepId}) is stale`;
    case 'input-failed':
      return `input \`${r.input}\` (${r.stepId}) failed`;
    case 'file-added':
      return `reads a new file ${r.path}`;
    case 'file-removed':
      return `no longer reads ${r.path}`;
    case 'file-changed':
      return `file ${r.path} changed (${shortHash(r.old)} -> ${shortHash(r.new)})`;
    case 'file-missing':
      return `cannot read file ${r.path}: ${r.message}`;
    default:
      return unreachable(r);
  }
}

/** One sentence (no period) for a step failure. */
export function describeFailure(f: StepFailure): string {
  switch (f.reason) {
    case 'step-error':
      return f.message;
    case 'unknown-kind':
      return `no step kind \`${f.kind}\` is registered`;
    case 'version-mismatch':
      return `the worker's registry has \`${f.kind}\` version ${f.actual}, the build expected ${f.expected}`;
    case 'file-unreadable':
      return `cannot read ${f.path}: ${f.message}`;
    case 'input-unavailable':
      return `input \`${f.input}\` (${shortHash(f.hash)}) is missing from the cache`;
    case 'worker-crashed':
      return `worker crashed: ${f.message}`;
    case 'cancelled':
      return 'cancelled';
    default:
      return unreachable(f);
  }
}

/**
 * Text for `winnow explain`: one paragraph per step, as returned by `explain()` in scheduler.ts
 * (the target first, then the stale inputs it leads to, down to the root causes).
 */
export function formatExplanation(states: readonly StepState[]): string {
  const lines: string[] = [];
  for (const s of states) {
    if (s.state === 'fresh') {
      lines.push(`${s.id} is fresh${s.key ? ` (key ${shortHash(s.key)})` : ''}`);
      continue;
    }
    lines.push(`${s.id} is stale:`);
    for (const r of s.reasons) lines.push(`  ${describeReason(r)}`);
  }
  return lines.join('\n') + '\n';
}

export function unreachable(x: never): never {
  throw new Error(`internal error: unexpected value ${JSON.stringify(x)}`);
}
