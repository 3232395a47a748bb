/**
 * Scores of a reconstruction against references, as the trace-reconstruction literature reports
 * them (e.g. Sabary et al.): the share of clusters reconstructed exactly, the mean edit distance
 * per strand, and the edit error rate per base (Σ edit distances / Σ reference lengths), also as a
 * function of the number of traces used (the first N of each cluster).
 *
 * Length: when a cluster has a reference, the strand is always reconstructed to the reference's
 * length (the literature's convention: the design length is known); without one, to an explicit
 * `length` or else the median length of the traces used. The edit distance then compares the whole
 * estimate with the whole reference, so an estimate of another length is charged its indels.
 */
import type { Cluster } from './cluster-file.js';
import { clusterLength } from './cluster-length.js';
import { editDistance } from './edit-distance.js';
import { TraceInputError } from './errors.js';
import { Reconstructor, type ReconstructOptions } from './reconstruct.js';

export interface ConsensusScore {
  /** Traces used per cluster (the first N; clusters with fewer use all of theirs); undefined: all. */
  maxTraces: number | undefined;
  /** Clusters scored (those with a reference). */
  clusters: number;
  /** Clusters whose estimate equals the reference. */
  exact: number;
  exactShare: number;
  /** Σ edit distance(estimate, reference). */
  editDistance: number;
  /** editDistance / clusters. */
  meanEditDistance: number;
  /** Σ reference lengths. */
  referenceNucleotides: number;
  /** editDistance / referenceNucleotides. */
  editErrorRate: number;
}

/** Scores estimates against references, pairwise in order. */
export function scoreEstimates(references: readonly Uint8Array[], estimates: readonly Uint8Array[], maxTraces?: number): ConsensusScore {
  if (references.length !== estimates.length) {
    throw new TraceInputError(-1, -1, `scoreEstimates: ${references.length} references but ${estimates.length} estimates`);
  }
  let exact = 0;
  let distance = 0;
  let nucleotides = 0;
  for (let c = 0; c < references.length; c++) {
    const d = editDistance(estimates[c], references[c]);
    if (d === 0) exact++;
    distance += d;
    nucleotides += references[c].length;
  }
  const n = references.length;
  return {
    maxTraces,
    clusters: n,
    exact,
    exactShare: n ? exact / n : 0,
    editDistance: distance,
    meanEditDistance: n ? distance / n : 0,
    referenceNucleotides: nucleotides,
    editErrorRate: nucleotides ? distance / nucleotides : 0,
  };
}

/**
 * Reconstructs every cluster that has a reference with the first N traces, for each N in
 * traceCounts, and scores each N (one row per N, in the given order).
 */
export function scoreCurve(clusters: readonly Cluster[], traceCounts: readonly number[], options: ReconstructOptions = {}): ConsensusScore[] {
  const withRef = clusters.filter((c) => c.reference !== undefined);
  const references = withRef.map((c) => c.reference as Uint8Array);
  const reconstructor = new Reconstructor();
  return traceCounts.map((n) => {
    const estimates = withRef.map((c) => reconstructor.reconstruct(c.traces, clusterLength(c, undefined, n), { ...options, maxTraces: n }).strand);
    return scoreEstimates(references, estimates, n);
  });
}

/** Scores as a short plain-text table, one row per score. */
export function formatScores(scores: ConsensusScore | readonly ConsensusScore[]): string {
  const rows = (Array.isArray(scores) ? scores : [scores]) as readonly ConsensusScore[];
  const header = ['traces', 'clusters', 'exact', 'exact %', 'mean edit dist.', 'edit errors/nt'];
  const body = rows.map((s) => [
    s.maxTraces === undefined ? 'all' : String(s.maxTraces),
    String(s.clusters),
    String(s.exact),
    (100 * s.exactShare).toFixed(2),
    s.meanEditDistance.toFixed(3),
    s.editErrorRate.toExponential(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
