/**
 * Hessian proxy of a linear layer (spec quant.md §1, §2.1 steps 1 and 5, §9.3).
 *
 * The accumulator keeps S = Σ_t x_t x_tᵀ in f64 over f32 inputs, with the token count N, and
 * hands out GPTQ's H = 2 S / N (a running mean, so its scale does not grow with N) or the
 * imatrix diag(S)/N = diag(H)/2. Only the upper triangle is accumulated — S is symmetric — in
 * tiles of the token batch so that the tile of S stays in cache; the lower half is mirrored
 * when H is read. The diagonal-only accumulator serves layers where the full n² matrix is not
 * needed (RTN with an imatrix, bit allocation).
 */
import { QuantInputError } from './errors.js';

/** Inputs buffered per flush: enough tokens to reuse each tile of S many times. */
const BATCH = 64;
/** Tile of S (rows × cols of the upper triangle) updated per pass over a batch. */
const TILE_I = 32;
const TILE_J = 512;

export class HessianAccumulator {
  /** Σ x xᵀ, upper triangle valid (row-major n × n). */
  readonly sum: Float64Array;
  private readonly batch: Float64Array;
  private pending = 0;
  private tokens = 0;

  constructor(
    readonly n: number,
    readonly where = 'Hessian',
  ) {
    if (!Number.isInteger(n) || n < 1) throw new QuantInputError(where, `input size ${n} must be a positive integer`);
    this.sum = new Float64Array(n * n);
    this.batch = new Float64Array(BATCH * n);
  }

  /** Number of input vectors seen. */
  get count(): number {
    return this.tokens + this.pending;
  }

  /** Adds one input vector x (length n); it is copied, so the caller may reuse its buffer. */
  add(x: ArrayLike<number>): void {
    if (x.length !== this.n) throw new QuantInputError(this.where, `input has ${x.length} values, expected ${this.n}`);
    const base = this.pending * this.n;
    for (let j = 0; j < this.n; j++) {
      const v = x[j];
      if (!Number.isFinite(v)) throw new QuantInputError(this.where, `input ${this.count} has a non-finite value ${v} at ${j}`);
      this.batch[base + j] = v;
    }
    if (++this.pending === BATCH) this.flush();
  }

  /** Adds `count` input vectors stored row-major in X (count × n). */
  addBatch(X: Float32Array, count = X.length / this.n): void {
    if (!Number.isInteger(count) || X.length < count * this.n)
      throw new QuantInputError(this.where, `batch of ${X.length} values does not hold ${count} inputs of ${this.n}`);
    for (let t = 0; t < count; t++) this.add(X.subarray(t * this.n, (t + 1) * this.n));
  }

  private flush(): void {
    const T = this.pending;
    if (T === 0) return;
    accumulateUpper(this.sum, this.n, this.batch, T);
    this.tokens += T;
    this.pending = 0;
  }

  /** S = Σ x xᵀ as a full symmetric matrix (a new array). */
  sumMatrix(): Float64Array {
    this.flush();
    const n = this.n;
    const out = new Float64Array(this.sum);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[i * n + j] = out[j * n + i];
    return out;
  }

  /** GPTQ's H = 2 S / N (a new n × n array; zero when no input was added). */
  hessian(): Float64Array {
    const S = this.sumMatrix();
    const f = this.count > 0 ? 2 / this.count : 0;
    for (let i = 0; i < S.length; i++) S[i] *= f;
    return S;
  }

  /** diag(H) = 2 E[x_j²]. */
  diagonal(): Float64Array {
    this.flush();
    const n = this.n;
    const out = new Float64Array(n);
    const f = this.count > 0 ? 2 / this.count : 0;
    for (let j = 0; j < n; j++) out[j] = this.sum[j * n + j] * f;
    return out;
  }
}

/**
 * S[i, j] += Σ_t X[t, i] X[t, j] for j ≥ i: the hot loop (a SYRK), tiled so that a TILE_I ×
 * TILE_J block of S is reused across the T tokens of the batch, four tokens per pass (one load
 * and store of S per four multiply-adds).
 */
export function accumulateUpper(S: Float64Array, n: number, X: Float64Array, T: number): void {
  for (let i0 = 0; i0 < n; i0 += TILE_I) {
    const i1 = Math.min(n, i0 + TILE_I);
    for (let j0 = i0; j0 < n; j0 += TILE_J) {
      const j1 = Math.min(n, j0 + TILE_J);
      let t = 0;
      for (; t + 3 < T; t += 4) {
        const x0 = t * n;
        const x1 = x0 + n;
        const x2 = x1 + n;
        const x3 = x2 + n;
        for (let i = i0; i < i1; i++) {
          const a0 = X[x0 + i];
          const a1 = X[x1 + i];
          const a2 = X[x2 + i];
          const a3 = X[x3 + i];
          const row = i * n;
          const js = j0 > i ? j0 : i;
          for (let j = js; j < j1; j++) S[row + j] += a0 * X[x0 + j] + a1 * X[x1 + j] + a2 * X[x2 + j] + a3 * X[x3 + j];
        }
      }
      for (; t < T; t++) {
        const xb = t * n;
        for (let i = i0; i < i1; i++) {
          const xi = X[xb + i];
          if (xi === 0) continue;
          const row = i * n;
          const js = j0 > i ? j0 : i;
          for (let j = js; j < j1; j++) S[row + j] += xi * X[xb + j];
        }
      }
    }
  }
}

