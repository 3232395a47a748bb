/**
 * Groups and their grids (spec quant.md §2.1 step 2, §12.5).
 *
 * A group is `groupSize` consecutive weights of one row along the input dimension (the axis GPTQ
 * walks), the last group of a row ragged when groupSize does not divide cols (w2 of stories260K
 * has 172 = 5·32 + 12 inputs). Group k of row r has index r·G + k, G = ⌈cols / groupSize⌉.
 *
 * Default group size 32: it divides every width of the 64-wide models this project targets
 * (dim 64 → 2 groups per row, hidden 172 → 5 full groups and a 12-wide tail), it matches the
 * 32-weight blocks of llama.cpp's q4_0/q8_0 that WebGPU kernels are written for, and it is the
 * smallest size at which the side information (f16 scale + f16 offset + 3-bit width = 35 bits,
 * 1.09 bits/weight) still leaves a 3-4 bit/weight budget mostly for codes. 64 halves that cost
 * (0.55 bit/weight) at the price of coarser grids; the allocator sees the side cost either way.
 *
 * Each group has its own width b (1 … 8) and an asymmetric min/max grid with 2^b levels:
 *
 *     x̂ = fround(min + scale · q),   q ∈ {0, …, 2^b − 1}
 *
 * where `scale` and `min` (the zero point, stored as the value code 0 decodes to) are f16. The
 * offset form never overflows f16 for groups far from zero, unlike an integer zero point in code
 * units. `min` is the group minimum rounded down and `scale` (max − min)/(2^b − 1) rounded up in
 * f16, so the grid covers the whole group: no weight is clipped. Quantization uses the decoded f16
 * values, so the codes are optimal for the grid that is actually stored. The dequantization is
 * one fused multiply-add rounded once to f32 (min + scale·q is exact in f64: 11-bit × 8-bit
 * product, exponents within 2^40), hence bit-identical to a GPU's fma(scale, q, min).
 */
import { F16_MAX, F16_TABLE, f16NextUp, f16RoundDown, f16RoundUp } from './f16.js';
import { QuantInputError } from './errors.js';

export const DEFAULT_GROUP_SIZE = 32;
export const MIN_WIDTH = 1;
export const MAX_WIDTH = 8;

/** A quantized matrix: everything the container stores for it. */
export interface QuantizedMatrix {
  rows: number;
  cols: number;
  groupSize: number;
  /** Width of each group, rows·⌈cols/groupSize⌉ entries. */
  widths: Uint8Array;
  /** One code per weight, row-major (rows·cols), code < 2^width of its group. */
  codes: Uint8Array;
  /** f16 bit patterns, one per group. */
  scales: Uint16Array;
  /** f16 bit patterns of the value code 0 decodes to, one per group. */
  mins: Uint16Array;
}

export function groupsPerRow(cols: number, groupSize: number): number {
  return Math.ceil(cols / groupSize);
}

/** Number of weights in group k of a row (the last one may be ragged). */
export function groupLength(cols: number, groupSize: number, k: number): number {
  return Math.min(groupSize, cols - k * groupSize);
}

/** Weights per group for a rows × cols matrix, in group order. */
export function groupSizes(rows: number, cols: number, groupSize: number): Uint32Array {
  const G = groupsPerRow(cols, groupSize);
  const out = new Uint32Array(rows * G);
  for (let r = 0; r < rows; r++) for (let k = 0; k < G; k++) out[r * G + k] = groupLength(cols, groupSize, k);
  return out;
}

/** Throws unless rows/cols/groupSize describe a matrix the quantizer accepts. */
export function checkShape(where: string, data: ArrayLike<number>, rows: number, cols: number, groupSize: number): void {
  if (!Number.isInteger(rows) || rows < 1 || !Number.isInteger(cols) || cols < 1)
    throw new QuantInputError(where, `shape ${rows}×${cols} must be positive integers`);
  if (data.length !== rows * cols) throw new QuantInputError(where, `has ${data.length} values, expected rows·cols = ${rows * cols}`);
  if (!Number.isInteger(groupSize) || groupSize < 1) throw new QuantInputError(where, `groupSize ${groupSize} must be a positive integer`);
}

/** Expands a width option (one number, or one per group) to a per-group array, validated. */
export function resolveWidths(where: string, bits: number | Uint8Array, groups: number): Uint8Array {
  const widths = typeof bits === 'number' ? new Uint8Array(groups).fill(bits) : bits;
  if (widths.length !== groups) throw new QuantInputError(where, `widths has ${widths.length} entries, expected one per group (${groups})`);
  for (let i = 0; i < groups; i++) {
    const b = typeof bits === 'number' ? bits : widths[i];
    if (!Number.isInteger(b) || b < MIN_WIDTH || b > MAX_WIDTH)
      throw new QuantInputError(where, `width ${b} of group ${i} is outside ${MIN_WIDTH}..${MAX_WIDTH}`);
  }
  return widths;
}

/**
 * Grid of one group: writes the f16 patterns of scale and min into out[0], out[1]. `values`
 * holds the group's weights at [start, start + length). Throws on non-finite values or ranges
 * beyond f16.
 */
