/**
 * One independent random stream per read, addressed by (channel seed, read index), so that read j
 * is the same whichever order reads are made in (and could be made on several threads).
 *
 * Why not one src/random.ts Rng per read: its state is a single 32-bit counter, so a million
 * streams of a few hundred draws each would overlap (shifted copies of one another) by the tens of
 * thousands of pairs. SFC32 (Chris Doty-Humphrey's Small Fast Chaotic generator, 128-bit state
 * with a counter word, passes PractRand) keeps distinct starting states on distinct trajectories;
 * its key words come from the channel's Rng, so everything still derives from the one seed.
 */
import { Rng } from '../../random.js';

export class ReadRng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private readonly k0: number;
  private readonly k1: number;
  private readonly k2: number;

  constructor(seed: number) {
    const key = new Rng((seed ^ 0x5a17c0de) >>> 0);
    this.k0 = key.nextU32();
    this.k1 = key.nextU32();
    this.k2 = key.nextU32();
  }

  /** Restarts the stream of read `index` (0 ≤ index < 2^32). */
  select(index: number): void {
    this.a = this.k0 ^ index;
    this.b = this.k1;
    this.c = this.k2 ^ Math.imul(index, 0x9e3779b1);
    this.d = 1;
    // Twelve rounds spread the index bits over the whole state (the usual SFC warm-up).
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
}
