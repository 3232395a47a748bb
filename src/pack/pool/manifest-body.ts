/**
 * The manifest as the header strands carry it: a big-endian uint16 length, then the record.
 * Formats 1 and 2 write JSON (its first byte is '{'); format 3 writes a binary record whose first
 * byte is the format number, 67 bytes plus the primers packed 2 bits a nucleotide — about a
 * quarter of the JSON, which at 150 nt is 5 header chunks (40 header strands) instead of 22 (176).
 * Either way the result is validated by the same zod schema (format.ts) before anything is sized
 * from it.
 *
 * Format-3 record (offsets in bytes, integers big-endian):
 *    0  u8   format (3)
 *    1  u8   ell
 *    2  u16  m
 *    4  u8   K
 *    5  u8   ecc: 0 none, 1 residue
 *    6  f64  margin
 *   14  u8   addressBits
 *   15  u16  chunkBytes
 *   17  u16  parity
 *   19  u32  blocks
 *   23  u64  bytes (below 2^53)
 *   31  32 B sha256
 *   63  u16  poolId
 *   65  u8   left primer length n, then ⌈n/4⌉ bytes: A, C, G, T as 0–3, 4 to a byte, MSB first
 *       u8   right primer length, then its bytes
 * dataStrands is not stored: it is ⌈bytes / chunkBytes⌉. bridge is check2 and balance true.
 */
import type { Manifest } from './format.js';

const FIXED = 65;
const ACGT = 'ACGT';

export function manifestBody(man: Manifest): Uint8Array {
  const record = man.format >= 3 ? binaryRecord(man) : new TextEncoder().encode(JSON.stringify(man));
  const body = new Uint8Array(2 + record.length);
  body[0] = record.length >> 8;
  body[1] = record.length & 0xff;
  body.set(record, 2);
  return body;
}

/**
 * The manifest object (not yet validated) from a record, or a string saying what is wrong with it.
 */
export function parseManifestRecord(record: Uint8Array): unknown {
  if (record[0] === 0x7b) {
    try {
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(record));
    } catch {
      return 'the manifest in the header strands is not valid JSON';
    }
  }
  if (record[0] !== 3) return `the manifest record starts with byte ${record[0]}: neither JSON (formats 1, 2) nor format 3`;
  return parseBinary(record);
}

function binaryRecord(man: Manifest): Uint8Array {
  const [left, right] = man.primers;
  const out = new Uint8Array(FIXED + 2 + Math.ceil(left.length / 4) + Math.ceil(right.length / 4));
  const v = new DataView(out.buffer);
  v.setUint8(0, man.format);
  v.setUint8(1, man.ell);
  v.setUint16(2, man.m);
  v.setUint8(4, man.K);
  v.setUint8(5, man.ecc === 'residue' ? 1 : 0);
  v.setFloat64(6, man.margin);
  v.setUint8(14, man.addressBits);
  v.setUint16(15, man.chunkBytes);
  v.setUint16(17, man.parity);
  v.setUint32(19, man.blocks);
  v.setUint32(23, Math.floor(man.bytes / 2 ** 32));
  v.setUint32(27, man.bytes % 2 ** 32);
  for (let i = 0; i < 32; i++) out[31 + i] = parseInt(man.sha256.slice(2 * i, 2 * i + 2), 16);
  v.setUint16(63, man.poolId);
  let at = FIXED;
  for (const p of [left, right]) {
    out[at++] = p.length;
    for (let i = 0; i < p.length; i++) out[at + (i >> 2)] |= ACGT.indexOf(p[i]) << (6 - 2 * (i & 3));
    at += Math.ceil(p.length / 4);
  }
  return out;
}

function parseBinary(r: Uint8Array): unknown {
  if (r.length < FIXED + 2) return `the format-3 manifest record is ${r.length} bytes, shorter than its ${FIXED + 2} fixed bytes`;
  const v = new DataView(r.buffer, r.byteOffset, r.byteLength);
  const primers: string[] = [];
  let at = FIXED;
  for (let side = 0; side < 2; side++) {
    const n = r[at++];
    const end = at + Math.ceil(n / 4);
    if (end > r.length) return `the format-3 manifest record ends inside its ${side ? 'right' : 'left'} primer`;
    let p = '';
    for (let i = 0; i < n; i++) p += ACGT[(r[at + (i >> 2)] >> (6 - 2 * (i & 3))) & 3];
    primers.push(p);
    at = end;
  }
  if (at !== r.length) return `the format-3 manifest record has ${r.length - at} bytes after its primers`;
  const hi = v.getUint32(23);
  const bytes = hi * 2 ** 32 + v.getUint32(27);
  const chunkBytes = v.getUint16(15);
  let sha256 = '';
  for (let i = 0; i < 32; i++) sha256 += r[31 + i].toString(16).padStart(2, '0');
  const ecc = r[5];
  return {
    format: r[0],
    bytes,
    sha256,
    poolId: v.getUint16(63),
    ell: r[1],
    m: v.getUint16(2),
    K: r[4],
    ecc: ecc === 0 ? 'none' : ecc === 1 ? 'residue' : `code ${ecc}`,
    margin: v.getFloat64(6),
    bridge: 'check2',
    balance: true,
    addressBits: r[14],
    chunkBytes,
    dataStrands: chunkBytes > 0 ? Math.ceil(bytes / chunkBytes) : -1,
    blocks: v.getUint32(19),
    parity: v.getUint16(17),
    primers,
  };
}
