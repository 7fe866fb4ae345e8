import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Column, Table } from '../../../src/runtime/io/table.js';
import { openTree, readRoot, readRootGeneric, rootSchema } from '../../../src/runtime/io/root.js';
import { DataError } from '../../../src/runtime/io/root-errors.js';
import { decodePacked, packingOf } from '../../../src/runtime/io/root-basket.js';
import { closeRootPool } from '../../../src/runtime/io/root-pool.js';
import { expectSameColumn } from '../../helpers/columns.js';

const D = 'data/root';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'winnow-root-'));
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await closeRootPool();
});

/** Reads every fast-path branch with the fast path and with jsroot's TSelector and compares them. */
async function compareWithOracle(file: string, tree: string): Promise<{ fast: number; table: Table }> {
  const t = await openTree(file, tree, {});
  const fastBranches = t.branches.filter((b) => b.plan.path === 'fast');
  const table = await readRoot({ paths: file, tree, columns: fastBranches.map((b) => b.column) }, { threads: 0 });
  const oracle = await readRootGeneric(t, fastBranches.map((b) => b.column));
  for (const b of fastBranches) expectSameColumn(oracle.get(b.column)!, table.columns.get(b.column)!, `${file}:${b.column}`);
  return { fast: fastBranches.length, table };
}

describe('readRoot fast path against jsroot TSelector (oracle)', () => {
  const cases: [string, string, number][] = [
    ['uproot-HZZ.root', 'events', 51], ['uproot-HZZ-zlib.root', 'events', 51], ['uproot-HZZ-lz4.root', 'events', 51],
    ['uproot-HZZ-zstd.root', 'events', 51], ['uproot-HZZ-lzma.root', 'events', 51],
    ['uproot-small-flat-tree.root', 'tree', 20], ['uproot-Zmumu.root', 'events', 20],
    ['tmva_class_inputdata.root', 'TreeS', 4], ['tmva_class_inputdata.root', 'TreeB', 5],
    ['uproot-stl_containers.root', 'tree', 1], ['uproot-issue412.root', 'test', 2],
    // A fully split object: scalar, fixed-array, pointer-array ([N]), TString and std::vector members.
    ['uproot-small-evnt-tree-fullsplit.root', 'tree', 39],
    // CMS "bacon" ntuple: a split object and split TClonesArray collections (GenParticle.pt, Muon.eta, …).
    ['uproot-mc10events.root', 'Events', 658],
  ];
  for (const [file, tree, nfast] of cases) {
    it(`${file} ${tree}: every fast-path branch equals the oracle`, async () => {
      const { fast } = await compareWithOracle(path.join(D, file), tree);
      expect(fast).toBe(nfast);
    }, 30_000);
  }

  it('gives identical columns for the HZZ file in every compression (zlib ROOT5/6, lz4, zstd, lzma)', async () => {
    const tables = await Promise.all(['', '-zlib', '-lz4', '-zstd', '-lzma'].map((s) => readRoot({ paths: `${D}/uproot-HZZ${s}.root`, tree: 'events' })));
    const ref = tables[0]!;
    expect(ref.rows).toBe(2421);
    expect(ref.columns.size).toBe(51);
    for (const t of tables.slice(1)) {
      expect([...t.columns.keys()]).toEqual([...ref.columns.keys()]);
      for (const [k, c] of ref.columns) expectSameColumn(c, t.columns.get(k)!, k);
    }
    // Values independent of jsroot: counts equal the counter branch, first muon px as uproot reads it.
    const n = ref.columns.get('NMuon')!.values as Float64Array;
    const px = ref.columns.get('Muon_Px')! as Extract<Column, { kind: 'jagged' }>;
    for (let i = 0; i < ref.rows; i++) expect(px.offsets[i + 1]! - px.offsets[i]!).toBe(n[i]);
    expect(px.values[0]).toBe(Math.fround(-52.89945602416992));
    expect(ref.columns.get('triggerIsoMu24')!.dtype).toBe('bool');
  }, 30_000);

  it('decompresses on worker threads with the same result', async () => {
    const a = await readRoot({ paths: `${D}/uproot-HZZ-zstd.root`, tree: 'events', columns: ['Jet_Px', 'NJet', 'MET_px'] }, { threads: 0 });
    const b = await readRoot({ paths: `${D}/uproot-HZZ-zstd.root`, tree: 'events', columns: ['Jet_Px', 'NJet', 'MET_px'] }, { threads: 2 });
    for (const [k, c] of a.columns) expectSameColumn(c, b.columns.get(k)!, k);
  }, 30_000);
});

