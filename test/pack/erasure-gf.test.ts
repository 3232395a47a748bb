import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErasureParameterError, GF_POLY, gfDiv, gfInv, gfMul } from '../../src/pack/erasure/index.js';
import { cauchyInverse } from '../../src/pack/erasure/cauchy.js';
import { POLY, refInv, refMul, refPow, refRank } from './erasure-reference.js';
import { Rng } from '../../src/random.js';

const sym = fc.integer({ min: 0, max: 65535 });
const nonZero = fc.integer({ min: 1, max: 65535 });

describe('GF(2^16) arithmetic', () => {
  it('uses x^16 + x^12 + x^3 + x + 1, and it is primitive: x has order exactly 65535 = 3·5·17·257', () => {
    expect(GF_POLY).toBe(POLY);
    // By Lagrange, the order of x divides 65535; it is 65535 iff x^(65535/q) ≠ 1 for each prime q.
    expect(refPow(2, 65535)).toBe(1);
    for (const q of [3, 5, 17, 257]) expect(refPow(2, 65535 / q)).not.toBe(1);
    // …and the tables agree: the powers of x through gfMul visit every non-zero element once.
    const seen = new Uint8Array(65536);
    let x = 1;
    let repeats = 0;
    for (let i = 0; i < 65535; i++) {
      repeats += seen[x];
      seen[x] = 1;
      x = gfMul(x, 2);
    }
    expect(repeats).toBe(0);
    expect(x).toBe(1);
    expect(seen[0]).toBe(0);
  });

  it('table multiplication matches carry-less multiplication modulo the polynomial', () => {
    fc.assert(
      fc.property(sym, sym, (a, b) => gfMul(a, b) === refMul(a, b)),
      { numRuns: 5000 },
    );
    for (const a of [0, 1, 2, 0x8000, 0xffff]) for (const b of [0, 1, 2, 0x8000, 0xffff]) expect(gfMul(a, b)).toBe(refMul(a, b));
  });

  it('field laws: commutative, associative, distributive, inverses, division', () => {
    fc.assert(
      fc.property(sym, sym, sym, nonZero, (a, b, c, d) => {
        expect(gfMul(a, b)).toBe(gfMul(b, a));
        expect(gfMul(gfMul(a, b), c)).toBe(gfMul(a, gfMul(b, c)));
        expect(gfMul(a, b ^ c)).toBe(gfMul(a, b) ^ gfMul(a, c));
        expect(gfMul(a, 1)).toBe(a);
        expect(gfMul(a, 0)).toBe(0);
        expect(gfMul(d, gfInv(d))).toBe(1);
        expect(gfInv(d)).toBe(refInv(d));
        expect(gfMul(gfDiv(a, d), d)).toBe(a);
      }),
      { numRuns: 3000 },
    );
  });

  it('0 has no inverse: a typed error, not NaN', () => {
    expect(() => gfInv(0)).toThrow(ErasureParameterError);
    expect(() => gfDiv(5, 0)).toThrow(/divisor = 0/);
    expect(gfDiv(0, 7)).toBe(0);
  });
});

describe('Cauchy matrices', () => {
  it('the closed-form inverse is the inverse (A · A⁻¹ = I), for random point sets up to 40', () => {
    const rng = new Rng(21);
    for (let trial = 0; trial < 60; trial++) {
      const e = 1 + rng.below(40);
      const pool = new Set<number>();
      while (pool.size < 2 * e) pool.add(rng.below(65536));
      const pts = [...pool];
      const x = pts.slice(0, e);
      const y = pts.slice(e);
      const inv = cauchyInverse(x, y);
      const A = x.map((xa) => y.map((yb) => refInv(xa ^ yb)));
      for (let a = 0; a < e; a++) {
        for (let c = 0; c < e; c++) {
          let s = 0;
          for (let b = 0; b < e; b++) s ^= refMul(A[a][b], inv[b * e + c]);
          expect(s).toBe(a === c ? 1 : 0);
        }
      }
    }
  });

  it('every k×k submatrix of the generator [I; C] is invertible (exhaustive, k + r ≤ 11)', () => {
    for (let k = 1; k <= 6; k++) {
      for (let r = 0; k + r <= 11; r++) {
        const n = k + r;
        const gen: number[][] = [];
        for (let j = 0; j < k; j++) gen.push(Array.from({ length: k }, (_, c) => (c === j ? 1 : 0)));
        for (let i = 0; i < r; i++) gen.push(Array.from({ length: k }, (_, j) => refInv((k + i) ^ j)));
        let subsets = 0;
        for (let mask = 0; mask < 1 << n; mask++) {
          let bits = 0;
          for (let s = 0; s < n; s++) bits += (mask >>> s) & 1;
          if (bits !== k) continue;
          const sub = gen.filter((_, s) => (mask >>> s) & 1);
          expect(refRank(sub), `k=${k} r=${r} rows ${mask.toString(2)}`).toBe(k);
          subsets++;
        }
        expect(subsets).toBeGreaterThan(0);
      }
    }
  });

  it('the rank check can fail: a generator with two equal parity rows is caught', () => {
    // Guard against a vacuous rank function: duplicate rows must lose rank.
    expect(
      refRank([
        [1, 2],
        [1, 2],
      ]),
    ).toBe(1);
    expect(
      refRank([
        [3, 0],
        [0, 7],
      ]),
    ).toBe(2);
  });
});