/** diag(S) only: llama.cpp's imatrix numerator, O(n) per input. */
export class DiagonalAccumulator {
  readonly sum: Float64Array;
  private tokens = 0;
  constructor(
    readonly n: number,
    readonly where = 'imatrix',
  ) {
    if (!Number.isInteger(n) || n < 1) throw new QuantInputError(where, `input size ${n} must be a positive integer`);
    this.sum = new Float64Array(n);
  }
  get count(): number {
    return this.tokens;
  }
  add(x: ArrayLike<number>): void {
    if (x.length !== this.n) throw new QuantInputError(this.where, `input has ${x.length} values, expected ${this.n}`);
    for (let j = 0; j < this.n; j++) {
      const v = x[j];
      if (!Number.isFinite(v)) throw new QuantInputError(this.where, `input ${this.tokens} has a non-finite value ${v} at ${j}`);
      this.sum[j] += v * v;
    }
    this.tokens++;
  }
  /** diag(H) = 2 E[x_j²] (the same scale as HessianAccumulator.diagonal). */
  diagonal(): Float64Array {
    const f = this.tokens > 0 ? 2 / this.tokens : 0;
    return this.sum.map((v) => v * f);
  }
  /** llama.cpp's imatrix E[x_j²] = diag(H)/2. */
  imatrix(): Float64Array {
    const f = this.tokens > 0 ? 1 / this.tokens : 0;
    return this.sum.map((v) => v * f);
  }
}

export interface DampedHessian {
  /** H with dead columns set to 1 on the diagonal and `damp` added to every diagonal entry. */
  H: Float64Array;
  /** 1 where diag(H) was 0: the input never fired, the weight column is irrelevant (set to 0). */
  dead: Uint8Array;
  /** The absolute amount added to the diagonal: percdamp · mean(diag) after the dead fix. */
  damp: number;
}

/**
 * GPTQ's preparation of H (spec §2.1 steps 1, 5): dead inputs get H[j,j] = 1, then
 * percdamp · mean(diag(H)) is added to the diagonal. Returns a new matrix; H is not changed.
 */
export function dampHessian(H: Float64Array, n: number, percdamp = 0.01, where = 'Hessian'): DampedHessian {
  if (H.length !== n * n) throw new QuantInputError(where, `has ${H.length} entries, expected ${n}·${n}`);
  if (!(percdamp >= 0) || !Number.isFinite(percdamp)) throw new QuantInputError(where, `percdamp ${percdamp} must be a finite number ≥ 0`);
  const out = new Float64Array(H);
  const dead = new Uint8Array(n);
  let mean = 0;
  for (let j = 0; j < n; j++) {
    const d = out[j * n + j];
    if (!Number.isFinite(d) || d < 0) throw new QuantInputError(where, `diagonal entry ${j} is ${d}; a Hessian proxy has a finite diagonal ≥ 0`);
    if (d === 0) {
      dead[j] = 1;
      out[j * n + j] = 1;
    }
    mean += out[j * n + j];
  }
  mean /= n;
  const damp = percdamp * mean;
  for (let j = 0; j < n; j++) out[j * n + j] += damp;
  return { H: out, dead, damp };
}

/**
 * One accumulator per linear layer, fed by a forward pass's linear-input hook
 * `(layer, name, x) => void`. Layers that read the same input as another (wk and wv read wq's
 * input, w3 reads w1's in a llama block) are declared in `shares` ({ wk: 'wq', wv: 'wq', w3: 'w1' }):
 * their calls are ignored and `get` answers with the accumulator they share, which saves the
 * duplicate n² work per token.
 */
export class HessianCollector {
  readonly accumulators = new Map<string, HessianAccumulator>();
  constructor(readonly shares: Readonly<Record<string, string>> = {}) {}

  /** Pass this to the forward pass as its linear-input hook. */
  readonly hook = (layer: number, name: string, x: ArrayLike<number>): void => {
    if (Object.hasOwn(this.shares, name)) return;
    const key = `${layer}.${name}`;
    let acc = this.accumulators.get(key);
    if (acc === undefined) {
      acc = new HessianAccumulator(x.length, `Hessian of layer ${layer} ${name}`);
      this.accumulators.set(key, acc);
    }
    acc.add(x);
  };

  /** The accumulator that holds (layer, name)'s inputs. */
  get(layer: number, name: string): HessianAccumulator | undefined {
    const owner = Object.hasOwn(this.shares, name) ? this.shares[name] : name;
    return this.accumulators.get(`${layer}.${owner}`);
  }
}
