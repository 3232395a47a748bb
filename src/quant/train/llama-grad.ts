/**
 * The llama2.c forward pass over one sequence with every activation kept, and its exact reverse
 * pass: gradients of a loss on the logits with respect to every parameter (embedding, norms,
 * linear layers, classifier). This is what quantization-aware fine-tuning needs and the
 * inference paths (transformer.ts, batched-forward.ts) deliberately do not keep.
 *
 * The arithmetic follows Transformer's (RMSNorm eps 1e-5, run.c's float RoPE angles, grouped-query
 * causal attention, SwiGLU), in f64 temporaries stored to f32, so logits agree with it to f32
 * rounding. Buffers are sized once for the longest sequence; forward and backward allocate nothing.
 * Memory is O(layers · T · (dim + hidden) + layers · heads · T²): meant for the small models whose
 * 3-bit loss needs tuning, not for billions of parameters.
 */
import { QuantInputError } from '../errors.js';
import { LINEAR_NAMES, type LinearName, type LlamaConfig, type LlamaModel } from '../model/llama.js';
import { ropeTables, rotatePairs } from '../model/batched-forward.js';
import { padToLanes, TrainSimd, type AttentionShape } from './train-simd.js';

const EPS = 1e-5;

interface LayerCache {
  xIn: Float32Array;
  r1: Float64Array;
  xn1: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  /** Attention probabilities, [head][query][key], keys ≤ query used. */
  P: Float32Array;
  ao: Float32Array;
  xMid: Float32Array;
  r2: Float64Array;
  xn2: Float32Array;
  h1: Float32Array;
  h3: Float32Array;
  g: Float32Array;
}

/** Y[t,o] = Σ_i X[t,i] W[o,i], four outputs per pass over the input row. */
export function linearForward(Y: Float32Array, X: Float32Array, W: Float32Array, T: number, nIn: number, nOut: number): void {
  const o4 = nOut - (nOut % 4);
  for (let t = 0; t < T; t++) {
    const xo = t * nIn;
    const yo = t * nOut;
    let o = 0;
    for (; o < o4; o += 4) {
      const w0 = o * nIn;
      const w1 = w0 + nIn;
      const w2 = w1 + nIn;
      const w3 = w2 + nIn;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < nIn; i++) {
        const x = X[xo + i];
        s0 += x * W[w0 + i];
        s1 += x * W[w1 + i];
        s2 += x * W[w2 + i];
        s3 += x * W[w3 + i];
      }
      Y[yo + o] = s0;
      Y[yo + o + 1] = s1;
      Y[yo + o + 2] = s2;
      Y[yo + o + 3] = s3;
    }
    for (; o < nOut; o++) {
      const wo = o * nIn;
      let s = 0;
      for (let i = 0; i < nIn; i++) s += X[xo + i] * W[wo + i];
      Y[yo + o] = s;
    }
  }
}

