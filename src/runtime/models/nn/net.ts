/**
 * A fully connected network (dense -> [batchnorm] -> activation -> [dropout], repeated, then a dense
 * output layer) with hand-written forward/backward passes and Adam/SGD, over Float32Array buffers
 * from one Arena.
 *
 * May import: ./kernels, ../../util/rng (types only).
 *
 * Layout: a batch is row-major, rows = events, padded to a multiple of 4 rows; every layer's width is
 * padded to a multiple of 8 columns so the gemm kernel can work in 4x8 register blocks. Padding is
 * kept at exactly zero (padded weight columns, activations and gradients are 0), so it never leaks
 * into real values. The three matrix products per layer (Z = A W, dW = A^T dZ, dA = dZ W^T) go through
 * `Kernels.gemm`; the elementwise work (bias, activation, dropout, batchnorm, loss, Adam) is O(batch x
 * width) and stays in JS.
 *
 * Determinism: the only randomness (initial weights, dropout masks) comes from the Rng passed in, and
 * every reduction runs in a fixed order, so the same seed gives the same bits.
 * Batchnorm follows PyTorch: batch statistics (biased variance) in training, running averages with
 * momentum 0.1 (unbiased variance) for prediction, eps 1e-5. Adam follows torch.optim.Adam
 * (bias-corrected, eps added to sqrt(v_hat)); weight decay is an L2 term on weights only (not on
 * biases or batchnorm parameters), added to the gradient.
 */
import { Arena, roundUp, type Epilogue, type KernelKind } from './kernels.js';
import type { WasmMemory } from './wasm-gemm.js';
import type { Rng } from '../../util/rng.js';

export type Activation = 'relu' | 'tanh' | 'elu' | 'sigmoid';

export interface NetConfig {
  readonly nIn: number;
  readonly hidden: readonly number[];
  /** 1 for binary (sigmoid output), K for K-class softmax. */
  readonly nOut: number;
  readonly activation: Activation;
  readonly dropout: number;
  readonly batchnorm: boolean;
  /** Largest batch this net will see (training batch or prediction chunk). */
  readonly maxBatch: number;
  /**
   * Split each training batch into this many row shards (default 1), each with its own buffers and
   * gradient block; `update` sums the shard gradients in shard order. The result depends on the
   * shard count, never on which thread ran a shard. Not with batchnorm (it needs whole-batch
   * statistics). `maxBatch` is then the largest shard.
   */
  readonly shards?: number;
}

/** Plain-JSON parameters of a trained network (row-major weights, in x out). */
export interface NetParams {
  readonly layers: readonly {
    readonly w: readonly number[];
    readonly b: readonly number[];
    readonly gamma?: readonly number[];
    readonly beta?: readonly number[];
    readonly runMean?: readonly number[];
    readonly runVar?: readonly number[];
  }[];
}

interface Layer {
  readonly nIn: number;
  readonly nOut: number;
  readonly inPad: number;
  readonly outPad: number;
  readonly hidden: boolean;
  /** relu without batchnorm: bias and relu run in the gemm epilogue, Z is not written. */
  readonly fusedRelu: boolean;
  readonly W: Float32Array; // roundUp(nIn,4) x outPad
  readonly b: Float32Array; // outPad
  readonly WT: Float32Array; // nOut x inPad (rebuilt before each backward)
  readonly dW: Float32Array;
  readonly db: Float32Array;
  readonly Z: Float32Array; // maxB x outPad: pre-activation (after bias and batchnorm)
  readonly Y: Float32Array; // activation output (hidden layers)
  readonly A: Float32Array; // after dropout (= Y when no dropout)
  readonly mask: Float32Array | undefined;
  readonly dZ: Float32Array; // maxB x outPad
  readonly G: Float32Array; // gradient w.r.t. this layer's input, maxB x inPad (unused for layer 0)
  // batchnorm
  readonly gamma: Float32Array | undefined;
  readonly beta: Float32Array | undefined;
  readonly dgamma: Float32Array | undefined;
  readonly dbeta: Float32Array | undefined;
  readonly xhat: Float32Array | undefined;
  readonly invStd: Float64Array | undefined;
  readonly runMean: Float64Array | undefined;
  readonly runVar: Float64Array | undefined;
  readonly fwdEpi: Epilogue;
  readonly bwdEpi: Epilogue;
}


