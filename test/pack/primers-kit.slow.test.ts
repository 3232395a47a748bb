/**
 * Primers of one kit share a stretch (Illumina's end in CTCTTCCGATCT): a probe within 4
 * substitutions of both orientations once gathered reads of both, and the primers came out empty
 * (found on a 1 MiB pool, seed 10, 5 % substitutions in the first 20 cycles, where decode then
 * said "not a dnarchive pool"). Detection now matches tightly first.
 */
import { describe, expect, it } from 'vitest';
import { Channel, encodePool } from '../../src/pack/index.js';
import { detectPrimers } from '../../src/pack/pool/read-frame.js';
import { Rng } from '../../src/random.js';

describe('primers of one kit in noisy reads', () => {
  it('are told apart where a loose probe merged both orientations', () => {
    const rng = new Rng(1);
    const data = Uint8Array.from({ length: 1 << 20 }, () => rng.below(256));
    const pool = encodePool(data, { primers: ['ACACGACGCTCTTCCGATCT', 'AGATCGGAAGAGCACACGTC'] });
    const channel = new Channel(pool.strands, { preset: 'illumina', coverage: 10, frontSub: 0.05, frontSpan: 20, seed: 10 });
    const sample = Array.from({ length: 4000 }, (_, j) => channel.read(j));
    const found = detectPrimers(sample);
    expect(found.found).toBe(true);
    expect(['ACACGACGCTCTTCCGATCT', 'GACGTGTGCTCTTCCGATCT']).toContain(found.groups[0].prefix.slice(0, 20));
    expect(found.groups[0].suffix.length).toBeGreaterThanOrEqual(16);
  });
});
