/**
 * Running the CLI from tests: in-process through `run(argv, io)` (no build, no child process), or
 * as the built bin (dist/cli/main.js, `npm run build` first) where a test needs a real process.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { expect } from 'vitest';
import type { CliIo } from '../cli/io.js';
import { run } from '../cli/program.js';

const CLI = resolve(__dirname, '../dist/cli/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  raw: Buffer;
}

/** A Writable that keeps what it was given. */
class Sink extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    done();
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Runs `dnarchive args` in this process; `env` is set for the run's duration and restored after. */
export async function runCli(args: string[], input?: string | Buffer, env?: Record<string, string>): Promise<CliResult> {
  const stdout = new Sink();
  const stderr = new Sink();
  const io: CliIo = {
    stdin: Readable.from(input === undefined ? [] : [Buffer.from(input)]),
    stdout,
    stderr,
    writeStdoutSync: (bytes) => void stdout.chunks.push(Buffer.from(bytes)),
    exitCode: 0,
  };
  const saved = Object.fromEntries(Object.keys(env ?? {}).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const code = await run(args, io);
    const raw = stdout.bytes();
    return { code, stdout: raw.toString('utf8'), stderr: stderr.bytes().toString('utf8'), raw };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Runs the built bin in a child process: for what only a process shows (stdout pipes, signals, the bin itself). */
export function spawnCli(args: string[], input?: string | Buffer, env?: NodeJS.ProcessEnv): CliResult {
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
