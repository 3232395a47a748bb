/**
 * The vec4 fast path (kernels/linear4.wgsl) behind matmul with transB and behind the Hessian:
 * integer data must agree with the twins bit for bit (f32 sums of small integers are exact in any
 * order), which pins down the row and column tails of its 8 × 64 workgroup tiles, split
 * dispatches, the skipped blocks of the upper-triangle mode and the zero rows that pad the
 * Hessian's rows to a multiple of 4; real-valued data must stay within the f32 dot-product bound.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeDevice, hessianAccumulate, hessianAccumulateTs, linear, matmulTs } from '../../kernels/index.js';
import { linear4Fits, linear4Gpu } from '../../kernels/linear4.js';
import { Rng, U32, abs, countDifferent, gamma, randomInts, randomNormal, requireGpu, worstRatio } from './_helpers.js';

afterAll(closeDevice);

describe('linear4: GPU vs twin', () => {
  const shapes: [m: number, k: number, n: number][] = [
    [1, 4, 1],
    [9, 8, 255],
    [17, 100, 257],
    [8, 64, 512],
    [33, 172, 300],
  ];
  it.for(shapes)('Y = X·Wᵀ on integer data, m=%i k=%i n=%i: bit-exact', async ([m, k, n], ctx) => {
    const gpu = await requireGpu(ctx);
    expect(linear4Fits(m, k, n, gpu.limits)).toBe(true);
    const rng = new Rng(m * 31 + k * 7 + n);
    const X = randomInts(rng, m * k, 9);
    const W = randomInts(rng, n * k, 9);
    const got = new Float32Array(m * n).fill(NaN);
    await linear4Gpu(gpu, got, X, W, m, k, n, gpu.limits);
    const want = new Float32Array(m * n);
    matmulTs(want, X, W, m, k, n, true);
    expect(countDifferent(got, want)).toBe(0);
    // matmul's own entry point takes the same path and gives the same bits.
    const viaLinear = new Float32Array(m * n);
    expect((await linear(viaLinear, W, X, { batch: m, inFeatures: k, outFeatures: n }, { device: 'gpu' })).ran).toBe('gpu');
    expect(countDifferent(viaLinear, want)).toBe(0);
  });

  it('split dispatches (at most 2 workgroups per dimension) cover every output once', async (ctx) => {
    const gpu = await requireGpu(ctx);
    const [m, k, n] = [41, 12, 700];
    const rng = new Rng(3);
    const X = randomInts(rng, m * k, 9);
    const W = randomInts(rng, n * k, 9);
    const limits = gpu.chunkLimits({ maxWorkgroupsPerDimension: 2 });
    const got = new Float32Array(m * n).fill(NaN);
    await linear4Gpu(gpu, got, X, W, m, k, n, limits);
    const want = new Float32Array(m * n);
    matmulTs(want, X, W, m, k, n, true);
    expect(countDifferent(got, want)).toBe(0);
  });

  it('upper mode writes exactly the entries j ≥ i (blocks wholly left of the diagonal are not computed)', async (ctx) => {
    const gpu = await requireGpu(ctx);
    const n = 600; // blocks of 8 rows × 64 columns: row block r0 skips the ⌊r0/64⌋ blocks left of it
    const k = 20;
    const rng = new Rng(5);
    const Xt = randomInts(rng, n * k, 6);
    const got = new Float32Array(n * n).fill(-1);
    await linear4Gpu(gpu, got, Xt, Xt, n, k, n, gpu.limits, true);
    const want = new Float32Array(n * n);
    matmulTs(want, Xt, Xt, n, k, n, true);
    let wrong = 0;
    let untouched = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (j >= i && got[i * n + j] !== want[i * n + j]) wrong++;
        if (j < i && got[i * n + j] === -1) untouched++;
      }
    }
    expect(wrong).toBe(0);
    expect(untouched).toBe((n * (n - 1)) / 2); // below the diagonal C is left as it was: the caller mirrors
  });

  it('the Hessian path: rows not a multiple of 4 (zero padding), n over one column block — bit-exact, H₀ added', async (ctx) => {
    await requireGpu(ctx);
    for (const [rows, n] of [
      [7, 300],
      [61, 257],
      [2, 9],
    ] as const) {
      const rng = new Rng(rows + n);
      const X = randomInts(rng, rows * n, 8);
      const H0 = randomInts(rng, n * n, 10);
      const gpu = H0.slice();
      expect((await hessianAccumulate(gpu, X, { rows, n }, { device: 'gpu' })).ran).toBe('gpu');
      const twin = H0.slice();
      hessianAccumulateTs(twin, X, rows, n);
      expect(countDifferent(gpu, twin)).toBe(0);
    }
  });

  it('real-valued data: within γ_k·Σ|a·b| + u·|y| of the f64 twin', async (ctx) => {
    const gpu = await requireGpu(ctx);
    const [m, k, n] = [70, 768, 300];
    const rng = new Rng(11);
    const X = randomNormal(rng, m * k);
    const W = randomNormal(rng, n * k, 0.02);
    const got = new Float32Array(m * n);
    await linear4Gpu(gpu, got, X, W, m, k, n, gpu.limits);
    const want = new Float32Array(m * n);
    matmulTs(want, X, W, m, k, n, true);
    const S = new Float32Array(m * n);
    matmulTs(S, abs(X), abs(W), m, k, n, true);
    const bound = Float64Array.from(S, (s, i) => gamma(k) * (1 + 1e-6) * s + U32 * Math.abs(want[i]));
    expect(worstRatio(got, want, bound)).toBeLessThanOrEqual(1);
  });

  it('k not a multiple of 4, an operand over one binding, or vec4Products off: not this path', () => {
    const limits = { maxBindingBytes: 1 << 20, maxWorkgroupsPerDimension: 65535, vec4Products: true };
    expect(linear4Fits(10, 6, 10, limits)).toBe(false);
    expect(linear4Fits(10, 0, 10, limits)).toBe(false);
    expect(linear4Fits(1024, 512, 4, limits)).toBe(false); // A is 2 MiB
    expect(linear4Fits(4, 512, 4, limits)).toBe(true);
    expect(linear4Fits(4, 512, 4, { ...limits, vec4Products: false })).toBe(false); // a GPU's choice: the tiled kernels
  });
});
