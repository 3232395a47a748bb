/**
 * Consensus over a whole cluster file: parse (or take clusters), reconstruct each cluster to its
 * length (cluster-length.ts), and score against the references when the file has them. The
 * `dnarchive consensus` command is a thin shell over runConsensus and the formatters here.
 */
import { decodeStrand } from './alphabet.js';
import { parseClusters, type Cluster, type ClusterFileFormat } from './cluster-file.js';
import { clusterLength } from './cluster-length.js';
import { TraceInputError } from './errors.js';
import { Reconstructor, type Reconstruction, type ReconstructOptions } from './reconstruct.js';
import { scoreEstimates, type ConsensusScore } from './score.js';

export interface ConsensusOptions extends Omit<ReconstructOptions, 'qualities'> {
  /** Reconstruct every cluster to this length (default: the reference's, else the median trace length). */
  length?: number;
  /** Name of the input in error messages. */
  source?: string;
  /** Longest line accepted by the parser. */
  maxLineLength?: number;
}

export interface ClusterEstimate extends Reconstruction {
  /** 1-based line of the cluster in its file (0: not from a file). */
  line: number;
}

export interface ConsensusResult {
  /** The cluster file's format (undefined when clusters were passed in). */
  format: ClusterFileFormat | undefined;
  estimates: ClusterEstimate[];
  /** Against the references, when the clusters have them. */
  scores?: ConsensusScore;
}

export function runConsensus(input: string | readonly Cluster[], options: ConsensusOptions = {}): ConsensusResult {
  let format: ClusterFileFormat | undefined;
  let clusters: readonly Cluster[];
  if (typeof input === 'string') {
    const file = parseClusters(input, { source: options.source, maxLineLength: options.maxLineLength });
    format = file.format;
    clusters = file.clusters;
  } else clusters = input;
  const { length, algorithm, rounds, window, maxTraces, dropStrays } = options;
  const reconstructOptions: ReconstructOptions = { algorithm, rounds, window, maxTraces, dropStrays };
  const reconstructor = new Reconstructor();
  const estimates: ClusterEstimate[] = [];
  const references: Uint8Array[] = [];
  const scored: Uint8Array[] = [];
  for (let c = 0; c < clusters.length; c++) {
    const cluster = clusters[c];
    if (cluster.traces.length === 0) throw new TraceInputError(-1, -1, `cluster ${c + 1} has no traces`);
    const target = clusterLength(cluster, length, maxTraces);
    const r = reconstructor.reconstruct(cluster.traces, target, reconstructOptions);
    estimates.push({ ...r, line: cluster.line });
    if (cluster.reference) {
      references.push(cluster.reference);
      scored.push(r.strand);
    }
  }
  const result: ConsensusResult = { format, estimates };
  if (references.length > 0) result.scores = scoreEstimates(references, scored, maxTraces);
  return result;
}

/** Estimates as text: one strand per line ('lines'), or FASTA records named cluster1, cluster2, …. */
export function formatEstimates(estimates: readonly Reconstruction[], style: 'lines' | 'fasta' = 'lines'): string {
  let out = '';
  for (let c = 0; c < estimates.length; c++) {
    if (style === 'fasta') out += `>cluster${c + 1}\n`;
    out += decodeStrand(estimates[c].strand) + '\n';
  }
  return out;
}

/** A JSON-ready summary: strands as text, confidence summarised per cluster, scores when present. */
export function consensusReport(result: ConsensusResult): {
  format: ClusterFileFormat | undefined;
  clusters: number;
  estimates: { line: number; strand: string; traces: number; dropped: number[]; rounds: number; meanConfidence: number; minConfidence: number }[];
  scores?: ConsensusScore;
} {
  const estimates = result.estimates.map((e) => {
    let sum = 0;
    let min = 1;
    for (let i = 0; i < e.confidence.length; i++) {
      sum += e.confidence[i];
      if (e.confidence[i] < min) min = e.confidence[i];
    }
    const n = e.confidence.length;
    return {
      line: e.line,
      strand: decodeStrand(e.strand),
      traces: e.traces,
      dropped: e.dropped,
      rounds: e.rounds,
      meanConfidence: n ? Number((sum / n).toFixed(4)) : 0,
      minConfidence: n ? Number(min.toFixed(4)) : 0,
    };
  });
  return { format: result.format, clusters: result.estimates.length, estimates, ...(result.scores ? { scores: result.scores } : {}) };
}
