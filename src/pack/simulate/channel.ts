/**
 * The seeded DNA channel (spec pool.md, "The channel" and "Channel simulator").
 *
 * Plan (one src/random.ts Rng seeded with `seed`, strands in input order). For every strand:
 *   1. u ~ U(0,1); the strand is dropped if u < dropout;
 *   2. copy weight w = exp(σZ − σ²/2), Z ~ N(0,1), σ = skew, so E[w] = 1 (log-normal: synthesis
 *      and PCR bias);
 *   3. reads ~ Poisson(coverage · w) (sampling 'poisson'), or coverage · w rounded up with
 *      probability equal to its fractional part (sampling 'exact');
 *   so E[reads | kept] = coverage and E[reads] = coverage · (1 − dropout). Steps 2–3 are drawn for
 *   dropped strands too, so raising dropout with the same seed drops a superset of strands and
 *   leaves the others' reads unchanged. Then the reads are put in a Fisher–Yates shuffled order.
 *
 * Read j (its own stream, ReadRng(seed).select(j), so reads can be made in any order): first the
 * orientation draw; then, per source nucleotide independently, an error event with probability
 * p = sub + ins + del, of type deletion (del/p: the nucleotide is skipped), insertion (ins/p: a
 * uniform random base is written before it, the nucleotide is kept) or substitution (sub/p: one of
 * the three other bases, uniformly). Events are found by geometric gaps between them, not a draw
 * per nucleotide (same distribution, ~p times the work). Last, the read is reverse-complemented
 * with probability rc.
 *
 * Memory: the input strands packed at one byte per nucleotide plus 12 bytes per strand (strands.ts;
 * read in place), 4 bytes per read (its strand, in output order) and 1 bit per read (errors are
 * counted once); the count array (4 bytes per strand) lives only during planning. Read text is
 * made on demand, one read at a time. 1M strands of 150 nt at coverage 10: ~160 MB + 40 MB.
 * The plan takes ~4 draws per strand and 2 per read (shuffle) from one Rng of period 2^32: one
 * period covers pools up to about 10^9 reads, beyond anything that fits in memory in practice.
 */
import { Rng } from '../../random.js';
import { COMPLEMENT_ASCII } from '../dna-text.js';
import { OptionError } from '../../validate.js';
import { channelConfig, phredFor, type ChannelConfig, type ChannelOptions } from './config.js';
import { ReadRng } from './read-rng.js';
import { below, geometricGap, normal, poisson } from './samplers.js';
import { PackedStrands, packStrands } from './strands.js';

export interface ChannelSummary {
  /** Strands in the input. */
  strands: number;
  /** Strands lost to dropout. */
  dropped: number;
  /** Strands with no read at all (dropped, or sampled zero times). */
  missing: number;
  /** Reads out. */
  reads: number;
  /** Reads per input strand. */
  meanCoverage: number;
  /** Reads made so far; the counts below cover these (each read counted once). */
  generated: number;
  /** Nucleotides of the source strands of the reads made so far (the denominators of the rates). */
  sourceNucleotides: number;
  substitutions: number;
  insertions: number;
  deletions: number;
  reverseComplemented: number;
}

/** Reads are indexed by Int32: a larger plan would not fit in memory anyway. */
export const MAX_READS = 2 ** 31 - 1;

const TWO32 = 4294967296;
const CODES = Uint8Array.from('ACGT', (c) => c.charCodeAt(0));
const INDEX = new Uint8Array(256);
CODES.forEach((c, i) => (INDEX[c] = i));
const PARTNER = COMPLEMENT_ASCII;

/** What writeFragment made: its length and errors, the source strand's length, its orientation. */
interface Fragment {
  length: number;
  subs: number;
  insertions: number;
  deletions: number;
  len: number;
  flip: boolean;
}

export class Channel {
  readonly config: ChannelConfig;
  readonly summary: ChannelSummary;
  /** Per read, in output order: the index of the strand it copies. */
  readonly order: Int32Array;
  /** Longest possible read (every nucleotide preceded by an insertion). */
  readonly maxReadLength: number;
  private readonly source: PackedStrands;
  private readonly counted: Uint32Array;
  private readonly readRng: ReadRng;
  private readonly text: Buffer;
  private readonly logNoEvent: number;
  private readonly delCut: number;
  private readonly insCut: number;
  private readonly rcCut: number;

