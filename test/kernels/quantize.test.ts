/**
 * Group-wise quantization on the GPU (kernels/quantize*.wgsl, dequantize.wgsl) against the
 * quantizer's own TypeScript (src/quant/rtn.ts rtnQuantize, groups.ts dequantizeMatrix): codes,
 * scale codes and zero points must be bit-identical, and so must the dequantized weights. No tolerance.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeDevice, dequantizeGroups, KernelShapeError, quantizeGroups } from '../../kernels/index.js';
import { dequantizeMatrix, groupsPerRow, type QuantizedMatrix } from '../../src/quant/groups.js';
import { QuantInputError } from '../../src/quant/errors.js';
import { rtnQuantize } from '../../src/quant/rtn.js';
import { Rng, countDifferent, randomNormal, requireGpu, readStories } from './_helpers.js';

afterAll(closeDevice);

function expectSame(got: QuantizedMatrix, want: QuantizedMatrix): void {
  expect(got.scaleExp).toBe(want.scaleExp);
  expect(countDifferent(got.scaleCodes, want.scaleCodes)).toBe(0);
  expect(countDifferent(got.zeros, want.zeros)).toBe(0);
  expect(countDifferent(got.codes, want.codes)).toBe(0);
  expect(got.widths).toEqual(want.widths);
  expect([got.rows, got.cols, got.groupSize]).toEqual([want.rows, want.cols, want.groupSize]);
}

function randomWidths(rng: Rng, rows: number, cols: number, groupSize: number): Uint8Array {
  return Uint8Array.from({ length: rows * groupsPerRow(cols, groupSize) }, () => 1 + rng.below(8));
}

async function gpuQuant(
  W: Float32Array,
  rows: number,
  cols: number,
  groupSize: number,
  bits: number | Uint8Array,
  limits?: { maxBindingBytes?: number; maxWorkgroupsPerDimension?: number },
) {
  const r = await quantizeGroups(W, rows, cols, { groupSize, bits }, { device: 'gpu', limits });
  expect(r.run.ran).toBe('gpu');
  return r;
}

describe('quantize / dequantize: GPU vs src/quant', () => {
  const shapes: [rows: number, cols: number, groupSize: number][] = [
    [1, 1, 32],
    [3, 70, 32],
    [64, 172, 32], // w2-like: ragged 12-wide tail group
    [100, 129, 16],
    [7, 5, 64],
    [33, 256, 64],
  ];
  it.for(shapes)(
    'random weights %i × %i, group %i, per-group widths 1..8: codes, scale codes, zero points and dequantized weights bit-exact',
    async ([rows, cols, gs], ctx) => {
      await requireGpu(ctx);
      const rng = new Rng(rows * 31 + cols + gs);
      // Mixed magnitudes per row so that the grids span many rungs of the scale ladder.
      const W = randomNormal(rng, rows * cols, 1).map((x, i) => x * 2 ** ((Math.floor(i / cols) % 9) - 6));
      const bits = randomWidths(rng, rows, cols, gs);
      const want = rtnQuantize(W, rows, cols, { groupSize: gs, bits });
      expectSame((await gpuQuant(W, rows, cols, gs, bits)).matrix, want);
      const deq = await dequantizeGroups(want, { device: 'gpu' });
      expect(deq.run.ran).toBe('gpu');
      expect(countDifferent(deq.weights, dequantizeMatrix(want))).toBe(0);
    },
  );

  it('exact rounding ties (w − min = (q + ½)·scale) are recomputed on the host and match Math.round', async (ctx) => {
    await requireGpu(ctx);
    // Each 16-wide group holds 0 and 15 (so min 0, scale 1 at 4 bits) and half-integers between.
    const rows = 8;
    const cols = 48;
    const W = new Float32Array(rows * cols);
    for (let i = 0; i < W.length; i++) W[i] = i % 16 === 0 ? 0 : i % 16 === 1 ? 15 : (i % 15) + 0.5;
    const r = await gpuQuant(W, rows, cols, 16, 4);
    expect(r.recomputed).toBeGreaterThan(0);
    expectSame(r.matrix, rtnQuantize(W, rows, cols, { groupSize: 16, bits: 4 }));
  });

  it('chunked rows and split dispatches give the same matrix', async (ctx) => {
    await requireGpu(ctx);
    const [rows, cols, gs] = [50, 100, 32];
    const rng = new Rng(11);
    const W = randomNormal(rng, rows * cols, 0.05);
    const bits = randomWidths(rng, rows, cols, gs);
    const want = rtnQuantize(W, rows, cols, { groupSize: gs, bits });
    const limits = { maxBindingBytes: cols * 4 * 3, maxWorkgroupsPerDimension: 1 };
    expectSame((await gpuQuant(W, rows, cols, gs, bits, limits)).matrix, want);
    const deq = await dequantizeGroups(want, { device: 'gpu', limits });
    expect(countDifferent(deq.weights, dequantizeMatrix(want))).toBe(0);
  });

  it('stories260K matrices at 2, 3, 4 and 8 bits, groups of 32 and 64: bit-exact', async (ctx) => {
    await requireGpu(ctx);
    const w = readStories();
    const { dim, hidden, vocab } = w.config;
    const mats: [Float32Array, number, number][] = [
      [w.embedding, vocab, dim],
      [w.wq0, dim, dim],
      [w.w1, hidden, dim],
      [w.w2, dim, hidden],
    ];
    for (const [W, rows, cols] of mats) {
      for (const gs of [32, 64]) {
        for (const bits of [2, 3, 4, 8]) {
          const want = rtnQuantize(W, rows, cols, { groupSize: gs, bits });
          expectSame((await gpuQuant(W, rows, cols, gs, bits)).matrix, want);
        }
      }
      const want = rtnQuantize(W, rows, cols, { groupSize: 32, bits: 3 });
      expect(countDifferent((await dequantizeGroups(want, { device: 'gpu' })).weights, dequantizeMatrix(want))).toBe(0);
    }
  });

  it('non-finite weights behave exactly as in the twin (same codes, or the same QuantInputError)', async (ctx) => {
    await requireGpu(ctx);
    for (const bad of [NaN, Infinity, -Infinity, 70000]) {
      const W = randomNormal(new Rng(5), 4 * 40, 1);
      W[50] = bad;
      let want: QuantizedMatrix | Error;
      try {
        want = rtnQuantize(W, 4, 40, { groupSize: 32, bits: 4 });
      } catch (err) {
        want = err as Error;
      }
      if (want instanceof Error) {
        expect(want).toBeInstanceOf(QuantInputError);
        await expect(quantizeGroups(W, 4, 40, { groupSize: 32, bits: 4 }, { device: 'gpu' })).rejects.toThrow(
          want.message.replace('rtnQuantize', 'quantizeGroups'),
        );
      } else expectSame((await gpuQuant(W, 4, 40, 32, 4)).matrix, want);
    }
  });
});

describe('quantize: entry checks', () => {
  it('device cpu runs rtnQuantize itself', async () => {
    const W = randomNormal(new Rng(1), 6 * 10, 1);
    const r = await quantizeGroups(W, 6, 10, { groupSize: 4, bits: 3 }, { device: 'cpu' });
    expect(r.run.ran).toBe('cpu');
    expectSame(r.matrix, rtnQuantize(W, 6, 10, { groupSize: 4, bits: 3 }));
  });

  it('bad shapes and widths are typed errors', async () => {
    await expect(quantizeGroups(new Float32Array(10), 3, 4)).rejects.toThrow(QuantInputError);
    await expect(quantizeGroups(new Float32Array(12), 3, 4, { groupSize: 2, bits: new Uint8Array(5) })).rejects.toThrow(
      /widths has 5 entries, expected one per group \(6\)/,
    );
    await expect(quantizeGroups(new Float32Array(12), 3, 4, { bits: 9 })).rejects.toThrow(/width 9 of group 0 is outside 1..8/);
    await expect(quantizeGroups([1, 2] as unknown as Float32Array, 1, 2)).rejects.toThrow(KernelShapeError);
    const m = rtnQuantize(new Float32Array(12), 3, 4, { groupSize: 2 });
    await expect(dequantizeGroups({ ...m, scaleCodes: new Uint8Array(5) })).rejects.toThrow(/kernel dequantize: scaleCodes: has 5 elements, expected 6/);
    await expect(dequantizeGroups({ ...m, scaleExp: 400 })).rejects.toThrow(/kernel dequantize: scaleExp: must be an integer within/);
  });
});
