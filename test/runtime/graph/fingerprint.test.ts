import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { canonicalJson, fingerprintData, fingerprintString, stepKey, FileHasher } from '../../../src/runtime/graph/fingerprint.js';
import type { ContentHash } from '../../../src/runtime/graph/types.js';
import { tempDir } from './helpers.js';

const h = (c: string) => c.repeat(64) as ContentHash;

describe('fingerprint', () => {
  it('canonical JSON sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"x":2,"z":1}]},"b":1}');
    expect(canonicalJson([undefined, NaN, Infinity, 1.5])).toBe('[null,null,null,1.5]');
  });

  it('the key ignores the order params and inputs were written in, and changes with every field', () => {
    const a = fingerprintData('fit', 2, { trees: 100, depth: 3 }, { train: h('a'), features: h('b') }, { 'x.csv': h('c') });
    const b = fingerprintData('fit', 2, { depth: 3, trees: 100 }, { features: h('b'), train: h('a') }, { 'x.csv': h('c') });
    expect(fingerprintString(a)).toBe(fingerprintString(b));
    expect(fingerprintString(a)).toBe(
      `{"kind":"fit","version":2,"params":{"depth":3,"trees":100},"inputs":{"features":"${h('b')}","train":"${h('a')}"},"files":{"x.csv":"${h('c')}"}}`,
    );
    expect(stepKey(a)).toBe(createHash('sha256').update(fingerprintString(a)).digest('hex'));
    const variants = [
      fingerprintData('fit2', 2, { trees: 100, depth: 3 }, { train: h('a'), features: h('b') }, { 'x.csv': h('c') }),
      fingerprintData('fit', 3, { trees: 100, depth: 3 }, { train: h('a'), features: h('b') }, { 'x.csv': h('c') }),
      fingerprintData('fit', 2, { trees: 101, depth: 3 }, { train: h('a'), features: h('b') }, { 'x.csv': h('c') }),
      fingerprintData('fit', 2, { trees: 100, depth: 3 }, { train: h('d'), features: h('b') }, { 'x.csv': h('c') }),
      fingerprintData('fit', 2, { trees: 100, depth: 3 }, { train: h('a'), features: h('b') }, { 'x.csv': h('e') }),
    ];
    expect(new Set([a, ...variants].map(stepKey)).size).toBe(6);
  });
});

describe('FileHasher', () => {
  let dir: string;
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('hashes content; trusts an old stamp (size+mtime+inode), rehashes a recently written file', () => {
    dir = tempDir('winnow-fp-');
    const f = path.join(dir, 'data.csv');
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    fs.writeFileSync(f, 'aaaa');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(f, old, old);
    const hasher = new FileHasher();
    expect(hasher.hash(f)).toEqual({ ok: true, hash: sha('aaaa') });
    expect(hasher.dirty).toBe(true);
    const stamps = hasher.takeStamps();
    expect(Object.keys(stamps)).toEqual([f]);

    // Same size, mtime restored: the pre-check trusts the stamp (the documented trade-off).
    fs.writeFileSync(f, 'bbbb');
    fs.utimesSync(f, old, old);
    const next = new FileHasher(stamps);
    expect(next.hash(f)).toEqual({ ok: true, hash: sha('aaaa') });
    // Within a build the result is memoised; a new build with a changed size rehashes.
    fs.writeFileSync(f, 'ccccc');
    fs.utimesSync(f, old, old);
    expect(next.hash(f)).toEqual({ ok: true, hash: sha('aaaa') });
    next.newBuild();
    expect(next.hash(f)).toEqual({ ok: true, hash: sha('ccccc') });

    // A file written just now is never trusted from its stamp (racy-clean protection).
    const g = path.join(dir, 'fresh.csv');
    fs.writeFileSync(g, 'xxxx');
    const racy = new FileHasher();
    expect(racy.hash(g)).toEqual({ ok: true, hash: sha('xxxx') });
    const st = fs.statSync(g);
    fs.writeFileSync(g, 'yyyy');
    fs.utimesSync(g, st.atime, st.mtime);
    const again = new FileHasher(racy.takeStamps());
    expect(again.hash(g)).toEqual({ ok: true, hash: sha('yyyy') });

    expect(again.hash(path.join(dir, 'missing.csv'))).toEqual({ ok: false, message: 'no such file' });
    expect(again.hash(dir)).toEqual({ ok: false, message: 'not a regular file' });
  });
});
