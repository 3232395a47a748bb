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

/** The bounds every reader applies to a model's shape (llama2.c's header limits). */
export const MAX_MODEL_DIM = 1 << 20;
export const MAX_VOCAB = 1 << 22;
/**
 * The longest context a shape read from a container may claim: no tensor of a `.dnq` is sized by
 * it, only the RoPE tables a checkpoint written from it carries and the caches a forward pass
 * grows into, so a small file could otherwise claim gigabytes. 2^17 covers the longest contexts
 * of released Llama models (128k).
 */
export const MAX_CONTAINER_SEQ_LEN = 1 << 17;

/**
 * What is wrong with a model shape, or undefined: each size 1 … MAX_MODEL_DIM (vocabulary 1 …
 * MAX_VOCAB, context 1 … maxSeqLen), dim a multiple of n_heads, n_heads of n_kv_heads, an even
 * head size (RoPE rotates pairs).
 */
export function llamaConfigProblem(c: LlamaConfig, maxSeqLen = MAX_MODEL_DIM): string | undefined {
  const sizes: Array<[string, number, number]> = [
    ['dim', c.dim, MAX_MODEL_DIM],
    ['hidden_dim', c.hiddenDim, MAX_MODEL_DIM],
    ['n_layers', c.nLayers, MAX_MODEL_DIM],
    ['n_heads', c.nHeads, MAX_MODEL_DIM],
    ['n_kv_heads', c.nKvHeads, MAX_MODEL_DIM],
    ['vocab_size', c.vocabSize, MAX_VOCAB],
    ['seq_len', c.seqLen, maxSeqLen],
  ];
  for (const [name, v, max] of sizes) if (!Number.isInteger(v) || v < 1 || v > max) return `${name} = ${v}: expected 1 … ${max}`;
  if (c.dim % c.nHeads !== 0) return `dim ${c.dim} is not a multiple of n_heads ${c.nHeads}`;
  if (c.nHeads % c.nKvHeads !== 0) return `n_heads ${c.nHeads} is not a multiple of n_kv_heads ${c.nKvHeads}`;
  if ((c.dim / c.nHeads) % 2 !== 0) return `head size ${c.dim / c.nHeads} must be even for RoPE`;
  return undefined;
}
