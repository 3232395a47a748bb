/**
 * The grid each weight of a quantized matrix is pinned to, spelled out per weight so that a
 * trainer can move a float "latent" weight freely and read back the value the container would
 * store: ŵ = fround(scale · (clamp(round(w / scale) + zero, lo, hi) − zero)) — exactly
 * quantizeValue/dequantizeValue of groups.ts for fixed-width groups (lo = 0, hi = 2^b − 1) and
 * dequantizeEcsq for archive mode (zero = 0, the code bounded by MAX_ECSQ_CODE). The grids
 * themselves (scales, zero points, widths, steps) never change, so neither do the side bits.
 */
import { groupLength, groupsPerRow, scaleLadder, type QuantizedMatrix } from '../groups.js';
import type { EcsqMatrix } from '../ecsq.js';
import { MAX_ECSQ_CODE } from '../entropy/ecsq-stream.js';

export interface WeightGrid {
  readonly size: number;
  readonly scale: Float32Array;
  readonly zero: Float32Array;
  readonly lo: Float32Array;
  readonly hi: Float32Array;
}

export function groupGrid(m: QuantizedMatrix): WeightGrid {
  const n = m.rows * m.cols;
  const scale = new Float32Array(n);
  const zero = new Float32Array(n);
  const lo = new Float32Array(n);
  const hi = new Float32Array(n);
  const ladder = scaleLadder(m.scaleExp);
  const G = groupsPerRow(m.cols, m.groupSize);
  for (let r = 0; r < m.rows; r++) {
    for (let k = 0; k < G; k++) {
      const g = r * G + k;
      const c0 = r * m.cols + k * m.groupSize;
      const c1 = c0 + groupLength(m.cols, m.groupSize, k);
      scale.fill(ladder[m.scaleCodes[g]], c0, c1);
      zero.fill(m.zeros[g], c0, c1);
      hi.fill((1 << m.widths[g]) - 1, c0, c1);
    }
  }
  return { size: n, scale, zero, lo, hi };
}

export function ecsqGrid(m: EcsqMatrix): WeightGrid {
  const n = m.rows * m.cols;
  const scale = new Float32Array(n);
  const ladder = scaleLadder(m.scaleExp);
  for (let r = 0; r < m.rows; r++) for (let j = 0; j < m.cols; j++) scale[r * m.cols + j] = ladder[m.stepCodes[j]];
  return { size: n, scale, zero: new Float32Array(n), lo: new Float32Array(n).fill(-MAX_ECSQ_CODE), hi: new Float32Array(n).fill(MAX_ECSQ_CODE) };
}

/** The code of each latent weight on its grid. */
export function gridCodes(grid: WeightGrid, latent: Float32Array, out = new Int32Array(grid.size)): Int32Array {
  const { scale, zero, lo, hi } = grid;
  for (let i = 0; i < grid.size; i++) {
    let q = Math.round(latent[i] / scale[i]) + zero[i];
    if (q < lo[i]) q = lo[i];
    else if (q > hi[i]) q = hi[i];
    out[i] = q;
  }
  return out;
}

/** The stored value of each latent weight (what dequantizing the container gives). */
export function projectToGrid(grid: WeightGrid, latent: Float32Array, out: Float32Array): void {
  const { scale, zero, lo, hi } = grid;
  for (let i = 0; i < grid.size; i++) {
    let q = Math.round(latent[i] / scale[i]) + zero[i];
    if (q < lo[i]) q = lo[i];
    else if (q > hi[i]) q = hi[i];
    out[i] = Math.fround(scale[i] * (q - zero[i]));
  }
}
