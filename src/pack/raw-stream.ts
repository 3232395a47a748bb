/**
 * The raw codeword stream: a file encoded by the bulk D-LOCO codec, one FASTA record per strand,
 * each header carrying every parameter plus the payload's length and SHA-256, so decoding needs
 * nothing but the file. No outer code and no error correction: this is the research format
 * (the archival pool format adds those); a damaged stream is reported, never silently accepted.
 *
 *   >dnarchive-raw/1 strand=0/12 bytes=1234 sha256=<64 hex> ell=3 m=48 bridge=check2 balance=1 k=4
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { LocoCodec, DecodeReport } from '../loco/codec.js';
import { eccCodec, type EccCodecOptions } from '../ecc/index.js';
import { DnarchiveError } from '../errors.js';
import { formatFasta, type SequenceRecord } from './fasta.js';
import { IncompleteDecodeError, PoolFormatError } from './errors.js';

export const RAW_MAGIC = 'dnarchive-raw/1';

const headerSchema = z
  .object({
    strand: z.string().regex(/^\d+\/\d+$/, 'expected strand=<index>/<count>'),
    bytes: z.coerce.number().int().min(0),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits'),
    ell: z.coerce.number().int(),
    m: z.coerce.number().int(),
    bridge: z.enum(['sep1', 'check2']),
    balance: z.enum(['0', '1']),
    k: z.coerce.number().int(),
    ecc: z.enum(['none', 'residue']).default('none'),
    margin: z.coerce.number().min(1).max(1024).default(1),
  })
  .strict();

interface RawHeader {
  index: number;
  count: number;
  bytes: number;
  sha256: string;
  options: Required<Pick<EccCodecOptions, 'ell' | 'length' | 'bridge' | 'balance' | 'codewordsPerStrand' | 'ecc' | 'margin'>>;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Encodes bytes into the raw FASTA stream. Deterministic. */
export function encodeRawStream(data: Uint8Array, options: EccCodecOptions = {}): { fasta: string; strands: Uint8Array[]; codec: LocoCodec } {
  const ecc = options.ecc ?? 'none';
  const codec = eccCodec({ ...options, ecc });
  const strands = codec.encode(data);
  const c = codec.config;
  const eccFields = ecc === 'none' ? '' : ` ecc=${ecc} margin=${options.margin ?? 1}`;
  const common = `bytes=${data.length} sha256=${sha256Hex(data)} ell=${c.ell} m=${c.length} bridge=${c.bridge} balance=${c.balance ? 1 : 0} k=${c.codewordsPerStrand}${eccFields}`;
  const fasta = formatFasta(strands.map((symbols, i) => ({ header: `${RAW_MAGIC} strand=${i}/${strands.length} ${common}`, symbols })));
  return { fasta, strands, codec };
}

function parseHeader(rec: SequenceRecord, file: string): RawHeader {
  const where = `${file}:${rec.line}`;
  const tokens = rec.header.split(/\s+/);
  if (tokens[0] !== RAW_MAGIC) {
    throw new PoolFormatError(where, `header ${JSON.stringify(rec.header.slice(0, 40))} is not a ${RAW_MAGIC} record`);
  }
  const fields: Record<string, string> = {};
  for (const t of tokens.slice(1)) {
    const eq = t.indexOf('=');
    if (eq <= 0) throw new PoolFormatError(where, `malformed header field ${JSON.stringify(t)} (expected key=value)`);
    fields[t.slice(0, eq)] = t.slice(eq + 1);
  }
  const r = headerSchema.safeParse(fields);
  if (!r.success) {
    const issue = r.error.issues[0];
    const key = issue.path.join('.');
    throw new PoolFormatError(
      where,
      `header field ${key || '(record)'}: ${issue.message}${key && fields[key] !== undefined ? ` (got ${JSON.stringify(fields[key])})` : ''}`,
    );
  }
  const h = r.data;
  const [index, count] = h.strand.split('/').map(Number);
  if (count < 1 || index >= count) throw new PoolFormatError(where, `header field strand: index ${index} is not below the count ${count}`);
  return {
    index,
    count,
    bytes: h.bytes,
    sha256: h.sha256,
    options: { ell: h.ell, length: h.m, bridge: h.bridge, balance: h.balance === '1', codewordsPerStrand: h.k, ecc: h.ecc, margin: h.margin },
  };
}

