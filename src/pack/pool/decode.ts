/**
 * Reads → file bytes (format.ts). Needs nothing but the reads: any order, duplicates, either
 * orientation, primers (found as the reads' common prefixes), substitutions (corrected per
 * codeword), and insertions/deletions: a read up to MAX_SHIFT nt too long or short is aligned
 * from both ends, and the codewords before and after the damaged one still vote. Copies of a
 * strand vote per codeword; a strand is accepted only when its CRC-32 matches; strands no read
 * recovers are erasures for the Reed–Solomon blocks. The result is accepted only when its SHA-256
 * matches the manifest; otherwise the error says which blocks lack how many strands.
 */
import { createHash } from 'node:crypto';
import { parseWord } from '../../loco/alphabet.js';
import type { LocoCodec } from '../../loco/codec.js';
import { readBits } from '../../loco/_bits.js';
import { parseWith } from '../../validate.js';
import { ReedSolomonErasure } from '../erasure/index.js';
import { IncompleteDecodeError, PoolFormatError } from '../errors.js';
import { chunkCapacity, KIND_DATA, KIND_HEADER, peekFields, unframeBytes } from './frame.js';
import { blockSizes, manifestSchema, parityAddress, type Manifest } from './format.js';
import { dataCodec, headerCodec } from './encode.js';
import { detectPrimers, orientAndTrim, type PrimerFrame } from './read-frame.js';

/** Reads this many nt too long or too short are aligned from both ends; others are discarded. */
export const MAX_SHIFT = 2;

export interface PoolDecodeReport {
  reads: number;
  /** Reads that contributed at least one codeword. */
  readsUsed: number;
  reverseComplement: number;
  /** Reads whose length differed from the strand length (indels), and of those, the ones discarded. */
  lengthMismatch: number;
  discarded: number;
  strands: number;
  recovered: number;
  /** Strands recovered by per-codeword voting over damaged copies rather than from one clean copy. */
  byVoting: number;
  erasures: number;
  blocks: number;
  primers: [string, string];
}

export interface DecodedPool {
  data: Uint8Array;
  manifest: Manifest;
  report: PoolDecodeReport;
}

interface Candidate {
  bits: Uint8Array;
  votes: number;
}

