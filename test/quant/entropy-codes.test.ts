/**
 * Entropy-coded quantized codes (src/quant/entropy/codes.ts): round trips over random shapes,
 * group sizes (ragged last groups included) and per-group widths; the stream's size against
 * fixed-rate packing; the table layout; and typed errors for truncated, corrupt or mismatched
 * streams and for codes that do not fit their widths.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCodes, encodeCodes, EntropyInputError, EntropyStreamError, type CodedMatrix } from '../../src/quant/entropy/index.js';
import { Rng } from '../../src/random.js';

/** A matrix whose codes are uniform, bell-shaped about the middle of their width, or constant. */
function matrix(
  rows: number,
  cols: number,
  groupSize: number,
  widthsOf: (g: number) => number,
  seed: number,
  shape: 'uniform' | 'bell' | 'constant',
): CodedMatrix {
  const rng = new Rng(seed);
  const G = Math.ceil(cols / groupSize);
  const widths = Uint8Array.from({ length: rows * G }, (_, g) => widthsOf(g));
  const codes = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < cols; j++) {
      const b = widths[r * G + Math.floor(j / groupSize)];
      const top = (1 << b) - 1;
      if (shape === 'constant') codes[r * cols + j] = top >> 1;
      else if (shape === 'uniform') codes[r * cols + j] = rng.below(top + 1);
      else codes[r * cols + j] = Math.min(top, Math.max(0, Math.round(top / 2 + (rng.next() + rng.next() + rng.next() - 1.5) * (top / 3))));
    }
  return { rows, cols, groupSize, widths, codes };
}

const matrices = fc
  .record({
    rows: fc.integer({ min: 1, max: 24 }),
    cols: fc.integer({ min: 1, max: 90 }),
    groupSize: fc.integer({ min: 1, max: 40 }),
    widths: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 4 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    shape: fc.constantFrom<'uniform' | 'bell' | 'constant'>('uniform', 'bell', 'constant'),
  })
  .map(({ rows, cols, groupSize, widths, seed, shape }) => matrix(rows, cols, groupSize, (g) => widths[(g * 7 + seed) % widths.length], seed, shape));

const fixedRateBytes = (m: CodedMatrix): number => {
  const G = Math.ceil(m.cols / m.groupSize);
  let bits = 0;
  for (let g = 0; g < m.widths.length; g++) bits += m.widths[g] * Math.min(m.groupSize, m.cols - (g % G) * m.groupSize);
  return Math.ceil(bits / 8);
};

describe('encodeCodes / decodeCodes', () => {
  it('round-trip any shape, group size and mix of widths 1..8, deterministically', () => {
    fc.assert(
      fc.property(matrices, (m) => {
        const bytes = encodeCodes(m);
        expect(decodeCodes(bytes, m.rows, m.cols, m.groupSize, m.widths)).toEqual(m.codes);
        expect(encodeCodes(m)).toEqual(bytes);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trip with every fixed table precision 2^8..2^16', () => {
    const m = matrix(16, 172, 32, (g) => 2 + (g % 4), 3, 'bell');
    for (let n = 8; n <= 16; n++) {
      const bytes = encodeCodes(m, { scaleBits: n });
      expect(bytes[1]).toBe(n);
      expect(decodeCodes(bytes, m.rows, m.cols, m.groupSize, m.widths)).toEqual(m.codes);
    }
  });

  it('bell-shaped 3-bit codes cost well under 3 bits; uniform ones no more than fixed rate plus the tables', () => {
    const bell = matrix(64, 172, 32, () => 3, 1, 'bell');
    expect((8 * encodeCodes(bell).length) / bell.codes.length).toBeLessThan(2.6);
    const uniform = matrix(64, 172, 32, () => 3, 2, 'uniform');
    expect(encodeCodes(uniform).length).toBeLessThanOrEqual(fixedRateBytes(uniform) + 2 + 14 + 4); // header, one 8-entry table, coder state
    const constant = matrix(64, 172, 32, () => 5, 3, 'constant');
    expect(encodeCodes(constant).length).toBeLessThanOrEqual(2 + 7 + 4);
  });

  it('stores the tables as the layout says: format, precision, then k and flagged frequencies per width', () => {
    // One 1-bit group of two weights, codes 0 and 1, at 2^8: f = [128, 128], k = 8.
    const bytes = encodeCodes({ rows: 1, cols: 2, groupSize: 2, widths: Uint8Array.of(1), codes: Uint8Array.of(0, 1) }, { scaleBits: 8 });
    expect(bytes[0]).toBe(1);
    expect(bytes[1]).toBe(8);
    // 01000 (k = 8), 1 (f_0 > 0), 01111111 (f_0 − 1 = 127), then 2 padding bits: 0100 0101 | 1111 1100.
    expect(Array.from(bytes.subarray(2, 4))).toEqual([0b01000101, 0b11111100]);
    expect(bytes.length).toBe(4 + 4 + 0); // the two 1-bit symbols fit in the state's spare room
  });
});

describe('bad input and damaged streams', () => {
  const m = matrix(8, 172, 32, (g) => 2 + (g % 3), 7, 'bell');
  const bytes = encodeCodes(m);
  const decode = (b: Uint8Array, widths = m.widths, rows = m.rows, cols = m.cols) => decodeCodes(b, rows, cols, m.groupSize, widths);

  it('every truncation is an EntropyStreamError, never a hang or a partial result', () => {
    for (let len = 0; len < bytes.length; len++) expect(() => decode(bytes.subarray(0, len)), `length ${len}`).toThrow(EntropyStreamError);
    expect(() => decode(bytes.subarray(0, 1))).toThrow(/decodeCodes: byte 1: stream of 1 byte\(s\) has no header: truncated/);
    expect(() => decode(bytes.subarray(0, 3))).toThrow(/stream ends inside the 2-bit table: truncated/);
  });

  it('a wrong header, a changed byte, or other widths or shape are reported', () => {
    const other = bytes.slice();
    other[0] = 7;
    expect(() => decode(other)).toThrow(/byte 0: format 7, expected 1: not an entropy-coded code stream/);
    const scale = bytes.slice();
    scale[1] = 20;
    expect(() => decode(scale)).toThrow(/table precision 2\^20 is outside 2\^8\.\.2\^16/);
    for (let i = 2; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i] ^= 0x10;
      expect(() => decode(bad), `byte ${i}`).toThrow(EntropyStreamError);
    }
    const widths = m.widths.slice();
    widths[5] = widths[5] === 4 ? 3 : 4; // same set of widths, other groups
    expect(() => decode(bytes, widths)).toThrow(EntropyStreamError);
    expect(() => decode(bytes, m.widths.subarray(1))).toThrow(/widths, expected one per group/);
    expect(() => decode(bytes, new Uint8Array(m.widths.length).fill(9))).toThrow(/group 0 has width 9, outside 1\.\.8/);
  });

  it('codes that do not fit their width are an EntropyInputError naming row and column', () => {
    const bad = { ...m, codes: m.codes.slice() };
    bad.codes[2 * 172 + 33] = 200;
    expect(() => encodeCodes(bad)).toThrow(EntropyInputError);
    expect(() => encodeCodes(bad)).toThrow(/code 200 at row 2, column 33 does not fit its group's width of \d bits/);
    expect(() => encodeCodes({ ...m, codes: m.codes.subarray(1) })).toThrow(/1375 codes for a 8×172 matrix/);
    expect(() => encodeCodes(m, { scaleBits: 20 })).toThrow(/scaleBits 20 is outside 8\.\.16/);
  });
});
