/** Levenshtein distance: hand-computed pairs, the bounded variant's contract, and agreement with the full table. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editDistance, editDistanceWithin } from '../../src/reads/index.js';
import { dna, naiveEditDistance } from './_oracle.js';

describe('editDistance', () => {
  it('hand-computed pairs', () => {
    expect(editDistance(dna(''), dna(''))).toBe(0);
    expect(editDistance(dna('ACGT'), dna(''))).toBe(4);
    expect(editDistance(dna(''), dna('GG'))).toBe(2);
    expect(editDistance(dna('ACGT'), dna('ACGT'))).toBe(0);
    expect(editDistance(dna('ACGT'), dna('AGGT'))).toBe(1); // one substitution
    expect(editDistance(dna('ACGT'), dna('AGT'))).toBe(1); // one deletion
    expect(editDistance(dna('ACGT'), dna('ACCGT'))).toBe(1); // one insertion
    expect(editDistance(dna('ACGTACGT'), dna('CGTACGTA'))).toBe(2); // shift: delete the head, append the tail
    expect(editDistance(dna('AAAA'), dna('TTTT'))).toBe(4);
    expect(editDistance(dna('GATTACA'), dna('GCATGCT'))).toBe(4);
  });

  it('agrees with the full table on random pairs, including lengths far apart', () => {
    const seq = fc.uint8Array({ min: 0, max: 3, maxLength: 60 });
    fc.assert(
      fc.property(seq, seq, (a, b) => {
        expect(editDistance(a, b)).toBe(naiveEditDistance(a, b));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees on near-identical long strings (the banded fast path)', () => {
    const arb = fc
      .tuple(
        fc.uint8Array({ min: 0, max: 3, minLength: 100, maxLength: 200 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 })), { maxLength: 12 }),
      )
      .map(([a, edits]) => {
        const b = Array.from(a);
        for (const [p, kind, s] of edits) {
          const at = p % (b.length + 1);
          if (kind === 0 && at < b.length) b[at] = s;
          else if (kind === 1 && at < b.length) b.splice(at, 1);
          else b.splice(at, 0, s);
        }
        return [a, Uint8Array.from(b)] as const;
      });
    fc.assert(
      fc.property(arb, ([a, b]) => {
        expect(editDistance(a, b)).toBe(naiveEditDistance(a, b));
      }),
      { numRuns: 100 },
    );
  });
});

describe('editDistanceWithin', () => {
  it('returns the distance when it is at most k, else k + 1', () => {
    const seq = fc.uint8Array({ min: 0, max: 3, maxLength: 40 });
    fc.assert(
      fc.property(seq, seq, fc.integer({ min: 0, max: 45 }), (a, b, k) => {
        const d = naiveEditDistance(a, b);
        expect(editDistanceWithin(a, b, k)).toBe(d <= k ? d : k + 1);
      }),
      { numRuns: 300 },
    );
  });
});