export function decodePool(reads: readonly string[], source = 'reads', cacheDir?: string | false): DecodedPool {
  if (reads.length === 0) throw new PoolFormatError(source, 'no reads');
  const primers = detectPrimers(reads);
  const report: PoolDecodeReport = {
    reads: reads.length,
    readsUsed: 0,
    reverseComplement: 0,
    lengthMismatch: 0,
    discarded: 0,
    strands: 0,
    recovered: 0,
    byVoting: 0,
    erasures: 0,
    blocks: 0,
    primers: primers.primers,
  };
  const framed = reads.map((r) => orientAndTrim(r, primers));
  const L = modalLength(framed.map((f) => f.seq.length));
  const manifest = readManifest(framed, L, source, cacheDir);
  const codec = dataCodec(manifest, cacheDir);
  const K = manifest.K;
  const s = codec.messageBits;
  const total = manifest.dataStrands + manifest.parity * manifest.blocks;
  report.strands = total;

  const chunks: (Uint8Array | null)[] = new Array(total).fill(null);
  const votes = new Map<number, Map<string, Candidate>[]>();
  const bits = new Uint8Array(Math.ceil((K * s) / 8) + 1);
  const statuses = new Int8Array(K);
  const window = new Uint8Array(L);

  for (const f of framed) {
    let w: Uint8Array;
    try {
      w = parseWord(f.seq, 'read');
    } catch {
      report.discarded++;
      continue;
    }
    const shift = w.length - L;
    if (shift !== 0) report.lengthMismatch++;
    if (Math.abs(shift) > MAX_SHIFT) {
      report.discarded++;
      continue;
    }
    const orientations = primers.found ? [f.reversed] : [false, true];
    let used = false;
    for (const rc of orientations) {
      const word = rc && !primers.found ? reverseComplement(w) : w;
      // Left-aligned view: codeword 0 carries the address.
      fillWindow(word, 0, window);
      bits.fill(0);
      const failed0 = codec.decodeStrandBits(window, 1, bits, 0, statuses);
      if (failed0 > 0) continue;
      const head = peekFields(bits);
      if (head.kind !== KIND_DATA) break; // a header strand: read already
      if (head.poolId !== manifest.poolId) break; // another pool's strand, or a header misread as data
      if (head.address >= total) break;
      if (chunks[head.address]) {
        used = true;
        break;
      }
      if (rc && !primers.found) report.reverseComplement++;
      used = collect(codec, word, L, K, s, head.address, chunks, votes, manifest.chunkBytes) || used;
      break;
    }
    if (used) report.readsUsed++;
  }
  if (primers.found) report.reverseComplement = framed.filter((f) => f.reversed).length;

  // Strands without a clean copy: assemble from per-codeword votes under the CRC.
  for (const [address, perCodeword] of votes) {
    if (chunks[address]) continue;
    const got = assemble(perCodeword, K, s, manifest.chunkBytes);
    if (got) {
      chunks[address] = got;
      report.byVoting++;
    }
  }
  report.recovered = chunks.filter(Boolean).length;
  report.erasures = total - report.recovered;

  const data = rebuild(manifest, chunks, source, report);
  const sha = createHash('sha256').update(data).digest('hex');
  if (sha !== manifest.sha256) {
    throw new IncompleteDecodeError(source, `rebuilt ${data.length} bytes but their SHA-256 ${sha.slice(0, 16)}… differs from the manifest's ${manifest.sha256.slice(0, 16)}…: a strand was accepted wrongly; nothing written`);
  }
  return { data, manifest, report };
}

/** Decodes one read (either length) into votes; true when it gave at least one codeword. */
function collect(
  codec: LocoCodec,
  word: Uint8Array,
  L: number,
  K: number,
  s: number,
  address: number,
  chunks: (Uint8Array | null)[],
  votes: Map<number, Map<string, Candidate>[]>,
  chunkBytes: number,
): boolean {
  const window = new Uint8Array(L);
  const bits = new Uint8Array(Math.ceil((K * s) / 8) + 1);
  const statuses = new Int8Array(K);
  fillWindow(word, 0, window);
  codec.decodeStrandBits(window, K, bits, 0, statuses);
  const good = new Int8Array(K);
  let firstBad = K;
  for (let c = 0; c < K; c++) if (statuses[c] < 0) { firstBad = c; break; }
  if (firstBad === K) {
    const f = unframeBytes(bits, chunkBytes);
    if (f && f.address === address) {
      chunks[address] = f.chunk;
      return true;
    }
  }
  for (let c = 0; c < firstBad; c++) good[c] = 1;
  const pieces: Uint8Array[] = [];
  for (let c = 0; c < K; c++) pieces.push(good[c] ? sliceBits(bits, c * s, s) : new Uint8Array(0));
  if (word.length !== L || firstBad < K) {
    // Right-aligned view: the codewords after an insertion or deletion.
    fillWindow(word, word.length - L, window);
    bits.fill(0);
    codec.decodeStrandBits(window, K, bits, 0, statuses);
    for (let c = K - 1; c >= 0 && statuses[c] >= 0; c--) {
      if (!good[c]) {
        good[c] = 1;
        pieces[c] = sliceBits(bits, c * s, s);
      }
    }
  }
  let any = false;
  let entry = votes.get(address);
  for (let c = 0; c < K; c++) {
    if (!good[c]) continue;
    if (!entry) {
      entry = Array.from({ length: K }, () => new Map<string, Candidate>());
      votes.set(address, entry);
    }
    const key = Buffer.from(pieces[c]).toString('hex');
    const cand = entry[c].get(key);
    if (cand) cand.votes++;
    else entry[c].set(key, { bits: pieces[c], votes: 1 });
    any = true;
  }
  return any;
}

