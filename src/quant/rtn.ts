/**
 * Round-to-nearest: every group gets its min/max grid (groups.ts) at its own width and every
 * weight its nearest code. No error feedback; the baseline GPTQ must beat, and the quantizer the
 * bit allocator uses to measure each group's error at each width.
 */
import { F16_TABLE } from './f16.js';
import { QuantInputError } from './errors.js';
import {
  DEFAULT_GROUP_SIZE,
  checkShape,
  chooseGrid,
  groupLength,
  groupsPerRow,
  quantizeValue,
  resolveWidths,
  type QuantizedMatrix,
} from './groups.js';

export interface RtnOptions {
  groupSize?: number;
  /** One width for every group, or one per group (rows·⌈cols/groupSize⌉). Default 4. */
  bits?: number | Uint8Array;
  /** Search a clipped grid per group at ≤ 4 bits (least squared error). Default false. */
  clip?: boolean;
}

export function rtnQuantize(W: Float32Array, rows: number, cols: number, options: RtnOptions = {}): QuantizedMatrix {
  const groupSize = options.groupSize ?? DEFAULT_GROUP_SIZE;
  checkShape('rtnQuantize', W, rows, cols, groupSize);
  const G = groupsPerRow(cols, groupSize);
  const widths = resolveWidths('rtnQuantize', options.bits ?? 4, rows * G);
  const codes = new Uint8Array(rows * cols);
  const scales = new Uint16Array(rows * G);
  const mins = new Uint16Array(rows * G);
  const grid = new Uint16Array(2);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < G; k++) {
      const g = r * G + k;
      const start = r * cols + k * groupSize;
      const len = groupLength(cols, groupSize, k);
      const width = widths[g];
      chooseGrid(W, start, len, width, grid, 'rtnQuantize', options.clip ?? false);
      scales[g] = grid[0];
      mins[g] = grid[1];
      const s = F16_TABLE[grid[0]];
      const mn = F16_TABLE[grid[1]];
      const maxq = (1 << width) - 1;
      for (let i = start; i < start + len; i++) codes[i] = quantizeValue(W[i], s, mn, maxq);
    }
  }
  return { rows, cols, groupSize, widths: Uint8Array.from(widths), codes, scales, mins };
}

/**
 * Layer-wise loss tr((W − Ŵ) H (W − Ŵ)ᵀ) = Σ_rows eᵀ H e (spec §1; H as given, any scaling).
 */
export function layerLoss(W: Float32Array, What: Float32Array, rows: number, cols: number, H: Float64Array): number {
  if (What.length !== W.length || H.length !== cols * cols) throw new QuantInputError('layerLoss', 'shapes of W, Ŵ and H do not match');
  const e = new Float64Array(cols);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) e[j] = W[r * cols + j] - What[r * cols + j];
    for (let i = 0; i < cols; i++) {
      const ei = e[i];
      if (ei === 0) continue;
      let acc = 0;
      const base = i * cols;
      for (let j = 0; j < cols; j++) acc += H[base + j] * e[j];
      total += ei * acc;
    }
  }
  return total;
}
