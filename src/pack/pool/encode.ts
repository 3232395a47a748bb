/**
 * File bytes → pool strands (format.ts): chunks, Reed–Solomon parity per interleaved block,
 * framing with address and CRC-32, EC D-LOCO codewords, and repeated header strands carrying the
 * manifest. Deterministic: the same bytes and options give the same strands in the same order.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { eccCodec } from '../../ecc/index.js';
import { formatWord } from '../../loco/alphabet.js';
import type { LocoCodec } from '../../loco/codec.js';
import { ReedSolomonErasure, parityForLoss } from '../erasure/index.js';
import { OptionError, parseWith } from '../../validate.js';
import { chunkCapacity, frameBytes, headerLayout, KIND_DATA, KIND_HEADER } from './frame.js';
import {
  BASE_ADDRESS_BITS,
  blockSizes,
  CRC_BYTES,
  dataLayout,
  HEADER_COPIES,
  HEADER_ELL,
  headerGeometry,
  MAX_ADDRESS_BITS,
  parityAddress,
  POOL_FORMAT,
  storesId,
  type Manifest,
} from './format.js';
import { addPrimers, checkPrimers } from './primers.js';

export const poolOptionsSchema = z
  .object({
    ell: z.number().int().min(1).max(3).default(3),
    /** Strand length in nt, primers excluded. */
    length: z.number().int().min(24).max(1024).default(150),
    /** Codewords per strand; m follows: length = K·(m + 2). */
    codewords: z.number().int().min(1).max(16).default(2),
    ecc: z.enum(['none', 'residue']).default('residue'),
    margin: z.number().min(1).max(1024).default(1),
    /** Expected share of strands lost (dropout plus strands no read recovers); sizes the parity. */
    loss: z.number().min(0).max(0.5).default(0.14),
    /** Parity as a fraction of data strands per block, instead of sizing it from `loss`. */
    redundancy: z.number().min(0).max(4).optional(),
    /** Largest Reed–Solomon block (data strands). */
    blockSize: z.number().int().min(1).max(30000).default(2000),
    /** Pool format: 2 (default), or 1 for decoders that predate format 2 (kind and pool id stored in every data strand, 2 bytes less of chunk). */
    format: z.union([z.literal(1), z.literal(2)]).default(POOL_FORMAT),
    /** The narrowest address to use (bits); wider when the pool has more strands than it numbers. */
    addressBits: z.number().int().min(BASE_ADDRESS_BITS).max(MAX_ADDRESS_BITS).default(BASE_ADDRESS_BITS),
    primers: z.tuple([z.string(), z.string()]).default(['', '']),
    cacheDir: z.union([z.string(), z.literal(false)]).optional(),
  })
  .strict();

export type PoolOptions = z.input<typeof poolOptionsSchema>;
export type PoolConfig = z.output<typeof poolOptionsSchema>;

export interface EncodedPool {
  manifest: Manifest;
  /** Strands as "ATGC…" (primers included), data, then parity, then header copies. */
  strands: string[];
  names: string[];
}

export function codewordLength(length: number, K: number): number {
  const m = length / K - 2;
  if (!Number.isInteger(m)) throw new OptionError('pool options', '--length', `${length} is not a multiple of --codewords ${K}: each strand is K·(m + 2) nt`);
  return m;
}

export function dataCodec(man: Pick<Manifest, 'ell' | 'm' | 'K' | 'ecc' | 'margin'>, cacheDir?: string | false): LocoCodec {
  return eccCodec({ ell: man.ell, length: man.m, bridge: 'check2', balance: true, codewordsPerStrand: man.K, ecc: man.ecc, margin: man.margin, cacheDir });
}

export function headerCodec(L: number, cacheDir?: string | false): { codec: LocoCodec; K: number } {
  const g = headerGeometry(L);
  if (!g) throw new OptionError('pool options', '--length', `strand length ${L}: no header geometry (need L = K·(m + 2) with 10 ≤ m ≤ 64)`);
  return {
    codec: eccCodec({ ell: HEADER_ELL, length: g.m, bridge: 'check2', balance: true, codewordsPerStrand: g.K, ecc: 'residue', margin: 1, cacheDir }),
    K: g.K,
  };
}

