/** dnarchive/reads — trace reconstruction (consensus of a cluster of noisy reads), cluster files, scoring, simulated clusters. */
export { reconstruct, Reconstructor, MAX_STRAND_LENGTH, type ReconstructOptions, type Reconstruction } from './reconstruct.js';
export { editDistance, editDistanceWithin } from './edit-distance.js';
export { repairByCheck } from './candidates.js';
export { encodeStrand, decodeStrand } from './alphabet.js';
export {
  ClusterParser,
  parseClusters,
  readClusters,
  MAX_CLUSTER_LINE,
  type Cluster,
  type ClusterFile,
  type ClusterFileFormat,
  type ClusterParserOptions,
} from './cluster-file.js';
export { clusterLength, lengthFits } from './cluster-length.js';
export { scoreEstimates, scoreCurve, formatScores, type ConsensusScore } from './score.js';
export { runConsensus, formatEstimates, consensusReport, type ConsensusOptions, type ConsensusResult, type ClusterEstimate } from './consensus.js';
export { simulateClusters, CLUSTER_PROFILES, type ClusterProfile, type SimulateClustersOptions } from './simulate-clusters.js';
export { ClusterFormatError, TraceInputError } from './errors.js';
