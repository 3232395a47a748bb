/**
 * Piscina worker entry for the quantizer's per-matrix work (matrix-workers.ts): the allocation's
 * measurement or GPTQ of one matrix. dnarchive's own errors come back as data (a worker's thrown
 * error loses its class on the way), everything else is rethrown as the bug it is.
 */
import { DnarchiveError } from '../errors.js';
import { measureGroupCosts, type GroupCosts, type MeasureOptions } from './allocate.js';
import { gptqQuantize, type GptqOptions, type GptqResult } from './gptq.js';

export type MatrixJob =
  | { kind: 'costs'; W: Float32Array; rows: number; cols: number; hdiag: Float64Array | undefined; options: MeasureOptions }
  | { kind: 'gptq'; W: Float32Array; rows: number; cols: number; H: Float64Array; options: GptqOptions };

export type MatrixJobResult = { ok: true; value: GroupCosts | GptqResult } | { ok: false; code: string; message: string };

export default function run(job: MatrixJob): MatrixJobResult {
  try {
    const value = job.kind === 'costs' ? measureGroupCosts(job.W, job.rows, job.cols, job.hdiag, job.options) : gptqQuantize(job.W, job.rows, job.cols, job.H, job.options);
    return { ok: true, value };
  } catch (err) {
    if (err instanceof DnarchiveError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}
