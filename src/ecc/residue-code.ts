/**
 * EC D-LOCO on one codeword (spec dloco.md §5): messages map to indices x = u·R + ρ0; a received
 * word is corrected by one rank, one residue, one table lookup and one subtraction. Implements the
 * bulk codec's IndexMapper, so `LocoCodec` frames, balances and bridges EC codewords unchanged.
 */
import { locoCode, type LocoCode } from '../loco/code.js';
import { fitsInBits } from '../loco/_bits.js';
import { addLimbs, bigToLimbs, compareLimbs, divSmall, limbsToBig, modSmall, mulSmallAdd, subLimbs } from '../loco/_limbs.js';
import { floorLog2 } from '../loco/cardinality.js';
import { IndexRangeError, InvalidLengthError, InvalidSymbolError, LocoParameterError, UncorrectableCodewordError } from '../loco/errors.js';
import { parseWord } from '../loco/alphabet.js';
import { DECODE_CLEAN, DECODE_CORRECTED, DECODE_FAILED, type IndexMapper } from '../loco/codec.js';
import { ListDecoder, LIST_EMPTY, LIST_UNIQUE } from './list-decode.js';
import { ResidueTableMismatchError } from './errors.js';
import { residueTable, type ResidueClass, type ResidueTable, type ResidueTableOptions } from './residue-table.js';

export interface ResidueCodeOptions extends ResidueTableOptions {
  /** Fall back to list decoding when residue decoding fails. Default true. */
  listDecoding?: boolean;
  /** Messages in the lower half only, codewords sent as c or c̄ (needs the complement class). */
  balance?: boolean;
  /** A table built beforehand (residueTable()); it must be for this m, ℓ and residue class. */
  table?: ResidueTable;
}

export class ResidueCode implements IndexMapper {
  readonly name = 'residue';
  readonly corrects = true;
  readonly code: LocoCode;
  readonly table: ResidueTable;
  readonly balance: boolean;
  /** Message bits per codeword. */
  readonly messageBits: number;
  /** Bits given up to the residue class: ⌊log2 N⌋ (− 1 when balanced) − messageBits. */
  readonly bitsLost: number;
  /** After fromWord returned DECODE_CORRECTED: the corrected index as sent (orientation of the word). */
  readonly corrected: Int32Array;
  /** Why the last fromWord failed. */
  failure = '';
  /** Whether the last correction took list decoding. */
  lastByList = false;
  /** The list decoder's outcome in the last fromWord (LIST_UNIQUE/AMBIGUOUS/EMPTY), −1 when it did not run. */
  lastListOutcome = -1;
  /** Fall back to list decoding (two substitutions) when residue decoding fails. Default true. */
  listDecoding: boolean;
  private list: ListDecoder | undefined;
  private readonly checkWord: Uint8Array;

  private readonly sizeLimbs: Int32Array;
  private readonly lastLimbs: Int32Array; // N − 1
  private readonly halfLimbs: Int32Array; // N / 2
  private readonly g: Int32Array;
  private readonly scratch: Int32Array;

  constructor(m: number, ell: number, options: ResidueCodeOptions = {}) {
    this.code = locoCode(m, ell);
    this.balance = options.balance ?? true;
    const residueClass: ResidueClass = options.residueClass ?? 'complement';
    if (this.balance && residueClass !== 'complement') {
      throw new LocoParameterError('residue class', residueClass, "GC balancing needs the complement-closed class ('complement')");
    }
    this.table = options.table ? checkTable(options.table, m, ell, residueClass) : residueTable(m, ell, { ...options, residueClass });
    const N = this.code.size;
    const R = BigInt(this.table.R);
    const limit = this.balance ? N / 2n : N; // used indices lie below this
    const rho = BigInt(this.table.offset);
    if (rho >= limit) throw new LocoParameterError('length (m)', m, `too small for residue coding at ell = ${ell} (R = ${this.table.R})`);
    const count = (limit - 1n - rho) / R + 1n;
    this.messageBits = floorLog2(count);
    if (this.messageBits < 1) throw new LocoParameterError('length (m)', m, `too small to carry one message bit with residue coding at ell = ${ell}`);
    this.bitsLost = this.code.bits - (this.balance ? 1 : 0) - this.messageBits;
    const W = this.code.width;
    this.sizeLimbs = new Int32Array(W);
    this.lastLimbs = new Int32Array(W);
    this.halfLimbs = new Int32Array(W);
    bigToLimbs(N, this.sizeLimbs, 0, W);
    bigToLimbs(N - 1n, this.lastLimbs, 0, W);
    bigToLimbs(N / 2n, this.halfLimbs, 0, W);
    this.listDecoding = options.listDecoding ?? true;
    this.checkWord = new Uint8Array(m);
    this.g = new Int32Array(W);
    this.scratch = new Int32Array(W);
    this.corrected = new Int32Array(W);
  }

