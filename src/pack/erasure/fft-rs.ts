/**
 * A second systematic MDS erasure code over GF(2^16), beside reed-solomon.ts: Reed–Solomon by the
 * additive FFT in the novel polynomial basis of Lin, Chung and Han (FOCS 2014; Lin, Al-Naffouri,
 * Han, Chung, IEEE Trans. Inf. Theory 62(11), 2016). Same shards (byte arrays of one even length,
 * symbol t = little-endian bytes 2t, 2t + 1, field of gf16.ts), same encode/decode faces and
 * errors; the parity differs from the Cauchy code's. Its cost per symbol grows as O(log n), where
 * the Cauchy code's grows as O(r): encode and decode are a few transforms of size N < 4(k + r).
 *
 * Points. Position p ∈ [0, 65536) is the point ω_p of lch-basis.ts (a Cantor basis expansion of p):
 * distinct, and the first 2^n of them are the subspace V_n, on which additive-fft.ts evaluates and
 * interpolates polynomials in O(2^n · n).
 *
 * Layout, fixed by (k, r), r ≥ 1 (r = 0 stores the data alone, no transform):
 *   m (the parity zone)  = the power of two ≥ r, and N = the power of two ≥ m + k, when
 *                          m + k ≤ 65536 ("chunked" layout);
 *                          otherwise m = r and N = 65536.
 *   position j (j < r)          parity shard j;
 *   positions r … m − 1         punctured: part of the codeword, never stored (none if m = r);
 *   position m + i (i < k)      data shard i;
 *   positions m + k … N − 1     fixed zeros, never stored.
 * The code: f over GF(2^16) with deg f < K := N − m, f(ω_p) = 0 on the fixed zeros, shard at p =
 * f(ω_p) symbol by symbol. Whenever the chunked layout does not fit, m + k ≤ r + k ≤ 65536, so
 * the limit is exactly k + r ≤ 65536: every point of the field can hold a shard.
 *
 * Why it is MDS (any k of the k + r shards rebuild the data). The positions m … N − 1 are K
 * points, so for any data there is exactly one f of degree < K taking the data there and 0 on the
 * fixed zeros (Lagrange): encoding is well defined and systematic. Conversely, k stored shards of
 * a codeword plus the N − m − k fixed zeros are f at K distinct points, which fixes f, hence the
 * data. (It is a shortened and punctured Reed–Solomon code: a generalised RS code, [k + r, k].)
 *
 * Decoding (any layout). E = lost positions ∪ punctured ones; Λ(x) = Π_{e ∈ E} (x − ω_e).
 *   1. Λ(ω_l) at kept positions and Λ′(ω_e) at erased ones by one XOR convolution of logs
 *      (erasure-locator.ts, Walsh–Hadamard, O(N log N)).
 *   2. y_l = f(ω_l)·Λ(ω_l) where known (fixed zeros give 0), y_e = 0 at erasures: y is Λ·f on V_N.
 *   3. Inverse FFT of size N: the coefficients of Λ·f, exact because deg(Λ·f) < K + |E| ≤ N:
 *      with L lost shards, L ≤ r (else ErasureCapacityError) and |E| = L + m − r ≤ m.
 *   4. Add the formal derivative (XORs in the Cantor novel basis, additive-fft.ts), FFT of size N
 *      at the wanted positions only: at an erasure Λ(ω_e) = 0, so (Λ·f + (Λ·f)′)(ω_e) =
 *      (Λ·f)′(ω_e) = Λ′(ω_e)·f(ω_e), and f(ω_e) = that / Λ′(ω_e), Λ′(ω_e) ≠ 0 (distinct points).
 *
 * Encoding. The non-chunked layout is decoded as above with the r parity positions as the
 * erasures. The chunked layout (m a power of two) needs less: split [0, N) into the N/m cosets
 * C_i = ω_{im} + V_log m (i = 0 is the parity zone), and let Q_i be the polynomial of degree < m
 * through the codeword on C_i (inverse FFT of size m at base im). Claim: Σ_i Q_i = 0, so
 *   Q_0 = Σ_{i ≥ 1} Q_i,   parity = FFT of Q_0 on C_0,
 * costing one inverse FFT of size m per m data shards and one FFT of size m. Proof: with
 * w = log2 m, the vanishing polynomial of C_i is W_w(x) − ω_i (W_w is additive, W_w(ω_{im}) = ω_i,
 * lch-basis.ts), so Q_i = f mod (W_w − ω_i). Expand f = Σ_t g_t·W_w^t with deg g_t < m (repeated
 * division by W_w, of degree m); deg f < N − m forces t ≤ N/m − 2. Then Q_i = Σ_t g_t·ω_i^t and
 *   Σ_i Q_i = Σ_t g_t · Σ_{s ∈ S} s^t,   S = {ω_i : i < N/m} = V_log(N/m), a subspace.
 * For a subspace S of size 2^d ≥ 2 with subspace polynomial W_S (linearised: Σ_i a_i x^(2^i)),
 *   Σ_{s ∈ S} 1/(x − s) = W_S′(x)/W_S(x) = a_0/W_S(x) = a_0·x^(−2^d) + (lower powers of 1/x),
 * while the left side is Σ_t (Σ_s s^t)·x^(−t−1): every power sum with t ≤ 2^d − 2 is 0. Here
 * 2^d = N/m ≥ 2 (k ≥ 1), so Σ_i Q_i = 0; and the encoder's Q_i, i ≥ 1, are exactly those of the
 * codeword of the data (data and zeros fill C_1 … C_last), so its Q_0 is the codeword's too.
 */