  /** Strings are packed first (a copy, one byte per nucleotide); pass PackedStrands to avoid it. */
  constructor(strands: readonly string[] | PackedStrands, options: ChannelOptions = {}) {
    this.config = channelConfig(options);
    this.source = strands instanceof PackedStrands ? strands : packStrands(strands);
    const { coverage, skew, sampling, dropout, seed, sub, ins, del, rc } = this.config;
    const n = this.source.count;
    let longest = 0;
    for (let i = 0; i < n; i++) longest = Math.max(longest, this.source.length(i));
    this.maxReadLength = 2 * longest;

    const rng = new Rng(seed);
    const counts = new Int32Array(n);
    let total = 0;
    let dropped = 0;
    let missing = 0;
    const shift = (-skew * skew) / 2;
    for (let i = 0; i < n; i++) {
      const lost = rng.next() < dropout;
      const lambda = skew > 0 ? coverage * Math.exp(skew * normal(rng) + shift) : coverage;
      let c: number;
      if (sampling === 'poisson') c = poisson(rng, lambda);
      else {
        const whole = Math.floor(lambda);
        c = whole + (rng.next() < lambda - whole ? 1 : 0);
      }
      if (lost) {
        dropped++;
        c = 0;
      }
      if (c === 0) missing++;
      counts[i] = c;
      total += c;
      if (total > MAX_READS) {
        throw new OptionError(
          'simulate options',
          'coverage',
          `${coverage} over ${n} strands would make more than ${MAX_READS} reads; lower the coverage or split the pool`,
        );
      }
    }
    const order = new Int32Array(total);
    for (let i = 0, k = 0; i < n; i++) for (let c = counts[i]; c > 0; c--) order[k++] = i;
    for (let j = total - 1; j > 0; j--) {
      const r = below(rng, j + 1);
      const t = order[j];
      order[j] = order[r];
      order[r] = t;
    }
    this.order = order;
    this.counted = new Uint32Array((total + 31) >>> 5);
    this.readRng = new ReadRng(seed);
    this.text = Buffer.alloc(Math.max(1, this.maxReadLength));

    const p = sub + ins + del;
    this.logNoEvent = p > 0 ? Math.log1p(-p) : 0;
    this.delCut = p > 0 ? (del / p) * TWO32 : 0;
    this.insCut = p > 0 ? ((del + ins) / p) * TWO32 : 0;
    this.rcCut = rc * TWO32;
    this.summary = {
      strands: n,
      dropped,
      missing,
      reads: total,
      meanCoverage: n ? total / n : 0,
      generated: 0,
      sourceNucleotides: 0,
      substitutions: 0,
      insertions: 0,
      deletions: 0,
      reverseComplemented: 0,
    };
  }

  /** Extra substitution rate at cycle c of a read of n cycles (frontSub in the first frontSpan, tailSub rising to the last). */
  cycleRate(c: number, n: number): number {
    const { frontSub, frontSpan, tailSub } = this.config;
    return (c < frontSpan ? frontSub : 0) + (n > 1 ? (tailSub * c) / (n - 1) : 0);
  }

  /** The FASTQ Phred score of cycle c in a read of n cycles: the expected error rate there. */
  qualityAt(c: number, n: number): number {
    if (this.config.frontSub === 0 && this.config.tailSub === 0) return this.config.quality;
    const { sub, ins, del } = this.config;
    return phredFor({ sub: sub + this.cycleRate(c, n), ins, del });
  }

  /** Number of reads. */
  get length(): number {
    return this.order.length;
  }

  /**
   * Writes read j (ASCII A/C/G/T) into out at `at` and returns its length; out needs
   * maxReadLength bytes of room there. The first time a read is made its errors are counted.
   */
  writeRead(j: number, out: Uint8Array, at: number): number {
    const f = this.writeFragment(j, out, at);
    let w = at + f.length;
    // The sequencer reads the first readLength cycles, with its own position-dependent errors.
    const { readLength } = this.config;
    if (readLength !== undefined && w - at > readLength) w = at + readLength;
    f.subs += this.cycleErrors(out, at, w - at);
    this.count(j, f);
    return w - at;
  }

