/**
 * GPTQ on the GPU (kernels/gptq.ts, gptq-block.wgsl, gptq-update.wgsl) against its twin,
 * src/quant/gptq.ts gptqQuantize.
 *
 * Tolerance, and why: the twin runs the column loop in f64, the GPU in f32. A weight whose f32
 * value lands on the other side of a rounding boundary (w/scale near a half-integer, or a
 * clipping-search tie) gets the neighbouring code, and the different error then feeds back into
 * the rest of its row, so codes can differ in a few places — never the quantizer's meaning. What
 * must hold exactly: shape, widths, the ladder top scaleExp and the dampening used (all decided
 * on the host in f64, as the twin decides them). What is bounded:
 *   - differing codes ≤ 0.5 % of the weights, differing grids (scale code or zero point) ≤ 0.5 %
 *     of the groups;
 *   - the layer loss tr(ΔW H ΔWᵀ) and the summed per-group OBS losses within 1 % of the twin's.
 * Measured on lavapipe (2026-11-30): correlated Hessians (test/quant/_quant-fixtures.ts), 64 to
 * 2048 columns, 2–8 bits, groups of 16–128, clipping on and off: at most 0.16 % differing codes
 * (8-bit groups, whose grid steps are finest; ≤ 0.07 % at ≤ 4 bits, most cases 0) and a layer
 * loss within 0.13 % of the twin's (the GPU's is as often lower as higher); stories260K's 35
 * matrices with Hessians from calibration at 2, 3 and 4 bits: no code differs with the 3 × 256
 * calibration tokens used here, 4 of 1.36 M (0.036 % of one matrix, loss +0.08 %) with the full
 * 9 × 512. The bounds leave ≥ 3× headroom for an adapter that contracts or divides differently in f32.
 * Splitting (row chunks, U panels, split dispatches) changes no arithmetic, so chunked runs must
 * match the unchunked GPU run bit for bit.
 */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { closeDevice, getDevice, gptqOnDevice, GptqOverflowError, KernelLimitError, KernelShapeError } from '../../kernels/index.js';
import { DnarchiveError } from '../../src/errors.js';
import { NotPositiveDefiniteError, QuantInputError } from '../../src/quant/errors.js';
import { gptqQuantize, type GptqOptions, type GptqResult } from '../../src/quant/gptq.js';
import { dequantizeMatrix, groupsPerRow } from '../../src/quant/groups.js';
import { calibrate, LINEAR_NAMES, linearShape, readLlama2c, readStories as readStorySplit, readTokenizer } from '../../src/quant/index.js';
import { layerLoss } from '../../src/quant/rtn.js';
import { correlatedHessian, randomMatrix } from '../quant/_quant-fixtures.js';
import { Rng, countDifferent, requireGpu } from './_helpers.js';
import { MODEL as STORIES_PATH } from '../_fixtures.js';
import { TEXT, TOKENIZER } from '../_fixtures.js';

afterAll(closeDevice);

const WHERE = 'gptqOnDevice';
const MAX_CODE_SHARE = 0.005;
const MAX_GRID_SHARE = 0.005;
const MAX_LOSS_RATIO = 0.01;

interface Parity {
  codeShare: number;
  gridShare: number;
  loss: number;
  groupLoss: number;
}

