/**
 * GPTQ / OPTQ (Frantar et al., ICLR 2023; spec quant.md §2) with per-group widths.
 *
 * For every column j in order, each row's weight is rounded on its group's grid, and the rounding
 * error, divided by d_j = U[j][j] (U = upper Cholesky factor of the dampened H⁻¹), is spread over
 * the not-yet-quantized columns along row j of U. Columns are processed in blocks of 128: inside a
 * block the update is applied at once to the block only, and the rest of the matrix receives the
 * whole block's errors in one GEMM (the "lazy batch" update), so U is streamed once per block.
 *
 * Implementation choices:
 * - Rows are independent given U, so the block loop runs row by row; the arithmetic is the same
 *   as GPTQ's column-by-column order, the memory access is contiguous.
 * - A group's grid is computed when its first column is reached, from the weights as updated by
 *   all previous columns, those earlier in the same block included. The block size is rounded to
 *   a multiple of the group size so that a group never straddles two blocks (whose later columns
 *   would not have received the current block's lazy update yet).
 * No act-order: metadata stays in natural column order (§12.6).
 *
 * Cholesky failure: dampening percdamp·mean(diag H) is multiplied by 10 and the factorisation
 * retried (default 3 retries: 1 %, 10 %, 100 %, 1000 %); if it still fails, NotPositiveDefiniteError.
 * (§11.4's recipe.) The percentage actually used is returned.
 */
import { NotPositiveDefiniteError, QuantInputError } from './errors.js';
import {
  checkShape,
  chooseGrid,
  DEFAULT_GROUP_SIZE,
  groupsPerRow,
  minWidthOf,
  quantizeValue,
  resolveWidths,
  scaleExponentFor,
  scaleLadder,
  type QuantizedMatrix,
} from './groups.js';
import { dampHessian } from './hessian.js';
import { inverseUpperCholesky } from './cholesky.js';

/** Dampening as a fraction of mean(diag H), and the retries at 10× each, unless options say otherwise. */
export const DEFAULT_PERCDAMP = 0.01;
export const DEFAULT_DAMP_RETRIES = 3;

export interface GptqOptions {
  groupSize?: number;
  /** One width for every group, or one per group (rows·⌈cols/groupSize⌉). Default 4. */
  bits?: number | Uint8Array;
  /** Dampening as a fraction of mean(diag H). Default 0.01. */
  percdamp?: number;
  /** Columns per lazy-update block (rounded to a multiple of groupSize). Default 128. */
  blockSize?: number;
  /** Retries with 10× the dampening when Cholesky fails. Default 3. */
  dampRetries?: number;
  /** Name of the matrix, for error messages. */
  where?: string;
  /** Search the grid with the least diag(H)-weighted squared error per group (groups.ts). Default false. */
  clip?: boolean;
  /** The scale ladder's top; default from W and its narrowest width (scaleExponentFor). */
  scaleExp?: number;
}

export interface GptqResult extends QuantizedMatrix {
  /** OBS loss per group: Σ (w − ŵ)² / (2 d_j²) over its weights, after error feedback. */
  groupLoss: Float64Array;
  /** The dampening fraction that let Cholesky succeed. */
  percdamp: number;
}

const LAZY_TILE = 256;

export function gptqQuantize(W: Float32Array, rows: number, cols: number, H: Float64Array, options: GptqOptions = {}): GptqResult {
  const { where, groupSize, widths, blockSize: B } = checkGptqInput(W, rows, cols, H, options, 'gptqQuantize');
  const G = groupsPerRow(cols, groupSize);
  const retries = options.dampRetries ?? DEFAULT_DAMP_RETRIES;
  const percdamp0 = options.percdamp ?? DEFAULT_PERCDAMP;

  const { U, dead, percdamp } = dampedInverseFactor(H, cols, percdamp0, retries, where);

  const Wk = new Float64Array(W);
  for (let j = 0; j < cols; j++) if (dead[j]) for (let r = 0; r < rows; r++) Wk[r * cols + j] = 0;

  const scaleExp = options.scaleExp ?? scaleExponentFor(W, minWidthOf(widths), where);
  const grid: GridState = {
    scaleExp,
    scaleCodes: new Uint8Array(rows * G),
    zeros: new Uint8Array(rows * G),
    hdiag: new Float64Array(cols),
    pick: new Uint8Array(2),
    clip: options.clip ?? false,
  };
  for (let j = 0; j < cols; j++) grid.hdiag[j] = H[j * cols + j];
  const codes = new Uint8Array(rows * cols);
  const groupLoss = new Float64Array(rows * G);
  const Err = new Float64Array(rows * B);
  for (let i1 = 0; i1 < cols; i1 += B) {
    const i2 = Math.min(cols, i1 + B);
    gptqBlock(Wk, rows, cols, U, i1, i2, groupSize, widths, codes, grid, groupLoss, Err, B, where);
    if (i2 < cols) gptqLazyUpdate(Wk, rows, cols, U, i1, i2, Err, B);
  }
  return { rows, cols, groupSize, widths, codes, scaleExp, scaleCodes: grid.scaleCodes, zeros: grid.zeros, groupLoss, percdamp };
}

