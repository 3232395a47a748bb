/**
 * Errors of the reads layer (clusters, consensus), each with a stable `code` so that callers and the
 * CLI can tell them apart without parsing messages.
 */
import { DnarchiveError } from '../errors.js';

/**
 * A cluster file that cannot be read: names the cluster (1-based, in file order), the 1-based line
 * and, for a bad character, the character and its column.
 */
export class ClusterFormatError extends DnarchiveError {
  constructor(
    readonly source: string,
    readonly cluster: number,
    readonly line: number,
    readonly detail: string,
  ) {
    super('CLUSTER_FORMAT', `${source}:${line}: cluster ${cluster}: ${detail}`);
  }
}

/** Traces handed to the reconstructor that are not symbol arrays of 0..3, or a length that cannot be met. */
export class TraceInputError extends DnarchiveError {
  constructor(
    readonly trace: number,
    readonly position: number,
    detail: string,
  ) {
    super('TRACE_INPUT', trace >= 0 ? `trace ${trace}${position >= 0 ? `, position ${position}` : ''}: ${detail}` : detail);
  }
}
