/**
 * One strand's message bits ↔ its fields (kind, pool id, address, chunk) under a check: a CRC-32
 * (formats 1 and 2, header strands) or its top 20 bits (format 3 data strands); see format.ts for
 * the layouts. Works on any LocoCodec: the data code and the ℓ = 1 header code.
 */
import type { LocoCodec } from '../../loco/codec.js';
import { crc32 } from '../crc32.js';
import { BASE_ADDRESS_BITS, CRC_BYTES, ID_BYTES, SHORT_CHECK_BITS } from './format.js';

export const KIND_DATA = 0;
export const KIND_HEADER = 1;

export interface StrandFields {
  kind: number;
  poolId: number;
  address: number;
  chunk: Uint8Array;
}

/** Kind and pool id: stored in the strand, or (implicit) only under its CRC. */
export interface StrandId {
  kind: number;
  poolId: number;
}

/** Where a strand's fields lie. */
export interface FrameLayout {
  chunkBytes: number;
  /** 24 … 31 (16 … 31 with a 20-bit check). */
  addressBits: number;
  /**
   * Whether kind and pool id are stored (2 bytes after the CRC) or implicit: covered by the CRC
   * as if they preceded the address, but not stored — the reader must know them (data strands of
   * format 2, whose pool the header strands have already named).
   */
  idStored: boolean;
  /**
   * 32: a CRC-32 in bytes 0–3. 20: the top 20 bits of a CRC-32 in bits 0–19, the id implicit, the
   * address and chunk packed MSB-first right after it (format 3).
   */
  checkBits: 32 | 20;
  /**
   * Message bits of the strand (K·s), with a 20-bit check: the bits past the chunk carry more
   * check bits rather than zeros (see shortExtent).
   */
  messageBits?: number;
}

/** The header strands' layout (always stored id and 24-bit addresses: copy · 2^16 + chunk). */
export function headerLayout(codec: LocoCodec, K: number): FrameLayout {
  return { chunkBytes: chunkCapacity(codec, K, BASE_ADDRESS_BITS, true), addressBits: BASE_ADDRESS_BITS, idStored: true, checkBits: 32 };
}

/** Chunk bytes a strand of this codec can carry (even, for 16-bit erasure symbols) beside its check, id and address. */
export function chunkCapacity(codec: LocoCodec, K: number, addressBits: number, idStored: boolean, checkBits: 32 | 20 = 32): number {
  const bytes = Math.floor((K * codec.messageBits - checkBits - 8 * (idStored ? ID_BYTES : 0) - addressBits) / 8);
  return Math.max(0, bytes - (bytes & 1));
}

/** The byte the address starts at: after the CRC, and after kind and pool id when they are stored. */
export function addressStart(idStored: boolean): number {
  return CRC_BYTES + (idStored ? ID_BYTES : 0);
}

/** Message bits before the chunk: check, stored id, address (what a read's first codewords must decode to name its strand). */
export function headBits(layout: FrameLayout): number {
  return layout.checkBits === SHORT_CHECK_BITS ? SHORT_CHECK_BITS + layout.addressBits : 8 * addressStart(layout.idStored) + layout.addressBits;
}

/** Where the address starts (byte), and the bits the CRC covers from there on: address and chunk. */
function extent(layout: FrameLayout): { at: number; bits: number } {
  return { at: addressStart(layout.idStored), bits: layout.addressBits + 8 * layout.chunkBytes };
}

/** CRC-32 over the stored id and what follows; with an implicit id, over [kind · 2^15 + pool id] then bits[start, end). */
function frameCrc(id: StrandId, bits: Uint8Array, start: number, end: number, idStored: boolean): number {
  return idStored ? crc32(bits, CRC_BYTES, end) : crc32(bits, start, end, (id.kind << 15) | id.poolId);
}

/**
 * Packs CRC + fields into a zeroed bit buffer of K·s bits (bytes, MSB-first). The CRC comes
 * first: it makes the first nucleotides of every strand look random, where the pool id and
 * address would make thousands of strands share a prefix (bad for PCR, and it would pass for
 * a primer when reads are scanned for one).
 */
