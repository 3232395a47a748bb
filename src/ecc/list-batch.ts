/**
 * List decoding of a batch of received codewords: the pure function that both the main thread
 * and the pool's workers run. Results are plain data (decimal strings for indices) so they cross
 * the worker boundary without custom serialisation.
 */
import { ListDecoder } from './list-decode.js';
import { ResidueCode } from './residue-code.js';
import { ResidueTableMismatchError } from './errors.js';

export interface ListJob {
  m: number;
  ell: number;
  margin: number;
  balance: boolean;
  /** Received words back to back, m symbols each. */
  words: Uint8Array;
  /** Bridge checksum per word, −1 when there is none. */
  checksums: Int8Array;
}

export interface ListJobResult {
  /** LIST_UNIQUE, LIST_AMBIGUOUS or LIST_EMPTY per word. */
  outcomes: Uint8Array;
  /** Per word: the decoded index (as sent) when unique, else the remaining candidates. */
  candidates: string[][];
}

const decoders = new Map<string, ListDecoder>();

function decoderFor(job: ListJob): ListDecoder {
  const key = `${job.m}:${job.ell}:${job.margin}:${job.balance}`;
  let d = decoders.get(key);
  if (!d) {
    d = new ListDecoder(new ResidueCode(job.m, job.ell, { margin: job.margin, balance: job.balance }));
    decoders.set(key, d);
  }
  return d;
}

export function listDecodeBatch(job: ListJob): ListJobResult {
  const n = job.checksums.length;
  if (job.words.length !== n * job.m) {
    throw new ResidueTableMismatchError(`list job: ${job.words.length} symbols for ${n} words of length m = ${job.m} (expected ${n * job.m})`);
  }
  for (let i = 0; i < job.words.length; i++) {
    if (job.words[i] > 3)
      throw new ResidueTableMismatchError(
        `list job: word ${Math.floor(i / job.m)} has symbol value ${job.words[i]} at position ${i % job.m}; symbols are 0..3`,
      );
  }
  const dec = decoderFor(job);
  const outcomes = new Uint8Array(n);
  const candidates: string[][] = [];
  for (let i = 0; i < n; i++) {
    const r = dec.decode(job.words, i * job.m, job.checksums[i]);
    outcomes[i] = r.outcome;
    candidates.push(r.preferred.map(String));
  }
  return { outcomes, candidates };
}