/** Checks GPU against twin: exact where the host decides, bounded where f32 rounding can differ. */
function expectClose(got: GptqResult, want: GptqResult, W: Float32Array, H: Float64Array): Parity {
  const { rows, cols, groupSize } = want;
  expect([got.rows, got.cols, got.groupSize, got.scaleExp, got.percdamp]).toEqual([rows, cols, groupSize, want.scaleExp, want.percdamp]);
  expect(got.widths).toEqual(want.widths);
  // Every code and zero point lies on its group's grid.
  const G = groupsPerRow(cols, groupSize);
  for (let i = 0; i < got.codes.length; i++) expect(got.codes[i] >> got.widths[Math.floor(i / cols) * G + Math.floor((i % cols) / groupSize)]).toBe(0);
  for (let g = 0; g < got.zeros.length; g++) expect(got.zeros[g] >> got.widths[g]).toBe(0);
  let grids = 0;
  for (let g = 0; g < got.zeros.length; g++) if (got.zeros[g] !== want.zeros[g] || got.scaleCodes[g] !== want.scaleCodes[g]) grids++;
  const sum = (a: Float64Array) => a.reduce((s, x) => s + x, 0);
  const lw = layerLoss(W, dequantizeMatrix(want), rows, cols, H);
  const lg = layerLoss(W, dequantizeMatrix(got), rows, cols, H);
  const p: Parity = {
    codeShare: countDifferent(got.codes, want.codes) / got.codes.length,
    gridShare: grids / got.zeros.length,
    loss: lw === 0 ? (lg === 0 ? 1 : Infinity) : lg / lw,
    groupLoss: sum(want.groupLoss) === 0 ? (sum(got.groupLoss) === 0 ? 1 : Infinity) : sum(got.groupLoss) / sum(want.groupLoss),
  };
  expect(p.codeShare).toBeLessThanOrEqual(MAX_CODE_SHARE);
  expect(p.gridShare).toBeLessThanOrEqual(MAX_GRID_SHARE);
  expect(Math.abs(p.loss - 1)).toBeLessThanOrEqual(MAX_LOSS_RATIO);
  expect(Math.abs(p.groupLoss - 1)).toBeLessThanOrEqual(MAX_LOSS_RATIO);
  return p;
}

async function onGpu(
  W: Float32Array,
  rows: number,
  cols: number,
  H: Float64Array,
  options: GptqOptions,
  limits?: { maxBindingBytes?: number; maxWorkgroupsPerDimension?: number },
) {
  const { result, run } = await gptqOnDevice(W, rows, cols, H, options, { device: 'gpu', limits });
  expect(run.ran).toBe('gpu');
  return result;
}

function expectIdentical(got: GptqResult, want: GptqResult): void {
  expect(countDifferent(got.codes, want.codes)).toBe(0);
  expect(countDifferent(got.scaleCodes, want.scaleCodes)).toBe(0);
  expect(countDifferent(got.zeros, want.zeros)).toBe(0);
  expect(countDifferent(got.groupLoss, want.groupLoss)).toBe(0);
  expect(got.widths).toEqual(want.widths);
}

function mixedWidths(rng: Rng, rows: number, cols: number, groupSize: number, lo: number, hi: number): Uint8Array {
  return Uint8Array.from({ length: rows * groupsPerRow(cols, groupSize) }, () => lo + rng.below(hi - lo + 1));
}

