/** Deterministic pseudo-random data for the benchmarks, from the project's seeded generator (src/random.ts). */
import { Rng } from '../src/random.js';

/** A generator of uint32 values from `seed`. */
export function mulberry32(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.nextU32();
}

/** n pseudo-random bytes from the given seed. */
export function randomBytes(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(n);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = rng.nextU32();
    out[i] = v & 255;
    out[i + 1] = (v >>> 8) & 255;
    out[i + 2] = (v >>> 16) & 255;
    out[i + 3] = v >>> 24;
  }
  for (; i < n; i++) out[i] = rng.nextU32() & 255;
  return out;
}

/** A uniformly random integer of `bits` bits, i.e. in [0, 2^bits). */
export function randomBits(next: () => number, bits: number): bigint {
  let v = 0n;
  let left = bits;
  while (left > 0) {
    const take = Math.min(32, left);
    v = (v << BigInt(take)) | BigInt(next() >>> (32 - take));
    left -= take;
  }
  return v;
}

/** A uniformly random integer in [0, bound) (rejection sampling), bound ≥ 1. */
export function randomBelow(next: () => number, bound: bigint): bigint {
  const bits = bound.toString(2).length;
  for (;;) {
    const v = randomBits(next, bits);
    if (v < bound) return v;
  }
}