  toIndex(u: Int32Array, x: Int32Array): void {
    mulSmallAdd(u, this.table.R, this.table.offset, x);
  }

  /**
   * One rank, one residue, one lookup and one subtraction; a correction must agree with the
   * bridge checksum when there is one. When that fails, list decoding (up to two substitutions)
   * with the checksum as tie-break; an ambiguous or empty list is a failure, never a guess.
   */
  fromWord(word: Uint8Array, offset: number, u: Int32Array, checksum = -1): number {
    this.lastByList = false;
    this.lastListOutcome = -1;
    let status = this.residueDecode(word, offset, u);
    if (status === DECODE_CORRECTED) {
      // A true single substitution leaves the corrected codeword one symbol away. Two
      // substitutions can land on a residue of the table and an in-class index whose codeword is
      // far from what was received: re-encoding exposes that, so it goes to the list decoder
      // instead of becoming a miscorrection.
      this.scratch.set(this.corrected);
      this.code.unrankFrom(this.scratch, this.checkWord, 0);
      let v = 0;
      let distance = 0;
      for (let i = 0; i < this.checkWord.length; i++) {
        v ^= this.checkWord[i];
        if (this.checkWord[i] !== word[offset + i]) distance++;
      }
      if (distance > 1) status = this.fail('the correction is not one substitution away');
      else if (checksum >= 0 && v !== checksum) status = this.fail('the correction disagrees with the bridge checksum');
    }
    if (status !== DECODE_FAILED || !this.listDecoding) return status;
    this.list ??= new ListDecoder(this);
    const r = this.list.decode(word, offset, checksum);
    this.lastListOutcome = r.outcome;
    if (r.outcome === LIST_UNIQUE) {
      bigToLimbs(r.preferred[0], this.g, 0, this.g.length);
      this.corrected.set(this.g);
      this.messageOf(this.g, u);
      this.lastByList = true;
      return DECODE_CORRECTED;
    }
    return this.fail(
      r.outcome === LIST_EMPTY
        ? 'no codeword within two substitutions'
        : `ambiguous: ${r.preferred.length} codewords within two substitutions (indices ${r.preferred.slice(0, 4).join(', ')}${r.preferred.length > 4 ? ', …' : ''})`,
    );
  }

  /**
   * The checked entry for users: a received codeword (symbols or "ATGC…") → its message, or a
   * typed error naming what is wrong. `checksum` is the bridge's XOR value, if known.
   */
  decodeWord(word: Uint8Array | string, checksum = -1): { message: bigint; corrected: boolean; byList: boolean } {
    const w = typeof word === 'string' ? parseWord(word, 'received word') : word;
    if (w.length !== this.code.m) throw new InvalidLengthError(w.length, this.code.m, 'received word');
    for (let i = 0; i < w.length; i++) if (w[i] > 3) throw new InvalidSymbolError(String(w[i]), i, 'received word');
    if (!(Number.isInteger(checksum) && checksum >= -1 && checksum <= 3))
      throw new LocoParameterError('checksum', checksum, 'an integer in 0..3, or -1 for none');
    const u = this.code.newLimbs();
    const status = this.fromWord(w, 0, u, checksum);
    if (status === DECODE_FAILED) throw new UncorrectableCodewordError(0, 0, this.failure);
    return { message: limbsToBig(u, 0, u.length), corrected: status === DECODE_CORRECTED, byList: this.lastByList };
  }

