/**
 * Reads streamed from FASTA or FASTQ: a chunk of the file in memory at a time, records yielded one
 * by one. One line-driven parser (RecordParser) serves every face — readRecords (async: a file or
 * stdin), fileReads (sync, re-readable passes for the pool decoder), textReads and parseSequences —
 * and follows fasta.ts parseReads rule for rule, with the same ReadsFormatError messages: format
 * detected from the first non-blank line; FASTA sequence lines trimmed and joined; FASTQ in
 * four-line records (blank lines only between records); a quality line as long as its sequence;
 * lower case accepted and upper-cased; "\r\n" line ends accepted.
 *
 * Any letter but A, C, G, T — N included — is an error naming file, line and column, as in
 * parseReads: the pool decoder has no symbol for an unknown base, and silently dropping or
 * guessing bases would hide a wrong file behind a failed decode. Filter reads with N out first.
 */
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { DnarchiveError } from '../errors.js';
import { ReadsFormatError } from './errors.js';
import { preview } from './text-preview.js';
import { gunzipChunks, gunzipChunksAsync } from './gzip-input.js';

export interface ReadSource {
  /** Name for messages. */
  readonly name: string;
  /** A fresh pass over every read's sequence, upper case. */
  pass(): Iterable<string>;
  /**
   * The same pass with each read's FASTQ quality line where it has one (Phred + 33, as long as the
   * sequence): what the consensus weighs its votes by. Absent: no qualities.
   */
  qualityPass?(): Iterable<{ seq: string; qual?: string }>;
}

export interface ReadRecord {
  /** Header text after '>' or '@', trimmed. */
  name: string;
  /** Sequence, upper case A/C/G/T. */
  seq: string;
  /** 1-based line of the header. */
  line: number;
  /** FASTQ: the quality line (Phred + 33), as long as seq; absent for FASTA. */
  qual?: string;
}

/** A reads file that cannot be opened or read (missing, a directory, no permission). */
export class ReadsInputError extends DnarchiveError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super('INPUT', `${file}: ${detail}`);
  }
}

/** A line longer than this is not sequence data: refuse it rather than buffer a whole binary file. */
export const MAX_LINE = 64 << 20;

const VALID = /^[ACGTacgt]*$/;

function checkSeq(seq: string, file: string, line: number, column0: number): string {
  if (!VALID.test(seq)) {
    const i = seq.search(/[^ACGTacgt]/);
    throw new ReadsFormatError(file, line, `invalid nucleotide ${JSON.stringify(seq[i])} at column ${column0 + i + 1}; only A, C, G, T are allowed`);
  }
  return seq.toUpperCase();
}

/**
 * FASTA/FASTQ as a state machine over lines (without their '\n'; a trailing '\r' is ignored).
 * line() returns the record a line completes, if any; finish() the last one, and the errors of a
 * file that ends early or holds nothing.
 */
export class RecordParser {
  private lineNo = 0;
  private mode: 'fasta' | 'fastq' | undefined;
  private header = '';
  private headerLine = 0;
  private parts: string[] = [];
  /** FASTQ: lines of the current record seen so far (0 = waiting for a header). */
  private q = 0;
  private seqRaw = '';
  private plus = '';

  constructor(readonly file: string) {}

  line(raw: string): ReadRecord | undefined {
    const lineNo = ++this.lineNo;
    if (lineNo === 1 && raw.charCodeAt(0) === 0xfeff) raw = raw.slice(1); // a UTF-8 byte-order mark, as some editors write
    if (raw.length > 0 && raw.charCodeAt(raw.length - 1) === 13) raw = raw.slice(0, -1);
    if (this.mode === undefined) {
      if (raw.trim() === '') return undefined;
      if (raw[0] === '>') this.mode = 'fasta';
      else if (raw[0] === '@') this.mode = 'fastq';
      else {
        throw new ReadsFormatError(
          this.file,
          lineNo,
          `not FASTA or FASTQ (nor gzip of them): the first record must start with '>' or '@', found ${preview(raw)}`,
        );
      }
    }
    return this.mode === 'fasta' ? this.fastaLine(raw, lineNo) : this.fastqLine(raw, lineNo);
  }

