/**
 * The allocation's measurement on the GPU (kernels/group-costs.wgsl) against its twin,
 * src/quant/allocate.ts measureGroupCosts.
 *
 * Tolerance: sizes and sensitivities come from the same host code (exact). Each loss is a sum of
 * len non-negative terms h·d², accumulated in f32 on the GPU and in f64 by the twin; with d itself
 * one f32 rounding away, the relative error is at most γ_(len+3) (Higham 3.1). Where the clipping
 * search meets two candidate grids whose errors lie within that rounding of each other, the GPU
 * may keep the other one, whose error is within the same bound of the twin's — hence 2·γ_(len+3)
 * relative per loss. Allocations over the two sets of costs are compared as well (measured:
 * identical widths).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeDevice, groupCostsOnDevice, KernelLimitError, KernelShapeError } from '../../kernels/index.js';
import { allocateBits, concatGroupCosts, measureGroupCosts, type GroupCosts, type MeasureOptions } from '../../src/quant/allocate.js';
import { QuantInputError } from '../../src/quant/errors.js';
import { Rng, gamma, randomNormal, requireGpu, readStories } from './_helpers.js';

afterAll(closeDevice);

/** Largest |gpu − twin| / (2·γ_(len+3)·twin) over all losses; ≤ 1 is within the bound. */
function worstLoss(got: GroupCosts, want: GroupCosts): number {
  expect(got.sizes).toEqual(want.sizes);
  expect(got.sensitivity).toEqual(want.sensitivity);
  expect(got.loss.length).toBe(want.loss.length);
  const K = want.maxBits - want.minBits + 1;
  let worst = 0;
  for (let i = 0; i < want.loss.length; i++) {
    const d = Math.abs(got.loss[i] - want.loss[i]);
    if (d === 0) continue;
    const bound = 2 * gamma(want.sizes[Math.floor(i / K)] + 3) * want.loss[i];
    worst = Math.max(worst, bound > 0 ? d / bound : Infinity);
  }
  return worst;
}

function positive(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => 0.05 + 4 * rng.next() ** 2);
}

async function onGpu(
  W: Float32Array,
  rows: number,
  cols: number,
  h: Float64Array | undefined,
  o: MeasureOptions,
  limits?: { maxBindingBytes?: number; maxWorkgroupsPerDimension?: number },
): Promise<GroupCosts> {
  const r = await groupCostsOnDevice(W, rows, cols, h, o, { device: 'gpu', limits });
  expect(r.run.ran).toBe('gpu');
  return r.costs;
}