describe('gptqOnDevice: GPU vs gptqQuantize', () => {
  const cases: [label: string, rows: number, cols: number, groupSize: number, bits: 'mixed' | number, blockSize: number | undefined, tokens: number][] = [
    ['1 × 1', 1, 1, 32, 4, undefined, 8],
    ['7 × 45, groups of 8, widths 2..6, blocks of 16 (ragged tail, odd rows)', 7, 45, 8, 'mixed', 16, 200],
    ['64 × 172 (w2-like ragged groups), 3 bits', 64, 172, 32, 3, undefined, 400],
    ['100 × 300, widths 1..8', 100, 300, 32, 'mixed', undefined, 600],
    ['130 × 256, groups of 64, 4 bits, fewer tokens than columns', 130, 256, 64, 4, undefined, 100],
    ['256 × 512, 4 bits', 256, 512, 32, 4, undefined, 1024],
  ];
  for (const clip of [false, true]) {
    it.for(cases)(
      `%s, clip ${clip}: exact shape/widths/scaleExp/percdamp, codes and losses within the f32 bounds`,
      async ([, rows, cols, gs, bitsArg, blockSize, tokens], ctx) => {
        await requireGpu(ctx);
        const rng = new Rng(rows * 1000 + cols + (clip ? 7 : 0));
        const { H } = correlatedHessian(rng, cols, tokens);
        const W = randomMatrix(rng, rows, cols, 0.05);
        const bits = bitsArg === 'mixed' ? mixedWidths(rng, rows, cols, gs, cols === 45 ? 2 : 1, cols === 45 ? 6 : 8) : bitsArg;
        const options: GptqOptions = { groupSize: gs, bits, blockSize, clip };
        expectClose(await onGpu(W, rows, cols, H, options), gptqQuantize(W, rows, cols, H, options), W, H);
      },
    );
  }

  it('dead inputs (zero Hessian diagonal) and a Hessian that needs the dampening retries: same percdamp, dead columns decode to 0', async (ctx) => {
    await requireGpu(ctx);
    const [rows, cols] = [20, 48];
    const rng = new Rng(9);
    const { H } = correlatedHessian(rng, cols, 100);
    for (const j of [0, 17, 47]) for (let k = 0; k < cols; k++) H[j * cols + k] = H[k * cols + j] = 0;
    const W = randomMatrix(rng, rows, cols, 0.05);
    const want = gptqQuantize(W, rows, cols, H, { groupSize: 16, bits: 3 });
    const got = await onGpu(W, rows, cols, H, { groupSize: 16, bits: 3 });
    expectClose(got, want, W, H);
    const deq = dequantizeMatrix(got);
    for (let r = 0; r < rows; r++) for (const j of [0, 17, 47]) expect(deq[r * cols + j]).toBe(0);

    // Indefinite with a positive diagonal: fails at 1 %, 10 % and 100 % dampening, factors at 1000 %.
    const Hbad = new Float64Array([1, 3, 3, 1]);
    const W2 = Float32Array.from([0.3, -0.2, 0.1, 0.05]);
    const twin = gptqQuantize(W2, 2, 2, Hbad, { groupSize: 2, where: WHERE });
    expect(twin.percdamp).toBe(10);
    expectClose(await onGpu(W2, 2, 2, Hbad, { groupSize: 2 }), twin, W2, Hbad);
  });

  it('stories260K, all 35 matrices with Hessians from calibration, 2 and 3 bits clipped, 4 bits not: within the bounds (measured: identical)', async (ctx) => {
    await requireGpu(ctx);
    const files = storiesFiles(ctx);
    const model = readLlama2c(files.model);
    const tokenizer = readTokenizer(files.tokenizer, 512);
    const { collector } = calibrate(model, tokenizer, readStorySplit(files.text).calibration.slice(0, 3), 256);
    let differing = 0;
    let total = 0;
    let worstLoss = 0;
    for (let l = 0; l < model.config.nLayers; l++) {
      for (const name of LINEAR_NAMES) {
        const [rows, cols] = linearShape(model.config, name);
        const W = model.layers[l][name];
        const H = collector.get(l, name)!.hessian();
        for (const [bits, clip] of [
          [2, true],
          [3, true],
          [4, false],
        ] as const) {
          const options: GptqOptions = { bits, clip, groupSize: 32 };
          const p = expectClose(await onGpu(W, rows, cols, H, options), gptqQuantize(W, rows, cols, H, options), W, H);
          differing += p.codeShare * rows * cols;
          total += rows * cols;
          worstLoss = Math.max(worstLoss, Math.abs(p.loss - 1));
        }
      }
    }
    expect(differing / total).toBeLessThanOrEqual(MAX_CODE_SHARE / 5);
    expect(worstLoss).toBeLessThanOrEqual(MAX_LOSS_RATIO);
  });
});

