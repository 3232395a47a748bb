/**
 * The pool on all cores (piscina). Encoding: Reed–Solomon blocks are independent, so workers
 * encode them while the calling thread writes finished blocks in order (output byte-identical to
 * the single-threaded encoder; at most 2 blocks per worker in flight, so memory stays bounded).
 * Decoding: the reads are split among workers, each collecting strands and votes for its share;
 * the calling thread merges them, assembles voted strands and runs the outer code.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { blockSizes } from './format.js';
import { dataCollector, finishDecode, markCompleteBlocks, prepareDecode, trimmedPass, type DecodeOptions, type DecodedPool } from './decode.js';
import { arrayReads, type ReadSource } from '../read-stream.js';
import { emitHeader, planPool, type PayloadSource, type PoolOptions, type StrandSink } from './encode.js';
import type { Manifest } from './format.js';
import { runCollect, runEncodeBlock, type CollectResult, type PoolJob } from './worker-jobs.js';

function workerPath(): string {
  const here = fileURLToPath(new URL('./pool-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const compiled = here.replace(/([\\/])src([\\/])pack([\\/])pool([\\/])pool-worker\.js$/, '$1dist$1src$2pack$3pool$4pool-worker.js');
  if (existsSync(compiled)) return compiled;
  throw new Error(`pool worker not found at ${here} or ${compiled}: run npm run build`);
}

export class PoolWorkers {
  readonly threads: number;
  private pool: Piscina<PoolJob, unknown> | undefined;

  constructor(threads = availableParallelism()) {
    this.threads = Math.max(1, threads);
  }

  private get workers(): Piscina<PoolJob, unknown> {
    this.pool ??= new Piscina<PoolJob, unknown>({ filename: workerPath(), minThreads: this.threads, maxThreads: this.threads, idleTimeout: 30_000 });
    return this.pool;
  }

  async close(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    await p?.destroy();
  }

  /** Like encodePoolStream, on all cores; `write` receives FASTA text block by block, in order. */
  async encode(source: PayloadSource, options: PoolOptions, write: (fasta: string) => void, onBlock?: (done: number, total: number) => void): Promise<Manifest> {
    const { manifest, config } = planPool(source.bytes, source.sha256, options);
    const sizes = blockSizes(manifest.dataStrands, manifest.blocks);
    const jobs = sizes.map((size, block) => ({ block, size, first: sizes.slice(0, block).reduce((a, b) => a + b, 0) }));
    const inFlight: Promise<string>[] = [];
    const start = (i: number): Promise<string> => {
      const { block, size, first } = jobs[i];
      const bytes = new Uint8Array(size * manifest.chunkBytes);
      source.read(first * manifest.chunkBytes, bytes);
      const job = { kind: 'encode-block' as const, manifest, block, first, bytes, cacheDir: config.cacheDir };
      return this.threads === 1 ? Promise.resolve(runEncodeBlock(job)) : (this.workers.run(job) as Promise<string>);
    };
    const window = 2 * this.threads;
    let next = 0;
    for (; next < Math.min(window, jobs.length); next++) inFlight.push(start(next));
    for (let i = 0; i < jobs.length; i++) {
      write(await inFlight[i]);
      onBlock?.(i + 1, jobs.length);
      if (next < jobs.length) inFlight.push(start(next++));
    }
    const sink: StrandSink = (name, strand) => write(`>${name}\n${strand}\n`);
    emitHeader(manifest, config.length, config.cacheDir, sink);
    return manifest;
  }

  /**
   * Like decodePool, with the per-read work on all cores: reads stream from the source in
   * batches (reads of the strand length first, then the others); each batch carries the bitmap
   * of strands recovered so far, so workers skip their reads after the probe.
   */
  async decode(reads: readonly string[] | ReadSource, source = 'reads', options: DecodeOptions = {}, onReads?: (done: number, total: number) => void): Promise<DecodedPool> {
    const src = Array.isArray(reads) ? arrayReads(reads as readonly string[], source) : (reads as ReadSource);
    const ctx = prepareDecode(src, options);
    const listDecoding = options.listDecoding ?? true;
    const collector = dataCollector(ctx.manifest, ctx.L, options);
    const known = new Uint8Array(Math.ceil(ctx.report.strands / 8) + 1);
    let done = 0;
    const merge = (r: CollectResult, n: number): void => {
      done += n;
      onReads?.(done, ctx.report.reads);
      for (const [key] of r.chunks) known[key >> 3] |= 1 << (key & 7);
      collector.merge(r.chunks, r.votes);
      ctx.report.readsUsed += r.counts.readsUsed;
      ctx.report.reverseComplement += r.reverseComplement;
    };
    const inFlight: Promise<void>[] = [];
    const submit = async (seqs: string[]): Promise<void> => {
      const job = { kind: 'collect' as const, manifest: ctx.manifest, L: ctx.L, seqs, listDecoding, known: known.slice(), cacheDir: options.cacheDir };
      const r = this.threads === 1 ? runCollect(job) : ((await this.workers.run(job)) as CollectResult);
      merge(r, seqs.length);
    };
    for (const exact of [true, false]) {
      if (!exact) {
        // Reads with indels are needed only for blocks the outer code cannot rebuild yet.
        collector.finish();
        if (markCompleteBlocks(ctx.manifest, collector) === 0) {
          ctx.report.skippedShifted = true;
          break;
        }
        for (let a = 0; a < ctx.report.strands; a++) if (collector.isKnown(a)) known[a >> 3] |= 1 << (a & 7);
      }
      let batch: string[] = [];
      for (const q of trimmedPass(ctx, exact)) {
        batch.push(q);
        if (batch.length >= BATCH) {
          inFlight.push(submit(batch));
          batch = [];
          if (inFlight.length >= 2 * this.threads) await inFlight.shift();
        }
      }
      if (batch.length) inFlight.push(submit(batch));
      await Promise.all(inFlight.splice(0));
    }
    return finishDecode(ctx, collector);
  }
}

/** Reads per worker job: large enough to amortise the hand-off, small enough to share out. */
const BATCH = 20_000;