/** dX[t,i] (+)= Σ_o dY[t,o] W[o,i]; dW[o,i] += Σ_t dY[t,o] X[t,i]. Four rows of the sum per pass. */
export function linearBackward(
  dX: Float32Array,
  accumulate: boolean,
  dW: Float32Array,
  dY: Float32Array,
  X: Float32Array,
  W: Float32Array,
  T: number,
  nIn: number,
  nOut: number,
): void {
  if (!accumulate) dX.fill(0, 0, T * nIn);
  const o4 = nOut - (nOut % 4);
  for (let t = 0; t < T; t++) {
    const xo = t * nIn;
    const yo = t * nOut;
    let o = 0;
    for (; o < o4; o += 4) {
      const d0 = dY[yo + o];
      const d1 = dY[yo + o + 1];
      const d2 = dY[yo + o + 2];
      const d3 = dY[yo + o + 3];
      const w0 = o * nIn;
      const w1 = w0 + nIn;
      const w2 = w1 + nIn;
      const w3 = w2 + nIn;
      for (let i = 0; i < nIn; i++) dX[xo + i] += d0 * W[w0 + i] + d1 * W[w1 + i] + d2 * W[w2 + i] + d3 * W[w3 + i];
    }
    for (; o < nOut; o++) {
      const d = dY[yo + o];
      const wo = o * nIn;
      for (let i = 0; i < nIn; i++) dX[xo + i] += d * W[wo + i];
    }
  }
  const t4 = T - (T % 4);
  for (let o = 0; o < nOut; o++) {
    const wo = o * nIn;
    let t = 0;
    for (; t < t4; t += 4) {
      const e0 = dY[t * nOut + o];
      const e1 = dY[(t + 1) * nOut + o];
      const e2 = dY[(t + 2) * nOut + o];
      const e3 = dY[(t + 3) * nOut + o];
      const x0 = t * nIn;
      const x1 = x0 + nIn;
      const x2 = x1 + nIn;
      const x3 = x2 + nIn;
      for (let i = 0; i < nIn; i++) dW[wo + i] += e0 * X[x0 + i] + e1 * X[x1 + i] + e2 * X[x2 + i] + e3 * X[x3 + i];
    }
    for (; t < T; t++) {
      const e = dY[t * nOut + o];
      const xo = t * nIn;
      for (let i = 0; i < nIn; i++) dW[wo + i] += e * X[xo + i];
    }
  }
}

function rmsnormForward(out: Float32Array, r: Float64Array, x: Float32Array, w: Float32Array, T: number, n: number): void {
  for (let t = 0; t < T; t++) {
    const o = t * n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += x[o + i] * x[o + i];
    const s = 1 / Math.sqrt(ss / n + EPS);
    r[t] = s;
    for (let i = 0; i < n; i++) out[o + i] = w[i] * (s * x[o + i]);
  }
}

/** y = w ⊙ r·x with r = (mean x² + eps)^−½: dx += r·w⊙dy − (r³/n)·x·Σ(dy⊙w⊙x); dw += Σ_t dy ⊙ r·x. */
function rmsnormBackward(dx: Float32Array, dw: Float32Array, dy: Float32Array, x: Float32Array, r: Float64Array, w: Float32Array, T: number, n: number): void {
  for (let t = 0; t < T; t++) {
    const o = t * n;
    const s = r[t];
    let dot = 0;
    for (let i = 0; i < n; i++) {
      dot += dy[o + i] * w[i] * x[o + i];
      dw[i] += dy[o + i] * s * x[o + i];
    }
    const c = (s * s * s * dot) / n;
    for (let i = 0; i < n; i++) dx[o + i] += s * w[i] * dy[o + i] - c * x[o + i];
  }
}

/** A linear weight in the SIMD arena: a copy of it, its transpose, and its gradient. */
interface SimdMatrix {
  w: Float32Array;
  wt: Float32Array;
  dw: Float32Array;
}

/** Whether the SIMD kernels' shapes (every width a multiple of 4) hold for this model. */
function simdShapes(c: LlamaConfig): boolean {
  const kvDim = (c.dim / c.nHeads) * c.nKvHeads;
  return [c.dim / c.nHeads, c.dim, kvDim, c.hiddenDim, c.vocabSize].every((n) => n % 4 === 0);
}

/** Floats of each transposed operand in SIMD backward: the widest matrix side times T padded. */
function scratchFloats(c: LlamaConfig, T: number): number {
  return Math.max(c.dim, c.hiddenDim, c.vocabSize) * padToLanes(T);
}

/** Every buffer of the pass; the f32 ones live in the SIMD arena when the kernels run. */
interface Buffers {
  layers: LayerCache[];
  xF: Float32Array;
  rF: Float64Array;
  xnF: Float32Array;
  logits: Float32Array;
  tokens: Int32Array;
  // Backward scratch.
  dx: Float32Array;
  dxn: Float32Array;
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
  dao: Float32Array;
  dg: Float32Array;
  dh1: Float32Array;
  dh3: Float32Array;
  dP: Float64Array;
  /** SIMD only: per layer, copies of the linear weights, their transposes and their gradients. */
  wc: Record<LinearName, SimdMatrix>[];
  wcls: SimdMatrix | null;
  dLogits: Float32Array | null;
  scratchA: Float32Array | null;
  scratchB: Float32Array | null;
  dPf: Float32Array | null;
}