export interface OptimizerConfig {
  readonly kind: 'adam' | 'sgd';
  readonly lr: number;
  readonly weightDecay: number;
  readonly momentum: number;
}

const BN_EPS = 1e-5;
const BN_MOMENTUM = 0.1;

/**
 * Inverted-dropout mask for `rows` x `cols` (row-major, row stride `stride`): each entry is
 * 1/keep' with probability keep' and 0 otherwise, where keep' = 1 - dropout rounded to a multiple of
 * 1/65536. Each 32-bit draw of `rng` yields two 16-bit uniforms (low half first), which halves the
 * cost of the generator; the tfjs backend calls this too, so both draw the same masks.
 */
export function fillDropoutMask(rng: Rng, rows: number, cols: number, dropout: number, out: Float32Array, stride: number): void {
  const thr = Math.max(1, Math.round((1 - dropout) * 65536));
  const scale = 65536 / thr;
  let bits = 0, have = 0;
  for (let i = 0; i < rows; i++) {
    const r = i * stride;
    for (let j = 0; j < cols; j++) {
      if (have === 0) { bits = rng.nextU32(); have = 2; }
      const u = bits & 0xffff;
      bits >>>= 16;
      have--;
      out[r + j] = u < thr ? scale : 0;
    }
  }
}

export class Net {
  readonly cfg: NetConfig;
  readonly kernelKind: KernelKind;
  readonly inPad: number;
  /** Number of row shards a batch is split into (see NetConfig.shards). */
  readonly shards: number;
  /** Per shard: input rows (maxB x inPad), labels and weights (maxB). */
  readonly Xs: Float32Array[] = [];
  readonly ys: Float32Array[] = [];
  readonly ws: Float32Array[] = [];
  private readonly shardLayers: Layer[][] = [];
  private readonly arena: Arena;
  private step = 0;