  /**
   * Read j as a paired-end run reads it: the first `cycles` nt of the fragment (mate 1, into out1
   * at at1) and of its reverse complement (mate 2, into out2 at at2), each with the position-
   * dependent errors of its own cycles. Returns the two lengths. Both buffers need maxReadLength
   * bytes of room.
   */
  writeMates(j: number, cycles: number, out1: Uint8Array, at1: number, out2: Uint8Array, at2: number): [number, number] {
    if (this.mateScratch.length < this.maxReadLength) this.mateScratch = new Uint8Array(this.maxReadLength);
    const frag = this.mateScratch;
    const f = this.writeFragment(j, frag, 0);
    const n = f.length;
    const n1 = Math.min(cycles, n);
    out1.set(frag.subarray(0, n1), at1);
    for (let c = 0; c < n1; c++) out2[at2 + c] = PARTNER[frag[n - 1 - c]];
    f.subs += this.cycleErrors(out1, at1, n1) + this.cycleErrors(out2, at2, n1);
    this.count(j, f);
    return [n1, n1];
  }

  private mateScratch = new Uint8Array(0);
  private readonly fragment: Fragment = { length: 0, subs: 0, insertions: 0, deletions: 0, len: 0, flip: false };

  /** The strand copied with synthesis, PCR and sequencing errors, in the orientation read; the random stream at read j. */
  private writeFragment(j: number, out: Uint8Array, at: number): Fragment {
    if (!(j >= 0 && j < this.order.length)) throw new RangeError(`read index ${j} is outside 0..${this.order.length - 1}`);
    const rng = this.readRng;
    rng.select(j);
    const strand = this.order[j];
    const len = this.source.length(strand);
    const src = this.source.slab(strand);
    const base = this.source.offset(strand);
    const end = base + len;
    const flip = rng.nextU32() < this.rcCut;
    let w = at;
    let i = base;
    let subs = 0;
    let insertions = 0;
    let deletions = 0;
    if (this.logNoEvent !== 0) {
      for (let next = base + geometricGap(rng, this.logNoEvent); next < end; next = i + geometricGap(rng, this.logNoEvent)) {
        while (i < next) out[w++] = src[i++];
        const kind = rng.nextU32();
        const c = src[i++];
        if (kind < this.delCut) deletions++;
        else if (kind < this.insCut) {
          out[w++] = CODES[rng.nextU32() >>> 30];
          out[w++] = c;
          insertions++;
        } else {
          out[w++] = CODES[(INDEX[c] + 1 + Math.floor((rng.nextU32() * 3) / TWO32)) & 3];
          subs++;
        }
      }
    }
    while (i < end) out[w++] = src[i++];
    if (flip) {
      for (let a = at, b = w - 1; a <= b; a++, b--) {
        const x = PARTNER[out[a]];
        out[a] = PARTNER[out[b]];
        out[b] = x;
      }
    }
    // One record reused for every read: no allocation per read.
    const f = this.fragment;
    f.length = w - at;
    f.subs = subs;
    f.insertions = insertions;
    f.deletions = deletions;
    f.len = len;
    f.flip = flip;
    return f;
  }

  /** The instrument's position-dependent substitutions on out[at, at + n), drawn from read j's stream; returns how many. */
  private cycleErrors(out: Uint8Array, at: number, n: number): number {
    const { frontSub, tailSub } = this.config;
    if (frontSub === 0 && tailSub === 0) return 0;
    const rng = this.readRng;
    let subs = 0;
    for (let c = 0; c < n; c++) {
      const p = this.cycleRate(c, n);
      if (p > 0 && rng.nextU32() < p * TWO32) {
        out[at + c] = CODES[(INDEX[out[at + c]] + 1 + Math.floor((rng.nextU32() * 3) / TWO32)) & 3];
        subs++;
      }
    }
    return subs;
  }

  /** Counts read j's errors in the summary the first time it is made. */
  private count(j: number, f: Fragment): void {
    const bit = 1 << (j & 31);
    if ((this.counted[j >>> 5] & bit) !== 0) return;
    this.counted[j >>> 5] |= bit;
    const s = this.summary;
    s.generated++;
    s.sourceNucleotides += f.len;
    s.substitutions += f.subs;
    s.insertions += f.insertions;
    s.deletions += f.deletions;
    if (f.flip) s.reverseComplemented++;
  }

  /** Read j as text. */
  read(j: number): string {
    const n = this.writeRead(j, this.text, 0);
    return this.text.toString('latin1', 0, n);
  }

  /** All reads, in output order. */
  *reads(): Generator<string> {
    for (let j = 0; j < this.order.length; j++) yield this.read(j);
  }
}
