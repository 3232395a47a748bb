/**
 * Groups and their grids (spec quant.md §2.1 step 2, §12.5).
 *
 * A group is `groupSize` consecutive weights of one row along the input dimension (the axis GPTQ
 * walks), the last group of a row ragged when groupSize does not divide cols (w2 of stories260K
 * has 172 = 5·32 + 12 inputs). Group k of row r has index r·G + k, G = ⌈cols / groupSize⌉.
 *
 * Each group has its own width b (1 … 8) and an affine grid with 2^b levels and an integer zero
 * point z (0 ≤ z < 2^b):
 *
 *     x̂ = fround(scale · (q − z)),   q ∈ {0, …, 2^b − 1},   scale = 2^(E − c/16)
 *
 * The scale is an 8-bit code c on a logarithmic ladder of 16 steps per octave (4.4 % apart, 16
 * octaves deep) below the matrix's power of two 2^E; z is stored in the group's own width. So a
 * group's side information is 8 + b bits plus its width field — 13-14 bits for a 3-bit group of
 * 32, against 35 for an f16 scale and f16 offset. In an archive where every stored bit costs
 * synthesis this is worth more than the last few percent of grid precision: at 3 bits/weight
 * all-in it buys ~0.6 more code bits per weight at groups of 32. The ladder's 4.4 % step is
 * finer than the MSE-optimal clipping search needs, and 2^E is set per matrix from its largest
 * |w| at the narrowest width with a factor-2 margin (GPTQ's updates can widen a group), so no
 * group ever needs a scale above the ladder; a group whose needed scale is below its bottom gets
 * the bottom rung, which still covers it.
 *
 * The grid always contains 0 (q = z). Every scale on the ladder is exactly representable in f32
 * (an f32 constant times a power of two), and (q − z) is a small integer, so x̂ is one product
 * rounded once, bit-identical to a GPU's f32 `scale * f32(q − z)`.
 *
 * Grid choice: without clipping, the scale is the smallest rung covering [min(lo, 0), max(hi, 0)]
 * and z centres the grid on that range (from lo and hi alone, as the GPU min/max kernel needs).
 * With clipping, a search over rungs (down to 55 % of the covering scale at ≤ 4 bits, ±1 rung
 * above) and three zero points per rung keeps the grid with the least squared error, weighted
 * by the Hessian diagonal when one is given (the error GPTQ and the allocator actually pay).
 *
 * Default group size 32: it divides every width of the 64-wide models this project targets and
 * matches the 32-weight blocks GPU kernels are written for. The quantizer picks larger groups
 * where that lowers the measured loss at the budget (quantize-model.ts); the allocator sees the
 * side cost either way.
 */
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
  /** The ladder's top: scale code c means 2^(scaleExp − c/16). */
  scaleExp: number;
  /** Scale code per group. */
  scaleCodes: Uint8Array;
  /** Zero point per group, in code units (< 2^width). */
  zeros: Uint8Array;
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

/** 2^(−k/16) rounded to f32, k = 0 … 15, as bit patterns: the ladder is the same on every engine. */
const RUNG_BITS = new Uint32Array([
  0x3f800000, 0x3f75257d, 0x3f6ac0c7, 0x3f60ccdf, 0x3f5744fd, 0x3f4e248c, 0x3f45672a, 0x3f3d08a4, 0x3f3504f3, 0x3f2d583f, 0x3f25fed7, 0x3f1ef532, 0x3f1837f0,
  0x3f11c3d3, 0x3f0b95c2, 0x3f05aac3,
]);
const RUNGS = new Float32Array(RUNG_BITS.buffer);
export const SCALE_STEPS_PER_OCTAVE = 16;
export const SCALE_CODES = 256;
/** Ladder tops whose 256 rungs are all normal f32 numbers (the bottom rung is ≥ 2^(E − 16)). */
export const MIN_SCALE_EXP = -110;
export const MAX_SCALE_EXP = 127;

const ladders = new Map<number, Float32Array>();

