/**
 * The training pass (src/quant/train/llama-grad.ts): its logits are the per-token Transformer's,
 * and its gradients are the derivatives of the loss — checked against central differences along
 * random directions for every parameter kind, on a small random model with grouped-query
 * attention and an unshared classifier, and on stories260K (shared classifier).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readLlama2c, Transformer, type LlamaModel } from '../../src/quant/index.js';
import { LlamaGrad, zeroGrads } from '../../src/quant/train/llama-grad.js';
import { Rng } from '../../src/random.js';
import { MODEL } from '../_fixtures.js';

/** vocab 11 keeps the TS loops (a width not a multiple of 4); 12 runs the SIMD kernels. */
function randomModel(seed: number, shared: boolean, vocab = 11): LlamaModel {
  const rng = new Rng(seed);
  const config = { dim: 8, hiddenDim: 12, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: vocab, seqLen: 7, sharedClassifier: shared };
  const r = (n: number, s: number, base = 0): Float32Array => Float32Array.from({ length: n }, () => base + s * (2 * rng.next() - 1));
  const tokenEmbedding = r(vocab * 8, 1);
  return {
    config,
    tokenEmbedding,
    layers: Array.from({ length: 2 }, () => ({
      attnNorm: r(8, 0.3, 1),
      wq: r(64, 0.5),
      wk: r(32, 0.5),
      wv: r(32, 0.5),
      wo: r(64, 0.5),
      ffnNorm: r(8, 0.3, 1),
      w1: r(96, 0.5),
      w2: r(96, 0.5),
      w3: r(96, 0.5),
    })),
    finalNorm: r(8, 0.3, 1),
    wcls: shared ? tokenEmbedding : r(vocab * 8, 1),
  };
}

/** Every parameter array of a model (the classifier once when shared). */
function params(m: LlamaModel): Float32Array[] {
  const out = [m.tokenEmbedding, m.finalNorm];
  for (const L of m.layers) out.push(L.attnNorm, L.wq, L.wk, L.wv, L.wo, L.ffnNorm, L.w1, L.w2, L.w3);
  if (!m.config.sharedClassifier) out.push(m.wcls);
  return out;
}

/** A fixed linear functional of the logits: loss = Σ R ⊙ logits (its gradient on the logits is R). */
function loss(g: LlamaGrad, m: LlamaModel, tokens: number[], R: Float32Array): number {
  const z = g.forward(m, tokens, tokens.length);
  let s = 0;
  for (let i = 0; i < tokens.length * m.config.vocabSize; i++) s += R[i] * z[i];
  return s;
}

describe('LlamaGrad', () => {
  it('gives the per-token Transformer logits on stories260K', () => {
    const model = readLlama2c(MODEL);
    const tokens = [1, 403, 407, 261, 378, 275, 300, 324, 271, 262, 414, 270];
    const g = new LlamaGrad(model.config, tokens.length);
    const z = g.forward(model, tokens, tokens.length);
    const t = new Transformer(model);
    let worst = 0;
    for (let p = 0; p < tokens.length; p++) {
      const ref = t.forward(tokens[p], p);
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(z[p * ref.length + i] - ref[i]) / (1 + Math.abs(ref[i])));
    }
    expect(worst).toBeLessThan(1e-4);
  });

  for (const [shared, vocab] of [
    [false, 11],
    [true, 11],
    [false, 12],
    [true, 12],
  ] as const) {
    it(`matches central differences for every parameter (${shared ? 'shared' : 'separate'} classifier, ${vocab === 12 ? 'SIMD kernels' : 'TS loops'})`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 2, max: 7 }), (seed, T) => {
          const m = randomModel(seed, shared, vocab);
          const rng = new Rng(seed + 7);
          const tokens = Array.from({ length: T }, () => rng.below(vocab));
          const R = Float32Array.from({ length: T * vocab }, () => 2 * rng.next() - 1);
          const g = new LlamaGrad(m.config, 7);
          const grads = zeroGrads(m);
          loss(g, m, tokens, R);
          g.backward(m, R, grads);
          const ps = params(m);
          const gs = params(grads);
          for (let k = 0; k < ps.length; k++) {
            const d = Float32Array.from({ length: ps[k].length }, () => 2 * rng.next() - 1);
            const p0 = ps[k].slice();
            const eps = 1e-3;
            const at = (s: number): number => {
              for (let i = 0; i < d.length; i++) ps[k][i] = p0[i] + s * eps * d[i];
              return loss(g, m, tokens, R);
            };
            const numeric = (at(1) - at(-1)) / (2 * eps);
            ps[k].set(p0);
            let analytic = 0;
            for (let i = 0; i < d.length; i++) analytic += gs[k][i] * d[i];
            expect(Math.abs(numeric - analytic)).toBeLessThan(2e-3 * (1 + Math.abs(analytic)));
          }
        }),
        { numRuns: 25 },
      );
    });
  }

  it('rejects sequences longer than its buffers, tokens outside the vocabulary, and backward before forward', () => {
    const m = randomModel(3, true);
    const g = new LlamaGrad(m.config, 4);
    expect(() => g.backward(m, new Float32Array(44), zeroGrads(m))).toThrow(/backward before forward/);
    expect(() => g.forward(m, [1, 2, 3, 4, 5], 5)).toThrow(/sequence length 5/);
    expect(() => g.forward(m, [1, 11], 2)).toThrow(/token 11 is outside the vocabulary of 11/);
    expect(() => new LlamaGrad(m.config, 8)).toThrow(/1 … 7/);
  });
});