/** Shape, group size, a cols × cols Hessian and finite weights: what every GPTQ-style quantizer needs. */
export function checkWeightsAndHessian(where: string, W: Float32Array, rows: number, cols: number, H: Float64Array, groupSize = 1): void {
  checkShape(where, W, rows, cols, groupSize);
  if (H.length !== cols * cols) throw new QuantInputError(where, `Hessian has ${H.length} entries, expected cols² = ${cols * cols}`);
  for (let i = 0; i < W.length; i++) if (!Number.isFinite(W[i])) throw new QuantInputError(where, `weight (${Math.floor(i / cols)}, ${i % cols}) is ${W[i]}`);
}

/**
 * gptqQuantize's input checks, in its order (the GPU path runs them too, so bad input fails with
 * the same typed errors), and the settings they resolve: the widths per group and the block size
 * rounded to a multiple of the group size.
 */
export function checkGptqInput(
  W: Float32Array,
  rows: number,
  cols: number,
  H: Float64Array,
  options: GptqOptions,
  defaultWhere: string,
): { where: string; groupSize: number; widths: Uint8Array; blockSize: number } {
  const where = options.where ?? defaultWhere;
  const groupSize = options.groupSize ?? DEFAULT_GROUP_SIZE;
  checkWeightsAndHessian(where, W, rows, cols, H, groupSize);
  const widths = Uint8Array.from(resolveWidths(where, options.bits ?? 4, rows * groupsPerRow(cols, groupSize)));
  const blockOpt = options.blockSize ?? 128;
  if (!Number.isInteger(blockOpt) || blockOpt < 1) throw new QuantInputError(where, `blockSize ${blockOpt} must be a positive integer`);
  return { where, groupSize, widths, blockSize: Math.max(groupSize, Math.floor(blockOpt / groupSize) * groupSize) };
}

/**
 * U, the upper Cholesky factor of the dampened H⁻¹, with the retry recipe of the module header;
 * `dead` marks columns whose H_jj was 0 (their weights carry no signal and are zeroed).
 */
export interface InverseFactor {
  /** Upper Cholesky factor of the dampened H⁻¹. */
  U: Float64Array;
  /** Columns whose H_jj was 0. */
  dead: Uint8Array;
  /** The dampening that succeeded. */
  percdamp: number;
}

export function dampedInverseFactor(H: Float64Array, cols: number, percdamp0: number, retries: number, where: string): InverseFactor {
  for (let attempt = 0; ; attempt++) {
    const percdamp = attempt === 0 ? percdamp0 : Math.max(percdamp0, 0.01) * 10 ** attempt;
    const damped = dampHessian(H, cols, percdamp, where);
    try {
      return { U: inverseUpperCholesky(damped.H, cols, where), dead: damped.dead, percdamp };
    } catch (err) {
      if (!(err instanceof NotPositiveDefiniteError) || attempt >= retries) {
        if (err instanceof NotPositiveDefiniteError) throw new NotPositiveDefiniteError(where, err.column, err.pivot, damped.damp);
        throw err;
      }
    }
  }
}

/** The grids being chosen as GPTQ reaches each group, and what choosing them needs. */
export interface GridState {
  scaleExp: number;
  scaleCodes: Uint8Array;
  zeros: Uint8Array;
  /** diag H: the clipping search's weights. */
  hdiag: Float64Array;
  /** Scratch for chooseGrid. */
  pick: Uint8Array;
  clip: boolean;
}

