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
import { chunkCapacity, frameBytes, KIND_DATA, KIND_HEADER } from './frame.js';
import { blockSizes, HEADER_COPIES, HEADER_ELL, headerGeometry, MAX_ADDRESS, parityAddress, POOL_FORMAT, type Manifest } from './format.js';
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
    loss: z.number().min(0).max(0.5).default(0.12),
    /** Parity as a fraction of data strands per block, instead of sizing it from `loss`. */
    redundancy: z.number().min(0).max(4).optional(),
    /** Largest Reed–Solomon block (data strands). */
    blockSize: z.number().int().min(1).max(30000).default(2000),
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
  return { codec: eccCodec({ ell: HEADER_ELL, length: g.m, bridge: 'check2', balance: true, codewordsPerStrand: g.K, ecc: 'residue', margin: 1, cacheDir }), K: g.K };
}

export function encodePool(data: Uint8Array, options: PoolOptions = {}): EncodedPool {
  const o = parseWith(poolOptionsSchema, options, 'pool options');
  const primers = checkPrimers(o.primers, o.ell);
  const m = codewordLength(o.length, o.codewords);
  const params = { ell: o.ell, m, K: o.codewords, ecc: o.ecc, margin: o.margin };
  const codec = dataCodec(params, o.cacheDir);
  const chunkBytes = chunkCapacity(codec, o.codewords);
  if (chunkBytes < 2) throw new OptionError('pool options', '--length', `${o.length} nt: a strand carries no payload after its ${9}-byte address and CRC`);
  const { codec: hCodec, K: hK } = headerCodec(o.length, o.cacheDir);

  const dataStrands = Math.ceil(data.length / chunkBytes);
  const blocks = Math.ceil(dataStrands / o.blockSize);
  const sizes = blockSizes(dataStrands, blocks);
  const kMax = sizes.length ? Math.max(...sizes) : 0;
  const parity = kMax === 0 ? 0 : o.redundancy !== undefined ? Math.ceil(o.redundancy * kMax) : parityForLoss(kMax, o.loss);
  if (dataStrands + parity * blocks > MAX_ADDRESS) throw new OptionError('pool options', '--length', `the file needs ${dataStrands + parity * blocks} strands, more than the 24-bit address space holds; use longer strands`);

  const sha256 = createHash('sha256').update(data).digest('hex');
  const idSource = createHash('sha256').update(`${sha256}|${JSON.stringify({ ...params, chunkBytes, parity, primers })}`).digest();
  const manifest: Manifest = {
    format: POOL_FORMAT,
    bytes: data.length,
    sha256,
    poolId: ((idSource[0] << 8) | idSource[1]) & 0x7fff,
    ...params,
    chunkBytes,
    dataStrands,
    blocks,
    parity,
    primers,
  };

  const strands: string[] = [];
  const names: string[] = [];
  const buf = new Uint8Array(Math.ceil((o.codewords * codec.messageBits) / 8));
  const chunk = new Uint8Array(chunkBytes);
  const emit = (c: LocoCodec, K: number, bits: Uint8Array, name: string): void => {
    strands.push(addPrimers(formatWord(c.encodeStrandBits(bits, 0, K)), primers));
    names.push(name);
  };
  const tag = manifest.poolId.toString(16).padStart(4, '0');

  const shards: Uint8Array[] = [];
  for (let g = 0; g < dataStrands; g++) {
    chunk.fill(0);
    chunk.set(data.subarray(g * chunkBytes, Math.min(data.length, (g + 1) * chunkBytes)));
    shards.push(chunk.slice());
    frameBytes({ kind: KIND_DATA, poolId: manifest.poolId, address: g, chunk }, chunkBytes, buf);
    emit(codec, o.codewords, buf, `${tag}:d${g}`);
  }
  for (let b = 0; b < blocks; b++) {
    const members = Array.from({ length: sizes[b] }, (_, i) => shards[i * blocks + b]);
    const par = new ReedSolomonErasure(sizes[b], parity).encode(members);
    par.forEach((p, i) => {
      const address = parityAddress(manifest, b, i);
      frameBytes({ kind: KIND_DATA, poolId: manifest.poolId, address, chunk: p }, chunkBytes, buf);
      emit(codec, o.codewords, buf, `${tag}:p${address}`);
    });
  }

  // Header: uint16 length + manifest JSON, in chunks of the header code's capacity.
  const json = new TextEncoder().encode(JSON.stringify(manifest));
  const body = new Uint8Array(2 + json.length);
  body[0] = json.length >> 8;
  body[1] = json.length & 0xff;
  body.set(json, 2);
  const hChunk = chunkCapacity(hCodec, hK);
  const hBuf = new Uint8Array(Math.ceil((hK * hCodec.messageBits) / 8));
  const pieces = Math.ceil(body.length / hChunk);
  for (let copy = 0; copy < HEADER_COPIES; copy++) {
    for (let h = 0; h < pieces; h++) {
      const piece = new Uint8Array(hChunk);
      piece.set(body.subarray(h * hChunk, (h + 1) * hChunk));
      frameBytes({ kind: KIND_HEADER, poolId: manifest.poolId, address: h, chunk: piece }, hChunk, hBuf);
      emit(hCodec, hK, hBuf, `${tag}:h${h}.${copy}`);
    }
  }
  return { manifest, strands, names };
}
