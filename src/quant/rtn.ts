/**
 * Round-to-nearest: every group gets its min/max grid (groups.ts) at its own width and every
 * weight its nearest code. No error feedback; the baseline GPTQ must beat, and the quantizer the
 * bit allocator uses to measure each group's error at each width.
 */
import { QuantInputError } from './errors.js';
import {
  DEFAULT_GROUP_SIZE,
  checkShape,
  chooseGrid,
  groupLength,
  groupsPerRow,
  minWidthOf,
  quantizeValue,
  resolveWidths,
  scaleExponentFor,
  scaleLadder,
  type QuantizedMatrix,
} from './groups.js';

export interface RtnOptions {
  groupSize?: number;
  /** One width for every group, or one per group (rows·⌈cols/groupSize⌉). Default 4. */
  bits?: number | Uint8Array;
  /** Search the grid with the least squared error per group (groups.ts). Default false. */
  clip?: boolean;
  /** Weights of the clipping search's squared error per input column (diag H). Default none. */
  hdiag?: ArrayLike<number>;
  /** The scale ladder's top; default from the matrix and its narrowest width (scaleExponentFor). */
  scaleExp?: number;
}

export function rtnQuantize(W: Float32Array, rows: number, cols: number, options: RtnOptions = {}): QuantizedMatrix {
  const groupSize = options.groupSize ?? DEFAULT_GROUP_SIZE;
  checkShape('rtnQuantize', W, rows, cols, groupSize);
  const G = groupsPerRow(cols, groupSize);
  const widths = resolveWidths('rtnQuantize', options.bits ?? 4, rows * G);
  const scaleExp = options.scaleExp ?? scaleExponentFor(W, minWidthOf(widths), 'rtnQuantize');
  const ladder = scaleLadder(scaleExp);
  const codes = new Uint8Array(rows * cols);
  const scaleCodes = new Uint8Array(rows * G);
  const zeros = new Uint8Array(rows * G);
  const grid = new Uint8Array(2);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < G; k++) {
      const g = r * G + k;
      const start = r * cols + k * groupSize;
      const len = groupLength(cols, groupSize, k);
      const width = widths[g];
      chooseGrid(W, start, len, width, scaleExp, grid, 'rtnQuantize', options.clip ?? false, options.hdiag, k * groupSize);
      scaleCodes[g] = grid[0];
      zeros[g] = grid[1];
      const s = ladder[grid[0]];
      const maxq = (1 << width) - 1;
      for (let i = start; i < start + len; i++) codes[i] = quantizeValue(W[i], s, grid[1], maxq);
    }
  }
  return { rows, cols, groupSize, widths: Uint8Array.from(widths), codes, scaleExp, scaleCodes, zeros };
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
