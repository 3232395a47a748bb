/**
 * The llama2.c forward pass over whole sequences at once, for calibration: every linear layer is
 * one batched product Y = X·Wᵀ handed to a backend (the WebGPU matmul kernel, or its TypeScript
 * twin), so that the heavy math can leave the CPU. Everything else — RMSNorm, RoPE, causal
 * attention, SwiGLU, the residual adds — is the per-token Transformer's arithmetic, operation for
 * operation (same f64 temporaries, same f32 stores, same order), so with a backend that sums each
 * output in f64 in index order (the matmul twin) the linear-layer inputs are bit-identical to
 * Transformer's. The classifier is not applied: calibration needs only the linear inputs.
 */
import { QuantInputError } from '../errors.js';
import type { LinearName, LlamaModel } from './llama.js';

/** Y (rows × out) = X (rows × in) · Wᵀ, W row-major [out, in]. */
export type BatchedLinear = (Y: Float32Array, W: Float32Array, X: Float32Array, rows: number, inFeatures: number, outFeatures: number) => Promise<void>;

/**
 * Called with the inputs of each linear layer for the whole batch (rows × in, row-major), once per
 * matrix name as Transformer's hook is (wk and wv get wq's input, w3 gets w1's). The array is
 * reused afterwards: copy what must be kept.
 */
export type BatchedInputHook = (layer: number, name: LinearName, X: Float32Array, rows: number) => void | Promise<void>;

/** Sequences are packed into batches of at most this many tokens (a sequence is never split). */
export const MAX_BATCH_TOKENS = 2048;

/**
 * Runs the token sequences (each from position 0, each at most seqLen long) through every layer.
 * Sequences are grouped into batches of up to `maxBatchTokens` tokens; within a batch, each layer
 * processes all its tokens with one product per matrix.
 */
export async function forwardBatched(
  model: LlamaModel,
  sequences: readonly (readonly number[])[],
  linear: BatchedLinear,
  hook: BatchedInputHook,
  maxBatchTokens = MAX_BATCH_TOKENS,
): Promise<void> {
  const c = model.config;
  for (const [i, s] of sequences.entries()) {
    if (s.length > c.seqLen) throw new QuantInputError('forward', `sequence ${i} has ${s.length} tokens, more than the context of ${c.seqLen}`);
    for (const t of s)
      if (!(Number.isInteger(t) && t >= 0 && t < c.vocabSize)) throw new QuantInputError('forward', `token ${t} is outside the vocabulary of ${c.vocabSize}`);
  }
  let batch: (readonly number[])[] = [];
  let tokens = 0;
  for (const s of sequences) {
    if (s.length === 0) continue;
    if (tokens > 0 && tokens + s.length > maxBatchTokens) {
      await forwardOneBatch(model, batch, linear, hook);
      batch = [];
      tokens = 0;
    }
    batch.push(s);
    tokens += s.length;
  }
  if (tokens > 0) await forwardOneBatch(model, batch, linear, hook);
}

