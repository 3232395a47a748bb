/**
 * The bin as a process (dist/cli/main.js; `npm run build` first): what only a process shows — a
 * closed stdout pipe, SIGINT and SIGTERM in the middle of a run, kill -9 followed by another run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/random.js';

const CLI = resolve(__dirname, '../dist/cli/main.js');

function input(dir: string, bytes: number): string {
  const data = new Uint8Array(bytes);
  const rng = new Rng(9);
  for (let i = 0; i < bytes; i++) data[i] = rng.below(256);
  const path = join(dir, 'in.bin');
  writeFileSync(path, data);
  return path;
}

/** Starts `encode` into dir/out.fasta, waits until its temporary file exists, then sends `signal`. */
async function interrupt(dir: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'encode', input(dir, 3_000_000), '-o', join(dir, 'out.fasta')]);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  for (let i = 0; i < 600 && !readdirSync(dir).some((n) => n.endsWith('.tmp')); i++) await new Promise((r) => setTimeout(r, 25));
  expect(readdirSync(dir).some((n) => n.endsWith('.tmp'))).toBe(true);
  child.kill(signal);
  return new Promise((res) => child.on('close', (code, sig) => res({ code, signal: sig, stderr })));
}

describe('dnarchive as a process', () => {
  it('encode -o - into a pipe closed early (| head): exit 141, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnarchive-proc-'));
    const r = spawnSync(
      'sh',
      ['-c', `"${process.execPath}" "${CLI}" encode "${input(dir, 1_000_000)}" -o - | head -c 100 >/dev/null; echo "\${PIPESTATUS:-}"`],
      {
        encoding: 'utf8',
      },
    );
    const p = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" "${CLI}" encode "${join(dir, 'in.bin')}" -o - | head -c 100 >/dev/null; echo \${PIPESTATUS[0]}`],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr + p.stderr).not.toMatch(/at |Error/);
    expect(p.stdout.trim()).toBe('141');
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} during encode: exit ${code}, the temporary output removed, no output`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dnarchive-proc-'));
      const r = await interrupt(dir, signal);
      expect(r.code).toBe(code);
      expect(readdirSync(dir)).toEqual(['in.bin']);
    });
  }

  it('kill -9 leaves a temporary file that the next run into the folder removes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnarchive-proc-'));
    const r = await interrupt(dir, 'SIGKILL');
    expect(r.signal).toBe('SIGKILL');
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toHaveLength(1);
    const next = spawnSync(process.execPath, [CLI, 'encode', join(dir, 'in.bin'), '-o', join(dir, 'again.fasta')], { encoding: 'utf8' });
    expect(next.status, next.stderr).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['again.fasta', 'in.bin']);
  });
});