  /** The codeword (as sent, before any complement) that carries message u. */
  encodeMessage(message: bigint): Uint8Array {
    if (message < 0n || message >= 1n << BigInt(this.messageBits)) throw new IndexRangeError(message, 1n << BigInt(this.messageBits), 'message');
    const u = this.code.newLimbs();
    bigToLimbs(message, u, 0, u.length);
    const x = this.code.newLimbs();
    this.toIndex(u, x);
    const out = new Uint8Array(this.code.m);
    this.code.unrankFrom(x, out, 0);
    return out;
  }

  /** Residue decoding alone: DECODE_CLEAN, DECODE_CORRECTED or DECODE_FAILED. */
  residueDecode(word: Uint8Array, offset: number, u: Int32Array): number {
    const t = this.table;
    const g = this.g;
    this.code.rankInto(word, offset, g);
    let status = DECODE_CLEAN;
    const r = (modSmall(g, t.R) - t.offset + t.R) % t.R;
    if (r !== 0) {
      const k = t.lookup[r];
      if (k === 0) return this.fail('no single substitution explains its residue');
      const off = (k - 1) * t.width;
      // x = g − e
      if (t.signs[k - 1] > 0) {
        if (subLimbs(g, t.magnitudes, off)) return this.fail('the correction leaves the code');
      } else if (addLimbs(g, t.magnitudes, off)) return this.fail('the correction leaves the code');
      status = DECODE_CORRECTED;
    }
    if (compareLimbs(g, this.sizeLimbs) >= 0) return this.fail('the index lies beyond the code');
    if (status === DECODE_CORRECTED) this.corrected.set(g);
    if (!this.messageOf(g, u)) return this.fail('the index lies outside the message range');
    return status;
  }

  /** Index as sent (destroyed) → message u; false when u is outside the message range. */
  private messageOf(g: Int32Array, u: Int32Array): boolean {
    const t = this.table;
    if (this.balance && compareLimbs(g, this.halfLimbs) >= 0) {
      // Sent complemented: x = N − 1 − g (the class is closed under complement).
      const x = this.scratch;
      x.set(this.lastLimbs);
      subLimbs(x, g);
      g.set(x);
    }
    // u = (x − ρ0) / R, exact because x lies in the class.
    subtractSmall(g, t.offset);
    divSmall(g, t.R, u);
    return fitsInBits(u, this.messageBits);
  }

  /**
   * Whether x (as sent, limbs) is an index the encoder can produce: in the class, below N, and
   * its message — after complementing back when balanced — in the message range. Not hot.
   */
  isUsedIndex(x: Int32Array): boolean {
    const t = this.table;
    if (compareLimbs(x, this.sizeLimbs) >= 0) return false;
    if (modSmall(x, t.R) !== t.offset) return false;
    const v = this.scratch;
    if (this.balance && compareLimbs(x, this.halfLimbs) >= 0) {
      v.set(this.lastLimbs);
      subLimbs(v, x);
    } else v.set(x);
    subtractSmall(v, t.offset);
    divSmall(v, t.R, v);
    return fitsInBits(v, this.messageBits);
  }

  private fail(reason: string): number {
    this.failure = reason;
    return DECODE_FAILED;
  }
}

function subtractSmall(a: Int32Array, v: number): void {
  let borrow = v;
  for (let k = 0; k < a.length && borrow !== 0; k++) {
    const d = a[k] - borrow;
    if (d >= 0) {
      a[k] = d;
      borrow = 0;
    } else {
      a[k] = d + 1073741824;
      borrow = 1;
    }
  }
}

/** A table handed in must be the one this code would build: same m, ℓ and residue class. */
function checkTable(table: ResidueTable, m: number, ell: number, residueClass: ResidueClass): ResidueTable {
  const wrong: string[] = [];
  if (table.m !== m) wrong.push(`m = ${table.m} (code has ${m})`);
  if (table.ell !== ell) wrong.push(`ell = ${table.ell} (code has ${ell})`);
  if (table.residueClass !== residueClass) wrong.push(`residue class '${table.residueClass}' (code uses '${residueClass}')`);
  if (wrong.length > 0) throw new ResidueTableMismatchError(`residue table for other parameters: ${wrong.join(', ')}`);
  return table;
}
