/**
 * A generated llama2.c model for the scale benchmark (issue #5): random weights with realistic
 * Llama shapes, made deterministically from a seed and written as a llama2.c v0 checkpoint into a
 * temporary directory (never into the repository). Linear weights are N(0, σ²) with σ = 0.02 (the
 * usual initialisation of GPT/Llama training), the token embedding likewise, RMSNorm weights ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LINEAR_NAMES, linearShape, type LlamaConfig, type LlamaModel } from '../src/quant/model/llama.js';
import { writeLlama2c } from '../src/quant/model/llama2c.js';
import { Rng } from '../src/random.js';

/** hidden = 8/3·dim rounded up to a multiple of 32, as llama2.c's model.py does with multiple_of. */
export function llamaHidden(dim: number, multipleOf = 32): number {
  const h = Math.floor((2 * 4 * dim) / 3);
  return multipleOf * Math.ceil(h / multipleOf);
}

/**
 * The full benchmark model: stories110M's shapes (dim 768, 12 heads, hidden 2048) with 8 layers
 * and the stories tokenizer's 512-token vocabulary with a shared classifier, so that the linear
 * layers hold 99 % of the 57.0 M parameters.
 */
export const SCALE_CONFIG: LlamaConfig = {
  dim: 768,
  hiddenDim: llamaHidden(768),
  nLayers: 8,
  nHeads: 12,
  nKvHeads: 12,
  vocabSize: 512,
  seqLen: 512,
  sharedClassifier: true,
};

/** The --quick variant: the same family at dim 256, 4 layers (3.2 M parameters). */
export const SCALE_CONFIG_QUICK: LlamaConfig = {
  dim: 256,
  hiddenDim: llamaHidden(256),
  nLayers: 4,
  nHeads: 8,
  nKvHeads: 8,
  vocabSize: 512,
  seqLen: 512,
  sharedClassifier: true,
};

/** Parameter counts: all tensors, and the linear layers alone. */
export function parameterCount(c: LlamaConfig): { total: number; linear: number } {
  let linear = 0;
  for (const name of LINEAR_NAMES) {
    const [r, k] = linearShape(c, name);
    linear += r * k;
  }
  linear *= c.nLayers;
  const total = linear + c.vocabSize * c.dim * (c.sharedClassifier ? 1 : 2) + (2 * c.nLayers + 1) * c.dim;
  return { total, linear };
}

/** N(0, σ²) by Box–Muller from the seeded generator. */
function fillNormal(out: Float32Array, rng: Rng, sigma: number): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const u = 1 - rng.next(); // (0, 1]
    const v = rng.next();
    const r = sigma * Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** The model for `config`, every tensor drawn from one seeded stream in llama2.c's export order. */
export function syntheticLlama(config: LlamaConfig, seed = 1, sigma = 0.02): LlamaModel {
  const rng = new Rng(seed);
  const c = config;
  const tokenEmbedding = fillNormal(new Float32Array(c.vocabSize * c.dim), rng, sigma);
  const layers = Array.from({ length: c.nLayers }, () => {
    const lin = (name: (typeof LINEAR_NAMES)[number]): Float32Array => {
      const [r, k] = linearShape(c, name);
      return fillNormal(new Float32Array(r * k), rng, sigma);
    };
    const wq = lin('wq');
    const wk = lin('wk');
    const wv = lin('wv');
    const wo = lin('wo');
    const w1 = lin('w1');
    const w2 = lin('w2');
    const w3 = lin('w3');
    return { attnNorm: new Float32Array(c.dim).fill(1), wq, wk, wv, wo, ffnNorm: new Float32Array(c.dim).fill(1), w1, w2, w3 };
  });
  const finalNorm = new Float32Array(c.dim).fill(1);
  const wcls = c.sharedClassifier ? tokenEmbedding : fillNormal(new Float32Array(c.vocabSize * c.dim), rng, sigma);
  return { config: { ...c }, tokenEmbedding, layers, finalNorm, wcls };
}

/** Writes the generated model to a fresh temporary directory; `remove()` deletes the directory. */
export async function writeSyntheticModel(config: LlamaConfig, seed = 1): Promise<{ path: string; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'dnarchive-scale-'));
  const path = join(dir, 'synthetic.bin');
  await writeLlama2c(syntheticLlama(config, seed), path);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
