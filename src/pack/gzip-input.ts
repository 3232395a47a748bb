/**
 * gzip-compressed reads (`.fastq.gz`, `.fasta.gz`, as sequencers deliver them), found by their
 * magic bytes (1f 8b) rather than the file name, and inflated as they stream: memory is one
 * compressed chunk and what it inflates to, whatever the file size. Concatenated members (bgzip,
 * `cat a.gz b.gz`) are one stream, as gzip -d reads them.
 *
 * fflate's Gunzip rather than node:zlib: the pool decoder reads its input in synchronous passes
 * (read-stream.ts fileLines), and node:zlib has no synchronous streaming inflate; fflate's push()
 * is synchronous, so one code path serves the sync passes, the async record stream and stdin.
 */
import { Gunzip } from 'fflate';
import { ReadsFormatError } from './errors.js';

/** True when `bytes` start a gzip member. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** A synchronous inflater: push compressed bytes, take what they inflated to. */
class Inflater {
  private out: Uint8Array[] = [];
  private readonly gunzip = new Gunzip((chunk) => void this.out.push(chunk));
  constructor(private readonly file: string) {}

  push(chunk: Uint8Array, final: boolean): Uint8Array[] {
    try {
      this.gunzip.push(chunk, final);
    } catch (err) {
      throw new ReadsFormatError(this.file, 0, `not valid gzip data (${(err as Error).message}): a damaged or truncated .gz file`);
    }
    const got = this.out;
    this.out = [];
    return got;
  }
}

/** A byte stream's chunks as they are, or inflated when its first bytes say gzip. */
class MaybeGzip {
  private inflater: Inflater | undefined;
  private started = false;
  constructor(private readonly file: string) {}

  take(chunk: Uint8Array): Uint8Array[] {
    if (!this.started) {
      this.started = true;
      if (isGzip(chunk)) this.inflater = new Inflater(this.file);
    }
    return this.inflater ? this.inflater.push(chunk, false) : [chunk];
  }

  end(): Uint8Array[] {
    return this.inflater ? this.inflater.push(new Uint8Array(0), true) : [];
  }
}

/** The chunks of a byte stream, inflated when it is gzip (sync). */
export function* gunzipChunks(chunks: Iterable<Uint8Array>, file: string): Generator<Uint8Array> {
  const stream = new MaybeGzip(file);
  for (const chunk of chunks) yield* stream.take(chunk);
  yield* stream.end();
}

/** The chunks of a byte stream, inflated when it is gzip (async: stdin, a file stream). */
export async function* gunzipChunksAsync(chunks: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<Uint8Array> {
  const stream = new MaybeGzip(file);
  for await (const chunk of chunks) yield* stream.take(chunk);
  yield* stream.end();
}

/** A whole buffer, inflated when it is gzip. */
export function gunzipWhole(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  const parts = new Inflater(file).push(bytes, true);
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
