/** `dnarchive simulate` end to end through the built CLI (dist/cli/main.js; `npm run build` first). */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReads } from '../../src/pack/index.js';
import { Rng } from '../../src/random.js';
import { expectOneLineError, runCli as run } from '../_cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dnarchive-simulate-cli-'));
const rng = new Rng(31);
const strands = Array.from({ length: 400 }, () => Array.from({ length: 110 }, () => 'ACGT'[rng.below(4)]).join(''));
const pool = join(dir, 'pool.fasta');
// Arbitrary record names and a wrapped record: the simulator only needs sequences.
writeFileSync(pool, strands.map((s, i) => (i === 7 ? `>odd name ${i}\n${s.slice(0, 50)}\n${s.slice(50)}\n` : `>s${i}\n${s}\n`)).join(''));
const args = (out: string, ...more: string[]) => ['simulate', pool, '-o', out, '--coverage', '6', '--dropout', '0.1', '--seed', '5', ...more];
const noTemps = () => expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

describe('dnarchive simulate', () => {
  it('writes FASTQ reads byte-identically for the same seed, with a matching JSON summary', async () => {
    const a = join(dir, 'a.fastq');
    const r = await run(args(a, '--json'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const { config, summary } = JSON.parse(r.stdout);
    expect(config).toMatchObject({ preset: 'illumina', coverage: 6, dropout: 0.1, seed: 5, sub: 4.8e-3, quality: 19 });
    expect(summary.strands).toBe(400);
    expect(summary.generated).toBe(summary.reads);
    const text = readFileSync(a, 'latin1');
    const records = parseReads(text, a);
    expect(records.length).toBe(summary.reads);
    expect(Math.abs(summary.reads / (400 - summary.dropped) - 6)).toBeLessThan(1);
    expect(text.split('\n')[3]).toMatch(/^4+$/); // Phred 19 is '4' (33 + 19)
  });

  it('same seed → same bytes; another seed → other reads; stdin/stdout gives the same reads', async () => {
    const a = join(dir, 'b1.fastq');
    const b = join(dir, 'b2.fastq');
    expect((await run(args(a))).code).toBe(0);
    expect((await run(args(b))).code).toBe(0);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    const c = join(dir, 'b3.fastq');
    expect((await run([...args(c).slice(0, -1), '6'])).code).toBe(0);
    expect(readFileSync(c).equals(readFileSync(a))).toBe(false);
    const piped = await run(['simulate', '-', '-o', '-', '--coverage', '6', '--dropout', '0.1', '--seed', '5'], readFileSync(pool));
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.raw.equals(readFileSync(a))).toBe(true);
    expect(piped.stderr).toMatch(/^simulated \d+ reads from 400 strands \(\d+ dropped.*→ stdout\n$/);
  });

  it('--fasta writes FASTA; the ideal preset returns every strand exactly once', async () => {
    const out = join(dir, 'ideal.fasta');
    const r = await run(['simulate', pool, '-o', out, '--preset', 'ideal', '--rc', '0', '--fasta']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/simulated 400 reads from 400 strands \(0 dropped, 0 with no read;/);
    const text = readFileSync(out, 'latin1');
    expect(text.startsWith('>read1\n')).toBe(true);
    const reads = text
      .trimEnd()
      .split('\n')
      .filter((l) => !l.startsWith('>'));
    expect(reads.sort()).toEqual([...strands].sort());
  });

  it('refuses an existing output unless --force, and leaves no temporary files', async () => {
    const out = join(dir, 'exists.fastq');
    writeFileSync(out, 'keep');
    expectOneLineError(await run(args(out)), /exists\.fastq: output file already exists; pass --force/);
    expect(readFileSync(out, 'utf8')).toBe('keep');
    expect((await run(args(out, '--force'))).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^@read1\n/);
    noTemps();
  });

  it('bad options and inputs: one line naming the option or file, no output', async () => {
    const out = join(dir, 'never.fastq');
    const cases: [string[], RegExp][] = [
      [args(out, '--sub', '1.5'), /--sub must be below 1 \(got 1.5\)/],
      [args(out, '--del', 'lots'), /--del must be a non-negative number \(got lots\)/],
      [args(out, '--coverage', '0'), /--coverage must be above 0/],
      [args(out, '--rc', '2'), /--rc must be at most 1/],
      [args(out, '--seed', '1.5'), /--seed must be a whole number/],
      [args(out, '--preset', 'sanger'), /--preset must be one of illumina, twist, iseq, nanopore, ideal/],
      [args(out, '--sampling', 'fixed'), /--sampling must be poisson or exact/],
      [args(out, '--sub', '0.6', '--del', '0.5'), /sub \+ ins \+ del: must add up to below 1/],
      [['simulate', pool, '-o', '-', '--json'], /--json: prints to stdout/],
      [['simulate', join(dir, 'missing.fa'), '-o', out], /missing\.fa: no such file/],
    ];
    for (const [a, re] of cases) expectOneLineError(await run(a), re);
    const bad = join(dir, 'bad.fasta');
    writeFileSync(bad, '>a\nACGT\n>b\nACNT\n');
    expectOneLineError(await run(['simulate', bad, '-o', out]), /bad\.fasta:4: invalid nucleotide "N" at column 3/);
    const empty = join(dir, 'empty.fasta');
    writeFileSync(empty, '');
    expectOneLineError(await run(['simulate', empty, '-o', out]), /empty\.fasta: the file is empty/);
    expect(existsSync(out)).toBe(false);
    noTemps();
  });
});
