/**
 * Concurrent first reads of a zstd-compressed file in a fresh process (its own test file, so the zstd
 * decoder is not loaded yet): a build reads one column per step, several at once. Two decoder loads
 * at once used to leave functions bound to a replaced WebAssembly instance, and every read but one
 * failed with "ZSTD_ERROR: Src size is incorrect".
 */
import { describe, expect, it } from 'vitest';
import { readRoot } from '../../../src/runtime/io/root.js';
import { expectSameColumn } from '../../helpers/columns.js';

const file = 'data/root/uproot-HZZ-zstd.root';
const cols = ['NJet', 'NMuon', 'Muon_Px', 'MET_px', 'Jet_E'];

describe('zstd decoder loading', () => {
  it('serves concurrent first reads of a zstd file, each equal to a read of its own', async () => {
    const together = await Promise.all(cols.map((c) => readRoot({ paths: file, tree: 'events', columns: [c] }, { threads: 0 })));
    const zlib = await readRoot({ paths: 'data/root/uproot-HZZ.root', tree: 'events', columns: cols }, { threads: 0 });
    cols.forEach((c, i) => expectSameColumn(zlib.columns.get(c)!, together[i]!.columns.get(c)!, c));
  });
});
