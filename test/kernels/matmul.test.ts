/**
 * Parity of the matmul kernel (kernels/matmul.wgsl) with its twin: C = A·B, C = A·Bᵀ and the
 * batched linear layer Y = X·Wᵀ. Integer data must agree bit for bit (exact in f32 in any order);
 * real-valued data within the f32 dot-product bound γ_k·Σ_t |a_it·b_tj| + u·|C| (u = 2⁻²⁴): the
 * twin sums in f64 and rounds once, the GPU sums k products in f32 in tile order.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeDevice, KernelShapeError, linear, matmul, matmulTs } from '../../kernels/index.js';
import { Rng, U32, abs, countDifferent, gamma, randomInts, randomNormal, requireGpu, readStories, worstRatio } from './_helpers.js';

afterAll(closeDevice);

function matmulBound(A: Float32Array, B: Float32Array, m: number, k: number, n: number, transB: boolean, twin: Float32Array): Float64Array {
  const S = new Float32Array(m * n);
  matmulTs(S, abs(A), abs(B), m, k, n, transB);
  const g = gamma(k) * (1 + 1e-6);
  return Float64Array.from(S, (s, i) => g * s + U32 * Math.abs(twin[i]));
}

async function both(
  A: Float32Array,
  B: Float32Array,
  m: number,
  k: number,
  n: number,
  transB: boolean,
  limits?: { maxBindingBytes?: number; maxWorkgroupsPerDimension?: number; vec4Products?: boolean },
) {
  const gpu = new Float32Array(m * n).fill(NaN); // every entry must be written
  const run = await matmul(gpu, A, B, { m, k, n, transB }, { device: 'gpu', limits });
  expect(run.ran).toBe('gpu');
  const twin = new Float32Array(m * n);
  matmulTs(twin, A, B, m, k, n, transB);
  return { gpu, twin };
}

const shapes: [m: number, k: number, n: number][] = [
  [1, 1, 1],
  [33, 70, 65],
  [64, 64, 64],
  [100, 17, 3],
  [5, 130, 200],
  [129, 1, 66],
];

describe('matmul: GPU vs twin', () => {
  for (const transB of [false, true]) {
    it.for(shapes)(`integer data, m=%i k=%i n=%i, transB=${transB}: bit-exact`, async ([m, k, n], ctx) => {
      await requireGpu(ctx);
      const rng = new Rng(m * 7 + k * 131 + n + (transB ? 1 : 0));
      const A = randomInts(rng, m * k, 9);
      const B = randomInts(rng, k * n, 9);
      // Both product kernels: the vec4 one (CPU drivers' default) and the tiled one (GPUs').
      for (const vec4Products of [true, false]) {
        const { gpu, twin } = await both(A, B, m, k, n, transB, { vec4Products });
        expect(countDifferent(gpu, twin)).toBe(0);
      }
    });
  }

  it('chunked: A/C in row chunks, B in k-chunks (summed) or output-column chunks, split dispatches — bit-exact', async (ctx) => {
    await requireGpu(ctx);
    const [m, k, n] = [90, 150, 140];
    const rng = new Rng(3);
    const A = randomInts(rng, m * k, 9);
    const B = randomInts(rng, k * n, 9);
    for (const transB of [false, true]) {
      for (const limits of [{ maxBindingBytes: 4 * 160 * 7, maxWorkgroupsPerDimension: 1 }, { maxBindingBytes: 4 * 150 * 64 }]) {
        const { gpu, twin } = await both(A, B, m, k, n, transB, limits);
        expect(countDifferent(gpu, twin)).toBe(0);
      }
    }
  });

  it.for<[number, number, number, boolean]>([
    [70, 300, 50, false],
    [64, 1000, 64, true],
  ])('real-valued data, m=%i k=%i n=%i transB=%s: within the f32 dot-product bound', async ([m, k, n, transB], ctx) => {
    await requireGpu(ctx);
    const rng = new Rng(m + k + n);
    const A = randomNormal(rng, m * k, 2);
    const B = randomNormal(rng, k * n, 0.1);
    for (const vec4Products of [true, false]) {
      const { gpu, twin } = await both(A, B, m, k, n, transB, { vec4Products });
      expect(worstRatio(gpu, twin, matmulBound(A, B, m, k, n, transB, twin))).toBeLessThanOrEqual(1);
    }
  });

  it('stories260K: embeddings → w1 (172 × 64) → w2 (64 × 172) and wq, as batched y = W x, within the bound', async (ctx) => {
    await requireGpu(ctx);
    const w = readStories();
    const { dim, hidden, vocab } = w.config;
    const layers: [W: Float32Array, outF: number, inF: number][] = [
      [w.w1, hidden, dim],
      [w.w2, dim, hidden],
      [w.wq0, dim, dim],
    ];
    let X = w.embedding;
    let inF = dim;
    for (const [W, outF, wantIn] of layers.slice(0, 2)) {
      expect(inF).toBe(wantIn);
      const Y = new Float32Array(vocab * outF);
      expect((await linear(Y, W, X, { batch: vocab, inFeatures: inF, outFeatures: outF }, { device: 'gpu' })).ran).toBe('gpu');
      const twin = new Float32Array(vocab * outF);
      matmulTs(twin, X, W, vocab, inF, outF, true);
      expect(worstRatio(Y, twin, matmulBound(X, W, vocab, inF, outF, true, twin))).toBeLessThanOrEqual(1);
      X = twin; // the next layer sees the same input on both sides
      inF = outF;
    }
    const [Wq] = layers[2];
    const { gpu, twin } = await both(w.embedding, Wq, vocab, dim, dim, true);
    expect(worstRatio(gpu, twin, matmulBound(w.embedding, Wq, vocab, dim, dim, true, twin))).toBeLessThanOrEqual(1);
  });
});

describe('matmul: entry checks', () => {
  it('device cpu runs the twin; k = 0 gives zeros', async () => {
    const C = new Float32Array(4).fill(7);
    expect((await matmul(C, new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), { m: 2, k: 2, n: 2 }, { device: 'cpu' })).ran).toBe('cpu');
    expect(Array.from(C)).toEqual([19, 22, 43, 50]);
    const Z = new Float32Array(6).fill(7);
    await matmul(Z, new Float32Array(0), new Float32Array(0), { m: 2, k: 0, n: 3 }, { device: 'auto' });
    expect(Array.from(Z)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('mismatched shapes are typed one-line errors naming the argument', async () => {
    const C = new Float32Array(6);
    await expect(matmul(C, new Float32Array(3), new Float32Array(6), { m: 2, k: 2, n: 3 })).rejects.toThrow(KernelShapeError);
    await expect(matmul(C, new Float32Array(5), new Float32Array(6), { m: 2, k: 2, n: 3 })).rejects.toThrow(
      'kernel matmul: A: has 5 elements, expected 4 for m × k = 2 × 2',
    );
    await expect(matmul(C, new Float32Array(4), new Float32Array(5), { m: 2, k: 2, n: 3, transB: true })).rejects.toThrow(
      /B: has 5 elements, expected 6 for n × k = 3 × 2 \(transposed\)/,
    );
    await expect(linear(new Float32Array(5), new Float32Array(6), new Float32Array(4), { batch: 2, inFeatures: 2, outFeatures: 3 })).rejects.toThrow(
      /C: has 5 elements, expected 6/,
    );
    await expect(matmul(C, new Float32Array(4), new Float32Array(6), { m: 2.5, k: 2, n: 3 })).rejects.toThrow(/m: must be a non-negative integer \(got 2.5\)/);
  });
});
