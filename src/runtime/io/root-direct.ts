/**
 * A small direct reader of the parts of a ROOT file the fast path needs from the second and later
 * files of a chain: the file header, the top directory's key list, the streamer-info record (hashed,
 * not parsed) and the TTree object down to each branch's basket tables (fBasketBytes, fBasketEntry,
 * fBasketSeek), its leaves' types and its class fields. jsroot parses the first file of a chain;
 * root.ts compares what this module returns for the others with it and falls back to jsroot whenever
 * anything differs or anything here is unexpected (`DirectUnsupported`).
 *
 * May import: node:fs, node:crypto, codecs. No jsroot.
 *
 * Objects are read the way ROOT writes them: every versioned object starts with a byte count
 * (0x40000000 | n) and a 16-bit version, so members we do not need (TAttFill, TIOFeatures, ...) are
 * skipped by their byte count, and each object's end is checked against its count. Only the class
 * versions written by ROOT 5.26+ and 6 (TTree 16–20, TBranch 10–13, TBranchElement 8–10, TLeaf 2)
 * are understood; pointers (TBufferFile::ReadObjectAny) carry new class names or references to class
 * tags, kept in a map keyed by their position in the key (uncompressed offset + key length + 2).
 * A branch with baskets embedded in the TTree object (fBaskets non-empty) is left to jsroot.
 * The branch objects returned mimic the jsroot fields that root.ts reads (fName, fBranches.arr,
 * fLeaves.arr, fClassName, fID, fType, fStreamerType, the basket tables), so the same branch
 * catalogue code runs on both.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { CodecNotLoaded, needsAsync, prepareCodecs, rootUnzip, rootUnzipAsync } from './codecs.js';

/** Anything this reader does not handle; the caller then uses jsroot. */
export class DirectUnsupported extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectUnsupported';
  }
}

const BYTECOUNT = 0x40000000;
const CLASS_MASK = 0x80000000;
const NEW_CLASS = 0xffffffff;

interface KeyInfo {
  readonly seek: number;
  readonly nbytes: number;
  readonly objlen: number;
  readonly keylen: number;
  readonly cycle: number;
  readonly className: string;
  readonly name: string;
}

