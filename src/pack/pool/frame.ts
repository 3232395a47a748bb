/**
 * One strand's message bits ↔ its fields (kind, pool id, address, chunk) under a CRC-32; see
 * format.ts for the layout. Works on any LocoCodec: the data code and the ℓ = 1 header code.
 */
import type { LocoCodec } from '../../loco/codec.js';
import { crc32 } from '../crc32.js';
import { BASE_ADDRESS_BITS, CRC_BYTES, ID_BYTES } from './format.js';

export const KIND_DATA = 0;
export const KIND_HEADER = 1;

export interface StrandFields {
  kind: number;
  poolId: number;
  address: number;
  chunk: Uint8Array;
}

/** Where a strand's fields lie: chunk bytes, and the address width (24 … 31 bits). */
export interface FrameLayout {
  chunkBytes: number;
  addressBits: number;
}

/** The header strands' layout (always 24-bit addresses: copy · 2^16 + chunk). */
export function headerLayout(codec: LocoCodec, K: number): FrameLayout {
  return { chunkBytes: chunkCapacity(codec, K, BASE_ADDRESS_BITS), addressBits: BASE_ADDRESS_BITS };
}

/** Chunk bytes a strand of this codec can carry (even, for 16-bit erasure symbols) beside an address of this width. */
export function chunkCapacity(codec: LocoCodec, K: number, addressBits = BASE_ADDRESS_BITS): number {
  const bytes = Math.floor((K * codec.messageBits - 8 * (CRC_BYTES + ID_BYTES) - addressBits) / 8);
  return Math.max(0, bytes - (bytes & 1));
}

/** Bits the CRC covers, from the first field byte: kind and pool id, address, chunk. */
function fieldBits(layout: FrameLayout): number {
  return 8 * ID_BYTES + layout.addressBits + 8 * layout.chunkBytes;
}

/**
 * Packs CRC + fields into a zeroed bit buffer of K·s bits (bytes, MSB-first). The CRC comes
 * first: it makes the first nucleotides of every strand look random, where the pool id and
 * address would make thousands of strands share a prefix (bad for PCR, and it would pass for
 * a primer when reads are scanned for one).
 */
export function frameBytes(f: StrandFields, layout: FrameLayout, out: Uint8Array): void {
  out.fill(0);
  const o = CRC_BYTES;
  const { chunkBytes, addressBits } = layout;
  out[o] = (f.kind << 7) | (f.poolId >> 8);
  out[o + 1] = f.poolId & 0xff;
  // The address, MSB-first from bit 0 of byte o + 2; with 24 bits the chunk stays byte-aligned.
  const shift = addressBits - BASE_ADDRESS_BITS;
  const top = Math.floor(f.address / 2 ** shift);
  out[o + 2] = (top >>> 16) & 0xff;
  out[o + 3] = (top >>> 8) & 0xff;
  out[o + 4] = top & 0xff;
  const at = o + ID_BYTES + 3;
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
  const c = crc32(out, o, o + Math.ceil(fieldBits(layout) / 8));
  out[0] = c >>> 24;
  out[1] = (c >>> 16) & 0xff;
  out[2] = (c >>> 8) & 0xff;
  out[3] = c & 0xff;
}

/** The fields of a decoded bit buffer, or undefined when its CRC does not match. */
export function unframeBytes(bits: Uint8Array, layout: FrameLayout): StrandFields | undefined {
  const o = CRC_BYTES;
  const c = ((bits[0] << 24) | (bits[1] << 16) | (bits[2] << 8) | bits[3]) >>> 0;
  const end = o + Math.ceil(fieldBits(layout) / 8);
  // Bits past the fields in the CRC's last byte are zero in every strand written.
  const spare = 8 * (end - o) - fieldBits(layout);
  if (spare > 0 && (bits[end - 1] & ((1 << spare) - 1)) !== 0) return undefined;
  if (crc32(bits, o, end) !== c) return undefined;
  const { chunkBytes, addressBits } = layout;
  const shift = addressBits - BASE_ADDRESS_BITS;
  const at = o + ID_BYTES + 3;
  let chunk: Uint8Array;
  if (shift === 0) chunk = bits.slice(at, at + chunkBytes);
  else {
    chunk = new Uint8Array(chunkBytes);
    for (let j = 0; j < chunkBytes; j++) chunk[j] = ((bits[at + j] << shift) | (bits[at + j + 1] >> (8 - shift))) & 0xff;
  }
  return { ...peekFields(bits, addressBits), chunk };
}

/** Kind, pool id and address as read from the buffer (not yet CRC-checked). */
export function peekFields(bits: Uint8Array, addressBits = BASE_ADDRESS_BITS): { kind: number; poolId: number; address: number } {
  const o = CRC_BYTES;
  const shift = addressBits - BASE_ADDRESS_BITS;
  const top = (bits[o + 2] << 16) | (bits[o + 3] << 8) | bits[o + 4];
  const address = shift === 0 ? top : top * 2 ** shift + (bits[o + 5] >> (8 - shift));
  return { kind: bits[o] >> 7, poolId: ((bits[o] & 0x7f) << 8) | bits[o + 1], address };
}
