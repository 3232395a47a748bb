import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random.js';
import { gptqQuantize } from '../../src/quant/gptq.js';
import { layerLoss, rtnQuantize } from '../../src/quant/rtn.js';
import { dampHessian } from '../../src/quant/hessian.js';
import {
  chooseGrid,
  dequantizeMatrix,
  dequantizeValue,
  groupsPerRow,
  minWidthOf,
  quantizeValue,
  scaleExponentFor,
  scaleLadder,
} from '../../src/quant/groups.js';
import { NotPositiveDefiniteError, QuantInputError } from '../../src/quant/errors.js';
import { correlatedHessian, gaussian, randomMatrix } from './_quant-fixtures.js';

/** Naive OBS reference (spec §2.2): explicit H⁻¹ with downdates, one column at a time, no batching. */
function obsReference(W: Float32Array, rows: number, cols: number, Hd: Float64Array, g: number, bits: Uint8Array): Uint8Array {
  const n = cols;
  // Invert Hd by Gauss-Jordan.
  const A = Float64Array.from(Hd);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let c = 0; c < n; c++) {
    const p = A[c * n + c];
    for (let j = 0; j < n; j++) {
      A[c * n + j] /= p;
      inv[c * n + j] /= p;
    }
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = A[r * n + c];
      for (let j = 0; j < n; j++) {
        A[r * n + j] -= f * A[c * n + j];
        inv[r * n + j] -= f * inv[c * n + j];
      }
    }
  }
  const codes = new Uint8Array(rows * cols);
  const G = groupsPerRow(cols, g);
  const grid = new Uint8Array(2);
  const E = scaleExponentFor(W, minWidthOf(bits));
  const ladder = scaleLadder(E);
  for (let r = 0; r < rows; r++) {
    const w = Float64Array.from(W.subarray(r * cols, (r + 1) * cols));
    const Hi = Float64Array.from(inv);
    let s = 0;
    let z = 0;
    let maxq = 0;
    for (let j = 0; j < n; j++) {
      if (j % g === 0) {
        const gi = r * G + j / g;
        chooseGrid(w, j, Math.min(g, n - j), bits[gi], E, grid, 'ref');
        s = ladder[grid[0]];
        z = grid[1];
        maxq = (1 << bits[gi]) - 1;
      }
      const q = quantizeValue(w[j], s, z, maxq);
      codes[r * cols + j] = q;
      const e = (w[j] - dequantizeValue(q, s, z)) / Hi[j * n + j];
      for (let k = j + 1; k < n; k++) w[k] -= e * Hi[k * n + j];
      // Downdate: remove j from the inverse of the remaining set.
      const hjj = Hi[j * n + j];
      for (let a = j + 1; a < n; a++) for (let b = j + 1; b < n; b++) Hi[a * n + b] -= (Hi[a * n + j] * Hi[j * n + b]) / hjj;
    }
  }
  return codes;
}

