/**
 * Address widths: the frame round trip at every width (24 … 31 bits in formats 1 and 2, 16 … 31
 * under format 3's 20-bit check), a corrupted field caught by the check, the narrowest width
 * chosen for the pool's size (a 1 GB file), and whole pools at wider addresses through the
 * simulated channel.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Channel, decodePool, encodePool } from '../../src/pack/index.js';
import { dataCodec, planPool } from '../../src/pack/pool/encode.js';
import { chunkCapacity, frameBytes, KIND_DATA, peekFields, unframeBytes } from '../../src/pack/pool/frame.js';
import { Rng } from '../../src/random.js';

function bytes(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n }, () => rng.below(256));
}

const codec = dataCodec({ ell: 3, m: 73, K: 2, ecc: 'residue', margin: 1 });

describe('strand frame', () => {
  it('round-trips kind, pool id, address and chunk at every address width, id stored or implicit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 24, max: 31 }),
        fc.boolean(),
        fc.nat(),
        fc.integer({ min: 0, max: 0x7fff }),
        fc.integer({ min: 0, max: 1 }),
        fc.nat(),
        (addressBits, idStored, a, poolId, kind, seed) => {
          const layout = { chunkBytes: chunkCapacity(codec, 2, addressBits, idStored), addressBits, idStored, checkBits: 32 as const };
          const address = a % 2 ** addressBits;
          const chunk = bytes(layout.chunkBytes, seed);
          const buf = new Uint8Array(Math.ceil((2 * codec.messageBits) / 8));
          frameBytes({ kind, poolId, address, chunk }, layout, buf);
          const id = idStored ? undefined : { kind, poolId };
          expect(peekFields(buf, layout, id)).toEqual({ kind, poolId, address });
          const back = unframeBytes(buf, layout, id);
          expect(back?.address).toBe(address);
          expect(Buffer.from(back!.chunk).equals(Buffer.from(chunk))).toBe(true);
          if (!idStored) {
            // The id is under the CRC though not stored: another pool's or kind's strand fails it.
            expect(unframeBytes(buf, layout, { kind, poolId: poolId ^ (1 + (seed % 0x7fff)) })).toBeUndefined();
            expect(unframeBytes(buf, layout, { kind: 1 - kind, poolId })).toBeUndefined();
          }
          // Every field bit is under the CRC, the low address bits and the shifted chunk's tail included.
          const fieldBits = (idStored ? 16 : 0) + addressBits + 8 * layout.chunkBytes;
          const bit = 32 + (seed % fieldBits);
          buf[bit >> 3] ^= 0x80 >> (bit & 7);
          expect(unframeBytes(buf, layout, id)).toBeUndefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('format 3: a 20-bit check, addresses of 16 … 31 bits packed right after it; every field bit and the implicit id under the check', () => {
    const one = dataCodec({ ell: 3, m: 148, K: 1, ecc: 'none', margin: 1 });
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 31 }), fc.nat(), fc.integer({ min: 0, max: 0x7fff }), fc.nat(), (addressBits, a, poolId, seed) => {
        const layout = {
          chunkBytes: chunkCapacity(one, 1, addressBits, false, 20),
          addressBits,
          idStored: false,
          checkBits: 20 as const,
          messageBits: one.messageBits,
        };
        expect(layout.chunkBytes).toBe(addressBits <= 16 ? 32 : 30);
        const address = a % 2 ** addressBits;
        const chunk = bytes(layout.chunkBytes, seed);
        const buf = new Uint8Array(Math.ceil(one.messageBits / 8));
        const id = { kind: KIND_DATA, poolId };
        frameBytes({ ...id, address, chunk }, layout, buf);
        expect(peekFields(buf, layout, id)).toEqual({ ...id, address });
        const back = unframeBytes(buf, layout, id);
        expect(back?.address).toBe(address);
        expect(Buffer.from(back!.chunk).equals(Buffer.from(chunk))).toBe(true);
        expect(unframeBytes(buf, layout, { kind: KIND_DATA, poolId: poolId ^ (1 + (seed % 0x7fff)) })).toBeUndefined();
        // Past the chunk (17-bit addresses and more): more check bits, not zeros.
        const tail = one.messageBits - (20 + addressBits + 8 * layout.chunkBytes);
        if (tail >= 8) {
          let ones = 0;
          for (let i = one.messageBits - tail; i < one.messageBits; i++) ones += (buf[i >> 3] >> (7 - (i & 7))) & 1;
          expect(ones).toBeGreaterThan(0);
        }
        // Any bit of the message flipped, the check's own and the tail's included, fails it.
        const bit = seed % one.messageBits;
        buf[bit >> 3] ^= 0x80 >> (bit & 7);
        expect(unframeBytes(buf, layout, id)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('a 24-bit layout with a stored id is format 1’s byte-aligned one (those pools still read)', () => {
    const layout = { chunkBytes: chunkCapacity(codec, 2, 24, true), addressBits: 24, idStored: true, checkBits: 32 as const };
    const buf = new Uint8Array(32);
    const chunk = bytes(layout.chunkBytes, 3);
    frameBytes({ kind: KIND_DATA, poolId: 0x1234, address: 0xabcdef, chunk }, layout, buf);
    expect([...buf.subarray(4, 9)]).toEqual([0x12, 0x34, 0xab, 0xcd, 0xef]);
    expect(Buffer.from(buf.subarray(9, 9 + layout.chunkBytes)).equals(Buffer.from(chunk))).toBe(true);
  });

  it('the implicit id frees 2 bytes of chunk: 24 instead of 22 at the defaults', () => {
    expect(chunkCapacity(codec, 2, 24, true)).toBe(22);
    expect(chunkCapacity(codec, 2, 24, false)).toBe(24);
  });
});

describe('address width chosen for the pool', () => {
  it('format 3: 16 bits up to 65,535 strands, then wider at 2 chunk bytes less', () => {
    const small = planPool(1 << 20, '0'.repeat(64)).manifest;
    expect([small.format, small.addressBits, small.chunkBytes, small.K, small.ecc]).toEqual([3, 16, 32, 1, 'none']);
    const big = planPool(5 << 19, '0'.repeat(64)).manifest;
    expect(big.addressBits).toBe(17);
    expect(big.chunkBytes).toBe(30);
    const gb = planPool(2 ** 30, '0'.repeat(64)).manifest;
    expect(gb.addressBits).toBe(26);
    expect(gb.dataStrands + gb.parity * gb.blocks).toBeLessThan(2 ** 26);
  });

  it('format 2: small pools keep 24 bits; a 1 GB file needs 26, in the strand’s spare bits', () => {
    expect(planPool(1e6, '0'.repeat(64), { format: 2 }).manifest.addressBits).toBe(24);
    const small = planPool(1e6, '0'.repeat(64), { format: 2 }).manifest;
    const gb = planPool(2 ** 30, '0'.repeat(64), { format: 2 }).manifest;
    expect(gb.addressBits).toBe(26);
    expect(gb.chunkBytes).toBe(small.chunkBytes);
    const strands = gb.dataStrands + gb.parity * gb.blocks;
    expect(strands).toBeGreaterThan(2 ** 24);
    expect(strands).toBeLessThan(2 ** 26);
  });

  it('a wider address that costs payload bytes is taken only when needed, and the limit is named', () => {
    // 100 nt: 154 message bits, 2 spare at 24 bits: a 25th-bit address fits, a 27th does not.
    const at = (addressBits: number): number => chunkCapacity(dataCodec({ ell: 3, m: 48, K: 2, ecc: 'residue', margin: 1 }), 2, addressBits, false);
    expect(at(26)).toBe(at(24));
    expect(at(27)).toBe(at(24) - 2);
    expect(() => planPool(2 ** 40, '0'.repeat(64), { format: 2 })).toThrow(
      /--length: the file needs \d+ strands, more than a 31-bit address numbers; use longer strands/,
    );
  });
});

describe('pools at wider addresses', () => {
  it.each([25, 27, 31])('%i-bit addresses: clean and through the illumina channel, bit-exact', (addressBits) => {
    const data = bytes(30_000, addressBits);
    const pool = encodePool(data, { addressBits });
    expect(pool.manifest.addressBits).toBe(addressBits);
    expect(Buffer.from(decodePool([...pool.strands].reverse()).data).equals(Buffer.from(data))).toBe(true);
    const reads = [...new Channel(pool.strands, { preset: 'illumina', coverage: 10, dropout: 0.05, seed: addressBits }).reads()];
    const out = decodePool(reads);
    expect(Buffer.from(out.data).equals(Buffer.from(data))).toBe(true);
    expect(out.report.erasures).toBeGreaterThan(0);
  });

  it('a format-2 pool at 24 bits is the same as before the option existed', () => {
    const data = bytes(5000, 2);
    expect(encodePool(data, { addressBits: 24, format: 2 }).strands).toEqual(encodePool(data, { format: 2 }).strands);
    expect(encodePool(data, { addressBits: 25, format: 2 }).strands).not.toEqual(encodePool(data, { format: 2 }).strands);
  });
});

describe('pool formats', () => {
  it('format 2 stores no id in data strands: 24-byte chunks at its defaults, fewer strands than format 1; format 3 (the default) fewer still', () => {
    const data = bytes(30_000, 5);
    const three = encodePool(data);
    const two = encodePool(data, { format: 2 });
    const one = encodePool(data, { format: 1 });
    expect([three.manifest.format, three.manifest.chunkBytes]).toEqual([3, 32]);
    expect([two.manifest.format, two.manifest.chunkBytes]).toEqual([2, 24]);
    expect([one.manifest.format, one.manifest.chunkBytes]).toEqual([1, 22]);
    expect(two.strands.length).toBeLessThan(one.strands.length);
    expect(three.strands.length).toBeLessThan(two.strands.length);
  });

  it.each([1, 2, 3] as const)('format %i pools decode through the illumina channel, bit-exact', (format) => {
    const data = bytes(20_000, 40 + format);
    const pool = encodePool(data, { format });
    const reads = [...new Channel(pool.strands, { preset: 'illumina', coverage: 10, dropout: 0.05, seed: format }).reads()];
    const out = decodePool(reads);
    expect(out.manifest.format).toBe(format);
    expect(Buffer.from(out.data).equals(Buffer.from(data))).toBe(true);
  });
});