/**
 * Quantizes columns [i1, i2) of every row with error feedback inside the block; stores the scaled
 * errors (w − ŵ)/d_j in Err (rows × B). i1 is a multiple of groupSize.
 */
export function gptqBlock(
  Wk: Float64Array,
  rows: number,
  cols: number,
  U: Float64Array,
  i1: number,
  i2: number,
  groupSize: number,
  widths: Uint8Array,
  codes: Uint8Array,
  grid: GridState,
  groupLoss: Float64Array,
  Err: Float64Array,
  B: number,
  where: string,
): void {
  const G = groupsPerRow(cols, groupSize);
  const ladder = scaleLadder(grid.scaleExp);
  const pick = grid.pick;
  for (let r = 0; r < rows; r++) {
    const rb = r * cols;
    const eb = r * B - i1;
    let s = 0;
    let z = 0;
    let maxq = 0;
    let g = 0;
    for (let j = i1; j < i2; j++) {
      if (j % groupSize === 0) {
        g = r * G + j / groupSize;
        const len = Math.min(groupSize, cols - j);
        chooseGrid(Wk, rb + j, len, widths[g], grid.scaleExp, pick, where, grid.clip, grid.hdiag, j);
        grid.scaleCodes[g] = pick[0];
        grid.zeros[g] = pick[1];
        s = ladder[pick[0]];
        z = pick[1];
        maxq = (1 << widths[g]) - 1;
      }
      const w = Wk[rb + j];
      const q = quantizeValue(w, s, z, maxq);
      codes[rb + j] = q;
      const diff = w - Math.fround(s * (q - z));
      const ub = j * cols;
      const d = U[ub + j];
      const e = diff / d;
      groupLoss[g] += (e * e) / 2;
      Err[eb + j] = e;
      if (e === 0) continue;
      for (let k = j + 1; k < i2; k++) Wk[rb + k] -= e * U[ub + k];
    }
  }
}

/**
 * The lazy batch update W[:, i2:] −= Err · U[i1:i2, i2:], tiled over columns so the U tile stays
 * in cache, register-blocked 2 rows × 4 block columns (each U load serves two rows, each W load
 * and store four multiply-adds).
 */
export function gptqLazyUpdate(Wk: Float64Array, rows: number, cols: number, U: Float64Array, i1: number, i2: number, Err: Float64Array, B: number): void {
  const width = i2 - i1;
  for (let c0 = i2; c0 < cols; c0 += LAZY_TILE) {
    const c1 = Math.min(cols, c0 + LAZY_TILE);
    let r = 0;
    for (; r + 1 < rows; r += 2) {
      const ra = r * cols;
      const rb = ra + cols;
      const ea = r * B;
      const eb = ea + B;
      let t = 0;
      for (; t + 3 < width; t += 4) {
        const a0 = Err[ea + t];
        const a1 = Err[ea + t + 1];
        const a2 = Err[ea + t + 2];
        const a3 = Err[ea + t + 3];
        const b0 = Err[eb + t];
        const b1 = Err[eb + t + 1];
        const b2 = Err[eb + t + 2];
        const b3 = Err[eb + t + 3];
        const u0 = (i1 + t) * cols;
        const u1 = u0 + cols;
        const u2 = u1 + cols;
        const u3 = u2 + cols;
        for (let c = c0; c < c1; c++) {
          const v0 = U[u0 + c];
          const v1 = U[u1 + c];
          const v2 = U[u2 + c];
          const v3 = U[u3 + c];
          Wk[ra + c] -= a0 * v0 + a1 * v1 + a2 * v2 + a3 * v3;
          Wk[rb + c] -= b0 * v0 + b1 * v1 + b2 * v2 + b3 * v3;
        }
      }
      for (; t < width; t++) {
        const a = Err[ea + t];
        const b = Err[eb + t];
        const ub = (i1 + t) * cols;
        for (let c = c0; c < c1; c++) {
          const v = U[ub + c];
          Wk[ra + c] -= a * v;
          Wk[rb + c] -= b * v;
        }
      }
    }
    for (; r < rows; r++) {
      const rb = r * cols;
      const eb = r * B;
      for (let t = 0; t < width; t++) {
        const e = Err[eb + t];
        const ub = (i1 + t) * cols;
        for (let c = c0; c < c1; c++) Wk[rb + c] -= e * U[ub + c];
      }
    }
  }
}