/** Where the payload comes from: its length, its SHA-256, and random access to its bytes. */
export interface PayloadSource {
  readonly bytes: number;
  readonly sha256: string;
  /** Copies bytes [offset, offset + out.length) of the payload into `out` (zero beyond the end). */
  read(offset: number, out: Uint8Array): void;
}

/** Receives strands in order: data and parity block by block, then the header copies. */
export type StrandSink = (name: string, strand: string) => void;

export function memorySource(data: Uint8Array): PayloadSource {
  return {
    bytes: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    read(offset: number, out: Uint8Array): void {
      out.fill(0);
      if (offset < data.length) out.set(data.subarray(offset, Math.min(data.length, offset + out.length)));
    },
  };
}

/** The manifest for a payload of this size and hash under these options (no strands yet). */
export function planPool(bytes: number, sha256: string, options: PoolOptions = {}): { manifest: Manifest; config: PoolConfig } {
  const o = parseWith(poolOptionsSchema, options, 'pool options');
  const primers = checkPrimers(o.primers, o.ell);
  const m = codewordLength(o.length, o.codewords);
  const params = { ell: o.ell, m, K: o.codewords, ecc: o.ecc, margin: o.margin };
  const codec = dataCodec(params, o.cacheDir);
  headerCodec(o.length, o.cacheDir); // the strand length must admit a header geometry
  const layout = strandLayout(bytes, codec, o);
  if (typeof layout === 'string') throw new OptionError('pool options', '--length', layout);
  const { chunkBytes, addressBits, dataStrands, blocks, parity } = layout;
  const idSource = createHash('sha256')
    .update(`${sha256}|${JSON.stringify({ ...params, chunkBytes, parity, primers })}`)
    .digest();
  const manifest: Manifest = {
    format: o.format,
    bytes,
    sha256,
    poolId: ((idSource[0] << 8) | idSource[1]) & 0x7fff,
    ...params,
    bridge: 'check2',
    balance: true,
    addressBits,
    chunkBytes,
    dataStrands,
    blocks,
    parity,
    primers,
  };
  return { manifest, config: o };
}

/**
 * The narrowest address that numbers every strand, and what follows from it: a wider address
 * can shorten the chunk, which adds strands. Returns the reason when no width up to 31 bits fits.
 */
function strandLayout(
  bytes: number,
  codec: LocoCodec,
  o: PoolConfig,
): { chunkBytes: number; addressBits: number; dataStrands: number; blocks: number; parity: number } | string {
  let needed = 0;
  for (let addressBits = o.addressBits; addressBits <= MAX_ADDRESS_BITS; addressBits++) {
    const chunkBytes = chunkCapacity(codec, o.codewords, addressBits, storesId(o.format));
    if (chunkBytes < 2) {
      return addressBits === o.addressBits
        ? `${o.length} nt: a strand carries no payload after its ${CRC_BYTES}-byte CRC${storesId(o.format) ? ', kind and pool id' : ''} and its ${addressBits}-bit address`
        : `the file needs ${needed} strands: a ${addressBits}-bit address leaves no room for payload in ${o.length} nt; use longer strands`;
    }
    const dataStrands = Math.ceil(bytes / chunkBytes);
    const blocks = Math.ceil(dataStrands / o.blockSize);
    const kMax = blocks ? Math.ceil(dataStrands / blocks) : 0;
    const parity = kMax === 0 ? 0 : o.redundancy !== undefined ? Math.ceil(o.redundancy * kMax) : parityForLoss(kMax, o.loss);
    needed = dataStrands + parity * blocks;
    if (needed <= 2 ** addressBits - 1) return { chunkBytes, addressBits, dataStrands, blocks, parity };
  }
  return `the file needs ${needed} strands, more than a ${MAX_ADDRESS_BITS}-bit address numbers; use longer strands`;
}

/**
 * Streams a payload into strands: one Reed–Solomon block at a time (memory: one block of
 * chunks plus its parity, whatever the payload size), then the header copies. Deterministic.
 */
