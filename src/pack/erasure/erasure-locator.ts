/**
 * The erasure locator of the additive-FFT Reed–Solomon decoder (fft-rs.ts), in the log domain, at
 * every position of a transform of size N = 2^n, in O(N log N) integer operations whatever the
 * number of erasures.
 *
 * For the erased positions E, Λ(x) = Π_{e ∈ E} (x − ω_e). The decoder needs Λ(ω_l) at the kept
 * positions and Λ′(ω_e) = Π_{e′ ∈ E, e′ ≠ e} (ω_e − ω_e′) at the erased ones (characteristic 2:
 * every other term of the product rule vanishes at ω_e). Since ω_l + ω_e = ω_{l⊕e} (lch-basis.ts),
 *   log Λ(ω_l) = Σ_{e ∈ E} L(l ⊕ e),   L(i) = log ω_i (mod 65535), L(0) := 0,
 * and for l ∈ E the same sum is log Λ′(ω_l): the one term with e = l is L(0) = 0. That is a
 * dyadic (XOR) convolution of the indicator of E with L, which the Walsh–Hadamard transform H
 * diagonalises: H(a ⊛ b) = H(a)·H(b), and H·H = N·I. All of it is done modulo 65535 = 2^16 − 1,
 * where 2 is invertible (1/N = 2^(16 − n)), so the logs come out exact.
 */
import { GF_ORDER } from './gf16.js';
import { OMEGA_LOG } from './lch-basis.js';

const P = GF_ORDER;

/** In place, the Walsh–Hadamard transform mod 65535 of values in [0, 65535). */
function walshHadamard(x: Int32Array): void {
  const n = x.length;
  for (let h = 1; h < n; h <<= 1) {
    for (let i = 0; i < n; i += 2 * h) {
      for (let j = i; j < i + h; j++) {
        const u = x[j];
        const v = x[j + h];
        const s = u + v;
        const d = u - v;
        x[j] = s >= P ? s - P : s;
        x[j + h] = d < 0 ? d + P : d;
      }
    }
  }
}

/** H(L) for each transform size used so far: it depends on N only. */
const logTransforms = new Map<number, Int32Array>();

function transformedLogs(size: number): Int32Array {
  let t = logTransforms.get(size);
  if (t === undefined) {
    t = new Int32Array(size);
    for (let i = 1; i < size; i++) t[i] = OMEGA_LOG[i];
    walshHadamard(t);
    logTransforms.set(size, t);
  }
  return t;
}

/**
 * out[l] = log Λ(ω_l) for l not erased, log Λ′(ω_l) for l erased (in [0, 65535)), for the erased
 * set given by the flags (length N, a power of two ≤ 65536). No erasure gives all zeros (Λ = 1).
 */
export function erasureLocatorLogs(erased: Uint8Array): Int32Array {
  const size = erased.length;
  const out = new Int32Array(size);
  for (let i = 0; i < size; i++) out[i] = erased[i];
  walshHadamard(out);
  const hl = transformedLogs(size);
  for (let i = 0; i < size; i++) out[i] = (out[i] * hl[i]) % P; // < 2^32: exact in doubles
  walshHadamard(out);
  const inverseSize = 2 ** (16 - (31 - Math.clz32(size))); // 1/N mod 65535
  if (inverseSize !== 1) for (let i = 0; i < size; i++) out[i] = (out[i] * inverseSize) % P;
  return out;
}
