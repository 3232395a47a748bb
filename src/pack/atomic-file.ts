/**
 * Output files appear whole or not at all: data goes to a temporary file beside the target,
 * which is renamed over it only after everything was written and flushed.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { OutputExistsError } from './errors.js';
import { createTempPath, releaseTemp } from './temp-files.js';

export async function writeFileAtomic(path: string, data: Uint8Array | string, force = false): Promise<void> {
  if (!force && existsSync(path)) throw new OutputExistsError(path);
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
    if (!force && existsSync(path)) throw new OutputExistsError(path);
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