  private fastaLine(raw: string, lineNo: number): ReadRecord | undefined {
    const l = raw.trim();
    if (l === '') return undefined;
    if (l[0] !== '>') {
      this.parts.push(checkSeq(l, this.file, lineNo, raw.indexOf(l[0])));
      return undefined;
    }
    const done = this.headerLine ? this.fastaRecord() : undefined;
    this.header = l.slice(1).trim();
    this.headerLine = lineNo;
    this.parts = [];
    return done;
  }

  private fastaRecord(): ReadRecord {
    const seq = this.parts.length === 1 ? this.parts[0] : this.parts.join('');
    if (seq.length === 0) throw new ReadsFormatError(this.file, this.headerLine, `record ${JSON.stringify(this.header)} has no sequence`);
    return { name: this.header, seq, line: this.headerLine };
  }

  private fastqLine(raw: string, lineNo: number): ReadRecord | undefined {
    switch (this.q) {
      case 0:
        if (raw.trim() === '') return undefined;
        if (raw[0] !== '@') throw new ReadsFormatError(this.file, lineNo, `FASTQ record must start with '@', found ${JSON.stringify(raw.slice(0, 20))}`);
        this.header = raw.slice(1).trim();
        this.headerLine = lineNo;
        this.q = 1;
        return undefined;
      case 1:
        this.seqRaw = raw.trim();
        this.q = 2;
        return undefined;
      case 2:
        this.plus = raw;
        this.q = 3;
        return undefined;
      default: {
        // The checks in parseReads' order, so both report the same first problem.
        this.q = 0;
        const seq = this.seqRaw;
        const qual = raw.trim();
        if (this.plus[0] !== '+') throw new ReadsFormatError(this.file, lineNo - 1, `FASTQ separator line must start with '+'`);
        if (qual.length !== seq.length) {
          throw new ReadsFormatError(this.file, lineNo, `quality length ${qual.length} differs from sequence length ${seq.length} (truncated file?)`);
        }
        if (seq.length === 0) throw new ReadsFormatError(this.file, lineNo - 2, 'empty sequence');
        return { name: this.header, seq: checkSeq(seq, this.file, lineNo - 2, 0), line: this.headerLine, qual };
      }
    }
  }

  finish(): ReadRecord | undefined {
    if (this.mode === undefined) throw new ReadsFormatError(this.file, 0, 'the file is empty: no FASTA or FASTQ records');
    if (this.mode === 'fasta') return this.headerLine ? this.fastaRecord() : undefined;
    if (this.q !== 0) throw new ReadsFormatError(this.file, this.headerLine, 'truncated FASTQ record: expected sequence, "+" and quality lines');
    return undefined;
  }
}

/**
 * Splits decoded text into lines across chunk boundaries. Like String.split('\n'), the text after
 * the last '\n' is a line even when empty, which keeps line numbers and truncation checks in step
 * with parseReads. Linear in the input: an unfinished line is kept as its pieces, each chunk is
 * scanned once, and the pieces are joined only when the line ends (a single-line file of 100 MB
 * would otherwise be re-scanned and re-copied chunk after chunk).
 */
class LineSplitter {
  private pieces: string[] = [];
  private pending = 0;
  constructor(private readonly file: string) {}

  *push(text: string): Generator<string> {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (this.pending > 0) {
        this.pieces.push(text.slice(start, nl));
        yield this.take();
      } else yield text.slice(start, nl);
      start = nl + 1;
    }
    if (start < text.length) {
      this.pieces.push(start === 0 ? text : text.slice(start));
      this.pending += text.length - start;
      if (this.pending > MAX_LINE) throw new ReadsFormatError(this.file, 0, `a line longer than ${MAX_LINE} characters: not a FASTA or FASTQ file`);
    }
  }

  end(): string {
    return this.take();
  }

  private take(): string {
    const line = this.pieces.length === 1 ? this.pieces[0] : this.pieces.join('');
    this.pieces = [];
    this.pending = 0;
    return line;
  }
}

function inputError(file: string, err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!e || typeof e.code !== 'string' || !e.syscall) return err;
  const detail =
    e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory, not a file' : e.code === 'EACCES' ? 'permission denied' : e.message;
  return new ReadsInputError(file, detail);
}

