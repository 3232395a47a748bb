/**
 * Archive-mode fine-tuning's rate budget (src/quant/train/rate-pressure.ts, tune-quantized.ts):
 * code lengths are the order-0 distribution's; the rate term resists moves that cost bits and
 * helps those that save them, never reversing the KL's direction; λ rises on overflow and falls on
 * slack; the fit undoes only changes that cost bits and keeps the streams within budget; a strong
 * rate term keeps them within budget without any undoing.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CodeLengths, RatePressure } from '../../src/quant/train/rate-pressure.js';
import { fitToBudget, tuneQuantized, type QuantizedLinear } from '../../src/quant/train/tune-quantized.js';
import { ecsqGrid, gridCodes, type WeightGrid } from '../../src/quant/train/weight-grid.js';
import { encodeEcsqStream, readLlama2c, type EcsqMatrix } from '../../src/quant/index.js';
import { MODEL } from '../_fixtures.js';
import { ecsqLinears } from './_tune-fixtures.js';

/** An ECSQ matrix with the given codes and one step code for every column. */
function matrix(codes: Int32Array, rows: number, cols: number): EcsqMatrix {
  return { rows, cols, scaleExp: 0, stepCodes: new Uint8Array(cols).fill(16), codes };
}

function streamBits(m: EcsqMatrix, codes: Int32Array): number {
  return 8 * encodeEcsqStream(codes, m.rows, m.cols, m.stepCodes).length;
}

/** Codes drawn from a peaked distribution (most at 0), as ECSQ gives. */
function peakedCodes(n: number, seed: number): Int32Array {
  let s = seed >>> 0;
  return Int32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 2 ** 32;
    const mag = u < 0.5 ? 0 : u < 0.8 ? 1 : u < 0.95 ? 2 : 3;
    return (s & 1) === 0 ? mag : -mag;
  });
}

describe('CodeLengths', () => {
  it('gives −log2 of each code’s share (half a count added), and more for unseen codes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -6, max: 6 }), { minLength: 1, maxLength: 200 }), (values) => {
        const codes = Int32Array.from(values);
        const L = new CodeLengths(codes);
        const n = codes.length + 1;
        for (let q = -8; q <= 8; q++) {
          const count = values.filter((v) => v === q).length;
          expect(L.bits(q)).toBeCloseTo(-Math.log2((count + 0.5) / n), 12);
        }
        expect(L.bits(1000)).toBeCloseTo(-Math.log2(0.5 / n), 12);
      }),
    );
  });
});

describe('RatePressure', () => {
  const grid = (n: number, step: number): WeightGrid => ({
    size: n,
    scale: new Float32Array(n).fill(step),
    zero: new Float32Array(n),
    lo: new Float32Array(n).fill(-100),
    hi: new Float32Array(n).fill(100),
    units: { ladder: Float32Array.of(step), codes: Uint8Array.of(0), start: Int32Array.of(0, n), members: Int32Array.from({ length: n }, (_, i) => i) },
  });

  it('shrinks a gradient whose move costs bits (never past zero), grows one whose move saves bits, and leaves uncoded targets alone', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.double({ min: 1e-4, max: 1, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (seed, lambda, step) => {
          const n = 64;
          const codes = peakedCodes(n, seed);
          const latent = Float32Array.from(codes, (q, i) => step * (q + ((i % 7) - 3) / 8));
          let s = seed;
          const g = Float32Array.from({ length: n }, (_, i) => ((s = (s * 69069 + 1) >>> 0), i % 11 === 0 ? 0 : s / 2 ** 32 - 0.5));
          const shaped = g.slice();
          const untouched = g.slice();
          const grids = [grid(n, step), grid(n, step)];
          const p = new RatePressure([true, false], lambda);
          p.refresh([latent, latent], grids);
          p.shape([latent, latent], [shaped, untouched], grids);
          expect(untouched).toEqual(g);
          const L = new CodeLengths(gridCodes(grid(n, step), latent));
          const q = gridCodes(grid(n, step), latent);
          for (let k = 0; k < n; k++) {
            if (g[k] === 0) {
              expect(shaped[k]).toBe(0);
              continue;
            }
            const dir = g[k] < 0 ? 1 : -1;
            const cost = L.bits(q[k] + dir) - L.bits(q[k]);
            expect(Math.sign(shaped[k]) * Math.sign(g[k])).toBeGreaterThanOrEqual(0);
            const want = Math.max(0, Math.abs(g[k]) - (lambda * cost) / step);
            expect(Math.abs(Math.abs(shaped[k]) - want)).toBeLessThanOrEqual(1e-6 * Math.max(1, want)); // f32 storage
          }
        },
      ),
    );
  });

  it('changes nothing at λ = 0', () => {
    const n = 32;
    const latent = Float32Array.from(peakedCodes(n, 3));
    const g = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    const shaped = g.slice();
    const p = new RatePressure([true], 0);
    p.refresh([latent], [grid(n, 1)]);
    p.shape([latent], [shaped], [grid(n, 1)]);
    expect(shaped).toEqual(g);
  });

  it('raises λ after an overflow, lowers it with slack, and keeps it near the budget', () => {
    const p = new RatePressure([], 1);
    p.adapt(1001, 1000);
    expect(p.lambda).toBeGreaterThan(1);
    const raised = p.lambda;
    p.adapt(999.5, 1000);
    expect(p.lambda).toBe(raised);
    p.adapt(900, 1000);
    expect(p.lambda).toBeLessThan(raised);
  });
});