  /**
   * `attach`: build the same layout over an existing shared memory (a worker thread's view of the
   * main thread's net); nothing is initialised then.
   */
  constructor(cfg: NetConfig, kind: KernelKind, attach?: WasmMemory) {
    this.cfg = cfg;
    const S = (this.shards = cfg.shards ?? 1);
    if (S > 1 && cfg.batchnorm) throw new Error('internal error: batchnorm needs a single shard');
    const maxB = roundUp(Math.max(1, cfg.maxBatch), 4);
    const widths = [cfg.nIn, ...cfg.hidden, cfg.nOut];
    let nParams = 0;
    for (let l = 0; l + 1 < widths.length; l++) {
      const outPad = roundUp(widths[l + 1]!, 8);
      nParams += roundUp(widths[l]!, 4) * outPad + outPad + (l + 2 < widths.length && cfg.batchnorm ? 2 * outPad : 0);
    }
    // Size the arena up front (an upper bound: 4 floats of alignment per allocation).
    let floats = 0;
    const count = (n: number) => { floats += roundUp(n, 4) + 4; };
    for (let k = 0; k < 3 + S; k++) count(nParams); // values, m, v, one gradient block per shard
    for (let s = 0; s < S; s++) {
      count(maxB * roundUp(cfg.nIn, 8)); count(maxB); count(maxB);
      for (let l = 0; l + 1 < widths.length; l++) {
        const inPad = roundUp(widths[l]!, 8), outPad = roundUp(widths[l + 1]!, 8);
        count(widths[l + 1]! * inPad); // WT
        for (let k = 0; k < 6; k++) count(maxB * outPad); // Y Z A mask dZ xhat
        count(maxB * inPad); // G
      }
    }
    this.arena = new Arena(floats, kind, { shared: S > 1, ...(attach ? { memory: attach } : {}) });
    this.kernelKind = this.arena.kernels.kind;
    const a = this.arena;
    this.inPad = roundUp(cfg.nIn, 8);
    // Parameters and Adam moments each live in one contiguous block, and so does each shard's
    // gradient (same order), so one kernel call updates everything.
    this.pValues = a.alloc(nParams);
    this.pM = a.alloc(nParams);
    this.pV = a.alloc(nParams);
    this.grads = Array.from({ length: S }, () => a.alloc(nParams));
    this.pGrads = this.grads[0]!;
    this.decayMask = new Uint8Array(nParams);
    for (let s = 0; s < S; s++) {
      this.Xs.push(a.alloc(maxB * this.inPad));
      this.ys.push(a.alloc(maxB));
      this.ws.push(a.alloc(maxB));
      let at = 0;
      const take = (size: number, decay: boolean): [Float32Array, Float32Array] => {
        const v = this.pValues.subarray(at, at + size), g = this.grads[s]!.subarray(at, at + size);
        if (decay && s === 0) this.decayMask.fill(1, at, at + size);
        at += size;
        return [v, g];
      };
      const layers: Layer[] = [];
      for (let l = 0; l + 1 < widths.length; l++) {
        const nIn = widths[l]!, nOut = widths[l + 1]!;
        const hidden = l + 2 < widths.length;
        const inPad = roundUp(nIn, 8), outPad = roundUp(nOut, 8);
        const wSize = roundUp(nIn, 4) * outPad;
        const Y = hidden ? a.alloc(maxB * outPad) : new Float32Array(0);
        const useDrop = hidden && cfg.dropout > 0;
        const bn = hidden && cfg.batchnorm;
        const [W, dW] = take(wSize, true);
        const [b, db] = take(outPad, false);
        const [gamma, dgamma] = bn ? take(outPad, false) : [undefined, undefined];
        const [beta, dbeta] = bn ? take(outPad, false) : [undefined, undefined];
        layers.push({
          nIn, nOut, inPad, outPad, hidden, fusedRelu: hidden && cfg.activation === 'relu' && !bn,
          W, b, WT: a.alloc(nOut * inPad), dW, db,
          Z: a.alloc(maxB * outPad), Y,
          A: useDrop ? a.alloc(maxB * outPad) : Y,
          mask: useDrop ? a.alloc(maxB * outPad) : undefined,
          dZ: a.alloc(maxB * outPad), G: a.alloc(maxB * inPad),
          gamma, beta, dgamma, dbeta,
          xhat: bn ? a.alloc(maxB * outPad) : undefined,
          invStd: bn ? new Float64Array(outPad) : undefined,
          runMean: bn ? new Float64Array(outPad) : undefined,
          runVar: bn ? new Float64Array(outPad).fill(1) : undefined,
          fwdEpi: hidden && cfg.activation === 'relu' && !bn ? { bias: b, relu: true } : { bias: b },
          bwdEpi: { mask: Y },
        });
        if (!attach && s === 0) gamma?.fill(1, 0, nOut);
      }
      this.shardLayers.push(layers);
    }
  }

  /**
   * The byte offsets of this net's buffers: a worker compares it with the main thread's before it
   * touches the shared memory (a stale compiled worker would otherwise corrupt it silently).
   */
  layoutSignature(): string {
    const offs = [this.pValues, this.pM, this.pV, ...this.grads, ...this.Xs, ...this.ys, ...this.ws,
      ...this.shardLayers.flatMap((ls) => ls.flatMap((L) => [L.W, L.Z, L.Y, L.A, L.dZ, L.G, L.WT]))];
    return JSON.stringify([this.arena.pages, offs.map((a) => [a.byteOffset, a.length])]);
  }

  /** The shared memory behind this net (for worker threads), if it has one. */
  get memory(): WasmMemory | undefined {
    return this.arena.memory;
  }

  /** Input rows of shard 0 (the only shard for prediction). */
  get X(): Float32Array {
    return this.Xs[0]!;
  }

  private get layers(): Layer[] {
    return this.shardLayers[0]!;
  }

  private readonly grads: Float32Array[];
  private readonly pValues: Float32Array;
  /** Gradient block of shard 0, which receives the sum over shards. */
  private readonly pGrads: Float32Array;
  private readonly pM: Float32Array;
  private readonly pV: Float32Array;
  /** 1 where a parameter is a weight (weight decay applies), 0 for biases and batchnorm. */
  private readonly decayMask: Uint8Array;

  get maxBatch(): number {
    return this.Xs[0]!.length / this.inPad;
  }

  /** Output buffer (row stride `outStride`) after `forward`. */
  get output(): Float32Array {
    return this.layers[this.layers.length - 1]!.Z;
  }

