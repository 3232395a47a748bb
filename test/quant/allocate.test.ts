import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/random.js';
import { allocateBits, concatGroupCosts, equalLossRates, measureGroupCosts, type GroupCosts } from '../../src/quant/allocate.js';
import { dequantizeMatrix, groupBits, groupSizes, SCALE_CODE_BITS, widthFieldBits } from '../../src/quant/groups.js';
import { rtnQuantize } from '../../src/quant/rtn.js';
import { BudgetError } from '../../src/quant/errors.js';
import { gaussian, randomMatrix } from './_quant-fixtures.js';

const MIN = 2;
const MAX = 8;
const K = MAX - MIN + 1;
/** Fixed bits per group (scale code + width field); the zero point costs one more code's width. */
const SIDE = SCALE_CODE_BITS + widthFieldBits(MIN, MAX);

/** Random cost tables: 'decreasing' curves (realistic), 'convex' ones, or arbitrary. */
function costsArb(kind: 'any' | 'decreasing' | 'convex', equalSizes = false): fc.Arbitrary<GroupCosts> {
  return fc.record({ G: fc.integer({ min: 1, max: 40 }), seed: fc.integer(), size: fc.integer({ min: 1, max: 32 }) }).map(({ G, seed, size }) => {
    const rng = new Rng(seed);
    const sizes = new Uint32Array(G);
    const loss = new Float64Array(G * K);
    const sensitivity = new Float64Array(G);
    for (let g = 0; g < G; g++) {
      sizes[g] = equalSizes ? size : 1 + rng.below(32);
      const s = Math.exp(3 * gaussian(rng));
      sensitivity[g] = s;
      let d = s * 2 ** (-2 * MIN);
      let ratio = 0.1 + 0.4 * rng.next();
      for (let k = 0; k < K; k++) {
        if (kind === 'any') loss[g * K + k] = s * rng.next();
        else {
          loss[g * K + k] = d;
          if (kind === 'convex')
            ratio = Math.min(0.95, ratio + 0.05 * rng.next()); // shrinking steps: convex
          else ratio = 0.05 + 0.9 * rng.next();
          d *= ratio;
        }
      }
    }
    return { minBits: MIN, maxBits: MAX, sizes, loss, sensitivity };
  });
}

function bounds(c: GroupCosts): { lo: number; hi: number; N: number; maxSize: number } {
  let N = 0;
  let maxSize = 0;
  for (const n of c.sizes) {
    N += n;
    maxSize = Math.max(maxSize, n);
  }
  const G = c.sizes.length;
  return { lo: (N + G) * MIN + G * SIDE, hi: (N + G) * MAX + G * SIDE, N, maxSize: maxSize + 1 };
}

