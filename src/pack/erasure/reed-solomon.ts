/**
 * A systematic Reed–Solomon erasure code over GF(2^16): k data shards, r parity shards, and any k
 * of the k + r rebuild the data. The generator is [I; C] with C a Cauchy matrix
 * C[i][j] = 1 / (x_i + y_j), x_i = k + i (parity rows), y_j = j (data columns): all x and y are
 * distinct field elements, and every square submatrix of a Cauchy matrix is itself Cauchy and so
 * non-singular (its determinant is Π(x_i − x_j)(y_j − y_i) / Π(x_i + y_j) ≠ 0). A k×k submatrix of
 * [I; C] reduces, after the identity rows, to a square submatrix of C: the code is MDS.
 *
 * Shards are byte arrays of one even length; symbols are little-endian 16-bit pairs.
 */
import { ErasureCapacityError, ErasureParameterError } from './errors.js';
import { GF_EXP, GF_LOG, GF_ORDER, gfInv, mulAddRow } from './gf16.js';

export const MAX_SHARDS = GF_ORDER; // k + r distinct field elements, 0 … 65534

export class ReedSolomonErasure {
  /** Cauchy coefficients, row-major r × k. */
  private readonly cauchy: Uint16Array;

  constructor(
    readonly k: number,
    readonly r: number,
  ) {
    if (!Number.isInteger(k) || k < 1) throw new ErasureParameterError('k (data shards)', k, 'an integer >= 1');
    if (!Number.isInteger(r) || r < 0) throw new ErasureParameterError('r (parity shards)', r, 'an integer >= 0');
    if (k + r > MAX_SHARDS) throw new ErasureParameterError('k + r', k + r, `at most ${MAX_SHARDS} shards per block in GF(2^16)`);
    this.cauchy = new Uint16Array(r * k);
    for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) this.cauchy[i * k + j] = gfInv((k + i) ^ j);
  }

  coefficient(parity: number, data: number): number {
    return this.cauchy[parity * this.k + data];
  }

  /**
   * The r parity shards of k data shards. DNA strands carry shards of a few dozen bytes, so the
   * work is laid out as a matrix product P = C·D over symbol columns: for each column t and parity
   * row i, one pass over j with both operands contiguous (logs of C row-major, logs of D
   * transposed), one table load and one XOR per term.
   */
  encode(data: readonly Uint8Array[]): Uint8Array[] {
    const { k, r } = this;
    const len = this.checkShards(data, k, 'data');
    const T = len / 2;
    const dlog = new Uint32Array(T * k); // dlog[t·k + j] = log D[j][t]
    for (let j = 0; j < k; j++) {
      const d = symbols(data[j]);
      for (let t = 0; t < T; t++) dlog[t * k + j] = GF_LOG[d[t]];
    }
    const clog = this.cauchyLogs();
    const parity = Array.from({ length: r }, () => new Uint16Array(T));
    for (let t = 0; t < T; t++) {
      const base = t * k;
      for (let i = 0; i < r; i++) {
        const row = i * k;
        let acc = 0;
        for (let j = 0; j < k; j++) acc ^= GF_EXP[dlog[base + j] + clog[row + j]];
        parity[i][t] = acc;
      }
    }
    return parity.map((p) => new Uint8Array(p.buffer));
  }

  private clogCache: Uint32Array | undefined;

  /** GF_LOG of every Cauchy coefficient (all non-zero), built on first use. */
  private cauchyLogs(): Uint32Array {
    if (!this.clogCache) {
      const c = new Uint32Array(this.cauchy.length);
      for (let i = 0; i < c.length; i++) c[i] = GF_LOG[this.cauchy[i]];
      this.clogCache = c;
    }
    return this.clogCache;
  }

  /**
   * The k data shards from k + r slots, null where a shard is missing. Present data shards are
   * returned as given; missing ones are rebuilt from e present parity shards by solving an
   * e × e system (e = missing data shards), so the cost is O(e³ + e·k·len), not a k × k inverse.
   */
  decode(shards: readonly (Uint8Array | null | undefined)[], label = 'block'): Uint8Array[] {
    const { k, r } = this;
    if (shards.length !== k + r) throw new ErasureParameterError('shards', shards.length, `${k + r} slots (k + r) for ${label}`);
    const present = shards.map((s) => s != null);
    const missingData: number[] = [];
    for (let j = 0; j < k; j++) if (!present[j]) missingData.push(j);
    const paritiesPresent: number[] = [];
    for (let i = 0; i < r; i++) if (present[k + i]) paritiesPresent.push(i);
    const presentCount = present.filter(Boolean).length;
    if (missingData.length === 0) return shards.slice(0, k) as Uint8Array[];
    if (presentCount < k) {
      const missing = present.flatMap((p, i) => (p ? [] : [i]));
      throw new ErasureCapacityError(label, missing, presentCount, k);
    }
    const len = this.checkShards(shards.filter((s): s is Uint8Array => s != null), presentCount, 'present');
    const e = missingData.length;
    const rows = paritiesPresent.slice(0, e);
    const T = len / 2;
    // rhs_a = parity_a − Σ_{present data j} C[a][j] · d_j, in the encoder's column layout.
    const clog = this.cauchyLogs();
    const presentData: number[] = [];
    for (let j = 0; j < k; j++) if (present[j]) presentData.push(j);
    const n = presentData.length;
    const dlog = new Uint32Array(T * n);
    presentData.forEach((j, q) => {
      const d = symbols(shards[j]!);
      for (let t = 0; t < T; t++) dlog[t * n + q] = GF_LOG[d[t]];
    });
    const rowLogs = rows.map((i) => Uint32Array.from(presentData, (j) => clog[i * k + j]));
    const rhs = rows.map((i) => Uint16Array.from(symbols(shards[k + i]!)));
    for (let t = 0; t < T; t++) {
      const base = t * n;
      for (let a = 0; a < e; a++) {
        const cl = rowLogs[a];
        let acc = 0;
        for (let q = 0; q < n; q++) acc ^= GF_EXP[dlog[base + q] + cl[q]];
        rhs[a][t] ^= acc;
      }
    }
    const inv = invertCauchy(
      rows.map((i) => k + i),
      missingData,
    );
    const out = shards.slice(0, k) as Uint8Array[];
    for (let b = 0; b < e; b++) {
      const rebuilt = new Uint16Array(T);
      for (let a = 0; a < e; a++) mulAddRow(rebuilt, rhs[a], inv[b * e + a]);
      out[missingData[b]] = new Uint8Array(rebuilt.buffer);
    }
    return out;
  }

  private checkShards(shards: readonly Uint8Array[], count: number, what: string): number {
    if (shards.length !== count) throw new ErasureParameterError(`${what} shards`, shards.length, `exactly ${count}`);
    const len = shards.length > 0 ? shards[0].length : 0;
    if (len % 2 !== 0) throw new ErasureParameterError('shard length', len, 'an even number of bytes (16-bit symbols)');
    shards.forEach((s, i) => {
      if (s.length !== len) throw new ErasureParameterError(`${what} shard ${i} length`, s.length, `${len} bytes like shard 0`);
    });
    return len;
  }
}

