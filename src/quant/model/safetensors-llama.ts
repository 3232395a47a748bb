/**
 * A Llama model in safetensors, under either of the two common namings:
 * - Meta / llama2.c `model.py`: `tok_embeddings.weight`, `layers.N.attention.wq.weight`, …,
 *   `norm.weight`, `output.weight`; RoPE on interleaved pairs, as our forward pass does.
 * - Hugging Face: `model.embed_tokens.weight`, `model.layers.N.self_attn.q_proj.weight`,
 *   `mlp.gate_proj` (w1), `mlp.down_proj` (w2), `mlp.up_proj` (w3), `lm_head.weight`. HF's
 *   converter permutes the rows of q and k within each head so that RoPE rotates (i, i + half)
 *   instead of (2i, 2i + 1); reading undoes that permutation, writing applies it.
 * Shapes give dim, hidden dim, layers, vocabulary and the key/value width; the head count and
 * context length are not in the tensors, so they come from the options, else the file's
 * `__metadata__` (llama2.c header names, as our writer stores them), else a Hugging Face
 * config.json (readModel uses the one beside the file). Every weight is checked finite.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../../pack/atomic-file.js';
import { ModelFormatError } from './errors.js';
import { llamaConfigProblem, MAX_CONTAINER_SEQ_LEN, type LlamaConfig, type LlamaLayer, type LlamaModel } from './llama.js';
import { parseSafetensors, serializeSafetensors, type FloatDtype, type SafetensorsFile, type SafetensorsInput } from './safetensors.js';

export type LlamaNaming = 'meta' | 'hf';

/** Per-layer tensor names under each naming, keyed by our field names. */
const LAYER_NAMES: Record<LlamaNaming, Record<keyof LlamaLayer, string>> = {
  meta: {
    attnNorm: 'attention_norm',
    wq: 'attention.wq',
    wk: 'attention.wk',
    wv: 'attention.wv',
    wo: 'attention.wo',
    ffnNorm: 'ffn_norm',
    w1: 'feed_forward.w1',
    w2: 'feed_forward.w2',
    w3: 'feed_forward.w3',
  },
  hf: {
    attnNorm: 'input_layernorm',
    wq: 'self_attn.q_proj',
    wk: 'self_attn.k_proj',
    wv: 'self_attn.v_proj',
    wo: 'self_attn.o_proj',
    ffnNorm: 'post_attention_layernorm',
    w1: 'mlp.gate_proj',
    w2: 'mlp.down_proj',
    w3: 'mlp.up_proj',
  },
};
const GLOBAL_NAMES: Record<LlamaNaming, { embedding: string; norm: string; classifier: string; layer: (l: number) => string }> = {
  meta: { embedding: 'tok_embeddings.weight', norm: 'norm.weight', classifier: 'output.weight', layer: (l) => `layers.${l}.` },
  hf: { embedding: 'model.embed_tokens.weight', norm: 'model.norm.weight', classifier: 'lm_head.weight', layer: (l) => `model.layers.${l}.` },
};

/** What the tensors cannot tell. */
export interface SafetensorsModelOptions {
  nHeads?: number;
  nKvHeads?: number;
  seqLen?: number;
  /** Path of a Hugging Face config.json to take them from (readModel passes the one beside the file). */
  configJson?: string;
}

const positive = z.coerce.number().int().positive();
/** Our writer's metadata: the llama2.c header fields as decimal strings. */
const metadataConfigSchema = z.looseObject({
  dim: positive.optional(),
  hidden_dim: positive.optional(),
  n_layers: positive.optional(),
  vocab_size: positive.optional(),
  n_heads: positive.optional(),
  n_kv_heads: positive.optional(),
  seq_len: positive.optional(),
});
/** The fields of a Hugging Face config.json we use or must check. */
const hfConfigSchema = z.looseObject({
  num_attention_heads: z.number().int().positive().optional(),
  num_key_value_heads: z.number().int().positive().optional(),
  max_position_embeddings: z.number().int().positive().optional(),
  rms_norm_eps: z.number().optional(),
  rope_theta: z.number().optional(),
  hidden_act: z.string().optional(),
  rope_scaling: z.unknown().optional(),
});

