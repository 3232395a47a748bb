/** The channel's random variates against their exact distributions (seeded, bounds at ≥ 5 sd). */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random.js';
import { ReadRng } from '../../src/pack/simulate/read-rng.js';
import { below, geometricGap, logFactorial, normal, poisson } from '../../src/pack/simulate/samplers.js';

function poissonPmf(lambda: number, k: number): number {
  return Math.exp(-lambda + k * Math.log(lambda) - logFactorial(k));
}

/** Pearson χ² of observed counts against expected, cells with expectation < 5 pooled. */
function chiSquare(observed: number[], expected: number[]): { stat: number; dof: number } {
  let stat = 0;
  let cells = 0;
  let o = 0;
  let e = 0;
  for (let i = 0; i < observed.length; i++) {
    o += observed[i];
    e += expected[i];
    if (e >= 5) {
      stat += (o - e) ** 2 / e;
      cells++;
      o = 0;
      e = 0;
    }
  }
  if (e > 0) stat += (o - e) ** 2 / e;
  return { stat, dof: Math.max(1, cells - 1) };
}

/** A generous χ² bound: mean dof, plus 6 standard deviations sqrt(2·dof). */
function chiBound(dof: number): number {
  return dof + 6 * Math.sqrt(2 * dof);
}

describe('samplers', () => {
  it('ln k! matches the direct sum, through the table and the Stirling series', () => {
    let direct = 0;
    for (let k = 1; k <= 2000; k++) {
      direct += Math.log(k);
      expect(Math.abs(logFactorial(k) - direct)).toBeLessThan(1e-9 * Math.max(1, direct));
    }
    expect(logFactorial(0)).toBe(0);
  });

  for (const seed of [1, 2, 3]) {
    for (const lambda of [0.3, 4, 9.9, 10, 25, 300]) {
      it(`Poisson(${lambda}) has the Poisson pmf (seed ${seed})`, () => {
        const rng = new Rng(seed);
        const n = 40_000;
        const top = Math.ceil(lambda + 12 * Math.sqrt(lambda) + 10);
        const observed = new Array<number>(top + 1).fill(0);
        let sum = 0;
        let bad = 0;
        for (let i = 0; i < n; i++) {
          const k = poisson(rng, lambda);
          if (!Number.isInteger(k) || k < 0) bad++;
          observed[Math.min(k, top)]++;
          sum += k;
        }
        expect(bad).toBe(0);
        expect(Math.abs(sum / n - lambda)).toBeLessThan(5 * Math.sqrt(lambda / n));
        const expected = observed.map((_, k) => n * poissonPmf(lambda, k));
        const { stat, dof } = chiSquare(observed, expected);
        expect(stat).toBeLessThan(chiBound(dof));
      });
    }
  }

  it('normal: mean 0, variance 1, symmetric tails', () => {
    const rng = new Rng(5);
    const n = 100_000;
    let s = 0;
    let s2 = 0;
    let beyond = 0;
    for (let i = 0; i < n; i++) {
      const z = normal(rng);
      s += z;
      s2 += z * z;
      if (Math.abs(z) > 1.959964) beyond++;
    }
    expect(Math.abs(s / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s2 / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(beyond - 0.05 * n)).toBeLessThan(5 * Math.sqrt(n * 0.05 * 0.95));
  });

  it('geometric gaps have P(g) = (1 − p)^g p', () => {
    const p = 0.1;
    const rng = new Rng(8);
    const n = 50_000;
    const observed = new Array<number>(120).fill(0);
    const log = Math.log1p(-p);
    for (let i = 0; i < n; i++) observed[Math.min(geometricGap(rng, log), 119)]++;
    const expected = observed.map((_, g) => (g < 119 ? n * (1 - p) ** g * p : n * (1 - p) ** 119));
    const { stat, dof } = chiSquare(observed, expected);
    expect(stat).toBeLessThan(chiBound(dof));
    expect(geometricGap(rng, 0)).toBe(Infinity);
  });

  it('below(n) is uniform for small and large n', () => {
    for (const n of [7, 1_000_003]) {
      const rng = new Rng(n);
      const bins = new Array<number>(10).fill(0);
      let outside = 0;
      for (let i = 0; i < 50_000; i++) {
        const v = below(rng, n);
        if (!(v >= 0 && v < n && Number.isInteger(v))) outside++;
        else bins[Math.floor((v * 10) / n)]++;
      }
      expect(outside).toBe(0);
      const expected = bins.map((_, b) => (50_000 * (Math.ceil(((b + 1) * n) / 10) - Math.ceil((b * n) / 10))) / n);
      expect(chiSquare(bins, expected).stat).toBeLessThan(chiBound(9));
    }
  });

  it('per-read streams are reproducible, distinct per read and per seed, and unbiased', () => {
    const a = new ReadRng(1);
    const draw = (r: ReadRng, j: number) => {
      r.select(j);
      return Array.from({ length: 8 }, () => r.nextU32());
    };
    expect(draw(a, 5)).toEqual(draw(new ReadRng(1), 5));
    expect(draw(a, 5)).not.toEqual(draw(a, 6));
    expect(draw(a, 5)).not.toEqual(draw(new ReadRng(2), 5));
    // First draw of consecutive reads: each bit set half the time.
    const ones = new Array<number>(32).fill(0);
    for (let j = 0; j < 20_000; j++) {
      a.select(j);
      const v = a.nextU32();
      for (let b = 0; b < 32; b++) ones[b] += (v >>> b) & 1;
    }
    for (const c of ones) expect(Math.abs(c - 10_000)).toBeLessThan(5 * Math.sqrt(5_000));
  });
});