/**
 * Draws every buffer for sequences of up to T tokens, the kernels' views from `f32` in one fixed
 * order: run once with a counting `f32` to plan the arena, then with the arena's alloc, so the plan
 * cannot drift from what is drawn.
 */
function allocateBuffers(c: LlamaConfig, T: number, f32: (n: number) => Float32Array, simd: boolean): Buffers {
  const kvDim = (c.dim / c.nHeads) * c.nKvHeads;
  const layers = Array.from({ length: c.nLayers }, () => ({
    xIn: new Float32Array(T * c.dim),
    r1: new Float64Array(T),
    xn1: f32(T * c.dim),
    q: f32(T * c.dim),
    k: f32(T * kvDim),
    v: f32(T * kvDim),
    P: f32(c.nHeads * T * T),
    ao: f32(T * c.dim),
    xMid: new Float32Array(T * c.dim),
    r2: new Float64Array(T),
    xn2: f32(T * c.dim),
    h1: f32(T * c.hiddenDim),
    h3: f32(T * c.hiddenDim),
    g: f32(T * c.hiddenDim),
  }));
  const b: Buffers = {
    layers,
    xF: new Float32Array(T * c.dim),
    rF: new Float64Array(T),
    xnF: f32(T * c.dim),
    logits: f32(T * c.vocabSize),
    tokens: new Int32Array(T),
    dx: f32(T * c.dim),
    dxn: f32(T * c.dim),
    dq: f32(T * c.dim),
    dk: f32(T * kvDim),
    dv: f32(T * kvDim),
    dao: f32(T * c.dim),
    dg: f32(T * c.hiddenDim),
    dh1: f32(T * c.hiddenDim),
    dh3: f32(T * c.hiddenDim),
    dP: new Float64Array(T),
    wc: [],
    wcls: null,
    dLogits: null,
    scratchA: null,
    scratchB: null,
    dPf: null,
  };
  if (simd) {
    const weights = (n: number): SimdMatrix => ({ w: f32(n), wt: f32(n), dw: f32(n) });
    for (let l = 0; l < c.nLayers; l++) {
      b.wc.push({
        wq: weights(c.dim * c.dim),
        wk: weights(kvDim * c.dim),
        wv: weights(kvDim * c.dim),
        wo: weights(c.dim * c.dim),
        w1: weights(c.hiddenDim * c.dim),
        w2: weights(c.dim * c.hiddenDim),
        w3: weights(c.hiddenDim * c.dim),
      });
    }
    b.wcls = weights(c.vocabSize * c.dim);
    b.dLogits = f32(T * c.vocabSize);
    b.scratchA = f32(scratchFloats(c, T));
    b.scratchB = f32(scratchFloats(c, T));
    b.dPf = f32(T);
  }
  return b;
}

export class LlamaGrad {
  /** Logits of the last forward, T × vocab. */
  readonly logits: Float32Array;
  private readonly b: Buffers;
  private T = 0;
  private readonly cos: Float32Array;
  private readonly sin: Float32Array;
  /** The SIMD kernels and their arena, or null: the TS loops. */
  private readonly simd: TrainSimd | null;
  private readonly attn: AttentionShape;

