import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/random.js';
import { DiagonalAccumulator, HessianAccumulator, HessianCollector, dampHessian } from '../../src/quant/hessian.js';
import { inverseUpperCholesky } from '../../src/quant/cholesky.js';
import { NotPositiveDefiniteError, QuantInputError } from '../../src/quant/errors.js';
import { correlatedHessian, gaussian } from './_quant-fixtures.js';

function naiveSum(X: Float32Array, n: number, T: number): Float64Array {
  const S = new Float64Array(n * n);
  for (let t = 0; t < T; t++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i * n + j] += X[t * n + i] * X[t * n + j];
  return S;
}

describe('HessianAccumulator', () => {
  it('equals Σ x xᵀ and 2S/N, for sizes across the tile boundaries and partial batches', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 150 }), fc.integer(), (n, T, seed) => {
        const rng = new Rng(seed);
        const X = new Float32Array(n * T);
        for (let i = 0; i < X.length; i++) X[i] = gaussian(rng);
        const acc = new HessianAccumulator(n);
        acc.addBatch(X.subarray(0, n * (T >> 1)));
        for (let t = T >> 1; t < T; t++) acc.add(X.subarray(t * n, (t + 1) * n));
        expect(acc.count).toBe(T);
        const S = acc.sumMatrix();
        const ref = naiveSum(X, n, T);
        for (let i = 0; i < n * n; i++) expect(S[i]).toBeCloseTo(ref[i], 9);
        const H = acc.hessian();
        const d = acc.diagonal();
        for (let j = 0; j < n; j++) {
          expect(H[j * n + j]).toBeCloseTo((2 * ref[j * n + j]) / T, 9);
          expect(d[j]).toBeCloseTo(H[j * n + j], 12);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('a tiled batch accumulates in f64 (no f32 drift over many tokens)', () => {
    const acc = new HessianAccumulator(3);
    const x = new Float32Array([1 + 2 ** -20, 3, 0]);
    for (let t = 0; t < 100_000; t++) acc.add(x);
    const S = acc.sumMatrix();
    // An f32 running sum would be off by ~1e-3 relative here; f64 stays within 1e-11.
    const x0 = Math.fround(1 + 2 ** -20);
    expect(Math.abs(S[0] / (100_000 * x0 * x0) - 1)).toBeLessThan(1e-11);
    expect(Math.abs(S[1] / (100_000 * 3 * x0) - 1)).toBeLessThan(1e-11);
    expect(S[8]).toBe(0);
  });

  it('diagonal accumulator matches the full one; imatrix = diag(H)/2', () => {
    const rng = new Rng(5);
    const full = new HessianAccumulator(9);
    const diag = new DiagonalAccumulator(9);
    const x = new Float32Array(9);
    for (let t = 0; t < 77; t++) {
      for (let j = 0; j < 9; j++) x[j] = gaussian(rng);
      full.add(x);
      diag.add(x);
    }
    const a = full.diagonal();
    const b = diag.diagonal();
    const im = diag.imatrix();
    for (let j = 0; j < 9; j++) {
      expect(b[j]).toBeCloseTo(a[j], 12);
      expect(im[j]).toBeCloseTo(a[j] / 2, 12);
    }
  });

  it('rejects wrong lengths and non-finite inputs with typed errors', () => {
    const acc = new HessianAccumulator(4, 'layer0.wq');
    expect(() => acc.add([1, 2, 3])).toThrow(/layer0.wq: input has 3 values, expected 4/);
    expect(() => acc.add([1, 2, NaN, 3])).toThrow(QuantInputError);
    expect(() => new HessianAccumulator(0)).toThrow(QuantInputError);
  });
});

describe('HessianCollector', () => {
  it('keeps one accumulator per layer and name, and shares inputs declared as shared', () => {
    const c = new HessianCollector({ wk: 'wq', wv: 'wq' });
    const x = new Float32Array([1, 2]);
    const y = new Float32Array([3, 4, 5]);
    for (let t = 0; t < 3; t++)
      for (const layer of [0, 1]) {
        x[0] = t;
        for (const name of ['wq', 'wk', 'wv']) c.hook(layer, name, x);
        c.hook(layer, 'w2', y);
      }
    expect([...c.accumulators.keys()]).toEqual(['0.wq', '0.w2', '1.wq', '1.w2']);
    expect(c.get(1, 'wv')).toBe(c.get(1, 'wq'));
    expect(c.get(0, 'wk')!.count).toBe(3);
    expect(c.get(0, 'w2')!.n).toBe(3);
    expect(c.get(0, 'wq')!.sumMatrix()[0]).toBe(0 + 1 + 4);
    expect(c.get(2, 'wq')).toBeUndefined();
  });
});

describe('dampHessian', () => {
  it('adds percdamp·mean(diag) after setting dead diagonals to 1, and reports dead columns', () => {
    const n = 3;
    const H = new Float64Array([4, 1, 0, 1, 2, 0, 0, 0, 0]);
    const { H: D, dead, damp } = dampHessian(H, n, 0.1);
    expect(Array.from(dead)).toEqual([0, 0, 1]);
    expect(damp).toBeCloseTo((0.1 * (4 + 2 + 1)) / 3, 15);
    expect(D[0]).toBeCloseTo(4 + damp, 15);
    expect(D[4]).toBeCloseTo(2 + damp, 15);
    expect(D[8]).toBeCloseTo(1 + damp, 15);
    expect(D[1]).toBe(1);
    expect(H[8]).toBe(0); // input untouched
  });
  it('rejects a negative or NaN diagonal', () => {
    expect(() => dampHessian(new Float64Array([-1]), 1)).toThrow(/diagonal entry 0 is -1/);
    expect(() => dampHessian(new Float64Array([1]), 1, -0.5)).toThrow(QuantInputError);
  });
});

describe('inverseUpperCholesky', () => {
  it('U is upper triangular with UᵀU = H⁻¹ (so H·UᵀU = I)', () => {
    for (const n of [1, 2, 7, 40]) {
      const { H } = correlatedHessian(new Rng(n), n, 4 * n + 10);
      const { H: D } = dampHessian(H, n, 0.01);
      const U = inverseUpperCholesky(D, n);
      for (let i = 0; i < n; i++) {
        expect(U[i * n + i]).toBeGreaterThan(0);
        for (let j = 0; j < i; j++) expect(U[i * n + j]).toBe(0);
      }
      // M = UᵀU, then D·M should be I.
      const M = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k <= Math.min(i, j); k++) s += U[k * n + i] * U[k * n + j];
          M[i * n + j] = s;
        }
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += D[i * n + k] * M[k * n + j];
          expect(s).toBeCloseTo(i === j ? 1 : 0, 8);
        }
    }
  });
  it('a diagonal H gives U = diag(1/√h)', () => {
    const U = inverseUpperCholesky(new Float64Array([4, 0, 0, 0, 9, 0, 0, 0, 0.25]), 3);
    expect([U[0], U[4], U[8]]).toEqual([0.5, 1 / 3, 2]);
  });
  it('an indefinite matrix gives NotPositiveDefiniteError naming the pivot', () => {
    const H = new Float64Array([1, 2, 2, 1]); // eigenvalues 3, −1
    let err: unknown;
    try {
      inverseUpperCholesky(H, 2, 'layer3.w2');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotPositiveDefiniteError);
    expect((err as Error).message).toMatch(/^layer3.w2: Hessian is not positive definite \(pivot 0 = -3\)/);
  });
});
