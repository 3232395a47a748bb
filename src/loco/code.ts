/**
 * One D-LOCO code D(m, ℓ) with precomputed tables, and the fast rank / unrank of spec dloco.md §3.
 * Build with `locoCode(m, ell)`; instances are cached and immutable apart from scratch space.
 *
 * Positions: word[j] is the j-th symbol on the strand, c_{m−1−j} in the spec, so n = m − j is the
 * number of symbols from j to the end.
 *
 * Speed: the symbol contributions of the spec's sum depend only on a symbol, its predecessor and
 * that predecessor's run. Symbols are taken two at a time: for each pair position and each
 * "state" (previous symbol, its run capped at ℓ) one table row holds, for all 16 symbol pairs,
 * the sum of the two contributions. Rank then adds one table value per two symbols. For valid
 * pairs that value is also the number of codewords that precede the pair given the prefix, so
 * unrank picks the pair as the number of row entries ≤ x (15 comparisons of doubles built from
 * the top two limbs, exact except when the top limbs tie) and subtracts once.
 */
import { cardinality, countTables, floorLog2, sameSymbolCount, type CountTables } from './cardinality.js';
import { bigToLimbs, LIMB_MASK, limbsFor, limbsToBig } from './_limbs.js';
import { checkEll, checkLength } from './params.js';
import { IndexRangeError, InvalidLengthError, RunLimitError } from './errors.js';
import { parseWord } from './alphabet.js';

const LIMB_SCALE = 1073741824; // 2^30

export class LocoCode {
  /** Code length in symbols. */
  readonly m: number;
  /** Run limit: no run longer than ℓ. */
  readonly ell: number;
  /** N(m), the number of codewords. */
  readonly size: bigint;
  /** ⌊log2 N(m)⌋: message bits per codeword without balancing. */
  readonly bits: number;
  /** Limbs per number: enough for any rank, including the run-capped rank of invalid words. */
  readonly width: number;

  /** States: s = prev·ℓ + (run − 1) for prev 0..3, and NONE = 4ℓ before the first symbol. */
  private readonly none: number;
  /** Symbols in block 0 (1 when m is odd, else 2); every later block has 2. */
  private readonly firstLen: number;
  /** Per block b: number of active limbs (values there are below N(n), n = symbols left). */
  private readonly blockLimbs: Int32Array;
  /** Rank values (run-capped formula, defined for any word): [(b·S + s)·16 + pair]·W. */
  private readonly rankTab: Int32Array;
  /** Preceding-codeword counts (0 added after a prefix turns invalid): same layout. */
  private readonly countTab: Int32Array;
  /** countTab entries as doubles from their top two active limbs. */
  private readonly countApprox: Float64Array;
  /** next[s·16 + pair]: the state after a symbol pair (block 0 of length 1 uses pair = a). */
  private readonly next: Uint8Array;
  private readonly next1: Uint8Array;
  /** Scratch accumulator for rank: sums of ≤ 256 terms below 2^30 per limb are exact in doubles. */
  private readonly acc: Float64Array;

  constructor(m: number, ell: number) {
    checkEll(ell);
    checkLength(m, 1);
    this.m = m;
    this.ell = ell;
    this.size = cardinality(m, ell);
    this.bits = floorLog2(this.size);
    // One bit beyond N(m): the run-capped rank of a word that breaks the run limit is a sum of
    // per-position terms below N(n), n = 1..m, which stays below N(m)·Σ 3^−k = 1.5·N(m).
    const W = limbsFor(this.size.toString(2).length + 1);
    this.width = W;
    const t = countTables(ell, m);
    const S = 4 * ell + 1;
    this.none = 4 * ell;
    this.firstLen = m % 2 === 1 ? 1 : 2;
    const blocks = m % 2 === 1 ? (m + 1) / 2 : m / 2;

    this.next = new Uint8Array(S * 16);
    this.next1 = new Uint8Array(S * 4);
    for (let s = 0; s < S; s++) {
      for (let a = 0; a < 4; a++) {
        const s1 = this.step(s, a);
        this.next1[s * 4 + a] = s1;
        for (let b = 0; b < 4; b++) this.next[s * 16 + a * 4 + b] = this.step(s1, b);
      }
    }

    this.blockLimbs = new Int32Array(blocks);
    this.rankTab = new Int32Array(blocks * S * 16 * W);
    this.countTab = new Int32Array(blocks * S * 16 * W);
    this.countApprox = new Float64Array(blocks * S * 16).fill(Infinity);
    let j = 0;
    for (let b = 0; b < blocks; b++) {
      const len = b === 0 ? this.firstLen : 2;
      const n = m - j;
      const L = limbsFor((4n * t.M[n]).toString(2).length);
      this.blockLimbs[b] = L;
      for (let s = b === 0 ? this.none : 0; s < (b === 0 ? S : this.none); s++) {
        for (let pair = 0; pair < (len === 2 ? 16 : 4); pair++) {
          const syms = len === 2 ? [pair >> 2, pair & 3] : [pair];
          const [rankValue, countValue] = this.pairValues(t, n, s, syms);
          const e = (b * S + s) * 16 + pair;
          bigToLimbs(rankValue, this.rankTab, e * W, W);
          bigToLimbs(countValue, this.countTab, e * W, W);
          this.countApprox[e] = topTwo(this.countTab, e * W, L);
        }
      }
      j += len;
    }
    this.acc = new Float64Array(W + 1);
  }

