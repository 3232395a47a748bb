/**
 * The pool's parallel work as pure functions on plain data, run by the piscina workers (and on
 * the calling thread for small jobs): encoding one Reed–Solomon block, and collecting one share
 * of the reads. Results are structured-clone friendly.
 */
import type { Manifest } from './format.js';
import type { VoteExport } from './vote-arena.js';
import type { SupportExport } from './strand-support.js';
import { ChunkList } from './chunk-list.js';
import { collectReads, dataCollector, type ReadCounts } from './decode.js';
import { dataCodec, encodeBlock } from './encode.js';
import { linkPairs, type ReadViews, type Signatures } from './read-clusters.js';
import { estimateGroups, type GroupLayout, type TraceViews } from './consensus-pass.js';

export interface EncodeBlockJob {
  kind: 'encode-block';
  manifest: Manifest;
  block: number;
  first: number;
  bytes: Uint8Array;
  cacheDir?: string | false;
}

export interface CollectJob {
  kind: 'collect';
  manifest: Manifest;
  L: number;
  seqs: string[];
  listDecoding: boolean;
  /** Bit per address: strands already recovered or not needed (shared memory: the calling thread sets bits as results come in). */
  known: Uint8Array;
  cacheDir?: string | false;
}

/** What one share of the reads gave: strands (keys, chunks back to back) and votes, as typed arrays. */
export interface CollectResult {
  keys: Float64Array;
  chunks: Uint8Array;
  votes: VoteExport;
  /** Reads backing each strand, for short-check pools (format 3). */
  support?: SupportExport;
  counts: ReadCounts;
  reverseComplement: number;
}

/** Link checks of the consensus pass over the buckets sorted[from, to) (arrays in shared memory). */
export interface LinkJob {
  kind: 'link';
  reads: ReadViews;
  sig: Signatures;
  from: number;
  to: number;
  endEdits: number;
}

/** Consensus of groups from … to − 1 (arrays in shared memory). */
export interface EstimateJob {
  kind: 'estimate';
  reads: TraceViews;
  flip: Uint8Array;
  layout: GroupLayout;
  from: number;
  to: number;
  L: number;
}

export type PoolJob = EncodeBlockJob | CollectJob | LinkJob | EstimateJob;

export function runLink(job: LinkJob): Int32Array {
  return linkPairs(job.reads, job.sig, job.from, job.to, job.endEdits);
}

export function runEstimate(job: EstimateJob): Uint8Array {
  return estimateGroups(job.reads, job.flip, job.layout, job.from, job.to, job.L);
}

export function runEncodeBlock(job: EncodeBlockJob): string {
  const codec = dataCodec(job.manifest, job.cacheDir);
  let out = '';
  for (const [name, strand] of encodeBlock(job.manifest, codec, job.block, job.first, job.bytes)) out += `>${name}\n${strand}\n`;
  return out;
}

export function runCollect(job: CollectJob): CollectResult {
  const store = new ChunkList(job.manifest.chunkBytes);
  const collector = dataCollector(job.manifest, job.L, store, { cacheDir: job.cacheDir, listDecoding: job.listDecoding }, job.known);
  const counts: ReadCounts = { readsUsed: 0 };
  collectReads(collector, job.seqs, job.L, counts);
  const packed = store.packed();
  const support = collector.exportSupport(packed.keys);
  return { ...packed, votes: collector.exportVotes(), ...(support ? { support } : {}), counts, reverseComplement: collector.reverseComplement };
}
