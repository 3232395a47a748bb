/**
 * Trace reconstruction: the strand of a known length from a cluster of noisy copies (spec pool.md,
 * "Reads to strands", step 2).
 *
 * A first estimate by two-sided BMA with look-ahead (bma.ts) is refined by rounds of alignment of
 * every trace to the estimate and per-position weighted votes (align-vote.ts), until a
 * round leaves the estimate unchanged or the round limit is reached. Measured (docs/notes/
 * 2026-12-07-trace-reconstruction.md): BMA alone is fast but loses clusters to pointer drift at a
 * few per cent of indels; one or two alignment rounds recover nearly all of them.
 *
 * The Reconstructor owns every scratch buffer (grown to the largest cluster, then reused), so a
 * reconstruction allocates only its result; `reconstruct` runs on a shared default instance.
 */
import { AlignVote } from './align-vote.js';
import { Bma } from './bma.js';
import { TraceInputError } from './errors.js';
import { TraceSet } from './_trace-set.js';

/** Longest strand the reconstructor accepts (synthesised strands are a few hundred nt; the cluster-file line bound). */
export const MAX_STRAND_LENGTH = 100_000;

export interface ReconstructOptions {
  /** Phred values (not ASCII: 0..93) per trace, same length as the trace; votes are weighted by them. */
  qualities?: readonly (Uint8Array | null | undefined)[];
  /** 'refine' (default): BMA then alignment-vote rounds; 'bma': the two-sided BMA estimate alone. */
  algorithm?: 'refine' | 'bma';
  /** Most alignment-vote rounds (default 3; rounds stop early once the estimate is stable). */
  rounds?: number;
  /** BMA look-ahead window (default 3). */
  window?: number;
  /** Use only the first maxTraces traces. */
  maxTraces?: number;
  /** Leave traces whose alignment cost is far above the cluster's median out of the vote (default true). */
  dropStrays?: boolean;
}

export interface Reconstruction {
  /** The estimated strand, symbols 0..3 (A, C, G, T), exactly the requested length. */
  strand: Uint8Array;
  /**
   * Per position, (winning vote − runner-up) / (all votes + 1), runner-up including "deletion": 0 for
   * a coin toss or a padded position, 0.5 for a lone trace, → 1 for many agreeing traces.
   */
  confidence: Float32Array;
  /** Traces considered (after maxTraces). */
  traces: number;
  /** Indices of traces left out of the final vote as strays. */
  dropped: number[];
  /** Alignment-vote rounds run (0 for 'bma' and one-trace clusters). */
  rounds: number;
}

export class Reconstructor {
  private readonly set = new TraceSet();
  private readonly bma = new Bma();
  private readonly vote = new AlignVote();

  reconstruct(traces: readonly Uint8Array[], length: number, options: ReconstructOptions = {}): Reconstruction {
    if (!Number.isInteger(length) || length < 1 || length > MAX_STRAND_LENGTH) {
      throw new TraceInputError(-1, -1, `strand length must be an integer in 1..${MAX_STRAND_LENGTH} (got ${length})`);
    }
    const limit = options.maxTraces ?? Infinity;
    if (!(limit >= 1)) throw new TraceInputError(-1, -1, `maxTraces must be at least 1 (got ${limit})`);
    if (traces.length === 0) throw new TraceInputError(-1, -1, 'a cluster needs at least one trace');
    const rounds = options.rounds ?? 3;
    const window = options.window ?? 3;
    if (!Number.isInteger(rounds) || rounds < 0) throw new TraceInputError(-1, -1, `rounds must be a non-negative integer (got ${rounds})`);
    if (!Number.isInteger(window) || window < 1 || window > 64) throw new TraceInputError(-1, -1, `window must be an integer in 1..64 (got ${window})`);
    const set = this.set;
    set.load(traces, options.qualities, limit);
    const strand = new Uint8Array(length);
    const confidence = new Float32Array(length);
    const n = set.count;
    if (n === 1) {
      // Nothing to vote with: the trace itself, cut or padded at its end, trusted as one vote.
      const m = Math.min(set.len[0], length);
      strand.set(set.fwd.subarray(0, m));
      confidence.fill(0.5, 0, m);
      return { strand, confidence, traces: 1, dropped: [], rounds: 0 };
    }
    this.bma.run(set, length, window, strand, confidence);
    let done = 0;
    if (options.algorithm !== 'bma') {
      const dropStrays = options.dropStrays ?? true;
      while (done < rounds) {
        done++;
        if (!this.vote.round(set, strand, confidence, length, dropStrays)) break;
      }
    }
    const dropped: number[] = [];
    if (done > 0) for (let k = 0; k < n; k++) if (set.active[k] === 0) dropped.push(k);
    return { strand, confidence, traces: n, dropped, rounds: done };
  }
}

const shared = new Reconstructor();

/** Reconstructs one cluster on a shared Reconstructor (single-threaded: one call at a time). */
export function reconstruct(traces: readonly Uint8Array[], length: number, options?: ReconstructOptions): Reconstruction {
  return shared.reconstruct(traces, length, options);
}
