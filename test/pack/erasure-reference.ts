/**
 * An independent GF(2^16) for the erasure tests: schoolbook carry-less multiplication reduced by
 * x^16 + x^12 + x^3 + x + 1 bit by bit, no tables; inverses by Fermat (a^65534). Slow and obvious.
 */
export const POLY = 0x1100b;

export function refMul(a: number, b: number): number {
  let r = 0;
  for (let i = 0; i < 16; i++) if ((b >>> i) & 1) r ^= a << i;
  for (let bit = 30; bit >= 16; bit--) if ((r >>> bit) & 1) r ^= POLY << (bit - 16);
  return r;
}

export function refPow(a: number, e: number): number {
  let result = 1;
  let base = a;
  while (e > 0) {
    if (e & 1) result = refMul(result, base);
    base = refMul(base, base);
    e = Math.floor(e / 2);
  }
  return result;
}

export function refInv(a: number): number {
  return refPow(a, 65534);
}

/** Rank of a matrix over GF(2^16) by Gaussian elimination (rows copied). */
export function refRank(matrix: readonly (readonly number[])[]): number {
  const m = matrix.map((row) => [...row]);
  const rows = m.length;
  const cols = rows > 0 ? m[0].length : 0;
  let rank = 0;
  for (let c = 0; c < cols && rank < rows; c++) {
    let pivot = -1;
    for (let i = rank; i < rows; i++) if (m[i][c] !== 0) pivot = i;
    if (pivot < 0) continue;
    [m[rank], m[pivot]] = [m[pivot], m[rank]];
    const inv = refInv(m[rank][c]);
    for (let j = c; j < cols; j++) m[rank][j] = refMul(m[rank][j], inv);
    for (let i = 0; i < rows; i++) {
      if (i === rank || m[i][c] === 0) continue;
      const f = m[i][c];
      for (let j = c; j < cols; j++) m[i][j] ^= refMul(f, m[rank][j]);
    }
    rank++;
  }
  return rank;
}

/** The parity shards by the definition P_i = Σ_j d_j / ((k + i) + j), symbols little-endian. */
export function refParity(data: readonly Uint8Array[], r: number): Uint8Array[] {
  const k = data.length;
  const len = k > 0 ? data[0].length : 0;
  return Array.from({ length: r }, (_, i) => {
    const out = new Uint8Array(len);
    for (let j = 0; j < k; j++) {
      const c = refInv((k + i) ^ j);
      for (let b = 0; b < len; b += 2) {
        const v = refMul(c, data[j][b] | (data[j][b + 1] << 8));
        out[b] ^= v & 0xff;
        out[b + 1] ^= v >>> 8;
      }
    }
    return out;
  });
}