/** The 256 scales of the ladder with top 2^scaleExp, decreasing: scale(c) = 2^(scaleExp − c/16). */
export function scaleLadder(scaleExp: number): Float32Array {
  let t = ladders.get(scaleExp);
  if (t) return t;
  if (!Number.isInteger(scaleExp) || scaleExp < MIN_SCALE_EXP || scaleExp > MAX_SCALE_EXP)
    throw new QuantInputError('scaleLadder', `scale exponent ${scaleExp} is outside ${MIN_SCALE_EXP}..${MAX_SCALE_EXP}`);
  t = new Float32Array(SCALE_CODES);
  for (let c = 0; c < SCALE_CODES; c++) t[c] = RUNGS[c & 15] * 2 ** (scaleExp - (c >> 4));
  ladders.set(scaleExp, t);
  return t;
}

/**
 * The ladder top for a matrix: the smallest 2^E ≥ 2 · 2max|w| / (2^minWidth − 1), i.e. twice the
 * scale that covers the whole matrix at its narrowest width (GPTQ's error feedback can push a
 * group past the original weights). `where` names the matrix for errors.
 */
export function scaleExponentFor(W: ArrayLike<number>, minWidth: number, where = 'scaleExponentFor'): number {
  let maxAbs = 0;
  for (let i = 0; i < W.length; i++) {
    const a = Math.abs(W[i]);
    if (a > maxAbs && a < Infinity) maxAbs = a; // non-finite weights are reported by chooseGrid
  }
  if (maxAbs === 0) return 0;
  const target = (4 * maxAbs) / ((1 << minWidth) - 1);
  let E = Math.ceil(Math.log2(target));
  while (2 ** E < target) E++;
  while (2 ** (E - 1) >= target) E--;
  if (E > MAX_SCALE_EXP) throw new QuantInputError(where, `largest |weight| ${maxAbs} is too large for an f32 scale`);
  return Math.max(E, MIN_SCALE_EXP);
}

/** The largest code (smallest scale) whose rung is ≥ need; 0 when even the top is smaller. */
function coveringCode(ladder: Float32Array, scaleExp: number, need: number): number {
  if (need <= 0) return SCALE_CODES - 1;
  let c = Math.floor(SCALE_STEPS_PER_OCTAVE * (scaleExp - Math.log2(need)));
  if (c < 0) c = 0;
  else if (c > SCALE_CODES - 1) c = SCALE_CODES - 1;
  while (c > 0 && ladder[c] < need) c--;
  while (c < SCALE_CODES - 1 && ladder[c + 1] >= need) c++;
  return c;
}

/** The zero point that centres the grid of this scale on [lo, hi] (lo ≤ 0 ≤ hi). */
function centredZero(lo: number, hi: number, scale: number, maxq: number): number {
  const z = Math.round(maxq / 2 - (lo + hi) / (2 * scale));
  return z < 0 ? 0 : z > maxq ? maxq : z;
}

/** The narrowest width in a width array (MAX_WIDTH when empty). */
export function minWidthOf(widths: Uint8Array): number {
  let m = MAX_WIDTH;
  for (let i = 0; i < widths.length; i++) if (widths[i] < m) m = widths[i];
  return m;
}

/**
 * Grid of one group: writes its scale code and zero point into out[0], out[1]. `values` holds the
 * group's weights at [start, start + length); `h` (optional) their Hessian-diagonal weights at
 * [hStart, hStart + length), used by the clipping search. Throws on non-finite values.
 */
