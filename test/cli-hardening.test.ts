/**
 * Careless use, answered before any work with one line and an exit code that says what happened:
 * 2 for input the command cannot take, 3 when the reads were read but the data could not be
 * recovered; with --json, the failure as a JSON object on stdout too.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random.js';
import { expectOneLineError, runCli as run } from './_cli.js';
import { MODEL, TEXT } from './_fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'dnarchive-hardening-'));
const rng = new Rng(8);
const input = join(dir, 'in.bin');
writeFileSync(
  input,
  Uint8Array.from({ length: 3000 }, () => rng.below(256)),
);

describe('outputs that could not be written are refused first', () => {
  it('-o a directory (even with --force), -o in a missing folder: one line naming the path, exit 2', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    for (const args of [
      ['encode', input, '-o', folder, '--force'],
      ['quantize', MODEL, '--calib', TEXT, '-o', folder, '--force'],
    ]) {
      const r = await run(args);
      expectOneLineError(r, /folder: is a directory: give a file name/);
      expect(r.code).toBe(2);
    }
    expectOneLineError(await run(['encode', input, '-o', join(dir, 'missing', 'x.fasta')]), /x\.fasta: the folder .*missing does not exist/);
  });

  it('a number out of range is named as out of range, not as not a number', async () => {
    expectOneLineError(await run(['encode', input, '-o', join(dir, 'r.fasta'), '--redundancy', '1e9']), /--redundancy must be at most 4/);
    expect((await run(['encode', input, '-o', join(dir, 'r.fasta'), '--redundancy', '2.5e-1'])).code).toBe(0);
  });
});

describe('data that could not be recovered', () => {
  it('exit 3, and with --json an error object on stdout', async () => {
    const pool = join(dir, 'pool.fasta');
    expect((await run(['encode', input, '-o', pool, '--force'])).code).toBe(0);
    const lines = readFileSync(pool, 'utf8').trim().split('\n');
    const kept: string[] = [];
    for (let i = 0; i < lines.length; i += 2) if (lines[i].includes(':h') || (i / 2) % 3 !== 0) kept.push(lines[i], lines[i + 1]);
    const lossy = join(dir, 'lossy.fasta');
    writeFileSync(lossy, `${kept.join('\n')}\n`);
    const r = await run(['decode', lossy, '-o', join(dir, 'out.bin'), '--json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/lossy\.fasta: .*strands recovered/);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'DECODE_INCOMPLETE', exitCode: 3 });
  });
});

describe('input files', () => {
  it('a UTF-8 byte-order mark is ignored; binary is shown as escapes; a .dnq given to quantize is named as one', async () => {
    const pool = join(dir, 'bom-pool.fasta');
    expect((await run(['encode', input, '-o', pool])).code).toBe(0);
    const bom = join(dir, 'bom.fasta');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(pool)]));
    expect((await run(['decode', bom, '-o', join(dir, 'bom.bin')])).code).toBe(0);
    const binary = join(dir, 'photo.png');
    writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x01]));
    expectOneLineError(await run(['decode', binary, '-o', join(dir, 'x.bin')]), /photo\.png:1: not FASTA or FASTQ .*found "\\ufffdPNG"/);
    const dnq = join(dir, 'model.dnq');
    writeFileSync(dnq, Buffer.from('DNQ1 and then the rest of a container'));
    expectOneLineError(await run(['quantize', dnq, '--calib', TEXT, '-o', join(dir, 'q.dnq')]), /model\.dnq: a \.dnq container, not a float model/);
  });
});
