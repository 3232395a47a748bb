/**
 * A model's parameters in one Float32Array, so that a whole model (or its gradient) crosses to a
 * worker thread as one buffer: the token embedding, then per layer attnNorm, wq, wk, wv, wo,
 * ffnNorm, w1, w2, w3, then the final norm and — when not shared — the classifier.
 */
import { linearShape, type LlamaConfig, type LlamaModel } from '../model/llama.js';

export function flatLength(c: LlamaConfig): number {
  let n = c.vocabSize * c.dim + c.dim;
  const [q, k, h] = [linearShape(c, 'wq'), linearShape(c, 'wk'), linearShape(c, 'w1')];
  n += c.nLayers * (2 * c.dim + 2 * q[0] * q[1] + 2 * k[0] * k[1] + 3 * h[0] * h[1]);
  if (!c.sharedClassifier) n += c.vocabSize * c.dim;
  return n;
}

/** A LlamaModel whose arrays are views into `buf` (flatLength(config) floats). */
export function viewModel(config: LlamaConfig, buf: Float32Array): LlamaModel {
  let at = 0;
  const take = (n: number): Float32Array => buf.subarray(at, (at += n));
  const mat = (name: 'wq' | 'wk' | 'wv' | 'wo' | 'w1' | 'w2' | 'w3'): Float32Array => {
    const [r, c] = linearShape(config, name);
    return take(r * c);
  };
  const tokenEmbedding = take(config.vocabSize * config.dim);
  const layers = Array.from({ length: config.nLayers }, () => ({
    attnNorm: take(config.dim),
    wq: mat('wq'),
    wk: mat('wk'),
    wv: mat('wv'),
    wo: mat('wo'),
    ffnNorm: take(config.dim),
    w1: mat('w1'),
    w2: mat('w2'),
    w3: mat('w3'),
  }));
  const finalNorm = take(config.dim);
  const wcls = config.sharedClassifier ? tokenEmbedding : take(config.vocabSize * config.dim);
  return { config: { ...config }, tokenEmbedding, layers, finalNorm, wcls };
}

/** The model's parameters copied into one new buffer (views of it returned alongside). */
export function flattenModel(m: LlamaModel): { buf: Float32Array; model: LlamaModel } {
  const buf = new Float32Array(flatLength(m.config));
  const model = viewModel(m.config, buf);
  model.tokenEmbedding.set(m.tokenEmbedding);
  m.layers.forEach((L, l) => {
    const V = model.layers[l];
    for (const k of ['attnNorm', 'wq', 'wk', 'wv', 'wo', 'ffnNorm', 'w1', 'w2', 'w3'] as const) V[k].set(L[k]);
  });
  model.finalNorm.set(m.finalNorm);
  if (!m.config.sharedClassifier) model.wcls.set(m.wcls);
  return { buf, model };
}
