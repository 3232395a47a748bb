import { describe, expect, it } from 'vitest';
import { ErasureParameterError, binomialTailAbove, parityForLoss } from '../../src/pack/erasure/index.js';

/** P[Binomial(n, p) > t] by direct summation in doubles (small n only). */
function directTail(n: number, p: number, t: number): number {
  let s = 0;
  let c = 1; // C(n, i)
  for (let i = 0; i <= n; i++) {
    if (i > 0) c = (c * (n - i + 1)) / i;
    if (i > t) s += c * p ** i * (1 - p) ** (n - i);
  }
  return s;
}

/** P[Binomial(n, a/b) > t] exactly as a BigInt fraction, then rounded to a double. */
function exactTail(n: number, a: bigint, b: bigint, t: number): number {
  let num = 0n;
  let c = 1n;
  for (let i = 0; i <= n; i++) {
    if (i > 0) c = (c * BigInt(n - i + 1)) / BigInt(i);
    if (i > t) num += c * a ** BigInt(i) * (b - a) ** BigInt(n - i);
  }
  const den = b ** BigInt(n);
  if (num === 0n) return 0;
  const shift = den.toString(2).length - num.toString(2).length + 64;
  return shift >= 0 ? Number((num << BigInt(shift)) / den) * 2 ** -shift : Number(num / (den << BigInt(-shift)));
}

const relErr = (x: number, y: number): number => Math.abs(x - y) / Math.max(Math.abs(y), 1e-300);

describe('binomial tail', () => {
  it('matches direct summation for small n over the whole range of t', () => {
    for (const n of [1, 2, 7, 30, 60]) {
      for (const p of [0.001, 0.05, 0.1, 0.3, 0.5, 0.9]) {
        for (let t = -1; t <= n; t++) {
          const want = directTail(n, p, t);
          const got = binomialTailAbove(n, p, t);
          if (want > 1e-250) expect(relErr(got, want), `n=${n} p=${p} t=${t}`).toBeLessThan(1e-9);
          else expect(got).toBeLessThan(1e-240);
        }
      }
    }
  });

  it('matches exact rational arithmetic deep in the tail for larger n', () => {
    for (const [n, a, b, ts] of [
      [220, 1n, 10n, [22, 30, 45, 60, 100]],
      [1200, 1n, 20n, [60, 90, 120, 150]],
      [3000, 3n, 20n, [450, 500, 560, 620]],
    ] as const) {
      const p = Number(a) / Number(b);
      for (const t of ts) {
        const want = exactTail(n, a, b, t);
        expect(relErr(binomialTailAbove(n, p, t), want), `n=${n} p=${p} t=${t} want ${want}`).toBeLessThan(1e-8);
      }
    }
  });

  it('edge cases: t ≥ n, t < 0, p = 0, p = 1, bad n or p', () => {
    expect(binomialTailAbove(10, 0.3, 10)).toBe(0);
    expect(binomialTailAbove(10, 0.3, -1)).toBe(1);
    expect(binomialTailAbove(10, 0, 0)).toBe(0);
    expect(binomialTailAbove(10, 1, 9)).toBe(1);
    expect(binomialTailAbove(65535, 0.5, 40000)).toBeLessThan(1e-100);
    expect(() => binomialTailAbove(70000, 0.1, 3)).toThrow(ErasureParameterError);
    expect(() => binomialTailAbove(10, 1.5, 3)).toThrow(/loss probability = 1.5/);
  });
});

describe('parity sizing', () => {
  it('returns the smallest r meeting the target, checked exactly', () => {
    for (const [k, a, b] of [
      [100, 1n, 20n],
      [200, 1n, 10n],
      [1000, 1n, 10n],
    ] as const) {
      const p = Number(a) / Number(b);
      const r = parityForLoss(k, p);
      expect(exactTail(k + r, a, b, r)).toBeLessThanOrEqual(1e-9 * (1 + 1e-8));
      expect(exactTail(k + r - 1, a, b, r - 1)).toBeGreaterThan(1e-9);
    }
  });

  it('is monotone: more loss, bigger blocks or a stricter target never need less parity', () => {
    const ps = [0, 0.001, 0.01, 0.05, 0.1, 0.15, 0.2, 0.3];
    for (const k of [10, 200, 1000]) {
      let prev = -1;
      for (const p of ps) {
        const r = parityForLoss(k, p);
        expect(r).toBeGreaterThanOrEqual(prev);
        prev = r;
      }
    }
    for (const p of [0.05, 0.2]) {
      let prev = -1;
      for (const k of [1, 10, 100, 1000, 4000]) {
        const r = parityForLoss(k, p);
        expect(r).toBeGreaterThanOrEqual(prev);
        prev = r;
      }
      prev = -1;
      for (const target of [1e-3, 1e-6, 1e-9, 1e-12, 1e-15]) {
        const r = parityForLoss(1000, p, target);
        expect(r).toBeGreaterThan(prev);
        prev = r;
      }
    }
    expect(parityForLoss(100, 0)).toBe(0);
    expect(parityForLoss(1, 1e-12)).toBe(0);
  });

  it('bad inputs are typed errors naming the value', () => {
    expect(() => parityForLoss(10, 1)).toThrow(/loss probability = 1/);
    expect(() => parityForLoss(10, -0.1)).toThrow(ErasureParameterError);
    expect(() => parityForLoss(0, 0.1)).toThrow(/k \(data shards\) = 0/);
    expect(() => parityForLoss(10, 0.1, 0)).toThrow(/failure target = 0/);
    expect(() => parityForLoss(60000, 0.5)).toThrow(/use smaller blocks/);
  });
});
