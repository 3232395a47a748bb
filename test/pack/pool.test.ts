/**
 * The archival pool: bit-exact round trips (0 bytes, 1 byte, odd and larger sizes), determinism,
 * the simulated channel (substitutions, indels, reverse complements, shuffling, dropout), primers,
 * dropout beyond the outer code's capacity reported precisely, and bad input.
 */
import { describe, expect, it } from 'vitest';
import { Channel, decodePool, encodePool, IncompleteDecodeError, PoolFormatError, poolReport } from '../../src/pack/index.js';
import { formatWord } from '../../src/loco/index.js';
import { headerCodec } from '../../src/pack/pool/encode.js';
import { frameBytes, headerLayout, KIND_HEADER } from '../../src/pack/pool/frame.js';
import { OptionError } from '../../src/validate.js';
import { Rng } from '../../src/random.js';

function bytes(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n }, () => rng.below(256));
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

describe('round trips (clean strands, shuffled)', () => {
  it.each([0, 1, 2, 21, 777, 120_000])('%i bytes', (n) => {
    const data = bytes(n, n + 1);
    const pool = encodePool(data);
    const shuffled = [...pool.strands].reverse();
    const out = decodePool(shuffled);
    expect(same(out.data, data)).toBe(true);
    expect(out.report.erasures).toBe(0);
  });

  it('is deterministic: the same bytes and options give the same strands', () => {
    const data = bytes(5000, 9);
    const a = encodePool(data, { ell: 2, length: 120, codewords: 2 });
    const b = encodePool(data, { ell: 2, length: 120, codewords: 2 });
    expect(a.strands).toEqual(b.strands);
    expect(a.names).toEqual(b.names);
    expect(encodePool(data, { ell: 3 }).strands).not.toEqual(a.strands);
  });

  it('header copies are distinct sequences (a pool holds identical sequences as one species)', () => {
    const p = encodePool(bytes(300, 4));
    const headers = p.strands.filter((_, i) => p.names[i].includes(':h'));
    expect(headers.length % 8).toBe(0);
    expect(new Set(headers).size).toBe(headers.length);
  });

  it('holds the run limit and the strand length for every ℓ', () => {
    for (const ell of [1, 2, 3]) {
      const pool = encodePool(bytes(3000, ell), { ell });
      const rep = poolReport(pool.strands);
      expect(rep.maxRun).toBeLessThanOrEqual(ell);
      expect(new Set(pool.strands.map((s) => s.length))).toEqual(new Set([150]));
      expect(same(decodePool(pool.strands).data, bytes(3000, ell))).toBe(true);
    }
  });
});

