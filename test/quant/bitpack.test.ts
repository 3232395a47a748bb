import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { groupedCodeBits, packBits, packedBits, packGroupedCodes, unpackBits, unpackGroupedCodes } from '../../src/quant/bitpack.js';
import { BitPackError } from '../../src/quant/errors.js';
import { groupsPerRow } from '../../src/quant/groups.js';

/** Independent reference: build the bit string as text, then cut it into bytes. */
function referencePack(values: number[], widths: number[]): Uint8Array {
  let s = '';
  values.forEach((v, i) => {
    if (widths[i] > 0) s += v.toString(2).padStart(widths[i], '0');
  });
  while (s.length % 8) s += '0';
  const out = new Uint8Array(s.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(8 * i, 8 * i + 8), 2);
  return out;
}

const valuesWithWidths = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constant(16)), { maxLength: 300 })
  .chain((widths) => fc.tuple(fc.constant(widths), fc.tuple(...widths.map((w) => fc.integer({ min: 0, max: 2 ** w - 1 })))));

describe('packBits', () => {
  it('is MSB-first: known bytes', () => {
    expect(Array.from(packBits(new Uint16Array([1, 0b101, 0xabcd]), new Uint8Array([1, 3, 16])))).toEqual([0b11011010, 0b10111100, 0b11010000]);
    expect(Array.from(packBits(new Uint8Array([3, 3, 3, 3, 3]), new Uint8Array([2, 2, 2, 2, 2])))).toEqual([0xff, 0xc0]);
    expect(packBits(new Uint8Array(0), new Uint8Array(0)).length).toBe(0);
  });

  it('matches a bit-string reference and round-trips, widths 0..8 and 16', () => {
    fc.assert(
      fc.property(valuesWithWidths, ([widths, values]) => {
        const w = Uint8Array.from(widths);
        const v = Uint16Array.from(values);
        const packed = packBits(v, w);
        expect(packed.length).toBe(Math.ceil(packedBits(w) / 8));
        expect(Array.from(packed)).toEqual(Array.from(referencePack(values, widths)));
        expect(Array.from(unpackBits(packed, w))).toEqual(values);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects values that do not fit, widths above 16 and truncated data', () => {
    expect(() => packBits(new Uint8Array([4]), new Uint8Array([2]))).toThrow(BitPackError);
    expect(() => packBits(new Uint8Array([4]), new Uint8Array([2]))).toThrow(/value 4 at index 0 does not fit in 2 bits/);
    expect(() => packBits(new Uint8Array([1]), new Uint8Array([0]))).toThrow(BitPackError);
    expect(() => packBits(new Uint32Array([1]), new Uint8Array([17]))).toThrow(/exceeds 16/);
    expect(() => unpackBits(new Uint8Array([0xff]), new Uint8Array([8, 1]))).toThrow(/packed data ends early/);
  });
});

describe('packGroupedCodes', () => {
  it('equals packBits with the widths expanded per weight, and round-trips (ragged groups)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer(),
        (rows, cols, groupSize, seed) => {
          const G = groupsPerRow(cols, groupSize);
          const widths = new Uint8Array(rows * G);
          let x = seed >>> 0;
          const next = (): number => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
          for (let g = 0; g < widths.length; g++) widths[g] = 1 + (next() % 8);
          const codes = new Uint8Array(rows * cols);
          const perWeight = new Uint8Array(rows * cols);
          for (let r = 0; r < rows; r++)
            for (let c = 0; c < cols; c++) {
              const w = widths[r * G + Math.floor(c / groupSize)];
              perWeight[r * cols + c] = w;
              codes[r * cols + c] = next() % (1 << w);
            }
          const packed = packGroupedCodes(codes, rows, cols, groupSize, widths);
          expect(packed.length * 8 - groupedCodeBits(rows, cols, groupSize, widths)).toBeLessThan(8);
          expect(Array.from(packed)).toEqual(Array.from(packBits(codes, perWeight)));
          expect(Array.from(unpackGroupedCodes(packed, rows, cols, groupSize, widths))).toEqual(Array.from(codes));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('names the weight whose code is too wide for its group', () => {
    expect(() => packGroupedCodes(new Uint8Array([1, 2, 3, 4]), 2, 2, 2, new Uint8Array([2, 1]))).toThrow(/code 3 at \(1, 0\) does not fit its group's 1 bits/);
  });
});