export function encodePoolStream(source: PayloadSource, options: PoolOptions, sink: StrandSink, onBlock?: (done: number, total: number) => void): Manifest {
  const { manifest, config: o } = planPool(source.bytes, source.sha256, options);
  const codec = dataCodec(manifest, o.cacheDir);

  const sizes = blockSizes(manifest.dataStrands, manifest.blocks);
  let first = 0;
  sizes.forEach((size, b) => {
    const block = new Uint8Array(size * manifest.chunkBytes);
    source.read(first * manifest.chunkBytes, block);
    for (const [name, strand] of encodeBlock(manifest, codec, b, first, block)) sink(name, strand);
    first += size;
    onBlock?.(b + 1, sizes.length);
  });
  emitHeader(manifest, o.length, o.cacheDir, sink);
  return manifest;
}

/** One Reed–Solomon block: its data strands, then its parity strands, as [name, strand]. */
export function encodeBlock(manifest: Manifest, codec: LocoCodec, b: number, first: number, block: Uint8Array): Array<[string, string]> {
  const { chunkBytes, primers } = manifest;
  const layout = dataLayout(manifest);
  const size = block.length / chunkBytes;
  const buf = new Uint8Array(Math.ceil((manifest.K * codec.messageBits) / 8));
  const tag = poolTag(manifest);
  const out: Array<[string, string]> = [];
  const emit = (name: string): void => {
    out.push([name, addPrimers(formatWord(codec.encodeStrandBits(buf, 0, manifest.K)), primers)]);
  };
  const shards = Array.from({ length: size }, (_, i) => block.subarray(i * chunkBytes, (i + 1) * chunkBytes));
  shards.forEach((chunk, i) => {
    frameBytes({ kind: KIND_DATA, poolId: manifest.poolId, address: first + i, chunk }, layout, buf);
    emit(`${tag}:d${first + i}`);
  });
  const par = new ReedSolomonErasure(size, manifest.parity).encode(shards);
  par.forEach((p, i) => {
    const address = parityAddress(manifest, b, i);
    frameBytes({ kind: KIND_DATA, poolId: manifest.poolId, address, chunk: p }, layout, buf);
    emit(`${tag}:p${address}`);
  });
  return out;
}

function poolTag(manifest: Manifest): string {
  return manifest.poolId.toString(16).padStart(4, '0');
}

/** The header copies: uint16 length + manifest JSON, in chunks of the header code's capacity. */
export function emitHeader(manifest: Manifest, length: number, cacheDir: string | false | undefined, sink: StrandSink): void {
  const { codec: hCodec, K: hK } = headerCodec(length, cacheDir);
  const tag = poolTag(manifest);
  const json = new TextEncoder().encode(JSON.stringify(manifest));
  const body = new Uint8Array(2 + json.length);
  body[0] = json.length >> 8;
  body[1] = json.length & 0xff;
  body.set(json, 2);
  const hLayout = headerLayout(hCodec, hK);
  const hChunk = hLayout.chunkBytes;
  const hBuf = new Uint8Array(Math.ceil((hK * hCodec.messageBits) / 8));
  const pieces = Math.ceil(body.length / hChunk);
  for (let copy = 0; copy < HEADER_COPIES; copy++) {
    for (let h = 0; h < pieces; h++) {
      const piece = new Uint8Array(hChunk);
      piece.set(body.subarray(h * hChunk, (h + 1) * hChunk));
      frameBytes({ kind: KIND_HEADER, poolId: manifest.poolId, address: (copy << 16) | h, chunk: piece }, hLayout, hBuf);
      sink(`${tag}:h${h}.${copy}`, addPrimers(formatWord(hCodec.encodeStrandBits(hBuf, 0, hK)), manifest.primers));
    }
  }
}

/** The whole pool in memory (small payloads, tests, the demo). */
export function encodePool(data: Uint8Array, options: PoolOptions = {}): EncodedPool {
  const strands: string[] = [];
  const names: string[] = [];
  const manifest = encodePoolStream(memorySource(data), options, (name, strand) => {
    names.push(name);
    strands.push(strand);
  });
  return { manifest, strands, names };
}
