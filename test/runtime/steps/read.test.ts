/** The build's read step over a ROOT chain: the column it returns and the progress it reports. */
import { describe, expect, it } from 'vitest';
import { readStep } from '../../../src/runtime/steps/data.js';
import { readRoot } from '../../../src/runtime/io/root.js';
import type { Table } from '../../../src/runtime/io/table.js';

describe('read step, ROOT chain', () => {
  it('returns the chain\'s column and reports progress as the files are read, ending at 1', async () => {
    const paths = ['data/root/uproot-HZZ.root', 'data/root/uproot-HZZ-lz4.root', 'data/root/uproot-HZZ-zstd.root'];
    const progress: [number, string | undefined][] = [];
    const ctx = { signal: new AbortController().signal, threads: 1, log: () => {}, progress: (f: number, m?: string) => { progress.push([f, m]); } };
    const t = (await readStep.run({}, { format: 'root', paths, tree: 'events', options: {}, column: 'Muon_Px', missing: [] }, ctx)) as Table;
    const ref = await readRoot({ paths, tree: 'events', columns: ['Muon_Px'] }, { threads: 0 });
    expect(t.rows).toBe(3 * 2421);
    expect(Array.from(t.columns.get('Muon_Px')!.values)).toEqual(Array.from(ref.columns.get('Muon_Px')!.values));
    expect(progress.map(([, m]) => m)).toEqual(['1/3 files', '2/3 files', '3/3 files']);
    expect(progress.map(([f]) => f)).toEqual([1 / 3, 2 / 3, 1]);
  });
});
