/**
 * E(m, ℓ) and R(m) against brute force: every codeword of D(m, ℓ) (enumerated independently of
 * the rank tables) hit by every single substitution, the received index computed by the run-capped
 * rank. The window enumeration must find exactly the non-zero differences that occur, and R(m)
 * must be the smallest modulus of its kind that separates them.
 */
import { describe, expect, it } from 'vitest';
import { differenceResidues, differenceSet, findModulus, residueTable } from '../../src/ecc/index.js';
import { locoCode } from '../../src/loco/index.js';
import { enumerateCodebook } from '../../src/vectors/_independent.js';

function bruteForceDifferences(m: number, ell: number): bigint[] {
  const code = locoCode(m, ell);
  const seen = new Set<bigint>();
  const book = enumerateCodebook(m, ell);
  const y = new Uint8Array(m);
  book.forEach((c, i) => {
    for (let j = 0; j < m; j++) {
      for (let d = 1; d < 4; d++) {
        y.set(c);
        y[j] = (c[j] + d) & 3;
        const e = code.rankAny(y) - BigInt(i);
        if (e !== 0n) seen.add(e);
      }
    }
  });
  return [...seen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const CASES: Array<[number, number]> = [];
for (const ell of [1, 2, 3]) for (let m = 2; m <= (ell === 1 ? 11 : 8); m++) CASES.push([ell, m]);

describe('E(m, ℓ) by window enumeration', () => {
  it.each(CASES)('ℓ=%i m=%i: equals the brute-force set of non-zero differences', (ell, m) => {
    const book = enumerateCodebook(m, ell);
    expect(BigInt(book.length)).toBe(locoCode(m, ell).size); // the enumeration really is the code
    expect(differenceSet(m, ell).values).toEqual(bruteForceDifferences(m, ell));
  });

  it('grows polynomially, not exponentially, up to m = 128', () => {
    for (const ell of [1, 2, 3]) {
      const small = differenceSet(64, ell).values.length;
      const large = differenceSet(128, ell).values.length;
      // Spec §5: |E| = O(m), with a constant depending on ℓ; doubling m at most ~doubles it.
      expect(large).toBeGreaterThan(small);
      expect(large).toBeLessThan(2.5 * small);
    }
  });
});

describe('R(m)', () => {
  it.each(CASES.filter(([, m]) => m >= 4))('ℓ=%i m=%i: separates E and no smaller odd modulus does', (ell, m) => {
    const E = differenceSet(m, ell);
    const R = findModulus(E);
    expect(R % 2).toBe(1);
    const residues = differenceResidues(E, R)!;
    expect(residues).not.toBeNull();
    expect(new Set(residues).size).toBe(E.values.length);
    expect([...residues].includes(0)).toBe(false);
    for (let r = 3; r < R; r += 2) expect(differenceResidues(E, r), `R=${r}`).toBeNull();
    // Any modulus: the smallest of all may be even, and is never larger than the odd one.
    const anyR = findModulus(E, { odd: false });
    expect(anyR).toBeLessThanOrEqual(R);
    for (let r = 2; r < anyR; r++) expect(differenceResidues(E, r), `R=${r}`).toBeNull();
  });

  it('honours the margin: the smallest admissible R at or above margin · R_min', () => {
    const base = residueTable(10, 2, { cacheDir: false });
    for (const margin of [1.5, 2, 4]) {
      const t = residueTable(10, 2, { margin, cacheDir: false });
      expect(t.minimalR).toBe(base.R);
      expect(t.R).toBeGreaterThanOrEqual(Math.ceil(margin * base.R));
      const E = differenceSet(10, 2);
      expect(differenceResidues(E, t.R)).not.toBeNull();
      for (let r = Math.ceil(margin * base.R) | 1; r < t.R; r += 2) expect(differenceResidues(E, r)).toBeNull();
    }
  });

  it('the residue → difference table inverts the residues', () => {
    const t = residueTable(9, 3, { cacheDir: false });
    const E = differenceSet(9, 3);
    const residues = differenceResidues(E, t.R)!;
    E.values.forEach((e, k) => expect(t.differenceFor(residues[k])).toBe(e));
    let filled = 0;
    for (let r = 0; r < t.R; r++) if (t.differenceFor(r) !== undefined) filled++;
    expect(filled).toBe(E.values.length);
  });
});

describe('the complement-closed residue class', () => {
  it.each([
    [1, 12],
    [2, 10],
    [3, 9],
    [3, 24],
  ])('ℓ=%i m=%i: x ≡ ρ0 ⇔ N−1−x ≡ ρ0 (mod R)', (ell, m) => {
    const t = residueTable(m, ell, { cacheDir: false });
    const N = locoCode(m, ell).size;
    const R = BigInt(t.R);
    const rho = BigInt(t.offset);
    expect((N - 1n - rho) % R).toBe(rho);
    for (const x of [rho, rho + R, rho + 7n * R]) expect((N - 1n - x) % R).toBe(rho);
    // The class is the only one closed under complement (R odd: 2ρ ≡ N−1 has one solution).
    let closed = 0;
    for (let r = 0n; r < R && r < 5000n; r++) if ((N - 1n - r) % R === r) closed++;
    if (R <= 5000n) expect(closed).toBe(1);
  });
});
