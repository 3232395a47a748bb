/**
 * The rANS coder (src/quant/entropy): round trips over random symbol streams and contexts, the
 * stream size against the empirical entropy, the frequency tables, and truncated or corrupt
 * streams reported as EntropyStreamError (never decoded into garbage, never hanging).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  countSymbols,
  EntropyInputError,
  EntropyStreamError,
  quantizeCounts,
  RANS_L,
  ransDecode,
  ransEncode,
  ransModel,
} from '../../src/quant/entropy/index.js';
import { Rng } from '../../src/random.js';

/** Tables fitted to the data itself, the way an encoder with static tables uses the coder. */
function fitted(symbols: Uint8Array, contexts: Uint8Array | null, alphabet: number[], scaleBits: number) {
  return ransModel(
    countSymbols(symbols, contexts, alphabet).map((c) => quantizeCounts(c, scaleBits)),
    scaleBits,
  );
}

/** Empirical entropy in bits of symbols given their contexts: Σ_c Σ_s −n_cs · log2(n_cs / n_c). */
function empiricalBits(symbols: Uint8Array, contexts: Uint8Array | null, alphabet: number[]): number {
  let bits = 0;
  for (const t of countSymbols(symbols, contexts, alphabet)) {
    const n = t.reduce((a, b) => a + b, 0);
    for (const c of t) if (c > 0) bits -= c * Math.log2(c / n);
  }
  return bits;
}

type Shape = 'uniform' | 'skewed' | 'constant';

/** A stream of `n` symbols in `alphabet.length` contexts; skewed is geometric (p = 1/2, truncated). */
const streams = fc
  .record({
    alphabet: fc.array(fc.integer({ min: 1, max: 256 }), { minLength: 1, maxLength: 5 }),
    n: fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 3000 })),
    shape: fc.constantFrom<Shape>('uniform', 'skewed', 'constant'),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    scaleBits: fc.integer({ min: 8, max: 16 }),
  })
  .map(({ alphabet, n, shape, seed, scaleBits }) => {
    const rng = new Rng(seed);
    const contexts = alphabet.length === 1 && seed % 2 === 0 ? null : Uint8Array.from({ length: n }, () => rng.below(alphabet.length));
    const fixed = alphabet.map((a) => rng.below(a));
    const symbols = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const a = alphabet[contexts ? contexts[i] : 0];
      if (shape === 'constant') symbols[i] = fixed[contexts ? contexts[i] : 0];
      else if (shape === 'uniform') symbols[i] = rng.below(a);
      else {
        let s = 0;
        while (s < a - 1 && rng.below(2) === 1) s++;
        symbols[i] = s;
      }
    }
    return { alphabet, symbols, contexts, scaleBits };
  });

describe('rANS round trips', () => {
  it('decodes what it encoded: any contexts, alphabets 1..256, tables 2^8..2^16, uniform, skewed and constant streams', () => {
    fc.assert(
      fc.property(streams, ({ alphabet, symbols, contexts, scaleBits }) => {
        const model = fitted(symbols, contexts, alphabet, scaleBits);
        const bytes = ransEncode(symbols, contexts, model);
        expect(ransDecode(bytes, symbols.length, contexts, model)).toEqual(symbols);
        expect(ransEncode(symbols, contexts, model)).toEqual(bytes); // deterministic
      }),
      { numRuns: 300 },
    );
  });

  it('works with tables that were not fitted to the data (every symbol merely possible)', () => {
    fc.assert(
      fc.property(streams, fc.integer({ min: 0, max: 1000 }), ({ alphabet, symbols, contexts, scaleBits }, seed) => {
        const rng = new Rng(seed);
        const tables = alphabet.map((a) =>
          quantizeCounts(
            Array.from({ length: a }, () => 1 + rng.below(1000)),
            Math.max(scaleBits, 8),
          ),
        );
        const model = ransModel(tables, Math.max(scaleBits, 8));
        expect(ransDecode(ransEncode(symbols, contexts, model), symbols.length, contexts, model)).toEqual(symbols);
      }),
      { numRuns: 100 },
    );
  });

  it('the empty stream and a constant stream are the bare coder state (4 bytes, 2^23)', () => {
    const model = ransModel([[1 << 12]], 12);
    const empty = ransEncode(new Uint8Array(0), null, model);
    expect(Array.from(empty)).toEqual([0, 0, 0x80, 0]);
    expect(RANS_L).toBe(0x800000);
    expect(ransDecode(empty, 0, null, model)).toEqual(new Uint8Array(0));
    const zeros = new Uint8Array(10_000);
    expect(ransEncode(zeros, null, model)).toEqual(empty); // probability 1 costs nothing
    expect(ransDecode(empty, 10_000, null, model)).toEqual(zeros);
  });
});

