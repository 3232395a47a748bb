/**
 * Fine-tuning's sequences on all cores: each step's sequences go to piscina workers, one
 * each, and come back as gradients that fineTune sums in sequence order — so the tuned container
 * is byte-identical whatever the number of threads.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { DnarchiveError } from '../../errors.js';
import { workerPath } from '../../worker-path.js';
import type { LlamaModel } from '../model/llama.js';
import type { SequenceRunner } from './distill.js';
import { flattenModel } from './flat-model.js';
import type { TuneJob, TuneJobResult } from './tune-worker.js';

/** An error a worker reported: the same code and message as on the calling thread. */
export class TuneWorkerError extends DnarchiveError {}

export class TuneWorkers {
  readonly threads: number;
  private pool: Piscina<TuneJob, TuneJobResult> | undefined;

  constructor(threads = availableParallelism()) {
    this.threads = Math.max(1, threads);
  }

  /** A runner for fineTune, or undefined with one thread (the calling thread is cheaper then). */
  runner(teacher: LlamaModel, maxTokens: number): SequenceRunner | undefined {
    if (this.threads === 1) return undefined;
    const { buf } = flattenModel(teacher);
    return async (student, sources) =>
      Promise.all(
        sources.map(async (source) => {
          this.pool ??= new Piscina<TuneJob, TuneJobResult>({
            filename: workerPath(import.meta.url, './tune-worker.js', 'fine-tuning'),
            minThreads: 1,
            maxThreads: this.threads,
            idleTimeout: 30_000,
          });
          const r = await this.pool.run({ config: teacher.config, teacher: buf, student, source, maxTokens });
          if (!r.ok) throw new TuneWorkerError(r.code, r.message);
          return r;
        }),
      );
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }
}