describe('allocateBits', () => {
  it('never exceeds the budget, and counts bits exactly', () => {
    fc.assert(
      fc.property(costsArb('any'), fc.double({ min: 0, max: 1.1, noNaN: true }), (c, t) => {
        const { lo, hi, N } = bounds(c);
        const budget = (lo + t * (hi - lo)) / N;
        const a = allocateBits(c, { budgetBitsPerWeight: budget });
        expect(a.bitsPerWeight).toBeLessThanOrEqual(budget);
        expect(a.totalBits).toBe(groupBits(c.sizes, a.widths, widthFieldBits(MIN, MAX)));
        expect(a.bitsPerWeight).toBe(a.totalBits / N);
        for (const w of a.widths) expect(w >= MIN && w <= MAX).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('lands within one 1-bit group upgrade of the budget when every upgrade lowers the loss', () => {
    fc.assert(
      fc.property(costsArb('decreasing'), fc.double({ min: 0, max: 1, noNaN: true }), (c, t) => {
        const { lo, hi } = bounds(c);
        const budgetBits = Math.floor(lo + t * (hi - lo));
        const a = allocateBits(c, { budgetBits });
        const slack = budgetBits - a.totalBits;
        expect(slack).toBeGreaterThanOrEqual(0);
        // A 1-bit upgrade of group g costs its codes and its zero point: n_g + 1 bits.
        for (let g = 0; g < c.sizes.length; g++) if (a.widths[g] < MAX) expect(slack).toBeLessThan(c.sizes[g] + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('is monotone: a budget larger by one full group step never predicts a larger loss', () => {
    fc.assert(
      fc.property(costsArb('any'), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (c, t, u) => {
        const { lo, hi, maxSize } = bounds(c);
        const b1 = Math.floor(lo + t * (hi - lo));
        const b2 = b1 + (MAX - MIN) * maxSize + Math.floor(u * (hi - lo));
        const a1 = allocateBits(c, { budgetBits: b1 });
        const a2 = allocateBits(c, { budgetBits: b2 });
        expect(a2.predictedLoss).toBeLessThanOrEqual(a1.predictedLoss * (1 + 1e-12) + 1e-300);
      }),
      { numRuns: 300 },
    );
  });

  it('with equal group sizes and convex curves it is nested in the budget and optimal (checked by DP)', () => {
    fc.assert(
      fc.property(costsArb('convex', true), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (c, t, u) => {
        const { lo, hi } = bounds(c);
        const b1 = Math.floor(lo + Math.min(t, u) * (hi - lo));
        const b2 = Math.floor(lo + Math.max(t, u) * (hi - lo));
        const a1 = allocateBits(c, { budgetBits: b1 });
        const a2 = allocateBits(c, { budgetBits: b2 });
        for (let g = 0; g < c.sizes.length; g++) expect(a1.widths[g]).toBeLessThanOrEqual(a2.widths[g]);
        // Multiple-choice knapsack by DP over extra 1-bit steps (all groups cost the same per step).
        const G = c.sizes.length;
        const steps = Math.floor((b1 - lo) / (c.sizes[0] + 1));
        let best = new Float64Array(steps + 1).fill(Infinity);
        best[0] = 0;
        for (let g = 0; g < G; g++) {
          const next = new Float64Array(steps + 1).fill(Infinity);
          for (let s = 0; s <= steps; s++) for (let k = 0; k < K && k <= s; k++) next[s] = Math.min(next[s], best[s - k] + c.loss[g * K + k]);
          best = next;
        }
        const opt = Math.min(...best);
        expect(a1.predictedLoss).toBeLessThanOrEqual(opt * (1 + 1e-9));
      }),
      { numRuns: 200 },
    );
  });

  it('a budget below the minimum is a BudgetError naming the minimum', () => {
    const c: GroupCosts = {
      minBits: 2,
      maxBits: 8,
      sizes: new Uint32Array([32, 32]),
      loss: new Float64Array(14).fill(1),
      sensitivity: new Float64Array(2).fill(1),
    };
    // minimum: 33 × 2 bits (codes and zero point) + 8 (scale code) + 3 (width) per group of 32 = 77/32 = 2.40625
    expect(() => allocateBits(c, { budgetBitsPerWeight: 2.4 })).toThrow(BudgetError);
    expect(() => allocateBits(c, { budgetBitsPerWeight: 2.4 })).toThrow(/below the minimum 2\.40625 bits\/weight/);
    expect(allocateBits(c, { budgetBitsPerWeight: 2.40625 }).bitsPerWeight).toBe(2.40625);
  });
});

describe('equal-loss closed form', () => {
  it('unbounded: b_g = R̄ + ½ log2(c_g / GM(c)), equal loss per weight, loss = N·GM·2^(−2R̄) ≤ uniform (AM/GM)', () => {
    const rng = new Rng(3);
    const G = 50;
    const s = new Float64Array(G);
    const n = new Uint32Array(G).fill(16);
    for (let g = 0; g < G; g++) s[g] = 16 * Math.exp(0.5 * gaussian(rng));
    const R = 5;
    const sol = equalLossRates(s, n, R, 0, 20);
    let logGM = 0;
    for (let g = 0; g < G; g++) logGM += Math.log2(s[g] / 16) / G;
    let mean = 0;
    let opt = 0;
    let uniform = 0;
    for (let g = 0; g < G; g++) {
      expect(sol.rates[g]).toBeCloseTo(R + 0.5 * (Math.log2(s[g] / 16) - logGM), 9);
      expect((s[g] * 2 ** (-2 * sol.rates[g])) / 16).toBeCloseTo(sol.theta, 12);
      mean += sol.rates[g] / G;
      opt += s[g] * 2 ** (-2 * sol.rates[g]);
      uniform += s[g] * 2 ** (-2 * R);
    }
    expect(mean).toBeCloseTo(R, 9);
    expect(opt).toBeCloseTo(G * 16 * 2 ** logGM * 2 ** (-2 * R), 9);
    expect(opt).toBeLessThan(uniform);
  });
  it('with bounds: rates clamp to the range and still meet the mean rate', () => {
    const s = new Float64Array([1e-12, 1, 1, 1e12]);
    const sol = equalLossRates(s, new Uint32Array([8, 8, 8, 8]), 4, 2, 8);
    expect(sol.rates[0]).toBe(2);
    expect(sol.rates[3]).toBe(8);
    expect((sol.rates[0] + sol.rates[1] + sol.rates[2] + sol.rates[3]) / 4).toBeCloseTo(4, 9);
  });
});

describe('measureGroupCosts', () => {
  it('predicts exactly the H-weighted relative error of RTN at the allocated widths', () => {
    const rng = new Rng(21);
    const rows = 24;
    const cols = 172;
    const W = randomMatrix(rng, rows, cols);
    const h = new Float64Array(cols);
    for (let j = 0; j < cols; j++) h[j] = Math.exp(2 * gaussian(rng));
    const costs = measureGroupCosts(W, rows, cols, h, { importance: 3 });
    expect(Array.from(costs.sizes)).toEqual(Array.from(groupSizes(rows, cols, 32)));
    const a = allocateBits(costs, { budgetBitsPerWeight: 4.5 });
    const What = dequantizeMatrix(rtnQuantize(W, rows, cols, { bits: a.widths }));
    let err = 0;
    let energy = 0;
    for (let r = 0; r < rows; r++)
      for (let j = 0; j < cols; j++) {
        const e = W[r * cols + j] - What[r * cols + j];
        err += h[j] * e * e;
        energy += h[j] * W[r * cols + j] ** 2;
      }
    expect(a.predictedLoss).toBeCloseTo((3 * err) / energy, 12);
    expect(a.bitsPerWeight).toBeLessThanOrEqual(4.5);
    expect(a.bitsPerWeight).toBeGreaterThan(4.5 - 32 / (rows * cols));
    // Allocation beats the uniform width at a lower or equal budget: 35/32 side bits + 3 = 4.09 bpw.
    const u = measureGroupCosts(W, rows, cols, h, { importance: 3 });
    let uniform = 0;
    for (let g = 0; g < u.sizes.length; g++) uniform += u.loss[g * 7 + 1];
    const a3 = allocateBits(costs, { budgetBits: groupBits(costs.sizes, new Uint8Array(costs.sizes.length).fill(3), 3) });
    expect(a3.predictedLoss).toBeLessThan(uniform);
  });

  it('moves bits towards the more important matrix when costs are concatenated', () => {
    const rng = new Rng(22);
    const A = randomMatrix(rng, 16, 64);
    const B = randomMatrix(rng, 16, 64);
    const ca = measureGroupCosts(A, 16, 64, undefined, { importance: 20 });
    const cb = measureGroupCosts(B, 16, 64, undefined, { importance: 1 });
    const both = concatGroupCosts([ca, cb]);
    const a = allocateBits(both, { budgetBitsPerWeight: 4 });
    const half = ca.sizes.length;
    let wa = 0;
    let wb = 0;
    for (let g = 0; g < half; g++) wa += a.widths[g];
    for (let g = half; g < 2 * half; g++) wb += a.widths[g];
    expect(wa - wb).toBeGreaterThanOrEqual(1.5 * half); // ½ log2(20) ≈ 2.2 bits more per group
  });
});