import { GF_EXP, GF_LOG, GF_ORDER } from './gf16.js';
import { addDerivativeRows, fftRows, ifftRows, prefixBelow, prefixCounts } from './additive-fft.js';
import { erasureLocatorLogs } from './erasure-locator.js';
import { symbolBytes } from './_mul-add.js';
import { ErasureParameterError } from './errors.js';
import { checkSlots, commonLength } from './_shards.js';

const EXP = GF_EXP;
const LOG = GF_LOG;

/** Most shards per block: one per point of GF(2^16). */
export const FFT_MAX_SHARDS = 65536;

function ceilPow2(x: number): number {
  let p = 1;
  while (p < x) p *= 2;
  return p;
}

export class FftReedSolomon {
  /** m: parity shard j sits at position j, data shard i at m + i; r … m − 1 are punctured. */
  readonly parityZone: number;
  /** N: the size of the decoder's transforms; positions m + k … N − 1 hold fixed zeros. */
  readonly transformSize: number;
  /** Whether encoding goes coset by coset (m a power of two, m + k ≤ 65536) or by decoding. */
  readonly chunked: boolean;

  constructor(
    readonly k: number,
    readonly r: number,
  ) {
    if (!Number.isInteger(k) || k < 1) throw new ErasureParameterError('k (data shards)', k, 'an integer >= 1');
    if (!Number.isInteger(r) || r < 0) throw new ErasureParameterError('r (parity shards)', r, 'an integer >= 0');
    if (k + r > FFT_MAX_SHARDS) throw new ErasureParameterError('k + r', k + r, `at most ${FFT_MAX_SHARDS} shards per block in GF(2^16)`);
    const m = r === 0 ? 0 : ceilPow2(r);
    if (r > 0 && m + k <= FFT_MAX_SHARDS) {
      this.parityZone = m;
      this.transformSize = ceilPow2(m + k);
      this.chunked = true;
    } else {
      this.parityZone = r;
      this.transformSize = r === 0 ? ceilPow2(k) : FFT_MAX_SHARDS;
      this.chunked = false;
    }
  }

  /** The r parity shards (new arrays) of exactly k data shards of one even length. */
  encode(data: readonly Uint8Array[]): Uint8Array[] {
    const { k, r } = this;
    if (data.length !== k) throw new ErasureParameterError('data shards', data.length, `exactly k = ${k}`);
    for (let i = 0; i < k; i++) if (data[i] == null) throw new ErasureParameterError(`data shard ${i}`, data[i], 'a Uint8Array');
    const len = commonLength(data, 'data shard');
    if (r === 0) return [];
    const width = len >> 1;
    if (width === 0) return Array.from({ length: r }, () => new Uint8Array(0));
    if (this.chunked) return this.encodeByCosets(data, width);
    const m = this.parityZone;
    const erased = new Uint8Array(this.transformSize);
    erased.fill(1, 0, m);
    const positions = Array.from({ length: k }, (_, i) => m + i);
    const wanted = Array.from({ length: r }, (_, j) => j);
    const rows = this.recover(erased, positions, data, wanted, width);
    return wanted.map((p) => symbolBytes(rows.subarray(p * width, (p + 1) * width)));
  }

