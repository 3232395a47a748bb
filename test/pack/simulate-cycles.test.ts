/**
 * The channel's sequencer side: position-dependent substitutions (noisy first cycles, a rising 3′
 * tail) in read orientation, FASTQ qualities that state the expected rate per cycle, reads cut to
 * a number of cycles, and gzip output — then decoded from those reads alone.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Channel, encodePool, phredFor } from '../../src/pack/index.js';
import { Rng } from '../../src/random.js';
import { expectOneLineError, runCli } from '../_cli.js';

const rng = new Rng(4);
const data = Uint8Array.from({ length: 5000 }, () => rng.below(256));
const pool = encodePool(data);

describe('position-dependent sequencing errors', () => {
  it('front substitutions land in the first cycles of each read, in read orientation', () => {
    const plain = new Channel(pool.strands, { preset: 'ideal', coverage: 4, seed: 3 });
    const noisy = new Channel(pool.strands, { preset: 'ideal', coverage: 4, seed: 3, frontSub: 0.2, frontSpan: 20 });
    let front = 0;
    let rest = 0;
    for (let j = 0; j < plain.length; j++) {
      const a = plain.read(j);
      const b = noisy.read(j);
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) i < 20 ? front++ : rest++;
    }
    const reads = plain.length;
    expect(rest).toBe(0);
    expect(front / (20 * reads)).toBeGreaterThan(0.17);
    expect(front / (20 * reads)).toBeLessThan(0.23);
    expect(noisy.summary.substitutions).toBe(front);
  });

  it('the 3′ tail rises along the read; --read-length cuts reads to that many cycles', () => {
    const c = new Channel(pool.strands, { preset: 'ideal', coverage: 6, seed: 5, tailSub: 0.3, readLength: 100 });
    const plain = new Channel(pool.strands, { preset: 'ideal', coverage: 6, seed: 5, readLength: 100 });
    const firstHalf = [0, 0];
    for (let j = 0; j < c.length; j++) {
      const a = plain.read(j);
      const b = c.read(j);
      expect(b.length).toBe(100);
      for (let i = 0; i < 100; i++) if (a[i] !== b[i]) firstHalf[i < 50 ? 0 : 1]++;
    }
    expect(firstHalf[1]).toBeGreaterThan(2 * firstHalf[0]);
  });
});

describe('dnarchive simulate with sequencer options', () => {
  it('qualities follow the expected rate per cycle; gzip output holds the same reads; the reads decode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnarchive-cycles-'));
    const input = join(dir, 'in.bin');
    writeFileSync(input, data);
    const fa = join(dir, 'pool.fasta');
    expect((await runCli(['encode', input, '-o', fa])).code).toBe(0);
    const args = ['simulate', fa, '--coverage', '10', '--front-sub', '0.1', '--front-span', '30', '--seed', '7'];
    const fq = join(dir, 'reads.fastq');
    expect((await runCli([...args, '-o', fq])).code).toBe(0);
    const gz = join(dir, 'reads.fastq.gz');
    expect((await runCli([...args, '-o', gz])).code).toBe(0);
    expect(gunzipSync(readFileSync(gz)).equals(readFileSync(fq))).toBe(true);
    const [, seq, , qual] = readFileSync(fq, 'latin1').split('\n');
    const q = (c: number) => qual.charCodeAt(c) - 33;
    const base = phredFor({ sub: 4.8e-3, ins: 1.1e-3, del: 7.8e-3 });
    expect(q(0)).toBe(phredFor({ sub: 4.8e-3 + 0.1, ins: 1.1e-3, del: 7.8e-3 }));
    expect(q(29)).toBe(q(0));
    expect(q(30)).toBe(base);
    expect(q(seq.length - 1)).toBe(base);
    const out = join(dir, 'out.bin');
    const d = await runCli(['decode', gz, '-o', out, '--json']);
    expect(d.code, d.stderr).toBe(0);
    expect(readFileSync(out).equals(Buffer.from(data))).toBe(true);
  });

  it('bad values name the option', async () => {
    const fa = join(mkdtempSync(join(tmpdir(), 'dnarchive-cycles-')), 'p.fasta');
    writeFileSync(fa, '>a\nACGT\n');
    expectOneLineError(await runCli(['simulate', fa, '-o', '-', '--front-sub', '1.5']), /--front-sub must be below 1/);
    expectOneLineError(await runCli(['simulate', fa, '-o', '-', '--read-length', '0']), /--read-length must be at least 1/);
    expectOneLineError(await runCli(['simulate', fa, '-o', '-', '--front-sub', '0.6', '--tail-sub', '0.6']), /frontSub \+ tailSub: must add up to below 1/);
  });
});