describe('gptqOnDevice: splitting', () => {
  const [rows, cols, gs] = [150, 100, 8];
  const rng = new Rng(21);
  const { H } = correlatedHessian(rng, cols, 300);
  const W = randomMatrix(rng, rows, cols, 0.05);

  it('row chunks, U in panels and split dispatches give the unchunked result bit for bit', async (ctx) => {
    await requireGpu(ctx);
    const options: GptqOptions = { groupSize: gs, bits: mixedWidths(new Rng(2), rows, cols, gs, 2, 5), blockSize: 16, clip: true };
    const whole = await onGpu(W, rows, cols, H, options);
    expectClose(whole, gptqQuantize(W, rows, cols, H, options), W, H);
    // 40 rows per binding: W in chunks of 40 rows; U in panels of 32 rows (two blocks of 16).
    for (const limits of [{ maxBindingBytes: 40 * cols * 4 }, { maxBindingBytes: 40 * cols * 4 + 100, maxWorkgroupsPerDimension: 1 }]) {
      expectIdentical(await onGpu(W, rows, cols, H, options, limits), whole);
    }
  });

  it('a block of U rows larger than a binding shrinks the block size to whole groups that fit', async (ctx) => {
    await requireGpu(ctx);
    // 40 rows fit: the default block (104 columns here) becomes 40, as if blockSize were 40.
    const got = await onGpu(W, rows, cols, H, { groupSize: gs, bits: 4 }, { maxBindingBytes: 40 * cols * 4 });
    expectIdentical(got, await onGpu(W, rows, cols, H, { groupSize: gs, bits: 4, blockSize: 40 }));
    expectClose(got, gptqQuantize(W, rows, cols, H, { groupSize: gs, bits: 4 }), W, H);
  });

  it('a row of W, or one group of U rows, larger than a binding is a KernelLimitError', async (ctx) => {
    await requireGpu(ctx);
    await expect(gptqOnDevice(W, rows, cols, H, { groupSize: gs }, { device: 'gpu', limits: { maxBindingBytes: cols * 4 - 4 } })).rejects.toThrow(
      /kernel gptq: one row of W or U \(100 floats, 400 bytes\) exceeds the device's 396-byte storage binding/,
    );
    await expect(gptqOnDevice(W, rows, cols, H, { groupSize: 64 }, { device: 'gpu', limits: { maxBindingBytes: 40 * cols * 4 } })).rejects.toThrow(
      KernelLimitError,
    );
    await expect(gptqOnDevice(W, rows, cols, H, { groupSize: 64 }, { device: 'gpu', limits: { maxBindingBytes: 40 * cols * 4 } })).rejects.toThrow(
      /one group's 64 rows of U/,
    );
  });
});

