/**
 * Primers in reads whose first cycles are noisy (as on some instruments): found from the reads
 * alone though few reads carry a primer exactly, or named with DecodeOptions.primers /
 * `decode --primers`; the manifest then names them exactly.
 */
import { describe, expect, it } from 'vitest';
import { Channel, decodePool, encodePool } from '../../src/pack/index.js';
import { detectPrimers } from '../../src/pack/pool/read-frame.js';
import { Rng } from '../../src/random.js';
import { expectOneLineError, runCli } from '../_cli.js';

const PRIMERS: [string, string] = ['ACACGACGCTCTTCCGATCT', 'AGATCGGAAGAGCACACGTC'];
const rng = new Rng(31);
const data = Uint8Array.from({ length: 4000 }, () => rng.below(256));
const pool = encodePool(data, { primers: PRIMERS });

describe('primers in reads with noisy first cycles', () => {
  it('are found without help at 10 % substitutions in the first 20 nt, where few reads carry them exactly', () => {
    const noisy = [...new Channel(pool.strands, { preset: 'illumina', coverage: 10, seed: 8, frontSub: 0.1, frontSpan: 20 }).reads()];
    const exact = noisy.filter((r) => r.startsWith(PRIMERS[0])).length;
    expect(exact / noisy.length).toBeLessThan(0.1);
    const found = detectPrimers(noisy);
    expect(found.found).toBe(true);
    expect(found.groups[0].prefix.slice(0, 16)).toMatch(/^(ACACGACGCTCTTCCG|GACGTGTGCTCTTCCG)/); // the left primer, or the right one's reverse complement
    const out = decodePool(noisy);
    expect(Buffer.from(out.data).equals(Buffer.from(data))).toBe(true);
    expect(out.manifest.primers).toEqual(PRIMERS);
  });

  it('DecodeOptions.primers trims by the given primers, even where detection alone would see payload', () => {
    const noisy = [...new Channel(pool.strands, { preset: 'illumina', coverage: 10, seed: 8, frontSub: 0.3, frontSpan: 20 }).reads()];
    const out = decodePool(noisy, 'reads', { primers: PRIMERS });
    expect(Buffer.from(out.data).equals(Buffer.from(data))).toBe(true);
  });

  it('decode --primers: bad letters or shape are one line naming the option', async () => {
    expectOneLineError(
      await runCli(['decode', '/nonexistent.fq', '-o', '/tmp/never.bin', '--primers', 'ACGTN,ACGT']),
      /--primers: the left primer has 'N' at position 5/,
    );
    expectOneLineError(await runCli(['decode', '/nonexistent.fq', '-o', '/tmp/never.bin', '--primers', 'ACGT']), /--primers takes LEFT,RIGHT/);
    expectOneLineError(await runCli(['restore', '/nonexistent.fq', '-o', '/tmp/never.bin', '--primers', 'AC,GT,TT']), /--primers takes LEFT,RIGHT/);
  });
});
