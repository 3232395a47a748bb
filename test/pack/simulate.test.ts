/** The channel simulator: rates within binomial bounds, dropout, coverage, orientation, determinism. */
import { describe, expect, it } from 'vitest';
import { Channel, channelConfig, PRESETS } from '../../src/pack/index.js';
import { Rng } from '../../src/random.js';

function strands(n: number, len: number, seed: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: len }, () => 'ACGT'[rng.below(4)]).join(''));
}

/** |observed − expected| within 5 binomial standard deviations (plus 1 for tiny counts). */
function near(observed: number, n: number, p: number): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(observed - n * p)).toBeLessThanOrEqual(5 * sd + 1);
}

describe('channel simulator', () => {
  for (const seed of [1, 2, 3]) {
    it(`illumina rates, dropout, coverage and orientation are what was asked (seed ${seed})`, () => {
      const input = strands(2000, 150, seed);
      const ch = new Channel(input, { preset: 'illumina', coverage: 8, dropout: 0.1, seed });
      const reads = [...ch.reads()];
      const s = ch.summary;
      expect(reads.length).toBe(s.reads);
      near(s.dropped, 2000, 0.1);
      const nt = reads.length * 150;
      near(s.substitutions, nt, PRESETS.illumina.sub);
      near(s.deletions, nt, PRESETS.illumina.del);
      near(s.insertions, nt, PRESETS.illumina.ins);
      near(s.reverseComplemented, reads.length, 0.5);
      // Mean coverage over surviving strands ≈ 8 (Poisson of a mean-1 log-normal weight).
      expect(s.reads / (2000 - s.dropped)).toBeGreaterThan(7.5);
      expect(s.reads / (2000 - s.dropped)).toBeLessThan(8.5);
    });
  }

  it('is deterministic and order-independent per read', () => {
    const input = strands(300, 100, 9);
    const a = new Channel(input, { seed: 42 });
    const b = new Channel(input, { seed: 42 });
    const ra = [...a.reads()];
    expect([...b.reads()]).toEqual(ra);
    // Reading backwards gives the same reads: each read has its own seed.
    const c = new Channel(input, { seed: 42 });
    const back: string[] = [];
    for (let j = c.length - 1; j >= 0; j--) back.unshift(c.read(j));
    expect(back).toEqual(ra);
    expect([...new Channel(input, { seed: 43 }).reads()]).not.toEqual(ra);
  });

  it('the ideal preset copies strands exactly (up to orientation)', () => {
    const input = strands(50, 60, 1);
    const ch = new Channel(input, { preset: 'ideal', coverage: 2, rc: 0 , skew: 0});
    for (const r of ch.reads()) expect(input).toContain(r);
  });

  it('options are validated and named', () => {
    expect(() => channelConfig({ sub: 0.7 })).toThrow(/sub/);
    expect(() => channelConfig({ coverage: 0 })).toThrow(/coverage/);
    expect(() => channelConfig({ preset: 'sanger' } as never)).toThrow(/preset/);
    expect(channelConfig({ preset: 'iseq', sub: 0.001 })).toMatchObject({ sub: 0.001, del: PRESETS.iseq.del });
  });
});
