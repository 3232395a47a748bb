/**
 * Seeded pseudo-random numbers for simulators and trials: SplitMix32-seeded mulberry32, small and
 * fast, and the same sequence on every platform. Never Math.random: every run is repeatable.
 */
export class Rng {
  private a: number;
  constructor(seed: number) {
    // SplitMix-style scramble so that nearby seeds give unrelated streams.
    let z = (seed >>> 0) + 0x9e3779b9;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    this.a = (z ^ (z >>> 16)) >>> 0;
  }
  /** Uniform uint32. */
  nextU32(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }
  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Uniform bigint in [0, n). */
  belowBig(n: bigint): bigint {
    const bits = n.toString(2).length;
    for (;;) {
      let v = 0n;
      for (let b = 0; b < bits; b += 32) v = (v << 32n) | BigInt(this.nextU32());
      v &= (1n << BigInt(bits)) - 1n;
      if (v < n) return v;
    }
  }
}
