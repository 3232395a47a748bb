/**
 * The Cauchy matrix behind the erasure code and the closed-form inverse of its square submatrices.
 *
 * Parity row i (0 ≤ i < r) and data column j (0 ≤ j < k) get the field elements x_i = k + i and
 * y_j = j: k + r distinct elements, so x_i + y_j = x_i XOR y_j is never 0 and
 * C[i][j] = 1 / (x_i + y_j) is defined and non-zero.
 *
 * Why any k of the k + r shards suffice (the code is MDS): a k×k submatrix of the generator
 * [I_k; C] keeps some identity rows, for the data columns S that survived, and e = k − |S| rows R
 * of C. Ordering the columns S first, it is block lower-triangular, [[I, 0], [C_RS, C_RM]] with M
 * the e missing columns, so its determinant is det C_RM: a square submatrix of C, itself a Cauchy
 * matrix on the distinct elements {x_i : i ∈ R} and {y_j : j ∈ M}. Its determinant
 *   Π_{a<b} (x_a + x_b)(y_a + y_b) / Π_{a,b} (x_a + y_b)
 * is a product of non-zero elements (distinct elements differ; characteristic 2, so − is +), hence
 * non-zero. The tests check this by Gaussian elimination for every submatrix of small codes.
 */
import { GF_EXP, GF_LOG, GF_ORDER } from './gf16.js';

const EXP = GF_EXP;
const LOG = GF_LOG;

/** log C[i][j] for parity row i and data column j of a code with k data shards (in [0, 65535)). */
export function cauchyLog(k: number, i: number, j: number): number {
  const l = LOG[(k + i) ^ j];
  return l === 0 ? 0 : GF_ORDER - l;
}

/**
 * logs of the inverse of A[a][b] = 1 / (x_a + y_b) (a, b < e), as out[a·e + b] = log (A⁻¹)[b][a]:
 * laid out by A's row a, the order in which the decoder feeds it right-hand sides.
 *
 * Closed form, O(e²) instead of O(e³) elimination. With P(z) = Π_c (z + x_c), Q(z) = Π_c (z + y_c):
 * column a of A⁻¹ must give f(z) = Σ_b (A⁻¹)[b][a] / (z + y_b) with f(x_c) = [c = a]. The rational
 * function f = Q(x_a)·L_a(z) / Q(z), L_a the Lagrange basis polynomial on the nodes x (1 at x_a, 0
 * at the other x_c), does it, and its partial fractions (residues at the poles y_b) give
 *   (A⁻¹)[b][a] = P(y_b) · Q(x_a) / ((x_a + y_b) · P′(x_a) · Q′(y_b)),
 * with P′(x_a) = Π_{c≠a} (x_a + x_c), Q′(y_b) = Π_{c≠b} (y_b + y_c). Every factor is non-zero, so
 * the work is sums of logs (exact in doubles: at most e·65535 < 2^53), reduced mod 65535.
 * The tests check the result against Gaussian elimination.
 */
export function cauchyInverseLogs(x: ArrayLike<number>, y: ArrayLike<number>): Uint32Array {
  const e = x.length;
  const pAtY = new Int32Array(e); // log P(y_b)
  const qAtX = new Int32Array(e); // log Q(x_a)
  const dP = new Int32Array(e); // log P′(x_a)
  const dQ = new Int32Array(e); // log Q′(y_b)
  for (let i = 0; i < e; i++) {
    let p = 0;
    let q = 0;
    let dp = 0;
    let dq = 0;
    for (let c = 0; c < e; c++) {
      p += LOG[y[i] ^ x[c]];
      q += LOG[x[i] ^ y[c]];
      if (c !== i) {
        dp += LOG[x[i] ^ x[c]];
        dq += LOG[y[i] ^ y[c]];
      }
    }
    pAtY[i] = p % GF_ORDER;
    qAtX[i] = q % GF_ORDER;
    dP[i] = dp % GF_ORDER;
    dQ[i] = dq % GF_ORDER;
  }
  const out = new Uint32Array(e * e);
  for (let a = 0; a < e; a++) {
    const rowBase = qAtX[a] + 2 * GF_ORDER - dP[a];
    const xa = x[a];
    for (let b = 0; b < e; b++) {
      // Each term is in [0, 65535), so lg is in [0, 5·65535): at most four subtractions.
      let lg = rowBase + pAtY[b] + GF_ORDER - LOG[xa ^ y[b]] - dQ[b];
      while (lg >= GF_ORDER) lg -= GF_ORDER;
      out[a * e + b] = lg;
    }
  }
  return out;
}

/** The inverse as field elements, row-major inv[b·e + a] = (A⁻¹)[b][a] (for tests and tools). */
export function cauchyInverse(x: ArrayLike<number>, y: ArrayLike<number>): Uint16Array {
  const e = x.length;
  const logs = cauchyInverseLogs(x, y);
  const inv = new Uint16Array(e * e);
  for (let a = 0; a < e; a++) for (let b = 0; b < e; b++) inv[b * e + a] = EXP[logs[a * e + b]];
  return inv;
}
