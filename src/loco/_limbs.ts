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
