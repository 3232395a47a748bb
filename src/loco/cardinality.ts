/**
 * Cardinality of D(m, ℓ) and the helper counts M and T (spec dloco.md §2).
 *
 * N(0) = 4/3 is not an integer, so everything is kept in integer form:
 *   T(n) = 3·N(n)/4 (n ≥ 1), T(0) = 1, T(n<0) = 0  — words of length n whose first symbol must
 *          differ from a given symbol (3 choices for it, then any valid continuation);
 *   M(n) = Σ_{k=1..ℓ} T(n − k)                     — valid words of length n starting with a given
 *          symbol (a run of k copies, then a different symbol);
 *   N(n) = 4·M(n) for n ≥ 1.
 */
import { checkEll, checkLength } from './params.js';

export interface CountTables {
  readonly ell: number;
  readonly maxLength: number;
  /** T[n] for n = 0..maxLength. */
  readonly T: readonly bigint[];
  /** M[n] for n = 0..maxLength (M[0] = 0: no word of length 0 starts with a symbol). */
  readonly M: readonly bigint[];
}

const cache = new Map<string, CountTables>();

export function countTables(ell: number, maxLength: number): CountTables {
  checkEll(ell);
  checkLength(maxLength, 0);
  const key = `${ell}:${maxLength}`;
  let t = cache.get(key);
  if (t) return t;
  const T: bigint[] = [1n];
  const M: bigint[] = [0n];
  for (let n = 1; n <= maxLength; n++) {
    let mn = 0n;
    for (let k = 1; k <= ell && n - k >= 0; k++) mn += T[n - k];
    M.push(mn);
    T.push(3n * mn);
  }
  t = { ell, maxLength, T, M };
  cache.set(key, t);
  return t;
}

/** N(m): the number of length-m words over {A,T,G,C} with no run longer than ℓ. */
export function cardinality(m: number, ell: number): bigint {
  checkLength(m, 1);
  return 4n * countTables(ell, m).M[m];
}

/** Σ_{k=1..ℓ−r} T(n − k): valid continuations of length n when the previous symbol's run is r. */
export function sameSymbolCount(tables: CountTables, n: number, run: number): bigint {
  let s = 0n;
  for (let k = 1; k <= tables.ell - run && n - k >= 0; k++) s += tables.T[n - k];
  return s;
}

/** ⌊log2 x⌋ for x ≥ 1. */
export function floorLog2(x: bigint): number {
  return x.toString(2).length - 1;
}

/** log2 x for a big integer, accurate to double precision. */
export function log2Big(x: bigint): number {
  const bits = x.toString(2).length;
  if (bits <= 1000) return Math.log2(Number(x));
  const shift = bits - 64;
  return Math.log2(Number(x >> BigInt(shift))) + shift;
}

/**
 * Capacity of the ℓ-run-limited quaternary channel in bits/nt: log2 of the largest root of
 * z^ℓ = 3(z^{ℓ−1} + … + 1). Found by bisection on (3, 4]; the root lies there for every ℓ ≥ 1.
 */
export function capacity(ell: number): number {
  checkEll(ell);
  const f = (z: number): number => {
    let rhs = 0;
    for (let k = 0; k < ell; k++) rhs += z ** k;
    return z ** ell - 3 * rhs;
  };
  let lo = 2.9;
  let hi = 4;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) > 0) hi = mid;
    else lo = mid;
  }
  return Math.log2((lo + hi) / 2);
}