class Cursor {
  readonly dv: DataView;
  pos: number;
  /** Class names by tag position (key-relative). */
  readonly classes = new Map<number, string>();
  constructor(readonly u: Uint8Array, pos: number, readonly origin: number) {
    this.dv = new DataView(u.buffer, u.byteOffset, u.byteLength);
    this.pos = pos;
  }
  need(n: number): void {
    if (this.pos + n > this.u.length) throw new DirectUnsupported('record runs past its buffer');
  }
  u8(): number { this.need(1); return this.u[this.pos++]!; }
  i16(): number { this.need(2); const v = this.dv.getInt16(this.pos); this.pos += 2; return v; }
  u16(): number { this.need(2); const v = this.dv.getUint16(this.pos); this.pos += 2; return v; }
  i32(): number { this.need(4); const v = this.dv.getInt32(this.pos); this.pos += 4; return v; }
  u32(): number { this.need(4); const v = this.dv.getUint32(this.pos); this.pos += 4; return v; }
  i64(): number {
    this.need(8);
    const hi = this.dv.getInt32(this.pos), lo = this.dv.getUint32(this.pos + 4);
    this.pos += 8;
    if (hi < -0x200000 || hi >= 0x200000) throw new DirectUnsupported('64-bit value beyond 2^53');
    return hi * 4294967296 + lo;
  }
  skip(n: number): void { this.need(n); this.pos += n; }
  str(): string {
    let n = this.u8();
    if (n === 255) n = this.i32();
    this.need(n);
    const s = Buffer.from(this.u.buffer, this.u.byteOffset + this.pos, n).toString('latin1');
    this.pos += n;
    return s;
  }
  /**
   * Reads a ROOT string and returns it when it is one of `names` (compared as bytes, so that the
   * names of branches nobody asked for are never decoded), else undefined.
   */
  strIn(names: WantedNames): string | undefined {
    let n = this.u8();
    if (n === 255) n = this.i32();
    this.need(n);
    const at = this.pos, u = this.u;
    this.pos += n;
    for (const w of names.get(n) ?? []) {
      let i = 0;
      while (i < n && u[at + i] === w.bytes[i]) i++;
      if (i === n) return w.name;
    }
    return undefined;
  }
  cstr(): string {
    const end = this.u.indexOf(0, this.pos);
    if (end < 0) throw new DirectUnsupported('class name without terminator');
    const s = Buffer.from(this.u.buffer, this.u.byteOffset + this.pos, end - this.pos).toString('latin1');
    this.pos = end + 1;
    return s;
  }
  /** Byte count + version of a versioned object; returns the version and the object's end. */
  header(): { version: number; end: number } {
    const at = this.pos;
    const n = this.u32();
    if ((n & BYTECOUNT) === 0) throw new DirectUnsupported('object without a byte count');
    const end = at + 4 + (n & ~BYTECOUNT);
    if (end > this.u.length) throw new DirectUnsupported('object byte count runs past its buffer');
    return { version: this.u16(), end };
  }
  skipObject(): void { this.pos = this.header().end; }
  at(end: number, what: string): void {
    if (this.pos !== end) throw new DirectUnsupported(`${what} ends at ${this.pos}, its byte count says ${end}`);
  }
  tobject(): void {
    const v = this.u16();
    if (v & 0x4000) this.skip(4);
    this.u32(); // fUniqueID
    const bits = this.u32();
    if (bits & (1 << 4)) this.skip(2); // kIsReferenced: process id
  }
  tnamed(): { name: string; title: string } {
    const h = this.header();
    this.tobject();
    const name = this.str();
    const title = this.str();
    this.at(h.end, 'TNamed');
    return { name, title };
  }
  /** The class name defined (new-class tag, then the name) at tag offset `ref`, when we skipped over it. */
  classAt(ref: number): string {
    const p = ref - 2 + this.origin;
    if (p < 0 || p + 5 > this.u.length) throw new DirectUnsupported('reference to a class tag outside the record');
    const save = this.pos;
    this.pos = p;
    try {
      if (this.u32() !== NEW_CLASS) throw new DirectUnsupported('reference to a class tag not seen');
      const cls = this.cstr();
      this.classes.set(ref, cls);
      return cls;
    } finally {
      this.pos = save;
    }
  }
  /**
   * A pointer (TBufferFile::ReadObjectAny): null, a reference to an object read before, or an object
   * of a class named here or earlier, read by `read(className)` (which must consume it exactly).
   */
  any<T>(read: (cls: string) => T): T | null | 'ref' {
    const beg = this.pos;
    const bcnt = this.u32();
    if ((bcnt & BYTECOUNT) === 0 || bcnt === NEW_CLASS) {
      if (bcnt === 0) return null;
      if ((bcnt & CLASS_MASK) === 0) return 'ref';
      throw new DirectUnsupported('object pointer without a byte count');
    }
    const start = this.pos - this.origin;
    const tag = this.u32();
    const end = beg + 4 + (bcnt & ~BYTECOUNT);
    if ((tag & CLASS_MASK) === 0) {
      if (tag === 0) return null;
      return 'ref';
    }
    let cls: string | undefined;
    if (tag === NEW_CLASS) {
      cls = this.cstr();
      this.classes.set(start + 2, cls);
    } else {
      const ref = (tag & ~CLASS_MASK) >>> 0;
      cls = this.classes.get(ref);
      if (cls === undefined) cls = this.classAt(ref); // defined inside an object we skipped
    }
    const out = read(cls);
    this.at(end, cls);
    return out;
  }
  objArray<T>(item: (cls: string) => T): (T | null | 'ref')[] {
    const h = this.header();
    this.tobject();
    this.str(); // fName
    const n = this.i32();
    this.i32(); // fLowerBound
    if (n < 0 || n > 1e6) throw new DirectUnsupported('TObjArray size out of range');
    const out: (T | null | 'ref')[] = [];
    for (let i = 0; i < n; i++) out.push(this.any(item));
    this.at(h.end, 'TObjArray');
    return out;
  }
  array(n: number, wide: boolean): number[] {
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = wide ? this.i64() : this.i32();
    return out;
  }
}

const LEAF_CLASSES = new Set(['TLeafB', 'TLeafS', 'TLeafI', 'TLeafL', 'TLeafG', 'TLeafF', 'TLeafD', 'TLeafO', 'TLeafC', 'TLeafF16', 'TLeafD32', 'TLeafElement']);

/** A leaf, with the jsroot field names root.ts reads. */
export interface DirectLeaf {
  readonly _typename: string;
  readonly fName: string;
  readonly fTitle: string;
  readonly fLen: number;
  readonly fIsUnsigned: boolean;
  readonly fLeafCount: object | null;
}

