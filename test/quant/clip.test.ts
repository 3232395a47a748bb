/** Searched grids never round worse than the covering grid; at 2–4 bits (where clipping runs) often better. */
import { describe, expect, it } from 'vitest';
import { dequantizeMatrix, rtnQuantize } from '../../src/quant/index.js';
import { Rng } from '../../src/random.js';

function sse(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

describe('clipping search', () => {
  it('never increases any group’s squared error, and lowers the total with outliers', () => {
    const rng = new Rng(5);
    const rows = 16;
    const cols = 96;
    const W = Float32Array.from({ length: rows * cols }, () => (rng.next() - 0.5) * 0.1);
    for (let i = 0; i < W.length; i += 37) W[i] *= 12; // outliers stretch min/max grids
    for (const bits of [2, 3, 4, 6]) {
      const plain = dequantizeMatrix(rtnQuantize(W, rows, cols, { bits, groupSize: 32 }));
      const clipped = dequantizeMatrix(rtnQuantize(W, rows, cols, { bits, groupSize: 32, clip: true }));
      for (let g = 0; g < (rows * cols) / 32; g++) {
        const a = W.subarray(g * 32, g * 32 + 32);
        expect(sse(a, clipped.subarray(g * 32, g * 32 + 32))).toBeLessThanOrEqual(sse(a, plain.subarray(g * 32, g * 32 + 32)) + 1e-18);
      }
      if (bits <= 4) expect(sse(W, clipped)).toBeLessThan(0.95 * sse(W, plain));
    }
  });
});
