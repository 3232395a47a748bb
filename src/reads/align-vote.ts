/**
 * Refinement of an estimate by alignment and voting (the "align every trace to a centre, vote per
 * position" consensus of the field, with the centre being the current estimate, iterated as in
 * Sabary et al.'s iterative reconstruction).
 *
 * Every trace is aligned to the estimate by unit-cost edit distance, computed by Landau–Vishkin
 * diagonal transitions: for e = 0, 1, … the furthest row reachable on each diagonal |d| ≤ e with e
 * edits, each extended along its run of matches. That is the banded programme with the band grown
 * only as far as the trace's own cost, O(length + cost²) instead of O(length · band): a trace with
 * three errors costs a pass over its matches and a few dozen steps. Traces whose cost is far above
 * the cluster's median are strays (reads of another strand; about half their length) and do not
 * vote. Each remaining trace's path votes, weighted by quality, for {A, C, G, T, deletion} at every
 * estimate position and for inserted bases between positions. Runs of matches are taken greedily,
 * so gaps in a homopolymer all land at its end and their votes add up instead of spreading.
 *
 * The design length is known, so the new estimate must keep it: keep/delete and insert/skip
 * decisions are independent given the alignments, and the majority choice is adjusted to the
 * length by flipping the decisions with the smallest vote margins — which maximises the total vote
 * among estimates of that length.
 */
import type { TraceSet } from './_trace-set.js';

const NONE = -(1 << 29);

/**
 * Costs are only worth finding up to ~40 % of the length (unrelated strands sit near 50 %), and at
 * most this many edits (10 % of a 5,000-nt strand), which bounds a trace's table to ~270k entries
 * and its time to as many steps; a trace beyond it does not vote.
 */
export const MAX_COST = 512;

/** Offset of row e in a trace's triangular table (rows 0..e−1 hold 2e' + 5 entries each). */
function rowStart(e: number): number {
  return e * e + 4 * e;
}

/** Offset of diagonal 0 of row e. */
function zero(e: number): number {
  return rowStart(e) + e + 2;
}

export class AlignVote {
  /**
   * Furthest-reaching rows, triangular: trace k's row e holds diagonals −e−2..e+2 (the outer two
   * unreachable, read by row e + 1), diagonal d at tab[off[k] + zero(e) + d], zero(e) = e² + 5e + 2.
   */
  private tab = new Int32Array(0);
  private off = new Int32Array(0);
  /** Alignment cost of each trace to the estimate of the last round (> cap: not aligned). */
  cost = new Int32Array(0);
  private sorted = new Int32Array(0);
  private pos = new Float32Array(0);
  private insBase = new Float32Array(0);
  private insAny = new Float32Array(0);
  /** Unweighted runs of matches as a difference array over estimate positions. */
  private runs = new Float32Array(0);
  private keep = new Uint8Array(0);
  private insert = new Uint8Array(0);
  private next = new Uint8Array(0);
  private nextConf = new Float32Array(0);

  private reserve(n: number, length: number): void {
    if (this.off.length < n) {
      const cap = Math.max(n, 2 * this.off.length);
      this.off = new Int32Array(cap);
      this.cost = new Int32Array(cap);
      this.sorted = new Int32Array(cap);
    }
    if (this.keep.length < length + 1) {
      const cap = Math.max(length + 1, 2 * this.keep.length);
      this.pos = new Float32Array(5 * cap);
      this.insBase = new Float32Array(4 * cap);
      this.insAny = new Float32Array(cap);
      this.runs = new Float32Array(cap);
      this.keep = new Uint8Array(cap);
      this.insert = new Uint8Array(cap);
      this.next = new Uint8Array(cap);
      this.nextConf = new Float32Array(cap);
    }
  }

  private growTable(cells: number): void {
    if (this.tab.length < cells) {
      const t = new Int32Array(Math.max(cells, 2 * this.tab.length));
      t.set(this.tab);
      this.tab = t;
    }
  }