/** A branch, with the jsroot field names root.ts reads. */
export interface DirectBranch {
  readonly _typename: string;
  readonly fName: string;
  readonly fTitle: string;
  readonly fEntries: number;
  readonly fWriteBasket: number;
  readonly fBasketBytes: number[];
  readonly fBasketEntry: number[];
  readonly fBasketSeek: number[];
  /** Uncompressed bytes of the branch's baskets (keys included), as ROOT counted them; 0 when skipped. */
  readonly fTotBytes: number;
  readonly fBaskets: { readonly arr: never[] };
  readonly fBranches: { readonly arr: DirectBranch[] };
  readonly fLeaves: { readonly arr: DirectLeaf[] };
  readonly fClassName?: string;
  readonly fClassVersion?: number;
  readonly fID?: number;
  readonly fType?: number;
  readonly fStreamerType?: number;
  /** Not parsed (the caller did not want it): the one shared placeholder, without even a name. */
  readonly skipped?: boolean;
}

function readLeaf(c: Cursor, cls: string): DirectLeaf {
  if (!LEAF_CLASSES.has(cls)) throw new DirectUnsupported(`leaf class ${cls}`);
  const h = c.header();
  const lh = c.header();
  if (lh.version !== 2) throw new DirectUnsupported(`TLeaf version ${lh.version}`);
  const { name, title } = c.tnamed();
  const fLen = c.i32();
  c.i32(); // fLenType
  c.i32(); // fOffset
  c.u8(); // fIsRange
  const fIsUnsigned = c.u8() !== 0;
  const count = c.any((k) => { if (!LEAF_CLASSES.has(k)) throw new DirectUnsupported(`leaf count class ${k}`); c.skipObject(); return {}; });
  c.at(lh.end, 'TLeaf');
  c.pos = h.end; // fMinimum/fMaximum (or TLeafElement's fID/fType): not needed
  return { _typename: cls, fName: name, fTitle: title, fLen, fIsUnsigned, fLeafCount: count === null ? null : {} };
}

/** Wanted top-level branch names by their byte length (latin1), for Cursor.strIn. */
type WantedNames = ReadonlyMap<number, readonly { readonly bytes: Uint8Array; readonly name: string }[]>;

function wantedNames(names: ReadonlySet<string>): WantedNames {
  const m = new Map<number, { bytes: Uint8Array; name: string }[]>();
  for (const name of names) {
    const bytes = Buffer.from(name, 'latin1');
    const list = m.get(bytes.length) ?? [];
    list.push({ bytes, name });
    m.set(bytes.length, list);
  }
  return m;
}

/** The one placeholder of every branch the caller did not ask for (its name is not even decoded). */
const SKIPPED: DirectBranch = Object.freeze({ _typename: 'TBranch', fName: '', fTitle: '', fEntries: 0, fWriteBasket: 0, fTotBytes: 0, skipped: true,
  fBasketBytes: [], fBasketEntry: [], fBasketSeek: [], fBaskets: { arr: [] as never[] }, fBranches: { arr: [] }, fLeaves: { arr: [] } });

function readBranchBody(c: Cursor, cls: string, wanted?: WantedNames, objectEnd?: number): DirectBranch {
  const h = c.header();
  const v = h.version;
  if (v < 10 || v > 13) throw new DirectUnsupported(`TBranch version ${v}`);
  const th = c.header();
  c.tobject();
  const name = wanted === undefined ? c.str() : c.strIn(wanted);
  if (name === undefined) {
    // Not wanted: nothing more is read (the byte count skips the rest).
    c.pos = objectEnd ?? h.end;
    return SKIPPED;
  }
  const title = c.str();
  c.at(th.end, 'TNamed');
  c.skipObject(); // TAttFill
  c.i32(); c.i32(); c.i32(); // fCompress, fBasketSize, fEntryOffsetLen
  const fWriteBasket = c.i32();
  c.i64(); // fEntryNumber
  if (v >= 13) c.skipObject(); // fIOFeatures
  c.i32(); // fOffset
  const fMaxBaskets = c.i32();
  c.i32(); // fSplitLevel
  const fEntries = c.i64();
  if (v >= 11) c.i64(); // fFirstEntry
  const fTotBytes = c.i64();
  c.i64(); // fZipBytes
  if (fMaxBaskets < 0 || fWriteBasket < 0 || fWriteBasket > fMaxBaskets) throw new DirectUnsupported('basket counts out of range');
  const subs = c.objArray((k) => readBranch(c, k));
  const leaves = c.objArray((k) => readLeaf(c, k));
  const baskets = c.objArray(() => { throw new DirectUnsupported('baskets embedded in the tree object'); });
  if (baskets.some((b) => b !== null)) throw new DirectUnsupported('baskets embedded in the tree object');
  if (subs.some((s) => s === null || s === 'ref') || leaves.some((l) => l === null || l === 'ref')) throw new DirectUnsupported('null or shared branch/leaf');
  const marker = (): void => { const m = c.u8(); if (m !== 1 && m !== 2) throw new DirectUnsupported(`array marker ${m}`); };
  marker();
  const fBasketBytes = c.array(fMaxBaskets, false);
  marker();
  const fBasketEntry = c.array(fMaxBaskets, true);
  marker();
  const fBasketSeek = c.array(fMaxBaskets, true);
  c.pos = h.end; // fFileName
  return {
    _typename: cls, fName: name, fTitle: title, fEntries, fWriteBasket, fBasketBytes, fBasketEntry, fBasketSeek, fTotBytes,
    fBaskets: { arr: [] }, fBranches: { arr: subs as DirectBranch[] }, fLeaves: { arr: leaves as DirectLeaf[] },
  };
}

