/**
 * Primers flank every strand for PCR and random access. The payload's first and last symbols are
 * not under our control at the primer boundary, so one spacer symbol sits between each primer and
 * the payload, chosen to differ from both neighbours: no run crosses a boundary, whatever ℓ.
 * Primers themselves are the user's; a primer that itself breaks the run limit is refused.
 */
import { OptionError } from '../../validate.js';

const BASES = 'ACGT';

export function checkPrimers(primers: readonly [string, string], ell: number): [string, string] {
  const out: [string, string] = ['', ''];
  primers.forEach((p, side) => {
    const s = p.toUpperCase();
    const bad = s.search(/[^ACGT]/);
    if (bad >= 0)
      throw new OptionError('pool options', '--primers', `${side ? 'right' : 'left'} primer has '${s[bad]}' at position ${bad + 1}; only A, C, G, T`);
    const run = s.match(new RegExp(`([ACGT])\\1{${ell}}`));
    if (run)
      throw new OptionError(
        'pool options',
        '--primers',
        `${side ? 'right' : 'left'} primer has a run of ${run[0].length}+ '${run[1]}' (run limit ell = ${ell})`,
      );
    out[side] = s;
  });
  return out;
}

function spacer(a: string | undefined, b: string | undefined): string {
  for (const c of BASES) if (c !== a && c !== b) return c;
  return 'A';
}

export function addPrimers(strand: string, [left, right]: readonly [string, string]): string {
  const l = left ? left + spacer(left[left.length - 1], strand[0]) : '';
  const r = right ? spacer(strand[strand.length - 1], right[0]) + right : '';
  return l + strand + r;
}

/** Extra nt that primers add to each strand (with their spacers). */
export function primerOverhead([left, right]: readonly [string, string]): number {
  return (left ? left.length + 1 : 0) + (right ? right.length + 1 : 0);
}
