/**
 * A payload read from a file in pieces: one streaming pass for the SHA-256 (the manifest and the
 * pool id need it before the first strand), then random-access reads of one Reed–Solomon block at
 * a time. Memory stays at one block, whatever the file size.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { PayloadSource } from './encode.js';

export class FileSource implements PayloadSource {
  readonly bytes: number;
  readonly sha256: string;
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.bytes = fstatSync(this.fd).size;
    const hash = createHash('sha256');
    const buf = new Uint8Array(1 << 20);
    for (let at = 0; at < this.bytes;) {
      const n = readSync(this.fd, buf, 0, buf.length, at);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      at += n;
    }
    this.sha256 = hash.digest('hex');
  }

  read(offset: number, out: Uint8Array): void {
    out.fill(0);
    let done = 0;
    while (done < out.length && offset + done < this.bytes) {
      const n = readSync(this.fd, out, done, out.length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
