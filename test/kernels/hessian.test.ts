/**
 * Parity of the Hessian kernel (kernels/hessian.wgsl) with its twin, H += XᵀX.
 * Integer data: exact in f32 whatever the summation order, so GPU and twin must agree bit for bit
 * (this pins down tiling, tails, the mirrored triangle and chunking). Real-valued data: the twin
 * sums in f64, the GPU in f32, so they may differ by the f32 dot-product bound
 * γ_{rows+1}·(|H₀| + Σ_r |x_ri·x_rj|) + u·|H| (u = 2⁻²⁴; Higham, Accuracy and Stability, 3.1).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeDevice, hessianAccumulate, hessianAccumulateTs, KernelShapeError } from '../../kernels/index.js';
import { OptionError } from '../../src/validate.js';
import { Rng, U32, abs, countDifferent, gamma, randomInts, randomNormal, requireGpu, readStories, worstRatio } from './_helpers.js';

afterAll(closeDevice);

/** Per-entry bound on |H_gpu − H_twin| (see the header). */
function hessianBound(H0: Float32Array, X: Float32Array, rows: number, n: number, Htwin: Float32Array): Float64Array {
  const S = new Float32Array(n * n);
  hessianAccumulateTs(S, abs(X), rows, n);
  const g = gamma(rows + 1) * (1 + 1e-6); // the 1e-6 absorbs S's own f32 rounding
  return Float64Array.from(S, (s, i) => g * (Math.abs(H0[i]) + s) + U32 * Math.abs(Htwin[i]));
}

async function both(
  H0: Float32Array,
  X: Float32Array,
  rows: number,
  n: number,
  limits?: { maxBindingBytes?: number; maxWorkgroupsPerDimension?: number; vec4Products?: boolean },
) {
  const gpu = H0.slice();
  const run = await hessianAccumulate(gpu, X, { rows, n }, { device: 'gpu', limits });
  expect(run.ran).toBe('gpu');
  const twin = H0.slice();
  hessianAccumulateTs(twin, X, rows, n);
  return { gpu, twin };
}

describe('hessian: GPU vs twin', () => {
  const shapes: [rows: number, n: number][] = [
    [1, 1],
    [5, 3],
    [16, 64],
    [37, 70],
    [130, 129],
    [200, 65],
    [3, 200],
  ];
  it.for(shapes)('integer data, rows=%i n=%i: bit-exact, tails and mirrored triangle included', async ([rows, n], ctx) => {
    await requireGpu(ctx);
    const rng = new Rng(rows * 1000 + n);
    const X = randomInts(rng, rows * n, 8);
    const H0 = randomInts(rng, n * n, 10); // not symmetric: each triangle is read and written on its own
    // Both product kernels: the vec4 one (CPU drivers' default) and the tiled one (GPUs').
    for (const vec4Products of [true, false]) {
      const { gpu, twin } = await both(H0, X, rows, n, { vec4Products });
      expect(countDifferent(gpu, twin)).toBe(0);
    }
  });

  it('chunked: X in row chunks, H in row blocks, dispatches split per dimension — still bit-exact', async (ctx) => {
    await requireGpu(ctx);
    const rows = 150;
    const n = 130;
    const rng = new Rng(7);
    const X = randomInts(rng, rows * n, 8);
    const H0 = randomInts(rng, n * n, 10);
    // 40 rows of 130 floats per binding: 4 X chunks and 4 H blocks (so no mirror); ≤ 1 workgroup per dimension.
    for (const limits of [
      { maxBindingBytes: 40 * n * 4, maxWorkgroupsPerDimension: 1 },
      { maxBindingBytes: n * n * 4, maxWorkgroupsPerDimension: 2 },
    ]) {
      const { gpu, twin } = await both(H0, X, rows, n, limits);
      expect(countDifferent(gpu, twin)).toBe(0);
    }
  });

  it.for([
    [300, 100],
    [1000, 33],
  ])('real-valued data, rows=%i n=%i: within the f32 accumulation bound, and symmetric', async ([rows, n], ctx) => {
    await requireGpu(ctx);
    const rng = new Rng(rows + n);
    const X = randomNormal(rng, rows * n, 0.5);
    const half = randomNormal(rng, n * n, 3);
    const H0 = Float32Array.from(half, (_, k) => half[Math.min(k, (k % n) * n + Math.floor(k / n))]); // symmetric start
    for (const vec4Products of [true, false]) {
      const { gpu, twin } = await both(H0, X, rows, n, { vec4Products });
      expect(worstRatio(gpu, twin, hessianBound(H0, X, rows, n, twin))).toBeLessThanOrEqual(1);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(gpu[i * n + j]).toBe(gpu[j * n + i]);
    }
  });

  it('stories260K: H of the token embeddings (512 × 64) and of layer 0 w2 rows (64 × 172), within the bound', async (ctx) => {
    await requireGpu(ctx);
    const w = readStories();
    const { dim, hidden, vocab } = w.config;
    for (const [X, rows, n] of [
      [w.embedding, vocab, dim],
      [w.w2, dim, hidden],
    ] as const) {
      const H0 = new Float32Array(n * n);
      const { gpu, twin } = await both(H0, X, rows, n);
      expect(worstRatio(gpu, twin, hessianBound(H0, X, rows, n, twin))).toBeLessThanOrEqual(1);
      let diag = 0;
      for (let i = 0; i < n; i++) diag += gpu[i * n + i];
      expect(diag).toBeGreaterThan(0); // real weights: a non-trivial H, not two matching zeros
    }
  });
});

describe('hessian: entry checks', () => {
  it('device cpu runs the twin', async () => {
    const X = new Float32Array([1, 2, 3, 4, 5, 6]);
    const H = new Float32Array(4);
    const run = await hessianAccumulate(H, X, { rows: 3, n: 2 }, { device: 'cpu' });
    expect(run.ran).toBe('cpu');
    expect(Array.from(H)).toEqual([35, 44, 44, 56]);
  });

  it('mismatched shapes and bad options are typed one-line errors', async () => {
    const H = new Float32Array(4);
    await expect(hessianAccumulate(H, new Float32Array(5), { rows: 3, n: 2 })).rejects.toThrow(KernelShapeError);
    await expect(hessianAccumulate(H, new Float32Array(5), { rows: 3, n: 2 })).rejects.toThrow(
      'kernel hessian: X: has 5 elements, expected 6 for rows × n = 3 × 2',
    );
    await expect(hessianAccumulate(new Float32Array(3), new Float32Array(6), { rows: 3, n: 2 })).rejects.toThrow(/H: has 3 elements, expected 4/);
    await expect(hessianAccumulate(new Float64Array(4) as unknown as Float32Array, new Float32Array(6), { rows: 3, n: 2 })).rejects.toThrow(
      /H: must be a Float32Array \(got Float64Array\)/,
    );
    await expect(hessianAccumulate(H, new Float32Array(6), { rows: -3, n: 2 })).rejects.toThrow(/rows: must be a non-negative integer/);
    await expect(hessianAccumulate(H, new Float32Array(6), { rows: 3, n: 2 }, { device: 'tpu' as 'gpu' })).rejects.toThrow(OptionError);
  });
});
