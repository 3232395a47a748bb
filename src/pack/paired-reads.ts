/**
 * Paired-end reads (R1 and R2 files, as Illumina runs deliver them) merged into one read per pair
 * by their overlap, as read-merging tools do: with 2 × 150-nt reads of a 190-nt strand neither
 * read alone covers the strand, but R1 and the reverse complement of R2 overlap by ~110 nt.
 *
 * The overlap is found by seeds, not by trying every offset (which costs O(n²) per pair): k-mers
 * of R2's reverse complement, taken at a few places, are looked up in R1; each offset they vote
 * for is checked by its Hamming distance over the whole overlap, and the best one is kept when
 * at most 10 % of the overlap (and at least MIN_OVERLAP nt) disagrees. In the overlap each
 * position takes the base of higher quality (FASTQ) or, without qualities, R1's base in the first
 * half and R2's in the second (a read is worst at its 3′ end). A pair that does not overlap well
 * is passed on as its two reads.
 */
import { reverseComplementText } from './dna-text.js';
import { ReadsFormatError } from './errors.js';
import type { ReadRecord, ReadSource } from './read-stream.js';

/** Shortest overlap accepted: below it a chance match of a random overlap is too likely. */
export const MIN_OVERLAP = 20;
const SEED = 12;
const MAX_MISMATCH_SHARE = 0.1;

function reverse(s: string): string {
  const b = Buffer.from(s, 'latin1');
  return b.reverse().toString('latin1');
}

/** Mismatches between a[at…] and b[0…n), stopping once past `limit`. */
function hamming(a: string, at: number, b: string, n: number, limit: number): number {
  let d = 0;
  for (let i = 0; i < n && d <= limit; i++) if (a.charCodeAt(at + i) !== b.charCodeAt(i)) d++;
  return d;
}

/**
 * R1 and R2 (as sequenced: R2 is read from the other end) merged into one read in R1's
 * orientation, or undefined when they do not overlap by MIN_OVERLAP nt with at most 10 %
 * mismatches. Qualities, when given, are Phred + 33 strings as long as their reads.
 */
export function mergePair(r1: string, r2: string, q1?: string, q2?: string): string | undefined {
  const b = reverseComplementText(r2);
  const qb = q2 === undefined ? undefined : reverse(q2);
  // Offsets `off` place b[0] at r1[off]; the overlap is r1[off…] against b[0…).
  let best = -1;
  let bestShare = Infinity;
  const tried = new Set<number>();
  for (const seedAt of [0, SEED, 2 * SEED, 3 * SEED]) {
    if (seedAt + SEED > b.length) break;
    const seed = b.slice(seedAt, seedAt + SEED);
    for (let hit = r1.indexOf(seed); hit >= 0; hit = r1.indexOf(seed, hit + 1)) {
      const off = hit - seedAt;
      if (off < 0 || tried.has(off)) continue;
      tried.add(off);
      const n = Math.min(r1.length - off, b.length);
      if (n < MIN_OVERLAP) continue;
      const limit = Math.floor(MAX_MISMATCH_SHARE * n);
      const d = hamming(r1, off, b, n, limit);
      if (d <= limit && d / n < bestShare) [best, bestShare] = [off, d / n];
    }
  }
  if (best < 0) return undefined;
  const n = Math.min(r1.length - best, b.length);
  // What extends past the overlap: the rest of b (the usual case), or of r1 when R2 is shorter.
  const tail = b.length > n ? b.slice(n) : r1.slice(best + n);
  const out = Buffer.allocUnsafe(best + n + tail.length);
  out.write(r1, 0, best, 'latin1');
  for (let i = 0; i < n; i++) {
    const x = r1.charCodeAt(best + i);
    const y = b.charCodeAt(i);
    if (x === y) out[best + i] = x;
    else if (q1 !== undefined && qb !== undefined) out[best + i] = q1.charCodeAt(best + i) >= qb.charCodeAt(i) ? x : y;
    else out[best + i] = i < n / 2 ? x : y;
  }
  out.write(tail, best + n, 'latin1');
  return out.toString('latin1');
}

/** A read's name without its mate suffix (/1, /2) and comment: what R1 and R2 of one pair share. */
export function mateName(name: string): string {
  const id = name.split(/\s/, 1)[0];
  return /\/[12]$/.test(id) ? id.slice(0, -2) : id;
}

export interface PairedStats {
  pairs: number;
  merged: number;
}

/**
 * Two record streams read as pairs, in step: each pair merged, or its two reads passed on when
 * they do not overlap. R1 and R2 must hold the same reads in the same order (names checked).
 */
export function* mergePairs(r1: Iterable<ReadRecord>, r2: Iterable<ReadRecord>, files: [string, string], stats: PairedStats): Generator<string> {
  const it2 = r2[Symbol.iterator]();
  for (const a of r1) {
    const next = it2.next();
    if (next.done)
      throw new ReadsFormatError(
        files[1],
        0,
        `has fewer records than ${files[0]} (no mate for ${JSON.stringify(a.name)} at line ${a.line}); paired files must hold the same reads in the same order`,
      );
    const b = next.value;
    if (mateName(a.name) !== mateName(b.name))
      throw new ReadsFormatError(
        files[1],
        b.line,
        `record ${JSON.stringify(b.name)} is not the mate of ${JSON.stringify(a.name)} (${files[0]}:${a.line}); paired files must hold the same reads in the same order`,
      );
    stats.pairs++;
    const merged = mergePair(a.seq, b.seq, a.qual, b.qual);
    if (merged !== undefined) {
      stats.merged++;
      yield merged;
    } else {
      yield a.seq;
      yield b.seq;
    }
  }
  const extra = it2.next();
  if (!extra.done)
    throw new ReadsFormatError(files[0], 0, `has fewer records than ${files[1]} (no mate for ${JSON.stringify(extra.value.name)} at line ${extra.value.line})`);
}

/** R1 and R2 record sources as one ReadSource of merged reads; `stats` holds the last pass's counts. */
export function pairedReads(open: (which: 0 | 1) => Iterable<ReadRecord>, files: [string, string]): ReadSource & { readonly stats: PairedStats } {
  const stats: PairedStats = { pairs: 0, merged: 0 };
  return {
    name: `${files[0]} + ${files[1]}`,
    stats,
    pass() {
      stats.pairs = 0;
      stats.merged = 0;
      return mergePairs(open(0), open(1), files, stats);
    },
  };
}
