/**
 * R(m): the smallest modulus under which the differences of E(m, ℓ) are pairwise distinct and
 * non-zero, so that a residue names one difference (spec dloco.md §5). Candidates are tried in
 * order; for each, T(n) mod R follows from the recurrence T(n) = 3·Σ_{k=1..ℓ} T(n−k), and each
 * difference's residue from its coefficient vector: O(m·ℓ + |E|·ℓ) small-number work per R,
 * stopping at the first collision.
 */
import type { DifferenceSet } from './differences.js';

export interface ModulusOptions {
  /** Only odd moduli: needed for the complement-closed residue class (the default). */
  odd?: boolean;
  /** Smallest R to consider. */
  atLeast?: number;
}

/** T(n) mod R for n = 0..m: T(0) = 1, T(n) = 3·Σ T(n−k) (T(n<0) = 0); exact for R < 2^26. */
function tModR(E: DifferenceSet, R: number, tmod: Float64Array): void {
  tmod[0] = 1 % R;
  for (let n = 1; n <= E.m; n++) {
    let sum = 0;
    for (let k = 1; k <= E.ell && n - k >= 0; k++) sum += tmod[n - k];
    tmod[n] = (3 * sum) % R;
  }
}

/** values[k] mod R in [0, R), from its coefficient vector. */
function residueOf(E: DifferenceSet, k: number, R: number, tmod: Float64Array): number {
  const v = E.vectors[k];
  const n = E.n[k];
  let r = 0;
  for (let i = 0; i < v.length; i++) {
    const idx = n - 1 - i;
    if (idx >= 0 && v[i] !== 0) r += v[i] * tmod[idx];
  }
  r %= R;
  return r < 0 ? r + R : r;
}

/** Residues of every difference modulo R, or null if two coincide or one is 0. */
export function differenceResidues(E: DifferenceSet, R: number): Int32Array | null {
  const tmod = new Float64Array(E.m + 1);
  tModR(E, R, tmod);
  const out = new Int32Array(E.values.length);
  const seen = new Set<number>();
  for (let k = 0; k < out.length; k++) {
    const r = residueOf(E, k, R, tmod);
    if (r === 0 || seen.has(r)) return null;
    seen.add(r);
    out[k] = r;
  }
  return out;
}

/** Largest modulus searched: residues and products stay exact in doubles below it. */
export const MAX_MODULUS = 1 << 26;

/**
 * The smallest admissible R ≥ atLeast. A candidate usually fails after a birthday collision
 * among a few hundred residues; seen residues live in a bitset of R bits (about 100 KB at
 * R ≈ 10⁶, inside L2) and only the bits set are cleared afterwards. The search is still
 * Θ(R·√R) at worst, which is why built tables are cached (residue-table.ts).
 */
export function findModulus(E: DifferenceSet, options: ModulusOptions = {}): number {
  const odd = options.odd ?? true;
  const count = E.values.length;
  let R = Math.max(count + 1, options.atLeast ?? 2, 2);
  if (odd && R % 2 === 0) R++;
  const tmod = new Float64Array(E.m + 1);
  const touched = new Int32Array(count);
  let bits = new Uint32Array((R >>> 5) + 1);
  for (; R < MAX_MODULUS; R += odd ? 2 : 1) {
    if (R >>> 5 >= bits.length) bits = new Uint32Array(2 * ((R >>> 5) + 1));
    tModR(E, R, tmod);
    let set = 0;
    let ok = true;
    for (let k = 0; k < count; k++) {
      const r = residueOf(E, k, R, tmod);
      const word = r >>> 5;
      const bit = 1 << (r & 31);
      if (r === 0 || (bits[word] & bit) !== 0) {
        ok = false;
        break;
      }
      bits[word] |= bit;
      touched[set++] = word;
    }
    for (let i = 0; i < set; i++) bits[touched[i]] = 0;
    if (ok) return R;
  }
  throw new RangeError(`no modulus below ${MAX_MODULUS} separates E(${E.m}, ${E.ell})`);
}
