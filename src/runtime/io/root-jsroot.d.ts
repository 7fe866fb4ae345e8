// Minimal declarations for the jsroot modules winnow imports directly (jsroot types only its main
// entry, which pulls in canvas). Only the members we use are declared; values stay `unknown`-ish.
declare module 'jsroot/io' {
  export function openFile(path: string): Promise<JsrootFile>;
  export class TBuffer {
    constructor(arr: DataView, pos: number, file: unknown, length?: number);
    fTagOffset: number;
  }
  export interface JsrootKey { fName: string; fClassName: string; fCycle: number; fTitle?: string }
  export interface JsrootFile {
    fKeys: JsrootKey[];
    fVersion: number;
    fCompress?: number;
    fEND: number;
    fd?: number;
    readObject(name: string, cycle?: number): Promise<any>;
    readDirectory(name: string, cycle?: number): Promise<{ fKeys: JsrootKey[] } | null>;
  }
}
declare module 'jsroot/tree' {
  export class TSelector {
    tgtobj: Record<string, unknown>;
    addBranch(branch: unknown, name?: string): number;
    Process(entry: number): void;
    Terminate(res: boolean): void;
    Abort(): void;
  }
  export function treeProcess(tree: unknown, selector: TSelector, args?: unknown): Promise<unknown>;
}
declare module 'jsroot/rntuple' {
  export function readHeaderFooter(tuple: unknown): Promise<any>;
  export function rntupleProcess(tuple: unknown, selector: unknown, args?: unknown): Promise<unknown>;
}
declare module 'jsroot/core' {
  export const internals: Record<string, any>;
}