function assemble(perCodeword: Map<string, Candidate>[], K: number, s: number, chunkBytes: number): Uint8Array | undefined {
  const ranked = perCodeword.map((m) => [...m.values()].sort((a, b) => b.votes - a.votes));
  if (ranked.some((r) => r.length === 0)) return undefined;
  const choice = new Int32Array(K);
  const tryChoice = (): Uint8Array | undefined => {
    const bits = new Uint8Array(Math.ceil((K * s) / 8) + 1);
    for (let c = 0; c < K; c++) writeBitsFrom(ranked[c][choice[c]].bits, bits, c * s, s);
    return unframeBytes(bits, chunkBytes)?.chunk;
  };
  const best = tryChoice();
  if (best) return best;
  // One codeword's runner-up at a time: a miscorrected copy outvoted nothing yet.
  for (let c = 0; c < K; c++) {
    for (let alt = 1; alt < Math.min(ranked[c].length, 4); alt++) {
      choice[c] = alt;
      const got = tryChoice();
      if (got) return got;
    }
    choice[c] = 0;
  }
  return undefined;
}

function rebuild(man: Manifest, chunks: (Uint8Array | null)[], source: string, report: PoolDecodeReport): Uint8Array {
  const sizes = blockSizes(man.dataStrands, man.blocks);
  report.blocks = man.blocks;
  const failures: string[] = [];
  let short = 0;
  const data = new Uint8Array(man.dataStrands * man.chunkBytes);
  for (let b = 0; b < man.blocks; b++) {
    const slots: (Uint8Array | null)[] = [];
    const addresses: number[] = [];
    for (let i = 0; i < sizes[b]; i++) addresses.push(i * man.blocks + b);
    for (let i = 0; i < man.parity; i++) addresses.push(parityAddress(man, b, i));
    for (const a of addresses) slots.push(chunks[a]);
    const present = slots.filter(Boolean).length;
    if (present < sizes[b]) {
      const missing = addresses.filter((a) => !chunks[a]);
      short += sizes[b] - present;
      failures.push(`block ${b}: ${present} of ${addresses.length} strands, needs ${sizes[b] - present} more (missing addresses ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? `, … ${missing.length} in all` : ''})`);
      continue;
    }
    const got = new ReedSolomonErasure(sizes[b], man.parity).decode(slots, `block ${b}`);
    got.forEach((chunk, i) => data.set(chunk, (i * man.blocks + b) * man.chunkBytes));
  }
  if (failures.length > 0) {
    throw new IncompleteDecodeError(
      source,
      `${report.recovered} of ${report.strands} strands recovered; ${failures.length} of ${man.blocks} Reed–Solomon blocks cannot be rebuilt (${short} more strands needed in all): ${failures.slice(0, 4).join('; ')}${failures.length > 4 ? '; …' : ''}. Nothing written.`,
    );
  }
  return data.slice(0, man.bytes);
}

