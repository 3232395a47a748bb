/** Typed errors of src/loco: each names the offending value and the rule it broke. */
import { encodeRawStream, decodeRawStream, parseReads, IncompleteDecodeError } from '../../src/pack/index.js';
import { describe, expect, it } from 'vitest';
import {
  ChecksumMismatchError,
  IndexRangeError,
  InvalidLengthError,
  InvalidSymbolError,
  LocoCodec,
  LocoParameterError,
  MAX_ELL,
  MAX_LENGTH,
  RunLimitError,
  StrandFormatError,
  capacity,
  cardinality,
  countTables,
  formatWord,
  locoCode,
  parseWord,
} from '../../src/loco/index.js';
import { DnarchiveError } from '../../src/errors.js';
import { OptionError } from '../../src/validate.js';

/** Runs fn, expects it to throw, returns the error. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return e as Error;
  }
  expect.fail('expected a throw');
}

describe('alphabet', () => {
  it('parseWord / formatWord round trip, lower case accepted', () => {
    expect(Array.from(parseWord('ATGC'))).toEqual([0, 1, 2, 3]);
    expect(Array.from(parseWord('gattaca'))).toEqual([2, 0, 1, 1, 0, 3, 0]);
    expect(formatWord(parseWord('GATTACA'))).toBe('GATTACA');
    expect(formatWord(parseWord(''))).toBe('');
  });

  it("parseWord('GATXACA') throws InvalidSymbolError naming 'X' and position 3", () => {
    const e = thrown(() => parseWord('GATXACA'));
    expect(e).toBeInstanceOf(InvalidSymbolError);
    expect(e).toBeInstanceOf(DnarchiveError);
    expect((e as InvalidSymbolError).symbol).toBe('X');
    expect((e as InvalidSymbolError).position).toBe(3);
    expect(e.message).toContain('"X"');
    expect(e.message).toContain('position 3');
    expect((e as DnarchiveError).code).toBe('LOCO_SYMBOL');
    for (const bad of ['N', 'U', ' ', 'é', '😀', '0']) {
      expect(() => parseWord(`AT${bad}`)).toThrow(InvalidSymbolError);
    }
  });
});

describe('code parameters', () => {
  it('locoCode(8, 0) and locoCode(0, 2) throw LocoParameterError naming value and limit', () => {
    const e1 = thrown(() => locoCode(8, 0));
    expect(e1).toBeInstanceOf(LocoParameterError);
    expect(e1.message).toContain('ell = 0');
    expect(e1.message).toContain(`<= ${MAX_ELL}`);
    const e2 = thrown(() => locoCode(0, 2));
    expect(e2).toBeInstanceOf(LocoParameterError);
    expect(e2.message).toContain('= 0');
    expect(e2.message).toContain(`<= ${MAX_LENGTH}`);
  });

  it('other out-of-range or non-integer parameters', () => {
    for (const [m, ell] of [
      [MAX_LENGTH + 1, 2],
      [1.5, 2],
      [-3, 2],
      [Number.NaN, 2],
      [8, MAX_ELL + 1],
      [8, 2.5],
      [8, -1],
    ]) {
      expect(() => locoCode(m, ell), `m=${m} ell=${ell}`).toThrow(LocoParameterError);
    }
    expect(() => cardinality(0, 2)).toThrow(LocoParameterError);
    expect(() => capacity(0)).toThrow(LocoParameterError);
    expect(() => countTables(0, 5)).toThrow(LocoParameterError);
    // the limits themselves are accepted
    expect(locoCode(MAX_LENGTH, MAX_ELL).m).toBe(MAX_LENGTH);
    expect(locoCode(1, 1).size).toBe(4n);
  });
});

describe('rank / unrank errors', () => {
  const code = locoCode(8, 2);

  it('rank of a word of the wrong length throws InvalidLengthError', () => {
    const e = thrown(() => code.rank('GATTACA'));
    expect(e).toBeInstanceOf(InvalidLengthError);
    expect(e.message).toContain('length 7');
    expect(e.message).toContain('m = 8');
    expect(() => code.rank(new Uint8Array(9))).toThrow(InvalidLengthError);
    expect(() => code.rankAny(new Uint8Array(7))).toThrow(InvalidLengthError);
  });

  it('rank of a word with a run longer than ell throws RunLimitError', () => {
    const e = thrown(() => code.rank('GATTTACA'));
    expect(e).toBeInstanceOf(RunLimitError);
    expect((e as RunLimitError).ell).toBe(2);
    expect(e.message).toContain('ℓ = 2');
    expect(e.message).toContain('run of 3');
    expect(() => locoCode(4, 1).rank('ATTA')).toThrow(RunLimitError);
    expect(() => locoCode(5, 3).rank('CCCCA')).toThrow(RunLimitError);
    expect(() => locoCode(5, 3).rank('ACCCC')).toThrow(RunLimitError);
    expect(locoCode(5, 3).rank('ACCCA')).toBeTypeOf('bigint');
    expect(code.isValid(parseWord('GATTTACA'))).toBe(false);
  });

  it('rank of a string with a bad symbol throws InvalidSymbolError', () => {
    expect(() => code.rank('GATTANAG')).toThrow(InvalidSymbolError);
  });

  it('unrank(-1n) and unrank(N) throw IndexRangeError naming the index and N', () => {
    const N = code.size;
    const e1 = thrown(() => code.unrank(-1n));
    expect(e1).toBeInstanceOf(IndexRangeError);
    expect(e1.message).toContain('-1');
    expect(e1.message).toContain(String(N));
    const e2 = thrown(() => code.unrank(N));
    expect(e2).toBeInstanceOf(IndexRangeError);
    expect(e2.message).toContain(String(N));
    expect((e2 as IndexRangeError).index).toBe(N);
    expect((e2 as IndexRangeError).limit).toBe(N);
    expect(() => code.unrank(N + 12345n)).toThrow(IndexRangeError);
    expect(() => code.unrank(N - 1n)).not.toThrow();
  });

  it('spec example: rank(GATTACAG) in D(8, 2) is 24452', () => {
    expect(code.rank('GATTACAG')).toBe(24452n);
    expect(formatWord(code.unrank(24452n))).toBe('GATTACAG');
  });
});

describe('codec options', () => {
  it('new LocoCodec({ ell: 0 }) throws an OptionError naming ell', () => {
    const e = thrown(() => new LocoCodec({ ell: 0 }));
    expect(e).toBeInstanceOf(OptionError);
    expect(e).toBeInstanceOf(DnarchiveError);
    expect((e as OptionError).field).toBe('ell');
    expect(e.message).toContain('ell');
    expect(e.message).toContain('0');
  });

  it('an unknown option key throws an OptionError naming the key', () => {
    const e = thrown(() => new LocoCodec({ ell: 2, lenght: 40 } as never));
    expect(e).toBeInstanceOf(OptionError);
    expect(e.message).toContain('lenght');
  });

  it('other bad options name their field', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ length: 0 }, 'length'],
      [{ length: MAX_LENGTH + 1 }, 'length'],
      [{ ell: MAX_ELL + 1 }, 'ell'],
      [{ ell: 1.5 }, 'ell'],
      [{ bridge: 'sep3' }, 'bridge'],
      [{ balance: 'yes' }, 'balance'],
      [{ codewordsPerStrand: 0 }, 'codewordsPerStrand'],
    ];
    for (const [opts, field] of cases) {
      const e = thrown(() => new LocoCodec(opts as never));
      expect(e, JSON.stringify(opts)).toBeInstanceOf(OptionError);
      expect(e.message, JSON.stringify(opts)).toContain(field);
    }
  });
});

describe('decode errors', () => {
  const codec = new LocoCodec({ ell: 2, length: 16, codewordsPerStrand: 2 });
  // bytes with bit 7 clear and bit 0 set: however the strands are cut, the last set bit left
  // over is never the first bit of a byte, so missing padding is always noticed (see below)
  const data = Uint8Array.from({ length: 40 }, (_, i) => ((i * 37) & 0x7e) | 1);
  const strands = codec.encode(data);

  it('a strand whose length is not a whole number of codewords throws StrandFormatError', () => {
    expect(strands.length).toBeGreaterThan(2);
    for (const cut of [1, 2, 17]) {
      const set = strands.slice();
      set[1] = set[1].subarray(0, set[1].length - cut);
      const e = thrown(() => codec.decode(set));
      expect(e).toBeInstanceOf(StrandFormatError);
      expect(e.message).toContain('strand 1');
      expect(e.message).toContain(`length ${set[1].length}`);
    }
    const longer = strands.slice();
    longer[0] = new Uint8Array([...longer[0], 0]);
    expect(() => codec.decode(longer)).toThrow(StrandFormatError);
  });

  it('no strands at all throws StrandFormatError', () => {
    expect(() => codec.decode([])).toThrow(StrandFormatError);
  });

  it('dropping the last strand (and with it the padding) throws', () => {
    expect(codec.decode(strands)).toEqual(data);
    for (let keep = 1; keep < strands.length; keep++) {
      const e = thrown(() => codec.decode(strands.slice(0, keep)));
      expect(e, `keep ${keep}`).toBeInstanceOf(StrandFormatError);
      expect(e.message).toContain('padding');
    }
    // the same for every codec shape
    for (const bridge of ['sep1', 'check2'] as const)
      for (const ell of [1, 2, 3])
        for (const K of [1, 2, 3]) {
          const c = new LocoCodec({ ell, bridge, length: 11, codewordsPerStrand: K });
          const st = c.encode(data);
          expect(st.length).toBeGreaterThan(1);
          expect(() => c.decode(st.slice(0, -1))).toThrow(StrandFormatError);
        }
  });

  it('a strand with an invalid character names the strand', () => {
    const texts = codec.encodeToStrings(data);
    texts[2] = texts[2].slice(0, 5) + 'N' + texts[2].slice(6);
    const e = thrown(() => codec.decode(texts));
    expect(e).toBeInstanceOf(InvalidSymbolError);
    expect(e.message).toContain('strand 2');
    expect(e.message).toContain('position 5');
  });

  it('a run-limit violation inside a codeword throws RunLimitError naming strand and codeword', () => {
    const set = strands.map((s) => s.slice());
    // codeword 1 of strand 1 starts at m + 2 = 18; make a run of 3
    set[1][18] = set[1][19] = set[1][20] = 0;
    const e = thrown(() => codec.decode(set));
    expect(e).toBeInstanceOf(RunLimitError);
    expect(e.message).toContain('strand 1, codeword 1');
  });

  it('a codeword outside the message range (a non-encoder word) throws StrandFormatError', () => {
    // without balance and without checksums every valid codeword is accepted by layout, but
    // indices ≥ 2^messageBits were never produced: the largest codeword of D(m, ell) is one
    for (const ell of [1, 2, 3])
      for (const length of [3, 10, 16, 40, 77]) {
        const c = new LocoCodec({ ell, length, bridge: 'sep1', balance: false, codewordsPerStrand: 1 });
        const limit = 1n << BigInt(c.messageBits);
        if (limit >= c.code.size) continue; // N(m) a power of two: every index is a message
        for (const x of [limit, c.code.size - 1n]) {
          const word = c.code.unrank(x);
          const e = thrown(() => c.decode([word]));
          expect(e, `ell=${ell} m=${length} x=${x}`).toBeInstanceOf(StrandFormatError);
          expect(e.message).toContain('message range');
        }
      }
  });

  it('a check2 checksum mismatch is a ChecksumMismatchError', () => {
    const set = strands.map((s) => s.slice());
    // swap the two bridge symbols after codeword 0 of strand 0: still ≠ each other, other value
    const b1 = set[0][16];
    set[0][16] = set[0][17];
    set[0][17] = b1;
    expect(() => codec.decode(set)).toThrow(ChecksumMismatchError);
  });

  // The padding alone cannot reveal every truncation: when what is left happens to end in a
  // valid padding (a 1 bit starting a byte, zeros after it) it parses as a shorter payload. The
  // codec documents this; the stream and pool layers carry the length and SHA-256 that do.
  const limitationCodec = new LocoCodec({ codewordsPerStrand: 1 }); // defaults: ell 3, m 48, check2, balanced
  const limitationData = new Uint8Array(12);
  limitationData[5] = 0x80;

  it('(setup: 12 bytes make two one-codeword strands)', () => {
    expect(limitationCodec.messageBits).toBe(94);
    expect(limitationCodec.encode(limitationData).length).toBe(2);
  });

  it('a truncation that ends in a valid padding decodes to a prefix in the codec, and the raw stream rejects it', () => {
    const st = limitationCodec.encode(limitationData);
    expect(limitationCodec.decode(st.slice(0, 1))).toEqual(limitationData.slice(0, 5));
    const { fasta } = encodeRawStream(limitationData, { codewordsPerStrand: 1 });
    const firstRecord = fasta.split('\n').slice(0, 2).join('\n');
    expect(() => decodeRawStream(parseReads(firstRecord, 'cut.fasta'), 'cut.fasta')).toThrow(IncompleteDecodeError);
  });
});
