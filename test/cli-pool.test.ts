/** `dnarchive encode / simulate / decode / report` on the command line: the archival path. */
import { describe, expect, it } from 'vitest';
import { expectOneLineError, runCli as run } from './_cli.js';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/random.js';

const dir = mkdtempSync(join(tmpdir(), 'dnarchive-pool-cli-'));
const rng = new Rng(77);
const input = join(dir, 'in.bin');
writeFileSync(
  input,
  Uint8Array.from({ length: 20_001 }, () => rng.below(256)),
);

describe('dnarchive encode → simulate → decode', () => {
  it('round-trips through a noisy channel with primers, bit-exactly, with byte-identical pools', async () => {
    const pool = join(dir, 'pool.fasta');
    const args = ['encode', input, '-o', pool, '--primers', 'ACACGACGCTCTTCCGATCT,AGATCGGAAGAGCACACGTC'];
    expect((await run(args)).code).toBe(0);
    const again = join(dir, 'pool2.fasta');
    expect((await run([...args.slice(0, 3), again, ...args.slice(4)])).code).toBe(0);
    expect(readFileSync(again).equals(readFileSync(pool))).toBe(true);

    const reads = join(dir, 'reads.fastq');
    const sim = await run(['simulate', pool, '-o', reads, '--preset', 'illumina', '--coverage', '10', '--dropout', '0.05', '--seed', '3', '--json']);
    expect(sim.code, sim.stderr).toBe(0);
    expect(JSON.parse(sim.stdout).summary.reads).toBeGreaterThan(0);
    const reads2 = join(dir, 'reads2.fastq');
    await run(['simulate', pool, '-o', reads2, '--preset', 'illumina', '--coverage', '10', '--dropout', '0.05', '--seed', '3']);
    expect(readFileSync(reads2).equals(readFileSync(reads))).toBe(true);

    const out = join(dir, 'out.bin');
    const d = await run(['decode', reads, '-o', out, '--json']);
    expect(d.code, d.stderr).toBe(0);
    expect(readFileSync(out).equals(readFileSync(input))).toBe(true);
    expect(JSON.parse(d.stdout).erasures).toBeGreaterThan(0);
    // To stdout: verified first, then streamed block by block, the same bytes.
    const piped = await run(['decode', reads, '-o', '-']);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.raw.equals(readFileSync(input))).toBe(true);

    const rep = await run(['report', pool, '--json']);
    const j = JSON.parse(rep.stdout);
    expect(j.payloadBytes).toBe(20_001);
    expect(j.maxRun).toBeLessThanOrEqual(3);
    expect(j.bitsPerNtWithPrimers).toBeLessThan(j.bitsPerNt);
    expect((await run(['report', pool])).stdout).toMatch(/net density\s+\d\.\d{3} bits\/nt/);
  });

  it('stdin to stdout', async () => {
    const e = await run(['encode', '-', '-o', '-'], Buffer.from('hello, pool'));
    expect(e.code).toBe(0);
    const d = await run(['decode', '-', '-o', '-'], e.raw);
    expect(d.stdout).toBe('hello, pool');
  });
});

describe('bad input: one line naming file and problem, no partial output', () => {
  it('missing strands beyond the outer code', async () => {
    const pool = join(dir, 'p3.fasta');
    await run(['encode', input, '-o', pool]);
    const lines = readFileSync(pool, 'utf8').trim().split('\n');
    const kept: string[] = [];
    for (let i = 0; i < lines.length; i += 2) if ((i / 2) % 2 === 1 || lines[i].includes(':h')) kept.push(lines[i], lines[i + 1]);
    const lossy = join(dir, 'lossy.fasta');
    writeFileSync(lossy, kept.join('\n') + '\n');
    const out = join(dir, 'lossy.out');
    expectOneLineError(await run(['decode', lossy, '-o', out]), /lossy\.fasta: \d+ of \d+ strands recovered; .*needs \d+ more.*Nothing written\./);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    // To stdout: not one byte before the outer code and the SHA-256 have succeeded.
    const piped = await run(['decode', lossy, '-o', '-']);
    expectOneLineError(piped, /lossy\.fasta: \d+ of \d+ strands recovered; .*Nothing written\./);
    expect(piped.raw.length).toBe(0);
  });

  it('not FASTA, non-ACGT with its line, empty, truncated, mixed pools, existing output', async () => {
    const notFasta = join(dir, 'x.txt');
    writeFileSync(notFasta, 'hello\n');
    expectOneLineError(await run(['decode', notFasta, '-o', join(dir, 'x.out')]), /x\.txt:1: not FASTA or FASTQ/);
    const bad = join(dir, 'bad.fasta');
    writeFileSync(bad, '>a\nACGT\n>b\nACNT\n');
    expectOneLineError(await run(['decode', bad, '-o', join(dir, 'b.out')]), /bad\.fasta:4: invalid nucleotide "N"/);
    const empty = join(dir, 'empty.fasta');
    writeFileSync(empty, '');
    expectOneLineError(await run(['decode', empty, '-o', join(dir, 'e.out')]), /empty\.fasta: the file is empty/);
    const trunc = join(dir, 'trunc.fastq');
    writeFileSync(trunc, '@r1\nACGT\n+\nIIII\n@r2\nACGT\n');
    expectOneLineError(await run(['decode', trunc, '-o', join(dir, 't.out')]), /trunc\.fastq:\d+: /);
    const a = join(dir, 'a.fasta');
    const b = join(dir, 'b2.fasta');
    writeFileSync(join(dir, 'a.bin'), 'first pool');
    writeFileSync(join(dir, 'b.bin'), 'second pool');
    await run(['encode', join(dir, 'a.bin'), '-o', a]);
    await run(['encode', join(dir, 'b.bin'), '-o', b]);
    const mixed = join(dir, 'mixed.fasta');
    writeFileSync(mixed, readFileSync(a, 'utf8') + readFileSync(b, 'utf8'));
    expectOneLineError(await run(['decode', mixed, '-o', join(dir, 'm.out')]), /mixed\.fasta: reads from 2 different pools are mixed together/);
    expectOneLineError(await run(['encode', join(dir, 'a.bin'), '-o', a]), /a\.fasta: output file already exists; pass --force/);
    expect((await run(['encode', join(dir, 'a.bin'), '-o', a, '--force'])).code).toBe(0);
  });

  it('options out of range name the option', async () => {
    expectOneLineError(
      await run(['encode', input, '-o', join(dir, 'o.fasta'), '--length', '151', '--codewords', '2']),
      /--length: 151 is not a multiple of --codewords 2/,
    );
    expectOneLineError(await run(['encode', input, '-o', join(dir, 'o.fasta'), '--dropout', '0.9']), /--dropout must be at most 0.5/);
    expectOneLineError(
      await run(['encode', input, '-o', join(dir, 'o.fasta'), '--codeword', '50']),
      /--codeword 50: --length 150 is not a multiple of m \+ 2 = 52/,
    );
    expectOneLineError(await run(['encode', input, '-o', join(dir, 'o.fasta'), '--primers', 'ACGT']), /--primers takes LEFT,RIGHT/);
    expectOneLineError(await run(['simulate', input, '-o', join(dir, 'o.fq'), '--preset', 'sanger']), /--preset must be one of/);
    expect(existsSync(join(dir, 'o.fasta'))).toBe(false);
  });
});
