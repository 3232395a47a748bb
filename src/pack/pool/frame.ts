/**
 * One strand's message bits ↔ its fields (kind, pool id, address, chunk) under a CRC-32; see
 * format.ts for the layout. Works on any LocoCodec: the data code and the ℓ = 1 header code.
 */
import type { LocoCodec } from '../../loco/codec.js';
import { crc32 } from '../crc32.js';
import { CRC_BYTES, FIELD_BYTES } from './format.js';

export const KIND_DATA = 0;
export const KIND_HEADER = 1;

export interface StrandFields {
  kind: number;
  poolId: number;
  address: number;
  chunk: Uint8Array;
}

/** Chunk bytes a strand of this codec can carry (even, for 16-bit erasure symbols). */
export function chunkCapacity(codec: LocoCodec, K: number): number {
  const bytes = Math.floor((K * codec.messageBits) / 8) - FIELD_BYTES - CRC_BYTES;
  return bytes - (bytes & 1);
}

/**
 * Packs CRC + fields into a zeroed bit buffer of K·s bits (bytes, MSB-first). The CRC comes
 * first: it makes the first nucleotides of every strand look random, where the pool id and
 * address would make thousands of strands share a prefix (bad for PCR, and it would pass for
 * a primer when reads are scanned for one).
 */
export function frameBytes(f: StrandFields, chunkBytes: number, out: Uint8Array): void {
  out.fill(0);
  const o = CRC_BYTES;
  out[o] = (f.kind << 7) | (f.poolId >> 8);
  out[o + 1] = f.poolId & 0xff;
  out[o + 2] = (f.address >>> 16) & 0xff;
  out[o + 3] = (f.address >>> 8) & 0xff;
  out[o + 4] = f.address & 0xff;
  out.set(f.chunk.subarray(0, chunkBytes), o + FIELD_BYTES);
  const c = crc32(out, o, o + FIELD_BYTES + chunkBytes);
  out[0] = c >>> 24;
  out[1] = (c >>> 16) & 0xff;
  out[2] = (c >>> 8) & 0xff;
  out[3] = c & 0xff;
}

/** The fields of a decoded bit buffer, or undefined when its CRC does not match. */
export function unframeBytes(bits: Uint8Array, chunkBytes: number): StrandFields | undefined {
  const o = CRC_BYTES;
  const c = ((bits[0] << 24) | (bits[1] << 16) | (bits[2] << 8) | bits[3]) >>> 0;
  if (crc32(bits, o, o + FIELD_BYTES + chunkBytes) !== c) return undefined;
  return { ...peekFields(bits), chunk: bits.slice(o + FIELD_BYTES, o + FIELD_BYTES + chunkBytes) };
}

/** Kind, pool id and address as read from the buffer (not yet CRC-checked). */
export function peekFields(bits: Uint8Array): { kind: number; poolId: number; address: number } {
  const o = CRC_BYTES;
  return { kind: bits[o] >> 7, poolId: ((bits[o] & 0x7f) << 8) | bits[o + 1], address: (bits[o + 2] << 16) | (bits[o + 3] << 8) | bits[o + 4] };
}
