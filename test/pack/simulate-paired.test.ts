/**
 * Paired-end output of the simulator: each fragment read from both ends for a number of cycles
 * (Channel.writeMates, readPairChunks, `simulate --paired`), mates in step in two files, and the
 * decoder merging them back — `simulate --paired 150` of a 192-nt pool decodes bit-exactly.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Channel, encodePool, readPairChunks } from '../../src/pack/index.js';
import { reverseComplementText } from '../../src/pack/dna-text.js';
import { Rng } from '../../src/random.js';
import { expectOneLineError, runCli as run } from '../_cli.js';

const rng = new Rng(8);
const strands = Array.from({ length: 60 }, () => Array.from({ length: 200 }, () => 'ACGT'[rng.below(4)]).join(''));
const dir = mkdtempSync(join(tmpdir(), 'dnarchive-paired-'));

/** FASTQ text → records (4 lines each). */
function parseReads(text: string, _file: string): Array<{ name: string; seq: string }> {
  const lines = text.split('\n');
  const out: Array<{ name: string; seq: string }> = [];
  for (let i = 0; i + 3 < lines.length; i += 4) out.push({ name: lines[i].slice(1), seq: lines[i + 1] });
  return out;
}

function pairs(channel: Channel, cycles: number): [string, string] {
  let a = '';
  let b = '';
  for (const c of readPairChunks(channel, cycles)) {
    a += c.r1.toString('latin1');
    b += c.r2.toString('latin1');
  }
  return [a, b];
}

describe('paired-end reads', () => {
  it('error-free: mate 1 is the fragment’s first cycles, mate 2 its reverse complement’s, names in step', () => {
    const channel = new Channel(strands, { preset: 'ideal', coverage: 3, rc: 0.5, seed: 2 });
    const [a, b] = pairs(channel, 120);
    const r1 = parseReads(a, 'r1');
    const r2 = parseReads(b, 'r2');
    expect(r1.length).toBe(channel.length);
    expect(r2.length).toBe(channel.length);
    for (let j = 0; j < r1.length; j++) {
      expect([r1[j].name, r2[j].name]).toEqual([`read${j + 1}/1`, `read${j + 1}/2`]);
      const fragment = channel.read(j); // whole strand, in the orientation read
      expect(r1[j].seq).toBe(fragment.slice(0, 120));
      expect(r2[j].seq).toBe(reverseComplementText(fragment).slice(0, 120));
    }
  });

  it('with errors: the same seed gives the same bytes, each mate with its own noisy first cycles', () => {
    const options = { preset: 'illumina' as const, coverage: 4, seed: 3, frontSub: 0.2, frontSpan: 10 };
    const [a1, b1] = pairs(new Channel(strands, options), 100);
    const [a2, b2] = pairs(new Channel(strands, options), 100);
    expect([a1, b1]).toEqual([a2, b2]);
    // The first 10 cycles of mate 2 are noisy too: they differ from the reverse complement's start more than later cycles do.
    const channel = new Channel(strands, options);
    const r2 = parseReads(b1, 'r2');
    let front = 0;
    let later = 0;
    for (let j = 0; j < r2.length; j++) {
      const clean = reverseComplementText(strands[channel.order[j]]);
      for (let c = 0; c < 10; c++) if (r2[j].seq[c] !== clean[c] && r2[j].seq[c] !== reverseComplementText(clean)[c]) front++;
      for (let c = 10; c < 20; c++) if (r2[j].seq[c] !== clean[c] && r2[j].seq[c] !== reverseComplementText(clean)[c]) later++;
    }
    expect(front).toBeGreaterThan(later);
  });

  it('`simulate --paired 150` of a pool with primers: `decode R1 R2` is bit-exact', async () => {
    const data = Uint8Array.from({ length: 8000 }, () => rng.below(256));
    const poolFile = join(dir, 'pool.fasta');
    const pool = encodePool(data, { primers: ['ACACGACGCTCTTCCGATCT', 'AGATCGGAAGAGCACACGTC'] });
    writeFileSync(poolFile, pool.strands.map((s, i) => `>${pool.names[i]}\n${s}\n`).join(''));
    const [r1, r2] = [join(dir, 'r1.fastq.gz'), join(dir, 'r2.fastq.gz')];
    const sim = await run(['simulate', poolFile, '-o', r1, '--output2', r2, '--paired', '150', '--coverage', '10', '--seed', '4', '--no-progress']);
    expect(sim.code, sim.stderr).toBe(0);
    const out = join(dir, 'out.bin');
    const dec = await run(['decode', r1, r2, '-o', out]);
    expect(dec.code, dec.stderr).toBe(0);
    expect(Buffer.from(readFileSync(out)).equals(Buffer.from(data))).toBe(true);
  });

  it('bad combinations: one line each, nothing written', async () => {
    const pool = join(dir, 'tiny.fasta');
    writeFileSync(pool, `>a\n${strands[0]}\n`);
    const before = readdirSync(dir).length;
    expectOneLineError(await run(['simulate', pool, '-o', join(dir, 'x.fq'), '--paired', '100']), /--paired: writes two files/);
    expectOneLineError(await run(['simulate', pool, '-o', join(dir, 'x.fq'), '--output2', join(dir, 'y.fq')]), /--output2: is the mate-2 file of --paired/);
    expectOneLineError(
      await run(['simulate', pool, '-o', join(dir, 'x.fq'), '--output2', join(dir, 'y.fq'), '--paired', '100', '--read-length', '90']),
      /--read-length: and --paired both set the cycles read/,
    );
    expectOneLineError(await run(['simulate', pool, '-o', join(dir, 'x.fq'), '--output2', join(dir, 'y.fq'), '--paired', '0']), /--paired/);
    expect(readdirSync(dir).length).toBe(before);
  });
});
