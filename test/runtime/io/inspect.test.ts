import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatInspect, inspectFile } from '../../../src/runtime/io/inspect.js';
import { readRoot } from '../../../src/runtime/io/root.js';
import { writeParquet } from '../../../src/runtime/io/parquet.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-inspect-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('inspect (golden text)', () => {
  const files = ['uproot-HZZ.root', 'uproot-small-flat-tree.root', 'uproot-stl_containers.root', 'tmva_class_inputdata.root', 'ntpl001_staff_rntuple_v1-0-1-0.root', 'uproot-issue412.root',
    'uproot-nesteddirs.root', 'uproot-small-evnt-tree-fullsplit.root', 'uproot-double32-float16.root', 'uproot-leaflist.root'];
  for (const f of files) {
    it(f, async () => {
      const r = await inspectFile(`data/root/${f}`);
      await expect(formatInspect(r)).toMatchFileSnapshot(`golden/inspect-${f.replace(/\.root$/, '')}.txt`);
    });
  }

  it('finds trees in nested directories, reads them by path, and lists them when the tree is missing', async () => {
    const r = await inspectFile('data/root/uproot-nesteddirs.root');
    expect(r.format === 'root' && r.trees.map((t) => `${t.name}:${t.entries}`)).toEqual(['one/tree:4', 'one/two/tree:100', 'three/tree:100']);
    const t = await readRoot({ paths: 'data/root/uproot-nesteddirs.root', tree: 'one/two/tree', columns: ['Int32'] });
    expect(Array.from(t.columns.get('Int32')!.values as Float64Array).slice(0, 3)).toEqual([0, 1, 2]);
    await expect(readRoot({ paths: 'data/root/uproot-nesteddirs.root', tree: 'tree' })).rejects.toThrow(/no tree `tree`.*trees there: one\/tree, one\/two\/tree, three\/tree/);
  });

  it('parquet and csv', async () => {
    const t = await readRoot({ paths: 'data/root/uproot-Zmumu.root', columns: ['Type', 'Run', 'M'] });
    const out = path.join(tmp, 'zmumu.parquet');
    await writeParquet(t, out);
    const r = await inspectFile(out);
    expect(r.format === 'parquet' && r.rows).toBe(2304);
    await expect(formatInspect(r).replaceAll(tmp, '<tmp>')).toMatchFileSnapshot('golden/inspect-zmumu-parquet.txt');
    const c = await inspectFile('data/uci-higgs/binary.train');
    expect(c.format === 'csv' && c.rows).toBe(7000);
    await expect(formatInspect(await inspectFile('data/higgsml/train.csv'))).toMatchFileSnapshot('golden/inspect-higgsml-csv.txt');
  });

  it('reports JSON-able data with entries, baskets and reader paths', async () => {
    const r = await inspectFile('data/root/uproot-issue412.root');
    expect(r.format).toBe('root');
    if (r.format !== 'root') return;
    const tree = r.trees[0]!;
    expect(tree.entries).toBe(1_000_000);
    expect(tree.branches.map((b) => [b.name, b.type, b.baskets, b.reader])).toEqual([['b1', 'int64', 100, 'fast'], ['b2', 'bool', 100, 'fast']]);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('gives a clear error for a non-ROOT .root file', async () => {
    const f = path.join(tmp, 'bad.root');
    fs.writeFileSync(f, 'hello');
    await expect(inspectFile(f)).rejects.toThrow(`${f}: not a ROOT file`);
  });
});