function readManifest(framed: readonly PrimerFrame[], L: number, source: string, cacheDir?: string | false): Manifest {
  let header;
  try {
    header = headerCodec(L, cacheDir);
  } catch {
    throw new PoolFormatError(source, `the most common read length, ${L} nt, is not a dnarchive strand length: not a dnarchive pool`);
  }
  const { codec, K } = header;
  const chunkBytes = chunkCapacity(codec, K);
  const bits = new Uint8Array(Math.ceil((K * codec.messageBits) / 8) + 1);
  const statuses = new Int8Array(K);
  const pieces = new Map<number, Map<number, Uint8Array>>(); // pool id → address → chunk
  for (const f of framed) {
    if (f.seq.length !== L) continue;
    let w: Uint8Array;
    try {
      w = parseWord(f.seq, 'read');
    } catch {
      continue;
    }
    for (const word of f.oriented ? [w] : [w, reverseComplement(w)]) {
      bits.fill(0);
      if (codec.decodeStrandBits(word, 1, bits, 0, statuses) > 0) continue;
      if (peekFields(bits).kind !== KIND_HEADER) continue;
      bits.fill(0);
      if (codec.decodeStrandBits(word, K, bits, 0, statuses) > 0) continue;
      const fields = unframeBytes(bits, chunkBytes);
      if (!fields || fields.kind !== KIND_HEADER) continue;
      let pool = pieces.get(fields.poolId);
      if (!pool) pieces.set(fields.poolId, (pool = new Map()));
      pool.set(fields.address, fields.chunk);
      break;
    }
  }
  if (pieces.size === 0) throw new PoolFormatError(source, `no header strand could be decoded among ${framed.length} reads: not a dnarchive pool, or too damaged to identify`);
  if (pieces.size > 1) {
    const ids = [...pieces.keys()].map((id) => id.toString(16).padStart(4, '0'));
    throw new PoolFormatError(source, `reads from ${pieces.size} different pools are mixed together (pool ids ${ids.join(', ')}); decode each pool's reads separately`);
  }
  const [poolId, pool] = [...pieces][0];
  const first = pool.get(0);
  if (!first) throw new PoolFormatError(source, `pool ${poolId.toString(16)}: header chunk 0 is missing from every read`);
  const length = (first[0] << 8) | first[1];
  const need = Math.ceil((length + 2) / chunkBytes);
  const body = new Uint8Array(need * chunkBytes);
  for (let h = 0; h < need; h++) {
    const c = pool.get(h);
    if (!c) throw new PoolFormatError(source, `pool ${poolId.toString(16)}: header chunk ${h} of ${need} is missing from every read`);
    body.set(c, h * chunkBytes);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body.subarray(2, 2 + length)));
  } catch {
    throw new PoolFormatError(source, 'the manifest in the header strands is not valid JSON');
  }
  const manifest = parseWith(manifestSchema, json, `${source}: pool manifest`);
  if (manifest.poolId !== poolId) throw new PoolFormatError(source, `manifest pool id ${manifest.poolId} differs from its strands' ${poolId}`);
  if (manifest.K * (manifest.m + 2) !== L) throw new PoolFormatError(source, `manifest geometry K·(m + 2) = ${manifest.K * (manifest.m + 2)} differs from the strand length ${L}`);
  return manifest;
}

function modalLength(lengths: number[]): number {
  const counts = new Map<number, number>();
  for (const l of lengths) counts.set(l, (counts.get(l) ?? 0) + 1);
  let best = 0;
  let bestCount = -1;
  for (const [l, c] of counts) if (c > bestCount || (c === bestCount && l < best)) [best, bestCount] = [l, c];
  return best;
}

/** window ← word[offset … offset + L), zero-padded where the word is short. */
function fillWindow(word: Uint8Array, offset: number, window: Uint8Array): void {
  window.fill(0);
  for (let i = 0; i < window.length; i++) {
    const j = offset + i;
    if (j >= 0 && j < word.length) window[i] = word[j];
  }
}

export function reverseComplement(w: Uint8Array): Uint8Array {
  const out = new Uint8Array(w.length);
  // Symbols are A=0, T=1, G=2, C=3: the Watson–Crick partner is x XOR 1.
  for (let i = 0; i < w.length; i++) out[i] = w[w.length - 1 - i] ^ 1;
  return out;
}

function sliceBits(src: Uint8Array, pos: number, n: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(n / 8));
  for (let i = 0; i < n; i += 8) {
    const take = Math.min(8, n - i);
    out[i >> 3] = readBits(src, pos + i, take) << (8 - take);
  }
  return out;
}

function writeBitsFrom(src: Uint8Array, dst: Uint8Array, pos: number, n: number): void {
  for (let i = 0; i < n; i += 8) {
    const take = Math.min(8, n - i);
    const v = src[i >> 3] >> (8 - take);
    for (let b = 0; b < take; b++) {
      const bit = (v >> (take - 1 - b)) & 1;
      const p = pos + i + b;
      if (bit) dst[p >> 3] |= 0x80 >> (p & 7);
    }
  }
}
