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

/** Writes a record's name line (read<j>, or read<j>/<mate>) at w; returns where its sequence goes. */
function nameLine(buf: Buffer, w: number, format: ReadFormat, j: number, mate: 0 | 1 | 2): number {
  buf[w++] = format === 'fastq' ? AT : GT;
  w += NAME.copy(buf, w);
  w = writeDecimal(buf, w, j + 1);
  if (mate) {
    buf[w++] = 0x2f; // '/'
    buf[w++] = 0x30 + mate;
  }
  buf[w++] = NL;
  return w;
}

/** After a sequence of n nt at w − n: its line end and, for FASTQ, its quality lines; returns the end. */
function qualityLines(channel: Channel, buf: Buffer, w: number, n: number, format: ReadFormat): number {
  buf[w++] = NL;
  if (format !== 'fastq') return w;
  buf[w++] = PLUS;
  buf[w++] = NL;
  if (channel.config.frontSub === 0 && channel.config.tailSub === 0) buf.fill(33 + channel.config.quality, w, w + n);
  else for (let c = 0; c < n; c++) buf[w + c] = 33 + channel.qualityAt(c, n);
  w += n;
  buf[w++] = NL;
  return w;
}

/** The channel's reads as record text, chunk by chunk. */
export function* readChunks(channel: Channel, format: ReadFormat = 'fastq', chunkBytes = 1 << 20): Generator<ReadChunk> {
  const maxRecord = 2 * channel.maxReadLength + 32;
  const buf = Buffer.allocUnsafe(chunkBytes + maxRecord);
  let w = 0;
  for (let j = 0; j < channel.length; j++) {
    w = nameLine(buf, w, format, j, 0);
    const n = channel.writeRead(j, buf, w);
    w = qualityLines(channel, buf, w + n, n, format);
    if (w >= chunkBytes) {
      yield { bytes: buf.subarray(0, w), reads: j + 1 };
      w = 0;
    }
  }
  if (w > 0) yield { bytes: buf.subarray(0, w), reads: channel.length };
}

export interface PairChunk {
  /** Mate-1 and mate-2 records, in step (valid until the next chunk). */
  r1: Buffer;
  r2: Buffer;
  reads: number;
}

/**
 * The channel's reads as a paired-end run of `cycles` cycles gives them: records read<j>/1 (the
 * fragment's first cycles) and read<j>/2 (its reverse complement's), in two files in step.
 */
export function* readPairChunks(channel: Channel, cycles: number, format: ReadFormat = 'fastq', chunkBytes = 1 << 20): Generator<PairChunk> {
  const maxRecord = 2 * channel.maxReadLength + 32;
  const b1 = Buffer.allocUnsafe(chunkBytes + maxRecord);
  const b2 = Buffer.allocUnsafe(chunkBytes + maxRecord);
  let w1 = 0;
  let w2 = 0;
  for (let j = 0; j < channel.length; j++) {
    w1 = nameLine(b1, w1, format, j, 1);
    w2 = nameLine(b2, w2, format, j, 2);
    const [n1, n2] = channel.writeMates(j, cycles, b1, w1, b2, w2);
    w1 = qualityLines(channel, b1, w1 + n1, n1, format);
    w2 = qualityLines(channel, b2, w2 + n2, n2, format);
    if (w1 >= chunkBytes || w2 >= chunkBytes) {
      yield { r1: b1.subarray(0, w1), r2: b2.subarray(0, w2), reads: j + 1 };
      w1 = 0;
      w2 = 0;
    }
  }
  if (w1 > 0) yield { r1: b1.subarray(0, w1), r2: b2.subarray(0, w2), reads: channel.length };
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
