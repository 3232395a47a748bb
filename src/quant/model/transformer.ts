/**
 * The llama2.c forward pass in TypeScript (RMSNorm eps 1e-5, RoPE on pairs within each head,
 * grouped-query attention with a KV cache, SwiGLU), one token at a time as run.c does it. Every
 * buffer is allocated once per Transformer; the per-token loop allocates nothing. Weights are read
 * from the LlamaModel on every call, so a quantizer can swap layers and run again.
 */
import { QuantInputError } from '../errors.js';
import type { LlamaModel, LinearName } from './llama.js';

/** Positions allocated up front; more as a text runs longer (doubling, up to the model's context). */
const INITIAL_POSITIONS = 256;

/** Called with the input vector of each linear layer (one call per matrix name, shared inputs too). */
export type LinearInputHook = (layer: number, name: LinearName, x: Float32Array) => void;

export class Transformer {
  private readonly x: Float32Array;
  private readonly xb: Float32Array;
  private readonly xb2: Float32Array;
  private readonly hb: Float32Array;
  private readonly hb2: Float32Array;
  private readonly q: Float32Array;
  private readonly k: Float32Array;
  private readonly v: Float32Array;
  private att: Float32Array;
  readonly logits: Float32Array;
  private keyCache: Float32Array;
  private valueCache: Float32Array;
  private ropeCos: Float32Array;
  private ropeSin: Float32Array;
  /** Positions the caches hold now: grown on demand up to seqLen, so memory follows the text, not the context a header claims. */
  private capacity = 0;
  private hook: LinearInputHook | undefined;

  constructor(readonly model: LlamaModel) {
    const c = model.config;
    const kvDim = (c.dim / c.nHeads) * c.nKvHeads;
    this.x = new Float32Array(c.dim);
    this.xb = new Float32Array(c.dim);
    this.xb2 = new Float32Array(c.dim);
    this.hb = new Float32Array(c.hiddenDim);
    this.hb2 = new Float32Array(c.hiddenDim);
    this.q = new Float32Array(c.dim);
    this.k = new Float32Array(kvDim);
    this.v = new Float32Array(kvDim);
    this.att = new Float32Array(0);
    this.logits = new Float32Array(c.vocabSize);
    this.keyCache = new Float32Array(0);
    this.valueCache = new Float32Array(0);
    this.ropeCos = new Float32Array(0);
    this.ropeSin = new Float32Array(0);
    this.grow(Math.min(c.seqLen, INITIAL_POSITIONS));
  }

  /** Caches and RoPE tables for `positions` positions, keeping what the smaller ones held. */
  private grow(positions: number): void {
    const c = this.model.config;
    const kvDim = (c.dim / c.nHeads) * c.nKvHeads;
    const head = c.dim / c.nHeads;
    const old = this.capacity;
    const keys = new Float32Array(c.nLayers * positions * kvDim);
    const values = new Float32Array(c.nLayers * positions * kvDim);
    for (let l = 0; l < c.nLayers; l++) {
      keys.set(this.keyCache.subarray(l * old * kvDim, (l + 1) * old * kvDim), l * positions * kvDim);
      values.set(this.valueCache.subarray(l * old * kvDim, (l + 1) * old * kvDim), l * positions * kvDim);
    }
    this.keyCache = keys;
    this.valueCache = values;
    this.att = new Float32Array(c.nHeads * positions);
    // RoPE angles per (position, pair), as run.c computes them in float: 1/10000^(j/head_size).
    const cos = new Float32Array(positions * (head / 2));
    const sin = new Float32Array(positions * (head / 2));
    cos.set(this.ropeCos);
    sin.set(this.ropeSin);
    for (let p = old; p < positions; p++) {
      for (let j = 0; j < head; j += 2) {
        const freq = Math.fround(1 / Math.fround(Math.pow(10000, Math.fround(j / head))));
        const val = Math.fround(p * freq);
        cos[p * (head / 2) + j / 2] = Math.cos(val);
        sin[p * (head / 2) + j / 2] = Math.sin(val);
      }
    }
    this.ropeCos = cos;
    this.ropeSin = sin;
    this.capacity = positions;
  }

  setLinearInputHook(hook: LinearInputHook | undefined): void {
    this.hook = hook;
  }