  get outStride(): number {
    return this.layers[this.layers.length - 1]!.outPad;
  }

  /**
   * Initial weights: He-uniform (relu, elu) or Glorot-uniform (tanh, sigmoid) for hidden layers,
   * Glorot-uniform for the output layer; biases 0. Drawn layer by layer, row by row, from `rng`.
   */
  init(rng: Rng): void {
    for (const L of this.layers) {
      const he = L.hidden && (this.cfg.activation === 'relu' || this.cfg.activation === 'elu');
      const limit = he ? Math.sqrt(6 / L.nIn) : Math.sqrt(6 / (L.nIn + L.nOut));
      L.W.fill(0);
      L.b.fill(0);
      for (let i = 0; i < L.nIn; i++) {
        for (let j = 0; j < L.nOut; j++) L.W[i * L.outPad + j] = (2 * rng.next() - 1) * limit;
      }
    }
  }

  /**
   * Forward pass on rows [0, B) of shard `s`'s inputs. `train`: batch statistics and dropout (masks
   * drawn from `rng`, or, without it, the masks left by `drawDropoutMasks`); otherwise running
   * statistics and no dropout. Leaves logits in `output` (shard 0).
   */
  forward(B: number, train: boolean, rng?: Rng, s = 0): void {
    const Bp = roundUp(B, 4);
    const k = this.arena.kernels;
    let input = this.Xs[s]!;
    let inStride = this.inPad;
    // Zero the padding rows of the input so padded rows stay finite and cheap.
    input.fill(0, B * inStride, Bp * inStride);
    for (const L of this.shardLayers[s]!) {
      const { outPad, nOut, Z, b } = L;
      if (L.fusedRelu) {
        // bias and relu fused into the product: write the activation directly
        k.gemm(Bp, outPad, L.nIn, input, inStride, 1, L.W, outPad, L.Y, outPad, false, L.fwdEpi);
      } else {
        k.gemm(Bp, outPad, L.nIn, input, inStride, 1, L.W, outPad, Z, outPad, false, L.fwdEpi);
        if (!L.hidden) break;
        if (L.gamma) this.bnForward(L, B, train);
        this.activate(L, B, Bp);
      }
      if (L.mask && train) {
        if (rng) fillDropoutMask(rng, B, nOut, this.cfg.dropout, L.mask, outPad);
        const { mask, A, Y } = L;
        for (let i = 0; i < B; i++) {
          const r = i * outPad;
          for (let j = 0; j < nOut; j++) A[r + j] = Y[r + j]! * mask[r + j]!;
        }
        A.fill(0, B * outPad, Bp * outPad);
      } else if (L.mask) {
        L.A.set(L.Y.subarray(0, Bp * outPad));
      }
      input = L.A;
      inStride = outPad;
    }
  }

  private bnForward(L: Layer, B: number, train: boolean): void {
    const { nOut, outPad, Z } = L;
    const gamma = L.gamma!, beta = L.beta!, xhat = L.xhat!, invStd = L.invStd!;
    const rm = L.runMean!, rv = L.runVar!;
    for (let j = 0; j < nOut; j++) {
      let mean: number, varB: number;
      if (train) {
        let s = 0;
        for (let i = 0; i < B; i++) s += Z[i * outPad + j]!;
        mean = s / B;
        let q = 0;
        for (let i = 0; i < B; i++) { const d = Z[i * outPad + j]! - mean; q += d * d; }
        varB = q / B;
        rm[j] = (1 - BN_MOMENTUM) * rm[j]! + BN_MOMENTUM * mean;
        rv[j] = (1 - BN_MOMENTUM) * rv[j]! + BN_MOMENTUM * (B > 1 ? q / (B - 1) : varB);
      } else {
        mean = rm[j]!;
        varB = rv[j]!;
      }
      const is = 1 / Math.sqrt(varB + BN_EPS);
      invStd[j] = is;
      const g = gamma[j]!, be = beta[j]!;
      for (let i = 0; i < B; i++) {
        const x = (Z[i * outPad + j]! - mean) * is;
        xhat[i * outPad + j] = x;
        Z[i * outPad + j] = g * x + be;
      }
    }
  }

