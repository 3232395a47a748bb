/**
 * Piscina worker entry for the quantizer's per-matrix work (matrix-workers.ts): the allocation's
 * measurement, GPTQ, or GPTQ's inverse factor of one matrix. dnarchive's own errors come back as data (a worker's thrown
 * error loses its class on the way), everything else is rethrown as the bug it is.
 */
import { asResult, type WorkerResult } from '../worker-result.js';
import { measureGroupCosts, type GroupCosts, type MeasureOptions } from './allocate.js';
import { dampedInverseFactor, gptqQuantize, type GptqOptions, type GptqResult, type InverseFactor } from './gptq.js';

export type MatrixJob =
  | { kind: 'costs'; W: Float32Array; rows: number; cols: number; hdiag: Float64Array | undefined; options: MeasureOptions }
  | { kind: 'gptq'; W: Float32Array; rows: number; cols: number; H: Float64Array; options: GptqOptions }
  | { kind: 'factor'; H: Float64Array; cols: number; percdamp: number; retries: number; where: string };

export type MatrixJobResult = WorkerResult<GroupCosts | GptqResult | InverseFactor>;

function compute(job: MatrixJob): GroupCosts | GptqResult | InverseFactor {
  switch (job.kind) {
    case 'costs':
      return measureGroupCosts(job.W, job.rows, job.cols, job.hdiag, job.options);
    case 'gptq':
      return gptqQuantize(job.W, job.rows, job.cols, job.H, job.options);
    case 'factor':
      return dampedInverseFactor(job.H, job.cols, job.percdamp, job.retries, job.where);
  }
}

export default function run(job: MatrixJob): MatrixJobResult {
  return asResult(() => compute(job));
}
