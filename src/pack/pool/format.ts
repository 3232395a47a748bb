/**
 * The pool format, version 2 (spec pool.md "Layers"); version 1 is still read.
 *
 * Every strand is K EC D-LOCO codewords with check2 bridges: L = K·(m + 2) nt. Its K·s message
 * bits carry, MSB-first:
 *
 *   header strands, and data strands of format 1:
 *     byte 0–3   CRC-32 of bytes 4 … (first, so that strand prefixes look random)
 *     byte 4–5   kind (1 bit: 0 data/parity, 1 header) and the 15-bit pool id
 *     byte 6 …   address, then the chunk
 *   data strands of format 2:
 *     byte 0–3   CRC-32 of [kind · 2^15 + pool id as 2 bytes] followed by bytes 4 …
 *     byte 4 …   address, then the chunk
 *   address     addressBits (24 … 31): data and parity strands 0 … n−1, header chunks 0 … h−1
 *               (header strands always 24 bits)
 *   chunk       chunkBytes, even (16-bit Reed–Solomon symbols); remaining bits zero
 *
 * Format 2 stops storing kind and pool id in data strands (2 bytes of a 150-nt strand's 31): the
 * header strands, which still carry them, name the pool before any data strand is read, and the
 * CRC still covers both, so a strand of another pool or a header strand read as data fails its
 * CRC exactly as a damaged one does. At the defaults the chunk grows from 22 to 24 bytes.
 *
 * The address is as wide as the pool needs: 24 bits (byte-aligned chunk, ≈ 16.7 M strands) unless
 * the pool has more strands; each further bit shifts the chunk by one bit. At 150 nt, a 1 GiB
 * file needs 26 bits, which fit in the spare bits of the strand without shortening its chunk.
 *
 * The address sits in the first codeword, under the same substitution correction as the
 * payload and under the strand's CRC-32 — protected at least as well as the payload, as the
 * spec asks. A strand whose CRC fails is never used; it is an erasure for the outer code.
 *
 * Data strands: the payload split into chunks (the last zero-padded), grouped into B Reed–Solomon
 * blocks of consecutive chunks (sizes as equal as possible), each with r parity shards, so that
 * encoding streams one block at a time. Strands are lost independently of their address (dropout
 * and failed reads), so interleaving would buy nothing. Addresses: data shards 0 … n_d − 1, then
 * parity shard i of block b at n_d + b·r + i.
 *
 * Header strands carry the manifest (JSON, validated with zod on decode), prefixed by its length
 * (uint16), in HEADER_COPIES distinct copies (address = copy · 2^16 + chunk). They use a code every pool can read without knowing its
 * parameters: ℓ = 1 (which satisfies any run limit), residue correction, check2, on the same
 * strand length L, with the geometry headerGeometry(L). The decoder needs nothing but the reads.
 */
import { z } from 'zod';

export const POOL_FORMAT = 3;
/** Formats the decoder reads (and the encoder can still write). */
export const POOL_FORMATS = [1, 2, 3] as const;
export type PoolFormat = (typeof POOL_FORMATS)[number];
/** Kind + pool id. */
export const ID_BYTES = 2;
export const CRC_BYTES = 4;
/** The narrowest address (and the header strands' address) of formats 1 and 2. */
export const BASE_ADDRESS_BITS = 24;
/** The narrowest address of format 3: 65,535 strands (2 MiB at 150 nt) before it widens. */
export const SHORT_ADDRESS_BITS = 16;
/**
 * Format 3's per-strand check: the top 20 bits of a CRC-32. It accepts a damaged strand with
 * probability 2^-20; the decoder's acceptance rules (collect.ts, rebuild.ts) keep such a strand from
 * spoiling a block. See docs/formats/pool.md, "Format 3".
 */
export const SHORT_CHECK_BITS = 20;
/**
 * The widest: 2^31 − 1 strands (about 47 GB at 150 nt). Addresses stay below 2^31 so that bit
 * operations on them (bitmaps of recovered strands) stay in int32.
 */
export const MAX_ADDRESS_BITS = 31;
export const MAX_ADDRESS = 2 ** MAX_ADDRESS_BITS - 1;
/**
 * Copies of each header chunk. Each copy is a distinct sequence (the copy number sits in the
 * address's high byte): a synthesis pool holds identical sequences as one species, which drops
 * out as one, so identical copies would add coverage but no protection. 8 copies: at 5 % dropout
 * and coverage 10 a header chunk was lost in 1 of 20 seeded runs with 4.
 */
export const HEADER_COPIES = 8;
/** A header strand's address: copy in bits 16–23, chunk index in bits 0–15. */
export const HEADER_CHUNK_MASK = 0xffff;
export const HEADER_ELL = 1;

/** Largest Reed–Solomon block (k + r) in GF(2^16). */
const MAX_BLOCK_SHARDS = 65535;