  /** `simd: false` forces the plain-TS loops (the reference the SIMD kernels are tested against). */
  constructor(
    readonly config: LlamaConfig,
    readonly maxT: number,
    options: { simd?: boolean } = {},
  ) {
    const c = config;
    if (!Number.isInteger(maxT) || maxT < 1 || maxT > c.seqLen) throw new QuantInputError('LlamaGrad', `sequence length ${maxT} must be 1 … ${c.seqLen}`);
    const head = c.dim / c.nHeads;
    const T = maxT;
    let simd: TrainSimd | null = null;
    if (options.simd !== false && simdShapes(c)) {
      const lengths: number[] = [];
      allocateBuffers(c, T, (n) => (lengths.push(n), new Float32Array(0)), true);
      simd = TrainSimd.create(TrainSimd.plan(lengths));
    }
    this.simd = simd;
    this.b = allocateBuffers(c, T, simd ? (n) => simd.alloc(n) : (n) => new Float32Array(n), simd !== null);
    this.logits = this.b.logits;
    this.attn = { pStride: T, dim: c.dim, kvDim: head * c.nKvHeads, nHeads: c.nHeads, kvMul: c.nHeads / c.nKvHeads, head, scale: 1 / Math.sqrt(head) };
    ({ cos: this.cos, sin: this.sin } = ropeTables(c.seqLen, head));
  }

  /** Whether the WebAssembly SIMD kernels run this pass (false: the plain-TS loops). */
  get usesSimd(): boolean {
    return this.simd !== null;
  }

  /** Runs tokens[0 … T−1] from position 0; logits[t] predicts token t + 1. */
  forward(model: LlamaModel, tokens: ArrayLike<number>, T: number): Float32Array {
    if (!Number.isInteger(T) || T < 1 || T > this.maxT || T > tokens.length)
      throw new QuantInputError('LlamaGrad', `sequence length ${T} must be 1 … ${Math.min(this.maxT, tokens.length)}`);
    for (let t = 0; t < T; t++) this.b.tokens[t] = this.checkToken(tokens[t]);
    this.copyWeights(model);
    this.rows(model, 0, T);
    this.T = T;
    return this.logits;
  }

  /**
   * One position of an autoregressive run: the logits after `token` at `pos`, the positions
   * before it having been stepped with the same model (pos 0 starts a sequence). They equal
   * forward's on the same tokens exactly, since every row is computed by the same operations.
   */
  step(model: LlamaModel, token: number, pos: number): Float32Array {
    if (!Number.isInteger(pos) || pos < 0 || pos >= this.maxT || (pos > 0 && pos !== this.T))
      throw new QuantInputError('LlamaGrad', `step at position ${pos}: expected ${pos === 0 ? 0 : this.T} (positions in order, below ${this.maxT})`);
    this.b.tokens[pos] = this.checkToken(token);
    if (pos === 0) this.copyWeights(model);
    this.rows(model, pos, pos + 1);
    this.T = pos + 1;
    const V = this.config.vocabSize;
    return this.logits.subarray(pos * V, (pos + 1) * V);
  }

  private checkToken(tok: number): number {
    const V = this.config.vocabSize;
    if (!(Number.isInteger(tok) && tok >= 0 && tok < V)) throw new QuantInputError('LlamaGrad', `token ${tok} is outside the vocabulary of ${V}`);
    return tok;
  }

  private copyWeights(model: LlamaModel): void {
    if (!this.simd) return;
    this.b.wc.forEach((S, l) => LINEAR_NAMES.forEach((n) => S[n].w.set(model.layers[l][n])));
    this.b.wcls!.w.set(model.wcls);
  }

