/**
 * The pool's parallel work as pure functions on plain data, run by the piscina workers (and on
 * the calling thread for small jobs): encoding one Reed–Solomon block, and collecting one share
 * of the reads. Results are structured-clone friendly.
 */
import type { Manifest } from './format.js';
import type { VoteRecord } from './collect.js';
import { collectReads, dataCollector, type ReadCounts } from './decode.js';
import { dataCodec, encodeBlock } from './encode.js';

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
  /** Bit per address: strands already recovered. */
  known: Uint8Array;
  cacheDir?: string | false;
}

export interface CollectResult {
  chunks: Array<[number, Uint8Array]>;
  votes: VoteRecord[];
  counts: ReadCounts;
  reverseComplement: number;
}

export type PoolJob = EncodeBlockJob | CollectJob;

export function runEncodeBlock(job: EncodeBlockJob): string {
  const codec = dataCodec(job.manifest, job.cacheDir);
  let out = '';
  for (const [name, strand] of encodeBlock(job.manifest, codec, job.block, job.first, job.bytes)) out += `>${name}\n${strand}\n`;
  return out;
}

export function runCollect(job: CollectJob): CollectResult {
  const collector = dataCollector(job.manifest, job.L, { cacheDir: job.cacheDir, listDecoding: job.listDecoding }, job.known);
  const counts: ReadCounts = { readsUsed: 0 };
  collectReads(collector, job.seqs, job.L, counts);
  return { chunks: [...collector.chunks], votes: collector.exportVotes(), counts, reverseComplement: collector.reverseComplement };
}
