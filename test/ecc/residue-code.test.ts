/**
 * Residue decoding and list decoding on whole codes (small m, exhaustive) and on random codewords
 * of large m (fast-check): one substitution always gives back the sent message; with two, the
 * sent codeword is always in the list, and tie-breaking never turns it into a wrong unique answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ListDecoder, LIST_AMBIGUOUS, LIST_EMPTY, LIST_UNIQUE, ResidueCode, eccCodec, runTrial } from '../../src/ecc/index.js';
import { UncorrectableCodewordError } from '../../src/loco/index.js';

const xor = (w: Uint8Array): number => w.reduce((a, b) => a ^ b, 0);
const complement = (w: Uint8Array): Uint8Array => w.map((s) => 3 - s);
const hamming = (a: Uint8Array, b: Uint8Array): number => a.reduce((n, s, i) => n + (s !== b[i] ? 1 : 0), 0);

describe('exhaustive single substitutions', () => {
  it.each([
    [1, 12],
    [2, 10],
    [3, 10],
    [3, 12],
  ])('ℓ=%i m=%i: every EC codeword (and its complement) is restored from each of its 3m substitutions', (ell, m) => {
    const rc = new ResidueCode(m, ell, { cacheDir: false, listDecoding: false });
    const messages = 1 << rc.messageBits;
    let checked = 0;
    for (let u = 0; u < messages; u++) {
      const c = rc.encodeMessage(BigInt(u));
      for (const sent of [c, complement(c)]) {
        expect(rc.decodeWord(sent)).toEqual({ message: BigInt(u), corrected: false, byList: false });
        for (let j = 0; j < m; j++) {
          for (let d = 1; d < 4; d++) {
            const y = sent.slice();
            y[j] = (y[j] + d) & 3;
            expect(rc.decodeWord(y).message).toBe(BigInt(u));
            checked++;
          }
        }
      }
    }
    expect(checked).toBe(messages * 2 * 3 * m);
  });
});

describe('exhaustive double substitutions', () => {
  it.each([
    [1, 9],
    [2, 8],
    [3, 8],
  ])('ℓ=%i m=%i: the sent codeword is always listed; a unique answer is never wrong', (ell, m) => {
    const rc = new ResidueCode(m, ell, { cacheDir: false });
    const list = new ListDecoder(rc);
    const outcomes = [0, 0, 0];
    for (let u = 0; u < 1 << rc.messageBits; u++) {
      const c = rc.encodeMessage(BigInt(u));
      const x = rc.code.rankAny(c);
      for (let i = 0; i < m; i++) {
        for (let j = i + 1; j < m; j++) {
          for (let di = 1; di < 4; di++) {
            for (let dj = 1; dj < 4; dj++) {
              const y = c.slice();
              y[i] = (y[i] + di) & 3;
              y[j] = (y[j] + dj) & 3;
              const r = list.decode(y, 0, xor(c));
              expect(r.candidates).toContain(x);
              expect(r.preferred).toContain(x);
              if (r.outcome === LIST_UNIQUE) expect(r.preferred).toEqual([x]);
              outcomes[r.outcome]++;
            }
          }
        }
      }
    }
    expect(outcomes[LIST_EMPTY]).toBe(0);
    expect(outcomes[LIST_UNIQUE]).toBeGreaterThan(outcomes[LIST_AMBIGUOUS]);
  });
});

describe('large m (fast-check)', () => {
  const configs = [
    { m: 48, ell: 3 },
    { m: 64, ell: 2 },
    { m: 40, ell: 1 },
  ] as const;
  for (const { m, ell } of configs) {
    const rc = new ResidueCode(m, ell, { cacheDir: false });
    const list = new ListDecoder(rc);
    const message = fc.bigInt({ min: 0n, max: (1n << BigInt(rc.messageBits)) - 1n });
    const position = fc.integer({ min: 0, max: m - 1 });
    const delta = fc.integer({ min: 1, max: 3 });

    it(`ℓ=${ell} m=${m}: one random substitution always decodes to the sent message`, () => {
      fc.assert(
        fc.property(message, fc.boolean(), position, delta, (u, flip, j, d) => {
          const c = rc.encodeMessage(u);
          const sent = flip ? complement(c) : c;
          const y = sent.slice();
          y[j] = (y[j] + d) & 3;
          const out = rc.decodeWord(y, xor(sent));
          expect(out.message).toBe(u);
          expect(out.corrected || rc.code.rankAny(y) === rc.code.rankAny(sent)).toBe(true);
        }),
        { numRuns: 300 },
      );
    });

    it(`ℓ=${ell} m=${m}: with two random substitutions the sent codeword is in the list`, () => {
      fc.assert(
        fc.property(message, fc.boolean(), fc.uniqueArray(position, { minLength: 2, maxLength: 2 }), delta, delta, (u, flip, [i, j], di, dj) => {
          const c = rc.encodeMessage(u);
          const sent = flip ? complement(c) : c;
          const x = rc.code.rankAny(sent);
          const y = sent.slice();
          y[i] = (y[i] + di) & 3;
          y[j] = (y[j] + dj) & 3;
          const r = list.decode(y, 0, xor(sent));
          expect(r.candidates).toContain(x);
          if (r.outcome === LIST_UNIQUE) expect(r.preferred).toEqual([x]);
          // Through the codec's decoder (residue first): the right message, a typed failure, or —
          // when the two substitutions look like one — a codeword strictly nearer to what was
          // received than the sent one (a maximum-likelihood choice the strand check must catch).
          try {
            const out = rc.decodeWord(y, xor(sent));
            if (out.message !== u) {
              const w = rc.encodeMessage(out.message);
              const d = Math.min(hamming(w, y), hamming(complement(w), y));
              expect(d).toBeLessThan(2);
            }
          } catch (e) {
            expect(e).toBeInstanceOf(UncorrectableCodewordError);
          }
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe('seeded trials', () => {
  it('count every outcome, reproducibly, with no wrong unique answers for ≤ 2 substitutions', () => {
    const a = runTrial({ m: 16, ell: 3, errors: 2, trials: 400, seed: 1, cacheDir: false });
    const b = runTrial({ m: 16, ell: 3, errors: 2, trials: 400, seed: 1, cacheDir: false });
    expect({ ...a, seconds: 0 }).toEqual({ ...b, seconds: 0 });
    expect(a.uniqueCorrect + a.ambiguous + a.empty + a.wrong).toBe(400);
    expect(a.wrong).toBe(0);
    expect(a.sentListed).toBe(400);
    // One substitution through the codec's decoder is always corrected; the list decoder alone
    // may also list a codeword at distance 2 of the received word that the checksum cannot rule out.
    const one = runTrial({ m: 16, ell: 3, errors: 1, trials: 400, seed: 2, cacheDir: false, decoder: 'codec' });
    expect(one.uniqueCorrect).toBe(400);
    const oneList = runTrial({ m: 16, ell: 3, errors: 1, trials: 400, seed: 2, cacheDir: false });
    expect(oneList.sentListed).toBe(400);
    expect(oneList.wrong).toBe(0);
    // Two substitutions through the codec: miscorrections are possible and counted, never hidden.
    const twoCodec = runTrial({ m: 16, ell: 3, errors: 2, trials: 400, seed: 1, cacheDir: false, decoder: 'codec' });
    expect(twoCodec.uniqueCorrect + twoCodec.ambiguous + twoCodec.empty + twoCodec.wrong).toBe(400);
    expect(twoCodec.uniqueCorrect).toBeGreaterThan(300);
  });

  it('three substitutions can be miscorrected, and the trial says so rather than hiding it', () => {
    const t = runTrial({ m: 12, ell: 2, errors: 3, trials: 1000, seed: 3, cacheDir: false });
    expect(t.uniqueCorrect + t.ambiguous + t.empty + t.wrong).toBe(1000);
    expect(t.wrong + t.empty + t.ambiguous).toBeGreaterThan(0);
  });
});

describe('the EC bulk codec', () => {
  it('corrects one substitution in every codeword of every strand and reports it', () => {
    const codec = eccCodec({ ell: 3, length: 24, codewordsPerStrand: 4 });
    const data = new TextEncoder().encode('dnarchive corrects one substitution per codeword, in every codeword.');
    const strands = codec.encode(data);
    const { m } = codec.code;
    const blen = codec.layout.length;
    let hit = 0;
    const noisy = strands.map((s, si) => {
      const y = s.slice();
      for (let at = 0; at + m <= y.length; at += m + blen) {
        const p = at + ((si * 7 + at) % m);
        y[p] = (y[p] + 1 + (p % 3)) & 3;
        hit++;
      }
      return y;
    });
    const report = codec.decodeReport(noisy);
    expect(Buffer.from(report.data).equals(Buffer.from(data))).toBe(true);
    expect(report.corrected).toBe(hit);
    expect(report.codewords).toBe(hit);
  });

  it('a codeword it cannot correct is a typed error naming strand and codeword, never wrong data', () => {
    const codec = eccCodec({ ell: 2, length: 16, codewordsPerStrand: 3 });
    const strands = codec.encode(new Uint8Array(40).fill(0xa5));
    const y = strands[1].slice();
    const { m } = codec.code;
    const start = m + codec.layout.length; // codeword 1 of strand 1
    for (let p = start; p < start + m; p++) y[p] = (y[p] + 1) & 3; // m substitutions
    const noisy = [strands[0], y, ...strands.slice(2)];
    let err: unknown;
    try {
      const out = codec.decode(noisy);
      // If the garbage happened to decode, the payload must differ detectably: it cannot be silent.
      expect(Buffer.from(out).equals(Buffer.from(new Uint8Array(40).fill(0xa5)))).toBe(false);
    } catch (e) {
      err = e;
    }
    if (err !== undefined) {
      expect(err).toBeInstanceOf(UncorrectableCodewordError);
      expect((err as Error).message).toMatch(/strand 1.*codeword|codeword.*strand 1/);
    }
  });
});
