/**
 * Independent recomputations for the generator, sharing no code with src/loco's tables:
 * N(m) straight from the recursion of spec dloco.md §2, and codebooks by brute-force enumeration.
 */

/**
 * N(m) for m = 0..maxLength (entry 0 unused). The spec's N(0) = 4/3 is avoided by carrying
 * A(m) = 3·N(m): A(0) = 4, A(j < 0) = 0, and for m ≥ 1 N(m) = 3·Σ_{k=1..ℓ} N(m−k) = Σ_{k=1..ℓ} A(m−k).
 */
export function cardinalities(ell: number, maxLength: number): bigint[] {
  const A: bigint[] = [4n];
  const N: bigint[] = [0n];
  for (let m = 1; m <= maxLength; m++) {
    let n = 0n;
    for (let k = 1; k <= ell && m - k >= 0; k++) n += A[m - k];
    N.push(n);
    A.push(3n * n);
  }
  return N;
}

/** Every length-m word over 0..3 with no run longer than ℓ, in lexicographic (index) order. */
export function enumerateCodebook(m: number, ell: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const word = new Uint8Array(m);
  const total = 4 ** m;
  for (let v = 0; v < total; v++) {
    let x = v;
    for (let j = m - 1; j >= 0; j--, x = Math.floor(x / 4)) word[j] = x % 4;
    if (runLimited(word, ell)) out.push(word.slice());
  }
  return out;
}

function runLimited(word: Uint8Array, ell: number): boolean {
  let run = 1;
  for (let j = 1; j < word.length; j++) {
    run = word[j] === word[j - 1] ? run + 1 : 1;
    if (run > ell) return false;
  }
  return true;
}
