/**
 * Exhaustive checks of D(m, ℓ) against an independent brute-force enumerator (spec dloco.md §1–3,
 * §6): for every ℓ ∈ {1, 2, 3} and every m that enumerates in about a second.
 */
import { describe, expect, it } from 'vitest';
import { capacity, cardinality, countTables, formatWord, locoCode, rankReference, unrankReference } from '../../src/loco/index.js';
import { Failures, bruteForceCode, compareWords, complementWord, countByTransfer, isConstrained, log2BigInt, sameWord, toText } from './_helpers.js';

/** Largest m brute-forced (all 4^m words) per ℓ. */
const BRUTE_MAX: Record<number, number> = { 1: 10, 2: 9, 3: 9 };

const cases: [number, number][] = [];
for (const ell of [1, 2, 3]) for (let m = 1; m <= BRUTE_MAX[ell]; m++) cases.push([ell, m]);

describe('brute-force enumeration of D(m, ell)', () => {
  it.each(cases)('ell=%i m=%i: cardinality, order, rank/unrank, complement, reference', (ell, m) => {
    const words = bruteForceCode(m, ell);
    const N = BigInt(words.length);
    const code = locoCode(m, ell);
    expect(cardinality(m, ell)).toBe(N);
    expect(code.size).toBe(N);
    expect(code.m).toBe(m);
    expect(code.ell).toBe(ell);
    expect(code.bits).toBe(N.toString(2).length - 1);
    expect(2n ** BigInt(code.bits) <= N && N < 2n ** BigInt(code.bits + 1)).toBe(true);

    const f = new Failures();
    for (let i = 0; i < words.length; i++) {
      const w = words[i];
      const x = BigInt(i);
      const u = code.unrank(x);
      f.check(sameWord(u, w), () => `unrank(${i}) = ${toText(u)}, expected ${toText(w)}`);
      f.check(isConstrained(u, ell), () => `unrank(${i}) = ${toText(u)} breaks the run limit`);
      f.check(code.isValid(w), () => `isValid(${toText(w)}) is false`);
      const r = code.rank(w);
      f.check(r === x, () => `rank(${toText(w)}) = ${r}, expected ${i}`);
      const ra = code.rankAny(w);
      f.check(ra === x, () => `rankAny(${toText(w)}) = ${ra}, expected ${i}`);
      const rs = code.rank(toText(w));
      f.check(rs === x, () => `rank("${toText(w)}") = ${rs}, expected ${i}`);
      const rc = code.rank(complementWord(w));
      f.check(rc === N - 1n - x, () => `rank(complement of ${toText(w)}) = ${rc}, expected ${N - 1n - x}`);
      const rr = rankReference(w, ell);
      f.check(rr === x, () => `rankReference(${toText(w)}) = ${rr}, expected ${i}`);
      const ur = unrankReference(x, m, ell);
      f.check(sameWord(ur, w), () => `unrankReference(${i}) = ${toText(ur)}, expected ${toText(w)}`);
      // Spec §4: the lower half of the indices are exactly the words starting with A or T.
      f.check(x < N / 2n === w[0] <= 1, () => `half split: index ${i} is ${toText(w)}`);
    }
    expect(f.summary()).toEqual({ count: 0, first: [] });

    // Every valid word is in the list exactly once (the brute list is sorted and duplicate free by
    // construction; check that the fast code agrees on the extremes too).
    expect(code.unrank(0n)).toEqual(words[0]);
    expect(code.unrank(N - 1n)).toEqual(words[words.length - 1]);
    expect(() => code.unrank(N)).toThrow();
  });
});

describe('enumeration via unrank beyond brute force', () => {
  // Here the brute-force list is out of reach; cardinality is checked against the transfer-matrix
  // count and unrank must be a strictly increasing map [0, N) → valid words, which makes it the
  // sorted bijection.
  const big: [number, number][] = [
    [1, 11],
    [1, 12],
    [2, 10],
    [3, 10],
  ];
  it.each(big)('ell=%i m=%i: unrank is strictly increasing, valid and inverted by rank', (ell, m) => {
    const code = locoCode(m, ell);
    const N = code.size;
    expect(N).toBe(countByTransfer(m, ell));
    const f = new Failures();
    let prev = code.unrank(0n);
    for (let i = 0n; i < N; i++) {
      const w = i === 0n ? prev : code.unrank(i);
      if (i > 0n) f.check(compareWords(prev, w) < 0, () => `unrank(${i - 1n}) = ${toText(prev)} !< unrank(${i}) = ${toText(w)}`);
      f.check(isConstrained(w, ell), () => `unrank(${i}) = ${toText(w)} breaks the run limit`);
      const r = code.rank(w);
      f.check(r === i, () => `rank(unrank(${i})) = ${r}`);
      prev = w;
    }
    expect(f.summary()).toEqual({ count: 0, first: [] });
    // Smallest and largest valid words, built by hand: A^ℓ T A^ℓ T … and C^ℓ G C^ℓ G …
    const lo = new Uint8Array(m);
    const hi = new Uint8Array(m);
    for (let j = 0; j < m; j++) {
      const boundary = (j + 1) % (ell + 1) === 0;
      lo[j] = boundary ? 1 : 0;
      hi[j] = boundary ? 2 : 3;
    }
    expect(toText(code.unrank(0n))).toBe(toText(lo));
    expect(toText(code.unrank(N - 1n))).toBe(toText(hi));
  });
});