  /** Logits for the next token after `token` at position `pos` (positions must come in order from 0). */
  forward(token: number, pos: number): Float32Array {
    const m = this.model;
    const c = m.config;
    const { x, xb, xb2, hb, hb2, q, k, v } = this;
    const dim = c.dim;
    const head = dim / c.nHeads;
    const kvDim = head * c.nKvHeads;
    const kvMul = c.nHeads / c.nKvHeads;
    if (!(Number.isInteger(token) && token >= 0 && token < c.vocabSize))
      throw new QuantInputError('forward', `token ${token} is outside the vocabulary of ${c.vocabSize}`);
    if (!(Number.isInteger(pos) && pos >= 0 && pos < c.seqLen)) throw new QuantInputError('forward', `position ${pos} is outside the context of ${c.seqLen}`);
    if (pos >= this.capacity) this.grow(Math.min(c.seqLen, Math.max(2 * this.capacity, pos + 1)));
    const cap = this.capacity;
    const att = this.att;
    const emb = m.tokenEmbedding;
    for (let i = 0, o = token * dim; i < dim; i++) x[i] = emb[o + i];
    const hook = this.hook;
    for (let l = 0; l < c.nLayers; l++) {
      const L = m.layers[l];
      rmsnorm(xb, x, L.attnNorm);
      if (hook) {
        hook(l, 'wq', xb);
        hook(l, 'wk', xb);
        hook(l, 'wv', xb);
      }
      matvec(q, L.wq, xb, dim, dim);
      matvec(k, L.wk, xb, kvDim, dim);
      matvec(v, L.wv, xb, kvDim, dim);
      const half = head / 2;
      for (let i = 0; i < dim; i += 2) {
        const j = (i % head) / 2;
        const fcr = this.ropeCos[pos * half + j];
        const fci = this.ropeSin[pos * half + j];
        let a = q[i];
        let b = q[i + 1];
        q[i] = a * fcr - b * fci;
        q[i + 1] = a * fci + b * fcr;
        if (i < kvDim) {
          a = k[i];
          b = k[i + 1];
          k[i] = a * fcr - b * fci;
          k[i + 1] = a * fci + b * fcr;
        }
      }
      const base = l * cap * kvDim;
      const keyCache = this.keyCache;
      const valueCache = this.valueCache;
      keyCache.set(k, base + pos * kvDim);
      valueCache.set(v, base + pos * kvDim);
      const scale = 1 / Math.sqrt(head);
      for (let h = 0; h < c.nHeads; h++) {
        const qo = h * head;
        const ko = base + ((h / kvMul) | 0) * head;
        const a = h * cap;
        let max = -Infinity;
        for (let t = 0, kt = ko; t <= pos; t++, kt += kvDim) {
          let s = 0;
          for (let i = 0; i < head; i++) s += q[qo + i] * keyCache[kt + i];
          s *= scale;
          att[a + t] = s;
          if (s > max) max = s;
        }
        let sum = 0;
        for (let t = 0; t <= pos; t++) {
          const e = Math.exp(att[a + t] - max);
          att[a + t] = e;
          sum += e;
        }
        const inv = 1 / sum;
        for (let i = 0; i < head; i++) xb[qo + i] = 0;
        for (let t = 0, vt = ko; t <= pos; t++, vt += kvDim) {
          const w = att[a + t] * inv;
          for (let i = 0; i < head; i++) xb[qo + i] += w * valueCache[vt + i];
        }
      }
      if (hook) hook(l, 'wo', xb);
      matvec(xb2, L.wo, xb, dim, dim);
      for (let i = 0; i < dim; i++) x[i] += xb2[i];
      rmsnorm(xb, x, L.ffnNorm);
      if (hook) {
        hook(l, 'w1', xb);
        hook(l, 'w3', xb);
      }
      matvec(hb, L.w1, xb, c.hiddenDim, dim);
      matvec(hb2, L.w3, xb, c.hiddenDim, dim);
      for (let i = 0; i < c.hiddenDim; i++) {
        const h1 = hb[i];
        hb[i] = (h1 / (1 + Math.exp(-h1))) * hb2[i];
      }
      if (hook) hook(l, 'w2', hb);
      matvec(xb, L.w2, hb, dim, c.hiddenDim);
      let sum = 0;
      for (let i = 0; i < dim; i++) sum += x[i] += xb[i];
      // A weight that overflows float32 turns the residual stream into Inf or NaN; a result made
      // of them would read as a perplexity of NaN (checked once per layer: O(dim) beside O(dim²)).
      if (!Number.isFinite(sum)) throw nonFinite(`the residual stream after layer ${l}`, `layers.${l} (or an earlier tensor)`, pos);
    }
    rmsnorm(x, x, m.finalNorm);
    matvec(this.logits, m.wcls, x, c.vocabSize, dim);
    let sum = 0;
    for (let i = 0; i < c.vocabSize; i++) sum += this.logits[i];
    if (!Number.isFinite(sum)) throw nonFinite('the logits', 'norm (final) or output (the classifier)', pos);
    return this.logits;
  }
}

function nonFinite(what: string, tensors: string, pos: number): QuantInputError {
  return new QuantInputError(
    'forward',
    `non-finite values in ${what} at position ${pos}: a weight of ${tensors} overflows float32 (a damaged or wrongly scaled model)`,
  );
}

function rmsnorm(out: Float32Array, x: Float32Array, w: Float32Array): void {
  const n = x.length;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += x[i] * x[i];
  const s = 1 / Math.sqrt(ss / n + 1e-5);
  for (let i = 0; i < n; i++) out[i] = w[i] * (s * x[i]);
}

/**
 * out[i] = Σ_j W[i·n + j]·x[j] for W of rows × n, row-major. Four rows per pass share each load
 * of x (about twice the speed of one row at a time in V8).
 */
function matvec(out: Float32Array, W: Float32Array, x: Float32Array, rows: number, n: number): void {
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const o0 = i * n;
    const o1 = o0 + n;
    const o2 = o1 + n;
    const o3 = o2 + n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < n; j++) {
      const xj = x[j];
      s0 += W[o0 + j] * xj;
      s1 += W[o1 + j] * xj;
      s2 += W[o2 + j] * xj;
      s3 += W[o3 + j] * xj;
    }
    out[i] = s0;
    out[i + 1] = s1;
    out[i + 2] = s2;
    out[i + 3] = s3;
  }
  for (; i < rows; i++) {
    let s = 0;
    const o = i * n;
    for (let j = 0; j < n; j++) s += W[o + j] * x[j];
    out[i] = s;
  }
}

/** Index of the largest logit (ties: the first), as run.c's argmax. */
export function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
