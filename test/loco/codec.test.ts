/**
 * The bulk codec (spec dloco.md §4): bytes ↔ strands of D-LOCO codewords with bridges and GC
 * balancing. Every strand is checked by an independent reader (_codec-oracle.ts), not only by
 * round-tripping through decode.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BRIDGE_SCHEMES,
  LocoCodec,
  cardinality,
  codewordsInStrand,
  floorLog2,
  formatWord,
  strandLength,
  type BridgeScheme,
  type LocoCodecOptions,
} from '../../src/loco/index.js';
import { inspectStrands, payloadFromIndices } from './_codec-oracle.js';
import { prngBytes } from './_helpers.js';

/** Encodes, checks every strand and the framing independently, decodes (arrays and strings). */
function roundTrip(opts: LocoCodecOptions, data: Uint8Array): Uint8Array[] {
  const codec = new LocoCodec(opts);
  const cfg = codec.config;
  const expectedBits = floorLog2(cardinality(cfg.length, cfg.ell)) - (cfg.balance ? 1 : 0);
  expect(codec.messageBits).toBe(expectedBits);
  const strands = codec.encode(data);
  const ctx = JSON.stringify({ ...cfg, bytes: data.length });
  // counts and lengths
  const total = Math.ceil((8 * data.length + 1) / codec.messageBits);
  expect(codec.codewordCount(data.length), ctx).toBe(total);
  expect(strands.length, ctx).toBe(Math.ceil(total / cfg.codewordsPerStrand));
  expect(codec.strandCount(data.length), ctx).toBe(strands.length);
  strands.forEach((st, i) => {
    const k = i < strands.length - 1 ? cfg.codewordsPerStrand : total - cfg.codewordsPerStrand * (strands.length - 1);
    expect(st.length, ctx).toBe(strandLength(cfg.bridge, cfg.length, k));
    expect(codewordsInStrand(cfg.bridge, cfg.length, st.length), ctx).toBe(k);
  });
  // layout, run limit, GC window, bridges, checksums
  const report = inspectStrands(codec, strands);
  expect(report.problems, ctx).toEqual([]);
  expect(report.indices.length, ctx).toBe(total);
  // the payload read back without the codec's decoder
  expect(payloadFromIndices(report.indices, codec.messageBits), ctx).toEqual(data);
  // decode
  expect(codec.decode(strands), ctx).toEqual(data);
  const texts = codec.encodeToStrings(data);
  expect(texts, ctx).toEqual(strands.map((s) => formatWord(s)));
  for (const t of texts) expect(t, ctx).toMatch(/^[ATGC]*$/);
  expect(codec.decode(texts), ctx).toEqual(data);
  expect(codec.decode(texts.map((t) => t.toLowerCase())), ctx).toEqual(data);
  // determinism: same codec again, and a fresh codec
  expect(codec.encode(data), ctx).toEqual(strands);
  expect(new LocoCodec(opts).encode(data), ctx).toEqual(strands);
  return strands;
}

const optionsArb = fc.record({
  ell: fc.integer({ min: 1, max: 3 }),
  length: fc.integer({ min: 1, max: 128 }),
  bridge: fc.constantFrom<BridgeScheme>(...BRIDGE_SCHEMES),
  balance: fc.boolean(),
  codewordsPerStrand: fc.integer({ min: 1, max: 8 }),
});

const dataArb = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 3 }),
  fc.uint8Array({ minLength: 0, maxLength: 300 }),
  fc.integer({ min: 0, max: 200 }).map((n) => new Uint8Array(n)),
  fc.integer({ min: 0, max: 200 }).map((n) => new Uint8Array(n).fill(0xff)),
);

describe('LocoCodec round trip (fast-check)', () => {
  it('random options and bytes: strands valid, balanced, framed, decodable, deterministic', () => {
    fc.assert(
      fc.property(optionsArb, dataArb, (opts, data) => {
        roundTrip(opts, data);
      }),
      { numRuns: 250 },
    );
  });

  it('encoding other data in between does not change the output (no leaked scratch state)', () => {
    fc.assert(
      fc.property(optionsArb, fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (opts, a, b) => {
        const codec = new LocoCodec(opts);
        const first = codec.encode(a);
        codec.encode(b);
        codec.decode(codec.encode(b));
        expect(codec.encode(a)).toEqual(first);
        expect(codec.decode(first)).toEqual(a);
      }),
      { numRuns: 100 },
    );
  });

  it('distinct payloads give distinct strand sets', () => {
    fc.assert(
      fc.property(optionsArb, fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (opts, a, b) => {
        fc.pre(a.length !== b.length || a.some((v, i) => v !== b[i]));
        const codec = new LocoCodec(opts);
        expect(codec.encodeToStrings(a)).not.toEqual(codec.encodeToStrings(b));
      }),
      { numRuns: 100 },
    );
  });
});