export function chooseGrid(values: ArrayLike<number>, start: number, length: number, width: number, out: Uint16Array, where: string, clip = false): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = start; i < start + length; i++) {
    const v = values[i];
    if (!(v >= -F16_MAX && v <= F16_MAX))
      throw new QuantInputError(where, `value ${v} at index ${i} (group at index ${start}) is outside the f16 range ±${F16_MAX}`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  gridFor(lo, hi, width, out, where, start);
  if (!clip || width > CLIP_MAX_WIDTH || hi === lo) return;
  // Clipping search (MSE): shrink the range about its centre and keep the grid with the least
  // squared rounding error over the group. At 2–4 bits a few outliers otherwise stretch the grid
  // for every other weight; above 4 bits min/max is as good.
  let best = groupError(values, start, length, width, out[0], out[1]);
  const s0 = out[0];
  const m0 = out[1];
  let bestS = s0;
  let bestM = m0;
  const mid = (lo + hi) / 2;
  const half = (hi - lo) / 2;
  for (let k = 1; k <= CLIP_STEPS; k++) {
    const p = 1 - k * CLIP_STEP;
    gridFor(mid - p * half, mid + p * half, width, out, where, start);
    const err = groupError(values, start, length, width, out[0], out[1]);
    if (err < best) {
      best = err;
      bestS = out[0];
      bestM = out[1];
    }
  }
  out[0] = bestS;
  out[1] = bestM;
}

/** Widths at or below which the clipping search runs. */
export const CLIP_MAX_WIDTH = 4;
const CLIP_STEP = 0.04;
const CLIP_STEPS = 12; // down to 52 % of the range

function groupError(values: ArrayLike<number>, start: number, length: number, width: number, scaleH: number, minH: number): number {
  const s = F16_TABLE[scaleH];
  const mn = F16_TABLE[minH];
  const maxq = (1 << width) - 1;
  let err = 0;
  for (let i = start; i < start + length; i++) {
    const d = values[i] - dequantizeValue(quantizeValue(values[i], s, mn, maxq), s, mn);
    err += d * d;
  }
  return err;
}

/** The f16 grid (scale rounded up, min rounded down) that covers [lo, hi] at this width. */
function gridFor(lo: number, hi: number, width: number, out: Uint16Array, where: string, start: number): void {
  const minH = f16RoundDown(lo);
  const mn = F16_TABLE[minH];
  const maxq = (1 << width) - 1;
  const step = (hi - mn) / maxq;
  if (step > F16_MAX) throw new QuantInputError(where, `group at index ${start} has a range ${hi - lo} too wide for an f16 scale`);
  let scaleH = step === 0 ? 0 : f16RoundUp(step);
  // hi − mn may have lost low bits in f64 (tiny hi beside a larger |mn|): step up until covered.
  while (mn + F16_TABLE[scaleH] * maxq < hi) scaleH = f16NextUp(scaleH);
  if (scaleH >= 0x7c00) throw new QuantInputError(where, `group at index ${start} has a range ${hi - lo} too wide for an f16 scale`);
  out[0] = scaleH;
  out[1] = minH;
}

/** Nearest code of x on the grid (scale, min decoded), clamped to 0 … maxq. */
export function quantizeValue(x: number, scale: number, min: number, maxq: number): number {
  if (scale === 0) return 0;
  let q = Math.round((x - min) / scale);
  if (q < 0) q = 0;
  else if (q > maxq) q = maxq;
  return q;
}

/** The f32 value code q decodes to. */
export function dequantizeValue(q: number, scale: number, min: number): number {
  return Math.fround(min + scale * q);
}

/** Dequantizes a whole matrix into a new Float32Array (row-major rows × cols). */
export function dequantizeMatrix(m: QuantizedMatrix): Float32Array {
  const { rows, cols, groupSize } = m;
  const G = groupsPerRow(cols, groupSize);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < G; k++) {
      const g = r * G + k;
      const s = F16_TABLE[m.scales[g]];
      const mn = F16_TABLE[m.mins[g]];
      const c0 = r * cols + k * groupSize;
      const c1 = c0 + groupLength(cols, groupSize, k);
      for (let i = c0; i < c1; i++) out[i] = Math.fround(mn + s * m.codes[i]);
    }
  }
  return out;
}

/** Bits stored per group besides its codes: f16 scale and f16 zero point (min). */
export const GRID_BITS_PER_GROUP = 32;

/**
 * Bits of the per-group width field: the width is stored as b − minBits in
 * ⌈log2(maxBits − minBits + 1)⌉ bits (3 bits for 2..8, 0 when every group has the same width).
 */
export function widthFieldBits(minBits: number, maxBits: number): number {
  const levels = maxBits - minBits + 1;
  return levels <= 1 ? 0 : Math.ceil(Math.log2(levels));
}

/** Every bit a set of groups occupies: Σ n_g b_g + groups · (32 + width field). */
export function groupBits(sizes: Uint32Array, widths: Uint8Array, fieldBits: number): number {
  let bits = 0;
  for (let g = 0; g < sizes.length; g++) bits += sizes[g] * widths[g];
  return bits + sizes.length * (GRID_BITS_PER_GROUP + fieldBits);
}
