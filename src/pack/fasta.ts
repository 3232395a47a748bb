/**
 * FASTA / FASTQ reading and FASTA writing. Records keep their header text; sequences are checked
 * against the nucleotide alphabet and converted to symbol values (A=0, T=1, G=2, C=3).
 */
import { asciiToSymbol } from '../loco/alphabet.js';
import { formatWord } from '../loco/alphabet.js';
import { ReadsFormatError } from './errors.js';
import { preview } from './text-preview.js';

export interface SequenceRecord {
  /** Header text after '>' or '@'. */
  header: string;
  /** Symbol values. */
  symbols: Uint8Array;
  /** 1-based line of the header, for messages. */
  line: number;
}

/** Parses FASTA or FASTQ (detected from the first non-empty line). */
export function parseReads(text: string, file: string): SequenceRecord[] {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r?\n/); // a UTF-8 byte-order mark, as some editors write
  let first = 0;
  while (first < lines.length && lines[first].trim() === '') first++;
  if (first === lines.length) throw new ReadsFormatError(file, 0, 'the file is empty: no FASTA or FASTQ records');
  const c = lines[first][0];
  if (c === '>') return parseFasta(lines, first, file);
  if (c === '@') return parseFastq(lines, first, file);
  throw new ReadsFormatError(
    file,
    first + 1,
    `not FASTA or FASTQ (nor gzip of them): the first record must start with '>' or '@', found ${preview(lines[first])}`,
  );
}

function toSymbols(seq: string, file: string, line: number, column0: number): Uint8Array {
  const out = new Uint8Array(seq.length);
  for (let i = 0; i < seq.length; i++) {
    const v = asciiToSymbol(seq.charCodeAt(i) & 0xff);
    if (v === 255 || seq.charCodeAt(i) > 255) {
      throw new ReadsFormatError(file, line, `invalid nucleotide ${JSON.stringify(seq[i])} at column ${column0 + i + 1}; only A, C, G, T are allowed`);
    }
    out[i] = v;
  }
  return out;
}

function parseFasta(lines: string[], start: number, file: string): SequenceRecord[] {
  const records: SequenceRecord[] = [];
  let header = '';
  let headerLine = 0;
  let parts: Uint8Array[] = [];
  const flush = (): void => {
    if (headerLine === 0) return;
    let n = 0;
    for (const p of parts) n += p.length;
    const symbols = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      symbols.set(p, o);
      o += p.length;
    }
    if (n === 0) throw new ReadsFormatError(file, headerLine, `record ${JSON.stringify(header)} has no sequence`);
    records.push({ header, symbols, line: headerLine });
  };
  for (let i = start; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l === '') continue;
    if (l[0] === '>') {
      flush();
      header = l.slice(1).trim();
      headerLine = i + 1;
      parts = [];
    } else {
      parts.push(toSymbols(l, file, i + 1, lines[i].indexOf(l[0])));
    }
  }
  flush();
  return records;
}

function parseFastq(lines: string[], start: number, file: string): SequenceRecord[] {
  const records: SequenceRecord[] = [];
  let i = start;
  while (i < lines.length) {
    if (lines[i].trim() === '') {
      i++;
      continue;
    }
    const h = lines[i];
    if (h[0] !== '@') throw new ReadsFormatError(file, i + 1, `FASTQ record must start with '@', found ${JSON.stringify(h.slice(0, 20))}`);
    if (i + 3 >= lines.length) {
      throw new ReadsFormatError(file, i + 1, 'truncated FASTQ record: expected sequence, "+" and quality lines');
    }
    const seq = (lines[i + 1] ?? '').trim();
    const plus = lines[i + 2] ?? '';
    const qual = (lines[i + 3] ?? '').trim();
    if (plus[0] !== '+') throw new ReadsFormatError(file, i + 3, `FASTQ separator line must start with '+'`);
    if (qual.length !== seq.length) {
      throw new ReadsFormatError(file, i + 4, `quality length ${qual.length} differs from sequence length ${seq.length} (truncated file?)`);
    }
    if (seq.length === 0) throw new ReadsFormatError(file, i + 2, 'empty sequence');
    records.push({ header: h.slice(1).trim(), symbols: toSymbols(seq, file, i + 2, 0), line: i + 1 });
    i += 4;
  }
  return records;
}

/** One FASTA record per strand, sequence on one line. */
export function formatFasta(records: readonly { header: string; symbols: Uint8Array }[]): string {
  let s = '';
  for (const r of records) s += `>${r.header}\n${formatWord(r.symbols)}\n`;
  return s;
}