describe('gptqOnDevice: bad input and the CPU path', () => {
  /** The twin's error for these arguments (named as gptqOnDevice names them). */
  function twinError(W: Float32Array, rows: number, cols: number, H: Float64Array, options: GptqOptions): Error {
    try {
      gptqQuantize(W, rows, cols, H, { ...options, where: WHERE });
    } catch (err) {
      return err as Error;
    }
    throw new Error('the twin accepted the input');
  }

  const rng = new Rng(4);
  const W = randomMatrix(rng, 6, 40, 0.1);
  const { H } = correlatedHessian(rng, 40, 80);
  const bad: [label: string, W: Float32Array, rows: number, cols: number, H: Float64Array, options: GptqOptions][] = [
    ['W shorter than rows·cols', W.subarray(0, 200), 6, 40, H, {}],
    ['a fractional shape', W, 6.5, 40, H, {}],
    ['H of the wrong size', W, 6, 40, H.subarray(0, 39 * 39), {}],
    ['a NaN weight', W.map((x, i) => (i === 77 ? NaN : x)), 6, 40, H, {}],
    ['an infinite weight', W.map((x, i) => (i === 3 ? -Infinity : x)), 6, 40, H, {}],
    ['widths of the wrong count', W, 6, 40, H, { bits: new Uint8Array(5) }],
    ['a width of 9', W, 6, 40, H, { bits: 9 }],
    ['blockSize 0', W, 6, 40, H, { blockSize: 0 }],
    ['a negative percdamp', W, 6, 40, H, { percdamp: -1 }],
    ['a negative Hessian diagonal', W, 6, 40, H.map((x, i) => (i === 41 ? -1 : x)), {}],
    ['an indefinite Hessian with no retries', Float32Array.from([1, 2]), 1, 2, new Float64Array([1, 2, 2, 1]), { dampRetries: 0, groupSize: 2 }],
    ['a ladder top out of range', W, 6, 40, H, { scaleExp: 400 }],
  ];

  it.for(bad)("%s: the twin's typed error, on the GPU and on the CPU", async ([, w, rows, cols, h, options], ctx) => {
    await requireGpu(ctx);
    const want = twinError(w, rows, cols, h, options);
    expect(want).toBeInstanceOf(DnarchiveError);
    expect(want instanceof QuantInputError || want instanceof NotPositiveDefiniteError).toBe(true);
    for (const device of ['gpu', 'cpu'] as const) {
      const got = await gptqOnDevice(w, rows, cols, h, options, { device }).then(
        () => null,
        (err: Error) => err,
      );
      expect(got?.constructor).toBe(want.constructor);
      expect(got?.message).toBe(want.message);
    }
  });

  it('arguments of the wrong type are KernelShapeErrors', async () => {
    await expect(gptqOnDevice([1, 2] as unknown as Float32Array, 1, 2, new Float64Array(4))).rejects.toThrow(KernelShapeError);
    await expect(gptqOnDevice(new Float32Array(2), 1, 2, new Float32Array(4) as unknown as Float64Array)).rejects.toThrow(
      /kernel gptq: H: must be a Float64Array \(got Float32Array\)/,
    );
  });

  it('device cpu runs gptqQuantize itself', async () => {
    const options: GptqOptions = { groupSize: 8, bits: 3, clip: true };
    const { result, run } = await gptqOnDevice(W, 6, 40, H, options, { device: 'cpu' });
    expect(run.ran).toBe('cpu');
    expect(result).toEqual(gptqQuantize(W, 6, 40, H, { ...options, where: WHERE }));
  });

  it('f32 overflow the f64 twin survives: a typed error under device gpu, the twin under auto', async (ctx) => {
    await requireGpu(ctx);
    // Huge weights at 1 bit and a huge Hessian: e = (w − ŵ)/U[j][j] leaves the f32 range.
    const r = new Rng(1);
    const { H: h } = correlatedHessian(r, 64, 32);
    const Hh = h.map((x) => x * 1e8);
    const Wh = randomMatrix(r, 4, 64, 1).map((x) => Math.sign(x) * 4e37);
    const want = gptqQuantize(Wh, 4, 64, Hh, { bits: 1, where: WHERE });
    await expect(gptqOnDevice(Wh, 4, 64, Hh, { bits: 1 }, { device: 'gpu' })).rejects.toThrow(GptqOverflowError);
    await expect(gptqOnDevice(Wh, 4, 64, Hh, { bits: 1 }, { device: 'gpu' })).rejects.toThrow(
      /^gptqOnDevice: weight \(\d+, \d+\) is not finite in f32 after GPTQ's error feedback/,
    );
    const { result, run } = await gptqOnDevice(Wh, 4, 64, Hh, { bits: 1 });
    expect(run.ran).toBe('cpu');
    expect(run.ran === 'cpu' && run.reason).toMatch(/not finite in f32/);
    expect(result).toEqual(want);
  });

  // Last: it destroys the process's device.
  it('a device lost between blocks: auto reruns the twin and returns exactly its result', async (ctx) => {
    const gpu = await requireGpu(ctx);
    const [rows, cols] = [30, 96];
    const r = new Rng(8);
    const { H: h } = correlatedHessian(r, cols, 200);
    const w = randomMatrix(r, rows, cols, 0.05);
    const options: GptqOptions = { groupSize: 32, bits: 4, blockSize: 32 };
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const realRun = gpu.run.bind(gpu);
    let calls = 0;
    const spy = vi.spyOn(gpu, 'run').mockImplementation(async (...args) => {
      if (++calls === 2) {
        gpu.device.destroy();
        await gpu.device.lost;
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      return realRun(...args);
    });
    try {
      const { result, run } = await gptqOnDevice(w, rows, cols, h, options);
      expect(calls).toBe(2);
      expect(run).toEqual({ ran: 'cpu', reason: gpu.lostReason });
      expect(result).toEqual(gptqQuantize(w, rows, cols, h, { ...options, where: WHERE }));
      await expect(gptqOnDevice(w, rows, cols, h, options, { device: 'gpu' })).rejects.toThrow(/WebGPU device unavailable: device lost/);
    } finally {
      spy.mockRestore();
      stderr.mockRestore();
      await closeDevice();
    }
    expect((await getDevice({ device: 'auto' })).kind).toBe('gpu');
  });
});

/** stories260K, its tokenizer and the TinyStories sample (test/fixtures). */
function storiesFiles(ctx: { skip: (note?: string) => never }): { model: string; tokenizer: string; text: string } {
  const files = {
    model: STORIES_PATH,
    tokenizer: TOKENIZER,
    text: TEXT,
  };
  const missing = Object.values(files).filter((f) => !existsSync(f));
  if (missing.length === 0) return files;
  if (process.env.CI) throw new Error(`CI must run the real-data kernel tests, but ${missing.join(', ')} is missing`);
  return ctx.skip(`${missing.join(', ')} not found`);
}
