import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Column } from '../../../src/runtime/io/table.js';
import { clearRootCache, openTree, readRoot, readRootChainFiles, readRootGeneric } from '../../../src/runtime/io/root.js';
import { DirectUnsupported, readDirect, type DirectBranch } from '../../../src/runtime/io/root-direct.js';
import { DataError } from '../../../src/runtime/io/root-errors.js';
import { expectSameColumn } from '../../helpers/columns.js';

const D = 'data/root';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-root-direct-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function concat(cols: Column[]): Column {
  const f = cols[0]!;
  if (f.kind === 'str') return { kind: 'str', dtype: 'string', values: cols.flatMap((c) => c.values as string[]) };
  const values = Float64Array.from(cols.flatMap((c) => Array.from(c.values as Float64Array)));
  if (f.kind === 'num') return { kind: 'num', dtype: f.dtype, values };
  const offsets: number[] = [0];
  let at = 0;
  for (const c of cols) {
    const o = (c as Extract<Column, { kind: 'jagged' }>).offsets;
    for (let i = 1; i < o.length; i++) offsets.push(at + o[i]!);
    at += c.values.length;
  }
  return { kind: 'jagged', dtype: f.dtype, offsets: Int32Array.from(offsets), values };
}

/** Copies (not links: distinct files with their own mtimes) of data files into `dir`. */
function copies(dir: string, names: readonly string[]): string[] {
  fs.mkdirSync(dir, { recursive: true });
  return names.map((n, i) => {
    const p = path.join(dir, `${String(i).padStart(2, '0')}-${n}`);
    fs.copyFileSync(path.join(D, n), p);
    return p;
  });
}

describe('root-direct: header reader against jsroot', () => {
  const cases: [string, string][] = [
    ['uproot-HZZ.root', 'events'], ['uproot-HZZ-zlib.root', 'events'], ['uproot-HZZ-lz4.root', 'events'],
    ['uproot-HZZ-zstd.root', 'events'], ['uproot-HZZ-lzma.root', 'events'], ['uproot-small-flat-tree.root', 'tree'],
    ['uproot-Zmumu.root', 'events'], ['uproot-stl_containers.root', 'tree'], ['uproot-issue412.root', 'test'],
  ];
  it('finds the entries, branches, leaves and basket tables jsroot finds, in every test file (ROOT 5 and 6, every codec)', async () => {
    for (const [file, tree] of cases) {
      const p = path.join(D, file);
      const d = await readDirect(p, tree);
      const t = await openTree(p, tree, {});
      expect(d.entries, file).toBe(t.entries);
      expect(d.treeClass, file).toBe('TTree');
      let compared = 0;
      const walk = (js: any, di: DirectBranch, where: string): void => {
        expect(di.fName, where).toBe(js.fName);
        expect(di._typename, where).toBe(js._typename);
        const nw = Number(js.fWriteBasket);
        expect(di.fWriteBasket, where).toBe(nw);
        expect(di.fBasketSeek.slice(0, nw), where).toEqual(Array.from(js.fBasketSeek as ArrayLike<number>).slice(0, nw).map(Number));
        expect(di.fBasketBytes.slice(0, nw), where).toEqual(Array.from(js.fBasketBytes as ArrayLike<number>).slice(0, nw).map(Number));
        expect(di.fBasketEntry.slice(0, nw + 1), where).toEqual(Array.from(js.fBasketEntry as ArrayLike<number>).slice(0, nw + 1).map(Number));
        if (js._typename === 'TBranchElement') {
          expect([di.fClassName, di.fID, di.fType, di.fStreamerType], where).toEqual([js.fClassName, js.fID, js.fType, js.fStreamerType]);
        }
        const jl: any[] = js.fLeaves?.arr ?? [];
        expect(di.fLeaves.arr.map((l) => [l._typename, l.fName, l.fTitle, l.fLen, l.fIsUnsigned, l.fLeafCount !== null]), where)
          .toEqual(jl.map((l) => [l._typename, l.fName, l.fTitle, l.fLen, Boolean(l.fIsUnsigned), l.fLeafCount !== null && l.fLeafCount !== undefined]));
        const subs: any[] = js.fBranches?.arr ?? [];
        expect(di.fBranches.arr.length, where).toBe(subs.length);
        subs.forEach((s, i) => walk(s, di.fBranches.arr[i]!, `${where}/${String(s.fName)}`));
        compared++;
      };
      const top: any[] = t.obj.fBranches.arr;
      expect(d.branches.length, file).toBe(top.length);
      top.forEach((b, i) => walk(b, d.branches[i]!, `${file}:${String(b.fName)}`));
      expect(compared, file).toBeGreaterThan(0);
    }
  }, 30_000);

  it('declines what it does not read: baskets embedded in the tree object, a non-ROOT file', async () => {
    await expect(readDirect(path.join(D, 'tmva_class_inputdata.root'), 'TreeS')).rejects.toThrow(DirectUnsupported);
    await expect(readDirect(path.join(D, 'tmva_class_inputdata.root'), 'TreeS')).rejects.toThrow(/embedded/);
    const junk = path.join(tmp, 'junk.root');
    fs.writeFileSync(junk, 'not a root file, just text'.repeat(10));
    await expect(readDirect(junk, 'events')).rejects.toThrow(DirectUnsupported);
  });
});

