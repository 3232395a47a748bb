/**
 * Pool format 3: one codeword a strand under a 20-bit check, a 16-bit address, the FFT outer code
 * in large blocks and a binary manifest — its density, its manifest record, and what keeps a
 * damaged strand that passed its short check from spoiling a block: reads that dispute it, and
 * the block's spare parity, which shows it and lets the least-backed strands be set aside.
 */
import { describe, expect, it } from 'vitest';
import { decodePool, encodePool, IncompleteDecodeError } from '../../src/pack/index.js';
import { formatWord } from '../../src/loco/alphabet.js';
import { dataCodec, planPool } from '../../src/pack/pool/encode.js';
import { dataLayout, manifestSchema } from '../../src/pack/pool/format.js';
import { frameBytes, KIND_DATA } from '../../src/pack/pool/frame.js';
import { manifestBody, parseManifestRecord } from '../../src/pack/pool/manifest-body.js';
import { Rng } from '../../src/random.js';

function bytes(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n }, () => rng.below(256));
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

describe('format 3 at the defaults', () => {
  it('a 1 MiB file: 32-byte chunks, one block, 40 header strands, at least 1.60 bits/nt at 150 nt', () => {
    const { manifest: m } = planPool(1 << 20, 'ab'.repeat(32));
    expect([m.format, m.K, m.m, m.ecc, m.addressBits, m.chunkBytes, m.blocks]).toEqual([3, 1, 148, 'none', 16, 32, 1]);
    const headerStrands = 8 * Math.ceil(manifestBody(m).length / 14);
    expect(headerStrands).toBe(40);
    const strands = m.dataStrands + m.parity * m.blocks + headerStrands;
    expect((8 * m.bytes) / (150 * strands)).toBeGreaterThanOrEqual(1.6);
  });

  it('the same file and options give the same pool', () => {
    const data = bytes(3000, 1);
    expect(encodePool(data).strands).toEqual(encodePool(data).strands);
  });
});

describe('the format-3 manifest record', () => {
  it('round-trips every field, primers of any length packed 4 to a byte', () => {
    for (const primers of [
      ['', ''],
      ['ACGTA', 'TTTGCA'],
      ['ACACGACGCTCTTCCGATCT', 'AGATCGGAAGAGCACACGTC'],
    ] as [string, string][]) {
      const { manifest } = planPool(123_456, '0f'.repeat(32), { primers });
      const body = manifestBody(manifest);
      expect((body[0] << 8) | body[1]).toBe(body.length - 2);
      expect(body.length).toBe(2 + 67 + Math.ceil(primers[0].length / 4) + Math.ceil(primers[1].length / 4));
      expect(manifestSchema.parse(parseManifestRecord(body.subarray(2)))).toEqual(manifest);
    }
  });

  it('formats 1 and 2 keep their JSON manifest', () => {
    const { manifest } = planPool(1000, '0f'.repeat(32), { format: 2 });
    expect(new TextDecoder().decode(manifestBody(manifest).subarray(2))).toBe(JSON.stringify(manifest));
  });

  it('a damaged record is named, not guessed at', () => {
    const record = manifestBody(planPool(1000, '0f'.repeat(32), { primers: ['ACGT', 'ACGT'] }).manifest).subarray(2);
    expect(parseManifestRecord(record.subarray(0, 40))).toMatch(/shorter than its 67 fixed bytes/);
    expect(parseManifestRecord(record.subarray(0, record.length - 1))).toMatch(/ends inside its right primer/);
    expect(parseManifestRecord(Uint8Array.of(...record, 0))).toMatch(/1 bytes after its primers/);
    expect(parseManifestRecord(Uint8Array.of(9, ...record.subarray(1)))).toMatch(/starts with byte 9/);
  });
});

describe('a damaged strand that passes its 20-bit check', () => {
  const data = bytes(20_000, 7);
  const pool = encodePool(data);
  const m = pool.manifest;
  const codec = dataCodec(m);
  /** A strand for `address` with a chunk that is not the payload's, under a valid check. */
  const forged = (address: number): string => {
    const buf = new Uint8Array(Math.ceil(codec.messageBits / 8));
    frameBytes({ kind: KIND_DATA, poolId: m.poolId, address, chunk: bytes(m.chunkBytes, 99) }, dataLayout(m), buf);
    return formatWord(codec.encodeStrandBits(buf, 0, 1));
  };
  const isData = (i: number): boolean => pool.names[i].includes(':d');
  const address = (i: number): number => Number(pool.names[i].split(/:[dp]/)[1]);

  it('in place of a lost strand: the block disagrees with its spare parity, and setting aside the least-backed strand repairs it', () => {
    const lost = new Set([3, 10, 11, 12, 50]);
    const reads = pool.strands.flatMap((s, i) => (isData(i) || pool.names[i].includes(':p') ? (lost.has(address(i)) ? [] : [s, s]) : [s]));
    const out = decodePool([forged(3), ...reads]);
    expect(same(out.data, data)).toBe(true);
    expect(out.report.setAside).toBeGreaterThanOrEqual(1);
  });

  it('backed by as many reads as the true strands: the suspects go on past the least-backed until the block agrees', () => {
    const lost = new Set([3, 10, 11, 12, 50]);
    const reads = pool.strands.flatMap((s, i) => (isData(i) || pool.names[i].includes(':p') ? (lost.has(address(i)) ? [] : [s, s]) : [s]));
    const out = decodePool([forged(3), forged(3), ...reads]);
    expect(same(out.data, data)).toBe(true);
    expect(out.report.setAside).toBeGreaterThanOrEqual(1);
  });

  it('read before the true strand’s reads: they dispute it, and it is left out', () => {
    const out = decodePool([forged(20), ...pool.strands]);
    expect(same(out.data, data)).toBe(true);
    expect(out.report.distrusted).toBe(1);
  });

  it('with no spare strand to check against, the SHA-256 refuses the output: no wrong byte', () => {
    // Exactly k strands remain (the forged one among them): nothing shows the wrong one.
    const drop = new Set<number>();
    drop.add(3);
    for (let i = 0; drop.size < m.parity + 1; i++) if (isData(i) && address(i) !== 3) drop.add(address(i));
    const reads = pool.strands.filter((_, i) => !(isData(i) || pool.names[i].includes(':p')) || !drop.has(address(i)));
    expect(() => decodePool([forged(3), ...reads])).toThrow(IncompleteDecodeError);
    expect(() => decodePool([forged(3), ...reads])).toThrow(/SHA-256 .* differs from the manifest's .*: a strand was accepted wrongly; nothing written/);
  });
});