  /** The forward pass of positions t0 … t1−1 (this.b.tokens set; every earlier position's keys and values in place). */
  private rows(model: LlamaModel, t0: number, t1: number): void {
    const c = this.config;
    const dim = c.dim;
    const head = dim / c.nHeads;
    const kvDim = head * c.nKvHeads;
    const kvMul = c.nHeads / c.nKvHeads;
    const hidden = c.hiddenDim;
    const scale = 1 / Math.sqrt(head);
    const n = t1 - t0;
    const at = (a: Float32Array, width: number): Float32Array => a.subarray(t0 * width, t1 * width);
    const x = at(this.b.dx, dim); // the residual stream; dx is free until backward
    const dxn = at(this.b.dxn, dim);
    for (let t = t0; t < t1; t++) x.set(model.tokenEmbedding.subarray(this.b.tokens[t] * dim, (this.b.tokens[t] + 1) * dim), (t - t0) * dim);
    for (let l = 0; l < c.nLayers; l++) {
      const L = model.layers[l];
      const C = this.b.layers[l];
      const S = this.b.wc[l];
      at(C.xIn, dim).set(x);
      const xn1 = at(C.xn1, dim);
      rmsnormForward(xn1, C.r1.subarray(t0), x, L.attnNorm, n, dim);
      this.linear(at(C.q, dim), xn1, L.wq, S?.wq, n, dim, dim);
      this.linear(at(C.k, kvDim), xn1, L.wk, S?.wk, n, dim, kvDim);
      this.linear(at(C.v, kvDim), xn1, L.wv, S?.wv, n, dim, kvDim);
      for (let pos = t0; pos < t1; pos++) {
        rotatePairs(C.q, pos * dim, dim, head, this.cos, this.sin, pos, 1);
        rotatePairs(C.k, pos * kvDim, kvDim, head, this.cos, this.sin, pos, 1);
      }
      if (this.simd) this.simd.attention(C.P, C.ao, C.q, C.k, C.v, t0, t1, this.attn);
      else {
        for (let h = 0; h < c.nHeads; h++) {
          const kvo = ((h / kvMul) | 0) * head;
          for (let i = t0; i < t1; i++) {
            const qo = i * dim + h * head;
            const po = (h * this.maxT + i) * this.maxT;
            let max = -Infinity;
            for (let t = 0; t <= i; t++) {
              const kt = t * kvDim + kvo;
              let sc = 0;
              for (let d = 0; d < head; d++) sc += C.q[qo + d] * C.k[kt + d];
              sc *= scale;
              C.P[po + t] = sc;
              if (sc > max) max = sc;
            }
            let sum = 0;
            for (let t = 0; t <= i; t++) {
              const e = Math.exp(C.P[po + t] - max);
              C.P[po + t] = e;
              sum += e;
            }
            const inv = 1 / sum;
            for (let d = 0; d < head; d++) C.ao[qo + d] = 0;
            for (let t = 0; t <= i; t++) {
              const w = C.P[po + t] * inv;
              C.P[po + t] = w;
              const vt = t * kvDim + kvo;
              for (let d = 0; d < head; d++) C.ao[qo + d] += w * C.v[vt + d];
            }
          }
        }
      }
      this.linear(dxn, at(C.ao, dim), L.wo, S?.wo, n, dim, dim);
      for (let i = 0; i < n * dim; i++) x[i] += dxn[i];
      at(C.xMid, dim).set(x);
      const xn2 = at(C.xn2, dim);
      rmsnormForward(xn2, C.r2.subarray(t0), x, L.ffnNorm, n, dim);
      const h1s = at(C.h1, hidden);
      const h3s = at(C.h3, hidden);
      const gs = at(C.g, hidden);
      this.linear(h1s, xn2, L.w1, S?.w1, n, dim, hidden);
      this.linear(h3s, xn2, L.w3, S?.w3, n, dim, hidden);
      for (let i = 0; i < n * hidden; i++) {
        const h1 = h1s[i];
        gs[i] = (h1 / (1 + Math.exp(-h1))) * h3s[i];
      }
      this.linear(dxn, gs, L.w2, S?.w2, n, hidden, dim);
      for (let i = 0; i < n * dim; i++) x[i] += dxn[i];
    }
    at(this.b.xF, dim).set(x);
    const xnF = at(this.b.xnF, dim);
    rmsnormForward(xnF, this.b.rF.subarray(t0), x, model.finalNorm, n, dim);
    this.linear(at(this.logits, c.vocabSize), xnF, model.wcls, this.b.wcls ?? undefined, n, dim, c.vocabSize);
  }

  /** Y = X·Wᵀ: on the SIMD kernels from W's copy m when there are any, else the TS loops. */
  private linear(Y: Float32Array, X: Float32Array, W: Float32Array, m: SimdMatrix | undefined, T: number, nIn: number, nOut: number): void {
    if (this.simd && m) this.simd.forward(Y, X, m.w, T, nIn, nOut);
    else linearForward(Y, X, W, T, nIn, nOut);
  }

