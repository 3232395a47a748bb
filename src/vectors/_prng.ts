/**
 * SplitMix64 (Steele, Lea, Flood 2014) on BigInt: a tiny seeded generator whose output is fixed by
 * the seed alone, so regenerated vectors are byte-identical on every platform.
 */
const MASK = (1n << 64n) - 1n;

export class SplitMix64 {
  private state: bigint;

  constructor(seed: bigint) {
    this.state = seed & MASK;
  }

  /** The next 64-bit output. */
  next(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  }

  /** A value in [0, n): 64 more random bits than n has, reduced mod n (bias below 2^-64). */
  below(n: bigint): bigint {
    const words = Math.ceil((n.toString(2).length + 64) / 64);
    let r = 0n;
    for (let i = 0; i < words; i++) r = (r << 64n) | this.next();
    return r % n;
  }

  /** `count` bytes, eight per output, least significant byte first. */
  bytes(count: number): Uint8Array {
    const out = new Uint8Array(count);
    for (let i = 0; i < count; i += 8) {
      let v = this.next();
      for (let k = i; k < Math.min(i + 8, count); k++, v >>= 8n) out[k] = Number(v & 0xffn);
    }
    return out;
  }
}
