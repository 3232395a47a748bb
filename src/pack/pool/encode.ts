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
import { parityForLoss } from '../erasure/index.js';
import { outerCode } from './outer-code.js';
import { OptionError, parseWith } from '../../validate.js';
import { chunkCapacity, frameBytes, headerLayout, KIND_DATA, KIND_HEADER } from './frame.js';
import {
  blockSizes,
  checkBits,
  dataLayout,
  HEADER_COPIES,
  HEADER_ELL,
  headerGeometry,
  MAX_ADDRESS_BITS,
  minAddressBits,
  parityAddress,
  POOL_FORMAT,
  SHORT_ADDRESS_BITS,
  storesId,
  type Manifest,
} from './format.js';
import { manifestBody } from './manifest-body.js';
import { addPrimers, checkPrimers } from './primers.js';

export const poolOptionsSchema = z
  .object({
    ell: z.number().int().min(1).max(3).default(3),
    /** Strand length in nt, primers excluded. */
    length: z.number().int().min(24).max(1024).default(150),
    /** Codewords per strand; m follows: length = K·(m + 2). Default: 1 in format 3, 2 before. */
    codewords: z.number().int().min(1).max(16).optional(),
    /** Inner code. Default: none in format 3 (the consensus of a strand's reads corrects it), residue before. */
    ecc: z.enum(['none', 'residue']).optional(),
    margin: z.number().min(1).max(1024).default(1),
    /**
     * Expected share of strands lost (dropout plus strands neither a read nor a consensus
     * recovers); sizes the parity. Default: 0.05 in format 3, 0.14 before.
     */
    loss: z.number().min(0).max(0.5).optional(),
    /** Parity as a fraction of data strands per block, instead of sizing it from `loss`. */
    redundancy: z.number().min(0).max(4).optional(),
    /**
     * Largest Reed–Solomon block (data strands). Default: 2,000 in formats 1 and 2; in format 3 the
     * largest block whose parity fits GF(2^16) (k + r ≤ 65,535), up to MAX_AUTO_BLOCK.
     */
    blockSize: z.number().int().min(1).max(65534).optional(),
    /** Pool format: 3 (default), or 2 and 1 for decoders that predate it. */
    format: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(POOL_FORMAT),
    /** The narrowest address to use (bits); wider when the pool has more strands than it numbers. Default: the format's narrowest. */
    addressBits: z.number().int().min(SHORT_ADDRESS_BITS).max(MAX_ADDRESS_BITS).optional(),
    primers: z.tuple([z.string(), z.string()]).default(['', '']),
    cacheDir: z.union([z.string(), z.literal(false)]).optional(),
  })
  .strict();

/**
 * Format 3's default expected loss: 5 % of strands lost in synthesis and PCR, plus the few that
 * neither a read nor a consensus recovers (~0.5 % at coverage 10, measured: docs/notes). With one
 * block of a 1 MiB file, 2,104 parity strands: 1.602 bits/nt at 150 nt.
 */
export const FORMAT3_LOSS = 0.053;

/** Format 3's largest automatic block: a pool of up to ~1.9 MiB at 150 nt is one block. */
export const MAX_AUTO_BLOCK = 60000;

/** The options with the defaults of their format filled in. */
function resolveOptions(o: z.output<typeof poolOptionsSchema>): PoolConfig {
  const f3 = o.format >= 3;
  if (o.addressBits !== undefined && o.addressBits < minAddressBits(o.format))
    throw new OptionError('pool options', 'addressBits', `${o.addressBits} is below format ${o.format}'s narrowest address (${minAddressBits(o.format)} bits)`);
  if (!f3 && o.blockSize !== undefined && o.blockSize > 30000)
    throw new OptionError('pool options', 'blockSize', `${o.blockSize}: formats 1 and 2 allow blocks of at most 30,000 data strands`);
  return {
    ...o,
    codewords: o.codewords ?? (f3 ? 1 : 2),
    ecc: o.ecc ?? (f3 ? 'none' : 'residue'),
    loss: o.loss ?? (f3 ? FORMAT3_LOSS : 0.14),
    addressBits: o.addressBits ?? minAddressBits(o.format),
    blockSize: o.blockSize,
  };
}

export type PoolOptions = z.input<typeof poolOptionsSchema>;
export type PoolConfig = Omit<z.output<typeof poolOptionsSchema>, 'codewords' | 'ecc' | 'loss' | 'addressBits'> & {
  codewords: number;
  ecc: 'none' | 'residue';
  loss: number;
  addressBits: number;
};

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
  const o = resolveOptions(parseWith(poolOptionsSchema, options, 'pool options'));
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
  const check = checkBits(o.format);
  for (let addressBits = o.addressBits; addressBits <= MAX_ADDRESS_BITS; addressBits++) {
    const chunkBytes = chunkCapacity(codec, o.codewords, addressBits, storesId(o.format), check);
    if (chunkBytes < 2) {
      return addressBits === o.addressBits
        ? `${o.length} nt: a strand carries no payload after its ${check}-bit check${storesId(o.format) ? ', kind and pool id' : ''} and its ${addressBits}-bit address`
        : `the file needs ${needed} strands: a ${addressBits}-bit address leaves no room for payload in ${o.length} nt; use longer strands`;
    }
    const dataStrands = Math.ceil(bytes / chunkBytes);
    const paritySize = (kMax: number): number => (kMax === 0 ? 0 : o.redundancy !== undefined ? Math.ceil(o.redundancy * kMax) : parityForLoss(kMax, o.loss));
    let blocks = Math.ceil(dataStrands / (o.blockSize ?? (o.format >= 3 ? MAX_AUTO_BLOCK : 2000)));
    // Format 3 without a block size: the fewest blocks whose data and parity fit one code.
    while (o.blockSize === undefined && o.format >= 3 && blocks < dataStrands && fitsBlock(dataStrands, blocks, o) === false) blocks++;
    const kMax = blocks ? Math.ceil(dataStrands / blocks) : 0;
    const parity = paritySize(kMax);
    needed = dataStrands + parity * blocks;
    if (needed <= 2 ** addressBits - 1) return { chunkBytes, addressBits, dataStrands, blocks, parity };
  }
  return `the file needs ${needed} strands, more than a ${MAX_ADDRESS_BITS}-bit address numbers; use longer strands`;
}

/** Whether blocks of ⌈D / blocks⌉ data strands and their parity fit GF(2^16)'s 65,535 shards. */
function fitsBlock(dataStrands: number, blocks: number, o: PoolConfig): boolean {
  const k = Math.ceil(dataStrands / blocks);
  if (o.redundancy !== undefined) return k + Math.ceil(o.redundancy * k) <= 65535;
  try {
    return k + parityForLoss(k, o.loss) <= 65535;
  } catch {
    return false;
  }
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
  const layout = { ...dataLayout(manifest), messageBits: manifest.K * codec.messageBits };
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
  const par = outerCode(manifest, size, manifest.parity).encode(shards);
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

/** The header copies: uint16 length + the manifest record (manifest-body.ts), in chunks of the header code's capacity. */
export function emitHeader(manifest: Manifest, length: number, cacheDir: string | false | undefined, sink: StrandSink): void {
  const { codec: hCodec, K: hK } = headerCodec(length, cacheDir);
  const tag = poolTag(manifest);
  const body = manifestBody(manifest);
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
