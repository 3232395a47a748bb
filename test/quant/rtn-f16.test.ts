import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/random.js';
import { F16_TABLE, f16RoundDown, f16RoundUp, f16ToF32, f32ToF16 } from '../../src/quant/f16.js';
import {
  chooseGrid,
  dequantizeMatrix,
  dequantizeValue,
  groupSizes,
  groupsPerRow,
  quantizeValue,
  scaleExponentFor,
  scaleLadder,
} from '../../src/quant/groups.js';
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

  it('the scale ladder: f32 rungs 2^(E − c/16), exact, strictly decreasing', () => {
    for (const E of [-20, -3, 0, 5]) {
      const t = scaleLadder(E);
      expect(t.length).toBe(256);
      for (let c = 0; c < 256; c++) {
        expect(t[c]).toBe(Math.fround(2 ** (E - c / 16)));
        if (c > 0) expect(t[c]).toBeLessThan(t[c - 1]);
      }
    }
    expect(() => scaleLadder(500)).toThrow(QuantInputError);
  });

  it('the ladder top covers the matrix at its narrowest width with a factor-2 margin', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (vals, b) => {
        const v = Float32Array.from(vals);
        const maxAbs = v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
        const E = scaleExponentFor(v, b);
        if (maxAbs < 1e-30) return; // tops below 2^-110 are clamped there (the ladder stays normal f32)
        const need = (2 * maxAbs) / ((1 << b) - 1);
        expect(2 ** E).toBeGreaterThanOrEqual(2 * need);
        expect(2 ** (E - 1)).toBeLessThan(2 * need);
      }),
      { numRuns: 1000 },
    );
  });

  it('without clipping, the grid is the smallest covering rung and every weight is within half a step', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (vals, b) => {
        const v = Float32Array.from(vals);
        const E = scaleExponentFor(v, 1);
        const ladder = scaleLadder(E);
        const grid = new Uint8Array(2);
        chooseGrid(v, 0, v.length, b, E, grid, 'test');
        const [c, z] = grid;
        const maxq = (1 << b) - 1;
        const s = ladder[c];
        const lo = Math.min(0, ...v);
        const hi = Math.max(0, ...v);
        expect(z).toBeLessThanOrEqual(maxq);
        if (hi > lo) {
          expect(s * maxq).toBeGreaterThanOrEqual(hi - lo);
          if (c < 255) expect(ladder[c + 1] * maxq).toBeLessThan(hi - lo);
        }
        for (const x of v) expect(Math.abs(dequantizeValue(quantizeValue(x, s, z, maxq), s, z) - x)).toBeLessThanOrEqual(s / 2 + 1e-7 * Math.abs(x));
      }),
      { numRuns: 2000 },
    );
  });

  it('the clipping search never does worse than the covering grid, under its weights', () => {
    const rng = new Rng(4);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + rng.below(64);
      const b = 1 + rng.below(8);
      const v = Float32Array.from({ length: n }, () => (rng.below(20) === 0 ? 8 : 1) * (rng.nextU32() / 2 ** 32 - 0.4));
      const h = Float64Array.from({ length: n }, () => 0.1 + rng.nextU32() / 2 ** 32);
      const E = scaleExponentFor(v, 2);
      const ladder = scaleLadder(E);
      const err = (grid: Uint8Array): number => {
        const maxq = (1 << b) - 1;
        let e = 0;
        for (let i = 0; i < n; i++) e += h[i] * (v[i] - dequantizeValue(quantizeValue(v[i], ladder[grid[0]], grid[1], maxq), ladder[grid[0]], grid[1])) ** 2;
        return e;
      };
      const plain = new Uint8Array(2);
      const clipped = new Uint8Array(2);
      chooseGrid(v, 0, n, b, E, plain, 'test');
      chooseGrid(v, 0, n, b, E, clipped, 'test', true, h, 0);
      expect(err(clipped)).toBeLessThanOrEqual(err(plain));
    }
  });

  it('rejects non-finite weights with a typed error naming the group', () => {
    expect(() => rtnQuantize(new Float32Array([1, 2, Infinity, 0]), 2, 2, { groupSize: 2 })).toThrow(
      /value Infinity at index 2 \(group at index 2\) is not finite/,
    );
    expect(() => rtnQuantize(new Float32Array([1, NaN]), 1, 2)).toThrow(QuantInputError);
  });
});

describe('RTN', () => {
  it('each weight is within half a step of its group grid, decoded from the stored scale code and zero point', () => {
    const rng = new Rng(1);
    const rows = 7;
    const cols = 75;
    const W = randomMatrix(rng, rows, cols, 0.3);
    const G = groupsPerRow(cols, 32);
    const widths = new Uint8Array(rows * G);
    for (let g = 0; g < widths.length; g++) widths[g] = 1 + (g % 8);
    const q = rtnQuantize(W, rows, cols, { groupSize: 32, bits: widths });
    const What = dequantizeMatrix(q);
    const ladder = scaleLadder(q.scaleExp);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const g = r * G + Math.floor(c / 32);
        const s = ladder[q.scaleCodes[g]];
        expect(q.codes[r * cols + c]).toBeLessThan(1 << widths[g]);
        expect(q.zeros[g]).toBeLessThan(1 << widths[g]);
        expect(What[r * cols + c]).toBe(Math.fround(s * (q.codes[r * cols + c] - q.zeros[g])));
        expect(Math.abs(What[r * cols + c] - W[r * cols + c])).toBeLessThanOrEqual(s / 2 + 1e-6 * s + 1e-9);
      }
    expect(Array.from(q.widths)).toEqual(Array.from(widths));
  });

  it('8 bits reconstructs within half a rung-rounded step of each group range; error falls with width', () => {
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
    // Half a step of range/255, the step rounded up to the next rung (≤ 2^(1/16) larger).
    expect(maxRel).toBeLessThan((2 ** (1 / 16) / 510) * (1 + 1e-6));
    const I = new Float64Array(64 * 64);
    for (let j = 0; j < 64; j++) I[j * 65] = 1;
    let prev = Infinity;
    for (let b = 2; b <= 8; b++) {
      const loss = layerLoss(W, dequantizeMatrix(rtnQuantize(W, 16, 64, { bits: b })), 16, 64, I);
      expect(loss).toBeLessThan(prev);
      prev = loss;
    }
  });

  it('zero is always on the grid: an all-zero group decodes to zeros, a constant one to within half a step', () => {
    const Z = rtnQuantize(new Float32Array(64).fill(0), 2, 32, { bits: 3 });
    expect(Array.from(dequantizeMatrix(Z))).toEqual(new Array(64).fill(0));
    const W = new Float32Array(32).fill(0.125);
    const q = rtnQuantize(W, 1, 32, { bits: 3 });
    const s = scaleLadder(q.scaleExp)[q.scaleCodes[0]];
    for (const x of dequantizeMatrix(q)) expect(Math.abs(x - 0.125)).toBeLessThanOrEqual(s / 2);
  });
});
