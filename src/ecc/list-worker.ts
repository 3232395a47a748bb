/** Piscina worker entry: a thin shell around the pure batch function; dnarchive's errors come back as data. */
import { asResult, type WorkerResult } from '../worker-result.js';
import { listDecodeBatch, type ListJob, type ListJobResult } from './list-batch.js';

export default function run(job: ListJob): WorkerResult<ListJobResult> {
  return asResult(() => listDecodeBatch(job));
}