  /** State after symbol a from state s (run capped at ℓ). */
  private step(s: number, a: number): number {
    if (s === this.none) return a * this.ell;
    const prev = (s / this.ell) | 0;
    const run = (s % this.ell) + 1;
    return a === prev ? prev * this.ell + Math.min(run + 1, this.ell) - 1 : a * this.ell;
  }

  /**
   * Contributions of the symbols `syms` starting with n symbols left in state s:
   * [run-capped rank value, count of codewords preceding the prefix].
   */
  private pairValues(t: CountTables, n: number, s: number, syms: number[]): [bigint, bigint] {
    let rankValue = 0n;
    let countValue = 0n;
    let valid = true;
    let state = s;
    for (let i = 0; i < syms.length; i++) {
      const a = syms[i];
      const nn = n - i;
      let single: bigint;
      let prev = 4;
      let run = 0;
      if (state !== this.none) {
        prev = (state / this.ell) | 0;
        run = (state % this.ell) + 1;
      }
      if (a <= prev) single = BigInt(a) * t.M[nn];
      else single = BigInt(a - 1) * t.M[nn] + sameSymbolCount(t, nn, run);
      rankValue += single;
      if (valid) countValue += single;
      if (a === prev && run >= this.ell) valid = false; // no codeword continues this prefix
      state = this.step(state, a);
    }
    return [rankValue, countValue];
  }

  /** A zeroed limb buffer of this code's width, for rankInto / unrankFrom. */
  newLimbs(): Int32Array {
    return new Int32Array(this.width);
  }

  /**
   * g(word[offset .. offset+m)) into `out` (width limbs). Uses the run-capped formula, so it is
   * defined for words that break the run limit too (residue decoding needs that); it does not
   * validate. Allocation-free. With `complemented`, ranks the complement of the stored word
   * (complementing a symbol pair index p = 4a + b gives 15 − p = p ^ 15).
   */
  rankInto(word: Uint8Array, offset: number, out: Int32Array, complemented = false): void {
    const flip1 = complemented ? 3 : 0;
    const flip2 = complemented ? 15 : 0;
    const W = this.width;
    const tab = this.rankTab;
    const acc = this.acc;
    const limbs = this.blockLimbs;
    const blocks = limbs.length;
    const rowStride = (4 * this.ell + 1) * 16;
    const next = this.next;
    acc.fill(0);
    let state = this.none;
    let j = offset;
    let e: number;
    if (this.firstLen === 1) {
      const a = word[j] ^ flip1;
      e = state * 16 + a;
      state = this.next1[state * 4 + a];
      j += 1;
    } else {
      const pair = (word[j] * 4 + word[j + 1]) ^ flip2;
      e = state * 16 + pair;
      state = next[state * 16 + pair];
      j += 2;
    }
    let base = e * W;
    for (let k = 0, L = limbs[0]; k < L; k++) acc[k] += tab[base + k];
    for (let b = 1; b < blocks; b++, j += 2) {
      const pair = (word[j] * 4 + word[j + 1]) ^ flip2;
      base = (b * rowStride + state * 16 + pair) * W;
      state = next[state * 16 + pair];
      for (let k = 0, L = limbs[b]; k < L; k++) acc[k] += tab[base + k];
    }
    let carry = 0;
    for (let k = 0; k < W; k++) {
      const v = acc[k] + carry;
      const lo = v % LIMB_SCALE;
      out[k] = lo;
      carry = (v - lo) / LIMB_SCALE;
    }
  }

