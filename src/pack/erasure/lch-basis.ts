/**
 * The evaluation points of the additive-FFT Reed–Solomon code (fft-rs.ts): a Cantor basis of
 * GF(2^16) and the point ω_p of every position p, as field elements of gf16.ts (polynomial basis,
 * poly 0x1100B), so shard symbols mean exactly what they mean in reed-solomon.ts.
 *
 * Why a Cantor basis (Lin, Chung, Han, FOCS 2014, and Lin, Al-Naffouri, Han, Chung, IEEE Trans.
 * Inf. Theory 62(11), 2016, the "novel polynomial basis" papers). Let s(x) = x² + x: it is
 * GF(2)-linear (squaring is, in characteristic 2) with kernel {0, 1}. A Cantor basis is
 *   v_0 = 1,  s(v_j) = v_{j−1}  (j = 1 … 15),
 * and position p (bits p_j) is the point ω_p = Σ_j p_j·v_j, so ω_{p⊕q} = ω_p + ω_q and the first
 * 2^n points form the subspace V_n = span(v_0 … v_{n−1}). Then, with W_j = s∘s∘…∘s (j times):
 *   - W_j vanishes on V_j (s^j(v_i) = s^{j−i}(1) = 0 for i < j), is monic of degree 2^j = |V_j|,
 *     so W_j(x) = Π_{a ∈ V_j} (x − a), the subspace polynomial of the papers;
 *   - W_j(v_j) = v_0 = 1, so it is already normalised (the papers' Ŵ_j = W_j / W_j(v_j) = W_j);
 *   - W_j(v_i) = v_{i−j} for i ≥ j, hence W_j(ω_p) = ω_{p >> j}: every FFT twiddle is a point;
 *   - W_j′ = 1 (s′(x) = 2x + 1 = 1, and the chain rule), so the formal derivative of the novel
 *     basis X_i = Π_{j : i_j = 1} W_j is X_i′ = Σ_{j : i_j = 1} X_{i − 2^j}: XORs, no products.
 *
 * The chain always continues: s^16(x) = x^(2^16) + x is 0 on the field, so the image of s^15 lies
 * in ker s = {0, 1}, and it is not {0} (a polynomial of degree 2^15 has fewer than 2^16 roots).
 * Hence 1 ∈ image(s^15) ⊆ image(s^i), and a preimage of an element of image(s^i) can be picked in
 * image(s^{i−1}); both preimages x, x + 1 qualify since 1 ∈ image(s^{i−1}). We take the smaller
 * one, so the basis is fixed. The v_j are independent: s^j(v_j) = 1 while s^j kills V_j.
 */
import { GF_EXP, GF_LOG, GF_SIZE, ZERO_LOG } from './gf16.js';

const EXP = GF_EXP;
const LOG = GF_LOG;

/** log2 of the number of points: positions are 0 … 65535. */
export const LCH_BITS = 16;

/** v_0 … v_15, the Cantor basis (v_0 = 1, v_j² + v_j = v_{j−1}, the smaller root each time). */
export const CANTOR_BASIS: Uint16Array = (() => {
  // preimage[y] = the smallest x with x² + x = y, or −1 (y of trace 1 has none).
  const preimage = new Int32Array(GF_SIZE).fill(-1);
  for (let x = 0; x < GF_SIZE; x++) {
    const y = (x === 0 ? 0 : EXP[2 * LOG[x]]) ^ x;
    if (preimage[y] < 0) preimage[y] = x;
  }
  const v = new Uint16Array(LCH_BITS);
  v[0] = 1;
  for (let j = 1; j < LCH_BITS; j++) {
    const x = preimage[v[j - 1]];
    if (x < 0) throw new Error(`lch-basis: no Cantor basis element v_${j} (impossible in GF(2^16))`);
    v[j] = x;
  }
  return v;
})();

/** OMEGA[p] = ω_p = Σ_{bits j of p} v_j: the field element of position p (all 65536 distinct). */
export const OMEGA = new Uint16Array(GF_SIZE);
/** OMEGA_LOG[p] = log ω_p; ZERO_LOG for p = 0 (ω_0 = 0). */
export const OMEGA_LOG = new Uint32Array(GF_SIZE);

{
  for (let j = 0; j < LCH_BITS; j++) {
    const h = 1 << j;
    for (let p = 0; p < h; p++) OMEGA[h + p] = OMEGA[p] ^ CANTOR_BASIS[j];
  }
  const seen = new Uint8Array(GF_SIZE);
  for (let p = 0; p < GF_SIZE; p++) {
    if (seen[OMEGA[p]]) throw new Error('lch-basis: the Cantor basis is not independent');
    seen[OMEGA[p]] = 1;
    OMEGA_LOG[p] = LOG[OMEGA[p]];
  }
  OMEGA_LOG[0] = ZERO_LOG;
}
