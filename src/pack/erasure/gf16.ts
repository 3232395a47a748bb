/**
 * GF(2^16) with the primitive polynomial x^16 + x^12 + x^3 + x + 1 (0x1100B): log/exp tables
 * built once at load. The exp table is laid out so that exp[log a + log b] needs no reduction and
 * so that a "log" of ZERO_LOG (the stand-in for log 0) lands in a run of zeros: a multiply by a
 * possibly-zero symbol is then one add and one load, with no branch in the hot loop.
 */
export const GF_BITS = 16;
export const GF_SIZE = 1 << GF_BITS;
export const GF_ORDER = GF_SIZE - 1; // multiplicative group order
export const GF_POLY = 0x1100b;

/** Stand-in for log(0): any log added to it stays in exp's zero region. */
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
  GF_LOG[0] = ZERO_LOG; // exp[ZERO_LOG ..] stays 0
}

export function gfMul(a: number, b: number): number {
  return GF_EXP[GF_LOG[a] + GF_LOG[b]];
}

export function gfInv(a: number): number {
  if (a === 0) throw new RangeError('GF(2^16): 0 has no inverse');
  return GF_EXP[GF_ORDER - GF_LOG[a]];
}

export function gfDiv(a: number, b: number): number {
  if (b === 0) throw new RangeError('GF(2^16): division by 0');
  if (a === 0) return 0;
  return GF_EXP[GF_LOG[a] + GF_ORDER - GF_LOG[b]];
}

/** dst[t] ^= c · src[t] for every t, via logs of src precomputed by the caller or not. */
export function mulAddRow(dst: Uint16Array, src: Uint16Array, c: number): void {
  if (c === 0) return;
  const lc = GF_LOG[c];
  const n = dst.length;
  for (let t = 0; t < n; t++) dst[t] ^= GF_EXP[GF_LOG[src[t]] + lc];
}

/** dst[t] ^= c · src[t] where srcLog holds GF_LOG of each src symbol (saves one load per symbol). */
export function mulAddLogRow(dst: Uint16Array, srcLog: Uint32Array, c: number): void {
  if (c === 0) return;
  const lc = GF_LOG[c];
  const n = dst.length;
  for (let t = 0; t < n; t++) dst[t] ^= GF_EXP[srcLog[t] + lc];
}