  /**
   * One round: align, vote, re-estimate. Rewrites est and conf (length symbols) and returns whether
   * the estimate changed. Strays are marked inactive in set.active.
   */
  round(set: TraceSet, est: Uint8Array, conf: Float32Array, length: number, dropStrays: boolean): boolean {
    const n = set.count;
    this.reserve(n, length);
    const { off, cost } = this;
    const cap = Math.min(Math.ceil(0.4 * length) + 2, MAX_COST);
    let at = 0;
    for (let k = 0; k < n; k++) {
      off[k] = at;
      const e = this.align(set, k, est, length, cap, at);
      cost[k] = e;
      at += rowStart(Math.min(e, cap) + 1);
    }

    // Strays: a read of another strand costs about half the length, an honest trace about its error
    // count, which spreads little around the median; 3 × median + 2, and never under 30 % of the length.
    if (dropStrays && n >= 3) {
      const sorted = this.sorted;
      for (let k = 0; k < n; k++) {
        const c = cost[k];
        let j = k;
        for (; j > 0 && sorted[j - 1] > c; j--) sorted[j] = sorted[j - 1];
        sorted[j] = c;
      }
      const median = sorted[(n - 1) >> 1];
      const limit = Math.max(3 * median + 2, 0.3 * length);
      for (let k = 0; k < n; k++) set.active[k] = cost[k] <= cap && cost[k] <= limit ? 1 : 0;
    } else for (let k = 0; k < n; k++) set.active[k] = cost[k] <= cap ? 1 : 0;

    const { pos, insBase, insAny, runs } = this;
    pos.fill(0, 0, 5 * length);
    insBase.fill(0, 0, 4 * (length + 1));
    insAny.fill(0, 0, length + 1);
    runs.fill(0, 0, length + 1);
    let weightSum = 0;
    let voters = 0;
    for (let k = 0; k < n; k++) {
      if (set.active[k] === 0) continue;
      voters++;
      weightSum += set.weight[k];
      this.traceback(set, k, est, length);
    }
    if (voters === 0) return false;
    if (!set.weighted) {
      let matches = 0;
      for (let i = 0; i < length; i++) {
        matches += runs[i];
        pos[5 * i + est[i]] += matches;
      }
    }
    return this.decide(est, conf, length, weightSum);
  }

  /**
   * Landau–Vishkin: fills trace k's table from `at` and returns its edit distance to est, or cap + 1
   * if that is larger. Row e of diagonal d = j − i holds the furthest estimate row i reachable with
   * at most e edits; candidates are stay (e − 1 already got there), substitution, deletion (estimate
   * symbol missing from the trace) and insertion (extra trace symbol), then a slide along matches.
   */
  private align(set: TraceSet, k: number, est: Uint8Array, length: number, cap: number, at: number): number {
    const t = set.fwd;
    const t0 = set.start[k];
    const m = set.len[k];
    const target = m - length;
    if (target > cap || -target > cap) return cap + 1;
    this.growTable(at + zero(1));
    let tab = this.tab;
    // Row 0: diagonal 0 only.
    let row = at + zero(0);
    for (let d = -2; d <= 2; d++) tab[row + d] = NONE;
    let i = 0;
    while (i < length && i < m && est[i] === t[t0 + i]) i++;
    tab[row] = i;
    if (target === 0 && i === length) return 0;
    for (let e = 1; e <= cap; e++) {
      const prev = row;
      row = at + zero(e);
      if (row + e + 3 > tab.length) {
        this.growTable(row + e + 3);
        tab = this.tab;
      }
      tab[row - e - 2] = NONE;
      tab[row - e - 1] = NONE;
      tab[row + e + 1] = NONE;
      tab[row + e + 2] = NONE;
      for (let d = -e; d <= e; d++) {
        // stay
        let r = tab[prev + d];
        // substitution from (r, r + d): needs a symbol left on both sides
        const s = tab[prev + d];
        if (s >= 0 && s < length && s + d < m && s + 1 > r) r = s + 1;
        // deletion: from diagonal d + 1 at row x, step down a row
        const x = tab[prev + d + 1];
        if (x > NONE && x < length && x + 1 > r) r = x + 1;
        // insertion: from diagonal d − 1 at row y, step right a column
        const y = tab[prev + d - 1];
        if (y > NONE && y + d <= m && y > r) r = y;
        if (r < 0 || r + d < 0) {
          tab[row + d] = NONE;
          continue;
        }
        let j = r + d;
        while (r < length && j < m && est[r] === t[t0 + j]) (r++, j++);
        tab[row + d] = r;
      }
      if (target >= -e && target <= e && tab[row + target] === length) return e;
    }
    return cap + 1;
  }

  private traceback(set: TraceSet, k: number, est: Uint8Array, length: number): void {
    const { tab, pos, insBase, insAny, runs } = this;
    const weighted = set.weighted;
    const t = set.fwd;
    const wt = set.wFwd;
    const t0 = set.start[k];
    const tw = set.weight[k];
    const m = set.len[k];
    let e = this.cost[k];
    let d = m - length;
    let end = length;
    let lastGap = -1;
    for (;;) {
      let from: number;
      let op = 0; // 0 stay, 1 substitution, 2 deletion, 3 insertion
      if (e === 0) {
        from = 0;
      } else {
        const prev = this.off[k] + zero(e - 1);
        from = tab[prev + d];
        const s = tab[prev + d];
        if (s >= 0 && s < length && s + d < m && s + 1 > from) ((from = s + 1), (op = 1));
        const x = tab[prev + d + 1];
        if (x > NONE && x < length && x + 1 > from) ((from = x + 1), (op = 2));
        const y = tab[prev + d - 1];
        if (y > NONE && y + d <= m && y > from) ((from = y), (op = 3));
      }
      // The slide: matches from row `from` to `end` on diagonal d (unweighted: one difference-array entry).
      if (weighted) for (let i = from; i < end; i++) pos[5 * i + est[i]] += wt[t0 + i + d];
      else if (from < end) {
        runs[from] += tw;
        runs[end] -= tw;
      }
      if (e === 0) return;
      if (op === 1) {
        const i = from - 1;
        const j = t0 + i + d;
        pos[5 * i + t[j]] += wt[j];
        end = i;
      } else if (op === 2) {
        pos[5 * (from - 1) + 4] += tw;
        end = from - 1;
        d++;
      } else if (op === 3) {
        const j = t0 + from + d - 1;
        insBase[4 * from + t[j]] += wt[j];
        if (lastGap !== from) insAny[from] += tw;
        lastGap = from;
        end = from;
        d--;
      } else end = from;
      e--;
    }
  }