export const manifestSchema = z
  .object({
    format: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    poolId: z.number().int().min(0).max(0x7fff),
    ell: z.number().int().min(1).max(3),
    m: z.number().int().min(8).max(512),
    K: z.number().int().min(1).max(64),
    bridge: z.literal('check2'),
    balance: z.literal(true),
    addressBits: z.number().int().min(SHORT_ADDRESS_BITS).max(MAX_ADDRESS_BITS),
    ecc: z.enum(['none', 'residue']),
    margin: z.number().min(1).max(1024),
    chunkBytes: z.number().int().min(2).max(4096).multipleOf(2),
    dataStrands: z.number().int().min(0).max(MAX_ADDRESS),
    blocks: z.number().int().min(0).max(MAX_ADDRESS),
    parity: z.number().int().min(0).max(MAX_BLOCK_SHARDS),
    primers: z.tuple([z.string().regex(/^[ACGT]*$/), z.string().regex(/^[ACGT]*$/)]),
  })
  .strict()
  // Fields valid one by one must also fit together: the decoder sizes its buffers from them.
  .superRefine((m, ctx) => {
    const issue = (path: string, message: string): void => ctx.addIssue({ code: 'custom', path: [path], message });
    if (m.addressBits < minAddressBits(m.format)) issue('addressBits', `must be at least ${minAddressBits(m.format)} in format ${m.format}`);
    if (m.dataStrands !== Math.ceil(m.bytes / m.chunkBytes)) issue('dataStrands', `must be ⌈bytes / chunkBytes⌉ = ${Math.ceil(m.bytes / m.chunkBytes)}`);
    if ((m.blocks === 0) !== (m.dataStrands === 0) || m.blocks > m.dataStrands)
      issue('blocks', `must be between 1 and dataStrands (${m.dataStrands}), or 0 for an empty payload`);
    if (m.blocks > 0 && Math.ceil(m.dataStrands / m.blocks) + m.parity > MAX_BLOCK_SHARDS)
      issue('parity', `a block of ${Math.ceil(m.dataStrands / m.blocks)} data + ${m.parity} parity strands exceeds ${MAX_BLOCK_SHARDS}`);
    if (m.dataStrands + m.parity * m.blocks > 2 ** m.addressBits - 1)
      issue('addressBits', `${m.dataStrands + m.parity * m.blocks} data + parity strands exceed the ${m.addressBits}-bit address space`);
  });

export type Manifest = z.infer<typeof manifestSchema>;

/** Header code geometry for strands of L nt: the fewest codewords with m ≤ 64 (fast ℓ = 1 tables). */
export function headerGeometry(L: number): { K: number; m: number } | undefined {
  for (let K = 1; K <= 64; K++) {
    if (L % K !== 0) continue;
    const m = L / K - 2;
    if (m < 10) return undefined;
    if (m <= 64) return { K, m };
  }
  return undefined;
}

/** Data shards per block: as equal as possible, block b gets ⌈⌉ or ⌊⌋. */
export function blockSizes(dataStrands: number, blocks: number): number[] {
  return Array.from({ length: blocks }, (_, b) => Math.floor(dataStrands / blocks) + (b < dataStrands % blocks ? 1 : 0));
}

export function parityAddress(man: Pick<Manifest, 'dataStrands' | 'parity'>, block: number, i: number): number {
  return man.dataStrands + block * man.parity + i;
}

/** First data address of each block. */
export function blockStarts(sizes: readonly number[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(at);
    at += s;
  }
  return out;
}

/** Addresses of block b: its data strands, then its parity strands (the slots of its RS code). */
export function blockAddresses(man: Pick<Manifest, 'dataStrands' | 'parity' | 'blocks'>, b: number): number[] {
  const sizes = blockSizes(man.dataStrands, man.blocks);
  const start = blockStarts(sizes)[b];
  const out: number[] = [];
  for (let i = 0; i < sizes[b]; i++) out.push(start + i);
  for (let i = 0; i < man.parity; i++) out.push(parityAddress(man, b, i));
  return out;
}

/**
 * The Reed–Solomon block an address belongs to, in O(1) (stores that group strands by block
 * call this per strand): data address a lies in block ⌊a / (q + 1)⌋ among the first D mod B
 * blocks of q + 1 strands, after them in blocks of q; parity addresses follow blockAddresses.
 */
export function blockOfAddress(man: Pick<Manifest, 'dataStrands' | 'parity' | 'blocks'>, a: number): number {
  const D = man.dataStrands;
  if (a >= D) return Math.floor((a - D) / man.parity);
  const q = Math.floor(D / man.blocks);
  const big = (D % man.blocks) * (q + 1);
  return a < big ? Math.floor(a / (q + 1)) : (D % man.blocks) + Math.floor((a - big) / q);
}

/** Whether the data strands of this format store kind and pool id (format 1 did; later formats leave them to the check). */
export function storesId(format: number): boolean {
  return format === 1;
}

/** Bits of the data strands' check: a CRC-32 in formats 1 and 2, its top 20 bits in format 3. */
export function checkBits(format: number): 32 | 20 {
  return format >= 3 ? SHORT_CHECK_BITS : 32;
}

/** The narrowest data address of a format. */
export function minAddressBits(format: number): number {
  return format >= 3 ? SHORT_ADDRESS_BITS : BASE_ADDRESS_BITS;
}

/** How the data strands of this pool are framed. */
export function dataLayout(man: Pick<Manifest, 'format' | 'chunkBytes' | 'addressBits'>): {
  chunkBytes: number;
  addressBits: number;
  idStored: boolean;
  checkBits: 32 | 20;
} {
  return { chunkBytes: man.chunkBytes, addressBits: man.addressBits, idStored: storesId(man.format), checkBits: checkBits(man.format) };
}
