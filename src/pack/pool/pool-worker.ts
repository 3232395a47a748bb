/** Piscina worker entry for the pool: dispatches a job to its pure function; dnarchive's errors come back as data. */
import { asResult, type WorkerResult } from '../../worker-result.js';
import { runCollect, runEncodeBlock, runEstimate, runLink, type PoolJob } from './worker-jobs.js';

export default function run(job: PoolJob): WorkerResult<unknown> {
  return asResult(() => {
    switch (job.kind) {
      case 'encode-block':
        return runEncodeBlock(job);
      case 'collect':
        return runCollect(job);
      case 'link':
        return runLink(job);
      case 'estimate':
        return runEstimate(job);
    }
  });
}
