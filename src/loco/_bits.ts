/**
 * MSB-first bit I/O between byte buffers and 30-bit limb numbers. A message of s bits read at
 * bit offset p becomes the index u whose most significant bit is the first bit read.
 */
import { LIMB_BITS } from './_limbs.js';

/** Reads n ≤ 30 bits MSB-first at bit position pos. */
export function readBits(src: Uint8Array, pos: number, n: number): number {
  let v = 0;
  while (n > 0) {
    const byte = src[pos >>> 3];
    const avail = 8 - (pos & 7);
    const take = avail < n ? avail : n;
    v = (v << take) | ((byte >>> (avail - take)) & ((1 << take) - 1));
    pos += take;
    n -= take;
  }
  return v;
}

/** ORs the low n ≤ 30 bits of v into dst MSB-first at bit position pos (dst must start zeroed). */
export function writeBits(dst: Uint8Array, pos: number, v: number, n: number): void {
  while (n > 0) {
    const avail = 8 - (pos & 7);
    const take = avail < n ? avail : n;
    dst[pos >>> 3] |= ((v >>> (n - take)) & ((1 << take) - 1)) << (avail - take);
    pos += take;
    n -= take;
  }
}

/** Reads an nbits-bit number into limbs out[0 .. width), zero-filling above it. */
export function readLimbs(src: Uint8Array, pos: number, nbits: number, out: Int32Array): void {
  const top = ((nbits - 1) / LIMB_BITS) | 0;
  const topBits = nbits - top * LIMB_BITS;
  for (let k = out.length - 1; k > top; k--) out[k] = 0;
  out[top] = readBits(src, pos, topBits);
  pos += topBits;
  for (let k = top - 1; k >= 0; k--) {
    out[k] = readBits(src, pos, LIMB_BITS);
    pos += LIMB_BITS;
  }
}

/** Writes the low nbits bits of the limb number x MSB-first at pos. */
export function writeLimbs(dst: Uint8Array, pos: number, nbits: number, x: Int32Array): void {
  const top = ((nbits - 1) / LIMB_BITS) | 0;
  const topBits = nbits - top * LIMB_BITS;
  writeBits(dst, pos, x[top], topBits);
  pos += topBits;
  for (let k = top - 1; k >= 0; k--) {
    writeBits(dst, pos, x[k], LIMB_BITS);
    pos += LIMB_BITS;
  }
}

/** True when the limb number x is below 2^nbits. */
export function fitsInBits(x: Int32Array, nbits: number): boolean {
  const top = ((nbits - 1) / LIMB_BITS) | 0;
  const topBits = nbits - top * LIMB_BITS;
  if (topBits < LIMB_BITS && x[top] >>> topBits !== 0) return false;
  for (let k = top + 1; k < x.length; k++) if (x[k] !== 0) return false;
  return true;
}
