/**
 * Paired-end reads: R1 and R2 merged by their overlap (mergePair), pairs read in step from two
 * files, and `decode R1 R2` on 2 × 150-nt reads of 192-nt strands (primers on), which neither
 * read covers alone.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Channel, encodePool, mergePair, mateName } from '../../src/pack/index.js';
import { Rng } from '../../src/random.js';
import { expectOneLineError, runCli } from '../_cli.js';

const COMPLEMENT: Record<string, string> = { A: 'T', C: 'G', G: 'C', T: 'A' };
const rc = (s: string): string =>
  [...s]
    .reverse()
    .map((c) => COMPLEMENT[c])
    .join('');

function randomDna(n: number, rng: Rng): string {
  let s = '';
  for (let i = 0; i < n; i++) s += 'ACGT'[rng.below(4)];
  return s;
}

/** FASTQ of R1 and R2 (`len` nt from each end) of every fragment, mates named x/1 and x/2. */
function pairFiles(fragments: readonly string[], len: number, dir: string, quality = 'I'): [string, string] {
  const r1: string[] = [];
  const r2: string[] = [];
  fragments.forEach((f, i) => {
    const a = f.slice(0, len);
    const b = rc(f).slice(0, len);
    r1.push(`@frag${i}/1\n${a}\n+\n${quality.repeat(a.length)}`);
    r2.push(`@frag${i}/2\n${b}\n+\n${quality.repeat(b.length)}`);
  });
  const p1 = join(dir, 'R1.fastq.gz');
  const p2 = join(dir, 'R2.fastq.gz');
  writeFileSync(p1, gzipSync(`${r1.join('\n')}\n`));
  writeFileSync(p2, gzipSync(`${r2.join('\n')}\n`));
  return [p1, p2];
}

describe('mergePair', () => {
  const rng = new Rng(12);
  const fragment = randomDna(190, rng);
  const r1 = fragment.slice(0, 150);
  const r2 = rc(fragment).slice(0, 150);

  it('rebuilds the fragment from two reads that overlap by 110 nt, and from reads longer than it', () => {
    expect(mergePair(r1, r2)).toBe(fragment);
    const short = fragment.slice(0, 120);
    expect(mergePair(short, rc(short))).toBe(short);
  });

  it('takes the better-quality base where the reads disagree, or R1 then R2 by halves without qualities', () => {
    const e1 = `${r1.slice(0, 60)}${r1[60] === 'A' ? 'C' : 'A'}${r1.slice(61)}`; // an error in R1 at 60 (in the overlap, its first half)
    const q1 = 'I'.repeat(60) + '#' + 'I'.repeat(89);
    expect(mergePair(e1, r2, q1, 'I'.repeat(150))).toBe(fragment);
    expect(mergePair(e1, r2)).not.toBe(fragment); // R1's base is kept in the first half
    const e2 = `${r1.slice(0, 140)}${r1[140] === 'A' ? 'C' : 'A'}${r1.slice(141)}`; // near R1's 3' end: the second half
    expect(mergePair(e2, r2)).toBe(fragment);
  });

  it('gives nothing for reads that do not overlap, or overlap by less than 20 nt', () => {
    expect(mergePair(r1, randomDna(150, rng))).toBeUndefined();
    const long = randomDna(290, rng);
    expect(mergePair(long.slice(0, 150), rc(long).slice(0, 150))).toBeUndefined(); // 10 nt of overlap
  });

  it('mate names: /1 and /2 suffixes and Illumina comments set aside', () => {
    expect(mateName('frag7/1')).toBe(mateName('frag7/2'));
    expect(mateName('M001:7:FC:1:1101:15589:1331 1:N:0:ATCACG')).toBe(mateName('M001:7:FC:1:1101:15589:1331 2:N:0:ATCACG'));
    expect(mateName('frag7/1')).not.toBe(mateName('frag8/2'));
  });
});

describe('decode R1 R2', () => {
  const primers: [string, string] = ['ACACGACGCTCTTCCGATCT', 'AGATCGGAAGAGCACACGTC'];
  const rng = new Rng(40);
  const data = Uint8Array.from({ length: 3000 }, () => rng.below(256));
  const pool = encodePool(data, { primers });
  const dir = mkdtempSync(join(tmpdir(), 'dnarchive-paired-'));
  const input = join(dir, 'in.bin');
  writeFileSync(input, data);

  it('2 × 150-nt reads of 192-nt strands: pairs merged, bit-exact; each file alone is not enough', async () => {
    expect(pool.strands[0].length).toBe(192);
    const fragments = [...new Channel(pool.strands, { preset: 'illumina', coverage: 8, seed: 2 }).reads()];
    const [p1, p2] = pairFiles(fragments, 150, dir);
    const out = join(dir, 'out.bin');
    const r = await runCli(['decode', p1, p2, '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.pairs.pairs).toBe(fragments.length);
    expect(report.pairs.merged / report.pairs.pairs).toBeGreaterThan(0.95);
    expect(readFileSync(out).equals(Buffer.from(data))).toBe(true);
    expect((await runCli(['decode', p1, '-o', join(dir, 'r1only.bin')])).code).not.toBe(0);
  });

  it('mates out of step, or a file with fewer records: one line naming the file and record', async () => {
    const fragments = [...new Channel(pool.strands, { preset: 'ideal', coverage: 1, seed: 3 }).reads()];
    const [p1] = pairFiles(fragments, 150, dir);
    const shifted = join(dir, 'shifted');
    writeFileSync(shifted, gzipSync(`@frag0/2\nACGT\n+\nIIII\n@frag9999/2\nACGT\n+\nIIII\n`));
    expectOneLineError(await runCli(['decode', p1, shifted, '-o', join(dir, 'never.bin')]), /shifted:5: record "frag9999\/2" is not the mate of "frag1\/1"/);
    const short = join(dir, 'short.fastq');
    writeFileSync(short, '@frag0/2\nACGT\n+\nIIII\n');
    expectOneLineError(await runCli(['decode', p1, short, '-o', join(dir, 'never.bin')]), /short\.fastq: has fewer records than .*R1\.fastq\.gz/);
  });
});