describe('GPTQ', () => {
  it('matches a naive OBS reference code for code (multiple blocks, ragged tail, mixed widths)', () => {
    const rng = new Rng(11);
    const rows = 7; // odd: covers the single-row tail of the 2-row lazy update
    const cols = 45;
    const { H } = correlatedHessian(rng, cols, 200);
    const W = randomMatrix(rng, rows, cols, 0.1);
    const G = groupsPerRow(cols, 8);
    const bits = new Uint8Array(rows * G);
    for (let i = 0; i < bits.length; i++) bits[i] = 2 + (i % 5);
    const res = gptqQuantize(W, rows, cols, H, { groupSize: 8, bits, blockSize: 16 });
    const ref = obsReference(W, rows, cols, dampHessian(H, cols, 0.01).H, 8, bits);
    let same = 0;
    for (let i = 0; i < ref.length; i++) if (ref[i] === res.codes[i]) same++;
    expect(same).toBe(ref.length);
  });

  it('the per-group OBS losses add up to ½·tr((W−Ŵ) H_damped (W−Ŵ)ᵀ)', () => {
    const rng = new Rng(12);
    const { H } = correlatedHessian(rng, 64, 300);
    const W = randomMatrix(rng, 20, 64);
    const res = gptqQuantize(W, 20, 64, H, { bits: 3 });
    const total = res.groupLoss.reduce((a, b) => a + b, 0);
    const direct = layerLoss(W, dequantizeMatrix(res), 20, 64, dampHessian(H, 64, 0.01).H) / 2;
    expect(total).toBeCloseTo(direct, 8);
    expect(Math.abs(total / direct - 1)).toBeLessThan(1e-9);
  });

  for (const bits of [2, 3, 4]) {
    it(`beats RTN on the layer loss with a correlated H at ${bits} bits (and is deterministic)`, () => {
      const rng = new Rng(100 + bits);
      const rows = 48;
      const cols = 96;
      const { H } = correlatedHessian(rng, cols, 400);
      const W = randomMatrix(rng, rows, cols);
      const g = gptqQuantize(W, rows, cols, H, { bits });
      const r = rtnQuantize(W, rows, cols, { bits });
      const lg = layerLoss(W, dequantizeMatrix(g), rows, cols, H);
      const lr = layerLoss(W, dequantizeMatrix(r), rows, cols, H);
      expect(lg).toBeLessThan(0.8 * lr);
      const again = gptqQuantize(W, rows, cols, H, { bits });
      expect(Buffer.from(again.codes).equals(Buffer.from(g.codes))).toBe(true);
      expect(Buffer.from(again.scaleCodes).equals(Buffer.from(g.scaleCodes))).toBe(true);
      expect(Buffer.from(again.zeros).equals(Buffer.from(g.zeros))).toBe(true);
      expect(again.scaleExp).toBe(g.scaleExp);
    });
  }

  it('beats RTN on a matrix with outlier weights and outlier input channels', () => {
    const rng = new Rng(7);
    const rows = 32;
    const cols = 64;
    const { H } = correlatedHessian(rng, cols, 300);
    const W = randomMatrix(rng, rows, cols);
    for (let k = 0; k < 12; k++) W[rng.below(W.length)] = 1.5 * (rng.next() < 0.5 ? -1 : 1); // 30σ outliers
    for (let j = 0; j < cols; j++) ((H[3 * cols + j] *= 10), (H[j * cols + 3] *= 10)); // one hot input channel
    const lg = layerLoss(W, dequantizeMatrix(gptqQuantize(W, rows, cols, H, { bits: 4 })), rows, cols, H);
    const lr = layerLoss(W, dequantizeMatrix(rtnQuantize(W, rows, cols, { bits: 4 })), rows, cols, H);
    expect(lg).toBeLessThan(lr);
  });

  it('reconstructs at 8 bits within a fraction of a step, honours per-group widths and ragged groups', () => {
    const rng = new Rng(3);
    const rows = 9;
    const cols = 172;
    const { H } = correlatedHessian(rng, cols, 400);
    const W = randomMatrix(rng, rows, cols);
    const q = gptqQuantize(W, rows, cols, H, { bits: 8 });
    const What = dequantizeMatrix(q);
    let maxErr = 0;
    let maxAbs = 0;
    for (let i = 0; i < W.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(What[i] - W[i]));
      maxAbs = Math.max(maxAbs, Math.abs(W[i]));
    }
    expect(maxErr).toBeLessThan(maxAbs / 50);
    const G = groupsPerRow(cols, 32);
    const widths = new Uint8Array(rows * G);
    for (let i = 0; i < widths.length; i++) widths[i] = 2 + ((i * 5) % 7);
    const m = gptqQuantize(W, rows, cols, H, { bits: widths });
    expect(Array.from(m.widths)).toEqual(Array.from(widths));
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) expect(m.codes[r * cols + c]).toBeLessThan(1 << widths[r * G + (c >> 5)]);
  });

  it('zeroes dead input columns (diag(H) = 0)', () => {
    const rng = new Rng(4);
    const { H } = correlatedHessian(rng, 16, 100);
    for (let j = 0; j < 16; j++) H[5 * 16 + j] = H[j * 16 + 5] = 0;
    const W = randomMatrix(rng, 4, 16, 1);
    const What = dequantizeMatrix(gptqQuantize(W, 4, 16, H, { bits: 6, groupSize: 16 }));
    for (let r = 0; r < 4; r++) expect(Math.abs(What[r * 16 + 5])).toBeLessThan(0.05);
  });

  it('an indefinite H is retried with 10× dampening; with no retries it is a typed error', () => {
    const n = 8;
    const H = new Float64Array(n * n);
    const rng = new Rng(9);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) H[i * n + j] = H[j * n + i] = i === j ? 1 : 0.9 * gaussian(rng);
    const W = randomMatrix(rng, 3, n);
    const res = gptqQuantize(W, 3, n, H, { groupSize: 8 });
    expect(res.percdamp).toBeGreaterThan(0.01);
    expect(() => gptqQuantize(W, 3, n, H, { groupSize: 8, dampRetries: 0, where: 'layer1.wk' })).toThrow(NotPositiveDefiniteError);
    expect(() => gptqQuantize(W, 3, n, H, { groupSize: 8, dampRetries: 0, where: 'layer1.wk' })).toThrow(/^layer1.wk: Hessian is not positive definite/);
  });

  it('rejects bad shapes, widths and non-finite weights', () => {
    const H = new Float64Array(16).fill(0);
    for (let j = 0; j < 4; j++) H[j * 5] = 1;
    expect(() => gptqQuantize(new Float32Array(8), 2, 4, new Float64Array(9))).toThrow(/Hessian has 9 entries, expected cols² = 16/);
    expect(() => gptqQuantize(new Float32Array(8), 2, 4, H, { bits: 9 })).toThrow(QuantInputError);
    expect(() => gptqQuantize(new Float32Array([0, 0, 0, Infinity, 0, 0, 0, 0]), 2, 4, H)).toThrow(/weight \(0, 3\) is Infinity/);
  });
});
