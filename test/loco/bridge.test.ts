/** Bridge tables and strand-layout helpers (spec dloco.md §4). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BRIDGE_LAYOUT, BRIDGE_SCHEMES, CHECK_OF_PAIR, PAIRS_BY_CHECK, codewordsInStrand, disparity, strandLength, xorChecksum } from '../../src/loco/index.js';

describe('CHECK_OF_PAIR / PAIRS_BY_CHECK', () => {
  it('for every last symbol p, next first symbol q and checksum v a usable pair exists', () => {
    for (let p = 0; p < 4; p++) {
      for (let q = 0; q < 4; q++) {
        for (let v = 0; v < 4; v++) {
          const candidates = Array.from(PAIRS_BY_CHECK.subarray(v * 3, v * 3 + 3));
          const usable = candidates.filter((e) => {
            const b1 = e >> 2;
            const b2 = e & 3;
            return e < 16 && b1 !== p && b2 !== q && b1 !== b2 && CHECK_OF_PAIR[b1 * 4 + b2] === v;
          });
          if (usable.length === 0) expect.fail(`no bridge pair for last=${p}, next=${q}, checksum=${v}`);
        }
      }
    }
  });

  it('trailing bridge: for every last symbol p and checksum v at least two pairs fit', () => {
    for (let p = 0; p < 4; p++)
      for (let v = 0; v < 4; v++) {
        const n = Array.from(PAIRS_BY_CHECK.subarray(v * 3, v * 3 + 3)).filter((e) => e >> 2 !== p).length;
        expect(n).toBeGreaterThanOrEqual(2);
      }
  });

  it('PAIRS_BY_CHECK lists the 12 off-diagonal pairs once each, grouped by their check value', () => {
    expect(PAIRS_BY_CHECK.length).toBe(12);
    expect([...PAIRS_BY_CHECK].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14]);
    for (let v = 0; v < 4; v++) {
      const group = Array.from(PAIRS_BY_CHECK.subarray(v * 3, v * 3 + 3));
      for (const e of group) expect(CHECK_OF_PAIR[e]).toBe(v);
      // distinct first symbols and distinct second symbols within a group (what makes the
      // existence argument work: excluding one b1 and one b2 removes at most two pairs)
      expect(new Set(group.map((e) => e >> 2)).size).toBe(3);
      expect(new Set(group.map((e) => e & 3)).size).toBe(3);
    }
  });

  it('CHECK_OF_PAIR is a Latin square off the diagonal; the diagonal is unused (255)', () => {
    expect(CHECK_OF_PAIR.length).toBe(16);
    for (let b = 0; b < 4; b++) expect(CHECK_OF_PAIR[b * 5]).toBe(255);
    for (let b1 = 0; b1 < 4; b1++) {
      const row = [0, 1, 2, 3].filter((b2) => b2 !== b1).map((b2) => CHECK_OF_PAIR[b1 * 4 + b2]);
      const col = [0, 1, 2, 3].filter((b2) => b2 !== b1).map((b2) => CHECK_OF_PAIR[b2 * 4 + b1]);
      for (const v of [...row, ...col]) expect(v).toBeLessThan(4);
      expect(new Set(row).size).toBe(3);
      expect(new Set(col).size).toBe(3);
    }
  });

  it('a substitution in a bridge pair always changes or invalidates the value it carries', () => {
    for (let e = 0; e < 16; e++) {
      if (CHECK_OF_PAIR[e] === 255) continue;
      for (let pos = 0; pos < 2; pos++)
        for (let v = 0; v < 4; v++) {
          const b = [e >> 2, e & 3];
          if (b[pos] === v) continue;
          b[pos] = v;
          expect(CHECK_OF_PAIR[b[0] * 4 + b[1]]).not.toBe(CHECK_OF_PAIR[e]);
        }
    }
  });
});

describe('strand layout helpers', () => {
  it('layouts: sep1 is 1 symbol between codewords, check2 is 2 after every codeword', () => {
    expect(BRIDGE_SCHEMES).toEqual(['sep1', 'check2']);
    expect(BRIDGE_LAYOUT.sep1).toEqual({ length: 1, trailing: false, detects: false });
    expect(BRIDGE_LAYOUT.check2).toEqual({ length: 2, trailing: true, detects: true });
  });

  it('strandLength and codewordsInStrand are inverse, and other lengths give −1', () => {
    fc.assert(
      fc.property(fc.constantFrom(...BRIDGE_SCHEMES), fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 64 }), (scheme, m, k) => {
        const L = strandLength(scheme, m, k);
        expect(L).toBe(scheme === 'sep1' ? k * m + (k - 1) : k * (m + 2));
        expect(codewordsInStrand(scheme, m, L)).toBe(k);
        for (let d = 1; d < m + BRIDGE_LAYOUT[scheme].length; d++) expect(codewordsInStrand(scheme, m, L + d)).toBe(-1);
      }),
      { numRuns: 200 },
    );
    expect(codewordsInStrand('check2', 10, 0)).toBe(-1);
    expect(codewordsInStrand('sep1', 10, 0)).toBe(-1);
  });

  it('xorChecksum and disparity over a range', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 50 }), fc.nat(), fc.nat(), (a, x, y) => {
        const w = Uint8Array.from(a);
        const s = a.length ? x % (a.length + 1) : 0;
        const e = a.length ? s + (y % (a.length - s + 1)) : 0;
        let xor = 0;
        let d = 0;
        for (let i = s; i < e; i++) {
          xor ^= a[i];
          d += a[i] >= 2 ? 1 : -1;
        }
        expect(xorChecksum(w, s, e)).toBe(xor);
        expect(disparity(w, s, e)).toBe(d);
      }),
      { numRuns: 200 },
    );
  });
});
