import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/random.js';
import { F16_TABLE, f16RoundDown, f16RoundUp, f16ToF32, f32ToF16 } from '../../src/quant/f16.js';
import { chooseGrid, dequantizeMatrix, groupSizes, groupsPerRow } from '../../src/quant/groups.js';
import { layerLoss, rtnQuantize } from '../../src/quant/rtn.js';
import { QuantInputError } from '../../src/quant/errors.js';
import { randomMatrix } from './_quant-fixtures.js';

describe('f16 conversion', () => {
  it('matches known bit patterns, including ties to even, subnormals and overflow', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff],
      [65519.99, 0x7bff],
      [65520, 0x7c00], // the tie above the largest finite rounds to Inf (even)
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -14 - 2 ** -24, 0x03ff], // largest subnormal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie between 0 and 2^-24 → even (0)
      [1.5 * 2 ** -25, 0x0001],
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 subnormal units → even (2)
      [1 / 3, 0x3555],
      [1 + 2 ** -11, 0x3c00], // tie → even mantissa 0
      [1 + 3 * 2 ** -11, 0x3c02], // tie → even mantissa 2
      [1 + 2 ** -11 + 2 ** -20, 0x3c01], // just above the tie
      [Math.PI, 0x4248],
      [0.1, 0x2e66],
    ];
    for (const [x, h] of cases) expect([x, f32ToF16(x)]).toEqual([x, h]);
    expect(f32ToF16(NaN)).toBe(0x7e00);
    expect(Number.isNaN(f16ToF32(0x7e00))).toBe(true);
    expect(f16ToF32(0x7c00)).toBe(Infinity);
    expect(f16ToF32(0x3555)).toBe(0.333251953125);
    expect(f16ToF32(0x0001)).toBe(2 ** -24);
    expect(Object.is(f16ToF32(0x8000), -0)).toBe(true);
  });

  it('round-trips every finite f16 exactly', () => {
    for (let h = 0; h < 65536; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue; // NaN
      expect(f32ToF16(F16_TABLE[h])).toBe(h);
    }
  });

  it('f32 → f16 is the nearest f16, ties to even (checked against the decoded neighbours)', () => {
    const view = new Float32Array(1);
    const bits = new Uint32Array(view.buffer);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (u) => {
        bits[0] = u;
        const x = view[0];
        if (!Number.isFinite(x) || Math.abs(x) >= 65520) return;
        const h = f32ToF16(x);
        const v = F16_TABLE[h];
        const lo = F16_TABLE[h & 0x7fff ? h - (x >= 0 ? 1 : -1) : h];
        expect(Math.abs(v - x)).toBeLessThanOrEqual(Math.abs(lo - x) + 0);
        // The neighbour on the other side is not closer either, and on a tie v has an even mantissa.
        const up = (h & 0x7fff) === 0x7bff ? Infinity : F16_TABLE[x >= 0 ? h + 1 : h + 1];
        const errV = Math.abs(v - x);
        for (const w of [lo, up]) {
          const errW = Math.abs(w - x);
          expect(errV <= errW).toBe(true);
          if (errV === errW && w !== v) expect(h & 1).toBe(0);
        }
      }),
      { numRuns: 20000 },
    );
  });

  it('directed rounding brackets the value', () => {
    fc.assert(
      fc.property(fc.double({ min: -65000, max: 65000, noNaN: true }), (x) => {
        const d = f16RoundDown(x);
        const u = f16RoundUp(x);
        expect(F16_TABLE[d]).toBeLessThanOrEqual(x);
        expect(F16_TABLE[u]).toBeGreaterThanOrEqual(x);
        expect(F16_TABLE[u] - F16_TABLE[d]).toBeLessThanOrEqual(Math.max(2 ** -24, Math.abs(x) * 2 ** -10));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('groups and grids', () => {
  it('lays out ragged tail groups (172 = 5·32 + 12)', () => {
    expect(groupsPerRow(172, 32)).toBe(6);
    const sizes = groupSizes(2, 172, 32);
    expect(Array.from(sizes)).toEqual([32, 32, 32, 32, 32, 12, 32, 32, 32, 32, 32, 12]);
  });

  it('the stored f16 grid covers its group: no weight is clipped', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (vals, b) => {
        const v = Float32Array.from(vals);
        const grid = new Uint16Array(2);
        chooseGrid(v, 0, v.length, b, grid, 'test');
        const s = F16_TABLE[grid[0]];
        const mn = F16_TABLE[grid[1]];
        let lo = Infinity;
        let hi = -Infinity;
        for (const x of v) {
          lo = Math.min(lo, x);
          hi = Math.max(hi, x);
        }
        expect(mn).toBeLessThanOrEqual(lo);
        expect(mn + s * ((1 << b) - 1)).toBeGreaterThanOrEqual(hi);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects values beyond the f16 range with a typed error naming the group', () => {
    expect(() => rtnQuantize(new Float32Array([1, 2, 1e6, 0]), 2, 2, { groupSize: 2 })).toThrow(/value 1000000 at index 2 \(group at index 2\) is outside the f16 range/);
    expect(() => rtnQuantize(new Float32Array([1, NaN]), 1, 2)).toThrow(QuantInputError);
  });
});

describe('RTN', () => {
  it('each weight is within half a step of its group grid, decoded with the stored f16 values', () => {
    const rng = new Rng(1);
    const rows = 7;
    const cols = 75;
    const W = randomMatrix(rng, rows, cols, 0.3);
    const G = groupsPerRow(cols, 32);
    const widths = new Uint8Array(rows * G);
    for (let g = 0; g < widths.length; g++) widths[g] = 1 + (g % 8);
    const q = rtnQuantize(W, rows, cols, { groupSize: 32, bits: widths });
    const What = dequantizeMatrix(q);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const g = r * G + Math.floor(c / 32);
        const s = F16_TABLE[q.scales[g]];
        expect(q.codes[r * cols + c]).toBeLessThan(1 << widths[g]);
        expect(What[r * cols + c]).toBe(Math.fround(F16_TABLE[q.mins[g]] + s * q.codes[r * cols + c]));
        expect(Math.abs(What[r * cols + c] - W[r * cols + c])).toBeLessThanOrEqual(s / 2 + 1e-6 * s + 1e-9);
      }
    expect(Array.from(q.widths)).toEqual(Array.from(widths));
  });

  it('8 bits reconstructs within 1/510 of each group range; error falls with width', () => {
    const rng = new Rng(2);
    const W = randomMatrix(rng, 16, 64, 1);
    const q8 = dequantizeMatrix(rtnQuantize(W, 16, 64, { bits: 8 }));
    let maxRel = 0;
    for (let r = 0; r < 16; r++)
      for (let k = 0; k < 2; k++) {
        let lo = Infinity;
        let hi = -Infinity;
        for (let c = 32 * k; c < 32 * k + 32; c++) {
          lo = Math.min(lo, W[r * 64 + c]);
          hi = Math.max(hi, W[r * 64 + c]);
        }
        for (let c = 32 * k; c < 32 * k + 32; c++) maxRel = Math.max(maxRel, Math.abs(q8[r * 64 + c] - W[r * 64 + c]) / (hi - lo));
      }
    expect(maxRel).toBeLessThan(1 / 510 + 1e-3 / 255);
    const I = new Float64Array(64 * 64);
    for (let j = 0; j < 64; j++) I[j * 65] = 1;
    let prev = Infinity;
    for (let b = 2; b <= 8; b++) {
      const loss = layerLoss(W, dequantizeMatrix(rtnQuantize(W, 16, 64, { bits: b })), 16, 64, I);
      expect(loss).toBeLessThan(prev);
      prev = loss;
    }
  });

  it('a constant group decodes to its value (up to f16) with scale 0', () => {
    const W = new Float32Array(32).fill(0.125);
    const q = rtnQuantize(W, 1, 32, { bits: 3 });
    expect(q.scales[0]).toBe(0);
    expect(Array.from(dequantizeMatrix(q))).toEqual(Array.from(W));
  });
});
