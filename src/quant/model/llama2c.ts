/**
 * llama2.c checkpoints, legacy v0 (what run.c reads; spec quant.md §10.2): a 7 × int32 header
 * (negative vocab_size: separate classifier), then float32 families in export order, each for all
 * layers contiguously, including the legacy RoPE tables (kept aside, never used by the forward
 * pass, and written back so that a round trip is byte-identical).
 */
import { readModelFile } from './_file.js';
import { writeFileAtomic } from '../../pack/atomic-file.js';
import { ModelFormatError } from './errors.js';
import { llamaConfigProblem, type LlamaConfig, type LlamaLayer, type LlamaModel } from './llama.js';

const HEADER_BYTES = 28;

/** Float32 count of a v0 file with this configuration (header excluded). */
export function llama2cFloats(c: LlamaConfig): number {
  const head = c.dim / c.nHeads;
  const kvDim = head * c.nKvHeads;
  const perLayer = 2 * c.dim + c.dim * c.dim * 2 + kvDim * c.dim * 2 + c.hiddenDim * c.dim * 3;
  return c.vocabSize * c.dim + c.nLayers * perLayer + c.dim + c.seqLen * head + (c.sharedClassifier ? 0 : c.vocabSize * c.dim);
}

export function readLlama2c(path: string): LlamaModel {
  const bytes = readModelFile(path);
  return parseLlama2c(bytes, path);
}

export function parseLlama2c(bytes: Uint8Array, file = 'model'): LlamaModel {
  if (bytes.length < HEADER_BYTES) throw new ModelFormatError(file, `${bytes.length} bytes: too short for the 28-byte llama2.c header (truncated?)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const h = Array.from({ length: 7 }, (_, i) => dv.getInt32(4 * i, true));
  const [dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabRaw, seqLen] = h;
  const config: LlamaConfig = { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize: Math.abs(vocabRaw), seqLen, sharedClassifier: vocabRaw > 0 };
  const problem = llamaConfigProblem(config);
  if (problem) throw new ModelFormatError(file, `header field ${problem} (not a llama2.c v0 checkpoint?)`);
  const floats = llama2cFloats(config);
  const expected = HEADER_BYTES + 4 * floats;
  if (bytes.length !== expected) {
    throw new ModelFormatError(
      file,
      `${bytes.length} bytes, but the header (dim ${dim}, hidden ${hiddenDim}, ${nLayers} layers, vocab ${config.vocabSize}, seq ${seqLen}, ${config.sharedClassifier ? 'shared' : 'separate'} classifier) implies ${expected} — truncated or not this format`,
    );
  }
  // Copy once into an aligned buffer; every tensor is a view of it.
  const all = new Float32Array(floats);
  new Uint8Array(all.buffer).set(bytes.subarray(HEADER_BYTES));
  let at = 0;
  const take = (n: number, name: string): Float32Array => {
    const t = all.subarray(at, at + n);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(t[i])) throw new ModelFormatError(file, `tensor ${name}: value ${t[i]} at index ${i} is not finite`);
    }
    at += n;
    return t;
  };
  const head = dim / nHeads;
  const kvDim = head * nKvHeads;
  const tokenEmbedding = take(config.vocabSize * dim, 'token_embedding_table');
  const family = (per: number, name: string): Float32Array[] => Array.from({ length: nLayers }, (_, l) => take(per, `${name}[${l}]`));
  const attnNorm = family(dim, 'rms_att_weight');
  const wq = family(dim * dim, 'wq');
  const wk = family(kvDim * dim, 'wk');
  const wv = family(kvDim * dim, 'wv');
  const wo = family(dim * dim, 'wo');
  const ffnNorm = family(dim, 'rms_ffn_weight');
  const w1 = family(hiddenDim * dim, 'w1');
  const w2 = family(dim * hiddenDim, 'w2');
  const w3 = family(hiddenDim * dim, 'w3');
  const finalNorm = take(dim, 'rms_final_weight');
  const llama2cRope = take(seqLen * head, 'freq_cis (legacy RoPE tables)');
  const wcls = config.sharedClassifier ? tokenEmbedding : take(config.vocabSize * dim, 'wcls');
  const layers: LlamaLayer[] = attnNorm.map((_, l) => ({
    attnNorm: attnNorm[l],
    wq: wq[l],
    wk: wk[l],
    wv: wv[l],
    wo: wo[l],
    ffnNorm: ffnNorm[l],
    w1: w1[l],
    w2: w2[l],
    w3: w3[l],
  }));
  return { config, tokenEmbedding, layers, finalNorm, wcls, llama2cRope };
}

/** The RoPE tables llama2.c's exporter writes (cos and sin of position × frequency per pair). */
function ropeTables(c: LlamaConfig): Float32Array {
  const head = c.dim / c.nHeads;
  const half = head / 2;
  const out = new Float32Array(c.seqLen * head);
  for (let p = 0; p < c.seqLen; p++) {
    for (let i = 0; i < half; i++) {
      // Exported in float32 from torch: freqs = 1 / theta^(arange(0, head, 2)/head) in f32.
      const freq = Math.fround(1 / Math.fround(10000 ** Math.fround((2 * i) / head)));
      const angle = Math.fround(p * freq);
      out[p * half + i] = Math.cos(angle);
      out[c.seqLen * half + p * half + i] = Math.sin(angle);
    }
  }
  return out;
}

/** The v0 checkpoint bytes. The legacy RoPE tables: `rope`, else those read with the model, else recomputed. */
export function serializeLlama2c(m: LlamaModel, rope?: Float32Array): Uint8Array {
  const c = m.config;
  const floats = llama2cFloats(c);
  const out = new Uint8Array(HEADER_BYTES + 4 * floats);
  const dv = new DataView(out.buffer);
  [c.dim, c.hiddenDim, c.nLayers, c.nHeads, c.nKvHeads, c.sharedClassifier ? c.vocabSize : -c.vocabSize, c.seqLen].forEach((v, i) =>
    dv.setInt32(4 * i, v, true),
  );
  const f = new Float32Array(out.buffer, HEADER_BYTES, floats);
  let at = 0;
  const put = (t: Float32Array): void => {
    f.set(t, at);
    at += t.length;
  };
  put(m.tokenEmbedding);
  for (const key of ['attnNorm', 'wq', 'wk', 'wv', 'wo', 'ffnNorm', 'w1', 'w2', 'w3'] as const) for (const l of m.layers) put(l[key]);
  put(m.finalNorm);
  const tables = rope ?? m.llama2cRope;
  put(tables && tables.length === c.seqLen * (c.dim / c.nHeads) ? tables : ropeTables(c));
  if (!c.sharedClassifier) put(m.wcls);
  return out;
}

/** Legacy RoPE tables as stored in a v0 file (to keep a read → write round trip byte-identical). */
export function readRopeTables(bytes: Uint8Array, c: LlamaConfig): Float32Array {
  const head = c.dim / c.nHeads;
  const before = llama2cFloats(c) - c.seqLen * head - (c.sharedClassifier ? 0 : c.vocabSize * c.dim);
  const out = new Float32Array(c.seqLen * head);
  new Uint8Array(out.buffer).set(bytes.subarray(HEADER_BYTES + 4 * before, HEADER_BYTES + 4 * (before + out.length)));
  return out;
}

export async function writeLlama2c(m: LlamaModel, path: string, force = false, rope?: Float32Array): Promise<void> {
  await writeFileAtomic(path, serializeLlama2c(m, rope), force);
}
