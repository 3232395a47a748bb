/** Running the built CLI from tests: exit code, stdout, stderr; and the one-line-error check. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'vitest';

const CLI = resolve(__dirname, '../dist/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  raw: Buffer;
}

export function runCli(args: string[], input?: string | Buffer, env?: NodeJS.ProcessEnv): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'buffer', timeout: 120_000, env: env ? { ...process.env, ...env } : process.env });
  return { code: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), raw: r.stdout };
}

/** A failure a user can act on: non-zero exit, one line on stderr matching `pattern`, no stack trace. */
export function expectOneLineError(r: CliResult, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}
