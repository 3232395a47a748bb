/**
 * The length a cluster is reconstructed to: an explicit length, else the reference's (the design
 * length is known in the literature's data), else the median length of the traces used — errors
 * are symmetric enough around the true length that the median is its best cheap guess.
 */
import type { Cluster } from './cluster-file.js';

export function clusterLength(cluster: Cluster, explicit?: number, maxTraces?: number): number {
  if (explicit !== undefined) return explicit;
  if (cluster.reference) return cluster.reference.length;
  const n = Math.min(cluster.traces.length, maxTraces ?? Infinity);
  const lengths = new Int32Array(n);
  for (let k = 0; k < n; k++) lengths[k] = cluster.traces[k].length;
  lengths.sort();
  if (n === 0) return 0;
  return n % 2 ? lengths[n >> 1] : Math.round((lengths[n / 2 - 1] + lengths[n / 2]) / 2);
}
