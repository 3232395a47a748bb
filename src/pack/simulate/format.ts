/**
 * Simulated reads as FASTQ or FASTA text, assembled as bytes in one reused buffer and handed out
 * in ~1 MiB chunks: no string per read, memory independent of the number of reads. Records are
 * named read1, read2, … in output order (names say nothing about the source strand).
 */
import { AtomicWriter } from '../atomic-file.js';
import type { Channel } from './channel.js';

export type ReadFormat = 'fastq' | 'fasta';

export interface ReadChunk {
  /** Records text; valid only until the next chunk is requested. */
  bytes: Buffer;
  /** Reads written so far, this chunk included. */
  reads: number;
}

const AT = 0x40;
const GT = 0x3e;
const NL = 0x0a;
const PLUS = 0x2b;
const NAME = Buffer.from('read', 'latin1');

function writeDecimal(buf: Buffer, at: number, value: number): number {
  let digits = 1;
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
  for (let i = at + digits - 1, v = value; i >= at; i--, v = Math.floor(v / 10)) buf[i] = 0x30 + (v % 10);
  return at + digits;
}

/** The channel's reads as record text, chunk by chunk. */
export function* readChunks(channel: Channel, format: ReadFormat = 'fastq', chunkBytes = 1 << 20): Generator<ReadChunk> {
  const maxRecord = 2 * channel.maxReadLength + 32;
  const buf = Buffer.allocUnsafe(chunkBytes + maxRecord);
  const quality = 33 + channel.config.quality;
  const constant = channel.config.frontSub === 0 && channel.config.tailSub === 0;
  let w = 0;
  for (let j = 0; j < channel.length; j++) {
    buf[w++] = format === 'fastq' ? AT : GT;
    w += NAME.copy(buf, w);
    w = writeDecimal(buf, w, j + 1);
    buf[w++] = NL;
    const n = channel.writeRead(j, buf, w);
    w += n;
    buf[w++] = NL;
    if (format === 'fastq') {
      buf[w++] = PLUS;
      buf[w++] = NL;
      if (constant) buf.fill(quality, w, w + n);
      else for (let c = 0; c < n; c++) buf[w + c] = 33 + channel.qualityAt(c, n);
      w += n;
      buf[w++] = NL;
    }
    if (w >= chunkBytes) {
      yield { bytes: buf.subarray(0, w), reads: j + 1 };
      w = 0;
    }
  }
  if (w > 0) yield { bytes: buf.subarray(0, w), reads: channel.length };
}

/**
 * Writes every read to `path` atomically (a temporary file beside it, renamed at the end; an
 * existing file is refused unless force). Returns the bytes written.
 */
export function writeReadsFile(
  channel: Channel,
  path: string,
  options: { format?: ReadFormat; force?: boolean; onProgress?: (reads: number) => void } = {},
): number {
  const out = new AtomicWriter(path, options.force ?? false);
  let bytes = 0;
  try {
    for (const chunk of readChunks(channel, options.format ?? 'fastq')) {
      out.write(chunk.bytes.toString('latin1'));
      bytes += chunk.bytes.length;
      options.onProgress?.(chunk.reads);
    }
    out.commit();
  } catch (err) {
    out.abort();
    throw err;
  }
  return bytes;
}
