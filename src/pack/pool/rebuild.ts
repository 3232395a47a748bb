/**
 * The outer code over the recovered strands, streamed: every block is first checked for enough
 * strands (so a shortfall is reported for all blocks at once, before any byte is written), then
 * each block is rebuilt from the store (chunk-store.ts), written out in one piece and hashed. The
 * SHA-256 of what was written is returned for the caller to compare with the manifest before it
 * commits the output.
 */
import { createHash } from 'node:crypto';
import { ReedSolomonErasure } from '../erasure/index.js';
import { IncompleteDecodeError } from '../errors.js';
import type { ChunkStore } from './chunk-store.js';
import { blockSizes, blockStarts, parityAddress, type Manifest } from './format.js';

/** Receives the payload in order, one block's bytes per call (the buffer is reused afterwards). */
export type PayloadWrite = (bytes: Uint8Array) => void;

export interface RebuildCounts {
  recovered: number;
  strands: number;
}

/** Rebuilds and writes the payload; returns its SHA-256 (hex). */
export function rebuildPayload(man: Manifest, store: ChunkStore, source: string, counts: RebuildCounts, write: PayloadWrite): string {
  const sizes = blockSizes(man.dataStrands, man.blocks);
  checkComplete(man, sizes, store, source, counts);
  const hash = createHash('sha256');
  const cb = man.chunkBytes;
  const out = new Uint8Array((sizes[0] ?? 0) * cb); // the first blocks are the largest
  let left = man.bytes;
  for (let b = 0; b < man.blocks; b++) {
    const data = new ReedSolomonErasure(sizes[b], man.parity).decode(store.blockSlots(b), `block ${b}`);
    for (let i = 0; i < data.length; i++) out.set(data[i], i * cb);
    const piece = out.subarray(0, Math.min(left, sizes[b] * cb));
    hash.update(piece);
    write(piece);
    left -= piece.length;
  }
  return hash.digest('hex');
}

/** Throws IncompleteDecodeError naming every block short of strands (and which addresses). */
function checkComplete(man: Manifest, sizes: readonly number[], store: ChunkStore, source: string, counts: RebuildCounts): void {
  const starts = blockStarts(sizes);
  const failures: string[] = [];
  let short = 0;
  for (let b = 0; b < man.blocks; b++) {
    const addresses = blockAddressList(man, sizes[b], starts[b], b);
    let present = 0;
    for (const a of addresses) if (store.has(a)) present++;
    if (present >= sizes[b]) continue;
    short += sizes[b] - present;
    if (failures.length >= 4) {
      failures.push('');
      continue;
    }
    const missing = addresses.filter((a) => !store.has(a));
    failures.push(
      `block ${b}: ${present} of ${addresses.length} strands, needs ${sizes[b] - present} more (missing addresses ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? `, … ${missing.length} in all` : ''})`,
    );
  }
  if (failures.length > 0) {
    throw new IncompleteDecodeError(
      source,
      `${counts.recovered} of ${counts.strands} strands recovered; ${failures.length} of ${man.blocks} Reed–Solomon block(s) cannot be rebuilt (${short} more strands needed in all): ${failures.slice(0, 4).join('; ')}${failures.length > 4 ? '; …' : ''}. Nothing written.`,
    );
  }
}

/** blockAddresses without recomputing the block sizes (O(k + r) per block, not O(blocks)). */
export function blockAddressList(man: Pick<Manifest, 'dataStrands' | 'parity'>, size: number, start: number, b: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < size; i++) out.push(start + i);
  for (let i = 0; i < man.parity; i++) out.push(parityAddress(man, b, i));
  return out;
}
