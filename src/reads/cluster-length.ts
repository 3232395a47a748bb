/**
 * The length a cluster is reconstructed to: an explicit length, else the reference's (the design
 * length is known in the literature's data), else the median length of the traces used — errors
 * are symmetric enough around the true length that the median is its best cheap guess.
 */
import type { Cluster } from './cluster-file.js';

/** The length to reconstruct to: the explicit one, else the reference's, else the traces' median. */
export function clusterLength(cluster: Cluster, explicit?: number, maxTraces?: number): number {
  if (explicit !== undefined) return explicit;
  if (cluster.reference) return cluster.reference.length;
  return medianTraceLength(cluster, maxTraces);
}

/**
 * Whether the traces can be copies of a strand of `length` nt (their median within half of it): a
 * length they cannot fit is refused rather than reconstructed into something meaningless.
 */
export function lengthFits(cluster: Cluster, length: number, maxTraces?: number): boolean {
  return Math.abs(medianTraceLength(cluster, maxTraces) - length) <= length / 2;
}

function medianTraceLength(cluster: Cluster, maxTraces?: number): number {
  const n = Math.min(cluster.traces.length, maxTraces ?? Infinity);
  const lengths = new Int32Array(n);
  for (let k = 0; k < n; k++) lengths[k] = cluster.traces[k].length;
  lengths.sort();
  if (n === 0) return 0;
  return n % 2 ? lengths[n >> 1] : Math.round((lengths[n / 2 - 1] + lengths[n / 2]) / 2);
}
