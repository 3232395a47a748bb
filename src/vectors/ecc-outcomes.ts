/**
 * EC outcome counts (spec dloco.md §5–§6): the whole EC subcode of one small configuration is
 * enumerated — every message u, its index x = u·R + ρ0 computed here in plain BigInt (not by
 * ResidueCode.toIndex), the codeword c = unrank(x) and, because balancing may send either, its
 * complement c̄ — and every sent word is hit by
 *   - each of its 3m single substitutions, residue-decoded (ResidueCode.residueDecode): it must
 *     come back with the sent message, never failed or wrong — corrected to the sent index, or
 *     clean because the run-capped rank of the changed word (which may break the run limit) is
 *     the sent index itself (e.g. ATAGACAT → AAAGACAT at ℓ = 1);
 *   - each of its C(m, 2)·9 double substitutions, list-decoded (ListDecoder.decode) once with the
 *     sent word's XOR as bridge checksum and once without (−1): the sent codeword must be in the
 *     list; the outcomes after tie-breaking (unique and right / ambiguous / empty / unique and
 *     wrong) are counted for both modes, with a histogram of list sizes.
 * The counts, in a fixed key order, are the content of vectors/ecc/outcomes-l{ℓ}-m{m}.txt; the
 * generator writes them and the verifier recomputes them, so a change in behaviour is a diff.
 */
import { ListDecoder, LIST_AMBIGUOUS, LIST_EMPTY, LIST_UNIQUE } from '../ecc/list-decode.js';
import { ResidueCode } from '../ecc/residue-code.js';
import { DECODE_CLEAN, DECODE_CORRECTED, DECODE_FAILED } from '../loco/codec.js';
import { limbsToBig } from '../loco/_limbs.js';
import { VectorsError } from './errors.js';

export interface EccOutcomeParams {
  readonly m: number;
  readonly ell: number;
  readonly margin: number;
  readonly balance: boolean;
}

/** Keys that must be 0 whatever the file says: a non-zero value is a bug, not a change. */
export const ECC_MUST_BE_ZERO = ['single.failed', 'single.wrong', 'double.notListed'] as const;

/** The counts as ordered [key, value] pairs (values are non-negative integers). */
export type EccOutcomeCounts = Array<[string, number]>;

const outcomeName = (outcome: number): 'unique' | 'ambiguous' | 'empty' => {
  if (outcome === LIST_UNIQUE) return 'unique';
  if (outcome === LIST_AMBIGUOUS) return 'ambiguous';
  if (outcome === LIST_EMPTY) return 'empty';
  throw new VectorsError(`unknown list outcome ${outcome}`);
};

/** Enumerates the EC subcode of (m, ℓ) and counts every single- and double-substitution outcome. */
export function eccOutcomeCounts(p: EccOutcomeParams): EccOutcomeCounts {
  const rc = new ResidueCode(p.m, p.ell, { margin: p.margin, balance: p.balance, cacheDir: false });
  const code = rc.code;
  const m = code.m;
  const N = code.size;
  const R = BigInt(rc.table.R);
  const rho = BigInt(rc.table.offset);
  const limit = p.balance ? N / 2n : N;
  const messages = 1n << BigInt(rc.messageBits);
  const list = new ListDecoder(rc);
  const u = code.newLimbs();
  const y = new Uint8Array(m);

  let sentWords = 0;
  const single = { trials: 0, corrected: 0, clean: 0, failed: 0, wrong: 0 };
  const double = { trials: 0, listed: 0, notListed: 0 };
  const modes = {
    checksum: { unique: 0, ambiguous: 0, empty: 0, wrong: 0 },
    plain: { unique: 0, ambiguous: 0, empty: 0, wrong: 0 },
  };
  const sizes = new Map<number, number>();

  const tally = (mode: keyof typeof modes, outcome: number, preferred: bigint[], sent: bigint): void => {
    const name = outcomeName(outcome);
    if (name === 'unique' && preferred[0] !== sent) modes[mode].wrong++;
    else modes[mode][name]++;
  };

  for (let msg = 0n; msg < messages; msg++) {
    const x = msg * R + rho;
    if (x >= limit) throw new VectorsError(`generator self-check: message ${msg} maps to index ${x}, beyond the used range ${limit} (ell=${p.ell} m=${m})`);
    const c = code.unrank(x);
    const orientations: Array<[Uint8Array, bigint]> = [[c, x]];
    if (p.balance) orientations.push([c.map((s) => 3 - s), N - 1n - x]);
    for (const [sent, xs] of orientations) {
      if (code.rankAny(sent) !== xs) throw new VectorsError(`generator self-check: rank of the sent word of message ${msg} is not ${xs} (ell=${p.ell} m=${m})`);
      sentWords++;
      let checksum = 0;
      for (let i = 0; i < m; i++) checksum ^= sent[i];

      for (let j = 0; j < m; j++) {
        for (let d = 1; d < 4; d++) {
          y.set(sent);
          y[j] = (sent[j] + d) & 3;
          single.trials++;
          const status = rc.residueDecode(y, 0, u);
          if (status === DECODE_FAILED) {
            single.failed++;
            continue;
          }
          const right = limbsToBig(u, 0, u.length) === msg;
          if (right && status === DECODE_CORRECTED && limbsToBig(rc.corrected, 0, rc.corrected.length) === xs) single.corrected++;
          else if (right && status === DECODE_CLEAN && code.rankAny(y) === xs) single.clean++;
          else single.wrong++;
        }
      }

      for (let i = 0; i < m; i++) {
        for (let j = i + 1; j < m; j++) {
          for (let di = 1; di < 4; di++) {
            for (let dj = 1; dj < 4; dj++) {
              y.set(sent);
              y[i] = (sent[i] + di) & 3;
              y[j] = (sent[j] + dj) & 3;
              double.trials++;
              const withSum = list.decode(y, 0, checksum);
              if (withSum.candidates.includes(xs)) double.listed++;
              else double.notListed++;
              sizes.set(withSum.candidates.length, (sizes.get(withSum.candidates.length) ?? 0) + 1);
              tally('checksum', withSum.outcome, withSum.preferred, xs);
              const plain = list.decode(y, 0, -1);
              tally('plain', plain.outcome, plain.preferred, xs);
            }
          }
        }
      }
    }
  }

  const out: EccOutcomeCounts = [
    ['R', rc.table.R],
    ['offset', rc.table.offset],
    ['messageBits', rc.messageBits],
    ['sentWords', sentWords],
  ];
  for (const [k, v] of Object.entries(single)) out.push([`single.${k}`, v]);
  for (const [k, v] of Object.entries(double)) out.push([`double.${k}`, v]);
  for (const [mode, counts] of Object.entries(modes)) for (const [k, v] of Object.entries(counts)) out.push([`double.${mode}.${k}`, v]);
  for (const size of [...sizes.keys()].sort((a, b) => a - b)) out.push([`double.listSize.${size}`, sizes.get(size)!]);
  return out;
}

/** Counts → file lines (after the header): `key=value`. */
export function formatEccOutcomes(counts: EccOutcomeCounts): string[] {
  return counts.map(([k, v]) => `${k}=${v}`);
}
