/**
 * The training pass's WebAssembly SIMD kernels (src/quant/train/train-simd.*): the embedded bytes
 * are the .wat compiled, each product equals its plain-TS twin to f32 rounding of the sums (T not
 * a multiple of 4 included), and LlamaGrad on the kernels gives the logits and gradients of
 * LlamaGrad on the TS loops, on stories260K.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readLlama2c, Transformer } from '../../src/quant/index.js';
import { teacherStepper } from '../../src/quant/train/teacher-stepper.js';
import { LlamaGrad, linearBackward, linearForward, zeroGrads } from '../../src/quant/train/llama-grad.js';
import { padToLanes, simdAvailable, TrainSimd } from '../../src/quant/train/train-simd.js';
import { WASM_BASE64 } from '../../src/quant/train/train-simd-bytes.js';
import { Rng } from '../../src/random.js';
import { MODEL } from '../_fixtures.js';
// @ts-expect-error: a plain .mjs script without types
import { bytesModule, compileWat, KERNELS } from '../../scripts/build-wasm.mjs';

/** Largest |a − b| / (1 + |b|). */
function worst(a: Float32Array, b: Float32Array): number {
  let w = 0;
  for (let i = 0; i < b.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return w;
}

describe('SIMD kernels of the training pass', () => {
  it('are the bytes of train-simd.wat, compiled', async () => {
    const k = KERNELS[0];
    const bytes: Buffer = await compileWat(k.wat);
    expect(Buffer.from(WASM_BASE64, 'base64').equals(bytes)).toBe(true);
    expect(readFileSync(k.out, 'utf8')).toBe(bytesModule(k.wat, bytes));
  });

  it('runs here', () => {
    expect(simdAvailable()).toBe(true);
  });

  for (const [T, nIn, nOut] of [
    [1, 4, 4],
    [7, 12, 8],
    [13, 64, 172],
    [30, 172, 64],
  ]) {
    it(`forward and backward equal the TS twins (T ${T}, ${nIn} → ${nOut})`, () => {
      const rng = new Rng(T * 1000 + nIn + nOut);
      const fill = (a: Float32Array): Float32Array => {
        for (let i = 0; i < a.length; i++) a[i] = 2 * rng.next() - 1; // in place: the view must stay in the arena
        return a;
      };
      const Tp = padToLanes(T);
      const s = TrainSimd.create(TrainSimd.plan([T * nIn, nOut * nIn, nOut * nIn, T * nOut, T * nIn, nOut * nIn, 2 * Math.max(nIn, nOut) * Tp]))!;
      const X = fill(s.alloc(T * nIn));
      const W = fill(s.alloc(nOut * nIn));
      const WT = s.alloc(nOut * nIn);
      const Y = s.alloc(T * nOut);
      const dX = fill(s.alloc(T * nIn));
      const dW = fill(s.alloc(nOut * nIn));
      const scratchA = s.alloc(Math.max(nIn, nOut) * Tp).fill(7); // stale values: the padding must be rewritten
      const scratchB = s.alloc(Math.max(nIn, nOut) * Tp).fill(7);
      const refY = new Float32Array(T * nOut);
      s.forward(Y, X, W, T, nIn, nOut);
      linearForward(refY, X, W, T, nIn, nOut);
      expect(worst(Y, refY)).toBeLessThan(1e-5);

      const dY = Y; // any T × nOut operand will do
      const refDX = dX.slice();
      const refDW = dW.slice();
      s.transpose(WT, W, nOut, nIn);
      for (let o = 0; o < nOut; o++) for (let i = 0; i < nIn; i++) expect(WT[i * nOut + o]).toBe(W[o * nIn + i]);
      s.backward(dX, true, dW, dY, X, WT, T, nIn, nOut, scratchA, scratchB);
      linearBackward(refDX, true, refDW, dY, X, W, T, nIn, nOut);
      expect(worst(dX, refDX)).toBeLessThan(1e-5);
      expect(worst(dW, refDW)).toBeLessThan(1e-5);
      s.backward(dX, false, dW, dY, X, WT, T, nIn, nOut, scratchA, scratchB);
      linearBackward(refDX, false, refDW, dY, X, W, T, nIn, nOut);
      expect(worst(dX, refDX)).toBeLessThan(1e-5);
      expect(worst(dW, refDW)).toBeLessThan(1e-5);
    });
  }

  it('refuses a view past its planned arena', () => {
    const s = TrainSimd.create(TrainSimd.plan([5]))!;
    s.alloc(5);
    expect(() => s.alloc(1)).toThrow(/arena of 8 floats is full/);
  });

  for (const simd of [true, false]) {
    it(`step gives forward's logits exactly, position by position (${simd ? 'SIMD kernels' : 'TS loops'})`, () => {
      const model = readLlama2c(MODEL);
      const V = model.config.vocabSize;
      const rng = new Rng(9);
      const tokens = [1, ...Array.from({ length: 29 }, () => 3 + rng.below(V - 3))];
      const full = new LlamaGrad(model.config, 32, { simd }).forward(model, tokens, tokens.length).slice();
      const g = new LlamaGrad(model.config, 32, { simd });
      for (let run = 0; run < 2; run++) {
        // A second run from position 0 starts over.
        tokens.forEach((tok, pos) => expect(g.step(model, tok, pos)).toEqual(full.subarray(pos * V, (pos + 1) * V)));
      }
      expect(() => g.step(model, 5, 3)).toThrow(/step at position 3: expected 30/);
      expect(() => g.step(model, V, 0)).toThrow(/token 512 is outside the vocabulary of 512/);
    });
  }

  it('give LlamaGrad the logits and gradients of the TS loops on stories260K', () => {
    const model = readLlama2c(MODEL);
    const V = model.config.vocabSize;
    const rng = new Rng(5);
    const T = 41;
    const tokens = [1, ...Array.from({ length: T - 1 }, () => 3 + rng.below(V - 3))];
    const dLogits = Float32Array.from({ length: T * V }, () => (rng.next() - 0.5) / V);
    const run = (simd: boolean): { logits: Float32Array; grads: ReturnType<typeof zeroGrads> } => {
      const g = new LlamaGrad(model.config, 64, { simd });
      const logits = g.forward(model, tokens, T).slice();
      const grads = zeroGrads(model);
      grads.tokenEmbedding.fill(0.25); // backward adds to what is there
      g.backward(model, dLogits, grads);
      return { logits, grads };
    };
    const a = run(true);
    const b = run(false);
    expect(worst(a.logits, b.logits)).toBeLessThan(1e-5);
    // Gradients compared relative to each array's largest entry.
    const rel = (x: Float32Array, y: Float32Array): number => {
      const scale = y.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      expect(scale).toBeGreaterThan(0);
      return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0) / scale;
    };
    expect(rel(a.grads.tokenEmbedding, b.grads.tokenEmbedding)).toBeLessThan(1e-4);
    expect(rel(a.grads.finalNorm, b.grads.finalNorm)).toBeLessThan(1e-4);
    a.grads.layers.forEach((L, l) => {
      for (const n of ['attnNorm', 'wq', 'wk', 'wv', 'wo', 'ffnNorm', 'w1', 'w2', 'w3'] as const) expect(rel(L[n], b.grads.layers[l][n])).toBeLessThan(1e-4);
    });
  });

  it("run the tuner's teacher on stories260K, close to the per-token Transformer", () => {
    const model = readLlama2c(MODEL);
    const V = model.config.vocabSize;
    const teacher = teacherStepper(model, 48);
    expect(teacher).not.toBeInstanceOf(Transformer);
    const ref = new Transformer(model);
    const rng = new Rng(11);
    for (let run = 0; run < 2; run++) {
      const tokens = [1, ...Array.from({ length: 47 }, () => 3 + rng.below(V - 3))];
      tokens.forEach((tok, pos) => expect(worst(teacher.forward(tok, pos), ref.forward(tok, pos))).toBeLessThan(1e-5));
    }
    // A shape the kernels cannot take (vocabulary not a multiple of 4) gets the Transformer.
    const odd = {
      ...model,
      config: { ...model.config, vocabSize: V - 1 },
      tokenEmbedding: model.tokenEmbedding.subarray(0, (V - 1) * model.config.dim),
      wcls: model.wcls.subarray(0, (V - 1) * model.config.dim),
    };
    expect(teacherStepper(odd, 48)).toBeInstanceOf(Transformer);
  });
});