describe('chains read through the direct-header shortcut', () => {
  it('equal jsroot TSelector file by file; the shortcut is taken exactly where streamer infos and branch types match', async () => {
    clearRootCache();
    // zlib, lz4 and lzma copies (ROOT 6) share their streamer infos; zstd and the ROOT 5 file do not.
    const files = copies(path.join(tmp, 'mixed'), ['uproot-HZZ-zlib.root', 'uproot-HZZ-lz4.root', 'uproot-HZZ-lzma.root',
      'uproot-HZZ-zstd.root', 'uproot-HZZ.root', 'uproot-HZZ-zlib.root']);
    const first = await openTree(files[0]!, 'events', {});
    const cols = first.branches.filter((b) => b.plan.path === 'fast').map((b) => b.column);
    expect(cols.length).toBe(51);
    const log: string[] = [];
    const t = await readRoot({ paths: files, tree: 'events', columns: cols }, { threads: 0, verbose: (m) => log.push(m) });
    const direct = files.filter((f) => log.includes(`${f}: headers read directly (same streamer infos and branch types as ${files[0]})`));
    expect(direct).toEqual([files[1], files[2], files[5]]);
    expect(log).toContain(`${files[3]}: headers read by jsroot (its streamer infos differ from ${files[0]}'s)`);
    expect(log).toContain(`${files[4]}: headers read by jsroot (its streamer infos differ from ${files[0]}'s)`);
    expect(t.rows).toBe(6 * 2421);
    const oracle: Map<string, Column>[] = [];
    for (const f of files) oracle.push(await readRootGeneric(await openTree(f, 'events', {}), cols));
    for (const c of cols) expectSameColumn(concat(oracle.map((o) => o.get(c)!)), t.columns.get(c)!, c);
    // directHeaders: false opens every file with jsroot; same table.
    clearRootCache();
    const log2: string[] = [];
    const js = await readRoot({ paths: files, tree: 'events', columns: cols.slice(0, 8) }, { threads: 0, directHeaders: false, verbose: (m) => log2.push(m) });
    expect(log2.filter((m) => m.includes('headers read directly'))).toEqual([]);
    for (const c of cols.slice(0, 8)) expectSameColumn(t.columns.get(c)!, js.columns.get(c)!, c);
    // Second read: headers come from the in-process cache, same table.
    const again = await readRoot({ paths: files, tree: 'events', columns: cols.slice(0, 5) }, { threads: 0 });
    for (const c of cols.slice(0, 5)) expectSameColumn(t.columns.get(c)!, again.columns.get(c)!, c);
  }, 60_000);

  it('equal the jsroot-headered read for flat, fixed-array, string, vector and 1M-entry trees', async () => {
    for (const [file, tree] of [['uproot-small-flat-tree.root', 'tree'], ['uproot-stl_containers.root', 'tree'], ['uproot-Zmumu.root', 'events'], ['uproot-issue412.root', 'test'],
      ['uproot-small-evnt-tree-fullsplit.root', 'tree'], ['uproot-mc10events.root', 'Events']] as const) {
      clearRootCache();
      const files = copies(path.join(tmp, `same-${file}`), [file, file, file]);
      const cols = (await openTree(files[0]!, tree, {})).branches.filter((b) => b.plan.path === 'fast').map((b) => b.column);
      const log: string[] = [];
      const t = await readRoot({ paths: files, tree, columns: cols }, { threads: 0, verbose: (m) => log.push(m) });
      // The bacon ntuple's TTree has shared leaf references, which the direct reader declines (jsroot reads them).
      expect(log.filter((m) => m.includes('headers read directly (same')).length, file).toBe(file === 'uproot-mc10events.root' ? 0 : 2);
      // Plain TBranches need no streamer info: then even the first file is opened without jsroot.
      const plain = ['uproot-small-flat-tree.root', 'uproot-Zmumu.root', 'uproot-issue412.root'].includes(file);
      expect(log.includes(`${files[0]}: headers read directly (plain branches: no jsroot needed)`), file).toBe(plain);
      const one = await readRoot({ paths: files[0]!, tree, columns: cols }, { threads: 0, directHeaders: false }); // jsroot headers (oracle-tested in root.test.ts)
      for (const c of cols) expectSameColumn(concat([0, 1, 2].map(() => one.columns.get(c)!)), t.columns.get(c)!, `${file}:${c}`);
      // The worker entry point takes the same shortcut after its first file.
      const parts = [];
      for (const f of files) parts.push(await readRootChainFiles([f], tree, cols));
      for (const c of cols) expectSameColumn(t.columns.get(c)!, concat(parts.map((p) => p.columns.get(c)!)), `worker ${file}:${c}`);
    }
  }, 60_000);

  it('parses only the requested top-level branches, and parses again for columns asked for later', async () => {
    clearRootCache();
    const files = copies(path.join(tmp, 'partial'), ['uproot-HZZ.root', 'uproot-HZZ.root', 'uproot-HZZ.root']);
    const d = await readDirect(files[1]!, 'events', true, new Set(['Muon_Px']));
    expect(d.branches.filter((b) => !b.skipped).map((b) => b.fName)).toEqual(['Muon_Px']);
    expect(d.branches.length).toBe(51); // every branch keeps its place (the others as the skipped placeholder)
    const log: string[] = [];
    const a = await readRoot({ paths: files, tree: 'events', columns: ['Muon_Px'] }, { threads: 0, verbose: (m) => log.push(m) });
    const b = await readRoot({ paths: files, tree: 'events', columns: ['Muon_Px', 'Jet_E', 'NJet'] }, { threads: 0, verbose: (m) => log.push(m) });
    expect(log.filter((m) => m.includes('headers read directly (same')).length).toBe(4); // 2 files, twice
    const one = await readRoot({ paths: files[0]!, tree: 'events', columns: ['Muon_Px', 'Jet_E', 'NJet'] }, { threads: 0, directHeaders: false });
    expectSameColumn(a.columns.get('Muon_Px')!, b.columns.get('Muon_Px')!, 'Muon_Px');
    for (const c of ['Muon_Px', 'Jet_E', 'NJet']) expectSameColumn(concat([0, 1, 2].map(() => one.columns.get(c)!)), b.columns.get(c)!, c);
  });

  it('falls back to jsroot for embedded baskets and generic columns, and names a damaged later file', async () => {
    clearRootCache();
    const tm = copies(path.join(tmp, 'tmva'), ['tmva_class_inputdata.root', 'tmva_class_inputdata.root']);
    const log: string[] = [];
    const a = await readRoot({ paths: tm, tree: 'TreeS' }, { threads: 0, verbose: (m) => log.push(m) });
    expect(log.some((m) => m.startsWith(`${tm[1]}: headers read by jsroot (direct reader: baskets embedded`))).toBe(true);
    const one = await readRoot({ paths: tm[0]!, tree: 'TreeS' }, { threads: 0 });
    for (const [c, col] of one.columns) expectSameColumn(concat([col, col]), a.columns.get(c)!, c);
    // A string column read by jsroot's generic reader: the later file is opened by jsroot.
    const st = copies(path.join(tmp, 'stl'), ['uproot-stl_containers.root', 'uproot-stl_containers.root']);
    const log2: string[] = [];
    await readRoot({ paths: st, tree: 'tree', columns: ['string', 'vector_int32'] }, { threads: 0, verbose: (m) => log2.push(m) });
    expect(log2.some((m) => m.includes('headers read directly'))).toBe(false);
    // A bit-flipped basket in a file read through the shortcut is named with its branch.
    const files = copies(path.join(tmp, 'flip'), ['uproot-HZZ-lz4.root', 'uproot-HZZ-zlib.root']);
    const br = (await openTree(files[1]!, 'events', {})).byName.get('Muon_Px')!.branch;
    clearRootCache();
    const seek = Number(br.fBasketSeek[0]);
    const bytes = fs.readFileSync(files[1]!);
    bytes[seek + bytes.readInt16BE(seek + 14) + 9 + 40]! ^= 0x10;
    fs.writeFileSync(files[1]!, bytes);
    const log3: string[] = [];
    const e = await readRoot({ paths: files, tree: 'events', columns: ['Muon_Px'] }, { threads: 0, verbose: (m) => log3.push(m) }).catch((x: unknown) => x);
    expect(log3).toContain(`${files[1]}: headers read directly (same streamer infos and branch types as ${files[0]})`);
    expect(e).toBeInstanceOf(DataError);
    expect((e as DataError).message).toMatch(new RegExp(`^${files[1]!.replace(/[.]/g, '\\.')}: branch \`Muon_Px\`, entries 0–\\d+: cannot decompress basket: zlib: `));
    // A truncated later file is named as truncated.
    fs.truncateSync(files[1]!, 5000);
    await expect(readRoot({ paths: files, tree: 'events', columns: ['Muon_Px'] }, { threads: 0 })).rejects.toThrow(`${files[1]}: the ROOT file is truncated`);
  }, 60_000);
});
