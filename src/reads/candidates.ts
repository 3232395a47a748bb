/**
 * Check-guided repair: when a strand carries a check (a CRC, a hash), a cluster too small for a
 * consensus to be right can still be decoded by trying the strands its traces make plausible and
 * keeping the first that passes the check. Two traces that disagree at d places (an edit in one
 * or the other) give 2^d candidates: at each disagreement, one trace's version or the other's;
 * they are right unless both traces erred at the same place. A lone trace gives itself and its
 * single edits that restore the strand length.
 *
 * Every candidate tried is a chance for a damaged strand to pass a check of c bits (2^-c each):
 * callers bound the tries (`maxTries`) and treat what this finds as backed by one read only.
 */

/** Calls `accept` on candidate strands of `length` until it returns true; returns the tries made, negative when one was accepted (−tries). */
export function repairByCheck(traces: readonly Uint8Array[], length: number, accept: (candidate: Uint8Array) => boolean, maxTries = 256): number {
  const out = new Uint8Array(length);
  let tries = 0;
  const offer = (c: Uint8Array): boolean => {
    tries++;
    return accept(c);
  };
  if (traces.length >= 2) {
    if (pairCandidates(traces[0], traces[1], length, out, offer, maxTries)) return -tries;
  } else if (traces.length === 1) {
    if (singleEdits(traces[0], length, out, offer, maxTries)) return -tries;
  }
  return tries;
}

/** The trace itself (length L), or its single substitutions, deletions (L + 1) or insertions (L − 1). */
function singleEdits(t: Uint8Array, L: number, out: Uint8Array, offer: (c: Uint8Array) => boolean, maxTries: number): boolean {
  let budget = maxTries;
  const n = t.length;
  if (n === L) {
    out.set(t);
    if (budget-- <= 0 || offer(out)) return budget >= 0;
    for (let i = 0; i < n; i++) {
      for (let s = 1; s < 4; s++) {
        out[i] = (t[i] + s) & 3;
        if (budget-- <= 0) return false;
        if (offer(out)) return true;
      }
      out[i] = t[i];
    }
  } else if (n === L + 1) {
    for (let i = 0; i < n; i++) {
      // Deleting any symbol of a run gives the same strand: only the run's last.
      if (i + 1 < n && t[i + 1] === t[i]) continue;
      out.set(t.subarray(0, i), 0);
      out.set(t.subarray(i + 1), i);
      if (budget-- <= 0) return false;
      if (offer(out)) return true;
    }
  } else if (n === L - 1) {
    for (let i = 0; i <= n; i++) {
      out.set(t.subarray(0, i), 0);
      out.set(t.subarray(i), i + 1);
      for (let s = 0; s < 4; s++) {
        // Inserting a copy of the symbol before gives what inserting it earlier gave.
        if (i > 0 && t[i - 1] === s) continue;
        out[i] = s;
        if (budget-- <= 0) return false;
        if (offer(out)) return true;
      }
    }
  }
  return false;
}

/** Most disagreements enumerated (2^d candidates). */
const MAX_EVENTS = 12;
let dp = new Int32Array(0);

/**
 * Aligns a and b (edit distance, traceback preferring matches), cuts the alignment into runs of
 * agreement and of disagreement, and offers every mix of a's and b's side of each disagreement
 * that has length L — fewest departures from a first.
 */
function pairCandidates(a: Uint8Array, b: Uint8Array, L: number, out: Uint8Array, offer: (c: Uint8Array) => boolean, maxTries: number): boolean {
  const n = a.length;
  const m = b.length;
  const w = m + 1;
  if (dp.length < (n + 1) * w) dp = new Int32Array((n + 1) * w);
  for (let j = 0; j <= m; j++) dp[j] = j;
  for (let i = 1; i <= n; i++) {
    dp[i * w] = i;
    for (let j = 1; j <= m; j++) {
      const sub = dp[(i - 1) * w + j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      dp[i * w + j] = Math.min(sub, dp[(i - 1) * w + j] + 1, dp[i * w + j - 1] + 1);
    }
  }
  // Traceback from the end: segments alternate agreement / disagreement, collected back to front.
  const pieces: Array<{ same: boolean; a: number[]; b: number[] }> = [];
  let i = n;
  let j = m;
  const push = (same: boolean, x: number | undefined, y: number | undefined): void => {
    let top = pieces[pieces.length - 1];
    if (!top || top.same !== same) pieces.push((top = { same, a: [], b: [] }));
    if (x !== undefined) top.a.push(x);
    if (y !== undefined) top.b.push(y);
  };
  while (i > 0 || j > 0) {
    const here = dp[i * w + j];
    if (i > 0 && j > 0 && a[i - 1] === b[j - 1] && dp[(i - 1) * w + j - 1] === here) {
      push(true, a[--i], b[--j]);
    } else if (i > 0 && j > 0 && dp[(i - 1) * w + j - 1] + 1 === here) {
      push(false, a[--i], b[--j]);
    } else if (i > 0 && dp[(i - 1) * w + j] + 1 === here) {
      push(false, a[--i], undefined);
    } else {
      push(false, undefined, b[--j]);
    }
  }
  pieces.reverse();
  for (const p of pieces) {
    p.a.reverse();
    p.b.reverse();
  }
  const events = pieces.filter((p) => !p.same);
  if (events.length > MAX_EVENTS) return false;
  const d = events.length;
  // Subsets by number of b-sides taken (0, 1, 2 …), each a bitmask over the events.
  let tries = 0;
  for (let k = 0; k <= d; k++) {
    for (const mask of masksOfWeight(d, k)) {
      let len = 0;
      let e = 0;
      for (const p of pieces) {
        const side = p.same ? p.a : (mask >> e++) & 1 ? p.b : p.a;
        len += side.length;
      }
      if (len !== L) continue;
      let at = 0;
      e = 0;
      for (const p of pieces) {
        const side = p.same ? p.a : (mask >> e++) & 1 ? p.b : p.a;
        for (const s of side) out[at++] = s;
      }
      if (++tries > maxTries) return false;
      if (offer(out)) return true;
    }
  }
  return false;
}

/** Bitmasks of d bits with k set, in increasing order. */
function* masksOfWeight(d: number, k: number): Generator<number> {
  if (k === 0) {
    yield 0;
    return;
  }
  let mask = (1 << k) - 1;
  const limit = 1 << d;
  while (mask < limit) {
    yield mask;
    // Gosper's hack: the next larger number with the same popcount.
    const c = mask & -mask;
    const r = mask + c;
    mask = (((r ^ mask) >> 2) / c) | r;
  }
}
