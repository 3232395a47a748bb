/** Bad input to src/ecc: typed errors that name what is wrong, never a crash deep inside. */
import { describe, expect, it } from 'vitest';
import { ListDecodePool, ResidueCode, ResidueTableMismatchError, listDecodeBatch, residueTable } from '../../src/ecc/index.js';
import { IndexRangeError, InvalidLengthError, InvalidSymbolError, LocoParameterError } from '../../src/loco/index.js';

const rc = new ResidueCode(16, 2, { cacheDir: false });

describe('received words', () => {
  it('of the wrong length name both lengths', () => {
    expect(() => rc.decodeWord('ACGTACGT')).toThrow(InvalidLengthError);
    expect(() => rc.decodeWord('ACGTACGT')).toThrow(/8.*16|16.*8/);
  });
  it('outside the alphabet name the symbol and position', () => {
    expect(() => rc.decodeWord('ACGTACGTACGTACGN')).toThrow(InvalidSymbolError);
    expect(() => rc.decodeWord('ACGTACGTACGTACGN')).toThrow(/N/);
    const w = new Uint8Array(16);
    w[5] = 7;
    expect(() => rc.decodeWord(w)).toThrow(/position 5|at 5|5/);
  });
  it('with a checksum outside 0..3 name the checksum', () => {
    expect(() => rc.decodeWord(rc.encodeMessage(0n), 4)).toThrow(LocoParameterError);
    expect(() => rc.decodeWord(rc.encodeMessage(0n), 4)).toThrow(/checksum/);
  });
  it('messages beyond the message range are refused', () => {
    expect(() => rc.encodeMessage(1n << BigInt(rc.messageBits))).toThrow(IndexRangeError);
    expect(() => rc.encodeMessage(-1n)).toThrow(IndexRangeError);
  });
});

describe('tables and classes', () => {
  it('a table for other parameters is refused, naming each field that differs', () => {
    const other = residueTable(12, 3, { cacheDir: false });
    let message = '';
    try {
      new ResidueCode(16, 2, { table: other });
    } catch (e) {
      expect(e).toBeInstanceOf(ResidueTableMismatchError);
      message = (e as Error).message;
    }
    expect(message).toMatch(/m = 12 \(code has 16\)/);
    expect(message).toMatch(/ell = 3 \(code has 2\)/);
  });
  it('a residue class mismatch is refused: balancing needs the complement class', () => {
    const zero = residueTable(16, 2, { cacheDir: false, residueClass: 'zero' });
    expect(() => new ResidueCode(16, 2, { table: zero, residueClass: 'complement' })).toThrow(/residue class 'zero'/);
    expect(() => new ResidueCode(16, 2, { residueClass: 'zero' })).toThrow(/complement/);
    // Without balancing the zero class is a valid code, and the same table is accepted.
    const plain = new ResidueCode(16, 2, { table: zero, residueClass: 'zero', balance: false });
    expect(plain.decodeWord(plain.encodeMessage(5n)).message).toBe(5n);
  });
  it('a margin out of range names the margin', () => {
    expect(() => residueTable(16, 2, { margin: 0.5, cacheDir: false })).toThrow(/margin = 0.5/);
  });
  it('a length too short for one message bit says so', () => {
    expect(() => new ResidueCode(2, 1, { cacheDir: false })).toThrow(LocoParameterError);
  });
});

describe('list jobs', () => {
  const job = { m: 16, ell: 2, margin: 1, balance: true };
  it('whose shape does not match are refused with both sizes', () => {
    expect(() => listDecodeBatch({ ...job, words: new Uint8Array(30), checksums: new Int8Array(2) })).toThrow(/30 symbols for 2 words/);
    const words = new Uint8Array(32);
    words[20] = 9;
    expect(() => listDecodeBatch({ ...job, words, checksums: new Int8Array(2) })).toThrow(/word 1 has symbol value 9 at position 4/);
  });

  it('give the same answers on the pool as on the calling thread, and the pool shuts down', async () => {
    const n = 200;
    const words = new Uint8Array(n * 16);
    const checksums = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      const c = rc.encodeMessage(BigInt((i * 7919) % (1 << rc.messageBits)));
      c[i % 16] = (c[i % 16] + 1) & 3;
      c[(i * 5 + 3) % 16] = (c[(i * 5 + 3) % 16] + 2) & 3;
      words.set(c, i * 16);
      checksums[i] = -1;
    }
    const local = listDecodeBatch({ ...job, words, checksums });
    const pool = new ListDecodePool({ threads: 2, minParallelWords: 1 });
    try {
      const remote = await pool.run({ ...job, words, checksums });
      expect(Array.from(remote.outcomes)).toEqual(Array.from(local.outcomes));
      expect(remote.candidates).toEqual(local.candidates);
    } finally {
      await pool.close();
      await pool.close(); // twice is harmless
    }
  });
});
