/**
 * E(m, ℓ): every index difference g(y) − g(c) that one substitution can cause, c a codeword and
 * y at Hamming distance 1 (y may break the run limit; g is the run-capped rank). Spec dloco.md §5.
 *
 * Locality: the contribution of position j′ depends on c_{j′}, its predecessor and the
 * predecessor's run (at most ℓ symbols back), so a substitution at j changes positions j … j+ℓ
 * only. Each contribution is a small-integer combination of T(n′ − k), k = 1..ℓ, with n′ the
 * symbols left from j′ (M(n) = Σ T(n−k), S(n, r) = Σ_{k ≤ ℓ−r} T(n−k)). So the difference is
 * Σ_i v_i · T(n − 1 − i), i < 2ℓ, for a coefficient vector v that depends only on the window
 * c_{j−ℓ} … c_{j+ℓ}. Windows are enumerated once per edge shape (how many symbols exist left
 * and right of j), their distinct vectors evaluated at every position: O(m·|V| + 4^{2ℓ+1}).
 */
import { countTables } from '../loco/cardinality.js';
import { checkEll, checkLength } from '../loco/params.js';

/** Coefficient vectors (length 2ℓ) for substitutions with `left` symbols before and `right` after. */
export function differenceVectors(ell: number, left: number, right: number, atStart: boolean): Int32Array[] {
  const w = left + 1 + right;
  const seen = new Map<string, Int32Array>();
  const word = new Uint8Array(w);
  const y = new Uint8Array(w);
  const total = 4 ** w;
  const cc = new Int32Array(2 * ell);
  const cy = new Int32Array(2 * ell);
  for (let code = 0; code < total; code++) {
    let v = code;
    for (let i = w - 1; i >= 0; i--) {
      word[i] = v & 3;
      v >>= 2;
    }
    if (!validWindow(word, ell)) continue;
    coefficients(word, left, ell, atStart, cc);
    for (let s = 1; s < 4; s++) {
      y.set(word);
      y[left] = (word[left] + s) & 3;
      coefficients(y, left, ell, atStart, cy);
      const d = new Int32Array(2 * ell);
      let nonzero = false;
      for (let i = 0; i < d.length; i++) {
        d[i] = cy[i] - cc[i];
        if (d[i] !== 0) nonzero = true;
      }
      if (!nonzero) continue;
      const key = d.join(',');
      if (!seen.has(key)) seen.set(key, d);
    }
  }
  return [...seen.values()];
}

function validWindow(word: Uint8Array, ell: number): boolean {
  let run = 1;
  for (let i = 1; i < word.length; i++) {
    run = word[i] === word[i - 1] ? run + 1 : 1;
    if (run > ell) return false;
  }
  return true;
}

/**
 * Sum over positions t = 0..(window end − left) of the contribution coefficients on
 * T(n − 1 − i), where n is the symbols left at the substituted position `left`.
 */
function coefficients(word: Uint8Array, left: number, ell: number, atStart: boolean, out: Int32Array): void {
  out.fill(0);
  for (let p = left; p < word.length; p++) {
    const t = p - left;
    const c = word[p];
    let mult: number; // multiple of M(n′)
    let sameRun = -1; // run of the predecessor when S(n′, run) is added
    if (p === 0 && atStart) mult = c;
    else {
      const prev = word[p - 1];
      if (prev < c) {
        let run = 1;
        while (run < ell && p - 1 - run >= 0 && word[p - 1 - run] === prev) run++;
        mult = c - 1;
        sameRun = run;
      } else mult = c;
    }
    // M(n′) = Σ_{k=1..ℓ} T(n′ − k) and n′ = n − t: coefficient index i = t + k − 1.
    for (let k = 1; k <= ell; k++) out[t + k - 1] += mult;
    if (sameRun > 0) for (let k = 1; k <= ell - sameRun; k++) out[t + k - 1] += 1;
  }
}

export interface DifferenceSet {
  m: number;
  ell: number;
  /** Distinct non-zero differences, sorted ascending. */
  values: bigint[];
  /** For values[k]: a position n (symbols left) and coefficient vector with values[k] = Σ v_i T(n−1−i). */
  n: Int32Array;
  vectors: Int32Array[];
}

/** E(m, ℓ) by window enumeration. */
export function differenceSet(m: number, ell: number): DifferenceSet {
  checkEll(ell);
  checkLength(m, 1);
  const T = countTables(ell, m).T;
  const tAt = (n: number): bigint => (n >= 0 ? T[n] : 0n);
  const cache = new Map<string, Int32Array[]>();
  const found = new Map<bigint, [number, Int32Array]>();
  for (let j = 0; j < m; j++) {
    const left = Math.min(j, ell);
    const right = Math.min(ell, m - 1 - j);
    const atStart = j - left === 0;
    const key = `${left}:${right}:${atStart}`;
    let vecs = cache.get(key);
    if (!vecs) {
      vecs = differenceVectors(ell, left, right, atStart);
      cache.set(key, vecs);
    }
    const n = m - j;
    for (const v of vecs) {
      let e = 0n;
      for (let i = 0; i < v.length; i++) if (v[i] !== 0) e += BigInt(v[i]) * tAt(n - 1 - i);
      // A zero difference leaves the index unchanged: such a substitution decodes correctly as is.
      if (e !== 0n && !found.has(e)) found.set(e, [n, v]);
    }
  }
  const values = [...found.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const n = new Int32Array(values.length);
  const vectors = values.map((e, k) => {
    const [nn, v] = found.get(e)!;
    n[k] = nn;
    return v;
  });
  return { m, ell, values, n, vectors };
}
