/**
 * `dnarchive archive` / `restore` on stories260K through the built CLI (dist/cli/main.js; run
 * `npm run build` first): archive ≡ quantize + encode and restore ≡ decode + dequantize, byte for
 * byte, through a noisy channel; bad input is one line, a non-zero exit and no output file.
 *
 * One round trip only, with RTN, one uniform width and 64 calibration tokens per story: the
 * quantizer's own quality is tested elsewhere, here only the plumbing matters.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectOneLineError, runCli as run } from './_cli.js';
import { MODEL, TEXT } from './_fixtures.js';
import { Rng } from '../src/random.js';

const dir = mkdtempSync(join(tmpdir(), 'dnarchive-archive-cli-'));
const QUANT = ['--calib', TEXT, '--bits', '3', '--method', 'rtn', '--uniform', '--calib-tokens', '64'];
const pool = join(dir, 'model.fasta');

const same = (a: string, b: string): boolean => readFileSync(a).equals(readFileSync(b));
const noTemporaries = (): void => expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

describe('dnarchive archive → simulate → restore', () => {
  it('restores, through Illumina-like reads, the checkpoint that quantize + dequantize give', async () => {
    const a = await run(['archive', MODEL, '-o', pool, ...QUANT, '--fixed', '--json']);
    expect(a.code, a.stderr).toBe(0);
    const summary = JSON.parse(a.stdout) as { quantize: { bitsPerWeight: number; bytes: number }; pool: { bytes: number; strands: number } };
    expect(summary.quantize.bitsPerWeight).toBeLessThanOrEqual(3);
    expect(summary.pool.bytes).toBe(summary.quantize.bytes);

    // The same .dnq as `quantize`, and the same pool as `encode` of it.
    const dnq = join(dir, 'model.dnq');
    expect((await run(['quantize', MODEL, '-o', dnq, ...QUANT])).code).toBe(0);
    expect(readFileSync(dnq).length).toBe(summary.quantize.bytes);
    const encoded = join(dir, 'encoded.fasta');
    expect((await run(['encode', dnq, '-o', encoded])).code).toBe(0);
    expect(same(encoded, pool)).toBe(true);

    const reads = join(dir, 'reads.fastq');
    const sim = await run(['simulate', pool, '-o', reads, '--preset', 'illumina', '--coverage', '8', '--dropout', '0.02', '--seed', '5']);
    expect(sim.code, sim.stderr).toBe(0);
    const restored = join(dir, 'restored.bin');
    const r = await run(['restore', reads, '-o', restored, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).erasures).toBeGreaterThan(0); // the channel did lose strands

    const dequantized = join(dir, 'dequantized.bin');
    expect((await run(['dequantize', dnq, '-o', dequantized])).code).toBe(0);
    expect(same(restored, dequantized)).toBe(true);

    // --dnq gives the container itself (here from the clean pool, which decodes quickly).
    const container = join(dir, 'restored.dnq');
    expect((await run(['restore', pool, '-o', container, '--dnq'])).code).toBe(0);
    expect(same(container, dnq)).toBe(true);
    noTemporaries();
  }, 300_000);
});

describe('archive mode by default', () => {
  it('archive with no mode option entropy-codes: the container `quantize --entropy` gives', async () => {
    const opts = ['--calib', TEXT, '--bits', '3', '--calib-tokens', '64'];
    const out = join(dir, 'default.fasta');
    const a = await run(['archive', MODEL, '-o', out, ...opts, '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).quantize.method).toBe('gptq+ecsq');
    const dnq = join(dir, 'entropy.dnq');
    expect((await run(['quantize', MODEL, '-o', dnq, ...opts, '--entropy'])).code).toBe(0);
    const container = join(dir, 'default.dnq');
    expect((await run(['restore', out, '-o', container, '--dnq'])).code).toBe(0);
    expect(same(container, dnq)).toBe(true);
  }, 300_000);
});

describe('archive / restore bad input: one line, non-zero exit, no output', () => {
  it('restore of a pool that holds some other file says so and points to decode', async () => {
    const rng = new Rng(11);
    const other = join(dir, 'notes.bin');
    writeFileSync(
      other,
      Uint8Array.from({ length: 3000 }, () => rng.below(256)),
    );
    const otherPool = join(dir, 'notes.fasta');
    expect((await run(['encode', other, '-o', otherPool])).code).toBe(0);
    const out = join(dir, 'notes.out');
    expectOneLineError(
      await run(['restore', otherPool, '-o', out]),
      /notes\.fasta: the pool holds a 3000-byte file that is not a \.dnq model container.*dnarchive decode/,
    );
    expect(existsSync(out)).toBe(false);
    expectOneLineError(await run(['restore', otherPool, '-o', out, '--dnq']), /not a \.dnq model container/);
    expect(existsSync(out)).toBe(false);
    noTemporaries();
  }, 120_000);

  it('an existing output without --force is refused before any work, and left as it was', async () => {
    const taken = join(dir, 'taken.out');
    writeFileSync(taken, 'keep me');
    expectOneLineError(await run(['archive', MODEL, '-o', taken, ...QUANT, '--fixed']), /taken\.out: output file already exists; pass --force/);
    expectOneLineError(await run(['restore', '/nonexistent/reads.fastq', '-o', taken]), /taken\.out: output file already exists; pass --force/);
    expect(readFileSync(taken, 'utf8')).toBe('keep me');
  });

  it('missing files and bad options name the file or option', async () => {
    const out = join(dir, 'never.out');
    expectOneLineError(await run(['archive', '/nonexistent/model.bin', '-o', out, ...QUANT, '--fixed']), /\/nonexistent\/model\.bin: no such file/);
    expectOneLineError(
      await run(['archive', MODEL, '-o', out, ...QUANT]),
      /--uniform: applies to fixed-width codes: archive entropy-codes by default.*add --fixed/,
    );
    expectOneLineError(await run(['archive', MODEL, '-o', out, '--calib', TEXT, '--fixed', '--entropy']), /--fixed: and --entropy ask for different codes/);
    expectOneLineError(await run(['archive', MODEL, '-o', out, ...QUANT.slice(0, 2), '--calib-tokens', 'few']), /--calib-tokens must be a whole number/);
    expectOneLineError(await run(['archive', MODEL, '-o', out, ...QUANT, '--fixed', '--ell', '9']), /--ell must be at most 3/);
    expectOneLineError(await run(['archive', MODEL, '-o', out, '--calib', '/nonexistent/stories.txt']), /\/nonexistent\/stories\.txt: no such file/);
    expectOneLineError(await run(['restore', '/nonexistent/reads.fastq', '-o', out]), /\/nonexistent\/reads\.fastq: no such file/);
    expect(existsSync(out)).toBe(false);
    noTemporaries();
  });
});
