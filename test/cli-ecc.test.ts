/** The ecc commands and --ecc encode/decode, as a user meets them. */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResidueCode } from '../src/ecc/index.js';
import { runCli } from './_cli.js';

const cache = mkdtempSync(join(tmpdir(), 'dnarchive-cache-'));

const run = (args: string[]) => runCli(args, undefined, { DNARCHIVE_CACHE_DIR: cache });

describe('dnarchive ecc', () => {
  it('info reports the table the library builds', async () => {
    const r = await run(['ecc', 'info', '--ell', '2', '--length', '10', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const rc = new ResidueCode(10, 2, { cacheDir: false });
    expect(j.R).toBe(rc.table.R);
    expect(j.R % 2).toBe(1);
    expect(j.differences).toBe(rc.table.differences);
    expect(j.messageBitsPerCodeword).toBe(rc.messageBits);
    expect(j.bitsLostToR).toBe(rc.code.bits - 1 - rc.messageBits);
    expect(j.tableBuildMs).toBeGreaterThanOrEqual(0);
    const m2 = JSON.parse((await run(['ecc', 'info', '--ell', '2', '--length', '10', '--margin', '2', '--json'])).stdout);
    expect(m2.R).toBeGreaterThanOrEqual(2 * j.R);
  });

  it('trial counts add up, never answer wrong for two substitutions, and repeat with the same seed', async () => {
    const args = ['ecc', 'trial', '--ell', '3', '--length', '16', '--errors', '2', '--trials', '400', '--seed', '1', '--json'];
    const a = JSON.parse((await run(args)).stdout);
    const b = JSON.parse((await run(args)).stdout);
    expect(a.uniqueCorrect + a.ambiguous + a.empty + a.wrong).toBe(400);
    expect(a.wrong).toBe(0);
    expect(a.sentListed).toBe(400);
    expect(a.uniqueCorrect).toBeGreaterThan(0.9 * 400);
    delete a.seconds;
    delete b.seconds;
    expect(b).toEqual(a);
    const c = JSON.parse((await run([...args.slice(0, -3), '--seed', '2', '--json'])).stdout);
    expect(c.uniqueCorrect + c.ambiguous).toBe(400);
  });

  it('rejects bad options with one line', async () => {
    for (const [args, pattern] of [
      [['ecc', 'info', '--ell', '3', '--length', '16', '--margin', '0.5'], /--margin must be at least 1/],
      [['ecc', 'trial', '--ell', '3', '--length', '16', '--errors', '17'], /--errors must be at most 16/],
      [['ecc', 'info', '--ell', '3', '--length', '1'], /too small for residue coding/],
      [['encode', '-', '-o', '-', '--ecc', 'hamming'], /--ecc/],
    ] as const) {
      const r = await run([...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('encode/decode --ecc residue', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnarchive-ecc-'));

  it('corrects one substitution in every strand and reports it', async () => {
    const data = Buffer.alloc(2000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 97 + 13) & 255;
    const inp = join(dir, 'in.bin');
    writeFileSync(inp, data);
    const fa = join(dir, 'pool.fasta');
    expect((await run(['raw', 'encode', inp, '-o', fa, '--ecc', 'residue', '--length', '32'])).code).toBe(0);
    const lines = readFileSync(fa, 'utf8').split('\n');
    expect(lines[0]).toMatch(/ ecc=residue margin=1$/);
    for (let i = 1; i < lines.length; i += 2) {
      if (!lines[i]) continue;
      const p = (i * 31) % lines[i].length;
      lines[i] = lines[i].slice(0, p) + (lines[i][p] === 'T' ? 'C' : 'T') + lines[i].slice(p + 1);
    }
    const bad = join(dir, 'damaged.fasta');
    writeFileSync(bad, lines.join('\n'));
    const out = join(dir, 'out.bin');
    const r = await run(['raw', 'decode', bad, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\d+ codeword\(s\) corrected/);
    expect(readFileSync(out).equals(data)).toBe(true);
  });

  it('names strand and codeword when a codeword cannot be corrected, and writes nothing', async () => {
    const inp = join(dir, 'small.bin');
    writeFileSync(inp, 'a small file to damage beyond repair');
    const fa = join(dir, 'small.fasta');
    await run(['raw', 'encode', inp, '-o', fa, '--ecc', 'residue', '--length', '32']);
    const lines = readFileSync(fa, 'utf8').split('\n');
    // Overwrite the first 12 symbols of strand 0: far more than two substitutions.
    const seq = lines[1];
    lines[1] = [...seq.slice(0, 12)].map((c) => ({ A: 'T', T: 'G', G: 'C', C: 'A' })[c as 'A']).join('') + seq.slice(12);
    const bad = join(dir, 'small-bad.fasta');
    writeFileSync(bad, lines.join('\n'));
    const out = join(dir, 'small.out');
    const r = await run(['raw', 'decode', bad, '-o', out]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/small-bad\.fasta: (cannot decode: strand 0, codeword 0: cannot correct|decoded .* SHA-256 does not match)/);
    expect(existsSync(out)).toBe(false);
  });
});
