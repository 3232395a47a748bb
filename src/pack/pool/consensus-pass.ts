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
import { clusterReads, ReadArena, smallestTwo, type ClusterOptions, type ReadViews } from './read-clusters.js';
import { ReadPartitions } from './read-partitions.js';
import type { ReadSource } from '../read-stream.js';

export const MAX_CONSENSUS_READS = 4_000_000;
/** Traces given to one reconstruction: beyond a few tens, more add time, not accuracy. */
const MAX_TRACES = 32;
/** Recovered strands clustered with the reads as anchors (memory: one byte a nucleotide each). */
const MAX_ANCHORS = 1_000_000;
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
  /** Reads found to be damaged copies of a strand already recovered (grouped with it), counted as its backers. */
  explained: number;
}

/** The reads the consensus pass takes, as a stream: about the strand length, primers trimmed, with Phred values where the input has them. */
export function* consensusReads(reads: ReadSource, frame: (read: string) => { seq: string; start: number }, L: number): Generator<ConsensusRead> {
  const slack = Math.max(2, Math.ceil(0.1 * L));
  const records: Iterable<{ seq: string; qual?: string }> = reads.qualityPass?.() ?? mapSeqs(reads.pass());
  for (const r of records) {
    const f = frame(r.seq);
    if (Math.abs(f.seq.length - L) > slack) continue;
    const word = parseWord(f.seq, 'read');
    yield r.qual === undefined ? { word } : { word, qual: phred(r.qual, f.start, f.seq.length) };
  }
}