async function forwardOneBatch(model: LlamaModel, seqs: readonly (readonly number[])[], linear: BatchedLinear, hook: BatchedInputHook): Promise<void> {
  const c = model.config;
  const dim = c.dim;
  const head = dim / c.nHeads;
  const kvDim = head * c.nKvHeads;
  const kvMul = c.nHeads / c.nKvHeads;
  const hidden = c.hiddenDim;
  const N = seqs.reduce((a, s) => a + s.length, 0);
  const starts: number[] = [];
  let maxLen = 0;
  for (let i = 0, at = 0; i < seqs.length; at += seqs[i].length, i++) {
    starts.push(at);
    maxLen = Math.max(maxLen, seqs[i].length);
  }
  const x = new Float32Array(N * dim);
  const xb = new Float32Array(N * dim);
  const xb2 = new Float32Array(N * dim);
  const q = new Float32Array(N * dim);
  const k = new Float32Array(N * kvDim);
  const v = new Float32Array(N * kvDim);
  const hb = new Float32Array(N * hidden);
  const hb2 = new Float32Array(N * hidden);
  const att = new Float32Array(maxLen);
  // The first rows of the context's tables, a power of two covering the batch: memory follows the
  // text, not the context a header claims, and the cache holds a few sizes.
  const { cos, sin } = ropeTables(Math.min(c.seqLen, 2 ** Math.ceil(Math.log2(Math.max(1, maxLen)))), head);

  for (let si = 0; si < seqs.length; si++) {
    const s = seqs[si];
    for (let p = 0; p < s.length; p++) x.set(model.tokenEmbedding.subarray(s[p] * dim, (s[p] + 1) * dim), (starts[si] + p) * dim);
  }
  for (let l = 0; l < c.nLayers; l++) {
    const L = model.layers[l];
    for (let r = 0; r < N; r++) rmsnormRow(xb, x, L.attnNorm, r * dim, dim);
    await hook(l, 'wq', xb, N);
    await hook(l, 'wk', xb, N);
    await hook(l, 'wv', xb, N);
    await linear(q, L.wq, xb, N, dim, dim);
    await linear(k, L.wk, xb, N, dim, kvDim);
    await linear(v, L.wv, xb, N, dim, kvDim);
    const scale = 1 / Math.sqrt(head);
    for (let si = 0; si < seqs.length; si++) {
      const s0 = starts[si];
      for (let pos = 0; pos < seqs[si].length; pos++) {
        const row = s0 + pos;
        const qo0 = row * dim;
        const ko0 = row * kvDim;
        rotatePairs(q, qo0, dim, head, cos, sin, pos, 1);
        rotatePairs(k, ko0, kvDim, head, cos, sin, pos, 1);
        // Causal attention over this sequence's positions 0…pos (keys already rotated).
        for (let h = 0; h < c.nHeads; h++) {
          const qo = qo0 + h * head;
          const kvo = ((h / kvMul) | 0) * head;
          let max = -Infinity;
          for (let t = 0; t <= pos; t++) {
            const kt = (s0 + t) * kvDim + kvo;
            let sc = 0;
            for (let i = 0; i < head; i++) sc += q[qo + i] * k[kt + i];
            sc *= scale;
            att[t] = sc;
            if (sc > max) max = sc;
          }
          let sum = 0;
          for (let t = 0; t <= pos; t++) {
            const e = Math.exp(att[t] - max);
            att[t] = e;
            sum += e;
          }
          const inv = 1 / sum;
          for (let i = 0; i < head; i++) xb[qo + i] = 0;
          for (let t = 0; t <= pos; t++) {
            const w = att[t] * inv;
            const vt = (s0 + t) * kvDim + kvo;
            for (let i = 0; i < head; i++) xb[qo + i] += w * v[vt + i];
          }
        }
      }
    }
    await hook(l, 'wo', xb, N);
    await linear(xb2, L.wo, xb, N, dim, dim);
    for (let i = 0; i < N * dim; i++) x[i] += xb2[i];
    for (let r = 0; r < N; r++) rmsnormRow(xb, x, L.ffnNorm, r * dim, dim);
    await hook(l, 'w1', xb, N);
    await hook(l, 'w3', xb, N);
    await linear(hb, L.w1, xb, N, dim, hidden);
    await linear(hb2, L.w3, xb, N, dim, hidden);
    for (let i = 0; i < N * hidden; i++) {
      const h1 = hb[i];
      hb[i] = (h1 / (1 + Math.exp(-h1))) * hb2[i];
    }
    await hook(l, 'w2', hb, N);
    await linear(xb, L.w2, hb, N, hidden, dim);
    for (let i = 0; i < N * dim; i++) x[i] += xb[i];
  }
}

/**
 * RoPE on n entries of x from offset o at position pos: each pair (within its head) rotated by
 * its angle (sign 1), or back (sign −1, the transpose, for the training pass's backward).
 */
export function rotatePairs(x: Float32Array, o: number, n: number, head: number, cos: Float32Array, sin: Float32Array, pos: number, sign: 1 | -1): void {
  const half = head / 2;
  for (let i = 0; i < n; i += 2) {
    const j = (i % head) / 2;
    const fcr = cos[pos * half + j];
    const fci = sign * sin[pos * half + j];
    const a = x[o + i];
    const b = x[o + i + 1];
    x[o + i] = a * fcr - b * fci;
    x[o + i + 1] = a * fci + b * fcr;
  }
}

/** Transformer's rmsnorm on one row (offset o, length n). */
function rmsnormRow(out: Float32Array, x: Float32Array, w: Float32Array, o: number, n: number): void {
  let ss = 0;
  for (let i = 0; i < n; i++) ss += x[o + i] * x[o + i];
  const s = 1 / Math.sqrt(ss / n + 1e-5);
  for (let i = 0; i < n; i++) out[o + i] = w[i] * (s * x[o + i]);
}

/** Transformer's RoPE tables (run.c's float angles), cached per shape. */
const ropeCache = new Map<string, { cos: Float32Array; sin: Float32Array }>();
export function ropeTables(seqLen: number, head: number): { cos: Float32Array; sin: Float32Array } {
  const key = `${seqLen}:${head}`;
  const hit = ropeCache.get(key);
  if (hit) return hit;
  const cos = new Float32Array(seqLen * (head / 2));
  const sin = new Float32Array(seqLen * (head / 2));
  for (let p = 0; p < seqLen; p++) {
    for (let j = 0; j < head; j += 2) {
      const freq = Math.fround(1 / Math.fround(Math.pow(10000, Math.fround(j / head))));
      const val = Math.fround(p * freq);
      cos[p * (head / 2) + j / 2] = Math.cos(val);
      sin[p * (head / 2) + j / 2] = Math.sin(val);
    }
  }
  const t = { cos, sin };
  ropeCache.set(key, t);
  return t;
}
