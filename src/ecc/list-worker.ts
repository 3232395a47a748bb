/** Piscina worker entry: a thin shell around the pure batch function. */
import { listDecodeBatch, type ListJob, type ListJobResult } from './list-batch.js';

export default function run(job: ListJob): ListJobResult {
  return listDecodeBatch(job);
}
