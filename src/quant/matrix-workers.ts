/**
 * The quantizer's per-matrix work on all cores: a MatrixEngine whose allocation measurement and
 * GPTQ run each matrix on a piscina worker, several matrices at once. Every matrix is computed by
 * the same code as on the calling thread, so the container is byte-identical whatever the number
 * of threads; only the wall time changes. The default engine of the CLI's `--device cpu`.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { workerPath } from '../worker-path.js';
import { unwrap } from '../worker-result.js';
import type { GroupCosts } from './allocate.js';
import type { GptqResult, InverseFactor } from './gptq.js';
import type { MatrixJob, MatrixJobResult } from './matrix-worker.js';
import { cpuEngine, type MatrixEngine } from './pipeline.js';

/** An error a worker reported: the same code, message and exit code as on the calling thread. */
export { WorkerError as MatrixWorkerError } from '../worker-result.js';

export class MatrixWorkers {
  readonly threads: number;
  private pool: Piscina<MatrixJob, MatrixJobResult> | undefined;

  constructor(threads = availableParallelism()) {
    this.threads = Math.max(1, threads);
  }

  /** The engine: on the calling thread when there is one core (no hand-off to pay for). */
  engine(): MatrixEngine {
    if (this.threads === 1) return cpuEngine;
    return {
      concurrency: this.threads,
      groupCosts: async (W, rows, cols, hdiag, options) => (await this.run({ kind: 'costs', W, rows, cols, hdiag, options })) as GroupCosts,
      gptq: async (W, rows, cols, H, options) => (await this.run({ kind: 'gptq', W, rows, cols, H, options })) as GptqResult,
    };
  }

  /** GPTQ's inverse factor of H on a worker (dampedInverseFactor), for engines that run GPTQ elsewhere. */
  async inverseFactor(H: Float64Array, cols: number, percdamp: number, retries: number, where: string): Promise<InverseFactor> {
    return (await this.run({ kind: 'factor', H, cols, percdamp, retries, where })) as InverseFactor;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.destroy();
  }

  private async run(job: MatrixJob): Promise<GroupCosts | GptqResult | InverseFactor> {
    this.pool ??= new Piscina<MatrixJob, MatrixJobResult>({
      filename: workerPath(import.meta.url, './matrix-worker.js', 'quantizer'),
      minThreads: 1,
      maxThreads: this.threads,
      idleTimeout: 30_000,
    });
    return unwrap(await this.pool.run(job));
  }
}