  /** linearBackward on the SIMD kernels (dW into m.dw, added to the caller's gradient at the end of backward) or the TS loops (dW straight into G). */
  private linearBack(
    dX: Float32Array,
    accumulate: boolean,
    G: Float32Array,
    dY: Float32Array,
    X: Float32Array,
    W: Float32Array,
    m: SimdMatrix | undefined,
    T: number,
    nIn: number,
    nOut: number,
  ): void {
    if (this.simd && m) this.simd.backward(dX, accumulate, m.dw, dY, X, m.wt, T, nIn, nOut, this.b.scratchA!, this.b.scratchB!);
    else linearBackward(dX, accumulate, G, dY, X, W, T, nIn, nOut);
  }

  /** The SIMD matrices with their [rows, columns] and the model's and gradient's arrays. */
  private simdMatrices(model: LlamaModel, grads: LlamaModel): { m: SimdMatrix; w: Float32Array; g: Float32Array; rows: number; cols: number }[] {
    const c = this.config;
    const kvDim = (c.dim / c.nHeads) * c.nKvHeads;
    const shape: Record<LinearName, [number, number]> = {
      wq: [c.dim, c.dim],
      wk: [kvDim, c.dim],
      wv: [kvDim, c.dim],
      wo: [c.dim, c.dim],
      w1: [c.hiddenDim, c.dim],
      w2: [c.dim, c.hiddenDim],
      w3: [c.hiddenDim, c.dim],
    };
    const out = this.b.wc.flatMap((S, l) =>
      LINEAR_NAMES.map((n) => ({ m: S[n], w: model.layers[l][n], g: grads.layers[l][n], rows: shape[n][0], cols: shape[n][1] })),
    );
    if (this.b.wcls) out.push({ m: this.b.wcls, w: model.wcls, g: grads.wcls, rows: c.vocabSize, cols: c.dim });
    return out;
  }

