/** The command line as a user meets it: outputs, exit codes, one-line errors, no partial files. */
import { describe, expect, it } from 'vitest';
import { expectOneLineError, runCli as run } from './_cli.js';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cardinality, formatWord, locoCode } from '../src/loco/index.js';

describe('dnarchive loco', () => {
  it('info reports N(m) as a decimal string and the rate', async () => {
    const r = await run(['loco', 'info', '--ell', '3', '--length', '48', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.cardinality).toBe(cardinality(48, 3).toString());
    expect(j.bitsPerCodeword).toBe(locoCode(48, 3).bits - 1);
    expect(j.capacity).toBeCloseTo(1.9824, 4);
    expect(j.capacityRatio).toBeCloseTo(j.bitsPerNt / j.capacity, 10);
    const t = await run(['loco', 'info', '--ell', '3', '--length', '48']);
    expect(t.stdout).toContain(cardinality(48, 3).toString());
  });

  it('rank and unrank are inverse on the issue example', async () => {
    const r = await run(['loco', 'rank', '--ell', '2', 'GATTACAG']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(locoCode(8, 2).rank('GATTACAG').toString());
    const u = await run(['loco', 'unrank', '--ell', '2', '--length', '8', r.stdout.trim()]);
    expect(u.stdout.trim()).toBe('GATTACAG');
    const j = JSON.parse((await run(['loco', 'unrank', '--ell', '2', '--length', '8', '24452', '--json'])).stdout);
    expect(j.codeword).toBe(formatWord(locoCode(8, 2).unrank(24452n)));
  });

  it('rejects bad input with one line naming the value and the limit', async () => {
    expectOneLineError(await run(['loco', 'rank', '--ell', '2', 'GATXACAG']), /invalid symbol "X" at position 3/);
    expectOneLineError(await run(['loco', 'rank', '--ell', '2', 'GAAACAG']), /run of 3 .* ℓ = 2/);
    expectOneLineError(await run(['loco', 'unrank', '--ell', '2', '--length', '8', '47088']), /47088 .* < 47088/);
    expectOneLineError(await run(['loco', 'unrank', '--ell', '2', '--length', '8', '-5']), /./);
    expectOneLineError(await run(['loco', 'info', '--ell', '0', '--length', '8']), /--ell.*at least 1/);
    expectOneLineError(await run(['loco', 'info', '--ell', '3', '--length', 'x']), /--length.*whole number/);
    expectOneLineError(await run(['loco', 'info', '--ell', '3', '--length', '9999']), /--length.*at most/);
  });
});

describe('dnarchive raw encode / decode', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnarchive-cli-'));

  it('round-trips files of 0, 1 and odd sizes, byte-identical output for the same input', async () => {
    for (const size of [0, 1, 7, 1001]) {
      const data = Buffer.alloc(size);
      for (let i = 0; i < size; i++) data[i] = (i * 131 + 7) & 255;
      const inp = join(dir, `in-${size}.bin`);
      writeFileSync(inp, data);
      const fa = join(dir, `pool-${size}.fasta`);
      expect((await run(['raw', 'encode', inp, '-o', fa, '--ell', '2', '--codeword', '40'])).code).toBe(0);
      const fa2 = join(dir, `pool-${size}-again.fasta`);
      await run(['raw', 'encode', inp, '-o', fa2, '--ell', '2', '--codeword', '40']);
      expect(readFileSync(fa2).equals(readFileSync(fa))).toBe(true);
      const out = join(dir, `out-${size}.bin`);
      const d = await run(['raw', 'decode', fa, '-o', out]);
      expect(d.code, d.stderr).toBe(0);
      expect(readFileSync(out).equals(data)).toBe(true);
    }
  });

  it('decodes shuffled records and FASTQ', async () => {
    const inp = join(dir, 'shuffle.bin');
    writeFileSync(inp, Buffer.from('the quick brown fox jumps over the lazy dog '.repeat(20)));
    const fa = join(dir, 'shuffle.fasta');
    await run(['raw', 'encode', inp, '-o', fa]);
    const lines = readFileSync(fa, 'utf8').trim().split('\n');
    const recs: string[][] = [];
    for (let i = 0; i < lines.length; i += 2) recs.push([lines[i], lines[i + 1]]);
    recs.reverse();
    const fq = recs.map(([h, s]) => `@${h.slice(1)}\n${s}\n+\n${'I'.repeat(s.length)}`).join('\n');
    const fqPath = join(dir, 'shuffle.fastq');
    writeFileSync(fqPath, `${fq}\n`);
    const out = join(dir, 'shuffle.out');
    expect((await run(['raw', 'decode', fqPath, '-o', out])).code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(inp))).toBe(true);
  });

  it('stdin to stdout', async () => {
    const e = await run(['raw', 'encode', '-', '-o', '-'], Buffer.from('hello'));
    expect(e.code).toBe(0);
    const d = await run(['raw', 'decode', '-', '-o', '-'], e.raw);
    expect(d.raw.toString()).toBe('hello');
  });

  it('refuses to overwrite, and leaves no partial output on failure', async () => {
    const inp = join(dir, 'x.bin');
    writeFileSync(inp, 'x');
    const fa = join(dir, 'x.fasta');
    expect((await run(['raw', 'encode', inp, '-o', fa])).code).toBe(0);
    expectOneLineError(await run(['raw', 'encode', inp, '-o', fa]), /already exists.*--force/);
    expect((await run(['raw', 'encode', inp, '-o', fa, '--force'])).code).toBe(0);

    const text = readFileSync(fa, 'utf8').split('\n');
    const seq = text[1];
    text[1] = seq.slice(0, 5) + (seq[5] === 'A' ? 'C' : 'A') + seq.slice(6);
    const bad = join(dir, 'x-damaged.fasta');
    writeFileSync(bad, text.join('\n'));
    const out = join(dir, 'x-damaged.out');
    expectOneLineError(await run(['raw', 'decode', bad, '-o', out]), /x-damaged\.fasta: cannot decode: strand 0, codeword 0/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('names the file and line for malformed reads', async () => {
    const p = join(dir, 'bad.fasta');
    writeFileSync(p, '>r1\nACGT\n>r2\nACNT\n');
    expectOneLineError(await run(['raw', 'decode', p, '-o', join(dir, 'bad.out')]), /bad\.fasta:4: invalid nucleotide "N" at column 3/);
    const e = join(dir, 'empty.fasta');
    writeFileSync(e, '');
    expectOneLineError(await run(['raw', 'decode', e, '-o', join(dir, 'e.out')]), /empty\.fasta: the file is empty/);
    const n = join(dir, 'notfasta.txt');
    writeFileSync(n, 'hello world\n');
    expectOneLineError(await run(['raw', 'decode', n, '-o', join(dir, 'n.out')]), /notfasta\.txt:1: not FASTA or FASTQ/);
    expectOneLineError(await run(['raw', 'decode', join(dir, 'missing.fasta'), '-o', join(dir, 'm.out')]), /missing\.fasta: no such file/);
  });

  it('reports missing strands precisely', async () => {
    const inp = join(dir, 'miss.bin');
    writeFileSync(inp, Buffer.alloc(500, 3));
    const fa = join(dir, 'miss.fasta');
    await run(['raw', 'encode', inp, '-o', fa]);
    const lines = readFileSync(fa, 'utf8').trim().split('\n');
    const kept = lines.filter((_, i) => Math.floor(i / 2) !== 2 && Math.floor(i / 2) !== 3);
    const p = join(dir, 'miss-2-3.fasta');
    writeFileSync(p, kept.join('\n'));
    expectOneLineError(await run(['raw', 'decode', p, '-o', join(dir, 'miss.out')]), /2 of \d+ strands missing \(2-3\)/);
  });
});

describe('dnarchive demo and verify', () => {
  it('demo runs with no arguments and decodes bit-exactly', async () => {
    const r = await run(['demo']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('verdict: OK');
    const j = JSON.parse((await run(['demo', '--json'])).stdout);
    expect(j.roundTrip).toBe(true);
    expect(j.pool.maxRun).toBeLessThanOrEqual(3);
    expect(j.channel.summary.substitutions).toBeGreaterThan(0);
    expect(j.decode.erasures).toBeGreaterThan(0); // the outer code did real work
  });

  it('verify passes on the committed vectors', async () => {
    const r = await run(['verify']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/PASS: (\d+) of \1 checks passed/);
  });
});