/** Little-endian 16-bit view of a shard (copied when the bytes are not 2-aligned). */
function symbols(shard: Uint8Array): Uint16Array {
  if (shard.byteOffset % 2 === 0) return new Uint16Array(shard.buffer, shard.byteOffset, shard.length / 2);
  return new Uint16Array(shard.slice().buffer);
}

/**
 * Inverse of the Cauchy matrix A[a][b] = 1/(x_a + y_b) in closed form, O(e²): with
 * P(z) = Π_k (z + x_k) and Q(z) = Π_k (z + y_k) (characteristic 2: minus is plus),
 *   (A⁻¹)[b][a] = P(y_b) · Q(x_a) / ((x_a + y_b) · P′(x_a) · Q′(y_b)),
 * where P′(x_a) = Π_{k≠a} (x_a + x_k) and Q′(y_b) = Π_{k≠b} (y_b + y_k) (Lagrange interpolation).
 * Returned row-major: inv[b·e + a]. Computed in the log domain.
 */
function invertCauchy(x: readonly number[], y: readonly number[]): Uint16Array {
  const e = x.length;
  const L = (v: number): number => GF_LOG[v];
  const pAtY = new Float64Array(e); // log P(y_b)
  const qAtX = new Float64Array(e); // log Q(x_a)
  const dP = new Float64Array(e); // log P′(x_a)
  const dQ = new Float64Array(e); // log Q′(y_b)
  for (let i = 0; i < e; i++) {
    let p = 0;
    let q = 0;
    let dp = 0;
    let dq = 0;
    for (let k = 0; k < e; k++) {
      p += L(y[i] ^ x[k]);
      q += L(x[i] ^ y[k]);
      if (k !== i) {
        dp += L(x[i] ^ x[k]);
        dq += L(y[i] ^ y[k]);
      }
    }
    pAtY[i] = p % GF_ORDER;
    qAtX[i] = q % GF_ORDER;
    dP[i] = dp % GF_ORDER;
    dQ[i] = dq % GF_ORDER;
  }
  const inv = new Uint16Array(e * e);
  for (let b = 0; b < e; b++) {
    for (let a = 0; a < e; a++) {
      let lg = pAtY[b] + qAtX[a] - L(x[a] ^ y[b]) - dP[a] - dQ[b];
      lg %= GF_ORDER;
      if (lg < 0) lg += GF_ORDER;
      inv[b * e + a] = GF_EXP[lg];
    }
  }
  return inv;
}

/**
 * Smallest r with P[Binomial(k + r, p) > r] ≤ target: the parity that makes a block of k data
 * shards fail with probability at most `target` when each shard is lost independently with
 * probability p. The tail is summed term by term from the mode outward in log space.
 */
export function parityForLoss(k: number, p: number, target = 1e-9): number {
  if (!(p >= 0 && p < 1)) throw new ErasureParameterError('loss probability', p, 'a number in [0, 1)');
  if (p === 0) return 0;
  for (let r = 0; k + r <= MAX_SHARDS; r++) if (binomialTailAbove(k + r, p, r) <= target) return r;
  throw new ErasureParameterError('loss probability', p, `too high for blocks of ${k} data shards within ${MAX_SHARDS} shards`);
}

/** P[X > t] for X ~ Binomial(n, p). */
export function binomialTailAbove(n: number, p: number, t: number): number {
  if (t >= n) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let logC = 0; // log C(n, i), built incrementally
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    if (i > 0) logC += Math.log((n - i + 1) / i);
    if (i > t) {
      const term = Math.exp(logC + i * lp + (n - i) * lq);
      sum += term;
      if (term < sum * 1e-17 && i > n * p) break;
    }
  }
  return sum;
}
