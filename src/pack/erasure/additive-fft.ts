/**
 * The additive FFT of Lin, Chung and Han (novel polynomial basis, FOCS 2014; IEEE Trans. Inf.
 * Theory 62(11), 2016) over GF(2^16), on whole shards: a transform of size M = 2^μ works on M
 * rows of `width` symbols held back to back in one Uint16Array, and every butterfly is one pass
 * over two contiguous runs of half-block × width symbols sharing one constant. The points and the
 * basis are those of lch-basis.ts (Cantor basis, ω_p, W_j, X_i).
 *
 * The transform. D(x) = Σ_{i<M} d_i X_i(x) with X_i = Π_{j : i_j = 1} W_j, deg X_i = i. Split by
 * the top bit: D = D_0 + W_{μ−1}·D_1 (D_0, D_1 in X_0 … X_{M/2−1}). On a coset V_{μ−1} + β,
 * W_{μ−1} is the constant c = W_{μ−1}(β) (it is additive and vanishes on V_{μ−1}); on the other
 * half of V_μ + β, V_{μ−1} + v_{μ−1} + β, it is c + 1 (W_{μ−1}(v_{μ−1}) = 1). So
 *   D on V_{μ−1} + β             = D_0 + c·D_1           =: A,
 *   D on V_{μ−1} + v_{μ−1} + β   = D_0 + (c + 1)·D_1     =  A + D_1,
 * and the butterfly is a ← a + c·b, b ← b + a, then recursion on both halves. Rows are positions:
 * a transform over positions [base, base + M) (base a multiple of M) evaluates at ω_base + V_μ,
 * and the sub-block starting at position S on level j has c = W_j(ω_S) = ω_{S >> j}. Only
 * S = 0 gives c = 0. The inverse undoes the butterflies level by level: b ← b + a, a ← a + c·b.
 * Cost: (M/2)·log2 M butterflies of `width` symbols each, one product (two table loads) apiece.
 *
 * Masks (prefix counts, mask[i] = number of flagged rows before row i) let a caller skip work:
 * the FFT skips blocks with no wanted output row, the inverse skips blocks whose input rows are
 * all zero (they stay zero). Neither changes the rows that matter.
 */
import { GF_EXP, GF_LOG } from './gf16.js';
import { OMEGA_LOG } from './lch-basis.js';

const EXP = GF_EXP;
const LOG = GF_LOG;
const WLOG = OMEGA_LOG;

/** Prefix counts of flags: out[i] = Σ_{j<i} flags[j] (length flags.length + 1). */
export function prefixCounts(flags: Uint8Array): Int32Array {
  const out = new Int32Array(flags.length + 1);
  for (let i = 0; i < flags.length; i++) out[i + 1] = out[i] + flags[i];
  return out;
}

/** Prefix counts of the flags "row < count" over `size` rows. */
export function prefixBelow(size: number, count: number): Int32Array {
  const out = new Int32Array(size + 1);
  for (let i = 1; i <= size; i++) out[i] = i < count ? i : count;
  return out;
}

function log2(size: number): number {
  return 31 - Math.clz32(size);
}

/**
 * In place: the coefficients d_0 … d_{size−1} (row i = d_i, novel basis) become the evaluations at
 * ω_{base + l} (row l). size is a power of two and base a multiple of it, base + size ≤ 65536.
 * With `wanted` (prefix counts), only the flagged output rows are guaranteed.
 */
export function fftRows(buf: Uint16Array, width: number, size: number, base: number, wanted?: Int32Array): void {
  for (let j = log2(size) - 1; j >= 0; j--) {
    const half = 1 << j;
    const span = half * width;
    for (let s = 0; s < size; s += 2 * half) {
      if (wanted !== undefined && wanted[s + 2 * half] === wanted[s]) continue;
      const a0 = s * width;
      const a1 = a0 + span;
      const at = (base + s) >>> j;
      if (at === 0) {
        for (let x = a0; x < a1; x++) buf[x + span] ^= buf[x];
      } else {
        const logc = WLOG[at];
        for (let x = a0; x < a1; x++) {
          const b = buf[x + span];
          const a = buf[x] ^ EXP[LOG[b] + logc];
          buf[x] = a;
          buf[x + span] = b ^ a;
        }
      }
    }
  }
}

/**
 * In place, the inverse of fftRows: the values at ω_{base + l} (row l) become the novel-basis
 * coefficients of the unique polynomial of degree < size through them. With `nonzero` (prefix
 * counts), rows not flagged must be zero on input, and blocks of them are skipped.
 */
export function ifftRows(buf: Uint16Array, width: number, size: number, base: number, nonzero?: Int32Array): void {
  const levels = log2(size);
  for (let j = 0; j < levels; j++) {
    const half = 1 << j;
    const span = half * width;
    for (let s = 0; s < size; s += 2 * half) {
      if (nonzero !== undefined && nonzero[s + 2 * half] === nonzero[s]) continue;
      const a0 = s * width;
      const a1 = a0 + span;
      const at = (base + s) >>> j;
      if (at === 0) {
        for (let x = a0; x < a1; x++) buf[x + span] ^= buf[x];
      } else {
        const logc = WLOG[at];
        for (let x = a0; x < a1; x++) {
          const a = buf[x];
          const b = buf[x + span] ^ a;
          buf[x + span] = b;
          buf[x] = a ^ EXP[LOG[b] + logc];
        }
      }
    }
  }
}

/**
 * In place: the novel-basis coefficients of D (size rows) become those of D + D′, D′ the formal
 * derivative. The decoder evaluates this only where D = Λ·f vanishes, so it gets D′ there, and
 * D + D′ has a cheap in-place recursion where D′ alone has none. With the Cantor basis
 * X_i′ = Σ_{j : i_j = 1} X_{i − 2^j} (lch-basis.ts), so d′_l = Σ_{h = 2^j < size, l & h = 0} d_{l + h}.
 * Split a block of 2h rows into its lower half L and upper half U: the rows of L gain U (bit h)
 * and what the lower bits give within L, the rows of U only the latter, so with Δ_h = the
 * derivative on h rows and G_h = I + Δ_h,
 *   G_2h(L, U) = (G_h L + U, G_h U).
 * Δ_h∘Δ_h = 0 (each X_{i − 2^j − 2^j′} arises twice), so G_h is its own inverse, and in place:
 * U ← G_h U; L ← L + U (= L + G_h U); L ← G_h L (= G_h L + U). Each level is one XOR of h
 * contiguous rows per 2h-block: (size/2)·log2 size row XORs. Rows ≥ bound must be zero (deg D <
 * bound); blocks of them are skipped.
 */
export function addDerivativeRows(buf: Uint16Array, width: number, size: number, bound: number): void {
  const end = Math.min(bound, size) * width;
  // g(first, rows): G on the block of `rows` rows from row `first`.
  const g = (first: number, rows: number): void => {
    if (rows < 2 || first * width >= end) return;
    const h = rows >> 1;
    const span = h * width;
    const mid = (first + h) * width;
    if (mid < end) {
      g(first + h, h);
      const stop = Math.min(mid + span, end);
      for (let x = mid; x < stop; x++) buf[x - span] ^= buf[x];
    }
    g(first, h);
  };
  g(0, size);
}