export function frameBytes(f: StrandFields, layout: FrameLayout, out: Uint8Array): void {
  if (layout.checkBits === SHORT_CHECK_BITS) return frameShort(f, layout, out);
  out.fill(0);
  const { chunkBytes, addressBits, idStored } = layout;
  const { at: a0, bits } = extent(layout);
  if (idStored) {
    out[CRC_BYTES] = (f.kind << 7) | (f.poolId >> 8);
    out[CRC_BYTES + 1] = f.poolId & 0xff;
  }
  // The address, MSB-first from byte a0; with 24 bits the chunk stays byte-aligned.
  const shift = addressBits - BASE_ADDRESS_BITS;
  const top = Math.floor(f.address / 2 ** shift);
  out[a0] = (top >>> 16) & 0xff;
  out[a0 + 1] = (top >>> 8) & 0xff;
  out[a0 + 2] = top & 0xff;
  const at = a0 + 3;
  if (shift === 0) {
    out.set(f.chunk.subarray(0, chunkBytes), at);
  } else {
    // Low address bits, then the chunk, shifted right by `shift` bits (1 … 7).
    const low = f.address % 2 ** shift;
    out[at] = (low << (8 - shift)) & 0xff;
    for (let j = 0; j < chunkBytes; j++) {
      const v = f.chunk[j];
      out[at + j] |= v >> shift;
      out[at + j + 1] = (v << (8 - shift)) & 0xff;
    }
  }
  const c = frameCrc(f, out, a0, a0 + Math.ceil(bits / 8), idStored);
  out[0] = c >>> 24;
  out[1] = (c >>> 16) & 0xff;
  out[2] = (c >>> 8) & 0xff;
  out[3] = c & 0xff;
}

/**
 * The fields of a decoded bit buffer, or undefined when its CRC does not match. With an implicit
 * id, `id` is the kind and pool id expected (and returned when the CRC matches).
 */
export function unframeBytes(bits: Uint8Array, layout: FrameLayout, id?: StrandId): StrandFields | undefined {
  if (layout.checkBits === SHORT_CHECK_BITS) return unframeShort(bits, layout, id);
  const { at: a0, bits: nbits } = extent(layout);
  const end = a0 + Math.ceil(nbits / 8);
  // Bits past the fields in the CRC's last byte are zero in every strand written.
  const spare = 8 * (end - a0) - nbits;
  if (spare > 0 && (bits[end - 1] & ((1 << spare) - 1)) !== 0) return undefined;
  const head = peekFields(bits, layout, id);
  const c = ((bits[0] << 24) | (bits[1] << 16) | (bits[2] << 8) | bits[3]) >>> 0;
  if (frameCrc(head, bits, a0, end, layout.idStored) !== c) return undefined;
  const { chunkBytes, addressBits } = layout;
  const shift = addressBits - BASE_ADDRESS_BITS;
  const at = a0 + 3;
  let chunk: Uint8Array;
  if (shift === 0) chunk = bits.slice(at, at + chunkBytes);
  else {
    chunk = new Uint8Array(chunkBytes);
    for (let j = 0; j < chunkBytes; j++) chunk[j] = ((bits[at + j] << shift) | (bits[at + j + 1] >> (8 - shift))) & 0xff;
  }
  return { ...head, chunk };
}

/**
 * Kind, pool id and address as read from the buffer (not yet CRC-checked); with an implicit id,
 * kind and pool id are `id`'s (required then).
 */
export function peekFields(
  bits: Uint8Array,
  layout: Pick<FrameLayout, 'addressBits' | 'idStored' | 'checkBits'>,
  id?: StrandId,
): { kind: number; poolId: number; address: number } {
  if (layout.checkBits === SHORT_CHECK_BITS) {
    if (!id) throw new Error('peekFields: a strand whose id is implicit needs the expected kind and pool id');
    return { kind: id.kind, poolId: id.poolId, address: readBits(bits, SHORT_CHECK_BITS, layout.addressBits) };
  }
  const a0 = addressStart(layout.idStored);
  const shift = layout.addressBits - BASE_ADDRESS_BITS;
  const top = (bits[a0] << 16) | (bits[a0 + 1] << 8) | bits[a0 + 2];
  const address = shift === 0 ? top : top * 2 ** shift + (bits[a0 + 3] >> (8 - shift));
  if (layout.idStored) return { kind: bits[CRC_BYTES] >> 7, poolId: ((bits[CRC_BYTES] & 0x7f) << 8) | bits[CRC_BYTES + 1], address };
  if (!id) throw new Error('peekFields: a strand whose id is implicit needs the expected kind and pool id');
  return { kind: id.kind, poolId: id.poolId, address };
}

// Format 3: [check: 20 bits][address: addressBits][chunk: 8·chunkBytes bits][tail], MSB-first.
// The check is the top 20 bits of the CRC-32 of [kind · 2^15 + pool id] followed by the buffer's
// bytes up to the end of the chunk with the check's own bits zeroed, so that it covers the
// address and chunk wherever they fall in a byte. The tail — the message bits past the chunk, 0 at
// 150 nt with a 16-bit address, up to 15 with a wider one — holds the top bits of a second CRC-32
// (the same bytes, after [kind · 2^15 + pool id] XOR 0xFFFF): bits that would otherwise be fixed
// zeros make the check longer for free, where a pool is large and its reads many.

/** Bits of the fields (check, address, chunk), and of the tail after them (≤ 32 used). */
function shortExtent(layout: FrameLayout): { fields: number; tail: number } {
  const fields = SHORT_CHECK_BITS + layout.addressBits + 8 * layout.chunkBytes;
  return { fields, tail: Math.max(0, (layout.messageBits ?? fields) - fields) };
}