function readBranch(c: Cursor, cls: string, wanted?: WantedNames): DirectBranch {
  if (cls === 'TBranch') return readBranchBody(c, cls, wanted);
  if (cls !== 'TBranchElement') throw new DirectUnsupported(`branch class ${cls}`);
  const h = c.header();
  if (h.version < 8 || h.version > 10) throw new DirectUnsupported(`TBranchElement version ${h.version}`);
  const body = readBranchBody(c, cls, wanted, h.end);
  if (body.skipped) return body;
  const fClassName = c.str();
  c.str(); c.str(); // fParentName, fClonesName
  c.u32(); // fCheckSum
  const fClassVersion = h.version >= 10 ? c.i16() : c.i32();
  const fID = c.i32();
  const fType = c.i32();
  const fStreamerType = c.i32();
  c.pos = h.end; // fMaximum, fBranchCount, fBranchCount2
  return { ...body, fClassName, fClassVersion, fID, fType, fStreamerType };
}

/** The TTree object's entry count and branches. */
export function parseTree(u: Uint8Array, keylen: number, wanted?: ReadonlySet<string>): { entries: number; branches: DirectBranch[] } {
  const names = wanted === undefined ? undefined : wantedNames(wanted);
  const c = new Cursor(u, 0, -keylen);
  const h = c.header();
  const v = h.version;
  if (v < 16 || v > 20) throw new DirectUnsupported(`TTree version ${v}`);
  c.tnamed();
  c.skipObject(); c.skipObject(); c.skipObject(); // TAttLine, TAttFill, TAttMarker
  const entries = c.i64();
  c.skip(8 * 3 + (v >= 18 ? 8 : 0) + 8 + 4 * 3 + (v >= 17 ? 4 : 0)); // byte counts, fWeight, ints
  let clusters = 0;
  if (v >= 19) clusters = c.i32();
  c.skip(8 * 4 + (v >= 18 ? 8 : 0) + 8); // fMaxEntries ... fAutoFlush, fEstimate
  if (v >= 19) {
    if (clusters < 0 || clusters > 1e6) throw new DirectUnsupported('cluster ranges out of range');
    c.skip(1 + 8 * clusters); // fClusterRangeEnd
    c.skip(1 + 8 * clusters); // fClusterSize
  }
  if (v >= 20) c.skipObject(); // fIOFeatures
  const branches = c.objArray((k) => readBranch(c, k, names));
  if (branches.some((b) => b === null || b === 'ref')) throw new DirectUnsupported('null branch');
  return { entries, branches: branches as DirectBranch[] };
}

function readAt(fd: number, pos: number, n: number, size: number): Buffer {
  if (pos < 0 || n <= 0 || pos + n > size) throw new DirectUnsupported('record outside the file');
  const b = Buffer.allocUnsafe(n);
  if (fs.readSync(fd, b, 0, n, pos) !== n) throw new DirectUnsupported('short read');
  return b;
}

function parseKey(c: Cursor): KeyInfo {
  const nbytes = c.i32();
  const version = c.i16();
  const objlen = c.i32();
  c.u32(); // datime
  const keylen = c.i16();
  const cycle = c.i16();
  const seek = version > 1000 ? c.i64() : c.i32();
  if (version > 1000) c.i64(); else c.i32(); // seekpdir
  const className = c.str();
  const name = c.str();
  c.str(); // title
  return { seek, nbytes, objlen, keylen, cycle, className, name };
}

