/**
 * Output files appear whole or not at all: data goes to a temporary file beside the target,
 * which is renamed over it only after everything was written and flushed.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { OutputExistsError, OutputPathError } from './errors.js';
import { createTempPath, releaseTemp } from './temp-files.js';

/**
 * Refuses, before any work, an output that could not be written at the end: an existing file
 * without `force`, a directory, a folder that does not exist or is not a folder.
 */
export function checkOutputPath(path: string, force: boolean): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) throw new OutputPathError(path, 'is a directory: give a file name');
  if (st && !force) throw new OutputExistsError(path);
  const dir = dirname(path);
  let d;
  try {
    d = statSync(dir);
  } catch {
    throw new OutputPathError(path, `the folder ${dir} does not exist`);
  }
  if (!d.isDirectory()) throw new OutputPathError(path, `${dir} is not a folder`);
}

export async function writeFileAtomic(path: string, data: Uint8Array | string, force = false): Promise<void> {
  checkOutputPath(path, force);
  const tmp = createTempPath(path);
  let fh;
  try {
    fh = await open(tmp, 'wx');
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
    releaseTemp(tmp);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    releaseTemp(tmp);
    throw err;
  }
}

/**
 * Streaming counterpart of writeFileAtomic for outputs too large to hold: text is buffered and
 * written to the temporary file in large pieces, bytes are written as they come (after any text
 * before them); commit() flushes, syncs and renames; abort() (or any failure before commit)
 * removes the temporary file, so the target never appears half written.
 */
export class AtomicWriter {
  private readonly tmp: string;
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingBytes = 0;

  constructor(
    readonly path: string,
    force = false,
  ) {
    checkOutputPath(path, force);
    this.tmp = createTempPath(path);
    try {
      this.fd = openSync(this.tmp, 'wx');
    } catch (err) {
      releaseTemp(this.tmp);
      throw err;
    }
  }

  write(data: string | Uint8Array): void {
    if (typeof data !== 'string') {
      this.flush();
      if (this.fd === undefined) throw new Error(`${this.path}: write after commit or abort`);
      for (let done = 0; done < data.length;) done += writeSync(this.fd, data, done, data.length - done);
      return;
    }
    this.pending.push(data);
    this.pendingBytes += data.length;
    if (this.pendingBytes >= 1 << 20) this.flush();
  }

  private flush(): void {
    if (this.fd === undefined || this.pending.length === 0) return;
    writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }

  commit(): void {
    try {
      this.flush();
      fsyncSync(this.fd!);
      closeSync(this.fd!);
      this.fd = undefined;
      renameSync(this.tmp, this.path);
      releaseTemp(this.tmp);
    } catch (err) {
      this.abort();
      throw err;
    }
  }

  abort(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
    rmSync(this.tmp, { force: true });
    releaseTemp(this.tmp);
  }
}