/** Rows h·hs + 2i + s (interleaved pairs) ↔ h·hs + s·hs/2 + i (halves), per head. */
function permuteRows(w: Float32Array, heads: number, rows: number, cols: number, toHf: boolean): Float32Array {
  const out = new Float32Array(w.length);
  const hs = rows / heads;
  const half = hs / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      for (let s = 0; s < 2; s++) {
        const meta = h * hs + 2 * i + s;
        const hf = h * hs + s * half + i;
        const [from, to] = toHf ? [meta, hf] : [hf, meta];
        out.set(w.subarray(from * cols, (from + 1) * cols), to * cols);
      }
    }
  }
  return out;
}

/** Hugging Face row order for a q (heads = nHeads) or k (heads = nKvHeads) matrix in our order. */
export function toHfRopeOrder(w: Float32Array, heads: number, rows: number, cols: number): Float32Array {
  return permuteRows(w, heads, rows, cols, true);
}

/** Our (llama2.c) row order for a q or k matrix in Hugging Face order. */
export function fromHfRopeOrder(w: Float32Array, heads: number, rows: number, cols: number): Float32Array {
  return permuteRows(w, heads, rows, cols, false);
}

function resolveHeads(st: SafetensorsFile, file: string, options: SafetensorsModelOptions): { nHeads: number; nKvHeads: number | undefined; seqLen: number } {
  const meta = metadataConfigSchema.safeParse(st.metadata);
  if (!meta.success) throw new ModelFormatError(file, `__metadata__.${meta.error.issues[0].path.join('.')}: ${meta.error.issues[0].message}`);
  let hf: z.infer<typeof hfConfigSchema> = {};
  const configPath = options.configJson;
  if (configPath !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(configPath, 'utf8'));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new ModelFormatError(configPath, e.code === 'ENOENT' ? 'no such file' : `not valid JSON: ${e.message}`);
    }
    const r = hfConfigSchema.safeParse(json);
    if (!r.success) throw new ModelFormatError(configPath, `${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`);
    hf = r.data;
    // The forward pass is llama2.c's: RMSNorm eps 1e-5, RoPE base 10000, SiLU, no RoPE scaling.
    if (hf.rms_norm_eps !== undefined && hf.rms_norm_eps !== 1e-5)
      throw new ModelFormatError(configPath, `rms_norm_eps ${hf.rms_norm_eps}: the forward pass implements llama2.c's 1e-5 only`);
    if (hf.rope_theta !== undefined && hf.rope_theta !== 10000)
      throw new ModelFormatError(configPath, `rope_theta ${hf.rope_theta}: the forward pass implements llama2.c's 10000 only`);
    if (hf.hidden_act !== undefined && hf.hidden_act !== 'silu')
      throw new ModelFormatError(configPath, `hidden_act ${JSON.stringify(hf.hidden_act)}: only silu (SwiGLU) is implemented`);
    if (hf.rope_scaling !== undefined && hf.rope_scaling !== null)
      throw new ModelFormatError(configPath, 'rope_scaling is set: RoPE scaling is not implemented');
  }
  const nHeads = options.nHeads ?? meta.data.n_heads ?? hf.num_attention_heads;
  const seqLen = options.seqLen ?? meta.data.seq_len ?? hf.max_position_embeddings;
  if (nHeads === undefined)
    throw new ModelFormatError(
      file,
      'the head count is not in the tensors: give nHeads, an n_heads metadata entry, or a config.json with num_attention_heads beside the file',
    );
  if (seqLen === undefined)
    throw new ModelFormatError(
      file,
      'the context length is not in the tensors: give seqLen, a seq_len metadata entry, or a config.json with max_position_embeddings beside the file',
    );
  return { nHeads, nKvHeads: options.nKvHeads ?? meta.data.n_kv_heads ?? hf.num_key_value_heads, seqLen };
}

