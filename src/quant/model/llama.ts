/**
 * The in-memory model every reader produces and every consumer (forward pass, quantizer, writer)
 * takes: a Llama-2 configuration and named float32 tensors, per layer for the repeated ones.
 */
export interface LlamaConfig {
  dim: number;
  hiddenDim: number;
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  seqLen: number;
  /** The classifier is the token embedding (llama2.c: positive vocab_size in the header). */
  sharedClassifier: boolean;
}

/** The seven linear layers of each block, in llama2.c names. */
export const LINEAR_NAMES = ['wq', 'wk', 'wv', 'wo', 'w1', 'w2', 'w3'] as const;
export type LinearName = (typeof LINEAR_NAMES)[number];

export interface LlamaLayer {
  attnNorm: Float32Array;
  wq: Float32Array;
  wk: Float32Array;
  wv: Float32Array;
  wo: Float32Array;
  ffnNorm: Float32Array;
  w1: Float32Array;
  w2: Float32Array;
  w3: Float32Array;
}

export interface LlamaModel {
  config: LlamaConfig;
  tokenEmbedding: Float32Array;
  layers: LlamaLayer[];
  finalNorm: Float32Array;
  /** The classifier; the same array as tokenEmbedding when shared. */
  wcls: Float32Array;
  /**
   * The legacy RoPE tables of a llama2.c file as read (unused by the forward pass). torch's
   * float32 sin/cos differ from ours in the last bit for about 5 % of entries, so keeping them is
   * what makes read → write byte-identical; without them the writer recomputes.
   */
  llama2cRope?: Float32Array;
}

/** [rows (out), cols (in)] of a linear layer. */
export function linearShape(c: LlamaConfig, name: LinearName): [number, number] {
  const kvDim = (c.dim / c.nHeads) * c.nKvHeads;
  switch (name) {
    case 'wq':
    case 'wo':
      return [c.dim, c.dim];
    case 'wk':
    case 'wv':
      return [kvDim, c.dim];
    case 'w1':
    case 'w3':
      return [c.hiddenDim, c.dim];
    case 'w2':
      return [c.dim, c.hiddenDim];
  }
}

/** A copy whose linear layers can be replaced without touching the original. */
export function cloneModel(m: LlamaModel): LlamaModel {
  const tokenEmbedding = m.tokenEmbedding.slice();
  return {
    config: { ...m.config },
    tokenEmbedding,
    layers: m.layers.map((l) => ({
      attnNorm: l.attnNorm.slice(),
      wq: l.wq.slice(),
      wk: l.wk.slice(),
      wv: l.wv.slice(),
      wo: l.wo.slice(),
      ffnNorm: l.ffnNorm.slice(),
      w1: l.w1.slice(),
      w2: l.w2.slice(),
      w3: l.w3.slice(),
    })),
    finalNorm: m.finalNorm.slice(),
    wcls: m.config.sharedClassifier ? tokenEmbedding : m.wcls.slice(),
    llama2cRope: m.llama2cRope,
  };
}
