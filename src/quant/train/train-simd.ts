/**
 * The training pass's matrix products and attention on WebAssembly SIMD (train-simd.wat): the
 * whole pass runs 4.6x the plain-TS loops' speed on one core (npm run bench), and that speed
 * bounds how long quantization-aware tuning can run. Operands live in one arena of the module's
 * memory, sized once, so their views never detach and a pointer is just a view's byteOffset. f32x4 accumulation: results agree with the f64
 * temporaries of the TS twins (llama-grad.ts) to f32 rounding of the sums, not bit for bit, and
 * are the same on every run and thread.
 */
import { WASM_BASE64 } from './train-simd-bytes.js';

/** The part of the WebAssembly API used here (the project's TS libs leave it out). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

interface Exports {
  memory: WasmMemory;
  matmulNT(Y: number, X: number, W: number, T: number, nIn: number, nOut: number, acc: number): void;
  transpose(dst: number, src: number, rows: number, cols: number, stride: number): void;
  attnForward(
    P: number,
    ao: number,
    q: number,
    k: number,
    v: number,
    i0: number,
    T: number,
    pStride: number,
    dim: number,
    kvDim: number,
    nHeads: number,
    kvMul: number,
    head: number,
    scale: number,
  ): void;
  attnBackward(
    P: number,
    dao: number,
    q: number,
    k: number,
    v: number,
    dq: number,
    dk: number,
    dv: number,
    dP: number,
    T: number,
    pStride: number,
    dim: number,
    kvDim: number,
    nHeads: number,
    kvMul: number,
    head: number,
    scale: number,
  ): void;
}

/** The attention shape the kernels take: widths in floats (head a multiple of 4), P's stride. */
export interface AttentionShape {
  /** Rows and planes of P are this many floats apart (the longest sequence). */
  pStride: number;
  dim: number;
  kvDim: number;
  nHeads: number;
  kvMul: number;
  head: number;
  scale: number;
}

let compiled: object | null | undefined;

/** The compiled module, or null where this runtime has no WebAssembly SIMD. */
function simdModule(): object | null {
  if (compiled === undefined) {
    const bytes = Buffer.from(WASM_BASE64, 'base64');
    compiled = wasm && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  return compiled;
}

/** Whether SIMD kernels can run here. */
export function simdAvailable(): boolean {
  return simdModule() !== null;
}

const PAGE = 65536;
/** Arenas past this many bytes fall back to the TS loops (a 32-bit memory tops out at 4 GiB). */
const MAX_ARENA_BYTES = 2 ** 31;

/** Rounds n floats up to whole 16-byte lanes, so every view starts aligned. */
const lanes = (n: number): number => Math.ceil(n / 4) * 4;

/**
 * One instance of the kernels with an arena of `floats` float32s (planned by the caller: the sum
 * of lanes(n) over every alloc). Null when SIMD is unavailable or the arena would be too large.
 */
export class TrainSimd {
  private readonly k: Exports;
  private next = 0;

  private constructor(
    k: Exports,
    private readonly capacity: number,
  ) {
    this.k = k;
  }

  static create(floats: number): TrainSimd | null {
    const mod = simdModule();
    const bytes = floats * 4;
    if (!mod || !wasm || bytes > MAX_ARENA_BYTES) return null;
    const k = new wasm.Instance(mod, {}).exports as Exports;
    const have = k.memory.buffer.byteLength;
    if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / PAGE));
    return new TrainSimd(k, floats);
  }

  /** The float count an arena needs for views of these lengths. */
  static plan(lengths: readonly number[]): number {
    return lengths.reduce((s, n) => s + lanes(n), 0);
  }

  /** A zeroed view of n floats in the arena. */
  alloc(n: number): Float32Array {
    const at = this.next;
    if (at + lanes(n) > this.capacity) throw new RangeError(`TrainSimd arena of ${this.capacity} floats is full (planned too small)`);
    this.next += lanes(n);
    return new Float32Array(this.k.memory.buffer, at * 4, n);
  }

  /** Y[t,o] = Σ_i X[t,i] W[o,i] (nIn, nOut multiples of 4; all three views from this arena). */
  forward(Y: Float32Array, X: Float32Array, W: Float32Array, T: number, nIn: number, nOut: number): void {
    this.k.matmulNT(Y.byteOffset, X.byteOffset, W.byteOffset, T, nIn, nOut, 0);
  }

  /**
   * dX (+)= dY·W and dW += dYᵀ·X, from W's transpose WT (nIn × nOut) and two scratch views of at
   * least max(nIn, nOut) · ceil4(T) floats for the transposed operands.
   */
  backward(
    dX: Float32Array,
    accumulate: boolean,
    dW: Float32Array,
    dY: Float32Array,
    X: Float32Array,
    WT: Float32Array,
    T: number,
    nIn: number,
    nOut: number,
    sA: Float32Array,
    sB: Float32Array,
  ): void {
    const k = this.k;
    k.matmulNT(dX.byteOffset, dY.byteOffset, WT.byteOffset, T, nOut, nIn, accumulate ? 1 : 0);
    const Tp = lanes(T);
    k.transpose(sA.byteOffset, dY.byteOffset, T, nOut, Tp);
    k.transpose(sB.byteOffset, X.byteOffset, T, nIn, Tp);
    k.matmulNT(dW.byteOffset, sA.byteOffset, sB.byteOffset, nOut, Tp, nIn, 1);
  }

  /**
   * Causal grouped-query attention of one layer for the queries of positions i0 … T−1 (keys and
   * values of every earlier position in place): P (heads × pStride × pStride) receives the
   * probabilities, ao (positions × dim) the mixed values; q and k already rotated.
   */
  attention(P: Float32Array, ao: Float32Array, q: Float32Array, k: Float32Array, v: Float32Array, i0: number, T: number, a: AttentionShape): void {
    this.k.attnForward(
      P.byteOffset,
      ao.byteOffset,
      q.byteOffset,
      k.byteOffset,
      v.byteOffset,
      i0,
      T,
      a.pStride,
      a.dim,
      a.kvDim,
      a.nHeads,
      a.kvMul,
      a.head,
      a.scale,
    );
  }

  /** attention's reverse: adds into dq, dk and dv from dao; dP is T floats of scratch. */
  attentionBackward(
    P: Float32Array,
    dao: Float32Array,
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    dq: Float32Array,
    dk: Float32Array,
    dv: Float32Array,
    dP: Float32Array,
    T: number,
    a: AttentionShape,
  ): void {
    this.k.attnBackward(
      P.byteOffset,
      dao.byteOffset,
      q.byteOffset,
      k.byteOffset,
      v.byteOffset,
      dq.byteOffset,
      dk.byteOffset,
      dv.byteOffset,
      dP.byteOffset,
      T,
      a.pStride,
      a.dim,
      a.kvDim,
      a.nHeads,
      a.kvMul,
      a.head,
      a.scale,
    );
  }

  /** dst (cols × rows) = srcᵀ (src rows × cols). */
  transpose(dst: Float32Array, src: Float32Array, rows: number, cols: number): void {
    this.k.transpose(dst.byteOffset, src.byteOffset, rows, cols, rows);
  }
}

/** ceil(n / 4) · 4: the padded length matmulNT sums over. */
export const padToLanes = lanes;