describe('fitToBudget', () => {
  it('undoes only changes that cost bits, least confident per bit first, until the stream fits', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
        const rows = 16;
        const cols = 32;
        const start = peakedCodes(rows * cols, seed);
        const m = matrix(start.slice(), rows, cols);
        const g = ecsqGrid(m);
        // Half the changed weights move one code outwards (costs bits), half inwards (saves them);
        // how far past the boundary each went grows with its index.
        const latent = Float32Array.from(start, (q, i) => {
          if (i % 3 !== 0) return g.scale[i] * q;
          const out = i % 2 === 0 || q === 0;
          const to = out ? q + (q < 0 ? -1 : 1) : q - Math.sign(q);
          return g.scale[i] * (to + (Math.sign(to - q) * (i / (rows * cols))) / 2.1);
        });
        const moved = gridCodes(g, latent);
        const budget = streamBits(m, start);
        const linears: QuantizedLinear[] = [{ layer: 0, name: 'wq', kind: 'ecsq', matrix: m }];
        const before = streamBits(m, moved);
        const f = fitToBudget(linears, [g], [start], [latent], budget);
        expect(f.bits).toBe(before);
        const after = gridCodes(g, latent);
        expect(streamBits(m, after)).toBeLessThanOrEqual(budget);
        if (before <= budget) expect(f.undone).toBe(0);
        const L = new CodeLengths(moved);
        for (let i = 0; i < after.length; i++) {
          if (after[i] !== moved[i]) {
            // Undone: back at its start code, and it had cost bits (or everything was undone).
            expect(after[i]).toBe(start[i]);
            if (f.undone < moved.reduce((c, v, k) => c + (v !== start[k] ? 1 : 0), 0)) expect(L.bits(moved[i])).toBeGreaterThan(L.bits(start[i]));
          }
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('tuneQuantized with the rate term', () => {
  it('keeps the streams within budget without undoing anything when the term is strong', async () => {
    const model = readLlama2c(MODEL);
    const { start, linears, bits } = ecsqLinears(model, 0.04);
    const options = { steps: 24, sequencesPerStep: 2, maxTokens: 48, validationSequences: 4, latentRate: 0.05, floatRate: 2e-3, seed: 5, threads: 1 };
    const strong = await tuneQuantized(model, start, linears, { ...options, ratePressure: 1 }, bits);
    expect(strong.report.revertedCodes).toBe(0);
    expect(strong.report.ratePressure).toBeLessThanOrEqual(1); // never raised: no overflow
    let after = 0;
    strong.linears.forEach((q) => (after += streamBits(q.matrix as EcsqMatrix, (q.matrix as EcsqMatrix).codes)));
    expect(after).toBeLessThanOrEqual(bits);
  }, 120_000);
});
