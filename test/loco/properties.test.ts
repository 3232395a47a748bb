/**
 * Property tests of rank / unrank for large m (spec dloco.md §3), and of the run-capped rank of
 * words that break the run limit (the extension residue decoding relies on).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cardinality, locoCode, rankReference, unrankReference } from '../../src/loco/index.js';
import { compareWords, complementWord, isConstrained, sameWord, toText } from './_helpers.js';

const ellArb = fc.integer({ min: 1, max: 3 });

/** A word of length m over 0..3 built from runs, so long runs (> ℓ) are common. */
function runWordArb(m: number): fc.Arbitrary<Uint8Array> {
  return fc
    .array(fc.record({ sym: fc.integer({ min: 0, max: 3 }), len: fc.integer({ min: 1, max: 12 }) }), {
      minLength: 1,
      maxLength: m,
    })
    .map((runs) => {
      const w = new Uint8Array(m);
      let j = 0;
      for (let r = 0; j < m; r = (r + 1) % runs.length) {
        for (let k = 0; k < runs[r].len && j < m; k++) w[j++] = runs[r].sym;
      }
      return w;
    });
}

function uniformWordArb(m: number): fc.Arbitrary<Uint8Array> {
  return fc.array(fc.integer({ min: 0, max: 3 }), { minLength: m, maxLength: m }).map((a) => Uint8Array.from(a));
}

/** (m, ell, x) with x a random index in [0, N(m)), or one of the boundary indices. */
const indexCase = fc
  .tuple(fc.integer({ min: 1, max: 256 }), ellArb)
  .chain(([m, ell]) => {
    const N = cardinality(m, ell);
    const x = fc.oneof(
      { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: N - 1n }) },
      { weight: 1, arbitrary: fc.constantFrom(0n, 1n, N - 2n, N - 1n, N / 2n - 1n, N / 2n, N / 2n + 1n) },
    );
    return fc.tuple(fc.constant(m), fc.constant(ell), x);
  })
  .filter(([m, ell, x]) => x >= 0n && x < cardinality(m, ell));