export interface ReadRecordsOptions {
  /** Name in messages (default: the path, or '<stdin>'). */
  name?: string;
  /** Stream read for '-' (default process.stdin). */
  stdin?: Readable;
  /** Bytes per read from a file (default 1 MiB). */
  chunkBytes?: number;
}

/**
 * Records of a FASTA/FASTQ file, or of stdin for '-', streamed: memory is one chunk plus one
 * record, whatever the file size.
 */
export async function* readRecords(path: string, options: ReadRecordsOptions = {}): AsyncGenerator<ReadRecord> {
  const file = options.name ?? (path === '-' ? '<stdin>' : path);
  const parser = new RecordParser(file);
  const lines = new LineSplitter(file);
  const decoder = new StringDecoder('utf8');
  const input: Readable = path === '-' ? (options.stdin ?? process.stdin) : createReadStream(path, { highWaterMark: options.chunkBytes ?? 1 << 20 });
  try {
    for await (const chunk of gunzipChunksAsync(input as AsyncIterable<Uint8Array>, file)) {
      const text = decoder.write(chunk as Buffer);
      for (const l of lines.push(text)) {
        const r = parser.line(l);
        if (r) yield r;
      }
    }
  } catch (err) {
    throw inputError(file, err);
  }
  for (const l of lines.push(decoder.end())) {
    const r = parser.line(l);
    if (r) yield r;
  }
  const r = parser.line(lines.end());
  if (r) yield r;
  const last = parser.finish();
  if (last) yield last;
}

/** The bytes of a file, read synchronously in chunks (each valid until the next is taken). */
function* fileChunks(path: string, name: string): Generator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw inputError(name, err);
  }
  // 64 KiB at a time: the decoded text then stays a young-generation string (V8 puts strings over
  // 128 KiB in large-object space, which only a full GC frees — with 4 MiB pieces, every pass over
  // a large pool left about 100 MB of dead text waiting for one).
  const buf = Buffer.allocUnsafe(64 << 10);
  try {
    for (let pos = 0; ;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, pos);
      } catch (err) {
        throw inputError(name, err);
      }
      if (n === 0) break;
      pos += n;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** Lines of a file, plain or gzip, read synchronously in chunks (same splitting as readRecords). */
function* fileLines(path: string, name: string): Generator<string> {
  const decoder = new StringDecoder('utf8');
  const lines = new LineSplitter(name);
  for (const chunk of gunzipChunks(fileChunks(path, name), name)) yield* lines.push(decoder.write(chunk as Buffer));
  yield* lines.push(decoder.end());
  yield lines.end();
}

/** Sequences of FASTA/FASTQ text given as lines. */
export function* parseSequences(lines: Iterable<string>, file: string): Generator<string> {
  for (const r of parseRecordLines(lines, file)) yield r.seq;
}

/** Records of FASTA/FASTQ text given as lines. */
export function* parseRecordLines(lines: Iterable<string>, file: string): Generator<ReadRecord> {
  const parser = new RecordParser(file);
  for (const l of lines) {
    const r = parser.line(l);
    if (r) yield r;
  }
  const r = parser.finish();
  if (r) yield r;
}

export function arrayReads(reads: readonly string[], name = 'reads'): ReadSource {
  return { name, pass: () => reads.map((r) => r.toUpperCase()) };
}

/** Records of a FASTA/FASTQ file, plain or gzip, streamed synchronously. */
export function fileRecords(path: string, name = path): Generator<ReadRecord> {
  return parseRecordLines(fileLines(path, name), name);
}

/** A FASTA/FASTQ file as a ReadSource: every pass streams the file again. */
export function fileReads(path: string, name = path): ReadSource {
  return { name, pass: () => parseSequences(fileLines(path, name), name), qualityPass: () => parseRecordLines(fileLines(path, name), name) };
}

/** In-memory text (stdin) as a ReadSource. */
export function textReads(text: string, name: string): ReadSource {
  return { name, pass: () => parseSequences(text.split('\n'), name), qualityPass: () => parseRecordLines(text.split('\n'), name) };
}
