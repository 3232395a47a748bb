/**
 * The consensus pass (spec pool.md, "Reads to strands"): when the reads decoded one by one leave a
 * Reed–Solomon block short of strands, the reads that could belong to a missing strand are
 * clustered by strand (read-clusters.ts) and each cluster's consensus (dnarchive/reads
 * reconstruct) is offered to the collector, which keeps it only when every codeword decodes and the
 * strand's CRC holds — an estimate never outvotes the reads and never adds a wrong strand.
 *
 * A strand is lost to per-read decoding when each of its reads carries an error the inner code
 * cannot fix (an indel, two substitutions in one codeword, a noisy read start); the errors of
 * different reads fall in different places, and the consensus of a few reads is usually clean.
 *
 * Which reads: those of about the strand length (±10 %) whose first codewords do not name a strand
 * already recovered or no longer needed. Memory: one byte per nucleotide of those reads plus ~60
 * bytes per read of signatures and links, at most MAX_CONSENSUS_READS reads (the rest are counted
 * and left out).
 */
import { parseWord } from '../../loco/alphabet.js';
import { Reconstructor } from '../../reads/reconstruct.js';
import { repairByCheck } from '../../reads/candidates.js';
import { reverseComplement, type StrandCollector } from './collect.js';
import { clusterReads, ReadArena, type ClusterOptions } from './read-clusters.js';
import type { ReadSource } from '../read-stream.js';

export const MAX_CONSENSUS_READS = 4_000_000;
/** Traces given to one reconstruction: beyond a few tens, more add time, not accuracy. */
const MAX_TRACES = 32;
/**
 * Candidates tried per cluster whose consensus fails a short check: each is a 2^-20 chance of a
 * wrong strand, which the rebuild then has to find (rebuild.ts); 256 covers two traces with up to 8
 * disagreements between them.
 */
const REPAIR_TRIES = 256;

export interface ConsensusOutcome {
  /** Strands recovered by consensus. */
  strands: number;
  /** Reads clustered. */
  reads: number;
  /** Clusters of two or more reads reconstructed. */
  clusters: number;
  /** Candidate reads beyond MAX_CONSENSUS_READS, left out. */
  skipped: number;
  /** Candidates tried by check-guided repair (short-check pools). */
  tries: number;
  /** Reads clustered with FASTQ qualities (their votes weighted by them). */
  withQualities: number;
}

export function consensusPass(
  reads: ReadSource,
  frame: (read: string) => { seq: string; start: number },
  L: number,
  collector: StrandCollector,
): ConsensusOutcome {
  const slack = Math.max(2, Math.ceil(0.1 * L));
  const records: Iterable<{ seq: string; qual?: string }> = reads.qualityPass?.() ?? mapSeqs(reads.pass());
  return clusterConsensus(
    (function* () {
      for (const r of records) {
        const f = frame(r.seq);
        if (Math.abs(f.seq.length - L) > slack) continue;
        const word = parseWord(f.seq, 'read');
        yield r.qual === undefined ? { word } : { word, qual: phred(r.qual, f.start, f.seq.length) };
      }
    })(),
    L,
    collector,
  );
}

function* mapSeqs(seqs: Iterable<string>): Generator<{ seq: string }> {
  for (const seq of seqs) yield { seq };
}

/** Phred values of qual[start, start + n) (ASCII − 33). */
function phred(qual: string, start: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.max(0, qual.charCodeAt(start + i) - 33);
  return out;
}

/** A read for the consensus: symbols (primers trimmed) and, from FASTQ, its Phred values. */
export interface ConsensusRead {
  word: Uint8Array;
  qual?: Uint8Array;
}

/**
 * Clusters `reads` (symbols, primers trimmed, about the strand length) and offers each
 * cluster's consensus to `collector`. Reads whose first codewords name a strand the collector
 * already has or no longer needs are left out; the others keep that address as a hint. Votes are
 * weighted by the reads' qualities where they have them.
 */
export function clusterConsensus(reads: Iterable<ConsensusRead>, L: number, collector: StrandCollector, options: ClusterOptions = {}): ConsensusOutcome {
  const arena = new ReadArena();
  let skipped = 0;
  let withQualities = 0;
  for (const read of reads) {
    let w = read.word;
    let q = read.qual;
    const probe = collector.probeAddress(w);
    let hint = -1;
    if (probe >= 0) {
      if (collector.isKnown(probe >> 1)) continue;
      hint = probe >> 1;
      if (probe & 1) {
        w = reverseComplement(w);
        q = q?.slice().reverse();
      }
    }
    if (arena.count >= MAX_CONSENSUS_READS) {
      skipped++;
      continue;
    }
    if (q) withQualities++;
    arena.add(w, hint, q);
  }
  const { group, flip, groups } = clusterReads(arena, options);
  // Members of each group in read order: a counting sort by group.
  const first = new Int32Array(groups + 1);
  for (let r = 0; r < arena.count; r++) if (group[r] >= 0) first[group[r] + 1]++;
  for (let g = 0; g < groups; g++) first[g + 1] += first[g];
  const members = new Int32Array(first[groups]);
  const fill = first.slice(0, groups);
  for (let r = 0; r < arena.count; r++) if (group[r] >= 0) members[fill[group[r]]++] = r;

  const reconstructor = new Reconstructor();
  const traces: Uint8Array[] = [];
  const quals: (Uint8Array | undefined)[] = [];
  const before = collector.store.size;
  let tries = 0;
  for (let g = 0; g < groups; g++) {
    traces.length = 0;
    quals.length = 0;
    let qualified = false;
    for (let m = first[g]; m < first[g + 1] && traces.length < MAX_TRACES; m++) {
      const r = members[m];
      traces.push(flip[r] ? reverseComplement(arena.read(r)) : arena.read(r));
      const q = arena.qual(r);
      quals.push(q && flip[r] ? q.slice().reverse() : q);
      if (q) qualified = true;
    }
    const estimate = reconstructor.reconstruct(traces, L, qualified ? { qualities: quals } : undefined).strand;
    if (collector.addWhole(estimate, traces.length) >= 0 || !collector.counted) continue;
    // Under a short check, a cluster whose consensus fails is repaired by trying what its traces
    // make plausible (two traces: every mix of their disagreements).
    const accept = (c: Uint8Array): boolean => collector.addRepaired(c) >= 0;
    if (traces.length === 2) tries += Math.abs(repairByCheck(traces, L, accept, REPAIR_TRIES));
    else
      for (let t = 0; t < Math.min(2, traces.length); t++) {
        const n = repairByCheck([estimate, traces[t]], L, accept, REPAIR_TRIES >> 2);
        tries += Math.abs(n);
        if (n < 0) break;
      }
  }
  return { strands: collector.store.size - before, reads: arena.count, clusters: groups, skipped, tries, withQualities };
}
