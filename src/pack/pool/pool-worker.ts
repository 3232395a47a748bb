/** Piscina worker entry for the pool: dispatches a job to its pure function. */
import { runCollect, runEncodeBlock, type PoolJob } from './worker-jobs.js';

export default function run(job: PoolJob): unknown {
  return job.kind === 'encode-block' ? runEncodeBlock(job) : runCollect(job);
}
