/**
 * gzip reads, as sequencers deliver them: `.fastq.gz` / `.fasta.gz` found by their magic bytes (not
 * the name), from a file or stdin, one member or several; node:zlib writes the test files, an
 * implementation independent of the one that reads them.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random.js';
import { expectOneLineError, runCli as run } from './_cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dnarchive-gzip-'));
const rng = new Rng(5);
const input = join(dir, 'in.bin');
writeFileSync(
  input,
  Uint8Array.from({ length: 6_000 }, () => rng.below(256)),
);
const pool = join(dir, 'pool.fasta');
const reads = join(dir, 'reads.fastq');

describe('gzip reads', () => {
  it('decode takes .fastq.gz (file, stdin, several members) and gives the bytes the plain reads give', async () => {
    expect((await run(['encode', input, '-o', pool])).code).toBe(0);
    expect((await run(['simulate', pool, '-o', reads, '--coverage', '8', '--seed', '2'])).code).toBe(0);
    const text = readFileSync(reads);
    const gz = join(dir, 'reads.fastq.gz');
    writeFileSync(gz, gzipSync(text));
    const out = join(dir, 'out.bin');
    const d = await run(['decode', gz, '-o', out, '--json']);
    expect(d.code, d.stderr).toBe(0);
    expect(readFileSync(out).equals(readFileSync(input))).toBe(true);
    const plain = await run(['decode', reads, '-o', join(dir, 'plain.bin'), '--json']);
    expect(JSON.parse(d.stdout)).toEqual(JSON.parse(plain.stdout));

    // Two members split mid-record (cat a.gz b.gz), under a name that does not say gzip.
    const cut = text.indexOf('\n@', text.length >> 1) + 3;
    const two = join(dir, 'reads.dat');
    writeFileSync(two, Buffer.concat([gzipSync(text.subarray(0, cut)), gzipSync(text.subarray(cut))]));
    expect((await run(['decode', two, '-o', join(dir, 'two.bin')])).code).toBe(0);
    expect(readFileSync(join(dir, 'two.bin')).equals(readFileSync(input))).toBe(true);

    const piped = await run(['decode', '-', '-o', '-'], readFileSync(gz));
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.raw.equals(readFileSync(input))).toBe(true);
    // Stdin went through a temporary file (several passes, bounded memory), gone with the command.
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('.dnarchive-stdin.') && n.includes(`-${process.pid}.`))).toEqual([]);
  });

  it('simulate reads a gzip pool, raw decode a gzip stream', async () => {
    const gzPool = join(dir, 'pool.fasta.gz');
    writeFileSync(gzPool, gzipSync(readFileSync(pool)));
    const a = join(dir, 'a.fastq');
    const b = join(dir, 'b.fastq');
    expect((await run(['simulate', pool, '-o', a, '--seed', '4'])).code).toBe(0);
    expect((await run(['simulate', gzPool, '-o', b, '--seed', '4'])).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);

    const raw = join(dir, 'raw.fasta');
    expect((await run(['raw', 'encode', input, '-o', raw])).code).toBe(0);
    writeFileSync(`${raw}.gz`, gzipSync(readFileSync(raw)));
    expect((await run(['raw', 'decode', `${raw}.gz`, '-o', join(dir, 'raw.bin')])).code).toBe(0);
    expect(readFileSync(join(dir, 'raw.bin')).equals(readFileSync(input))).toBe(true);
  });

  it('a truncated or damaged .gz is one line naming the file, and no output', async () => {
    const whole = gzipSync(readFileSync(reads));
    const truncated = join(dir, 'truncated.fastq.gz');
    writeFileSync(truncated, whole.subarray(0, whole.length >> 1));
    const out = join(dir, 'never.bin');
    expectOneLineError(await run(['decode', truncated, '-o', out]), /truncated\.fastq\.gz: not valid gzip data .*damaged or truncated/);
    const damaged = join(dir, 'damaged.fastq.gz');
    const bad = Buffer.from(whole);
    bad.fill(0xff, 20, 60);
    writeFileSync(damaged, bad);
    expectOneLineError(await run(['decode', damaged, '-o', out]), /damaged\.fastq\.gz: not valid gzip data/);
    expect(existsSync(out)).toBe(false);
    const notReads = join(dir, 'photo.gz');
    writeFileSync(notReads, gzipSync(Buffer.from('\x89PNG\r\n')));
    expectOneLineError(await run(['decode', notReads, '-o', out]), /photo\.gz:1: not FASTA or FASTQ \(nor gzip of them\)/);
  });
});
