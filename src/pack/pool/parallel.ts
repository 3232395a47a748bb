/**
 * The pool on all cores (piscina). Encoding: Reed–Solomon blocks are independent, so workers
 * encode them while the calling thread writes finished blocks in order (output byte-identical to
 * the single-threaded encoder; at most 2 blocks per worker in flight, so memory stays bounded).
 * Decoding: the reads are split among workers, each collecting strands and votes for its share;
 * the calling thread merges them in submission order (so votes and ties are the same from run to
 * run), assembles voted strands and runs the outer code block by block into the output. The
 * bitmap of strands no longer needed lives in shared memory: workers read it, only the calling
 * thread sets bits, and no job carries a copy of it.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { workerPath } from '../../worker-path.js';
import { unwrap, type WorkerResult } from '../../worker-result.js';
import { blockSizes } from './format.js';
import { openChunkStore } from './chunk-store.js';
import {
  dataCollector,
  finishDecode,
  markCompleteBlocks,
  prepareDecode,
  reportConsensus,
  runConsensusPass,
  trimmedPass,
  type DecodeContext,
  type DecodeOptions,
  type DecodedPool,
} from './decode.js';
import type { PayloadWrite } from './rebuild.js';
import { arrayReads, type ReadSource } from '../read-stream.js';
import { emitHeader, planPool, type PayloadSource, type PoolOptions, type StrandSink } from './encode.js';
import type { Manifest } from './format.js';
import { runCollect, runEncodeBlock, type CollectResult, type PoolJob } from './worker-jobs.js';
import {
  addOutcomes,
  consensusReads,
  fillArena,
  GroupTraces,
  layoutGroups,
  markUsed,
  offerEstimates,
  partitionReads,
  type ConsensusOutcome,
  type FilledArena,
} from './consensus-pass.js';
import { partitionCount } from './read-partitions.js';
import { bucketBounds, DATA_END_EDITS, groupsOf, joinPairs, ParityUnionFind, signatures } from './read-clusters.js';
import type { StrandCollector } from './collect.js';

const workerFile = (): string => workerPath(import.meta.url, './pool-worker.js', 'pool');

export class PoolWorkers {
  readonly threads: number;
  private readonly pools = new Map<PoolJob['kind'], Piscina<PoolJob, unknown>>();

  constructor(threads = availableParallelism()) {
    this.threads = Math.max(1, threads);
  }

  /**
   * The workers for one kind of job, started on first use. Collect jobs run with a small young
   * generation: a job's reads (a few MB of strings) outlive a scavenge or two, and with V8's
   * default (up to 3 × 16 MB) each worker kept ~60 MB more of promoted garbage (measured: 13 MB
   * pool, peak RSS 310 → 250 MB, ~5 % more decode time). Encode jobs keep the default: building
   * a block's FASTA text ran 40 % slower under the small one, for no memory gained.
   */
  private workers(kind: PoolJob['kind']): Piscina<PoolJob, unknown> {
    let pool = this.pools.get(kind);
    if (!pool) {
      pool = new Piscina<PoolJob, unknown>({
        filename: workerFile(),
        minThreads: this.threads,
        maxThreads: this.threads,
        idleTimeout: 30_000,
        ...(kind === 'collect' ? { resourceLimits: { maxYoungGenerationSizeMb: COLLECT_YOUNG_MB } } : {}),
      });
      this.pools.set(kind, pool);
    }
    return pool;
  }

  /**
   * runConsensusPass on the workers: the arena is filled and its signatures sorted on the calling
   * thread, then the link checks run on the workers, a range of buckets each, and the
   * reconstructions a range of groups each, reading the arena from shared memory; estimates are
   * offered in group order. The groups (and so the strands) are those of the single-threaded pass.
   */
  private async consensusPass(ctx: DecodeContext, collector: StrandCollector, options: DecodeOptions): Promise<void> {
    if (options.consensus === false) return;
    collector.finish();
    if (markCompleteBlocks(ctx.manifest, collector) === 0) return;
    const reads = consensusReads(ctx.reads, ctx.frame, ctx.L);
    const parts = options.consensusPartitions ?? partitionCount(ctx.report.reads);
    let outcome: ConsensusOutcome | undefined;
    if (parts === 1) outcome = await this.arenaPass(fillArena(reads, collector), ctx.L, collector);
    else {
      const partitioned = partitionReads(reads, collector, parts, options.spillDir);
      try {
        for (let p = 0; p < parts; p++) outcome = addOutcomes(outcome, await this.arenaPass(partitioned.load(p), ctx.L, collector));
        outcome = { ...outcome!, withQualities: partitioned.withQualities, reads: partitioned.reads };
      } finally {
        partitioned.close();
      }
    }
    reportConsensus(ctx, collector, outcome);
  }

  /** One arena of the consensus pass (all of it, or a partition) on the workers. */
  private async arenaPass(filled: FilledArena, L: number, collector: StrandCollector): Promise<ConsensusOutcome> {
    const { arena } = filled;
    const n = arena.count;
    const sig = signatures(arena);
    const used = n === 0 ? 0 : arena.starts[n - 1] + arena.lengths[n - 1];
    const reads = {
      bytes: shared(arena.bytes.subarray(0, used)),
      starts: shared(arena.starts.subarray(0, n)),
      lengths: shared(arena.lengths.subarray(0, n)),
      quals: shared(arena.quals.subarray(0, Math.min(used, arena.quals.length))),
      qualified: shared(arena.qualified.subarray(0, n)),
    };
    const sharedSig = { sorted: shared(sig.sorted), entryRead: shared(sig.entryRead), entryPos: shared(sig.entryPos), entryRc: shared(sig.entryRc) };
    const parts = 2 * this.threads;
    const bounds = bucketBounds(sig, parts);
    const run = <T>(job: PoolJob): Promise<T> =>
      this.workers(job.kind)
        .run(job)
        .then((r) => unwrap(r as WorkerResult<T>));
    const pairs = await Promise.all(
      bounds.slice(0, -1).map((from, i) => run<Int32Array>({ kind: 'link', reads, sig: sharedSig, from, to: bounds[i + 1], endEdits: DATA_END_EDITS })),
    );
    const uf = new ParityUnionFind(n);
    for (const p of pairs) joinPairs(uf, p);
    const { group, flip, groups } = groupsOf(n, uf);
    const layout = layoutGroups(n, filled.anchors, group, groups);
    markUsed(filled, layout);
    const sharedLayout = { first: shared(layout.first), members: shared(layout.members), anchorOf: shared(layout.anchorOf) };
    const sharedFlip = shared(flip);
    const step = Math.ceil(groups / parts) || 1;
    const starts: number[] = [];
    for (let g = 0; g < groups; g += step) starts.push(g);
    const estimates = await Promise.all(
      starts.map((from) => run<Uint8Array>({ kind: 'estimate', reads, flip: sharedFlip, layout: sharedLayout, from, to: Math.min(groups, from + step), L })),
    );
    return offerEstimates(filled, layout, new GroupTraces(arena, flip, layout), collector, L, (g) => {
      const part = Math.floor(g / step);
      return estimates[part].subarray((g - starts[part]) * L, (g - starts[part] + 1) * L);
    });
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy()));
  }

  /** Like encodePoolStream, on all cores; `write` receives FASTA text block by block, in order. */
  async encode(
    source: PayloadSource,
    options: PoolOptions,
    write: (fasta: string) => void,
    onBlock?: (done: number, total: number) => void,
  ): Promise<Manifest> {
    const { manifest, config } = planPool(source.bytes, source.sha256, options);
    const sizes = blockSizes(manifest.dataStrands, manifest.blocks);
    const jobs = sizes.map((size, block) => ({ block, size, first: sizes.slice(0, block).reduce((a, b) => a + b, 0) }));
    // Blocks in flight are a queue: a finished block's text is dropped once written (keeping the
    // settled promises would hold the whole FASTA in memory).
    const inFlight: Promise<string>[] = [];
    const start = (i: number): Promise<string> => {
      const { block, size, first } = jobs[i];
      const bytes = new Uint8Array(size * manifest.chunkBytes);
      source.read(first * manifest.chunkBytes, bytes);
      const job = { kind: 'encode-block' as const, manifest, block, first, bytes, cacheDir: config.cacheDir };
      return this.threads === 1
        ? Promise.resolve(runEncodeBlock(job))
        : this.workers('encode-block')
            .run(job)
            .then((r) => unwrap(r as WorkerResult<string>));
    };
    const window = 2 * this.threads;
    let next = 0;
    try {
      for (; next < Math.min(window, jobs.length); next++) inFlight.push(start(next));
      for (let i = 0; i < jobs.length; i++) {
        write(await inFlight.shift()!);
        onBlock?.(i + 1, jobs.length);
        if (next < jobs.length) inFlight.push(start(next++));
      }
    } finally {
      for (const p of inFlight) p.catch(() => undefined);
    }
    const sink: StrandSink = (name, strand) => write(`>${name}\n${strand}\n`);
    emitHeader(manifest, config.length, config.cacheDir, sink);
    return manifest;
  }

  /**
   * Like decodePool, with the per-read work on all cores: reads stream from the source in
   * batches (reads of the strand length first, then the others); workers skip the reads of
   * strands the shared bitmap marks as recovered, after the probe.
   */
  async decode(
    reads: readonly string[] | ReadSource,
    source = 'reads',
    options: DecodeOptions = {},
    onReads?: (done: number, total: number) => void,
  ): Promise<DecodedPool> {
    let data = new Uint8Array(0);
    let at = 0;
    const write = (bytes: Uint8Array): void => {
      data.set(bytes, at);
      at += bytes.length;
    };
    const { manifest, report } = await this.decodeTo(reads, write, source, options, onReads, (bytes) => (data = new Uint8Array(bytes)));
    return { data, manifest, report };
  }

  /**
   * Like decodePoolTo on all cores: the payload goes to `write` block by block, and the call
   * throws (after writing) unless its SHA-256 matches, so commit the output only when it returns.
   * Memory: the strand store (chunk-store.ts), the votes of strands still missing, and a few
   * batches of reads — not the payload.
   */
  async decodeTo(
    reads: readonly string[] | ReadSource,
    write: PayloadWrite,
    source = 'reads',
    options: DecodeOptions = {},
    onReads?: (done: number, total: number) => void,
    onManifest?: (bytes: number) => void,
  ): Promise<Omit<DecodedPool, 'data'>> {
    const src = Array.isArray(reads) ? arrayReads(reads as readonly string[], source) : (reads as ReadSource);
    const ctx = prepareDecode(src, options);
    onManifest?.(ctx.manifest.bytes);
    const listDecoding = options.listDecoding ?? true;
    const known = new Uint8Array(new SharedArrayBuffer(Math.ceil(ctx.report.strands / 8) + 1));
    const store = openChunkStore(ctx.manifest, options);
    const inFlight: Array<{ result: Promise<CollectResult>; n: number }> = [];
    try {
      const collector = dataCollector(ctx.manifest, ctx.L, store, options, known);
      let done = 0;
      const merge = (r: CollectResult, n: number): void => {
        done += n;
        onReads?.(done, ctx.report.reads);
        // Strands under a short check are counted, not taken from their first read: workers keep
        // reading them.
        if (!collector.counted) for (const key of r.keys) known[key >> 3] |= 1 << (key & 7);
        collector.mergeChunks(r.keys, r.chunks, r.support);
        collector.mergeVotes(r.votes);
        ctx.report.readsUsed += r.counts.readsUsed;
        ctx.report.reverseComplement += r.reverseComplement;
      };
      const settle = async (): Promise<void> => {
        const first = inFlight.shift()!;
        merge(await first.result, first.n);
      };
      const submit = (seqs: string[]): void => {
        const job = { kind: 'collect' as const, manifest: ctx.manifest, L: ctx.L, seqs, listDecoding, known, cacheDir: options.cacheDir };
        const result =
          this.threads === 1
            ? Promise.resolve(runCollect(job))
            : this.workers('collect')
                .run(job)
                .then((r) => unwrap(r as WorkerResult<CollectResult>));
        inFlight.push({ result, n: seqs.length });
      };
      for (const exact of [true, false]) {
        if (!exact) {
          // Reads with indels are needed only for blocks the outer code cannot rebuild yet.
          collector.finish();
          if (markCompleteBlocks(ctx.manifest, collector) === 0) {
            ctx.report.skippedShifted = true;
            break;
          }
          for (let a = 0; a < ctx.report.strands; a++) if (store.has(a)) known[a >> 3] |= 1 << (a & 7);
        }
        let batch: string[] = [];
        for (const q of trimmedPass(ctx, exact)) {
          batch.push(q);
          if (batch.length >= BATCH) {
            submit(batch);
            batch = [];
            if (inFlight.length >= 2 * this.threads) await settle();
          }
        }
        if (batch.length) submit(batch);
        while (inFlight.length) await settle();
      }
      if (this.threads === 1) runConsensusPass(ctx, collector, options);
      else await this.consensusPass(ctx, collector, options);
      return finishDecode(ctx, collector, store, write, options.verifyBeforeWrite);
    } finally {
      // After a failure, jobs still running are abandoned: their outcome no longer matters.
      for (const job of inFlight) job.result.catch(() => undefined);
      store.close();
    }
  }
}

/** A copy of a typed array in shared memory, for workers to read without a copy each. */
function shared<T extends Uint8Array | Int32Array | Float64Array>(a: T): T {
  const Ctor = a.constructor as new (buffer: SharedArrayBuffer) => T;
  const out = new Ctor(new SharedArrayBuffer(a.byteLength));
  out.set(a as ArrayLike<number> & T);
  return out;
}

/** Young-generation limit of each collect worker (MB): see PoolWorkers.workers. */
const COLLECT_YOUNG_MB = 8;

/**
 * Reads per worker job: large enough to amortise the hand-off, small enough to share out — and
 * small enough that the batches queued or in flight (2 per worker) stay a few MB of strings: at
 * 20,000 reads the calling thread's live heap was ~50 MB, and V8 let it grow to 4× that before a
 * full GC (measured: peak RSS 430–490 MB decoding 2.1 M reads, 310–320 MB at 5,000, same CPU time).
 */
const BATCH = 5_000;
