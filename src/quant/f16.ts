/**
 * IEEE 754 binary16 ↔ binary32, bit-exact. f32 → f16 rounds to nearest, ties to even (the
 * conversion every GPU and `Float16Array` performs); f16 → f32 is exact and served by a 65,536-entry
 * table built once at load. Directed variants (round down / up) give the scale and offset of a
 * quantization grid that provably covers its group (groups.ts).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Every f16 bit pattern decoded (exactly representable in f32). */
export const F16_TABLE: Float32Array = buildTable();

function buildTable(): Float32Array {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    let v: number;
    if (e === 0) v = m * 2 ** -24;
    else if (e === 31) v = m === 0 ? Infinity : NaN;
    else v = (1024 + m) * 2 ** (e - 25);
    t[h] = sign * v;
  }
  return t;
}

/** Decode the f16 bit pattern h (0 … 65535). */
export function f16ToF32(h: number): number {
  return F16_TABLE[h & 0xffff];
}

/**
 * The f16 bit pattern nearest to x after x is rounded to f32 (ties to even). Overflow gives ±Inf,
 * NaN gives the quiet NaN 0x7e00 (sign kept).
 */
export function f32ToF16(x: number): number {
  f32[0] = x;
  const u = u32[0];
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return sign | (mant === 0 ? 0x7c00 : 0x7e00);
  const e = exp - 112; // rebias 127 → 15
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    const m = mant | 0x800000;
    const shift = 14 - e;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h++; // a carry into the exponent is correct
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // carry may reach 0x7c00 = Inf: correct
  return sign | h;
}

/** The next f16 pattern towards −∞ (finite inputs; −0 and +0 both step to −2^−24). */
export function f16NextDown(h: number): number {
  if (h === 0 || h === 0x8000) return 0x8001;
  return h & 0x8000 ? h + 1 : h - 1;
}

/** The next f16 pattern towards +∞ (finite inputs). */
export function f16NextUp(h: number): number {
  if (h === 0 || h === 0x8000) return 0x0001;
  return h & 0x8000 ? h - 1 : h + 1;
}

/** The largest f16 ≤ x (x finite, |x| ≤ 65504). */
export function f16RoundDown(x: number): number {
  let h = f32ToF16(x);
  // x went through f32 first, so the result is within one f16 step of the true one.
  if (F16_TABLE[h] > x) h = f16NextDown(h);
  if (h === 0x8000) h = 0;
  return h;
}

/** The smallest f16 ≥ x (x finite, |x| ≤ 65504). */
export function f16RoundUp(x: number): number {
  let h = f32ToF16(x);
  if (F16_TABLE[h] < x) h = f16NextUp(h);
  if (h === 0x8000) h = 0;
  return h;
}

/** Largest finite f16. */
export const F16_MAX = 65504;