describe('LocoCodec adversarial inputs', () => {
  const grid: LocoCodecOptions[] = [];
  for (const ell of [1, 2, 3])
    for (const bridge of BRIDGE_SCHEMES)
      for (const balance of [true, false])
        for (const length of [1, 2, 3, 7, 48, 128]) grid.push({ ell, bridge, balance, length, codewordsPerStrand: (length % 5) + 1 });

  it.each(grid)('all-zero, all-0xFF, tiny and odd-sized inputs: %o', (opts) => {
    for (const n of [0, 1, 2, 3, 7, 31, 100]) {
      roundTrip(opts, new Uint8Array(n));
      roundTrip(opts, new Uint8Array(n).fill(0xff));
      roundTrip(opts, new Uint8Array(n).fill(0x80));
      roundTrip(opts, prngBytes(n, n * 7919 + 1));
    }
  });

  const longGrid: LocoCodecOptions[] = [];
  for (const ell of [1, 2, 3])
    for (const bridge of BRIDGE_SCHEMES)
      for (const balance of [true, false]) longGrid.push({ ell, bridge, balance, length: [5, 48, 101][ell - 1], codewordsPerStrand: 8 });

  it.each(longGrid)('long inputs (~5 KB): %o', (opts) => {
    roundTrip(opts, prngBytes(5000, 12345));
    roundTrip(opts, new Uint8Array(5003));
    roundTrip(opts, new Uint8Array(5001).fill(0xff));
  });

  it('default options (ell 3, m 48, check2, balanced, 4 per strand) and the largest length', () => {
    const codec = new LocoCodec();
    expect(codec.config).toEqual({ ell: 3, length: 48, bridge: 'check2', balance: true, codewordsPerStrand: 4 });
    roundTrip({}, prngBytes(777, 3));
    roundTrip({ length: 512, ell: 2, codewordsPerStrand: 2 }, prngBytes(900, 4));
    roundTrip({ length: 512, ell: 1, bridge: 'sep1', balance: false, codewordsPerStrand: 1 }, new Uint8Array(300).fill(0xff));
  });

  it('empty payload: one codeword carrying only the padding marker', () => {
    for (const bridge of BRIDGE_SCHEMES) {
      const codec = new LocoCodec({ bridge, length: 10, ell: 2 });
      const strands = roundTrip({ bridge, length: 10, ell: 2 }, new Uint8Array(0));
      expect(strands.length).toBe(1);
      expect(codec.codewordCount(0)).toBe(1);
    }
  });

  it('GC window is tight: balanced strands reach but never exceed 1/(2K)', () => {
    // Independent of the round trips above: over many strands the bound holds, and the greedy
    // choice actually uses the freedom (unbalanced encodings of the same data leave the window).
    let outsideUnbalanced = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const data = prngBytes(200, seed);
      for (const ell of [1, 2, 3]) {
        const bal = new LocoCodec({ ell, length: 24, codewordsPerStrand: 6 });
        const unbal = new LocoCodec({ ell, length: 24, codewordsPerStrand: 6, balance: false });
        expect(inspectStrands(bal, bal.encode(data)).problems).toEqual([]);
        for (const st of unbal.encode(data)) {
          const k = codewordsInStrand('check2', 24, st.length);
          let gc = 0;
          for (const v of st) if (v >= 2) gc++;
          if (Math.abs(2 * gc - st.length) * k > st.length) outsideUnbalanced++;
        }
      }
    }
    expect(outsideUnbalanced).toBeGreaterThan(0);
  });
});

describe('the independent strand reader itself catches broken strands', () => {
  it('reports a run violation, a wrong checksum, a bad bridge and an out-of-window GC content', () => {
    const codec = new LocoCodec({ ell: 2, length: 12, codewordsPerStrand: 3 });
    const data = prngBytes(20, 99);
    const strands = codec.encode(data);
    expect(inspectStrands(codec, strands).problems).toEqual([]);
    // a run of 3 inside a codeword
    const s1 = strands.map((s) => s.slice());
    s1[0][1] = s1[0][0];
    s1[0][2] = s1[0][0];
    expect(inspectStrands(codec, s1).problems.join('\n')).toMatch(/run of 3|not in D/);
    // a bridge pair carrying another checksum value
    const s2 = strands.map((s) => s.slice());
    const b = 12;
    s2[0][b + 1] = [0, 1, 2, 3].find((v) => v !== s2[0][b] && v !== s2[0][b + 1] && v !== s2[0][b + 2])!;
    expect(inspectStrands(codec, s2).problems.join('\n')).toMatch(/carries|repeats/);
    // an all-AT strand of valid codewords is out of the GC window
    const s3 = strands.map((s) => s.slice());
    for (let i = 0; i < s3[0].length; i++) s3[0][i] = s3[0][i] & 1;
    expect(inspectStrands(codec, s3).problems.join('\n')).toMatch(/GC/);
    // a payload without its padding marker is rejected by the framing reader
    expect(payloadFromIndices([0n, 0n], 10)).toBeNull();
    expect(payloadFromIndices([0b1000000000n], 10)).toEqual(new Uint8Array(0));
  });
});