  /** The length-constrained majority estimate; returns whether it differs from est. */
  private decide(est: Uint8Array, conf: Float32Array, length: number, weightSum: number): boolean {
    const { pos, insBase, insAny, keep, insert, next, nextConf } = this;
    let size = 0;
    for (let i = 0; i < length; i++) {
      const p = 5 * i;
      keep[i] = pos[p] + pos[p + 1] + pos[p + 2] + pos[p + 3] >= pos[p + 4] ? 1 : 0;
      size += keep[i];
    }
    for (let g = 0; g <= length; g++) {
      insert[g] = 2 * insAny[g] > weightSum ? 1 : 0;
      size += insert[g];
    }
    // Flip the closest calls until the length is right (rarely more than one or two; at most
    // MAX_COST, since traces farther from the estimate's length do not vote). On equal
    // margins a surplus drops an estimate position and a shortfall takes an insertion (measured:
    // better than the reverse), the latest one in the strand: with no evidence, ends are cut or padded.
    for (; size > length; size--) {
      let best = -1;
      let bestMargin = Infinity;
      for (let i = length - 1; i >= 0; i--) {
        if (keep[i] === 0) continue;
        const p = 5 * i;
        const margin = pos[p] + pos[p + 1] + pos[p + 2] + pos[p + 3] - pos[p + 4];
        if (margin < bestMargin) ((bestMargin = margin), (best = i));
      }
      for (let g = length; g >= 0; g--) {
        if (insert[g] === 0) continue;
        const margin = 2 * insAny[g] - weightSum;
        if (margin < bestMargin) ((bestMargin = margin), (best = length + 1 + g));
      }
      if (best < length) keep[best] = 0;
      else insert[best - length - 1] = 0;
    }
    for (; size < length; size++) {
      let best = -1;
      let bestMargin = -Infinity;
      for (let g = length; g >= 0; g--) {
        if (insert[g] !== 0) continue;
        const margin = 2 * insAny[g] - weightSum;
        if (margin > bestMargin) ((bestMargin = margin), (best = length + 1 + g));
      }
      for (let i = length - 1; i >= 0; i--) {
        if (keep[i] !== 0) continue;
        const p = 5 * i;
        const margin = pos[p] + pos[p + 1] + pos[p + 2] + pos[p + 3] - pos[p + 4];
        if (margin > bestMargin) ((bestMargin = margin), (best = i));
      }
      if (best < length) keep[best] = 1;
      else insert[best - length - 1] = 1;
    }

    let o = 0;
    for (let g = 0; g <= length; g++) {
      if (insert[g] !== 0) {
        const q = 4 * g;
        const b = argmax4(insBase[q], insBase[q + 1], insBase[q + 2], insBase[q + 3]);
        next[o] = b;
        nextConf[o++] = Math.max(0, insBase[q + b] - (weightSum - insAny[g])) / (weightSum + 1);
      }
      if (g === length || keep[g] === 0) continue;
      const p = 5 * g;
      const total = pos[p] + pos[p + 1] + pos[p + 2] + pos[p + 3] + pos[p + 4];
      if (total === 0) {
        next[o] = est[g];
        nextConf[o++] = 0;
        continue;
      }
      const b = argmax4(pos[p], pos[p + 1], pos[p + 2], pos[p + 3]);
      let second = pos[p + 4];
      for (let c = 0; c < 4; c++) if (c !== b && pos[p + c] > second) second = pos[p + c];
      next[o] = b;
      nextConf[o++] = Math.max(0, pos[p + b] - second) / (total + 1);
    }
    let changed = false;
    for (let i = 0; i < length; i++) {
      if (next[i] !== est[i]) changed = true;
      est[i] = next[i];
      conf[i] = nextConf[i];
    }
    return changed;
  }
}

function argmax4(a: number, b: number, c: number, d: number): number {
  let s = 0;
  let v = a;
  if (b > v) ((s = 1), (v = b));
  if (c > v) ((s = 2), (v = c));
  if (d > v) s = 3;
  return s;
}
