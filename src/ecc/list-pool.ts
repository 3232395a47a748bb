/**
 * A worker pool for list decoding (piscina). Created once, sized to the machine, shut down with
 * close(). Batches are split into one chunk per worker; batches too small to repay the hand-off
 * (posting words and results, a worker's first table build) run on the calling thread.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { workerPath } from '../worker-path.js';
import { unwrap, type WorkerResult } from '../worker-result.js';
import { listDecodeBatch, type ListJob, type ListJobResult } from './list-batch.js';

export interface ListPoolOptions {
  /** Worker threads; default: the machine's available parallelism. */
  threads?: number;
  /** Batches with fewer words than this run on the calling thread. Default 64. */
  minParallelWords?: number;
}

const workerFile = (): string => workerPath(import.meta.url, './list-worker.js', 'list-decoding');

export class ListDecodePool {
  readonly threads: number;
  private readonly minParallelWords: number;
  private pool: Piscina<ListJob, WorkerResult<ListJobResult>> | undefined;

  constructor(options: ListPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.minParallelWords = options.minParallelWords ?? 64;
  }

  private get workers(): Piscina<ListJob, WorkerResult<ListJobResult>> {
    this.pool ??= new Piscina<ListJob, WorkerResult<ListJobResult>>({
      filename: workerFile(),
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: 60_000,
    });
    return this.pool;
  }

  async run(job: ListJob): Promise<ListJobResult> {
    const n = job.checksums.length;
    if (this.threads === 1 || n < this.minParallelWords) return listDecodeBatch(job);
    const chunks = Math.min(this.threads, n);
    const per = Math.ceil(n / chunks);
    const parts: Promise<ListJobResult>[] = [];
    for (let start = 0; start < n; start += per) {
      const end = Math.min(n, start + per);
      parts.push(
        this.workers
          .run({
            ...job,
            words: job.words.slice(start * job.m, end * job.m),
            checksums: job.checksums.slice(start, end),
          })
          .then(unwrap),
      );
    }
    const results = await Promise.all(parts);
    const outcomes = new Uint8Array(n);
    const candidates: string[][] = [];
    let o = 0;
    for (const r of results) {
      outcomes.set(r.outcomes, o);
      o += r.outcomes.length;
      candidates.push(...r.candidates);
    }
    return { outcomes, candidates };
  }

  /** Waits for running batches, then stops the workers. Safe to call twice. */
  async close(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    await p?.destroy();
  }
}
