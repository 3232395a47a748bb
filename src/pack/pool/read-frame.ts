/**
 * Primers, found from the reads alone. With primers, forward reads start with the left primer
 * and end with the right one; reverse-complemented reads start with the reverse complement of the
 * right primer. Reads are grouped by the 16-mer that the most read starts match within 4
 * substitutions (a primer starts a large share of all reads; a payload prefix repeats only by
 * chance, the CRC at the front of every strand makes sure of that), and each group's prefix and
 * suffix — the per-position majority, extended while 60 % of the group agrees — are trimmed with
 * the one spacer symbol next to each. The spacer varies with
 * the strand, which is where agreement stops. Orientation is left to the decoder, which tells it
 * from the bridges.
 */
const PROBE = 16;
/** Substitutions a read start may carry and still count as starting with a probe. */
const PROBE_MISMATCHES = 4;
/** Read starts tried as the probe (each compared with every sampled read). */
const PROBE_CANDIDATES = 200;
const SAMPLE = 4000;
/** Reads the decoder samples (from the start of the file) to look for primers. */
export const PRIMER_SAMPLE = SAMPLE;
const AGREE = 0.6;

export interface PrimerGroup {
  prefix: string;
  suffix: string;
}

export interface Primers {
  found: boolean;
  groups: PrimerGroup[];
}

export interface PrimerFrame {
  /** The read with primers and spacers trimmed. */
  seq: string;
  /** Where seq starts in the read (to cut its quality line the same way). */
  start: number;
}

import { reverseComplementText } from '../dna-text.js';

function commonEnd(group: readonly string[], seed: string, fromEnd: boolean): string {
  let out = seed;
  for (let i = seed.length; ; i++) {
    const tally = new Map<string, number>();
    for (const r of group)
      if (r.length > i) {
        const c = fromEnd ? r[r.length - 1 - i] : r[i];
        tally.set(c, (tally.get(c) ?? 0) + 1);
      }
    const best = [...tally].sort((a, b) => b[1] - a[1])[0];
    if (!best || best[1] < AGREE * group.length) return out;
    out = fromEnd ? best[0] + out : out + best[0];
  }
}

export function detectPrimers(reads: readonly string[]): Primers {
  const step = Math.max(1, Math.floor(reads.length / SAMPLE));
  let sample: string[] = [];
  for (let i = 0; i < reads.length && sample.length < SAMPLE; i += step) if (reads[i].length >= 2 * PROBE) sample.push(reads[i].toUpperCase());
  const total = sample.length;
  const groups: PrimerGroup[] = [];
  for (let g = 0; g < 2 && sample.length > 0; g++) {
    // Tight first: primers of one kit often share a stretch (Illumina's end in CTCTTCCGATCT), and
    // a probe within 4 substitutions of both would gather reads of both orientations, whose
    // majority breaks within the first positions. Loose when the read starts are noisier.
    let found: { group: string[]; prefix: string; within: number; probe: string } | undefined;
    for (const within of [PROBE_MISMATCHES >> 1, PROBE_MISMATCHES]) {
      const probe = commonestProbe(sample, within);
      const group = sample.filter((r) => mismatches(r, probe) <= within);
      const prefix = commonEnd(group, '', false);
      if (group.length >= (g === 0 ? 0.2 : 0.1) * total && group.length >= 8 && prefix.length >= PROBE) {
        found = { group, prefix, within, probe };
        break;
      }
    }
    if (!found) break;
    groups.push({ prefix: found.prefix, suffix: commonEnd(found.group, '', true) });
    sample = sample.filter((r) => mismatches(r, found.probe) > found.within);
  }
  return { found: groups.length > 0, groups };
}

/** Primers the user named, in the shape detectPrimers gives (one group: forward reads' ends). */
export function givenPrimers([left, right]: readonly [string, string]): Primers {
  const prefix = left.toUpperCase();
  const suffix = right.toUpperCase();
  return prefix || suffix ? { found: true, groups: [{ prefix, suffix }] } : { found: false, groups: [] };
}

/**
 * The read start (PROBE nt) that the most reads start with, up to `within` substitutions:
 * reads sequenced with noisy first cycles rarely carry a primer exactly (at 5 % substitutions, 44 %
 * of 16-mers have an error), but nearly all carry it within a few substitutions. Candidates are
 * the starts of an evenly spread subset of the reads.
 */
function commonestProbe(sample: readonly string[], within: number): string {
  const step = Math.max(1, Math.floor(sample.length / PROBE_CANDIDATES));
  let best = sample[0].slice(0, PROBE);
  let bestCount = -1;
  for (let c = 0; c < sample.length; c += step) {
    const probe = sample[c].slice(0, PROBE);
    let n = 0;
    for (const r of sample) if (mismatches(r, probe) <= within) n++;
    if (n > bestCount || (n === bestCount && probe < best)) [best, bestCount] = [probe, n];
  }
  return best;
}

function mismatches(s: string, prefix: string): number {
  let d = 0;
  for (let i = 0; i < prefix.length; i++) if (s[i] !== prefix[i]) d++;
  return d;
}

/** Cuts `left` nt from the start and `right` from the end. */
export function trimRead(read: string, left: number, right: number): PrimerFrame {
  const r = read.toUpperCase();
  return { seq: r.slice(left, Math.max(left, r.length - right)), start: left };
}

/**
 * Exact trimming once the manifest names the primers: each read by the primer it starts with,
 * each end placed where its primer matches best within ±2 nt, so an insertion or deletion inside
 * a primer does not shift the payload.
 */
export function trimByPrimers(read: string, [left, right]: readonly [string, string]): PrimerFrame {
  const r = read.toUpperCase();
  if (!left && !right) return { seq: r, start: 0 };
  const rcLeft = reverseComplementText(left);
  const rcRight = reverseComplementText(right);
  const forward = mismatches(r, left) <= mismatches(r, rcRight);
  const head = forward ? left : rcRight;
  const tail = forward ? right : rcLeft;
  const start = head ? bestEnd(r, head) + 1 : 0;
  const end = tail ? bestStart(r, tail) - 1 : r.length;
  return { seq: r.slice(start, Math.max(start, end)), start };
}

/** Index just past `primer` at the read's start, allowing it to be up to 2 nt shorter or longer. */
function bestEnd(r: string, primer: string): number {
  let best = primer.length;
  let bestScore = Infinity;
  for (const d of [0, -1, 1, -2, 2]) {
    const n = primer.length + d;
    if (n <= 0) continue;
    // Compare the primer's last 12 nt with the read ending at n: the end is what must align.
    const k = Math.min(12, primer.length, n);
    let score = 0;
    for (let i = 1; i <= k; i++) if (r[n - i] !== primer[primer.length - i]) score++;
    if (score < bestScore) [best, bestScore] = [n, score];
  }
  return best;
}

/** Index where `primer` starts at the read's end, allowing ±2 nt. */
function bestStart(r: string, primer: string): number {
  let best = r.length - primer.length;
  let bestScore = Infinity;
  for (const d of [0, -1, 1, -2, 2]) {
    const at = r.length - primer.length - d;
    const k = Math.min(12, primer.length);
    let score = 0;
    for (let i = 0; i < k; i++) if (r[at + i] !== primer[i]) score++;
    if (score < bestScore) [best, bestScore] = [at, score];
  }
  return best;
}

export function mismatchCount(s: string, prefix: string): number {
  return mismatches(s, prefix);
}
