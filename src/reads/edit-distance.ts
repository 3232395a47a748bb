/**
 * Levenshtein distance (unit-cost substitutions, insertions, deletions) by Ukkonen's banded dynamic
 * programme: only diagonals |j − i| ≤ k can lie on a path of cost ≤ k, so a distance bounded by k
 * costs O(k · length) instead of O(length²). `editDistance` doubles k until the answer fits the
 * band, which is exact and, for the near-identical strings that scoring compares, close to linear.
 */

const BIG = 1 << 29;
let rowA = new Int32Array(64);
let rowB = new Int32Array(64);

/** The edit distance of a and b if it is at most k, otherwise k + 1. */
export function editDistanceWithin(a: Uint8Array, b: Uint8Array, k: number): number {
  const m = a.length;
  const n = b.length;
  k = Math.max(0, Math.floor(k));
  if (Math.abs(n - m) > k) return k + 1;
  if (m === 0 || n === 0) return Math.max(m, n);
  const w = 2 * k + 1;
  if (rowA.length < w + 1) {
    rowA = new Int32Array(2 * w + 2);
    rowB = new Int32Array(2 * w + 2);
  }
  let prev = rowA;
  let cur = rowB;
  // Band slot t of row i holds column j = i + t − k.
  for (let t = 0; t < w; t++) {
    const j = t - k;
    prev[t] = j >= 0 && j <= n ? j : BIG;
  }
  prev[w] = BIG;
  cur[w] = BIG;
  for (let i = 1; i <= m; i++) {
    const ai = a[i - 1];
    let rowMin = BIG;
    let left = BIG;
    for (let t = 0; t < w; t++) {
      const j = i + t - k;
      let v = BIG;
      if (j >= 0 && j <= n) {
        v = prev[t + 1] + 1;
        if (j > 0) {
          const diag = prev[t] + (ai === b[j - 1] ? 0 : 1);
          if (diag < v) v = diag;
          if (left + 1 < v) v = left + 1;
        }
        if (v < rowMin) rowMin = v;
      }
      cur[t] = v;
      left = v;
    }
    if (rowMin > k) return k + 1;
    const s = prev;
    prev = cur;
    cur = s;
  }
  const d = prev[n - m + k];
  return d > k ? k + 1 : d;
}

/** The exact edit distance of a and b. */
export function editDistance(a: Uint8Array, b: Uint8Array): number {
  const longest = Math.max(a.length, b.length);
  for (let k = Math.max(8, Math.abs(a.length - b.length)); ; k *= 2) {
    const d = editDistanceWithin(a, b, k);
    if (d <= k || k >= longest) return d;
  }
}
