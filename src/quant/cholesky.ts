/**
 * The factor GPTQ works with: the upper Cholesky factor U of H⁻¹ (H⁻¹ = UᵀU, spec §2.1 step 6).
 *
 * GPTQ computes it as chol(H) → cholesky_inverse → chol(·, upper): three O(n³) passes. The same U
 * comes from two [DERIV]: factor H = R Rᵀ with R *upper* triangular (Cholesky run from the last
 * column backwards, i.e. the ordinary factor of the reversed matrix, reversed back); then
 * H⁻¹ = R⁻ᵀ R⁻¹ = UᵀU with U = R⁻¹, which is upper triangular with a positive diagonal, so by
 * uniqueness it is the upper Cholesky factor of H⁻¹. Cost n³/3 + n³/3 multiply-adds, all in f64,
 * every inner loop a contiguous dot product or axpy over rows of the row-major arrays.
 */
import { NotPositiveDefiniteError } from './errors.js';

/**
 * Upper factor R with H = R Rᵀ (row-major n × n, lower triangle zero). Returns −1, or the column
 * j whose pivot failed when H is not numerically positive definite (the failed pivot value is
 * left in R[j][j]).
 */
export function reverseCholesky(H: Float64Array, n: number, R: Float64Array): number {
  R.fill(0);
  for (let j = n - 1; j >= 0; j--) {
    const rj = j * n;
    // R[i][j] = (H[i][j] − Σ_{k>j} R[i][k] R[j][k]) / R[j][j], for i ≤ j.
    let d = H[rj + j];
    for (let k = j + 1; k < n; k++) d -= R[rj + k] * R[rj + k];
    if (!(d > 0) || !Number.isFinite(d)) {
      R[rj + j] = d; // the failed pivot, for the error message
      return j;
    }
    const rjj = Math.sqrt(d);
    R[rj + j] = rjj;
    const inv = 1 / rjj;
    // Two rows per pass share the loads of row j.
    let i = 0;
    for (; i + 1 < j; i += 2) {
      const ra = i * n;
      const rb = ra + n;
      let sa = H[ra + j];
      let sb = H[rb + j];
      for (let k = j + 1; k < n; k++) {
        const v = R[rj + k];
        sa -= R[ra + k] * v;
        sb -= R[rb + k] * v;
      }
      R[ra + j] = sa * inv;
      R[rb + j] = sb * inv;
    }
    for (; i < j; i++) {
      const ri = i * n;
      let s = H[ri + j];
      for (let k = j + 1; k < n; k++) s -= R[ri + k] * R[rj + k];
      R[ri + j] = s * inv;
    }
  }
  return -1;
}

/** U = R⁻¹ for upper triangular R with a positive diagonal (row-major; written into U). */
export function invertUpper(R: Float64Array, n: number, U: Float64Array): void {
  U.fill(0);
  // Row i of U from the rows below it: U[i, :] = (e_i − Σ_{k>i} R[i][k] U[k, :]) / R[i][i].
  // Four rows k at a time (U[k'][j] = 0 for j < k', so all four can start at column k).
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * n;
    const inv = 1 / R[ri + i];
    U[ri + i] = inv;
    let k = i + 1;
    for (; k + 3 < n; k += 4) {
      const f0 = -R[ri + k] * inv;
      const f1 = -R[ri + k + 1] * inv;
      const f2 = -R[ri + k + 2] * inv;
      const f3 = -R[ri + k + 3] * inv;
      const r0 = k * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      for (let j = k; j < n; j++) U[ri + j] += f0 * U[r0 + j] + f1 * U[r1 + j] + f2 * U[r2 + j] + f3 * U[r3 + j];
    }
    for (; k < n; k++) {
      const f = -R[ri + k] * inv;
      const rk = k * n;
      for (let j = k; j < n; j++) U[ri + j] += f * U[rk + j];
    }
  }
}

/**
 * U with H⁻¹ = UᵀU, U upper triangular (a new row-major array). Throws NotPositiveDefiniteError
 * naming `where` and the failing pivot.
 */
export function inverseUpperCholesky(H: Float64Array, n: number, where = 'Hessian'): Float64Array {
  const R = new Float64Array(n * n);
  const bad = reverseCholesky(H, n, R);
  if (bad >= 0) throw new NotPositiveDefiniteError(where, bad, R[bad * n + bad]);
  const U = new Float64Array(n * n);
  invertUpper(R, n, U);
  return U;
}