  private activate(L: Layer, B: number, Bp: number): void {
    const { nOut, outPad, Z, Y } = L;
    const act = this.cfg.activation;
    for (let i = 0; i < B; i++) {
      const r = i * outPad;
      switch (act) {
        case 'relu':
          for (let j = 0; j < nOut; j++) { const z = Z[r + j]!; Y[r + j] = z > 0 ? z : 0; }
          break;
        case 'tanh':
          // tanh through exp (faster than Math.tanh in V8; error far below float32 resolution)
          for (let j = 0; j < nOut; j++) {
            const z = Z[r + j]!, e = Math.exp(-2 * Math.abs(z)), t = (1 - e) / (1 + e);
            Y[r + j] = z < 0 ? -t : t;
          }
          break;
        case 'sigmoid':
          for (let j = 0; j < nOut; j++) Y[r + j] = 1 / (1 + Math.exp(-Z[r + j]!));
          break;
        case 'elu':
          for (let j = 0; j < nOut; j++) { const z = Z[r + j]!; Y[r + j] = z > 0 ? z : Math.expm1(z); }
          break;
      }
    }
    Y.fill(0, B * outPad, Bp * outPad);
  }

  /**
   * Loss and output gradient for rows [0, B). `y` class indices, `w` weights (already normalised).
   * Returns the sum over rows of w_i * loss_i; leaves dLoss/dlogits / `denom` in the output layer's dZ.
   */
  lossGrad(B: number, y: ArrayLike<number>, w: ArrayLike<number>, denom: number, s = 0): number {
    const L = this.shardLayers[s]!.at(-1)!;
    const { outPad, Z, dZ, nOut } = L;
    dZ.fill(0, 0, roundUp(B, 4) * outPad);
    let total = 0;
    if (nOut === 1) {
      for (let i = 0; i < B; i++) {
        const s = Z[i * outPad]!, t = y[i]!, wi = w[i]!;
        // log(1 + e^s) - t s, computed stably
        const sp = s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s));
        total += wi * (sp - t * s);
        const p = 1 / (1 + Math.exp(-s));
        dZ[i * outPad] = (wi * (p - t)) / denom;
      }
    } else {
      for (let i = 0; i < B; i++) {
        const r = i * outPad;
        let mx = -Infinity;
        for (let j = 0; j < nOut; j++) mx = Math.max(mx, Z[r + j]!);
        let se = 0;
        for (let j = 0; j < nOut; j++) se += Math.exp(Z[r + j]! - mx);
        const lse = mx + Math.log(se);
        const t = y[i]!, wi = w[i]!;
        total += wi * (lse - Z[r + t]!);
        for (let j = 0; j < nOut; j++) {
          const p = Math.exp(Z[r + j]! - lse);
          dZ[r + j] = (wi * (p - (j === t ? 1 : 0))) / denom;
        }
      }
    }
    return total;
  }

  /** Loss only (eval mode), same definition as lossGrad. */
  loss(B: number, y: ArrayLike<number>, w: ArrayLike<number>, s = 0): number {
    const L = this.shardLayers[s]!.at(-1)!;
    const { outPad, Z, nOut } = L;
    let total = 0;
    for (let i = 0; i < B; i++) {
      const r = i * outPad, wi = w[i]!;
      if (nOut === 1) {
        const s = Z[r]!;
        const sp = s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s));
        total += wi * (sp - y[i]! * s);
      } else {
        let mx = -Infinity;
        for (let j = 0; j < nOut; j++) mx = Math.max(mx, Z[r + j]!);
        let se = 0;
        for (let j = 0; j < nOut; j++) se += Math.exp(Z[r + j]! - mx);
        total += wi * (mx + Math.log(se) - Z[r + y[i]!]!);
      }
    }
    return total;
  }

  /** Backward pass after `forward(B, true)` and `lossGrad` on shard `s`: fills its gradient block. */
  backward(B: number, s = 0): void {
    const Bp = roundUp(B, 4);
    const k = this.arena.kernels;
    const layers = this.shardLayers[s]!;
    for (let l = layers.length - 1; l >= 0; l--) {
      const L = layers[l]!;
      const prev = l > 0 ? layers[l - 1]! : undefined;
      const input = prev ? prev.A : this.Xs[s]!;
      const inStride = L.inPad;
      const { outPad, nOut, dZ } = L;
      // dW = input^T dZ over the B real rows
      k.gemm(roundUp(L.nIn, 4), outPad, B, input, 1, inStride, dZ, outPad, L.dW, outPad, false);
      k.colsum(B, outPad, dZ, outPad, L.db);
      if (!prev) break;
      // G = dZ W^T  (gradient w.r.t. prev.A)
      const { WT, W, inPad } = L;
      for (let p = 0; p < nOut; p++) {
        for (let n = 0; n < L.nIn; n++) WT[p * inPad + n] = W[n * outPad + p]!;
      }
      if (prev.fusedRelu && !prev.mask) {
        // relu derivative fused: keep G where the activation was positive, straight into prev.dZ
        k.gemm(Bp, inPad, nOut, dZ, outPad, 1, WT, inPad, prev.dZ, inPad, false, prev.bwdEpi);
      } else {
        k.gemm(Bp, inPad, nOut, dZ, outPad, 1, WT, inPad, L.G, inPad, false);
        this.backActivation(prev, L.G, B, Bp);
      }
    }
  }

  /**
   * Draws the dropout masks of a batch split into shards of `sizes[s]` rows, layer by layer and,
   * within a layer, shard by shard: the same stream as one unsharded draw when every shard but the
   * last has a multiple of 4 rows (the 16-bit halves then stay paired).
   */
  drawDropoutMasks(sizes: readonly number[], rng: Rng): void {
    if (!(this.cfg.dropout > 0)) return;
    const L0 = this.shardLayers[0]!;
    for (let l = 0; l < L0.length; l++) {
      if (!L0[l]!.hidden) continue;
      sizes.forEach((B, s) => {
        const L = this.shardLayers[s]![l]!;
        fillDropoutMask(rng, B, L.nOut, this.cfg.dropout, L.mask!, L.outPad);
      });
    }
  }

  private optWeightDecay = 0;

  /** dZ of `L` from the gradient G w.r.t. its output A (stride = L.outPad). */
  private backActivation(L: Layer, G: Float32Array, B: number, Bp: number): void {
    const { outPad, nOut, Z, Y, dZ, mask } = L;
    const act = this.cfg.activation;
    dZ.fill(0, 0, Bp * outPad);
    for (let i = 0; i < B; i++) {
      const r = i * outPad;
      for (let j = 0; j < nOut; j++) {
        let g = G[r + j]!;
        if (mask) g *= mask[r + j]!;
        let d: number;
        switch (act) {
          case 'relu': d = Y[r + j]! > 0 ? 1 : 0; break;
          case 'tanh': { const y = Y[r + j]!; d = 1 - y * y; break; }
          case 'sigmoid': { const y = Y[r + j]!; d = y * (1 - y); break; }
          case 'elu': d = Z[r + j]! > 0 ? 1 : Y[r + j]! + 1; break;
        }
        dZ[r + j] = g * d;
      }
    }
    if (L.gamma) this.bnBackward(L, B);
  }

  /** In place: dZ holds dLoss/dH (H = gamma xhat + beta); replace by dLoss/dZ_linear. */
  private bnBackward(L: Layer, B: number): void {
    const { outPad, nOut, dZ } = L;
    const gamma = L.gamma!, xhat = L.xhat!, invStd = L.invStd!, dg = L.dgamma!, dbe = L.dbeta!;
    dg.fill(0);
    dbe.fill(0);
    for (let j = 0; j < nOut; j++) {
      let sd = 0, sdx = 0;
      for (let i = 0; i < B; i++) {
        const d = dZ[i * outPad + j]!;
        sd += d;
        sdx += d * xhat[i * outPad + j]!;
      }
      dg[j] = sdx;
      dbe[j] = sd;
      // dxhat = d * gamma; dz = invStd/B * (B dxhat - sum dxhat - xhat sum(dxhat xhat))
      const g = gamma[j]!, is = invStd[j]!;
      const s1 = sd * g, s2 = sdx * g;
      for (let i = 0; i < B; i++) {
        const idx = i * outPad + j;
        dZ[idx] = (is / B) * (B * dZ[idx]! * g - s1 - xhat[idx]! * s2);
      }
    }
  }

  private opt: OptimizerConfig = { kind: 'adam', lr: 1e-3, weightDecay: 0, momentum: 0.9 };

  setOptimizer(opt: OptimizerConfig): void {
    this.opt = opt;
    this.optWeightDecay = opt.weightDecay;
  }

  /**
   * One optimizer step with the gradients left by `backward`. Adam runs in the float32 kernel
   * (moments in float32, as torch.optim.Adam); SGD with momentum in JS (velocity in pM).
   */
  update(nShards = 1): void {
    this.step++;
    const { lr } = this.opt;
    const { pGrads, pValues, decayMask } = this;
    // Sum the shard gradients into shard 0's block, always in shard order.
    for (let s = 1; s < nShards; s++) {
      const g = this.grads[s]!;
      for (let i = 0; i < pGrads.length; i++) pGrads[i] = pGrads[i]! + g[i]!;
    }
    if (this.optWeightDecay > 0) {
      const wd = this.optWeightDecay;
      for (let i = 0; i < pGrads.length; i++) if (decayMask[i] === 1) pGrads[i] = pGrads[i]! + wd * pValues[i]!;
    }
    if (this.opt.kind === 'adam') {
      const b1 = 0.9, b2 = 0.999;
      this.arena.kernels.adam(this.pValues, this.pGrads, this.pM, this.pV, {
        b1, b2, eps: 1e-8, stepSize: lr / (1 - Math.pow(b1, this.step)), invSbc2: 1 / Math.sqrt(1 - Math.pow(b2, this.step)),
      });
    } else {
      const mu = this.opt.momentum;
      const { pM } = this;
      for (let i = 0; i < pValues.length; i++) {
        const mi = mu * pM[i]! + pGrads[i]!;
        pM[i] = mi;
        pValues[i] = pValues[i]! - lr * mi;
      }
    }
  }

  /** All parameter values (for tests: finite-difference gradient checks). */
  paramSlots(): readonly { value: Float32Array; grad: Float32Array }[] {
    return [{ value: this.pValues, grad: this.pGrads }];
  }

  /** Copies the current parameters (for early stopping's "best so far"). */
  snapshot(): Float64Array[] {
    const out = [Float64Array.from(this.pValues)];
    for (const L of this.layers) {
      if (L.runMean) out.push(Float64Array.from(L.runMean), Float64Array.from(L.runVar!));
    }
    return out;
  }

  restore(snap: Float64Array[]): void {
    let k = 0;
    this.pValues.set(snap[k++]!);
    for (const L of this.layers) {
      if (L.runMean) {
        L.runMean.set(snap[k++]!);
        L.runVar!.set(snap[k++]!);
      }
    }
  }

  toParams(): NetParams {
    return {
      layers: this.layers.map((L) => {
        const w: number[] = [];
        for (let i = 0; i < L.nIn; i++) for (let j = 0; j < L.nOut; j++) w.push(L.W[i * L.outPad + j]!);
        const cut = (a: ArrayLike<number>) => Array.from({ length: L.nOut }, (_, j) => a[j]!);
        return {
          w, b: cut(L.b),
          ...(L.gamma ? {
            gamma: cut(L.gamma), beta: cut(L.beta!), runMean: cut(L.runMean!), runVar: cut(L.runVar!),
          } : {}),
        };
      }),
    };
  }

  loadParams(p: NetParams): void {
    if (p.layers.length !== this.layers.length) throw new Error(`mlp model: expected ${this.layers.length} layers, got ${p.layers.length}`);
    this.layers.forEach((L, l) => {
      const q = p.layers[l]!;
      if (q.w.length !== L.nIn * L.nOut || q.b.length !== L.nOut) throw new Error(`mlp model: layer ${l} has the wrong shape`);
      L.W.fill(0);
      for (let i = 0; i < L.nIn; i++) for (let j = 0; j < L.nOut; j++) L.W[i * L.outPad + j] = q.w[i * L.nOut + j]!;
      L.b.fill(0);
      L.b.set(q.b);
      if (L.gamma) {
        if (!q.gamma || !q.beta || !q.runMean || !q.runVar) throw new Error(`mlp model: layer ${l} lacks batchnorm parameters`);
        L.gamma.set(q.gamma); L.beta!.set(q.beta); L.runMean!.set(q.runMean); L.runVar!.set(q.runVar);
      }
    });
  }
}
