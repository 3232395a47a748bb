/**
 * GF(2^16) for the outer erasure code (pool.md, layer 2): polynomials over GF(2) modulo the
 * primitive polynomial x^16 + x^12 + x^3 + x + 1 (0x1100B), so x (the element 2) generates all
 * 65535 non-zero elements (checked in the tests) and every non-zero a is exp[log a].
 *
 * Tables are built once at load. The exp table is laid out in three periods of 65535 entries:
 *   exp[0 … 2·65535)      the powers of x, twice, so exp[log a + log b] needs no "mod 65535";
 *   exp[2·65535 … 3·65536) zeros, and log 0 is stood in for by ZERO_LOG = 2·65535,
 * so that log 0 + log c (c ≠ 0, log c < 65535) lands on a zero: multiplying a possibly-zero
 * symbol by a non-zero constant is one add and one load, with no branch in the hot loops.
 */
import { ErasureParameterError } from './errors.js';

export const GF_BITS = 16;
export const GF_SIZE = 1 << GF_BITS;
/** Order of the multiplicative group. */
export const GF_ORDER = GF_SIZE - 1;
export const GF_POLY = 0x1100b;

/** Stand-in for log(0): any log of a non-zero constant added to it stays in exp's zero region. */
export const ZERO_LOG = 2 * GF_ORDER;

export const GF_EXP = new Uint16Array(3 * GF_SIZE);
export const GF_LOG = new Uint32Array(GF_SIZE);

{
  let x = 1;
  for (let i = 0; i < GF_ORDER; i++) {
    GF_EXP[i] = x;
    GF_EXP[i + GF_ORDER] = x;
    GF_LOG[x] = i;
    x <<= 1;
    if (x & GF_SIZE) x ^= GF_POLY;
  }
  GF_LOG[0] = ZERO_LOG;
}

/** Module-local aliases: bundlers and test runners may turn imported bindings into getters. */
const EXP = GF_EXP;
const LOG = GF_LOG;

/** a · b. */
export function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return EXP[LOG[a] + LOG[b]];
}

/** 1 / a for a ≠ 0. */
export function gfInv(a: number): number {
  if (a === 0) throw new ErasureParameterError('GF(2^16) inverse of', a, 'a non-zero field element');
  return EXP[GF_ORDER - LOG[a]];
}

/** a / b for b ≠ 0. */
export function gfDiv(a: number, b: number): number {
  if (b === 0) throw new ErasureParameterError('GF(2^16) divisor', b, 'a non-zero field element');
  if (a === 0) return 0;
  return EXP[LOG[a] + GF_ORDER - LOG[b]];
}
