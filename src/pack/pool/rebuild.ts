/**
 * The outer code over the recovered strands, streamed: every block is first checked for enough
 * strands (so a shortfall is reported for all blocks at once, before any byte is written), then
 * each block is rebuilt from the store (chunk-store.ts), written out in one piece and hashed. The
 * SHA-256 of what was written is returned for the caller to compare with the manifest before it
 * commits the output.
 */
import { createHash } from 'node:crypto';
import { agreesWithParity, outerCode, type OuterCode } from './outer-code.js';
import { IncompleteDecodeError } from '../errors.js';
import type { ChunkStore } from './chunk-store.js';
import { blockSizes, blockStarts, parityAddress, type Manifest } from './format.js';

/** Receives the payload in order, one block's bytes per call (the buffer is reused afterwards). */
export type PayloadWrite = (bytes: Uint8Array) => void;

export interface RebuildCounts {
  recovered: number;
  strands: number;
  /** Short checks: strands left out because more reads disputed than backed them. */
  distrusted?: number;
  /** Short checks: strands set aside to make a block agree with its parity (a wrong one among them). */
  setAside?: number;
}

/**
 * What the collector knows of its strands under a short check (format 3; strand-support.ts):
 * strands more reads dispute than back are left out from the start, and when a block's spare
 * parity shows a wrong strand among those used, suspects are set aside a group at a time — most
 * suspect first — until the block agrees with its parity.
 */
export interface StrandTrust {
  distrusted(address: number): boolean;
  /** Addresses of strands backed by little (check-guided repairs, then single reads), most suspect first. */
  suspects(): Iterable<number>;
}

/** Rounds of setting suspects aside before a block that disagrees with its parity is given up. */
const MAX_ROUNDS = 32;

/** Rebuilds and writes the payload; returns its SHA-256 (hex). */
export function rebuildPayload(man: Manifest, store: ChunkStore, source: string, counts: RebuildCounts, write: PayloadWrite, trust?: StrandTrust): string {
  const sizes = blockSizes(man.dataStrands, man.blocks);
  const starts = blockStarts(sizes);
  checkComplete(man, sizes, store, source, counts, trust);
  const hash = createHash('sha256');
  const cb = man.chunkBytes;
  const out = new Uint8Array((sizes[0] ?? 0) * cb); // the first blocks are the largest
  let left = man.bytes;
  for (let b = 0; b < man.blocks; b++) {
    const code = outerCode(man, sizes[b], man.parity);
    const slots = store.blockSlots(b);
    const data = trust
      ? trustedDecode(man, code, slots, blockAddressList(man, sizes[b], starts[b], b), b, trust, source, counts)
      : code.decode(slots, `block ${b}`);
    for (let i = 0; i < data.length; i++) out.set(data[i], i * cb);
    const piece = out.subarray(0, Math.min(left, sizes[b] * cb));
    hash.update(piece);
    write(piece);
    left -= piece.length;
  }
  return hash.digest('hex');
}

/**
 * Decodes a block from its trusted strands and checks the result against spare parity; while they
 * disagree, sets suspects aside in groups small enough to leave a spare parity shard to check.
 */
function trustedDecode(
  man: Manifest,
  code: OuterCode,
  slots: (Uint8Array | null)[],
  addresses: readonly number[],
  b: number,
  trust: StrandTrust,
  source: string,
  counts: RebuildCounts,
): Uint8Array[] {
  const index = new Map<number, number>();
  addresses.forEach((a, i) => index.set(a, i));
  for (let i = 0; i < slots.length; i++)
    if (slots[i] && trust.distrusted(addresses[i])) {
      slots[i] = null;
      counts.distrusted = (counts.distrusted ?? 0) + 1;
    }
  let data = code.decode(slots, `block ${b}`);
  if (agreesWithParity(code, data, slots) !== false) return data;
  let present = 0;
  for (const s of slots) if (s) present++;
  // Keep k strands to decode from and two spare parity shards to check with.
  const group = present - code.k - 2;
  const suspects: number[] = [];
  for (const a of trust.suspects()) {
    const i = index.get(a);
    if (i !== undefined && slots[i]) suspects.push(i);
  }
  for (let round = 0; group > 0 && round < MAX_ROUNDS && round * group < suspects.length; round++) {
    const trial = slots.slice();
    const aside = suspects.slice(round * group, (round + 1) * group);
    for (const i of aside) trial[i] = null;
    data = code.decode(trial, `block ${b}`);
    if (agreesWithParity(code, data, trial) === true) {
      counts.setAside = (counts.setAside ?? 0) + aside.length;
      return data;
    }
  }
  throw new IncompleteDecodeError(
    source,
    `block ${b} of ${man.blocks}: its strands disagree with its parity — a damaged strand passed its 20-bit check — and setting aside the ${Math.min(suspects.length, MAX_ROUNDS * Math.max(0, group))} least-backed strands did not single it out. Nothing written.`,
  );
}

/** Throws IncompleteDecodeError naming every block short of strands (and which addresses). */
function checkComplete(man: Manifest, sizes: readonly number[], store: ChunkStore, source: string, counts: RebuildCounts, trust?: StrandTrust): void {
  const starts = blockStarts(sizes);
  const has = (a: number): boolean => store.has(a) && !trust?.distrusted(a);
  const failures: string[] = [];
  let short = 0;
  for (let b = 0; b < man.blocks; b++) {
    const addresses = blockAddressList(man, sizes[b], starts[b], b);
    let present = 0;
    for (const a of addresses) if (has(a)) present++;
    if (present >= sizes[b]) continue;
    short += sizes[b] - present;
    if (failures.length >= 4) {
      failures.push('');
      continue;
    }
    const missing = addresses.filter((a) => !has(a));
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
