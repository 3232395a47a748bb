/**
 * The consensus pass in bounded memory: when more reads would enter it than one arena holds
 * (PARTITION_READS), they are spread over partitions by their two smallest canonical 12-mer
 * hashes (a read goes to the partitions of both), written to one temporary file, and clustered a
 * partition at a time. The reads of one strand share its smallest k-mers, so they meet in the
 * same partitions: a read loses its strand's partitions only when errors break both of its two
 * smallest k-mers (a few per cent of damaged reads at Illumina-like rates). A read that joins a
 * group in one partition is not used again in its other (so it backs one strand, once).
 *
 * The file holds blocks of records appended as each partition's buffer fills (a log, as
 * spill-store.ts does for strands); it is unlinked as soon as it is open where the OS allows, so
 * nothing is left behind even if the process is killed. A record: u32 read id, i32 anchor key (-1
 * for a read), u16 length, u8 has-qualities, the symbols, then the Phred values if any.
 */
import { closeSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTempPath, releaseTemp } from '../temp-files.js';

/**
 * Reads one arena holds before the pass partitions them: ~500 MB of arena and signatures. Not
 * less: at nanopore-like rates (6 % errors) a 12-mer survives in half the reads, so both smallest
 * k-mers break in about a quarter, and partitioning lost 8 % of the strands of a 1 MiB pool read
 * at coverage 30 (1.05 M reads) — beyond the default parity.
 */
export const PARTITION_READS = 2_000_000;
const BUFFER_BYTES = 1 << 16;
const HEADER = 11;

export interface PartitionItem {
  id: number;
  /** The recovered strand's key for an anchor, -1 for a read. */
  anchorKey: number;
  word: Uint8Array;
  qual: Uint8Array | undefined;
}

/** Partitions for `reads` reads: enough that each holds about PARTITION_READS (each read is in two). */
export function partitionCount(reads: number): number {
  return reads <= PARTITION_READS ? 1 : Math.ceil((2 * reads) / PARTITION_READS);
}

export class ReadPartitions {
  private readonly fd: number;
  private readonly path: string;
  private unlinked = false;
  private end = 0;
  private readonly buffers: Buffer[];
  private readonly filled: Int32Array;
  /** Per partition, [offset, length] of each block written, back to back. */
  private readonly blocks: number[][];

  constructor(
    readonly parts: number,
    dir = tmpdir(),
  ) {
    this.path = createTempPath(join(dir, 'dnarchive-reads'));
    this.fd = openSync(this.path, 'w+');
    try {
      unlinkSync(this.path);
      this.unlinked = true;
      releaseTemp(this.path);
    } catch {
      // Windows cannot unlink an open file: close() removes it.
    }
    this.buffers = Array.from({ length: parts }, () => Buffer.allocUnsafe(BUFFER_BYTES));
    this.filled = new Int32Array(parts);
    this.blocks = Array.from({ length: parts }, () => []);
  }

  add(part: number, id: number, anchorKey: number, word: Uint8Array, qual?: Uint8Array): void {
    const n = word.length;
    const size = HEADER + n + (qual ? n : 0);
    if (this.filled[part] + size > BUFFER_BYTES) this.flush(part);
    let buf = this.buffers[part];
    if (size > buf.length) buf = this.buffers[part] = Buffer.allocUnsafe(size);
    let at = this.filled[part];
    buf.writeUInt32LE(id, at);
    buf.writeInt32LE(anchorKey, at + 4);
    buf.writeUInt16LE(n, at + 8);
    buf[at + 10] = qual ? 1 : 0;
    at += HEADER;
    buf.set(word, at);
    at += n;
    if (qual) {
      buf.set(qual.subarray(0, n), at);
      at += n;
    }
    this.filled[part] = at;
  }

  private flush(part: number): void {
    const n = this.filled[part];
    if (n === 0) return;
    writeSync(this.fd, this.buffers[part], 0, n, this.end);
    this.blocks[part].push(this.end, n);
    this.end += n;
    this.filled[part] = 0;
  }

  /** The records of one partition, in the order added (views valid until the next item). */
  *items(part: number): Generator<PartitionItem> {
    this.flush(part);
    const list = this.blocks[part];
    for (let b = 0; b < list.length; b += 2) {
      const buf = Buffer.allocUnsafe(list[b + 1]);
      readSync(this.fd, buf, 0, buf.length, list[b]);
      for (let at = 0; at < buf.length;) {
        const id = buf.readUInt32LE(at);
        const anchorKey = buf.readInt32LE(at + 4);
        const n = buf.readUInt16LE(at + 8);
        const hasQual = buf[at + 10] === 1;
        at += HEADER;
        const word = buf.subarray(at, at + n);
        at += n;
        const qual = hasQual ? buf.subarray(at, at + n) : undefined;
        if (hasQual) at += n;
        yield { id, anchorKey, word, qual };
      }
    }
  }

  close(): void {
    closeSync(this.fd);
    if (!this.unlinked) {
      rmSync(this.path, { force: true });
      releaseTemp(this.path);
    }
  }
}