async function objectBytes(fd: number, size: number, k: KeyInfo): Promise<Uint8Array> {
  const raw = readAt(fd, k.seek, k.nbytes, size);
  const payload = raw.subarray(k.keylen);
  if (k.objlen === payload.length) return payload;
  try {
    if (needsAsync(payload)) return await rootUnzipAsync(payload, k.objlen);
    try {
      return rootUnzip(payload, k.objlen);
    } catch (e: unknown) {
      if (!(e instanceof CodecNotLoaded)) throw e;
      await prepareCodecs([e.codec]);
      return rootUnzip(payload, k.objlen);
    }
  } catch (e: unknown) {
    throw new DirectUnsupported(`cannot decompress \`${k.name}\`: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** What the direct reader learns from one file's headers. */
export interface DirectFile {
  /** SHA-1 of the streamer-info record's stored bytes (files of one production share it). */
  readonly streamerHash: string;
  readonly treeClass: string;
  readonly entries: number;
  readonly branches: DirectBranch[];
}

/**
 * Reads the header, the top directory's keys, the streamer-info record and the TTree `tree` (highest
 * cycle) of `file`, positioned reads only. `withTree` false stops after the streamer-info hash.
 * `wanted` (top-level branch names) limits the parse: every other branch is the one `skipped` placeholder.
 * `check(head, size)` runs first, on the file's first bytes (up to 128) and its size (the caller's own
 * checks, whose errors pass through). Throws DirectUnsupported for anything unexpected.
 */
export async function readDirect(file: string, tree: string, withTree = true, wanted?: ReadonlySet<string>,
  check?: (head: Buffer, size: number) => void): Promise<DirectFile> {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const first = Buffer.allocUnsafe(Math.min(size, 128));
    const got = first.length > 0 ? fs.readSync(fd, first, 0, first.length, 0) : 0;
    check?.(first.subarray(0, got), size);
    if (got < 4 || got < first.length) throw new DirectUnsupported('short read');
    const h = first;
    const hc = new Cursor(h, 0, 0);
    if (h.toString('latin1', 0, 4) !== 'root') throw new DirectUnsupported('not a ROOT file');
    hc.pos = 4;
    const big = hc.i32() >= 1000000;
    const begin = hc.i32();
    const seekIntSize = big ? 8 : 4;
    hc.pos = 12 + seekIntSize * 2 + 8; // fEND, fSeekFree, fNbytesFree, nfree
    const nbytesName = hc.i32();
    hc.skip(1 + 4); // fUnits, fCompress
    const seekInfo = big ? hc.i64() : hc.i32();
    const nbytesInfo = hc.i32();
    const info = readAt(fd, seekInfo, nbytesInfo, size);
    const ik = parseKey(new Cursor(info, 0, 0));
    if (ik.keylen <= 0 || ik.keylen > info.length) throw new DirectUnsupported('bad streamer-info key');
    const streamerHash = createHash('sha1').update(info.subarray(ik.keylen)).digest('hex');
    if (!withTree) return { streamerHash, treeClass: '', entries: 0, branches: [] };
    // The top directory (TDirectory record after the TFile key's name and title).
    const dirAt = begin + nbytesName;
    const d = new Cursor(readAt(fd, dirAt, Math.min(64, size - dirAt), size), 0, 0);
    const dv = d.i16();
    d.skip(8); // fDatimeC, fDatimeM
    const nbytesKeys = d.i32();
    d.i32(); // fNbytesName
    const wide = dv > 1000;
    if (wide) { d.i64(); d.i64(); } else { d.i32(); d.i32(); } // fSeekDir, fSeekParent
    const seekKeys = wide ? d.i64() : d.i32();
    const kl = new Cursor(readAt(fd, seekKeys, nbytesKeys, size), 0, 0);
    const head = parseKey(kl);
    kl.pos = head.keylen;
    const nkeys = kl.i32();
    let best: KeyInfo | undefined;
    for (let i = 0; i < nkeys; i++) {
      const k = parseKey(kl);
      if (k.name === tree && (best === undefined || k.cycle > best.cycle)) best = k;
    }
    if (best === undefined) throw new DirectUnsupported(`no key \`${tree}\``);
    const u = await objectBytes(fd, size, best);
    const t = parseTree(u, best.keylen, wanted);
    return { streamerHash, treeClass: best.className, entries: t.entries, branches: t.branches };
  } finally {
    fs.closeSync(fd);
  }
}
