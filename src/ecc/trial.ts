/**
 * Seeded decoding trials: random used codewords (each sent as itself or its complement), a given
 * number of substitutions at distinct random positions, then list decoding. Outcomes:
 * unique-correct, ambiguous (the sent codeword among several), empty, wrong (a unique answer that
 * is not what was sent — impossible for ≤ 2 substitutions, counted to prove it).
 */
import { bigToLimbs } from '../loco/_limbs.js';
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
  const code = rc.code;
  const u = code.newLimbs();
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