/** A LlamaModel from parsed safetensors; `file` names the file in errors and locates config.json. */
export function llamaFromSafetensors(st: SafetensorsFile, file: string, options: SafetensorsModelOptions = {}): LlamaModel {
  const naming: LlamaNaming | undefined = st.tensors.has(GLOBAL_NAMES.meta.embedding) ? 'meta' : st.tensors.has(GLOBAL_NAMES.hf.embedding) ? 'hf' : undefined;
  if (!naming)
    throw new ModelFormatError(
      file,
      `no token embedding (${GLOBAL_NAMES.meta.embedding} or ${GLOBAL_NAMES.hf.embedding}): not a Llama model under a naming we know; read its tensors by name with parseSafetensors`,
    );
  const names = GLOBAL_NAMES[naming];
  const get = (name: string, shape: number[]): Float32Array => {
    const t = st.tensors.get(name);
    if (!t) throw new ModelFormatError(file, `tensor ${name} is missing`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      throw new ModelFormatError(file, `tensor ${name}: shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
    for (let i = 0; i < t.data.length; i++)
      if (!Number.isFinite(t.data[i])) throw new ModelFormatError(file, `tensor ${name}: value ${t.data[i]} at index ${i} is not finite`);
    return t.data;
  };
  const emb = st.tensors.get(names.embedding)!;
  if (emb.shape.length !== 2) throw new ModelFormatError(file, `tensor ${names.embedding}: shape [${emb.shape.join(', ')}], expected [vocab, dim]`);
  const [vocabSize, dim] = emb.shape;
  let nLayers = 0;
  while (st.tensors.has(`${names.layer(nLayers)}${LAYER_NAMES[naming].wq}.weight`)) nLayers++;
  if (nLayers === 0) throw new ModelFormatError(file, `no layers: tensor ${names.layer(0)}${LAYER_NAMES[naming].wq}.weight is missing`);
  const w1 = st.tensors.get(`${names.layer(0)}${LAYER_NAMES[naming].w1}.weight`);
  const wk = st.tensors.get(`${names.layer(0)}${LAYER_NAMES[naming].wk}.weight`);
  if (!w1 || !wk) throw new ModelFormatError(file, `layer 0 lacks ${!w1 ? LAYER_NAMES[naming].w1 : LAYER_NAMES[naming].wk}`);
  const hiddenDim = w1.shape[0];
  const kvDim = wk.shape[0];
  const heads = resolveHeads(st, file, options);
  const headSize = dim / heads.nHeads;
  if (!Number.isInteger(headSize) || headSize % 2 !== 0)
    throw new ModelFormatError(file, `dim ${dim} over ${heads.nHeads} heads gives head size ${headSize}: it must be a whole even number`);
  const nKvHeads = heads.nKvHeads ?? kvDim / headSize;
  if (nKvHeads * headSize !== kvDim || heads.nHeads % nKvHeads !== 0)
    throw new ModelFormatError(file, `key/value width ${kvDim} does not fit ${nKvHeads} key/value heads of size ${headSize} under ${heads.nHeads} heads`);
  const tokenEmbedding = get(names.embedding, [vocabSize, dim]);
  const cls = st.tensors.get(names.classifier);
  // llama2.c ties output.weight to the embedding; a tied pair saved twice is still one matrix.
  const sharedClassifier = !cls || (cls.data.length === tokenEmbedding.length && cls.data.every((v, i) => Object.is(v, tokenEmbedding[i])));
  const config: LlamaConfig = { dim, hiddenDim, nLayers, nHeads: heads.nHeads, nKvHeads, vocabSize, seqLen: heads.seqLen, sharedClassifier };
  // The context length is the one size no tensor backs: bounded as a container's is, so that what
  // is read here can be archived and restored.
  const problem = llamaConfigProblem(config, MAX_CONTAINER_SEQ_LEN);
  if (problem) throw new ModelFormatError(file, `model shape: ${problem}`);
  const stated = metadataConfigSchema.parse(st.metadata); // validated in resolveHeads
  for (const [key, value] of [
    ['dim', dim],
    ['hidden_dim', hiddenDim],
    ['n_layers', nLayers],
    ['vocab_size', vocabSize],
  ] as const) {
    if (stated[key] !== undefined && stated[key] !== value)
      throw new ModelFormatError(file, `__metadata__.${key} = ${stated[key]}, but the tensors give ${value}`);
  }
  const shapes: Record<keyof LlamaLayer, number[]> = {
    attnNorm: [dim],
    wq: [dim, dim],
    wk: [kvDim, dim],
    wv: [kvDim, dim],
    wo: [dim, dim],
    ffnNorm: [dim],
    w1: [hiddenDim, dim],
    w2: [dim, hiddenDim],
    w3: [hiddenDim, dim],
  };
  const layers: LlamaLayer[] = [];
  for (let l = 0; l < nLayers; l++) {
    const layer = {} as LlamaLayer;
    for (const key of Object.keys(shapes) as (keyof LlamaLayer)[]) layer[key] = get(`${names.layer(l)}${LAYER_NAMES[naming][key]}.weight`, shapes[key]);
    if (naming === 'hf') {
      layer.wq = fromHfRopeOrder(layer.wq, config.nHeads, dim, dim);
      layer.wk = fromHfRopeOrder(layer.wk, nKvHeads, kvDim, dim);
    }
    layers.push(layer);
  }
  const finalNorm = get(names.norm, [dim]);
  const wcls = sharedClassifier ? tokenEmbedding : get(names.classifier, [vocabSize, dim]);
  return { config, tokenEmbedding, layers, finalNorm, wcls };
}

export function parseSafetensorsModel(bytes: Uint8Array, file: string, options: SafetensorsModelOptions = {}): LlamaModel {
  return llamaFromSafetensors(parseSafetensors(bytes, file), file, options);
}

export interface WriteSafetensorsOptions {
  /** Storage type of every tensor (default F32, which round-trips exactly). */
  dtype?: FloatDtype;
  /** Tensor names (default meta). */
  naming?: LlamaNaming;
}

/** The model as safetensors bytes; the configuration goes into `__metadata__` under llama2.c's header names. */
export function serializeSafetensorsModel(m: LlamaModel, options: WriteSafetensorsOptions = {}): Uint8Array {
  const naming = options.naming ?? 'meta';
  const dtype = options.dtype ?? 'F32';
  const c = m.config;
  const kvDim = (c.dim / c.nHeads) * c.nKvHeads;
  const names = GLOBAL_NAMES[naming];
  const tensors: SafetensorsInput[] = [{ name: names.embedding, dtype, shape: [c.vocabSize, c.dim], data: m.tokenEmbedding }];
  const shapes: Record<keyof LlamaLayer, number[]> = {
    attnNorm: [c.dim],
    wq: [c.dim, c.dim],
    wk: [kvDim, c.dim],
    wv: [kvDim, c.dim],
    wo: [c.dim, c.dim],
    ffnNorm: [c.dim],
    w1: [c.hiddenDim, c.dim],
    w2: [c.dim, c.hiddenDim],
    w3: [c.hiddenDim, c.dim],
  };
  m.layers.forEach((layer, l) => {
    for (const key of Object.keys(shapes) as (keyof LlamaLayer)[]) {
      let data = layer[key];
      if (naming === 'hf' && key === 'wq') data = toHfRopeOrder(data, c.nHeads, c.dim, c.dim);
      if (naming === 'hf' && key === 'wk') data = toHfRopeOrder(data, c.nKvHeads, kvDim, c.dim);
      tensors.push({ name: `${names.layer(l)}${LAYER_NAMES[naming][key]}.weight`, dtype, shape: shapes[key], data });
    }
  });
  tensors.push({ name: names.norm, dtype, shape: [c.dim], data: m.finalNorm });
  if (!c.sharedClassifier) tensors.push({ name: names.classifier, dtype, shape: [c.vocabSize, c.dim], data: m.wcls });
  const metadata = {
    format: 'pt',
    dim: String(c.dim),
    hidden_dim: String(c.hiddenDim),
    n_layers: String(c.nLayers),
    n_heads: String(c.nHeads),
    n_kv_heads: String(c.nKvHeads),
    vocab_size: String(c.vocabSize),
    seq_len: String(c.seqLen),
  };
  return serializeSafetensors(tensors, metadata);
}

export async function writeSafetensorsModel(m: LlamaModel, path: string, options: WriteSafetensorsOptions = {}, force = false): Promise<void> {
  await writeFileAtomic(path, serializeSafetensorsModel(m, options), force);
}
