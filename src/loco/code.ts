/**
 * One D-LOCO code D(m, ℓ) with its precomputed limb tables, and the fast rank / unrank of
 * spec dloco.md §3 on them. Build with `locoCode(m, ell)`; instances are cached and immutable.
 *
 * Positions: word[j] is the j-th symbol on the strand, i.e. c_{m−1−j} in the spec's notation,
 * so position i = m−1−j and the tables are indexed by n = i + 1 = m − j.
 */
import { cardinality, countTables, floorLog2, sameSymbolCount } from './cardinality.js';
import { bigToLimbs, LIMB_BITS, LIMB_MASK, limbsFor, limbsToBig } from './_limbs.js';
import { checkEll, checkLength } from './params.js';
import { IndexRangeError, InvalidLengthError, RunLimitError } from './errors.js';
import { parseWord } from './alphabet.js';

export class LocoCode {
  /** Code length in symbols. */
  readonly m: number;
  /** Run limit: no run longer than ℓ. */
  readonly ell: number;
  /** N(m), the number of codewords. */
  readonly size: bigint;
  /** ⌊log2 N(m)⌋: message bits per codeword without balancing. */
  readonly bits: number;
  /** Limbs per number: enough for any value below N(m). */
  readonly width: number;

  /**
   * Rank table: for n = m − j and entry e, the symbol contribution of position j.
   * e = c (s = 0), or 4 + (c − 1)·ℓ + (ρ − 1) (s = 1, run of the previous symbol ρ ∈ 1..ℓ).
   */
  private readonly rankTab: Int32Array;
  private readonly rankEntries: number;
  /** Unrank counts: countM at n·width, countS at ((n·ℓ) + r)·width for run r ∈ 1..ℓ−1. */
  private readonly countM: Int32Array;
  private readonly countS: Int32Array;
  /** Significant limbs of any value below N(n): loops touch only these. */
  private readonly active: Int32Array;
  /** Scratch accumulator for rank: sums of ≤ 4096 terms below 2^30 stay exact in a double. */
  private readonly acc: Float64Array;

  constructor(m: number, ell: number) {
    checkEll(ell);
    checkLength(m, 1);
    this.m = m;
    this.ell = ell;
    this.size = cardinality(m, ell);
    this.bits = floorLog2(this.size);
    const W = limbsFor(this.size.toString(2).length);
    this.width = W;
    const t = countTables(ell, m);

    this.active = new Int32Array(m + 1);
    for (let n = 1; n <= m; n++) this.active[n] = limbsFor((4n * t.M[n]).toString(2).length);

    this.countM = new Int32Array((m + 1) * W);
    this.countS = new Int32Array((m + 1) * ell * W);
    for (let n = 1; n <= m; n++) {
      bigToLimbs(t.M[n], this.countM, n * W, W);
      for (let r = 1; r < ell; r++) bigToLimbs(sameSymbolCount(t, n, r), this.countS, (n * ell + r) * W, W);
    }

    this.rankEntries = 4 + 3 * ell;
    this.rankTab = new Int32Array((m + 1) * this.rankEntries * W);
    for (let n = 1; n <= m; n++) {
      const base = n * this.rankEntries;
      for (let c = 0; c < 4; c++) bigToLimbs(BigInt(c) * t.M[n], this.rankTab, (base + c) * W, W);
      for (let c = 1; c < 4; c++) {
        for (let rho = 1; rho <= ell; rho++) {
          const v = BigInt(c - 1) * t.M[n] + sameSymbolCount(t, n, rho);
          bigToLimbs(v, this.rankTab, (base + 4 + (c - 1) * ell + (rho - 1)) * W, W);
        }
      }
    }
    this.acc = new Float64Array(W + 1);
  }

  /** A zeroed limb buffer of this code's width, for rankInto / unrankFrom. */
  newLimbs(): Int32Array {
    return new Int32Array(this.width);
  }

  /**
   * g(word[offset .. offset+m)) into `out` (width limbs). Uses the run-capped formula, so it is
   * defined for words that break the run limit too (residue decoding needs that); it does not
   * validate. Allocation-free.
   */
  rankInto(word: Uint8Array, offset: number, out: Int32Array): void {
    const m = this.m;
    const ell = this.ell;
    const W = this.width;
    const tab = this.rankTab;
    const E = this.rankEntries;
    const acc = this.acc;
    const active = this.active;
    acc.fill(0);
    let prev = word[offset];
    let base = (m * E + prev) * W;
    for (let k = 0, L = active[m]; k < L; k++) acc[k] += tab[base + k];
    let run = 1;
    for (let j = 1; j < m; j++) {
      const c = word[offset + j];
      const n = m - j;
      let e: number;
      if (prev < c) e = 4 + (c - 1) * ell + (run - 1);
      else e = c;
      base = (n * E + e) * W;
      for (let k = 0, L = active[n]; k < L; k++) acc[k] += tab[base + k];
      if (c === prev) {
        if (run < ell) run++;
      } else {
        run = 1;
        prev = c;
      }
    }
    let carry = 0;
    for (let k = 0; k < W; k++) {
      const v = acc[k] + carry;
      const lo = v % 1073741824;
      out[k] = lo;
      carry = (v - lo) / 1073741824;
    }
  }

  /**
   * Writes the codeword of index x (width limbs, x < N(m), not checked) into out[offset ..).
   * Destroys x. Allocation-free: for each position, try A, T, G, C and subtract the counts of
   * the symbols skipped (spec §3).
   */
  unrankFrom(x: Int32Array, out: Uint8Array, offset: number): void {
    const m = this.m;
    const ell = this.ell;
    const W = this.width;
    const cM = this.countM;
    const cS = this.countS;
    const active = this.active;
    let prev = -1;
    let run = 0;
    for (let j = 0; j < m; j++) {
      const n = m - j;
      const L = active[n];
      let a = 0;
      for (; a < 3; a++) {
        let base: number;
        if (a === prev) {
          if (run >= ell) continue; // that symbol would over-extend the run: it has no words
          base = (n * ell + run) * W;
          if (lessThan(x, cS, base, L)) break;
          subtractInPlace(x, cS, base, L);
        } else {
          base = n * W;
          if (lessThan(x, cM, base, L)) break;
          subtractInPlace(x, cM, base, L);
        }
      }
      out[offset + j] = a;
      if (a === prev) run++;
      else {
        prev = a;
        run = 1;
      }
    }
  }

  /** Index of a valid codeword (validated: length, alphabet, run limit). */
  rank(word: Uint8Array | string): bigint {
    const w = typeof word === 'string' ? parseWord(word) : word;
    this.validate(w);
    const out = this.newLimbs();
    this.rankInto(w, 0, out);
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
  validate(word: Uint8Array, where = 'word', offset = 0, length = word.length - offset): void {
    if (length !== this.m) throw new InvalidLengthError(length, this.m, where);
    const bad = firstRunViolation(word, offset, this.m, this.ell);
    if (bad >= 0) throw new RunLimitError(bad - offset, this.ell + 1, this.ell, where);
  }

  isValid(word: Uint8Array): boolean {
    return word.length === this.m && firstRunViolation(word, 0, this.m, this.ell) < 0;
  }
}

/** Position of the first symbol that makes a run longer than ℓ, or −1. */
export function firstRunViolation(word: Uint8Array, offset: number, length: number, ell: number): number {
  let run = 1;
  for (let j = offset + 1; j < offset + length; j++) {
    if (word[j] === word[j - 1]) {
      if (++run > ell) return j;
    } else run = 1;
  }
  return -1;
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

export { LIMB_BITS };
