/**
 * Check-guided repair (src/reads/candidates.ts): the strand a small cluster's traces make
 * plausible is found by a check, within a bounded number of tries — two traces with errors in
 * different places, a lone trace with one edit — and nothing is claimed when no candidate passes.
 */
import { describe, expect, it } from 'vitest';
import { repairByCheck } from '../../src/reads/index.js';
import { Rng } from '../../src/random.js';

const rng = new Rng(5);
const strand = Uint8Array.from({ length: 150 }, () => rng.below(4));
const equalsStrand = (c: Uint8Array): boolean => c.length === strand.length && c.every((v, i) => v === strand[i]);

function edit(s: Uint8Array, ops: Array<['sub' | 'del' | 'ins', number]>): Uint8Array {
  const out = [...s];
  // Right to left, so earlier positions stay put.
  for (const [op, at] of [...ops].sort((a, b) => b[1] - a[1])) {
    if (op === 'sub') out[at] = (out[at] + 1) & 3;
    else if (op === 'del') out.splice(at, 1);
    else out.splice(at, 0, (out[at] + 2) & 3);
  }
  return Uint8Array.from(out);
}

describe('repairByCheck', () => {
  it('two traces with errors in different places: a mix of their sides is the strand', () => {
    const a = edit(strand, [
      ['sub', 10],
      ['del', 70],
      ['ins', 120],
    ]);
    const b = edit(strand, [
      ['del', 30],
      ['sub', 90],
    ]);
    const tries = repairByCheck([a, b], 150, equalsStrand);
    expect(tries).toBeLessThan(0);
    expect(-tries).toBeLessThanOrEqual(32); // 5 disagreements: at most 2^5 mixes
  });

  it('a lone trace with one substitution, deletion or insertion', () => {
    for (const op of ['sub', 'del', 'ins'] as const) expect(repairByCheck([edit(strand, [[op, 77]])], 150, equalsStrand)).toBeLessThan(0);
  });

  it('stops at the budget and says how many it tried when nothing passes', () => {
    const a = edit(strand, [['sub', 5]]);
    const b = edit(strand, [['sub', 5]]); // both wrong at the same place: no mix is the strand
    const tries = repairByCheck([a, b], 150, equalsStrand, 256);
    expect(tries).toBeGreaterThanOrEqual(0);
    expect(
      repairByCheck(
        [
          edit(strand, [
            ['sub', 1],
            ['sub', 100],
          ]),
        ],
        150,
        equalsStrand,
        50,
      ),
    ).toBe(50);
  });

  it('offers only candidates of the strand length', () => {
    const lengths = new Set<number>();
    repairByCheck([edit(strand, [['del', 3]]), edit(strand, [['ins', 140]])], 150, (c) => (lengths.add(c.length), false));
    expect([...lengths]).toEqual([150]);
  });
});