describe('readRoot types, chains, RNTuple', () => {
  it('reports schemas from headers: scalars, fixed and counted arrays, strings, unsupported types', async () => {
    const s = await rootSchema({ paths: `${D}/uproot-small-flat-tree.root` });
    const m = new Map(s.map((c) => [c.name, c.type]));
    expect(m.get('Int32')).toBe('int32');
    expect(m.get('UInt64')).toBe('uint64');
    expect(m.get('Float32')).toBe('float32');
    expect(m.get('Str')).toBe('string');
    expect(m.get('ArrayInt32')).toBe('jagged<int32>');
    expect(m.get('ArrayUInt32')).toBe('jagged<uint32>');
    expect(m.get('SliceFloat64')).toBe('jagged<float64>');
    const stl = new Map((await rootSchema({ paths: `${D}/uproot-stl_containers.root`, tree: 'tree' })).map((c) => [c.name, c.type]));
    expect(stl.get('vector_int32')).toBe('jagged<int32>');
    expect(stl.get('string')).toBe('string');
    expect(stl.get('map_int32_int16')).toBe('root:map<int,short>');
  });

  it('reads fixed arrays as jagged with constant counts and values known from the file', async () => {
    const t = await readRoot({ paths: `${D}/uproot-small-flat-tree.root`, columns: ['ArrayInt32', 'Int64', 'Str', 'SliceFloat64', 'N'] });
    const arr = t.columns.get('ArrayInt32') as Extract<Column, { kind: 'jagged' }>;
    expect(arr.offsets[5]).toBe(50);
    expect(Array.from(arr.values.subarray(30, 40))).toEqual(new Array(10).fill(3));
    expect(Array.from(t.columns.get('Int64')!.values as Float64Array).slice(0, 4)).toEqual([0, 1, 2, 3]);
    expect((t.columns.get('Str')!.values as string[])[7]).toBe('evt-007');
    const sl = t.columns.get('SliceFloat64') as Extract<Column, { kind: 'jagged' }>;
    const nn = t.columns.get('N')!.values as Float64Array;
    for (let i = 0; i < t.rows; i++) expect(sl.offsets[i + 1]! - sl.offsets[i]!).toBe(nn[i]);
  });

  it('reads the members of a fully split object (uproot\'s Event class) with the values the writer put there', async () => {
    const msgs: string[] = [];
    const cols = ['evt.I16', 'evt.U64', 'evt.F32', 'P3.Px', 'evt.ArrayI16', 'evt.SliceF64', 'evt.StlVecU32', 'evt.N', 'evt.Beg', 'evt.StdStr'];
    const t = await readRoot({ paths: `${D}/uproot-small-evnt-tree-fullsplit.root`, tree: 'tree', columns: cols }, { threads: 0, verbose: (m) => msgs.push(m) });
    expect(t.rows).toBe(100);
    const num = (c: string) => Array.from(t.columns.get(c)!.values as Float64Array);
    const jag = (c: string) => t.columns.get(c) as Extract<Column, { kind: 'jagged' }>;
    const range = Array.from({ length: 100 }, (_, i) => i);
    expect(num('evt.I16')).toEqual(range);
    expect(num('evt.U64')).toEqual(range);
    expect(num('evt.F32')).toEqual(range);
    expect(num('P3.Px')).toEqual(range.map((i) => i - 1));
    expect(num('evt.N')).toEqual(range.map((i) => i % 10));
    // ArrayI16[10]: ten copies of the entry number; SliceF64[N] and std::vector<unsigned int>: N copies.
    const arr = jag('evt.ArrayI16');
    for (const i of [0, 1, 57, 99]) expect(Array.from(arr.values.subarray(arr.offsets[i]!, arr.offsets[i + 1]!))).toEqual(new Array(10).fill(i));
    for (const c of ['evt.SliceF64', 'evt.StlVecU32']) {
      const j = jag(c);
      for (const i of [0, 1, 9, 10, 57, 99]) expect(Array.from(j.values.subarray(j.offsets[i]!, j.offsets[i + 1]!)), `${c}[${i}]`).toEqual(new Array(i % 10).fill(i));
    }
    expect((t.columns.get('evt.Beg')!.values as string[])[42]).toBe('beg-042');
    expect((t.columns.get('evt.StdStr')!.values as string[])[42]).toBe('std-042');
    // every member but the std::string takes the fast path; the std::string goes to jsroot, and verbose says so
    expect(msgs.filter((m) => m.includes('fast path')).length).toBe(cols.length - 1);
    expect(msgs.some((m) => m.includes('`evt.StdStr`') && m.includes('generic'))).toBe(true);
    const s = new Map((await rootSchema({ paths: `${D}/uproot-small-evnt-tree-fullsplit.root` })).map((c) => [c.name, c.type]));
    expect(s.get('evt.ArrayF64')).toBe('jagged<float64>');
    expect(s.get('evt.StlVecI64')).toBe('jagged<int64>');
    expect(s.get('evt.StlVecStr')).toBe('root:vector<string>');
  });

  it('reads each leaf of a leaf-list branch (x/D:y/I:z/B) as its own column, equal to jsroot\'s record', async () => {
    const file = `${D}/uproot-leaflist.root`;
    const t = await readRoot({ paths: file }, { threads: 0 });
    expect([...t.columns.keys()]).toEqual(['leaflist.x', 'leaflist.y', 'leaflist.z']);
    expect(t.columns.get('leaflist.y')!.dtype).toBe('int32');
    // jsroot's TSelector reads the branch as one object per entry: the oracle, field by field.
    const { treeProcess, TSelector } = await import('jsroot/tree');
    const ot = await openTree(file, 'tree', {});
    const { openFile } = await import('jsroot/io');
    const jf = await openFile(file);
    const tree = await jf.readObject(ot.tree);
    const rows: { x: number; y: number; z: number }[] = [];
    const sel = new TSelector();
    sel.addBranch('leaflist');
    sel.Process = function (this: TSelector) { rows.push({ ...(this.tgtobj.leaflist as { x: number; y: number; z: number }) }); };
    await treeProcess(tree, sel);
    for (const f of ['x', 'y', 'z'] as const) expect(Array.from(t.columns.get(`leaflist.${f}`)!.values as Float64Array), f).toEqual(rows.map((r) => r[f]));
    expect(rows.map((r) => r.x)).toEqual([1.1, 2.2, 3.3, 4, 5.5]);
  });

  it('decodes Double32_t and Float16_t leaves (range and bit count from the title) as ROOT wrote them', async () => {
    // tree->Branch("double32_N", &x, "double32_N/d[-2.71,10,N]") etc., filled with these 17 values
    // (scikit-hep-testdata dev/make-root/double32_float16.C). ROOT stores UInt_t(0.5 + factor·(x − xmin))
    // with factor = 2^N / (xmax − xmin) (0xffffffff for N = 32) and reads aint / factor + xmin.
    const xs = [-2, -1.5, -1, -0.5, -0.1, 0, 0.1, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const msgs: string[] = [];
    const t = await readRoot({ paths: `${D}/uproot-double32-float16.root`, tree: 'tree' }, { verbose: (m) => msgs.push(m) });
    expect(t.rows).toBe(17);
    const expected = (bits: number, single: boolean) => xs.map((x0) => {
      const x = single ? Math.fround(x0) : x0;
      const factor = (bits < 32 ? 2 ** bits : 0xffffffff) / (10 + 2.71);
      const v = Math.floor(0.5 + factor * (x + 2.71)) / factor - 2.71;
      return single ? Math.fround(v) : v;
    });
    // The writer's own rounding may land one step (1/factor) away, so: at most one step, and mostly exact.
    const step = (bits: number) => 12.71 / (bits < 32 ? 2 ** bits : 0xffffffff);
    let exact = 0, total = 0;
    const check = (name: string, got: ArrayLike<number>, want: readonly number[], bits: number) => {
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) {
        expect(Math.abs(got[i]! - want[i]!), `${name}[${i}]: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(step(bits) * 1.001 + 1e-6 * Math.abs(want[i]!) * (name.startsWith('float16') ? 1 : 0));
        if (got[i] === want[i]) exact++;
        total++;
      }
    };
    for (const bits of [32, 30, 20, 10, 5, 3]) check(`double32_${bits}`, t.columns.get(`double32_${bits}`)!.values as Float64Array, expected(bits, false), bits);
    for (const bits of [16, 10, 5, 3]) check(`float16_${bits}`, t.columns.get(`float16_${bits}`)!.values as Float64Array, expected(bits, true), bits);
    const a30 = t.columns.get('array_30') as Extract<Column, { kind: 'jagged' }>;
    expect(a30.offsets[17]).toBe(51);
    check('array_30', a30.values, expected(30, false).flatMap((v) => [v, v, v]), 30);
    check('float16 array_10', (t.columns.get('array_10') as Extract<Column, { kind: 'jagged' }>).values, expected(10, true).flatMap((v) => [v, v, v]), 10);
    expect(exact / total).toBeGreaterThan(0.9);
    expect(msgs.every((m) => !m.includes('generic'))).toBe(true);
  });

  it('decodes split Double32_t members in all three packings (ROOT\'s double32.C demo) as ROOT does', async () => {
    // Every member holds the same value x (fD64, a plain double). fI<N> keeps N bits over [-pi, pi]:
    // |fI<N> - x| <= half a step 2pi/2^N; fR<N> keeps N mantissa bits: relative error <= 2^-N; fF32 is a float.
    const file = `${D}/uproot-demo-double32.root`;
    const t = await openTree(file, 'T', {});
    const cols = t.branches.map((b) => b.column);
    expect(t.branches.every((b) => b.plan.path === 'fast')).toBe(true);
    const tab = await readRoot({ paths: file, tree: 'T', columns: cols }, { threads: 0 });
    const x = tab.columns.get('d.fD64')!.values as Float64Array;
    expect(x.length).toBe(40000);
    const err = (c: string, f: (got: number, want: number) => number) => {
      const v = tab.columns.get(c)!.values as Float64Array;
      let m = 0;
      for (let i = 0; i < v.length; i++) m = Math.max(m, f(v[i]!, x[i]!));
      return m;
    };
    expect(err('d.fF32', (g, w) => Math.abs(g - Math.fround(w)))).toBe(0);
    for (let n = 2; n <= 32; n += 2) {
      const step = (2 * Math.PI) / (n < 32 ? 2 ** n : 0xffffffff);
      expect(err(`d.fI${n}`, (g, w) => Math.abs(g - w)), `fI${n}`).toBeLessThanOrEqual(step / 2 + 1e-15);
      expect(err(`d.fI${n}`, (g, w) => Math.abs(g - w)), `fI${n} uses its bits`).toBeGreaterThan(step / 8);
    }
    for (let n = 2; n <= 14; n += 2) expect(err(`d.fR${n}`, (g, w) => Math.abs(g - w) / Math.abs(w)), `fR${n}`).toBeLessThanOrEqual(2 ** -n);
    // jsroot agrees to the last bit but one: it multiplies by 1/factor where ROOT divides by factor.
    const oracle = await readRootGeneric(t, cols);
    for (const c of cols) {
      const a = oracle.get(c)!.values as Float64Array, b = tab.columns.get(c)!.values as Float64Array;
      let m = 0;
      for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
      expect(m, c).toBeLessThanOrEqual(1e-15);
    }
  }, 30_000);

  it('decodes range-less Float16_t/Double32_t (truncated mantissa) as TBufferFile::WriteWithNbits writes them', () => {
    const f = new Float32Array(1), i = new Int32Array(f.buffer);
    for (const [title, single, nbits] of [['x/f', true, 12], ['x[0,0,10]/d', false, 10], ['x[0,0,14]/f', true, 14]] as const) {
      const p = packingOf(title, single);
      expect(p).toMatchObject({ bytes: 3, factor: 0, nbits });
      const xs = [1, -1, 3.14159, -2.5e-3, 12345.678, 0.1];
      const u = new Uint8Array(3 * xs.length);
      xs.forEach((x, k) => { // ROOT's writer, transcribed
        f[0] = x;
        const exp = 0xff & ((i[0]! << 1) >>> 24);
        let man = ((1 << (nbits + 1)) - 1) & (i[0]! >> (23 - nbits - 1));
        man = (man + 1) >> 1;
        if (man & (1 << nbits)) man = (1 << nbits) - 1;
        if (x < 0) man |= 1 << (nbits + 1);
        u[3 * k] = exp; u[3 * k + 1] = man >> 8; u[3 * k + 2] = man & 0xff;
      });
      const out = new Float64Array(xs.length);
      decodePacked(p, u, 0, xs.length, out, 0);
      xs.forEach((x, k) => expect(Math.abs(out[k]! - x) / Math.abs(x), `${title} ${x} -> ${out[k]}`).toBeLessThanOrEqual(2 ** -nbits));
    }
    expect(packingOf('x/d', false)).toMatchObject({ bytes: 4, factor: 0, nbits: 0 }); // a plain float32
    expect(packingOf('x[-pi,pi,16]/d', false).factor).toBeCloseTo(2 ** 16 / (2 * Math.PI), 9);
  });

  it('reads std::vector<int> through the fast path and strings through the generic reader (verbose says so)', async () => {
    const msgs: string[] = [];
    const t = await readRoot({ paths: `${D}/uproot-stl_containers.root`, tree: 'tree', columns: ['vector_int32', 'string', 'tstring'] }, { verbose: (m) => msgs.push(m) });
    const v = t.columns.get('vector_int32') as Extract<Column, { kind: 'jagged' }>;
    expect(Array.from(v.offsets)).toEqual([0, 1, 3, 6, 10, 15]);
    expect(Array.from(v.values)).toEqual([1, 1, 2, 1, 2, 3, 1, 2, 3, 4, 1, 2, 3, 4, 5]);
    expect(t.columns.get('string')!.values).toEqual(['one', 'two', 'three', 'four', 'five']);
    expect(msgs.some((m) => m.includes('`string`') && m.includes('generic'))).toBe(true);
    expect(msgs.some((m) => m.includes('`vector_int32`') && m.includes('fast path'))).toBe(true);
  });

  it('reads a chain given by a glob, in sorted order, as one table', async () => {
    const dir = path.join(tmp, 'chain');
    fs.mkdirSync(dir);
    for (const n of ['b', 'a', 'c']) fs.symlinkSync(path.resolve(`${D}/uproot-HZZ.root`), path.join(dir, `${n}.root`));
    const progress: number[] = [];
    const t = await readRoot({ paths: [path.join(dir, '*.root')], tree: 'events', columns: ['Muon_Px', 'NMuon'] }, { onProgress: (p) => progress.push(p.filesDone) });
    const one = await readRoot({ paths: `${D}/uproot-HZZ.root`, tree: 'events', columns: ['Muon_Px'] });
    expect(t.rows).toBe(3 * 2421);
    expect(progress).toEqual([1, 2, 3]);
    const a = t.columns.get('Muon_Px') as Extract<Column, { kind: 'jagged' }>;
    const b = one.columns.get('Muon_Px') as Extract<Column, { kind: 'jagged' }>;
    expect(a.values.length).toBe(3 * b.values.length);
    expect(a.offsets[2421]).toBe(b.values.length);
    expect(a.offsets[2 * 2421 + 5]! - a.offsets[2 * 2421]!).toBe(b.offsets[5]);
  });

  it('reads a chain on whole-file worker threads with the same result, and names a bad file in it', async () => {
    const dir = path.join(tmp, 'chain-workers');
    fs.mkdirSync(dir);
    const names = ['uproot-HZZ.root', 'uproot-HZZ-lz4.root', 'uproot-HZZ-zstd.root', 'uproot-HZZ-lzma.root', 'uproot-HZZ-zlib.root'];
    names.forEach((n, i) => fs.symlinkSync(path.resolve(`${D}/${n}`), path.join(dir, `${i}.root`)));
    const cols = ['Muon_Px', 'NMuon', 'triggerIsoMu24'];
    const a = await readRoot({ paths: [path.join(dir, '*.root')], tree: 'events', columns: cols }, { threads: 0 });
    const seen: number[] = [];
    const b = await readRoot({ paths: [path.join(dir, '*.root')], tree: 'events', columns: cols }, { threads: 2, onProgress: (p) => seen.push(p.filesDone) });
    expect(b.rows).toBe(5 * 2421);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    for (const c of cols) expectSameColumn(a.columns.get(c)!, b.columns.get(c)!, c);
    // A branch missing from a later file of the chain names that file (both paths).
    const other = path.join(dir, '9.root');
    fs.symlinkSync(path.resolve(`${D}/uproot-Zmumu.root`), other);
    for (const threads of [0, 2]) {
      await expect(readRoot({ paths: [path.join(dir, '*.root')], tree: 'events', columns: cols }, { threads }))
        .rejects.toThrow(`${other}: tree \`events\` has no branch \`Muon_Px\``);
    }
    fs.rmSync(other);
    fs.writeFileSync(path.join(dir, '2b.root'), 'not root at all');
    await expect(readRoot({ paths: [path.join(dir, '*.root')], tree: 'events', columns: cols }, { threads: 2 }))
      .rejects.toThrow(`${path.join(dir, '2b.root')}: not a ROOT file`);
    // A bad file early in the chain (in the runs this thread reads) is named too.
    fs.rmSync(path.join(dir, '2b.root'));
    fs.writeFileSync(path.join(dir, '0b.root'), 'not root at all');
    await expect(readRoot({ paths: [path.join(dir, '*.root')], tree: 'events', columns: cols }, { threads: 1 }))
      .rejects.toThrow(`${path.join(dir, '0b.root')}: not a ROOT file`);
    fs.rmSync(path.join(dir, '0b.root'));
  }, 30_000);

  it('reads a long chain on this thread and a worker together (runs from both ends) exactly as on one thread', async () => {
    const dir = path.join(tmp, 'chain-both-ends');
    fs.mkdirSync(dir);
    const names = ['uproot-HZZ.root', 'uproot-HZZ-lz4.root', 'uproot-HZZ-zstd.root', 'uproot-HZZ-zlib.root'];
    for (let i = 0; i < 40; i++) fs.symlinkSync(path.resolve(`${D}/${names[i % names.length]}`), path.join(dir, `${String(i).padStart(2, '0')}.root`));
    const cols = ['Muon_Px', 'NMuon', 'Jet_E', 'Muon_Py', 'MET_px', 'triggerIsoMu24'];
    const a = await readRoot({ paths: [path.join(dir, '*.root')], tree: 'events', columns: cols }, { threads: 0 });
    const seen: number[] = [];
    const said: string[] = [];
    const b = await readRoot({ paths: [path.join(dir, '*.root')], tree: 'events', columns: cols }, { threads: 1, onProgress: (p) => seen.push(p.filesDone), verbose: (m) => said.push(m) });
    expect(b.rows).toBe(40 * 2421);
    // This thread decodes its own files: `threads` counts whole-file workers, not basket workers for them.
    expect(said.filter((m) => m.includes('baskets on'))).toEqual([]);
    expect(said.filter((m) => m.includes('read by the fast path from')).length).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe(40);
    expect(seen).toEqual([...seen].sort((x, y) => x - y));
    for (const c of cols) expectSameColumn(a.columns.get(c)!, b.columns.get(c)!, c);
    // Muon_Py shares Muon_Px's offsets in the parts from the worker too.
    expect((b.columns.get('Muon_Py') as Extract<Column, { kind: 'jagged' }>).offsets).toBe((b.columns.get('Muon_Px') as Extract<Column, { kind: 'jagged' }>).offsets);
    // Again on the same worker, which now decodes into the buffers of the parts it sent before (not zeroed).
    const b2 = await readRoot({ paths: [path.join(dir, '*.root')], tree: 'events', columns: cols }, { threads: 1 });
    for (const c of cols) expectSameColumn(a.columns.get(c)!, b2.columns.get(c)!, c);
    // Four files on two workers: they take every run, this thread only appends.
    const four = [0, 1, 2, 3].map((i) => path.join(dir, `${String(i).padStart(2, '0')}.root`));
    const a4 = await readRoot({ paths: four, tree: 'events', columns: cols }, { threads: 0 });
    const b4 = await readRoot({ paths: four, tree: 'events', columns: cols }, { threads: 2 });
    for (const c of cols) expectSameColumn(a4.columns.get(c)!, b4.columns.get(c)!, c);
  }, 30_000);

  it('reads a chain with read-ahead workers (they inflate, this thread decodes) exactly as on one thread, also two at once', async () => {
    const dir = path.join(tmp, 'chain-ahead');
    fs.mkdirSync(dir);
    const names = ['uproot-HZZ.root', 'uproot-HZZ-lz4.root', 'uproot-HZZ-zstd.root', 'uproot-HZZ-zlib.root', 'uproot-HZZ-lzma.root'];
    for (let i = 0; i < 200; i++) fs.symlinkSync(path.resolve(`${D}/${names[i % names.length]}`), path.join(dir, `${String(i).padStart(3, '0')}.root`));
    const paths = [path.join(dir, '*.root')];
    const cols = ['Muon_Px', 'NMuon', 'Jet_E', 'Muon_Py', 'MET_px', 'triggerIsoMu24'];
    const a = await readRoot({ paths, tree: 'events', columns: cols }, { threads: 0 });
    await readRoot({ paths, tree: 'events', columns: cols }, { readAhead: 1 }); // starts the worker
    const said: string[] = [];
    const b = await readRoot({ paths, tree: 'events', columns: cols }, { readAhead: 1, verbose: (m) => said.push(m) });
    expect(b.rows).toBe(200 * 2421);
    for (const c of cols) expectSameColumn(a.columns.get(c)!, b.columns.get(c)!, c);
    const done = said.map((m) => /^(\d+) of 200 files decompressed ahead on 1 worker thread/.exec(m)).find((m) => m !== null);
    expect(Number(done?.[1])).toBeGreaterThan(0);
    // Two reads at once: the second finds the worker busy and reads alone, or starts another one.
    const [c1, c2] = await Promise.all([readRoot({ paths, tree: 'events', columns: cols }, { readAhead: 1 }), readRoot({ paths, tree: 'events', columns: ['Jet_E', 'NMuon'] }, { readAhead: 1 })]);
    for (const c of cols) expectSameColumn(a.columns.get(c)!, c1.columns.get(c)!, c);
    expectSameColumn(a.columns.get('Jet_E')!, c2.columns.get('Jet_E')!, 'Jet_E');
  }, 60_000);

  it('shares one offsets array among counted arrays with the same counter, and falls back when a basket disagrees', async () => {
    const file = `${D}/uproot-HZZ-lz4.root`;
    const cols = ['Muon_Px', 'Muon_Py', 'Muon_E', 'Jet_Px', 'Jet_E'];
    const t = await readRoot({ paths: file, tree: 'events', columns: cols }, { threads: 0 });
    const off = (c: string) => (t.columns.get(c) as Extract<Column, { kind: 'jagged' }>).offsets;
    expect(off('Muon_Py')).toBe(off('Muon_Px'));
    expect(off('Muon_E')).toBe(off('Muon_Px'));
    expect(off('Jet_E')).toBe(off('Jet_Px'));
    expect(off('Jet_Px')).not.toBe(off('Muon_Px'));
    const tree = await openTree(file, 'events', {});
    const oracle = await readRootGeneric(tree, cols);
    for (const c of cols) expectSameColumn(oracle.get(c)!, t.columns.get(c)!, c);
    // A (wrongly) claimed shared counter: Jet_Px's plan says [NMuon]. Its baskets disagree with the
    // Muon offsets, so it builds its own and the columns still equal the oracle. (jsroot-opened trees
    // are cached per file: the edited plan is what the next read with directHeaders: false sees.)
    const jet = tree.byName.get('Jet_Px')!;
    (jet as { plan: unknown }).plan = { ...jet.plan, counter: '[NMuon]' };
    const bad = await readRoot({ paths: file, tree: 'events', columns: ['Muon_Px', 'Jet_Px', 'Jet_E'] }, { threads: 0, directHeaders: false });
    for (const c of ['Muon_Px', 'Jet_Px', 'Jet_E']) expectSameColumn(oracle.get(c)!, bad.columns.get(c)!, c);
    expect((bad.columns.get('Jet_Px') as Extract<Column, { kind: 'jagged' }>).offsets).not.toBe((bad.columns.get('Muon_Px') as Extract<Column, { kind: 'jagged' }>).offsets);
  });

  it('reads the RNTuple file behind the same readRoot', async () => {
    const s = await rootSchema({ paths: `${D}/ntpl001_staff_rntuple_v1-0-1-0.root` });
    expect(s.find((c) => c.name === 'Age')!.type).toBe('int32');
    expect(s.find((c) => c.name === 'Nation')!.type).toBe('string');
    const t = await readRoot({ paths: `${D}/ntpl001_staff_rntuple_v1-0-1-0.root`, tree: 'Staff', columns: ['Age', 'Nation', 'Cost'] });
    expect(t.rows).toBe(3354);
    expect(Array.from(t.columns.get('Age')!.values as Float64Array).slice(0, 3)).toEqual([58, 63, 56]);
    expect((t.columns.get('Nation')!.values as string[]).slice(0, 3)).toEqual(['DE', 'CH', 'FR']);
  });
});

describe('readRoot errors', () => {
  async function err(p: Promise<unknown>): Promise<DataError> {
    const t0 = Date.now();
    try {
      await p;
    } catch (e: unknown) {
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(e).toBeInstanceOf(DataError);
      return e as DataError;
    }
    throw new Error('expected an error');
  }

  it('names a file that is not ROOT', async () => {
    const f = path.join(tmp, 'x.root');
    fs.writeFileSync(f, 'a,b\n1,2\n');
    const e = await err(readRoot({ paths: f }));
    expect(e.code).toBe('not-root');
    expect(e.message).toBe(`${f}: not a ROOT file (it does not start with "root")`);
  });

  it('names a truncated file', async () => {
    const f = path.join(tmp, 'trunc.root');
    const b = fs.readFileSync(`${D}/uproot-HZZ.root`);
    fs.writeFileSync(f, b.subarray(0, Math.floor(b.length * 0.6)));
    const e = await err(readRoot({ paths: f, tree: 'events' }));
    expect(e.code).toBe('truncated');
    expect(e.message).toMatch(new RegExp(`^${f.replace(/[.]/g, '\\.')}: the ROOT file is truncated \\(\\d+ bytes, the header says ${b.length}\\)$`));
  });

  it('names the branch and entry range of a bit-flipped basket (zlib checksum) and of a damaged basket header', async () => {
    const src = `${D}/uproot-HZZ-zlib.root`;
    const t = await openTree(src, 'events', {});
    const br = t.byName.get('Muon_Px')!.branch;
    const seek = Number(br.fBasketSeek[0]);
    const keylen = fs.readFileSync(src).readInt16BE(seek + 14);
    const last = Number(br.fBasketEntry[1]) - 1;
    const flipped = Buffer.from(fs.readFileSync(src));
    flipped[seek + keylen + 9 + 40]! ^= 0x10;
    const f1 = path.join(tmp, 'flip.root');
    fs.writeFileSync(f1, flipped);
    const e1 = await err(readRoot({ paths: f1, tree: 'events', columns: ['NMuon', 'Muon_Px'] }));
    expect(e1.code).toBe('corrupt');
    expect(e1.message).toMatch(new RegExp(`^${f1.replace(/[.]/g, '\\.')}: branch \`Muon_Px\`, entries 0–${last}: cannot decompress basket: zlib: `));
    const badHeader = Buffer.from(fs.readFileSync(src));
    badHeader.writeInt32BE(-5, seek + 6); // objlen
    const f2 = path.join(tmp, 'badheader.root');
    fs.writeFileSync(f2, badHeader);
    const e2 = await err(readRoot({ paths: f2, tree: 'events', columns: ['Muon_Px'] }));
    expect(e2.message).toContain(`${f2}: branch \`Muon_Px\`, entries 0–${last}: basket header is inconsistent`);
    // A block whose header gives one byte less than it inflates to.
    const short = Buffer.from(fs.readFileSync(src));
    const at = seek + keylen + 6, usize = short[at]! | (short[at + 1]! << 8) | (short[at + 2]! << 16);
    short.writeUIntLE(usize - 1, at, 3);
    const f5 = path.join(tmp, 'short.root');
    fs.writeFileSync(f5, short);
    const e5 = await err(readRoot({ paths: f5, tree: 'events', columns: ['Muon_Px'] }));
    expect(e5.message).toBe(`${f5}: branch \`Muon_Px\`, entries 0–${last}: cannot decompress basket: zlib: the block inflates to more than the ${usize - 1} bytes its header gives`);
    // Each flip also fails on worker threads, with the same message.
    const e3 = await err(readRoot({ paths: f1, tree: 'events', columns: ['Muon_Px'] }, { threads: 1 }));
    expect(e3.message).toBe(e1.message);
    // And late in a chain read with a read-ahead worker (which inflates most of its files).
    const dir = path.join(tmp, 'flip-chain');
    fs.mkdirSync(dir);
    for (let i = 0; i < 60; i++) fs.symlinkSync(path.resolve(i === 50 ? f1 : src), path.join(dir, `${String(i).padStart(2, '0')}.root`));
    const bad = path.join(dir, '50.root');
    const e4 = await err(readRoot({ paths: [path.join(dir, '*.root')], tree: 'events', columns: ['NMuon', 'Muon_Px'] }, { readAhead: 1 }));
    expect(e4.code).toBe('corrupt');
    expect(e4.message).toBe(e1.message.replace(f1, bad));
  });

  it('lists the trees when the tree is missing or ambiguous', async () => {
    const e = await err(readRoot({ paths: `${D}/tmva_class_inputdata.root`, tree: 'TreeX' }));
    expect(e.message).toBe(`${D}/tmva_class_inputdata.root: no tree \`TreeX\` (did you mean \`TreeS\`?); trees there: TreeS, TreeB, Sig, Bkg`);
    const e2 = await err(readRoot({ paths: `${D}/tmva_class_inputdata.root` }));
    expect(e2.message).toBe(`${D}/tmva_class_inputdata.root: the file holds several trees (TreeS, TreeB, Sig, Bkg); name one with \`tree:\` in root(...) or --tree on the command line`);
  });

  it('suggests a branch, names unsupported types, and rejects a glob that matches nothing', async () => {
    const e = await err(readRoot({ paths: `${D}/uproot-HZZ.root`, tree: 'events', columns: ['Muon_PX'] }));
    expect(e.message).toBe(`${D}/uproot-HZZ.root: tree \`events\` has no branch \`Muon_PX\` (did you mean \`Muon_Px\`?)`);
    const e2 = await err(readRoot({ paths: `${D}/uproot-stl_containers.root`, tree: 'tree', columns: ['map_int32_int16'] }));
    expect(e2.code).toBe('unsupported-type');
    expect(e2.message).toBe(`${D}/uproot-stl_containers.root: branch \`map_int32_int16\` has type map<int,short>, which winnow cannot read yet (objects, maps and sets are not supported)`);
    const e3 = await err(readRoot({ paths: [`${D}/nothing-*.root`], tree: 'events' }));
    expect(e3.message).toBe(`${D}/nothing-*.root: the pattern matches no file`);
    const e4 = await err(readRoot({ paths: `${D}/missing.root` }));
    expect(e4.code).toBe('not-found');
  });
});