export function consensusPass(
  reads: ReadSource,
  frame: (read: string) => { seq: string; start: number },
  L: number,
  collector: StrandCollector,
  parts = 1,
  spillDir?: string,
): ConsensusOutcome {
  return clusterConsensus(consensusReads(reads, frame, L), L, collector, {}, parts, spillDir);
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
 * weighted by the reads' qualities where they have them. On the calling thread; PoolWorkers runs
 * the same phases with the linking and the reconstructions on its workers.
 */
export function clusterConsensus(
  reads: Iterable<ConsensusRead>,
  L: number,
  collector: StrandCollector,
  options: ClusterOptions = {},
  parts = 1,
  spillDir?: string,
): ConsensusOutcome {
  const oneArena = (filled: FilledArena): ConsensusOutcome => {
    const { group, flip, groups } = clusterReads(filled.arena, options);
    const layout = layoutGroups(filled.arena.count, filled.anchors, group, groups);
    markUsed(filled, layout);
    const reconstructor = new Reconstructor();
    const traces = new GroupTraces(filled.arena, flip, layout);
    return offerEstimates(filled, layout, traces, collector, L, (g) => traces.fill(g) && reconstructor.reconstruct(traces.traces, L, traces.options()).strand);
  };
  if (parts <= 1) return oneArena(fillArena(reads, collector));
  const partitioned = partitionReads(reads, collector, parts, spillDir);
  try {
    let total: ConsensusOutcome | undefined;
    for (let p = 0; p < parts; p++) total = addOutcomes(total, oneArena(partitioned.load(p)));
    return { ...total!, withQualities: partitioned.withQualities, reads: partitioned.reads };
  } finally {
    partitioned.close();
  }
}

/** Sums the outcomes of partitions. */
export function addOutcomes(a: ConsensusOutcome | undefined, b: ConsensusOutcome): ConsensusOutcome {
  if (!a) return b;
  return {
    strands: a.strands + b.strands,
    reads: a.reads + b.reads,
    clusters: a.clusters + b.clusters,
    skipped: a.skipped + b.skipped,
    tries: a.tries + b.tries,
    withQualities: a.withQualities + b.withQualities,
    explained: a.explained + b.explained,
  };
}

/** Marks the reads that joined a group as used: a read in two partitions counts in the first that groups it. */
export function markUsed(filled: FilledArena, layout: GroupLayout): void {
  const { ids, used } = filled;
  if (!ids || !used) return;
  for (const r of layout.members) if (r >= filled.anchors) used[ids[r] >> 3] |= 1 << (ids[r] & 7);
}

/** The reads of a consensus pass spread over partitions (read-partitions.ts), loaded one at a time. */
export interface PartitionedReads {
  reads: number;
  withQualities: number;
  load(part: number): FilledArena;
  close(): void;
}

export function partitionReads(reads: Iterable<ConsensusRead>, collector: StrandCollector, parts: number, spillDir?: string): PartitionedReads {
  const spill = new ReadPartitions(parts, spillDir);
  try {
    const keys = new Int32Array(2);
    const file = (id: number, anchorKey: number, w: Uint8Array, q?: Uint8Array): void => {
      smallestTwo(w, keys);
      const a = (keys[0] >>> 0) % parts;
      const b = (keys[1] >>> 0) % parts;
      spill.add(a, id, anchorKey, w, q);
      if (b !== a) spill.add(b, id, anchorKey, w, q);
    };
    let anchors = 0;
    for (const { key, word } of collector.recoveredWords(collector.addresses, Number.MAX_SAFE_INTEGER)) file(anchors++, key, word);
    let count = 0;
    let withQualities = 0;
    for (const read of reads) {
      const r = probed(read, collector);
      if (!r) continue;
      if (r.qual) withQualities++;
      file(count++, -1, r.word, r.qual);
    }
    const used = new Uint8Array((count >> 3) + 1);
    return {
      reads: count,
      withQualities,
      load(part: number): FilledArena {
        const arena = new ReadArena();
        const anchorKey: number[] = [];
        const items: Array<{ id: number; word: Uint8Array; qual: Uint8Array | undefined }> = [];
        for (const it of spill.items(part)) {
          if (it.anchorKey >= 0) {
            arena.add(it.word, -1);
            anchorKey.push(it.anchorKey);
          } else if (!((used[it.id >> 3] >> (it.id & 7)) & 1)) items.push({ id: it.id, word: it.word, qual: it.qual });
        }
        // Anchors first (arena indices 0 … anchors − 1), as fillArena lays them out.
        const ids = new Int32Array(anchorKey.length + items.length).fill(-1);
        for (const it of items) {
          ids[arena.count] = it.id;
          arena.add(it.word, -1, it.qual);
        }
        return { arena, anchorKey, anchors: anchorKey.length, skipped: 0, withQualities: 0, ids, used };
      },
      close: () => spill.close(),
    };
  } catch (e) {
    spill.close();
    throw e;
  }
}

/**
 * A read as the pass takes it, or undefined when its first codewords name a strand the collector
 * already has or no longer needs; turned to the strand's orientation when they name one.
 */
function probed(read: ConsensusRead, collector: StrandCollector): { word: Uint8Array; qual?: Uint8Array; hint: number } | undefined {
  let w = read.word;
  let q = read.qual;
  const probe = collector.probeAddress(w);
  let hint = -1;
  if (probe >= 0) {
    if (collector.isKnown(probe >> 1)) return undefined;
    hint = probe >> 1;
    if (probe & 1) {
      w = reverseComplement(w);
      q = q?.slice().reverse();
    }
  }
  return { word: w, qual: q, hint };
}

/** The arena of a consensus pass: anchors (short checks: strands already recovered) first, then the reads. */
export interface FilledArena {
  arena: ReadArena;
  /** Key of each anchor (arena indices 0 … anchors − 1). */
  anchorKey: number[];
  anchors: number;
  skipped: number;
  withQualities: number;
  /** Partitioned passes: each arena read's id (-1 for anchors), and the bitmap of reads grouped in an earlier partition. */
  ids?: Int32Array;
  used?: Uint8Array;
}

export function fillArena(reads: Iterable<ConsensusRead>, collector: StrandCollector): FilledArena {
  const arena = new ReadArena();
  let skipped = 0;
  let withQualities = 0;
  // Short checks: the strands already recovered join the clustering as anchors. A group that
  // holds one is that strand's damaged reads — they back it, and need no consensus.
  const anchorKey: number[] = [];
  for (const { key, word } of collector.recoveredWords(collector.addresses, MAX_ANCHORS)) {
    arena.add(word, -1);
    anchorKey.push(key);
  }
  const anchors = arena.count;
  for (const read of reads) {
    const r = probed(read, collector);
    if (!r) continue;
    if (arena.count >= MAX_CONSENSUS_READS + anchors) {
      skipped++;
      continue;
    }
    if (r.qual) withQualities++;
    arena.add(r.word, r.hint, r.qual);
  }
  return { arena, anchorKey, anchors, skipped, withQualities };
}

/** Members of each group in read order (a counting sort), and the anchor each group holds. */
export interface GroupLayout {
  /** Group g's members are members[first[g] … first[g + 1]). */
  first: Int32Array;
  members: Int32Array;
  /** The anchor a group holds (arena index), -1 for none, -2 for several (strands merged by mistake: left alone). */
  anchorOf: Int32Array;
}

export function layoutGroups(n: number, anchors: number, group: Int32Array, groups: number): GroupLayout {
  const first = new Int32Array(groups + 1);
  for (let r = 0; r < n; r++) if (group[r] >= 0) first[group[r] + 1]++;
  for (let g = 0; g < groups; g++) first[g + 1] += first[g];
  const members = new Int32Array(first[groups]);
  const fill = first.slice(0, groups);
  for (let r = 0; r < n; r++) if (group[r] >= 0) members[fill[group[r]]++] = r;
  const anchorOf = new Int32Array(groups).fill(-1);
  for (let a = 0; a < anchors; a++) {
    const g = group[a];
    if (g >= 0) anchorOf[g] = anchorOf[g] === -1 ? a : -2;
  }
  return { first, members, anchorOf };
}

/** Reads with their qualities, as a worker sees the arena (shared copies) or the calling thread the arena itself. */
export interface TraceViews extends ReadViews {
  quals: Uint8Array;
  qualified: Uint8Array;
}

/** One group's traces (at most MAX_TRACES, each in the group's orientation) and their qualities, refilled per group. */
export class GroupTraces {
  readonly traces: Uint8Array[] = [];
  readonly quals: (Uint8Array | undefined)[] = [];
  private qualified = false;

  constructor(
    private readonly reads: TraceViews,
    private readonly flip: Uint8Array,
    private readonly layout: Pick<GroupLayout, 'first' | 'members'>,
  ) {}

  /** Loads group g; true (for chaining). */
  fill(g: number): true {
    const { reads, flip, traces, quals } = this;
    const { first, members } = this.layout;
    traces.length = 0;
    quals.length = 0;
    this.qualified = false;
    for (let m = first[g]; m < first[g + 1] && traces.length < MAX_TRACES; m++) {
      const r = members[m];
      const w = reads.bytes.subarray(reads.starts[r], reads.starts[r] + reads.lengths[r]);
      traces.push(flip[r] ? reverseComplement(w) : w);
      const q = reads.qualified[r] ? reads.quals.subarray(reads.starts[r], reads.starts[r] + reads.lengths[r]) : undefined;
      quals.push(q && flip[r] ? q.slice().reverse() : q);
      if (q) this.qualified = true;
    }
    return true;
  }

  options(): { qualities: (Uint8Array | undefined)[] } | undefined {
    return this.qualified ? { qualities: this.quals } : undefined;
  }
}

/** Group g's consensus (worker side): L symbols into out at g·L, or nothing for groups holding an anchor. */
export function estimateGroups(reads: TraceViews, flip: Uint8Array, layout: GroupLayout, from: number, to: number, L: number): Uint8Array {
  const out = new Uint8Array((to - from) * L);
  const traces = new GroupTraces(reads, flip, layout);
  const reconstructor = new Reconstructor();
  for (let g = from; g < to; g++) {
    if (layout.anchorOf[g] !== -1) continue;
    traces.fill(g);
    out.set(reconstructor.reconstruct(traces.traces, L, traces.options()).strand, (g - from) * L);
  }
  return out;
}

/**
 * Offers each group's consensus to the collector in group order (deterministic however it was
 * computed): groups holding an anchor back it instead; under a short check a consensus that fails
 * is repaired by trying what its traces make plausible (two traces: every mix of their
 * disagreements).
 */
export function offerEstimates(
  filled: FilledArena,
  layout: GroupLayout,
  traces: GroupTraces,
  collector: StrandCollector,
  L: number,
  estimate: (g: number) => Uint8Array,
): ConsensusOutcome {
  const { first, anchorOf } = layout;
  const groups = anchorOf.length;
  const before = collector.store.size;
  let tries = 0;
  let explained = 0;
  for (let g = 0; g < groups; g++) {
    if (anchorOf[g] !== -1) {
      if (anchorOf[g] >= 0) {
        const reads = first[g + 1] - first[g] - 1;
        collector.back(filled.anchorKey[anchorOf[g]], reads);
        explained += reads;
      }
      continue;
    }
    const est = estimate(g);
    const n = Math.min(MAX_TRACES, first[g + 1] - first[g]);
    if (collector.addWhole(est, n) >= 0 || !collector.counted) continue;
    traces.fill(g);
    const accept = (c: Uint8Array): boolean => collector.addRepaired(c) >= 0;
    if (n === 2) tries += Math.abs(repairByCheck(traces.traces, L, accept, REPAIR_TRIES));
    else
      for (let t = 0; t < Math.min(2, n); t++) {
        const k = repairByCheck([est, traces.traces[t]], L, accept, REPAIR_TRIES >> 2);
        tries += Math.abs(k);
        if (k < 0) break;
      }
  }
  return {
    strands: collector.store.size - before,
    reads: filled.arena.count - filled.anchors,
    clusters: groups,
    skipped: filled.skipped,
    tries,
    withQualities: filled.withQualities,
    explained,
  };
}
