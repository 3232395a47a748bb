/** Piscina worker entry for the pool: dispatches a job to its pure function; dnarchive's errors come back as data. */
import { asResult, type WorkerResult } from '../../worker-result.js';
import { runCollect, runEncodeBlock, type PoolJob } from './worker-jobs.js';

export default function run(job: PoolJob): WorkerResult<unknown> {
  return asResult(() => (job.kind === 'encode-block' ? runEncodeBlock(job) : runCollect(job)));
}
