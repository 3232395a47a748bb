/** Reading inputs and writing outputs for the CLI: '-' is stdin/stdout, files are written atomically. */
import { writeSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { checkOutputPath, writeFileAtomic } from '../src/pack/atomic-file.js';
import { createTempPath } from '../src/pack/temp-files.js';
import { DnarchiveError } from '../src/errors.js';

/**
 * The streams a command reads and writes, and its exit code: the process's own in the bin, buffers
 * in tests (the program runs in-process, without a child process or a build).
 */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable & { isTTY?: boolean };
  readonly stderr: Writable & { isTTY?: boolean };
  /**
   * Writes all of `bytes` to stdout before returning — for producers that hand over a reused
   * buffer block by block (the pool decoder).
   */
  writeStdoutSync(bytes: Uint8Array): void;
  /** Set by a command that finished but failed its own check (demo, verify); 0 otherwise. */
  exitCode: number;
}

/** The process's streams: what `dnarchive` itself runs with. */
export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, writeStdoutSync: writeFdSync, exitCode: 0 };
}

export class InputError extends DnarchiveError {
  constructor(path: string, detail: string) {
    super('INPUT', `${path}: ${detail}`);
  }
}

/** The whole input; with maxBytes, only checks that it can be read (and reads at most that much). */
export async function readInput(io: CliIo, path: string, maxBytes?: number): Promise<Uint8Array> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const c of io.stdin) chunks.push(c as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  }
  try {
    if (maxBytes !== undefined) {
      const fh = await open(path, 'r');
      try {
        const buf = new Uint8Array(maxBytes);
        const { bytesRead } = await fh.read(buf, 0, maxBytes, 0);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    }
    return new Uint8Array(await readFile(path));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new InputError(path, 'no such file');
    if (e.code === 'EISDIR') throw new InputError(path, 'is a directory, not a file');
    if (e.code === 'EACCES') throw new InputError(path, 'permission denied');
    throw new InputError(path, e.message);
  }
}

/**
 * Fails early, before minutes of work, when the output exists and --force was not given (the
 * atomic writer checks again at the end).
 */
export function refuseExisting(path: string, force: boolean): void {
  if (path !== '-') checkOutputPath(path, force);
}

export async function writeOutput(io: CliIo, path: string, data: Uint8Array | string, force: boolean): Promise<void> {
  if (path === '-') {
    await new Promise<void>((resolve, reject) => io.stdout.write(data, (e) => (e ? reject(e) : resolve())));
    return;
  }
  await writeFileAtomic(path, data, force);
}

export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}

/** One millisecond's sleep on the calling thread (a waiting writer has nothing else to do). */
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `bytes` to file descriptor 1 now, synchronously. A pipe whose reader is behind
 * answers EAGAIN; the write is retried until it drains, so memory stays one block, whatever the
 * reader's pace.
 */
function writeFdSync(bytes: Uint8Array): void {
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(1, bytes, at, bytes.length - at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/**
 * Stdin copied to a temporary file, for commands that read their input in several passes (decode,
 * encode): memory stays one chunk whatever the input size. The file is a live temporary file
 * (src/pack/temp-files.ts): removed when the command ends, on a signal, or by the next run.
 */
export async function spoolStdin(io: CliIo): Promise<string> {
  const path = createTempPath(join(tmpdir(), 'dnarchive-stdin'));
  await pipeline(io.stdin, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  return path;
}
