/**
 * Fixed-width unsigned big integers as little-endian 30-bit limbs in an Int32Array.
 * 30 bits keeps every intermediate (a + b + carry, a − b − borrow) inside a signed 32-bit
 * integer, so V8 runs the loops on small integers with no heap numbers and no BigInt allocation.
 * Measured against native BigInt and the big-integer package in bench/bigint.ts.
 */
export const LIMB_BITS = 30;
export const LIMB_MASK = (1 << LIMB_BITS) - 1;
export const LIMB_BASE = 2 ** LIMB_BITS;

/** Limbs needed to hold a value of `bits` bits (at least 1). */
export function limbsFor(bits: number): number {
  return Math.max(1, Math.ceil(bits / LIMB_BITS));
}

const BIG_BITS = BigInt(LIMB_BITS);
const BIG_MASK = BigInt(LIMB_MASK);

/** Writes x into out[offset .. offset+width); throws RangeError if it does not fit. */
export function bigToLimbs(x: bigint, out: Int32Array, offset: number, width: number): void {
  if (x < 0n) throw new RangeError('negative value');
  let v = x;
  for (let k = 0; k < width; k++) {
    out[offset + k] = Number(v & BIG_MASK);
    v >>= BIG_BITS;
  }
  if (v !== 0n) throw new RangeError(`value does not fit in ${width} limbs`);
}

export function limbsToBig(a: Int32Array, offset: number, width: number): bigint {
  let v = 0n;
  for (let k = width - 1; k >= 0; k--) v = (v << BIG_BITS) | BigInt(a[offset + k]);
  return v;
}

/*
 * Arithmetic with a small integer d < 2^26 (a residue modulus): each 30-bit limb is split into
 * 15-bit halves so that every product and partial remainder stays below 2^53, exact in a double.
 */
const HALF = 32768;

/** out = a·d + add (d < 2^26, add < 2^26); returns the carry out of the top limb. */
export function mulSmallAdd(a: Int32Array, d: number, add: number, out: Int32Array): number {
  let carry = add;
  for (let k = 0; k < a.length; k++) {
    const t1 = (a[k] & 0x7fff) * d + carry;
    const lo = t1 % HALF;
    const t2 = (a[k] >>> 15) * d + (t1 - lo) / HALF;
    const hi = t2 % HALF;
    carry = (t2 - hi) / HALF;
    out[k] = hi * HALF + lo;
  }
  return carry;
}

/** q = ⌊a / d⌋ (q may alias a); returns a mod d. */
export function divSmall(a: Int32Array, d: number, q: Int32Array): number {
  let rem = 0;
  for (let k = a.length - 1; k >= 0; k--) {
    const v = a[k];
    const c1 = rem * HALF + (v >>> 15);
    const q1 = Math.floor(c1 / d);
    rem = c1 - q1 * d;
    const c2 = rem * HALF + (v & 0x7fff);
    const q2 = Math.floor(c2 / d);
    rem = c2 - q2 * d;
    q[k] = q1 * HALF + q2;
  }
  return rem;
}

/** a mod d. */
export function modSmall(a: Int32Array, d: number): number {
  let rem = 0;
  for (let k = a.length - 1; k >= 0; k--) {
    const v = a[k];
    rem = (rem * HALF + (v >>> 15)) % d;
    rem = (rem * HALF + (v & 0x7fff)) % d;
  }
  return rem;
}

/** a += b (same width); returns the carry out. */
export function addLimbs(a: Int32Array, b: Int32Array, bOffset = 0): number {
  let carry = 0;
  for (let k = 0; k < a.length; k++) {
    const s = a[k] + b[bOffset + k] + carry;
    carry = s >>> 30;
    a[k] = s & LIMB_MASK;
  }
  return carry;
}

/** a −= b (same width); returns the borrow out (1 when b > a). */
export function subLimbs(a: Int32Array, b: Int32Array, bOffset = 0): number {
  let borrow = 0;
  for (let k = 0; k < a.length; k++) {
    const d = a[k] - b[bOffset + k] - borrow;
    borrow = d >>> 31;
    a[k] = d & LIMB_MASK;
  }
  return borrow;
}

/** −1, 0, 1 as a <, =, > b. */
export function compareLimbs(a: Int32Array, b: Int32Array, bOffset = 0): number {
  for (let k = a.length - 1; k >= 0; k--) {
    const x = a[k];
    const y = b[bOffset + k];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