describe('rANS compression', () => {
  it('is within 0.02 % + 8 bytes of the empirical entropy on 200,000 skewed symbols in 3 contexts (tables of 2^15)', () => {
    const rng = new Rng(2024);
    const n = 200_000;
    const alphabet = [8, 16, 256];
    const contexts = Uint8Array.from({ length: n }, () => rng.below(3));
    const symbols = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      // Discretised Laplacians of different spreads about each alphabet's middle.
      const a = alphabet[contexts[i]];
      const spread = [0.7, 1.5, 12][contexts[i]];
      const v = Math.round(a / 2 + (rng.below(2) ? 1 : -1) * -Math.log(1 - rng.next()) * spread);
      symbols[i] = Math.min(a - 1, Math.max(0, v));
    }
    const H = empiricalBits(symbols, contexts, alphabet);
    const bytes = ransEncode(symbols, contexts, fitted(symbols, contexts, alphabet, 15));
    expect(8 * bytes.length).toBeLessThanOrEqual(H * 1.0002 + 64);
    expect(8 * bytes.length).toBeGreaterThan(H); // no free lunch: a sanity check on the entropy estimate
  });

  it('uniform symbols cost their fixed width (8 bits each for bytes) plus the 4-byte state', () => {
    const rng = new Rng(9);
    const symbols = Uint8Array.from({ length: 50_000 }, () => rng.below(256));
    const bytes = ransEncode(symbols, null, ransModel([new Uint32Array(256).fill(1 << 8)], 16));
    expect(bytes.length).toBeLessThanOrEqual(50_000 + 4);
  });
});

describe('frequency tables', () => {
  it('sum to 2^n, keep every occurring symbol ≥ 1 and every absent one at 0, and stay proportional', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 2 ** 31 })), { minLength: 1, maxLength: 256 }),
        fc.integer({ min: 8, max: 16 }),
        (counts, n) => {
          const used = counts.filter((c) => c > 0).length;
          fc.pre(used <= 2 ** n);
          const f = quantizeCounts(counts, n);
          const total = counts.reduce((a, b) => a + b, 0);
          expect(f.reduce((a, b) => a + b, 0)).toBe(2 ** n);
          if (total === 0) expect(f[0]).toBe(2 ** n);
          else counts.forEach((c, s) => expect(f[s] > 0).toBe(c > 0));
          // Off from c·M/total by less than the number of symbols that had to be moved.
          if (total > 0) counts.forEach((c, s) => expect(Math.abs(f[s] - (c * 2 ** n) / total)).toBeLessThanOrEqual(used + 1));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('bad tables and symbols are EntropyInputError naming the context and symbol', () => {
    expect(() => quantizeCounts(new Array(300).fill(1), 8)).toThrow(/300 distinct symbols do not fit a table of total 2\^8/);
    expect(() => ransModel([[100, 100]], 8)).toThrow(/context 0: frequencies sum to 200, expected 2\^8 = 256/);
    expect(() => ransModel([[256]], 17)).toThrow(EntropyInputError);
    const model = ransModel([[128, 128, 0]], 8);
    expect(() => ransEncode(Uint8Array.of(0, 2), null, model)).toThrow(/symbol 1 \(2 in context 0\) has frequency 0/);
    expect(() => ransEncode(Uint8Array.of(3), null, model)).toThrow(/outside the model/);
    expect(() => ransEncode(Uint8Array.of(0), Uint8Array.of(1), model)).toThrow(/outside the model/);
  });
});

describe('truncated and corrupt streams', () => {
  const rng = new Rng(5);
  const alphabet = [4, 32];
  const contexts = Uint8Array.from({ length: 400 }, () => rng.below(2));
  const symbols = Uint8Array.from(contexts, (c) => Math.min(alphabet[c] - 1, rng.below(alphabet[c]) >> rng.below(3)));
  const model = fitted(symbols, contexts, alphabet, 12);
  const bytes = ransEncode(symbols, contexts, model);

  it('every truncation is reported with the offset where decoding stopped', () => {
    for (let len = 0; len < bytes.length; len++) {
      expect(() => ransDecode(bytes.subarray(0, len), symbols.length, contexts, model)).toThrow(EntropyStreamError);
    }
    expect(() => ransDecode(bytes.subarray(0, 2), symbols.length, contexts, model)).toThrow(
      /byte 2: stream of 2 bytes is shorter than the 4-byte coder state: truncated/,
    );
    expect(() => ransDecode(bytes.subarray(0, bytes.length - 1), symbols.length, contexts, model)).toThrow(/truncated|corrupt/);
  });

  it('an extra byte, a changed byte, or the wrong symbol count is reported, not decoded', () => {
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(() => ransDecode(longer, symbols.length, contexts, model)).toThrow(/1 byte\(s\) left after the last symbol/);
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = bytes.slice();
        bad[i] ^= mask;
        expect(() => ransDecode(bad, symbols.length, contexts, model), `byte ${i} ^ ${mask}`).toThrow(EntropyStreamError);
      }
    }
    expect(() => ransDecode(bytes, symbols.length - 1, contexts.subarray(1), model)).toThrow(EntropyStreamError);
    const state = bytes.slice();
    state[3] = 0x90; // state ≥ 2^31
    expect(() => ransDecode(state, symbols.length, contexts, model)).toThrow(/byte 0: coder state \d+ is outside \[2\^23, 2\^31\)/);
  });
});