  /**
   * The k data shards from the k + r slots of a block (null or undefined where a shard is lost):
   * slots 0 … k − 1 data, k … k + r − 1 parity. Present data shards are returned as the same
   * objects; lost ones are rebuilt into new arrays. `label` names the block in errors; `names`
   * (one per slot) lets the error name the strands to look for.
   */
  decode(shards: readonly (Uint8Array | null | undefined)[], label = 'block', names?: readonly (string | number)[]): Uint8Array[] {
    const { k, r } = this;
    const n = k + r;
    const { len, missing } = checkSlots(shards, k, r, label, names);
    const out = shards.slice(0, k) as Uint8Array[];
    if (missing.length === 0) return out;
    const width = len >> 1;
    if (width === 0) {
      for (const i of missing) out[i] = new Uint8Array(0);
      return out;
    }

    const m = this.parityZone;
    const erased = new Uint8Array(this.transformSize);
    erased.fill(1, r, m); // punctured
    const positions: number[] = [];
    const known: Uint8Array[] = [];
    for (let s = 0; s < n; s++) {
      const p = s < k ? m + s : s - k;
      const shard = shards[s];
      if (shard == null) erased[p] = 1;
      else {
        positions.push(p);
        known.push(shard);
      }
    }
    const wanted = missing.map((i) => m + i);
    const rows = this.recover(erased, positions, known, wanted, width);
    for (const i of missing) {
      const p = m + i;
      out[i] = symbolBytes(rows.subarray(p * width, (p + 1) * width));
    }
    return out;
  }

  /**
   * Rows (position p at row p) holding f(ω_p) at the wanted positions, from f at the known
   * positions, zero at the positions neither known nor erased (the fixed zeros). The decoder of
   * the header: locator, Λ·f, inverse FFT, plus derivative, FFT at the wanted rows, division by Λ′.
   */
  private recover(erased: Uint8Array, positions: readonly number[], known: readonly Uint8Array[], wanted: readonly number[], width: number): Uint16Array {
    const size = this.transformSize;
    const locator = erasureLocatorLogs(erased);
    const rows = new Uint16Array(size * width);
    const nonzero = new Uint8Array(size);
    for (let q = 0; q < positions.length; q++) {
      const p = positions[q];
      const bytes = known[q];
      const c = locator[p];
      nonzero[p] = 1;
      for (let t = 0, x = p * width; t < width; t++, x++) rows[x] = EXP[LOG[bytes[2 * t] | (bytes[2 * t + 1] << 8)] + c];
    }
    ifftRows(rows, width, size, 0, prefixCounts(nonzero));
    let erasures = 0;
    for (let p = 0; p < size; p++) erasures += erased[p];
    addDerivativeRows(rows, width, size, size - this.parityZone + erasures);
    const want = new Uint8Array(size);
    for (const p of wanted) want[p] = 1;
    fftRows(rows, width, size, 0, prefixCounts(want));
    for (const p of wanted) {
      const inv = locator[p] === 0 ? 0 : GF_ORDER - locator[p];
      for (let x = p * width, end = x + width; x < end; x++) rows[x] = EXP[LOG[rows[x]] + inv];
    }
    return rows;
  }

  /** The chunked layout: Q_0 = Σ_{i ≥ 1} (inverse FFT of coset i), parity = FFT of Q_0 (header). */
  private encodeByCosets(data: readonly Uint8Array[], width: number): Uint8Array[] {
    const { k, r } = this;
    const m = this.parityZone;
    const acc = new Uint16Array(m * width);
    const tmp = k > m ? new Uint16Array(m * width) : acc;
    for (let first = 0, coset = 1; first < k; first += m, coset++) {
      const count = Math.min(m, k - first);
      const rows = first === 0 ? acc : tmp;
      if (count < m) rows.fill(0, count * width);
      for (let i = 0; i < count; i++) {
        const bytes = data[first + i];
        for (let t = 0, x = i * width; t < width; t++, x++) rows[x] = bytes[2 * t] | (bytes[2 * t + 1] << 8);
      }
      ifftRows(rows, width, m, coset * m, count < m ? prefixBelow(m, count) : undefined);
      if (rows !== acc) for (let x = 0; x < acc.length; x++) acc[x] ^= tmp[x];
    }
    fftRows(acc, width, m, 0, r < m ? prefixBelow(m, r) : undefined);
    return Array.from({ length: r }, (_, j) => symbolBytes(acc.subarray(j * width, (j + 1) * width)));
  }
}
