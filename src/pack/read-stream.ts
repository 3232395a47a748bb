/**
 * Reads streamed from a FASTA or FASTQ file: a few MB of the file in memory at a time, records
 * yielded as upper-case sequence strings, with the same checks and messages as fasta.ts (file and
 * line, the bad nucleotide and its column, truncated FASTQ records, an empty file). A ReadSource
 * can be passed over several times, which the pool decoder needs: primers and manifest first,
 * then the strands.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { ReadsFormatError } from './errors.js';

export interface ReadSource {
  /** Name for messages. */
  readonly name: string;
  /** A fresh pass over every read's sequence, upper case. */
  pass(): Iterable<string>;
}

export function arrayReads(reads: readonly string[], name = 'reads'): ReadSource {
  return { name, pass: () => reads.map((r) => r.toUpperCase()) };
}

const CHUNK = 4 << 20;
const VALID = /^[ACGTacgt]*$/;

/** Lines of a file (without their line ends), streamed. */
function* fileLines(path: string): Generator<string> {
  const fd = openSync(path, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  let carry = '';
  try {
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, CHUNK, pos);
      if (n === 0) break;
      pos += n;
      const text = carry + buf.toString('latin1', 0, n);
      const lines = text.split('\n');
      carry = lines.pop()!;
      for (const l of lines) yield l.endsWith('\r') ? l.slice(0, -1) : l;
    }
    if (carry) yield carry.endsWith('\r') ? carry.slice(0, -1) : carry;
  } finally {
    closeSync(fd);
  }
}

function checkSeq(seq: string, file: string, line: number, column0: number): string {
  if (!VALID.test(seq)) {
    const i = seq.search(/[^ACGTacgt]/);
    throw new ReadsFormatError(file, line, `invalid nucleotide ${JSON.stringify(seq[i])} at column ${column0 + i + 1}; only A, C, G, T are allowed`);
  }
  return seq.toUpperCase();
}

/** Sequences of a FASTA or FASTQ text given as lines. */
export function* parseSequences(lines: Iterable<string>, file: string): Generator<string> {
  let lineNo = 0;
  let mode: 'fasta' | 'fastq' | undefined;
  let fastaSeq: string[] = [];
  let fastaHeader = 0;
  let q = 0; // position within a FASTQ record: 0 header, 1 sequence, 2 '+', 3 quality
  let qSeq = '';
  let qStart = 0;
  for (const raw of lines) {
    lineNo++;
    const l = raw.trim();
    if (mode === undefined) {
      if (l === '') continue;
      if (l[0] === '>') mode = 'fasta';
      else if (l[0] === '@') mode = 'fastq';
      else throw new ReadsFormatError(file, lineNo, `not FASTA or FASTQ: the first record must start with '>' or '@', found ${JSON.stringify(l.slice(0, 20))}`);
    }
    if (mode === 'fasta') {
      if (l === '') continue;
      if (l[0] === '>') {
        if (fastaHeader) {
          if (fastaSeq.length === 0) throw new ReadsFormatError(file, fastaHeader, 'record has no sequence');
          yield fastaSeq.join('');
        }
        fastaHeader = lineNo;
        fastaSeq = [];
      } else fastaSeq.push(checkSeq(l, file, lineNo, raw.indexOf(l[0])));
      continue;
    }
    // FASTQ: four lines per record.
    if (q === 0) {
      if (l === '') continue;
      if (l[0] !== '@') throw new ReadsFormatError(file, lineNo, `FASTQ record must start with '@', found ${JSON.stringify(l.slice(0, 20))}`);
      qStart = lineNo;
      q = 1;
    } else if (q === 1) {
      if (l.length === 0) throw new ReadsFormatError(file, lineNo, 'empty sequence');
      qSeq = checkSeq(l, file, lineNo, 0);
      q = 2;
    } else if (q === 2) {
      if (l[0] !== '+') throw new ReadsFormatError(file, lineNo, `FASTQ separator line must start with '+'`);
      q = 3;
    } else {
      if (l.length !== qSeq.length) throw new ReadsFormatError(file, lineNo, `quality length ${l.length} differs from sequence length ${qSeq.length} (truncated file?)`);
      yield qSeq;
      q = 0;
    }
  }
  if (mode === undefined) throw new ReadsFormatError(file, 0, 'the file is empty: no FASTA or FASTQ records');
  if (mode === 'fasta') {
    if (fastaSeq.length === 0) throw new ReadsFormatError(file, fastaHeader, 'record has no sequence');
    yield fastaSeq.join('');
  } else if (q !== 0) throw new ReadsFormatError(file, qStart, 'truncated FASTQ record: expected sequence, "+" and quality lines');
}

/** A FASTA/FASTQ file as a ReadSource: every pass streams the file again. */
export function fileReads(path: string, name = path): ReadSource {
  return { name, pass: () => parseSequences(fileLines(path), name) };
}

/** In-memory text (stdin) as a ReadSource. */
export function textReads(text: string, name: string): ReadSource {
  return { name, pass: () => parseSequences(text.split('\n'), name) };
}
