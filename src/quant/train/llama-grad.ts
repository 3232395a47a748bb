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
import type { LlamaConfig, LlamaModel } from '../model/llama.js';
import { ropeTables, rotatePairs } from '../model/batched-forward.js';

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
function linearForward(Y: Float32Array, X: Float32Array, W: Float32Array, T: number, nIn: number, nOut: number): void {
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
function linearBackward(dX: Float32Array, accumulate: boolean, dW: Float32Array, dY: Float32Array, X: Float32Array, W: Float32Array, T: number, nIn: number, nOut: number): void {
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

export class LlamaGrad {
  /** Logits of the last forward, T × vocab. */
  readonly logits: Float32Array;
  private readonly layers: LayerCache[];
  private readonly xF: Float32Array;
  private readonly rF: Float64Array;
  private readonly xnF: Float32Array;
  private readonly tokens: Int32Array;
  private T = 0;
  // Backward scratch.
  private readonly dx: Float32Array;
  private readonly dxn: Float32Array;
  private readonly dq: Float32Array;
  private readonly dk: Float32Array;
  private readonly dv: Float32Array;
  private readonly dao: Float32Array;
  private readonly dg: Float32Array;
  private readonly dh1: Float32Array;
  private readonly dh3: Float32Array;
  private readonly dP: Float64Array;
  private readonly cos: Float32Array;
  private readonly sin: Float32Array;

  constructor(readonly config: LlamaConfig, readonly maxT: number) {
    const c = config;
    if (!Number.isInteger(maxT) || maxT < 1 || maxT > c.seqLen) throw new QuantInputError('LlamaGrad', `sequence length ${maxT} must be 1 … ${c.seqLen}`);
    const head = c.dim / c.nHeads;
    const kvDim = head * c.nKvHeads;
    const T = maxT;
    this.layers = Array.from({ length: c.nLayers }, () => ({
      xIn: new Float32Array(T * c.dim),
      r1: new Float64Array(T),
      xn1: new Float32Array(T * c.dim),
      q: new Float32Array(T * c.dim),
      k: new Float32Array(T * kvDim),
      v: new Float32Array(T * kvDim),
      P: new Float32Array(c.nHeads * T * T),
      ao: new Float32Array(T * c.dim),
      xMid: new Float32Array(T * c.dim),
      r2: new Float64Array(T),
      xn2: new Float32Array(T * c.dim),
      h1: new Float32Array(T * c.hiddenDim),
      h3: new Float32Array(T * c.hiddenDim),
      g: new Float32Array(T * c.hiddenDim),
    }));
    this.xF = new Float32Array(T * c.dim);
    this.rF = new Float64Array(T);
    this.xnF = new Float32Array(T * c.dim);
    this.logits = new Float32Array(T * c.vocabSize);
    this.tokens = new Int32Array(T);
    this.dx = new Float32Array(T * c.dim);
    this.dxn = new Float32Array(T * c.dim);
    this.dq = new Float32Array(T * c.dim);
    this.dk = new Float32Array(T * kvDim);
    this.dv = new Float32Array(T * kvDim);
    this.dao = new Float32Array(T * c.dim);
    this.dg = new Float32Array(T * c.hiddenDim);
    this.dh1 = new Float32Array(T * c.hiddenDim);
    this.dh3 = new Float32Array(T * c.hiddenDim);
    this.dP = new Float64Array(T);
    ({ cos: this.cos, sin: this.sin } = ropeTables(c.seqLen, head));
  }

  /** Runs tokens[0 … T−1] from position 0; logits[t] predicts token t + 1. */
  forward(model: LlamaModel, tokens: ArrayLike<number>, T: number): Float32Array {
    const c = this.config;
    if (!Number.isInteger(T) || T < 1 || T > this.maxT || T > tokens.length) throw new QuantInputError('LlamaGrad', `sequence length ${T} must be 1 … ${Math.min(this.maxT, tokens.length)}`);
    const dim = c.dim;
    const head = dim / c.nHeads;
    const kvDim = head * c.nKvHeads;
    const kvMul = c.nHeads / c.nKvHeads;
    const hidden = c.hiddenDim;
    const scale = 1 / Math.sqrt(head);
    this.T = T;
    const x = this.dx; // the residual stream; dx is free until backward
    for (let t = 0; t < T; t++) {
      const tok = tokens[t];
      if (!(Number.isInteger(tok) && tok >= 0 && tok < c.vocabSize)) throw new QuantInputError('LlamaGrad', `token ${tok} is outside the vocabulary of ${c.vocabSize}`);
      this.tokens[t] = tok;
      x.set(model.tokenEmbedding.subarray(tok * dim, (tok + 1) * dim), t * dim);
    }
    for (let l = 0; l < c.nLayers; l++) {
      const L = model.layers[l];
      const C = this.layers[l];
      C.xIn.set(x.subarray(0, T * dim));
      rmsnormForward(C.xn1, C.r1, x, L.attnNorm, T, dim);
      linearForward(C.q, C.xn1, L.wq, T, dim, dim);
      linearForward(C.k, C.xn1, L.wk, T, dim, kvDim);
      linearForward(C.v, C.xn1, L.wv, T, dim, kvDim);
      for (let pos = 0; pos < T; pos++) {
        rotatePairs(C.q, pos * dim, dim, head, this.cos, this.sin, pos, 1);
        rotatePairs(C.k, pos * kvDim, kvDim, head, this.cos, this.sin, pos, 1);
      }
      for (let h = 0; h < c.nHeads; h++) {
        const kvo = ((h / kvMul) | 0) * head;
        for (let i = 0; i < T; i++) {
          const qo = i * dim + h * head;
          const po = (h * T + i) * T;
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
      linearForward(this.dxn, C.ao, L.wo, T, dim, dim);
      for (let i = 0; i < T * dim; i++) x[i] += this.dxn[i];
      C.xMid.set(x.subarray(0, T * dim));
      rmsnormForward(C.xn2, C.r2, x, L.ffnNorm, T, dim);
      linearForward(C.h1, C.xn2, L.w1, T, dim, hidden);
      linearForward(C.h3, C.xn2, L.w3, T, dim, hidden);
      for (let i = 0; i < T * hidden; i++) {
        const h1 = C.h1[i];
        C.g[i] = (h1 / (1 + Math.exp(-h1))) * C.h3[i];
      }
      linearForward(this.dxn, C.g, L.w2, T, hidden, dim);
      for (let i = 0; i < T * dim; i++) x[i] += this.dxn[i];
    }
    this.xF.set(x.subarray(0, T * dim));
    rmsnormForward(this.xnF, this.rF, this.xF, model.finalNorm, T, dim);
    linearForward(this.logits, this.xnF, model.wcls, T, dim, c.vocabSize);
    return this.logits;
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
    const { dx, dxn, dq, dk, dv, dao, dg, dh1, dh3, dP } = this;

    linearBackward(dxn, false, grads.wcls, dLogits, this.xnF, model.wcls, T, dim, c.vocabSize);
    dx.fill(0, 0, T * dim);
    rmsnormBackward(dx, grads.finalNorm, dxn, this.xF, this.rF, model.finalNorm, T, dim);

    for (let l = c.nLayers - 1; l >= 0; l--) {
      const L = model.layers[l];
      const G = grads.layers[l];
      const C = this.layers[l];
      // x_out = xMid + W2·g
      linearBackward(dg, false, G.w2, dx, C.g, L.w2, T, hidden, dim);
      for (let i = 0; i < T * hidden; i++) {
        const z = C.h1[i];
        const sg = 1 / (1 + Math.exp(-z));
        dh3[i] = dg[i] * z * sg;
        dh1[i] = dg[i] * C.h3[i] * sg * (1 + z * (1 - sg));
      }
      linearBackward(dxn, false, G.w1, dh1, C.xn2, L.w1, T, dim, hidden);
      linearBackward(dxn, true, G.w3, dh3, C.xn2, L.w3, T, dim, hidden);
      rmsnormBackward(dx, G.ffnNorm, dxn, C.xMid, C.r2, L.ffnNorm, T, dim);
      // xMid = xIn + Wo·ao
      linearBackward(dao, false, G.wo, dx, C.ao, L.wo, T, dim, dim);
      dq.fill(0, 0, T * dim);
      dk.fill(0, 0, T * kvDim);
      dv.fill(0, 0, T * kvDim);
      for (let h = 0; h < c.nHeads; h++) {
        const kvo = ((h / kvMul) | 0) * head;
        for (let i = 0; i < T; i++) {
          const qo = i * dim + h * head;
          const po = (h * T + i) * T;
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
      // RoPE is a rotation: its transpose rotates back.
      for (let pos = 0; pos < T; pos++) {
        rotatePairs(dq, pos * dim, dim, head, this.cos, this.sin, pos, -1);
        rotatePairs(dk, pos * kvDim, kvDim, head, this.cos, this.sin, pos, -1);
      }
      linearBackward(dxn, false, G.wq, dq, C.xn1, L.wq, T, dim, dim);
      linearBackward(dxn, true, G.wk, dk, C.xn1, L.wk, T, dim, kvDim);
      linearBackward(dxn, true, G.wv, dv, C.xn1, L.wv, T, dim, kvDim);
      rmsnormBackward(dx, G.attnNorm, dxn, C.xIn, C.r1, L.attnNorm, T, dim);
    }
    for (let t = 0; t < T; t++) {
      const o = this.tokens[t] * dim;
      for (let i = 0; i < dim; i++) grads.tokenEmbedding[o + i] += dx[t * dim + i];
    }
  }
}

/** A zeroed model-shaped gradient buffer (classifier shared with the embedding when the model's is). */
export function zeroGrads(model: LlamaModel): LlamaModel {
  const z = (a: Float32Array): Float32Array => new Float32Array(a.length);
  const tokenEmbedding = z(model.tokenEmbedding);
  return {
    config: { ...model.config },
    tokenEmbedding,
    layers: model.layers.map((L) => ({ attnNorm: z(L.attnNorm), wq: z(L.wq), wk: z(L.wk), wv: z(L.wv), wo: z(L.wo), ffnNorm: z(L.ffnNorm), w1: z(L.w1), w2: z(L.w2), w3: z(L.w3) })),
    finalNorm: z(model.finalNorm),
    wcls: model.config.sharedClassifier ? tokenEmbedding : z(model.wcls),
  };
}
