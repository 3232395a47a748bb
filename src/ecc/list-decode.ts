/**
 * List decoding of up to two substitutions per codeword (spec dloco.md §5). For each of the 3m
 * single-symbol changes y′ of the received word y, the residue of g(y′) follows from g(y) mod R
 * by updating only the ≤ ℓ+1 position contributions the change touches (tables of M(n) and
 * S(n, r) mod R): O(ℓ²) small-number work per hypothesis, near-quadratic in m overall. Only
 * residues that name a difference (a few % of them) go on to exact arithmetic: candidate index,
 * unrank, Hamming-distance check. The list holds every used codeword within distance 2 that one
 * residue step from some y′ reaches — which includes the sent codeword whenever at most two
 * substitutions occurred. Ties are broken by the bridge checksum when one is given.
 */
import { countTables, sameSymbolCount } from '../loco/cardinality.js';
import { addLimbs, limbsToBig, modSmall, subLimbs } from '../loco/_limbs.js';
import type { ResidueCode } from './residue-code.js';

export const LIST_UNIQUE = 0;
export const LIST_AMBIGUOUS = 1;
export const LIST_EMPTY = 2;

export interface ListResult {
  /** LIST_UNIQUE, LIST_AMBIGUOUS or LIST_EMPTY (after tie-breaking). */
  outcome: number;
  /** Candidate codeword indices as sent (transmitted orientation), ascending. */
  candidates: bigint[];
  /** Candidates left after the checksum tie-break (all of them when no checksum was given). */
  preferred: bigint[];
}

export class ListDecoder {
  private readonly m: number;
  private readonly ell: number;
  private readonly R: number;
  /** Mmod[n], and Smod[n·(ℓ+1) + r] = S(n, r) mod R. */
  private readonly Mmod: Float64Array;
  private readonly Smod: Float64Array;
  private readonly g: Int32Array;
  private readonly x: Int32Array;
  private readonly word: Uint8Array;
  private readonly cand: Uint8Array;

  constructor(readonly rc: ResidueCode) {
    const { m, ell } = rc.code;
    this.m = m;
    this.ell = ell;
    this.R = rc.table.R;
    const t = countTables(ell, m);
    const R = BigInt(this.R);
    this.Mmod = new Float64Array(m + 1);
    this.Smod = new Float64Array((m + 1) * (ell + 1));
    for (let n = 1; n <= m; n++) {
      this.Mmod[n] = Number(t.M[n] % R);
      for (let r = 1; r <= ell; r++) this.Smod[n * (ell + 1) + r] = Number(sameSymbolCount(t, n, r) % R);
    }
    this.g = rc.code.newLimbs();
    this.x = rc.code.newLimbs();
    this.word = new Uint8Array(m);
    this.cand = new Uint8Array(m);
  }

  /** Contribution of position p mod R, reading symbol `sym` at position j instead of word[j]. */
  private contribution(w: Uint8Array, p: number, j: number, sym: number): number {
    const n = this.m - p;
    const c = p === j ? sym : w[p];
    if (p === 0) return c * this.Mmod[n];
    const prev = p - 1 === j ? sym : w[p - 1];
    if (prev >= c) return c * this.Mmod[n];
    let run = 1;
    while (run < this.ell && p - 1 - run >= 0 && (p - 1 - run === j ? sym : w[p - 1 - run]) === prev) run++;
    return (c - 1) * this.Mmod[n] + this.Smod[n * (this.ell + 1) + run];
  }

  /**
   * All used codewords within Hamming distance 2 of word[offset .. offset+m) that residue
   * decoding of y or of a single-symbol change of y reaches. `checksum` (0..3, or −1 for none)
   * is the XOR the codeword should have, from its bridge.
   */
  decode(received: Uint8Array, offset: number, checksum = -1): ListResult {
    const m = this.m;
    const R = this.R;
    const t = this.rc.table;
    const w = this.word;
    for (let i = 0; i < m; i++) w[i] = received[offset + i];
    this.rc.code.rankInto(w, 0, this.g);
    const gm = modSmall(this.g, R);
    const found = new Set<bigint>();
    this.tryHypothesis(w, -1, 0, 0, found);
    const hi = this.ell;
    for (let j = 0; j < m; j++) {
      const old = w[j];
      const pEnd = Math.min(m - 1, j + hi);
      let before = 0;
      for (let p = j; p <= pEnd; p++) before += this.contribution(w, p, -1, 0);
      for (let s = 1; s < 4; s++) {
        const sym = (old + s) & 3;
        let after = 0;
        for (let p = j; p <= pEnd; p++) after += this.contribution(w, p, j, sym);
        let r = (gm + after - before - t.offset) % R;
        if (r < 0) r += R;
        if (r !== 0 && t.lookup[r] === 0) continue; // no single further substitution explains y′
        this.tryHypothesis(w, j, sym, r, found);
      }
    }
    const candidates = [...found].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let preferred = candidates;
    if (checksum >= 0 && candidates.length > 1) {
      const agree = candidates.filter((x) => this.checksumOf(x) === checksum);
      if (agree.length > 0) preferred = agree;
    }
    const outcome = preferred.length === 0 ? LIST_EMPTY : preferred.length === 1 ? LIST_UNIQUE : LIST_AMBIGUOUS;
    return { outcome, candidates, preferred };
  }

  /** Residue-decodes y′ (y with `sym` at j; j = −1 for y itself) and keeps a valid candidate. */
  private tryHypothesis(w: Uint8Array, j: number, sym: number, r: number, found: Set<bigint>): void {
    const rc = this.rc;
    const t = rc.table;
    const y = this.cand;
    y.set(w);
    if (j >= 0) y[j] = sym;
    const x = this.x;
    rc.code.rankInto(y, 0, x);
    if (j < 0) {
      const R = this.R;
      r = (modSmall(x, R) - t.offset + R) % R;
    }
    if (r !== 0) {
      const k = t.lookup[r];
      if (k === 0) return;
      const off = (k - 1) * t.width;
      if (t.signs[k - 1] > 0 ? subLimbs(x, t.magnitudes, off) : addLimbs(x, t.magnitudes, off)) return;
    }
    if (!rc.isUsedIndex(x)) return;
    const xb = limbsToBig(x, 0, x.length);
    if (found.has(xb)) return;
    // Distance check against the received word.
    rc.code.unrankFrom(x, y, 0);
    let d = 0;
    for (let i = 0; i < this.m && d <= 2; i++) if (y[i] !== w[i]) d++;
    if (d <= 2) found.add(xb);
  }

  private checksumOf(x: bigint): number {
    const word = this.rc.code.unrank(x);
    let v = 0;
    for (let i = 0; i < word.length; i++) v ^= word[i];
    return v;
  }
}