/** The two CRC-32s of the fields (check bits taken as zero; the tail must be zero when called), into `crcs`: [check, tail]. */
const crcs = new Uint32Array(2);
function shortCrcs(bits: Uint8Array, fields: number, id: StrandId): void {
  // Bits 0–19 are bytes 0, 1 and the high half of byte 2: zero them for the CRC, then restore.
  const b0 = bits[0];
  const b1 = bits[1];
  const b2 = bits[2];
  bits[0] = 0;
  bits[1] = 0;
  bits[2] = b2 & 0x0f;
  const end = Math.ceil(fields / 8);
  const prefix = (id.kind << 15) | id.poolId;
  crcs[0] = crc32(bits, 0, end, prefix) >>> 12;
  crcs[1] = crc32(bits, 0, end, prefix ^ 0xffff);
  bits[0] = b0;
  bits[1] = b1;
  bits[2] = b2;
}

function frameShort(f: StrandFields, layout: FrameLayout, out: Uint8Array): void {
  out.fill(0);
  writeBits(out, SHORT_CHECK_BITS, f.address, layout.addressBits);
  writeBytesAt(out, SHORT_CHECK_BITS + layout.addressBits, f.chunk, layout.chunkBytes);
  const { fields, tail } = shortExtent(layout);
  shortCrcs(out, fields, f);
  const c = crcs[0];
  out[0] = c >>> 12;
  out[1] = (c >>> 4) & 0xff;
  out[2] |= (c & 0x0f) << 4;
  const n = Math.min(tail, 32);
  for (let i = 0; i < n; i++) if ((crcs[1] >>> (31 - i)) & 1) out[(fields + i) >> 3] |= 0x80 >> ((fields + i) & 7);
}

/** The tail's bytes while the CRCs run over the fields alone (a tail is at most a few bytes). */
let tailScratch = new Uint8Array(8);

function unframeShort(bits: Uint8Array, layout: FrameLayout, id?: StrandId): StrandFields | undefined {
  if (!id) throw new Error('unframeBytes: format-3 strands need the expected kind and pool id');
  const { fields, tail } = shortExtent(layout);
  const last = Math.ceil((fields + tail) / 8);
  for (let i = last; i < bits.length; i++) if (bits[i] !== 0) return undefined;
  const stored = (bits[0] << 12) | (bits[1] << 4) | (bits[2] >> 4);
  // Set the tail aside, zero it for the CRCs, put it back (callers may read the buffer again).
  const from = fields >> 3;
  if (tailScratch.length < last - from) tailScratch = new Uint8Array(last - from);
  for (let i = from; i < last; i++) tailScratch[i - from] = bits[i];
  clearBits(bits, fields, fields + tail);
  shortCrcs(bits, fields, id);
  for (let i = from; i < last; i++) bits[i] = tailScratch[i - from];
  if (crcs[0] !== stored) return undefined;
  for (let i = 0; i < tail; i++) {
    const want = i < 32 ? (crcs[1] >>> (31 - i)) & 1 : 0;
    if (((bits[(fields + i) >> 3] >> (7 - ((fields + i) & 7))) & 1) !== want) return undefined;
  }
  const address = readBits(bits, SHORT_CHECK_BITS, layout.addressBits);
  const chunk = new Uint8Array(layout.chunkBytes);
  readBytesAt(bits, SHORT_CHECK_BITS + layout.addressBits, chunk);
  return { kind: id.kind, poolId: id.poolId, address, chunk };
}

/** Zeroes bits [from, to). */
function clearBits(bits: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) bits[i >> 3] &= ~(0x80 >> (i & 7));
}

/** Writes the low n bits of v (n ≤ 31) MSB-first at bit `at` of a zeroed buffer. */
function writeBits(out: Uint8Array, at: number, v: number, n: number): void {
  for (let i = 0; i < n; i++) if ((v >>> (n - 1 - i)) & 1) out[(at + i) >> 3] |= 0x80 >> ((at + i) & 7);
}

function readBits(bits: Uint8Array, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 2 + ((bits[(at + i) >> 3] >> (7 - ((at + i) & 7))) & 1);
  return v;
}

/** ORs `count` bytes of src into a zeroed buffer starting at bit `at`. */
function writeBytesAt(out: Uint8Array, at: number, src: Uint8Array, count: number): void {
  const byte = at >> 3;
  const shift = at & 7;
  if (shift === 0) {
    out.set(src.subarray(0, count), byte);
    return;
  }
  for (let j = 0; j < count; j++) {
    const v = src[j];
    out[byte + j] |= v >> shift;
    out[byte + j + 1] |= (v << (8 - shift)) & 0xff;
  }
}

function readBytesAt(bits: Uint8Array, at: number, out: Uint8Array): void {
  const byte = at >> 3;
  const shift = at & 7;
  for (let j = 0; j < out.length; j++) out[j] = shift === 0 ? bits[byte + j] : ((bits[byte + j] << shift) | (bits[byte + j + 1] >> (8 - shift))) & 0xff;
}
