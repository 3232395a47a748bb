/**
 * The llama2.c tokenizer on tok512: run.c's encode semantics (BOS, the dummy prefix that merges
 * into the first word, code points with byte fallback, greedy best-score merges), checked against
 * a literal transcription of run.c's quadratic loop; decode; and malformed tokenizer.bin files.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOS, EOS, ModelFormatError, parseTokenizer, readTokenizer, type Tokenizer } from '../../src/quant/index.js';
import { TEXT, TOKENIZER } from '../_fixtures.js';

const tok = readTokenizer(TOKENIZER, 512);
const latin1 = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
const id = (piece: string): number => tok.pieces.findIndex((p) => latin1(p) === piece);

/** run.c's encode, step by step: rescan every pair per merge, strict > keeps the leftmost best. */
function naiveEncode(t: Tokenizer, text: string): number[] {
  const strs = t.pieces.map(latin1);
  const find = (s: string): number => strs.indexOf(s);
  const bytes = Buffer.from(text, 'utf8');
  const ids: number[] = [];
  if (bytes.length > 0) ids.push(find(' '));
  let buf: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] & 0xc0) !== 0x80) buf = [];
    buf.push(bytes[i]);
    if (i + 1 < bytes.length && (bytes[i + 1] & 0xc0) === 0x80 && buf.length < 4) continue;
    const found = find(Buffer.from(buf).toString('latin1'));
    if (found >= 0) ids.push(found);
    else for (const b of buf) ids.push(b + 3);
    buf = [];
  }
  for (;;) {
    let best = -1e10;
    let at = -1;
    let merged = -1;
    for (let i = 0; i + 1 < ids.length; i++) {
      const m = find(strs[ids[i]] + strs[ids[i + 1]]);
      if (m >= 0 && t.scores[m] > best) {
        best = t.scores[m];
        at = i;
        merged = m;
      }
    }
    if (at < 0) break;
    ids.splice(at, 2, merged);
  }
  return [BOS, ...ids];
}

describe('tokenizer.bin', () => {
  it('reads tok512: 512 pieces, the special tokens, byte tokens, max length', () => {
    expect(tok.vocabSize).toBe(512);
    expect(latin1(tok.pieces[BOS])).toBe('\n<s>\n');
    expect(latin1(tok.pieces[EOS])).toBe('\n</s>\n');
    expect(latin1(tok.pieces[3 + 0x41])).toBe('<0x41>');
    expect(Math.max(...tok.pieces.map((p) => p.length))).toBeLessThanOrEqual(tok.maxTokenLength);
  });

  it('malformed files are named errors', () => {
    const bytes = new Uint8Array(readFileSync(TOKENIZER));
    expect(() => parseTokenizer(bytes.subarray(0, bytes.length - 3), 512, 'cut.bin')).toThrow(
      /cut\.bin: .*token 511: length .* is invalid|cut\.bin: ends after 511 of 512/,
    );
    expect(() => parseTokenizer(bytes, 511, 'big.bin')).toThrow(/big\.bin: \d+ bytes left after 511 tokens/);
    expect(() => parseTokenizer(bytes, 513, 'small.bin')).toThrow(/small\.bin: ends after 512 of 513 tokens/);
    const badLen = bytes.slice();
    new DataView(badLen.buffer).setInt32(8, 999, true); // token 0's length
    expect(() => parseTokenizer(badLen, 512, 'len.bin')).toThrow(/len\.bin: token 0: length 999 is invalid \(max_token_length 7/);
    expect(() => parseTokenizer(Uint8Array.of(0, 0, 0, 0), 512, 'zero.bin')).toThrow(/max_token_length 0/);
    expect(() => readTokenizer('/nonexistent/tok.bin', 512)).toThrow(ModelFormatError);
  });
});

describe('encode (run.c semantics)', () => {
  it('the dummy prefix merges into the first word; BOS first, EOS on request', () => {
    expect(tok.encode('Sam')).toEqual([BOS, id(' S'), id('am')]);
    expect(tok.encode('Once upon a time', true, true).at(-1)).toBe(EOS);
    expect(tok.encode('Once', false).map((t) => latin1(tok.pieces[t]))).toEqual([' Once']);
    expect(tok.encode('')).toEqual([BOS]);
    expect(tok.encode('', false, true)).toEqual([EOS]);
  });

  it('code points without a piece fall back to byte tokens (byte + 3)', () => {
    const ids = tok.encode('✓', false); // U+2713: e2 9c 93, not in tok512
    expect(ids).toEqual([id(' '), 0xe2 + 3, 0x9c + 3, 0x93 + 3]);
    expect(tok.encode('€', false)).toEqual([id(' '), id('\u00e2\u0082\u00ac')]); // a whole-code-point piece
  });

  it('the heap merge picks exactly the pairs of run.c’s rescanning loop', () => {
    const stories = readFileSync(TEXT, 'utf8').split('\n');
    for (const s of [stories[18], stories[0].slice(0, 300), 'a  b   c\n\nd\t!', '<0x41> literal']) expect(tok.encode(s)).toEqual(naiveEncode(tok, s));
    const alphabet = fc.constantFrom(...'abehinorst .,!\'"ABOST\n\t'.split(''), 'é', '€', '✓', '🙂', '\u0000');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 40 }), (chars) => {
        const s = chars.join('');
        expect(tok.encode(s)).toEqual(naiveEncode(tok, s));
      }),
      { numRuns: 300 },
    );
  });
});

describe('decode', () => {
  it('round-trips every line of the TinyStories sample', () => {
    for (const story of readFileSync(TEXT, 'utf8').split('\n')) expect(tok.decode(tok.encode(story.trim()))).toBe(story.trim());
  });

  it('edge strings: whitespace runs, newlines, emoji and other byte fallbacks, NUL', () => {
    for (const s of ['  two leading spaces', 'trailing  ', 'a\nb\r\nc', 'héllo – ✓ 🙂', '\u0000x', '<0x41>', ' ']) expect(tok.decode(tok.encode(s))).toBe(s);
  });

  it('strips the leading space of the piece after BOS, and "<0xHH>" pieces are raw bytes', () => {
    expect(Buffer.from(tok.decodePiece(BOS, id(' S'))).toString()).toBe('S');
    expect(Buffer.from(tok.decodePiece(id('am'), id(' S'))).toString()).toBe(' S');
    expect([...tok.decodePiece(id('a'), 3 + 0x0a)]).toEqual([0x0a]);
    expect(tok.decode([BOS, id(' S'), id('am'), EOS])).toBe('Sam');
    expect(() => tok.decodePiece(0, 512)).toThrow(/outside the vocabulary/);
  });
});
