/**
 * Seeded decoding trials: random used codewords (each sent as itself or its complement), a given
 * number of substitutions at distinct random positions, then list decoding. Outcomes:
 * unique-correct, ambiguous (the sent codeword among several), empty, wrong (a unique answer that
 * is not what was sent — impossible for ≤ 2 substitutions, counted to prove it).
 */
import { bigToLimbs, compareLimbs } from '../loco/_limbs.js';
import { DECODE_FAILED } from '../loco/codec.js';
import { Rng } from '../random.js';
import { LIST_AMBIGUOUS, LIST_EMPTY, ListDecoder } from './list-decode.js';
import { ResidueCode, type ResidueCodeOptions } from './residue-code.js';

export interface TrialOptions extends ResidueCodeOptions {
  m: number;
  ell: number;
  errors: number;
  trials: number;
  seed: number;
  /** Break ties with the codeword's XOR checksum, as a check2 bridge carries it. Default true. */
  tiebreak?: boolean;
  /**
   * `list` (default): the list decoder alone, as the EC D-LOCO paper measures double
   * substitutions. `codec`: what the bulk codec does — residue decoding checked against the
   * checksum first, list decoding only when that fails — so a double substitution that looks like
   * a single one is miscorrected and counted as wrong.
   */
  decoder?: 'list' | 'codec';
}

export interface TrialCounts {
  m: number;
  ell: number;
  margin: number;
  R: number;
  messageBits: number;
  bitsLost: number;
  errors: number;
  trials: number;
  seed: number;
  tiebreak: boolean;
  decoder: 'list' | 'codec';
  uniqueCorrect: number;
  ambiguous: number;
  empty: number;
  wrong: number;
  /** Trials whose list contained the sent codeword (before tie-breaking). */
  sentListed: number;
  seconds: number;
}

export function runTrial(o: TrialOptions): TrialCounts {
  const started = performance.now();
  const rc = new ResidueCode(o.m, o.ell, o);
  const dec = new ListDecoder(rc);
  const rng = new Rng(o.seed);
  const tiebreak = o.tiebreak ?? true;
  const decoder = o.decoder ?? 'list';
  const code = rc.code;
  const u = code.newLimbs();
  const sentMessage = code.newLimbs();
  const got = code.newLimbs();
  const x = code.newLimbs();
  const word = new Uint8Array(o.m);
  const N = code.size;
  const messages = 1n << BigInt(rc.messageBits);
  const counts: TrialCounts = {
    m: o.m,
    ell: o.ell,
    margin: rc.table.margin,
    R: rc.table.R,
    messageBits: rc.messageBits,
    bitsLost: rc.bitsLost,
    errors: o.errors,
    trials: o.trials,
    seed: o.seed,
    tiebreak,
    decoder,
    uniqueCorrect: 0,
    ambiguous: 0,
    empty: 0,
    wrong: 0,
    sentListed: 0,
    seconds: 0,
  };
  const positions = new Int32Array(o.m);
  for (let t = 0; t < o.trials; t++) {
    bigToLimbs(rng.belowBig(messages), u, 0, u.length);
    sentMessage.set(u);
    rc.toIndex(u, x);
    let sent = BigInt(0);
    code.unrankFrom(x, word, 0);
    if (rc.balance && rng.below(2) === 1) for (let i = 0; i < o.m; i++) word[i] = 3 - word[i];
    sent = code.rankAny(word);
    let checksum = 0;
    for (let i = 0; i < o.m; i++) checksum ^= word[i];
    // Distinct positions by a partial Fisher–Yates shuffle.
    for (let i = 0; i < o.m; i++) positions[i] = i;
    for (let e = 0; e < Math.min(o.errors, o.m); e++) {
      const k = e + rng.below(o.m - e);
      const p = positions[k];
      positions[k] = positions[e];
      positions[e] = p;
      word[p] = (word[p] + 1 + rng.below(3)) & 3;
    }
    if (decoder === 'codec') {
      const status = rc.fromWord(word, 0, got, tiebreak ? checksum : -1);
      if (status !== DECODE_FAILED) {
        if (sameLimbs(got, sentMessage)) counts.uniqueCorrect++;
        else counts.wrong++;
      } else if (rc.lastListOutcome === LIST_AMBIGUOUS) counts.ambiguous++;
      else counts.empty++;
      // Whether the sent codeword was within reach: the list decoder's view, for comparison.
      if (dec.decode(word, 0, -1).candidates.includes(sent)) counts.sentListed++;
      continue;
    }
    const r = dec.decode(word, 0, tiebreak ? checksum : -1);
    if (r.candidates.includes(sent)) counts.sentListed++;
    if (r.outcome === LIST_EMPTY) counts.empty++;
    else if (r.outcome === LIST_AMBIGUOUS) counts.ambiguous++;
    else if (r.preferred[0] === sent) counts.uniqueCorrect++;
    else counts.wrong++;
  }
  void N;
  counts.seconds = (performance.now() - started) / 1000;
  return counts;
}

function sameLimbs(a: Int32Array, b: Int32Array): boolean {
  return compareLimbs(a, b) === 0;
}