describe('run-capped rank of arbitrary words', () => {
  it('rankAny equals rankReference for words with long runs, m ≤ 64', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 64 }), ellArb).chain(([m, ell]) => fc.tuple(fc.constant(ell), fc.oneof(runWordArb(m), uniformWordArb(m))));
    fc.assert(
      fc.property(arb, ([ell, w]) => {
        const code = locoCode(w.length, ell);
        expect(code.rankAny(w)).toBe(rankReference(w, ell));
      }),
      { numRuns: 400 },
    );
  });

  it('rankAny equals rankReference for every word at Hamming distance 1 from a codeword, m ≤ 64', () => {
    const arb = fc
      .tuple(fc.integer({ min: 1, max: 64 }), ellArb)
      .chain(([m, ell]) => fc.tuple(fc.constant(m), fc.constant(ell), fc.bigInt({ min: 0n, max: cardinality(m, ell) - 1n })));
    fc.assert(
      fc.property(arb, ([m, ell, x]) => {
        const code = locoCode(m, ell);
        const c = code.unrank(x);
        expect(code.rankAny(c)).toBe(x);
        for (let j = 0; j < m; j++) {
          for (let v = 0; v < 4; v++) {
            if (v === c[j]) continue;
            const y = c.slice();
            y[j] = v;
            const got = code.rankAny(y);
            const want = rankReference(y, ell);
            if (got !== want) expect.fail(`ell=${ell} ${toText(y)}: rankAny ${got}, reference ${want}`);
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('rankAny of all-equal words (longest runs) matches the reference for every m ≤ 64', () => {
    for (const ell of [1, 2, 3]) {
      for (let m = 1; m <= 64; m++) {
        const code = locoCode(m, ell);
        for (let s = 0; s < 4; s++) {
          const w = new Uint8Array(m).fill(s);
          const got = code.rankAny(w);
          const want = rankReference(w, ell);
          if (got !== want) expect.fail(`ell=${ell} m=${m} ${toText(w)}: rankAny ${got}, reference ${want}`);
        }
      }
    }
  });

  it('rankAny agrees with rank on codewords and rejects wrong lengths', () => {
    fc.assert(
      fc.property(indexCase, ([m, ell, x]) => {
        const code = locoCode(m, ell);
        const c = code.unrank(x);
        expect(code.rankAny(c)).toBe(x);
        expect(() => code.rankAny(new Uint8Array(m + 1))).toThrow();
      }),
      { numRuns: 100 },
    );
  });

  // The run-capped rank of a word that breaks the run limit can exceed N(m) (for ℓ = 1 up to
  // ≈ 1.125·N(m)); the limb width must leave room for it. First lengths where a too-narrow width
  // drops the top carry: ℓ = 1, m = 170 (also 189, 435, 454); ℓ = 2, m = 390.
  it('the run-capped rank of an invalid word can exceed N(m) − 1 (needs more bits than N)', () => {
    const code = locoCode(170, 1);
    const want = rankReference(new Uint8Array(170).fill(3), 1);
    expect(want).toBeGreaterThan(code.size);
    expect(want.toString(2).length).toBeGreaterThan(code.size.toString(2).length);
  });

  it('rankAny keeps the top carry for long-run words (ell=1, m=170, all C; regression)', () => {
    const y = new Uint8Array(170).fill(3);
    expect(locoCode(170, 1).rankAny(y)).toBe(rankReference(y, 1));
  });
});

describe('rank / unrank for large m (1..256)', () => {
  it('rank(unrank(x)) = x and unrank(rank(c)) = c, codewords valid, agrees with the reference', () => {
    fc.assert(
      fc.property(indexCase, ([m, ell, x]) => {
        const code = locoCode(m, ell);
        const N = code.size;
        const c = code.unrank(x);
        expect(c.length).toBe(m);
        expect(isConstrained(c, ell)).toBe(true);
        expect(code.isValid(c)).toBe(true);
        expect(code.rank(c)).toBe(x);
        expect(code.unrank(code.rank(c))).toEqual(c);
        expect(rankReference(c, ell)).toBe(x);
        expect(toText(unrankReference(x, m, ell))).toBe(toText(c));
        // complement symmetry g(c̄) = N − 1 − g(c), and the half split (spec §4)
        const cc = complementWord(c);
        expect(code.rank(cc)).toBe(N - 1n - x);
        expect(toText(code.unrank(N - 1n - x))).toBe(toText(cc));
        expect(x < N / 2n).toBe(c[0] <= 1);
      }),
      { numRuns: 300 },
    );
  });

  it('unrank is order preserving: x < y ⇔ unrank(x) < unrank(y)', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 256 }), ellArb).chain(([m, ell]) => {
      const N = cardinality(m, ell);
      const idx = fc.bigInt({ min: 0n, max: N - 1n });
      return fc.tuple(fc.constant(m), fc.constant(ell), idx, fc.oneof(idx, fc.bigInt({ min: -3n, max: 3n })));
    });
    fc.assert(
      fc.property(arb, ([m, ell, x, yRaw]) => {
        const code = locoCode(m, ell);
        // yRaw in [-3, 3] means "a neighbour of x" (exercises consecutive indices)
        let y = yRaw >= -3n && yRaw <= 3n && code.size > 7n ? x + yRaw : yRaw;
        if (y < 0n || y >= code.size) y = x;
        const cmp = compareWords(code.unrank(x), code.unrank(y));
        expect(Math.sign(cmp)).toBe(x < y ? -1 : x > y ? 1 : 0);
      }),
      { numRuns: 300 },
    );
  });

  it('random valid words (built symbol by symbol) rank into [0, N) and unrank back', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 256 }), ellArb).chain(([m, ell]) =>
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: m, maxLength: m }).map((raw) => {
        // Force the run limit: replace a symbol that would extend a run past ℓ.
        const w = Uint8Array.from(raw);
        let run = 1;
        for (let j = 1; j < m; j++) {
          if (w[j] === w[j - 1] && ++run > ell) {
            w[j] = (w[j] + 1 + (raw[j] % 3)) & 3;
            run = 1;
          } else if (w[j] !== w[j - 1]) run = 1;
        }
        return [ell, w] as const;
      }),
    );
    fc.assert(
      fc.property(arb, ([ell, w]) => {
        expect(isConstrained(w, ell)).toBe(true);
        const code = locoCode(w.length, ell);
        const r = code.rank(w);
        expect(r >= 0n && r < code.size).toBe(true);
        expect(sameWord(code.unrank(r), w)).toBe(true);
        expect(rankReference(w, ell)).toBe(r);
      }),
      { numRuns: 300 },
    );
  });

  it('rankInto / unrankFrom honour offsets and the complemented flag', () => {
    fc.assert(
      fc.property(indexCase, fc.integer({ min: 0, max: 9 }), ([m, ell, x], offset) => {
        const code = locoCode(m, ell);
        const buf = new Uint8Array(offset + m + 3).fill(3);
        const limbs = code.newLimbs();
        // write index x into limbs via rankInto of the codeword itself, then unrank at an offset
        const c = code.unrank(x);
        buf.set(c, offset);
        code.rankInto(buf, offset, limbs);
        const out = new Uint8Array(offset + m + 2).fill(7);
        code.unrankFrom(limbs, out, offset + 1);
        expect(out.subarray(offset + 1, offset + 1 + m)).toEqual(c);
        for (let i = 0; i <= offset; i++) expect(out[i]).toBe(7);
        expect(out[offset + 1 + m]).toBe(7);
        // complemented: rank of the complement of the stored word without touching it
        code.rankInto(buf, offset, limbs, true);
        const out2 = new Uint8Array(m);
        code.unrankFrom(limbs, out2, 0);
        expect(out2).toEqual(complementWord(c));
        expect(buf.subarray(offset, offset + m)).toEqual(c);
      }),
      { numRuns: 200 },
    );
  });

  it('maximum length m = 512: boundary indices round-trip', () => {
    for (const ell of [1, 2, 3, 8]) {
      const code = locoCode(512, ell);
      const N = code.size;
      for (const x of [0n, 1n, N / 3n, N / 2n - 1n, N / 2n, N - 2n, N - 1n]) {
        const c = code.unrank(x);
        expect(isConstrained(c, ell)).toBe(true);
        expect(code.rank(c)).toBe(x);
        expect(rankReference(c, ell)).toBe(x);
      }
    }
  });
});