export function chooseGrid(
  values: ArrayLike<number>,
  start: number,
  length: number,
  width: number,
  scaleExp: number,
  out: Uint8Array,
  where: string,
  clip = false,
  h?: ArrayLike<number>,
  hStart = 0,
): void {
  let lo = 0;
  let hi = 0;
  for (let i = start; i < start + length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new QuantInputError(where, `value ${v} at index ${i} (group at index ${start}) is not finite`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const ladder = scaleLadder(scaleExp);
  const maxq = (1 << width) - 1;
  const c0 = coveringCode(ladder, scaleExp, (hi - lo) / maxq);
  out[0] = c0;
  out[1] = centredZero(lo, hi, ladder[c0], maxq);
  if (!clip || hi === lo) return;
  // Least (weighted) squared error over nearby rungs and zero points. At 2–4 bits a few outliers
  // otherwise stretch the grid for every other weight; above that, ±1 rung and the zero point's
  // rounding are all there is to gain.
  let best = groupError(values, start, length, ladder[out[0]], out[1], maxq, h, hStart);
  const cLast = Math.min(SCALE_CODES - 1, c0 + (width <= CLIP_MAX_WIDTH ? CLIP_RUNGS : 1));
  for (let c = Math.max(0, c0 - 1); c <= cLast; c++) {
    const s = ladder[c];
    const zc = centredZero(lo, hi, s, maxq);
    for (let dz = -1; dz <= 1; dz++) {
      const z = zc + dz;
      if (z < 0 || z > maxq || (c === c0 && z === out[1])) continue;
      const err = groupError(values, start, length, s, z, maxq, h, hStart);
      if (err < best) {
        best = err;
        out[0] = c;
        out[1] = z;
      }
    }
  }
}

/** Widths at or below which the clipping search shrinks the scale. */
export const CLIP_MAX_WIDTH = 4;
/** Rungs below the covering scale the search tries: 14 → down to 2^(−14/16) ≈ 55 %. */
const CLIP_RUNGS = 14;

function groupError(
  values: ArrayLike<number>,
  start: number,
  length: number,
  s: number,
  z: number,
  maxq: number,
  h: ArrayLike<number> | undefined,
  hStart: number,
): number {
  let err = 0;
  for (let i = 0; i < length; i++) {
    const v = values[start + i];
    const d = v - dequantizeValue(quantizeValue(v, s, z, maxq), s, z);
    err += h === undefined ? d * d : h[hStart + i] * d * d;
  }
  return err;
}

/** Nearest code of x on the grid (scale, zero point), clamped to 0 … maxq. */
export function quantizeValue(x: number, scale: number, zero: number, maxq: number): number {
  let q = Math.round(x / scale) + zero;
  if (q < 0) q = 0;
  else if (q > maxq) q = maxq;
  return q;
}

/** The f32 value code q decodes to. */
export function dequantizeValue(q: number, scale: number, zero: number): number {
  return Math.fround(scale * (q - zero));
}

/** Dequantizes a whole matrix into a new Float32Array (row-major rows × cols). */
export function dequantizeMatrix(m: QuantizedMatrix): Float32Array {
  const { rows, cols, groupSize } = m;
  const G = groupsPerRow(cols, groupSize);
  const ladder = scaleLadder(m.scaleExp);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < G; k++) {
      const g = r * G + k;
      const s = ladder[m.scaleCodes[g]];
      const z = m.zeros[g];
      const c0 = r * cols + k * groupSize;
      const c1 = c0 + groupLength(cols, groupSize, k);
      for (let i = c0; i < c1; i++) out[i] = Math.fround(s * (m.codes[i] - z));
    }
  }
  return out;
}

/** Bits of a group's scale code. */
export const SCALE_CODE_BITS = 8;

/** Bits a group of n weights at width b stores besides its width field: n codes, the zero point, the scale code. */
export function groupStoredBits(n: number, width: number): number {
  return (n + 1) * width + SCALE_CODE_BITS;
}

/**
 * Bits of the per-group width field: the width is stored as b − minBits in
 * ⌈log2(maxBits − minBits + 1)⌉ bits (3 bits for 2..8, 0 when every group has the same width).
 */
export function widthFieldBits(minBits: number, maxBits: number): number {
  const levels = maxBits - minBits + 1;
  return levels <= 1 ? 0 : Math.ceil(Math.log2(levels));
}

/** Every bit a set of groups occupies: Σ (n_g + 1) b_g + groups · (8 + width field). */
export function groupBits(sizes: Uint32Array, widths: Uint8Array, fieldBits: number): number {
  let bits = 0;
  for (let g = 0; g < sizes.length; g++) bits += groupStoredBits(sizes[g], widths[g]);
  return bits + sizes.length * fieldBits;
}