const sameStream = (a: RawHeader, b: RawHeader): boolean =>
  a.count === b.count &&
  a.bytes === b.bytes &&
  a.sha256 === b.sha256 &&
  a.options.ell === b.options.ell &&
  a.options.length === b.options.length &&
  a.options.bridge === b.options.bridge &&
  a.options.balance === b.options.balance &&
  a.options.codewordsPerStrand === b.options.codewordsPerStrand &&
  a.options.ecc === b.options.ecc &&
  a.options.margin === b.options.margin;

/**
 * Decodes parsed records of a raw stream, in any order. Returns the bytes only if their length
 * and SHA-256 match the header; otherwise throws, naming the missing or damaged strands.
 */
export function decodeRawStream(records: readonly SequenceRecord[], file: string): Uint8Array {
  return decodeRawStreamReport(records, file).data;
}

/** decodeRawStream, also saying how many codewords were corrected. */
export function decodeRawStreamReport(records: readonly SequenceRecord[], file: string): DecodeReport {
  if (records.length === 0) throw new PoolFormatError(file, 'no records');
  const headers = records.map((r) => parseHeader(r, file));
  const h0 = headers[0];
  const slots: (Uint8Array | undefined)[] = new Array(h0.count);
  for (let i = 0; i < records.length; i++) {
    const h = headers[i];
    if (!sameStream(h, h0)) {
      throw new PoolFormatError(
        `${file}:${records[i].line}`,
        `record belongs to a different stream than line ${records[0].line} (parameters, length or SHA-256 differ): streams must not be mixed`,
      );
    }
    const prev = slots[h.index];
    if (prev && !equalBytes(prev, records[i].symbols)) {
      throw new PoolFormatError(`${file}:${records[i].line}`, `strand ${h.index} appears twice with different sequences`);
    }
    slots[h.index] = records[i].symbols;
  }
  const missing: number[] = [];
  for (let i = 0; i < slots.length; i++) if (!slots[i]) missing.push(i);
  if (missing.length > 0) {
    throw new IncompleteDecodeError(
      file,
      `${missing.length} of ${h0.count} strands missing (${listRanges(missing)}); the raw stream has no outer code, so every strand is needed`,
    );
  }
  let codec: LocoCodec;
  try {
    codec = eccCodec(h0.options);
  } catch (err) {
    if (err instanceof DnarchiveError) throw new PoolFormatError(file, `header parameters are invalid: ${err.message}`);
    throw err;
  }
  let report: DecodeReport;
  try {
    report = codec.decodeReport(slots as Uint8Array[]);
  } catch (err) {
    if (err instanceof DnarchiveError) throw new IncompleteDecodeError(file, `cannot decode: ${err.message}`);
    throw err;
  }
  const data = report.data;
  if (data.length !== h0.bytes || sha256Hex(data) !== h0.sha256) {
    throw new IncompleteDecodeError(
      file,
      `decoded ${data.length} bytes whose SHA-256 does not match the header (expected ${h0.bytes} bytes, sha256 ${h0.sha256.slice(0, 16)}…): the strands are damaged`,
    );
  }
  return report;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** [1,2,3,7,9,10] → "1-3, 7, 9-10"; long lists are cut after 20 ranges. */
export function listRanges(xs: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    parts.push(i === j ? `${xs[i]}` : `${xs[i]}-${xs[j]}`);
    i = j + 1;
  }
  return parts.length > 20 ? `${parts.slice(0, 20).join(', ')}, … (${parts.length - 20} more ranges)` : parts.join(', ');
}