  /**
   * Writes the codeword of index x (width limbs, x < N(m), not checked) into out[offset ..).
   * Destroys x. Allocation-free.
   */
  unrankFrom(x: Int32Array, out: Uint8Array, offset: number): void {
    const W = this.width;
    const tab = this.countTab;
    const approx = this.countApprox;
    const limbs = this.blockLimbs;
    const blocks = limbs.length;
    const rowStride = (4 * this.ell + 1) * 16;
    const next = this.next;
    let state = this.none;
    let j = offset;
    for (let b = 0; b < blocks; b++) {
      const L = limbs[b];
      const h = L - 1;
      const xf = h > 0 ? x[h] * LIMB_SCALE + x[h - 1] : x[0];
      const row = b * rowStride + state * 16;
      // Entries are non-decreasing along the row. The first symbol is how many of entries 4, 8,
      // 12 are ≤ x, the second how many of the next three; comparisons without branches, since
      // the symbols are data and would defeat branch prediction. With one limb xf is exact;
      // otherwise xf > tf proves x > t, and a tie falls back to exact comparison.
      const t4 = approx[row + 4];
      const t8 = approx[row + 8];
      const t12 = approx[row + 12];
      let p: number;
      let tie = 0;
      if (h === 0) {
        p = (+(xf >= t4) + +(xf >= t8) + +(xf >= t12)) << 2;
        p += +(xf >= approx[row + p + 1]) + +(xf >= approx[row + p + 2]) + +(xf >= approx[row + p + 3]);
      } else {
        p = (+(xf > t4) + +(xf > t8) + +(xf > t12)) << 2;
        const u1 = approx[row + p + 1];
        const u2 = approx[row + p + 2];
        const u3 = approx[row + p + 3];
        p += +(xf > u1) + +(xf > u2) + +(xf > u3);
        tie = +(xf === t4) | +(xf === t8) | +(xf === t12) | +(xf === u1) | +(xf === u2) | +(xf === u3);
      }
      if (tie) p = this.exactPair(x, row, L);
      if (p > 0) subtractInPlace(x, tab, (row + p) * W, L);
      if (b === 0 && this.firstLen === 1) {
        out[j] = p;
        state = this.next1[state * 4 + p];
        j += 1;
      } else {
        out[j] = p >> 2;
        out[j + 1] = p & 3;
        state = next[state * 16 + p];
        j += 2;
      }
    }
  }

  /** The largest k in 0..15 with countTab[row + k] ≤ x, by exact comparison (unused: +∞). */
  private exactPair(x: Int32Array, row: number, L: number): number {
    const W = this.width;
    let k = 15;
    while (k > 0 && (this.countApprox[row + k] === Infinity || lessThan(x, this.countTab, (row + k) * W, L))) k--;
    return k;
  }

  /** Index of a valid codeword (validated: length, alphabet, run limit). */
  rank(word: Uint8Array | string): bigint {
    const w = typeof word === 'string' ? parseWord(word) : word;
    this.validate(w);
    const out = this.newLimbs();
    this.rankInto(w, 0, out);
    return limbsToBig(out, 0, this.width);
  }

  /** Rank by the run-capped formula of any word of length m over 0..3 (no run-limit check). */
  rankAny(word: Uint8Array): bigint {
    if (word.length !== this.m) throw new InvalidLengthError(word.length, this.m);
    const out = this.newLimbs();
    this.rankInto(word, 0, out);
    return limbsToBig(out, 0, this.width);
  }

  /** Codeword of index x ∈ [0, N(m)). */
  unrank(index: bigint): Uint8Array {
    if (index < 0n || index >= this.size) throw new IndexRangeError(index, this.size);
    const x = this.newLimbs();
    bigToLimbs(index, x, 0, this.width);
    const out = new Uint8Array(this.m);
    this.unrankFrom(x, out, 0);
    return out;
  }

  /** Throws InvalidLengthError or RunLimitError; symbol values must already be 0..3. */
  validate(word: Uint8Array, where = 'word'): void {
    if (word.length !== this.m) throw new InvalidLengthError(word.length, this.m, where);
    const bad = firstRunViolation(word, 0, this.m, this.ell);
    if (bad >= 0) throw new RunLimitError(bad, this.ell + 1, this.ell, where);
  }

  isValid(word: Uint8Array): boolean {
    return word.length === this.m && firstRunViolation(word, 0, this.m, this.ell) < 0;
  }
}

/** Position (relative to offset) of the first symbol that makes a run longer than ℓ, or −1. */
export function firstRunViolation(word: Uint8Array, offset: number, length: number, ell: number): number {
  let run = 1;
  for (let j = offset + 1; j < offset + length; j++) {
    if (word[j] === word[j - 1]) {
      if (++run > ell) return j - offset;
    } else run = 1;
  }
  return -1;
}

/** The top two of L limbs at base as one double: exact order unless both limbs tie. */
function topTwo(t: Int32Array, base: number, L: number): number {
  return L > 1 ? t[base + L - 1] * LIMB_SCALE + t[base + L - 2] : t[base];
}

function lessThan(x: Int32Array, t: Int32Array, base: number, L: number): boolean {
  for (let k = L - 1; k >= 0; k--) {
    const a = x[k];
    const b = t[base + k];
    if (a !== b) return a < b;
  }
  return false;
}

function subtractInPlace(x: Int32Array, t: Int32Array, base: number, L: number): void {
  let borrow = 0;
  for (let k = 0; k < L; k++) {
    const d = x[k] - t[base + k] - borrow;
    borrow = d >>> 31; // 1 when d < 0
    x[k] = d & LIMB_MASK;
  }
}

const cache = new Map<string, LocoCode>();

/** The cached code D(m, ℓ). */
export function locoCode(m: number, ell: number): LocoCode {
  const key = `${m}:${ell}`;
  let c = cache.get(key);
  if (!c) {
    c = new LocoCode(m, ell);
    cache.set(key, c);
  }
  return c;
}