describe('through the simulated channel', () => {
  const data = bytes(40_000, 3);
  const pool = encodePool(data);

  it('illumina preset, coverage 10, 5 % dropout: bit-exact', () => {
    const reads = [...new Channel(pool.strands, { preset: 'illumina', coverage: 10, dropout: 0.05, seed: 4 }).reads()];
    const out = decodePool(reads);
    expect(same(out.data, data)).toBe(true);
    expect(out.report.erasures).toBeGreaterThan(0);
    expect(out.report.reverseComplement).toBeGreaterThan(0);
    expect(out.report.lengthMismatch).toBeGreaterThan(0);
  });

  it('with primers: found in the reads, trimmed per read, run limit held at the boundary', () => {
    const primers: [string, string] = ['ACACGACGCTCTTCCGATCT', 'AGATCGGAAGAGCACACGTC'];
    const p = encodePool(data, { primers });
    for (const s of p.strands) {
      expect(s.startsWith(primers[0])).toBe(true);
      expect(s.endsWith(primers[1])).toBe(true);
      expect(s).not.toMatch(/AAAA|TTTT|GGGG|CCCC/);
    }
    const reads = [...new Channel(p.strands, { preset: 'illumina', coverage: 10, dropout: 0.05, seed: 5 }).reads()];
    const out = decodePool(reads);
    expect(same(out.data, data)).toBe(true);
    expect(out.manifest.primers).toEqual(primers);
  });

  it('duplicates and reverse complements of clean strands decode', () => {
    const reads = [...new Channel(pool.strands, { preset: 'ideal', coverage: 3, rc: 0.5, seed: 6 }).reads()];
    expect(same(decodePool(reads).data, data)).toBe(true);
  });

  it('dropout beyond the outer code: names the blocks and how many more strands each needs', () => {
    const kept = pool.strands.filter((_, i) => i % 3 !== 0 || pool.names[i].includes(':h'));
    let err: unknown;
    try {
      decodePool(kept, 'lossy.fasta');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(IncompleteDecodeError);
    const msg = (err as Error).message;
    expect(msg).toMatch(
      /^lossy\.fasta: \d+ of \d+ strands recovered; \d+ of \d+ Reed–Solomon block\(s\) cannot be rebuilt \(\d+ more strands needed in all\): block 0: \d+ of \d+ strands, needs \d+ more \(missing addresses 0, 3, /,
    );
    expect(msg).toMatch(/Nothing written\.$/);
  });
});

describe('bad input', () => {
  it('foreign reads that carry primers are refused after one framing, not one per trim tried', () => {
    const rng = new Rng(2);
    const [left, right] = ['ACACGACGCTCTTCCGATCT', 'AGATCGGAAGAGCACACGTC'];
    const reads = Array.from({ length: 2000 }, () => `${left}A${Array.from({ length: 150 }, () => 'ACGT'[rng.below(4)]).join('')}T${right}`);
    let passes = 0;
    const source = {
      name: 'foreign.fasta',
      pass: () => {
        passes++;
        return reads;
      },
    };
    expect(() => decodePool(source)).toThrow(/foreign\.fasta: no header strand could be decoded among 2000 reads/);
    // Counting, the first trim (length counts and the header probe), then the reads as they are: not 25 trims.
    expect(passes).toBeLessThanOrEqual(6);
  });

  it('reads that are not a pool', () => {
    const rng = new Rng(1);
    const junk = Array.from({ length: 50 }, () => Array.from({ length: 150 }, () => 'ACGT'[rng.below(4)]).join(''));
    expect(() => decodePool(junk, 'junk.fasta')).toThrow(PoolFormatError);
    expect(() => decodePool(junk, 'junk.fasta')).toThrow(/junk\.fasta: no header strand could be decoded among 50 reads/);
    expect(() => decodePool([], 'empty.fasta')).toThrow(/empty\.fasta: no reads/);
  });

  it('reads from two pools mixed together', () => {
    const a = encodePool(bytes(500, 1)).strands;
    const b = encodePool(bytes(500, 2)).strands;
    expect(() => decodePool([...a, ...b], 'mixed.fastq')).toThrow(
      /mixed\.fastq: reads from 2 different pools are mixed together \(pool ids [0-9a-f]{4}, [0-9a-f]{4}\)/,
    );
  });

  it('header strands missing', () => {
    const p = encodePool(bytes(500, 1));
    const noHeader1 = p.strands.filter((_, i) => !/:h1\./.test(p.names[i]));
    expect(() => decodePool(noHeader1, 'h.fasta')).toThrow(/h\.fasta: pool [0-9a-f]{4}: header chunk\(s\) 1 of \d+ missing from every read/);
  });

  /** Header strands carrying an arbitrary manifest object, as an attacker or a bug might write them. */
  function headerStrands(manifest: unknown): string[] {
    const { codec, K } = headerCodec(150, false);
    const layout = headerLayout(codec, K);
    const { chunkBytes } = layout;
    const json = new TextEncoder().encode(JSON.stringify(manifest));
    const body = new Uint8Array(Math.ceil((json.length + 2) / chunkBytes) * chunkBytes);
    body[0] = json.length >> 8;
    body[1] = json.length & 0xff;
    body.set(json, 2);
    const strands: string[] = [];
    const buf = new Uint8Array(Math.ceil((K * codec.messageBits) / 8));
    const poolId = (manifest as { poolId?: number }).poolId ?? 7;
    for (let h = 0; h * chunkBytes < body.length; h++) {
      frameBytes({ kind: KIND_HEADER, poolId, address: h, chunk: body.subarray(h * chunkBytes, (h + 1) * chunkBytes) }, layout, buf);
      strands.push(formatWord(codec.encodeStrandBits(buf, 0, K)));
    }
    return strands;
  }

  it('a manifest that fails validation names the field', () => {
    expect(() => decodePool(headerStrands({ format: 1, bytes: -5 }), 'bad.fasta')).toThrow(/bad\.fasta: pool manifest: bytes: /);
  });

  it('a manifest valid field by field but inconsistent is refused before any buffer is sized from it', () => {
    const real = encodePool(bytes(100, 1)).manifest;
    for (const [change, pattern] of [
      [{ dataStrands: 2_000_000 }, new RegExp(`dataStrands: must be ⌈bytes / chunkBytes⌉ = ${real.dataStrands}`)],
      [{ bytes: 2e15, dataStrands: Math.ceil(2e15 / real.chunkBytes) }, /dataStrands/],
      [{ blocks: 9 }, /blocks: must be between 1 and dataStrands/],
      [
        { parity: 65536 - real.dataStrands },
        new RegExp(`parity: a block of ${real.dataStrands} data \\+ ${65536 - real.dataStrands} parity strands exceeds 65535`),
      ],
    ] as const) {
      expect(() => decodePool(headerStrands({ ...real, ...change }), 'odd.fasta')).toThrow(pattern);
    }
    expect(() =>
      decodePool(headerStrands({ ...real, chunkBytes: real.chunkBytes - 2, dataStrands: Math.ceil(100 / (real.chunkBytes - 2)) }), 'odd.fasta'),
    ).toThrow(/odd\.fasta: manifest chunkBytes \d+ differs from what its code carries per strand/);
  });

  it('reads of two pools that share a pool id are refused as such, whichever reads come first', () => {
    const a = encodePool(bytes(100, 1)).manifest;
    const b = { ...encodePool(bytes(100, 2)).manifest, poolId: a.poolId };
    const mixed = [...headerStrands(a), ...headerStrands(b)];
    for (const reads of [mixed, [...mixed].reverse()]) {
      expect(() => decodePool(reads, 'mixed.fasta')).toThrow(
        /mixed\.fasta: reads of two pools that share the pool id [0-9a-f]{4} are mixed together \(header chunk \d+ differs/,
      );
    }
  });

  it('a manifest claiming more data strands than there are reads is refused at once, before any work is sized from it', () => {
    // Format 2: its 24-bit addresses number more strands than a test can send reads for.
    const real = encodePool(bytes(100, 1), { format: 2 }).manifest;
    const strands = 2 ** real.addressBits - 2;
    const huge = { ...real, bytes: strands * real.chunkBytes, dataStrands: strands, blocks: Math.ceil(strands / 60_000), parity: 0 };
    const reads = [...headerStrands(huge), ...headerStrands(huge)];
    expect(() => decodePool(reads, 'claims.fasta')).toThrow(
      new RegExp(`claims\\.fasta: the pool's manifest claims \\d+ bytes in ${strands} data strands, but the input holds only ${reads.length} reads`),
    );
  });

  it('options out of range name the option', () => {
    expect(() => encodePool(new Uint8Array(1), { length: 151, codewords: 2 })).toThrow(OptionError);
    expect(() => encodePool(new Uint8Array(1), { length: 151, codewords: 2 })).toThrow(/--length: 151 is not a multiple of --codewords 2/);
    expect(() => encodePool(new Uint8Array(1), { primers: ['ACGTN', ''] })).toThrow(/--primers: left primer has 'N' at position 5/);
    expect(() => encodePool(new Uint8Array(1), { primers: ['ACGGGGT', ''] })).toThrow(/--primers: left primer has a run of 4\+ 'G'/);
    expect(() => encodePool(new Uint8Array(1), { ell: 4 } as never)).toThrow(/ell/);
  });
});
