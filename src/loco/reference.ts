/**
 * Plain BigInt rank / unrank, written as directly from spec dloco.md §3 as possible. It is the
 * readable reference the fast limb code is checked against (tests, vectors, benchmark baseline).
 */
import { countTables, sameSymbolCount } from './cardinality.js';

export function rankReference(word: ArrayLike<number>, ell: number): bigint {
  const m = word.length;
  const t = countTables(ell, m);
  let g = 0n;
  let run = 0;
  for (let j = 0; j < m; j++) {
    const i = m - 1 - j;
    const c = word[j];
    const s = j > 0 && word[j - 1] < c ? 1 : 0;
    g += BigInt(c - s) * t.M[i + 1];
    if (s) g += sameSymbolCount(t, i + 1, Math.min(run, ell));
    run = j > 0 && word[j - 1] === c ? run + 1 : 1;
  }
  return g;
}

export function unrankReference(index: bigint, m: number, ell: number): Uint8Array {
  const t = countTables(ell, m);
  const out = new Uint8Array(m);
  let x = index;
  let prev = -1;
  let run = 0;
  for (let j = 0; j < m; j++) {
    const n = m - j;
    let a = 0;
    for (; a < 4; a++) {
      const count = a !== prev ? t.M[n] : run >= ell ? 0n : sameSymbolCount(t, n, run);
      if (x < count) break;
      x -= count;
    }
    if (a === 4) throw new RangeError(`index ${index} out of range for m = ${m}, ell = ${ell}`);
    out[j] = a;
    run = a === prev ? run + 1 : 1;
    prev = a;
  }
  return out;
}