  /**
   * Adds to `grads` (a model-shaped set of arrays, its wcls the same array as its tokenEmbedding
   * when the classifier is shared) the gradient of a loss whose gradient on the last forward's
   * logits is dLogits (T × vocab).
   */
  backward(model: LlamaModel, dLogits: Float32Array, grads: LlamaModel): void {
    const c = this.config;
    const T = this.T;
    if (T === 0) throw new QuantInputError('LlamaGrad', 'backward before forward');
    const dim = c.dim;
    const head = dim / c.nHeads;
    const kvDim = head * c.nKvHeads;
    const kvMul = c.nHeads / c.nKvHeads;
    const hidden = c.hiddenDim;
    const scale = 1 / Math.sqrt(head);
    const { dx, dxn, dq, dk, dv, dao, dg, dh1, dh3, dP } = this.b;

    const simdMatrices = this.simd ? this.simdMatrices(model, grads) : [];
    for (const { m, w, rows, cols } of simdMatrices) {
      m.w.set(w);
      this.simd!.transpose(m.wt, m.w, rows, cols);
      m.dw.fill(0);
    }
    let dL = dLogits;
    if (this.b.dLogits) {
      this.b.dLogits.set(dLogits.subarray(0, T * c.vocabSize));
      dL = this.b.dLogits;
    }
    this.linearBack(dxn, false, grads.wcls, dL, this.b.xnF, model.wcls, this.b.wcls ?? undefined, T, dim, c.vocabSize);
    dx.fill(0, 0, T * dim);
    rmsnormBackward(dx, grads.finalNorm, dxn, this.b.xF, this.b.rF, model.finalNorm, T, dim);

    for (let l = c.nLayers - 1; l >= 0; l--) {
      const L = model.layers[l];
      const G = grads.layers[l];
      const C = this.b.layers[l];
      const S = this.b.wc[l];
      // x_out = xMid + W2·g
      this.linearBack(dg, false, G.w2, dx, C.g, L.w2, S?.w2, T, hidden, dim);
      for (let i = 0; i < T * hidden; i++) {
        const z = C.h1[i];
        const sg = 1 / (1 + Math.exp(-z));
        dh3[i] = dg[i] * z * sg;
        dh1[i] = dg[i] * C.h3[i] * sg * (1 + z * (1 - sg));
      }
      this.linearBack(dxn, false, G.w1, dh1, C.xn2, L.w1, S?.w1, T, dim, hidden);
      this.linearBack(dxn, true, G.w3, dh3, C.xn2, L.w3, S?.w3, T, dim, hidden);
      rmsnormBackward(dx, G.ffnNorm, dxn, C.xMid, C.r2, L.ffnNorm, T, dim);
      // xMid = xIn + Wo·ao
      this.linearBack(dao, false, G.wo, dx, C.ao, L.wo, S?.wo, T, dim, dim);
      dq.fill(0, 0, T * dim);
      dk.fill(0, 0, T * kvDim);
      dv.fill(0, 0, T * kvDim);
      if (this.simd) this.simd.attentionBackward(C.P, dao, C.q, C.k, C.v, dq, dk, dv, this.b.dPf!, T, this.attn);
      else {
        for (let h = 0; h < c.nHeads; h++) {
          const kvo = ((h / kvMul) | 0) * head;
          for (let i = 0; i < T; i++) {
            const qo = i * dim + h * head;
            const po = (h * this.maxT + i) * this.maxT;
            let mean = 0;
            for (let t = 0; t <= i; t++) {
              const vt = t * kvDim + kvo;
              const p = C.P[po + t];
              let s = 0;
              for (let d = 0; d < head; d++) {
                s += dao[qo + d] * C.v[vt + d];
                dv[vt + d] += p * dao[qo + d];
              }
              dP[t] = s;
              mean += p * s;
            }
            for (let t = 0; t <= i; t++) {
              const ds = C.P[po + t] * (dP[t] - mean) * scale;
              if (ds === 0) continue;
              const kt = t * kvDim + kvo;
              for (let d = 0; d < head; d++) {
                dq[qo + d] += ds * C.k[kt + d];
                dk[kt + d] += ds * C.q[qo + d];
              }
            }
          }
        }
      }
      // RoPE is a rotation: its transpose rotates back.
      for (let pos = 0; pos < T; pos++) {
        rotatePairs(dq, pos * dim, dim, head, this.cos, this.sin, pos, -1);
        rotatePairs(dk, pos * kvDim, kvDim, head, this.cos, this.sin, pos, -1);
      }
      this.linearBack(dxn, false, G.wq, dq, C.xn1, L.wq, S?.wq, T, dim, dim);
      this.linearBack(dxn, true, G.wk, dk, C.xn1, L.wk, S?.wk, T, dim, kvDim);
      this.linearBack(dxn, true, G.wv, dv, C.xn1, L.wv, S?.wv, T, dim, kvDim);
      rmsnormBackward(dx, G.attnNorm, dxn, C.xIn, C.r1, L.attnNorm, T, dim);
    }
    for (let t = 0; t < T; t++) {
      const o = this.b.tokens[t] * dim;
      for (let i = 0; i < dim; i++) grads.tokenEmbedding[o + i] += dx[t * dim + i];
    }
    for (const { m, g } of simdMatrices) for (let i = 0; i < g.length; i++) g[i] += m.dw[i];
  }
}

/** A zeroed model-shaped gradient buffer (classifier shared with the embedding when the model's is). */
export function zeroGrads(model: LlamaModel): LlamaModel {
  const z = (a: Float32Array): Float32Array => new Float32Array(a.length);
  const tokenEmbedding = z(model.tokenEmbedding);
  return {
    config: { ...model.config },
    tokenEmbedding,
    layers: model.layers.map((L) => ({
      attnNorm: z(L.attnNorm),
      wq: z(L.wq),
      wk: z(L.wk),
      wv: z(L.wv),
      wo: z(L.wo),
      ffnNorm: z(L.ffnNorm),
      w1: z(L.w1),
      w2: z(L.w2),
      w3: z(L.w3),
    })),
    finalNorm: z(model.finalNorm),
    wcls: model.config.sharedClassifier ? tokenEmbedding : z(model.wcls),
  };
}
