/**
 * GPU bit packing (kernels/bitpack.wgsl) against src/quant/bitpack.ts packGroupedCodes: the bytes
 * must be identical, for every width 0…16, ragged tail groups, and chunk boundaries that fall
 * inside a byte; bad input must raise the twin's own BitPackError.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeDevice, packCodes } from '../../kernels/index.js';
import { packGroupedCodes, unpackGroupedCodes } from '../../src/quant/bitpack.js';
import { BitPackError } from '../../src/quant/errors.js';
import { groupsPerRow } from '../../src/quant/groups.js';
import { rtnQuantize } from '../../src/quant/rtn.js';
import { Rng, countDifferent, requireGpu, readStories } from './_helpers.js';

afterAll(closeDevice);

/** Random widths in [lo, hi] and codes that fit them. */
function randomCodes(rng: Rng, rows: number, cols: number, groupSize: number, lo: number, hi: number) {
  const G = groupsPerRow(cols, groupSize);
  const widths = Uint8Array.from({ length: rows * G }, () => lo + rng.below(hi - lo + 1));
  const codes = new Uint8Array(rows * cols);
  for (let i = 0; i < codes.length; i++) {
    const w = widths[Math.floor(i / cols) * G + Math.floor((i % cols) / groupSize)];
    codes[i] = rng.below(2 ** Math.min(w, 8));
  }
  return { codes, widths };
}

describe('bitpack: GPU vs packGroupedCodes', () => {
  it.for<[number, number, number, number, number]>([
    [1, 1, 32, 1, 8],
    [3, 70, 32, 1, 8],
    [64, 172, 32, 2, 5],
    [100, 129, 16, 0, 16],
    [7, 5, 64, 3, 3],
    [40, 33, 7, 1, 8],
  ])('%i × %i codes, groups of %i, widths %i..%i: identical bytes', async ([rows, cols, gs, lo, hi], ctx) => {
    await requireGpu(ctx);
    const { codes, widths } = randomCodes(new Rng(rows * 100 + cols + gs), rows, cols, gs, lo, hi);
    const want = packGroupedCodes(codes, rows, cols, gs, widths);
    const got = await packCodes(codes, widths, { rows, cols, groupSize: gs }, { device: 'gpu' });
    expect(got.run.ran).toBe('gpu');
    expect(got.packed.length).toBe(want.length);
    expect(countDifferent(got.packed, want)).toBe(0);
    if (hi <= 8)
      expect(unpackGroupedCodes(got.packed, rows, cols, gs, widths)).toEqual(
        codes.map((c, i) => (widths[Math.floor(i / cols) * groupsPerRow(cols, gs) + Math.floor((i % cols) / gs)] === 0 ? 0 : c)),
      );
  });

  it('row chunks whose boundaries fall mid-word are merged exactly', async (ctx) => {
    await requireGpu(ctx);
    const [rows, cols, gs] = [45, 37, 8];
    const { codes, widths } = randomCodes(new Rng(9), rows, cols, gs, 1, 7);
    const want = packGroupedCodes(codes, rows, cols, gs, widths);
    for (const limits of [{ maxBindingBytes: 3 * (4 * cols + 8 * 5) }, { maxBindingBytes: 4 * cols + 8 * 5, maxWorkgroupsPerDimension: 1 }]) {
      const got = await packCodes(codes, widths, { rows, cols, groupSize: gs }, { device: 'gpu', limits });
      expect(countDifferent(got.packed, want)).toBe(0);
    }
  });

  it('stories260K w1 quantized at mixed widths packs identically', async (ctx) => {
    await requireGpu(ctx);
    const w = readStories();
    const { hidden, dim } = w.config;
    const rng = new Rng(4);
    const bits = Uint8Array.from({ length: hidden * groupsPerRow(dim, 32) }, () => 2 + rng.below(5));
    const m = rtnQuantize(w.w1, hidden, dim, { groupSize: 32, bits });
    const got = await packCodes(m.codes, m.widths, { rows: hidden, cols: dim, groupSize: 32 }, { device: 'gpu' });
    expect(countDifferent(got.packed, packGroupedCodes(m.codes, hidden, dim, 32, m.widths))).toBe(0);
  });

  it("a code too wide for its group, or a width over 16, is the twin's BitPackError", async (ctx) => {
    await requireGpu(ctx);
    const { codes, widths } = randomCodes(new Rng(2), 4, 20, 8, 2, 4);
    widths[5] = 2;
    codes[1 * 20 + 18] = 7; // row 1, group 2 (columns 16..19)
    const message = (() => {
      try {
        packGroupedCodes(codes, 4, 20, 8, widths);
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    })();
    expect(message).toMatch(/does not fit its group's 2 bits/);
    await expect(packCodes(codes, widths, { rows: 4, cols: 20, groupSize: 8 }, { device: 'gpu' })).rejects.toThrow(BitPackError);
    await expect(packCodes(codes, widths, { rows: 4, cols: 20, groupSize: 8 }, { device: 'gpu' })).rejects.toThrow(message);
    widths[5] = 17;
    await expect(packCodes(codes, widths, { rows: 4, cols: 20, groupSize: 8 }, { device: 'gpu' })).rejects.toThrow(/width 17 of value 5 exceeds 16/);
  });

  it('mismatched shapes are KernelShapeErrors; device cpu runs the twin', async () => {
    await expect(packCodes(new Uint8Array(5), new Uint8Array(2), { rows: 2, cols: 3, groupSize: 2 })).rejects.toThrow(
      /kernel bitpack: codes: has 5 elements, expected 6/,
    );
    await expect(packCodes(new Uint8Array(6), new Uint8Array(3), { rows: 2, cols: 3, groupSize: 2 })).rejects.toThrow(
      /kernel bitpack: widths: has 3 elements, expected 4/,
    );
    const r = await packCodes(new Uint8Array([1, 2, 3, 0, 1, 1]), new Uint8Array([2, 2, 1, 1]), { rows: 2, cols: 3, groupSize: 2 }, { device: 'cpu' });
    expect(r.run.ran).toBe('cpu');
    expect(Array.from(r.packed)).toEqual(Array.from(packGroupedCodes(new Uint8Array([1, 2, 3, 0, 1, 1]), 2, 3, 2, new Uint8Array([2, 2, 1, 1]))));
  });
});