describe('spec facts', () => {
  it('D(2,1) is AT AG AC TA TG TC GA GT GC CA CT CG (indices 0–11)', () => {
    const expected = ['AT', 'AG', 'AC', 'TA', 'TG', 'TC', 'GA', 'GT', 'GC', 'CA', 'CT', 'CG'];
    const code = locoCode(2, 1);
    expect(code.size).toBe(12n);
    expect(Array.from({ length: 12 }, (_, i) => formatWord(code.unrank(BigInt(i))))).toEqual(expected);
    expect(expected.map((w) => code.rank(w))).toEqual(expected.map((_, i) => BigInt(i)));
    expect(bruteForceCode(2, 1).map(toText)).toEqual(expected);
  });

  it('GATTACAG has index 24452 in D(8, 2)', () => {
    const code = locoCode(8, 2);
    expect(code.rank('GATTACAG')).toBe(24452n);
    expect(formatWord(code.unrank(24452n))).toBe('GATTACAG');
    // and the independent enumerator agrees
    const list = bruteForceCode(8, 2).map(toText);
    expect(list.indexOf('GATTACAG')).toBe(24452);
  });

  it('N(m) = 4^m for m <= ell', () => {
    for (const ell of [1, 2, 3, 4, 8]) {
      for (let m = 1; m <= ell; m++) expect(cardinality(m, ell)).toBe(4n ** BigInt(m));
    }
    // and no longer once m > ell
    for (const ell of [1, 2, 3]) expect(cardinality(ell + 1, ell)).toBe(4n ** BigInt(ell + 1) - 4n);
  });

  it('N(m) = 3·Σ_{k=1..ell} N(m−k) with N(0) = 4/3, N(<0) = 0 (integer form), up to m = 512', () => {
    for (const ell of [1, 2, 3, 5]) {
      const N: bigint[] = [0n];
      for (let m = 1; m <= 512; m++) N.push(cardinality(m, ell));
      for (let m = 1; m <= 512; m++) {
        // 3·N(m) = 9·Σ_{k=1..ell, m−k ≥ 1} N(m−k) + (m ≤ ell ? 3·3·(4/3) = 12 : 0)
        let s = 0n;
        for (let k = 1; k <= ell && m - k >= 1; k++) s += N[m - k];
        const rhs = 9n * s + (m <= ell ? 12n : 0n);
        if (3n * N[m] !== rhs) expect.fail(`ell=${ell} m=${m}: 3·N(m) = ${3n * N[m]} but recursion gives ${rhs}`);
      }
    }
  });

  it('cardinality agrees with an independent transfer-matrix count, m = 1..300', () => {
    for (const ell of [1, 2, 3, 4]) {
      for (let m = 1; m <= 300; m++) {
        const a = cardinality(m, ell);
        const b = countByTransfer(m, ell);
        if (a !== b) expect.fail(`ell=${ell} m=${m}: cardinality ${a}, transfer matrix ${b}`);
      }
    }
  });

  it('count tables: T(n) = 3·N(n)/4, M(n) = N(n)/4', () => {
    for (const ell of [1, 2, 3]) {
      const t = countTables(ell, 64);
      expect(t.T[0]).toBe(1n);
      for (let n = 1; n <= 64; n++) {
        const N = countByTransfer(n, ell);
        expect(4n * t.M[n]).toBe(N);
        expect(4n * t.T[n]).toBe(3n * N);
      }
    }
  });

  it('capacity: 1.5850, 1.9227, 1.9824 for ell = 1, 2, 3', () => {
    expect(capacity(1).toFixed(4)).toBe('1.5850');
    expect(capacity(2).toFixed(4)).toBe('1.9227');
    expect(capacity(3).toFixed(4)).toBe('1.9824');
    expect(capacity(1)).toBeCloseTo(Math.log2(3), 12);
    // 2^capacity is a root of z^ℓ = 3(z^{ℓ−1} + … + 1) for every ℓ, and capacity grows toward 2.
    let prev = 0;
    for (let ell = 1; ell <= 8; ell++) {
      const z = 2 ** capacity(ell);
      let rhs = 0;
      for (let k = 0; k < ell; k++) rhs += z ** k;
      expect(Math.abs(z ** ell - 3 * rhs) / z ** ell).toBeLessThan(1e-9);
      expect(capacity(ell)).toBeGreaterThan(prev);
      expect(capacity(ell)).toBeLessThan(2);
      prev = capacity(ell);
    }
  });

  it('log2 N(m)/m approaches capacity as m grows', () => {
    for (const ell of [1, 2, 3]) {
      const cap = capacity(ell);
      const gaps: number[] = [];
      for (const m of [8, 16, 32, 64, 128, 256, 512]) {
        const rate = log2BigInt(cardinality(m, ell)) / m;
        gaps.push(Math.abs(rate - cap));
        // N(m) ≈ c·z^m, so m·(rate − capacity) stays bounded
        expect(Math.abs(m * (rate - cap))).toBeLessThan(1);
      }
      for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeLessThan(gaps[i - 1]);
      expect(gaps[gaps.length - 1]).toBeLessThan(2e-3);
    }
  });
});