describe('group costs: GPU vs measureGroupCosts', () => {
  const cases: [rows: number, cols: number, groupSize: number, minBits: number, maxBits: number, clip: boolean][] = [
    [1, 1, 32, 2, 8, true],
    [3, 70, 32, 2, 8, true], // ragged 6-wide tail group
    [64, 172, 32, 2, 8, true], // w2-like: ragged 12-wide tail
    [40, 256, 64, 1, 8, false],
    [17, 300, 128, 2, 6, true],
    [9, 512, 256, 3, 8, true],
  ];
  it.for(cases)(
    'random weights %i × %i, group %i, widths %i..%i, clip %s: every loss within 2·γ(len+3)',
    async ([rows, cols, gs, minBits, maxBits, clip], ctx) => {
      await requireGpu(ctx);
      const rng = new Rng(rows * 7 + cols + gs);
      // Heavy tails (a few 8σ weights) so that the clipping search has outliers to cut.
      const W = randomNormal(rng, rows * cols, 0.02).map((x) => (rng.next() < 0.01 ? 8 * x : x));
      const h = positive(rng, cols);
      const o = { groupSize: gs, minBits, maxBits, clip, importance: 1.5 };
      expect(worstLoss(await onGpu(W, rows, cols, h, o), measureGroupCosts(W, rows, cols, h, o))).toBeLessThanOrEqual(1);
    },
  );

  it('without diag(H) (plain squared error) and with an explicit ladder top', async (ctx) => {
    await requireGpu(ctx);
    const rng = new Rng(5);
    const W = randomNormal(rng, 32 * 96, 0.1);
    const o = { groupSize: 32, clip: true, scaleExp: 2 };
    expect(worstLoss(await onGpu(W, 32, 96, undefined, o), measureGroupCosts(W, 32, 96, undefined, o))).toBeLessThanOrEqual(1);
  });

  it('chunked by rows and by dispatch size: the same losses as unchunked, bit for bit', async (ctx) => {
    await requireGpu(ctx);
    const rng = new Rng(9);
    const rows = 50;
    const cols = 200;
    const W = randomNormal(rng, rows * cols, 0.02);
    const h = positive(rng, cols);
    const o = { groupSize: 32, clip: true };
    const whole = await onGpu(W, rows, cols, h, o);
    // 7 groups × 7 widths × 4 bytes = 196 bytes per row of errors, 800 per row of weights: 3 rows per chunk.
    const chunked = await onGpu(W, rows, cols, h, o, { maxBindingBytes: 2400, maxWorkgroupsPerDimension: 1 });
    expect(Array.from(chunked.loss)).toEqual(Array.from(whole.loss));
  });

  it('stories260K matrices (layer 0 wq, w1, w2): losses within the bound, and the joint allocation at 3 bits is the same', async (ctx) => {
    await requireGpu(ctx);
    const s = readStories();
    const { dim, hidden } = s.config;
    const rng = new Rng(2);
    const mats: [Float32Array, number, number][] = [
      [s.wq0, dim, dim],
      [s.w1, hidden, dim],
      [s.w2, dim, hidden],
    ];
    const gpu: GroupCosts[] = [];
    const cpu: GroupCosts[] = [];
    for (const [W, rows, cols] of mats) {
      const h = positive(rng, cols);
      const o = { groupSize: 32, clip: true };
      gpu.push(await onGpu(W, rows, cols, h, o));
      cpu.push(measureGroupCosts(W, rows, cols, h, o));
      expect(worstLoss(gpu.at(-1)!, cpu.at(-1)!)).toBeLessThanOrEqual(1);
    }
    const a = allocateBits(concatGroupCosts(gpu), { budgetBitsPerWeight: 3 });
    const b = allocateBits(concatGroupCosts(cpu), { budgetBitsPerWeight: 3 });
    expect(Array.from(a.widths)).toEqual(Array.from(b.widths));
  });

  it('device cpu is the twin itself', async () => {
    const rng = new Rng(4);
    const W = randomNormal(rng, 8 * 64, 1);
    const r = await groupCostsOnDevice(W, 8, 64, undefined, { groupSize: 32 }, { device: 'cpu' });
    expect(r.run.ran).toBe('cpu');
    expect(Array.from(r.costs.loss)).toEqual(Array.from(measureGroupCosts(W, 8, 64, undefined, { groupSize: 32 }).loss));
  });
});

describe('group costs: bad input', () => {
  it('non-finite weights and bad options fail with the twin’s errors, before any dispatch', async (ctx) => {
    await requireGpu(ctx);
    const W = new Float32Array(4 * 64).fill(0.5);
    W[100] = NaN;
    const twin = (): GroupCosts => measureGroupCosts(W, 4, 64, undefined, { groupSize: 32 });
    expect(twin).toThrow(QuantInputError);
    const message = (() => {
      try {
        twin();
      } catch (err) {
        return (err as Error).message;
      }
    })();
    await expect(groupCostsOnDevice(W, 4, 64, undefined, { groupSize: 32 }, { device: 'gpu' })).rejects.toThrow(message);
    await expect(groupCostsOnDevice(new Float32Array(64), 1, 64, new Float64Array(3), {}, { device: 'gpu' })).rejects.toThrow(
      /Hessian diagonal has 3 entries, expected cols = 64/,
    );
    await expect(groupCostsOnDevice(new Float32Array(64), 1, 64, undefined, { minBits: 5, maxBits: 3 }, { device: 'gpu' })).rejects.toThrow(
      /width range 5\.\.3/,
    );
  });

  it('a wrong array type or length names the operand; a row that cannot fit one binding is a limit error', async (ctx) => {
    await requireGpu(ctx);
    await expect(groupCostsOnDevice(new Float64Array(8) as unknown as Float32Array, 2, 4, undefined)).rejects.toThrow(KernelShapeError);
    await expect(groupCostsOnDevice(new Float32Array(7), 2, 4, undefined)).rejects.toThrow(/has 7 values, expected rows·cols = 8/);
    await expect(groupCostsOnDevice(new Float32Array(2 * 256), 2, 256, undefined, {}, { device: 'gpu', limits: { maxBindingBytes: 512 } })).rejects.toThrow(
      KernelLimitError,
    );
  });
});
