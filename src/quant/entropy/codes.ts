/**
 * Entropy coding of a quantized matrix's integer codes (spec quant.md §12.7: "code the integer
 * indices with a deterministic integer rANS coder … a histogram stored in the header"). For DNA
 * every stored bit costs synthesis, so codes that are not uniform over their 2^b levels — and
 * after rounding weights that are roughly Gaussian they are not — are worth coding below b bits.
 *
 * The context of a code is its group's width b: codes of width b live in 0 … 2^b − 1 and share
 * one static frequency table per matrix. The decoder knows the widths (they are stored with the
 * grids), so the contexts cost nothing.
 *
 * Stream layout, version 1 (every field is needed to decode; nothing is implied by the file):
 *
 *   byte 0    CODES_FORMAT = 1
 *   byte 1    n: the tables' total is M = 2^n (8 ≤ n ≤ 16)
 *   tables    bits, MSB-first, one table for each width b that some group has, ascending b:
 *               5 bits   k, the bit length of the table's largest frequency (1 ≤ k ≤ 17)
 *               for each code q = 0 … 2^b − 2:
 *                 1 bit  f_q > 0
 *                 k bits f_q − 1, when f_q > 0
 *               f_{2^b − 1} = M − (the sum of the others)
 *             then zero bits up to a byte boundary
 *   rANS      the codes in row-major order, each in its width's context (rans.ts: 4-byte coder
 *             state, then the renormalisation bytes), up to the end of the stream
 *
 * The encoder tries every n from 8 to 15 and keeps the shortest stream (the first on a tie):
 * finer tables cost header bits and coarse ones cost coding loss, and which wins depends on the
 * matrix's size and widths. Every choice is made on integers, so the bytes are deterministic.
 */
import { BitReader, BitWriter } from './_bits.js';
import { EntropyInputError, EntropyStreamError } from './errors.js';
import { quantizeCounts } from './frequencies.js';
import { MAX_SCALE_BITS, MIN_SCALE_BITS, ransDecode, ransEncode, ransModel } from './rans.js';

export const CODES_FORMAT = 1;
const MAX_WIDTH = 8;
const SEARCH_MAX_SCALE_BITS = 15;

/** What encodeCodes needs of a QuantizedMatrix (groups.ts); the grids are stored elsewhere. */
export interface CodedMatrix {
  rows: number;
  cols: number;
  groupSize: number;
  /** Width of each group, rows·⌈cols/groupSize⌉ entries, 1 … 8. */
  widths: Uint8Array;
  /** One code per weight, row-major, code < 2^width of its group. */
  codes: Uint8Array;
}

export interface EncodeCodesOptions {
  /** Fix the tables' total at 2^scaleBits instead of searching 8 … 15. */
  scaleBits?: number;
}

/** The matrix's codes as a self-contained entropy-coded stream (layout above). */
export function encodeCodes(matrix: CodedMatrix, options: EncodeCodesOptions = {}): Uint8Array {
  const where = 'encodeCodes';
  const { rows, cols, groupSize, widths, codes } = matrix;
  const { present, contexts } = contextsOf(where, rows, cols, groupSize, widths);
  if (codes.length !== rows * cols) throw new EntropyInputError(where, `${codes.length} codes for a ${rows}×${cols} matrix`);
  const counts = present.map((b) => new Uint32Array(1 << b));
  for (let i = 0; i < codes.length; i++) {
    const c = contexts[i];
    const b = present[c];
    if (codes[i] >>> b !== 0)
      throw new EntropyInputError(where, `code ${codes[i]} at row ${Math.floor(i / cols)}, column ${i % cols} does not fit its group's width of ${b} bits`);
    counts[c][codes[i]]++;
  }
  const candidates = options.scaleBits === undefined ? range(MIN_SCALE_BITS, SEARCH_MAX_SCALE_BITS) : [options.scaleBits];
  let best: Uint8Array | undefined;
  for (const n of candidates) {
    if (!Number.isInteger(n) || n < MIN_SCALE_BITS || n > MAX_SCALE_BITS)
      throw new EntropyInputError(where, `scaleBits ${n} is outside ${MIN_SCALE_BITS}..${MAX_SCALE_BITS}`);
    const tables = counts.map((t) => quantizeCounts(t, n, where));
    const header = writeTables(n, present, tables);
    const body = ransEncode(codes, contexts, ransModel(tables, n, where), where);
    if (best === undefined || header.length + body.length < best.length) {
      best = new Uint8Array(header.length + body.length);
      best.set(header, 0);
      best.set(body, header.length);
    }
  }
  return best!;
}

/**
 * The codes of a rows × cols matrix in groups of `groupSize` with these widths, from a stream
 * made by encodeCodes. Throws EntropyStreamError (naming the byte offset) on a truncated or
 * corrupt stream, or one made for another shape or other widths.
 */
export function decodeCodes(bytes: Uint8Array, rows: number, cols: number, groupSize: number, widths: Uint8Array): Uint8Array {
  const where = 'decodeCodes';
  const { present, contexts } = contextsOf(where, rows, cols, groupSize, widths);
  if (bytes.length < 2) throw new EntropyStreamError(where, bytes.length, `stream of ${bytes.length} byte(s) has no header: truncated`);
  if (bytes[0] !== CODES_FORMAT) throw new EntropyStreamError(where, 0, `format ${bytes[0]}, expected ${CODES_FORMAT}: not an entropy-coded code stream`);
  const n = bytes[1];
  if (n < MIN_SCALE_BITS || n > MAX_SCALE_BITS)
    throw new EntropyStreamError(where, 1, `table precision 2^${n} is outside 2^${MIN_SCALE_BITS}..2^${MAX_SCALE_BITS}: corrupt stream`);
  const M = 2 ** n;
  const reader = new BitReader(bytes, 2, where);
  const tables = present.map((b) => {
    const field = `the ${b}-bit table`;
    const k = reader.read(5, field);
    if (k < 1 || k > n + 1) throw new EntropyStreamError(where, 2, `${field}: frequency bit length ${k} is outside 1..${n + 1}: corrupt stream`);
    const f = new Uint32Array(1 << b);
    let sum = 0;
    for (let q = 0; q < f.length - 1; q++) {
      if (reader.read(1, field) === 0) continue;
      f[q] = reader.read(k, field) + 1;
      sum += f[q];
    }
    if (sum > M) throw new EntropyStreamError(where, 2, `${field}: frequencies sum to ${sum}, above the total 2^${n}: corrupt stream`);
    f[f.length - 1] = M - sum;
    return f;
  });
  const start = reader.align('the tables');
  return ransDecode(bytes.subarray(start), rows * cols, contexts, ransModel(tables, n, where), where);
}

/** The widths that occur (ascending) and each weight's context: the index of its width among them. */
function contextsOf(where: string, rows: number, cols: number, groupSize: number, widths: Uint8Array): { present: number[]; contexts: Uint8Array } {
  for (const [name, v] of [
    ['rows', rows],
    ['cols', cols],
    ['groupSize', groupSize],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new EntropyInputError(where, `${name} ${v} must be a positive integer`);
  const G = Math.ceil(cols / groupSize);
  if (widths.length !== rows * G) throw new EntropyInputError(where, `${widths.length} widths, expected one per group: ${rows} rows × ${G} groups`);
  const seen = new Uint8Array(MAX_WIDTH + 1);
  for (let g = 0; g < widths.length; g++) {
    const b = widths[g];
    if (b < 1 || b > MAX_WIDTH) throw new EntropyInputError(where, `group ${g} has width ${b}, outside 1..${MAX_WIDTH}`);
    seen[b] = 1;
  }
  const present: number[] = [];
  const index = new Uint8Array(MAX_WIDTH + 1);
  for (let b = 1; b <= MAX_WIDTH; b++) {
    if (!seen[b]) continue;
    index[b] = present.length;
    present.push(b);
  }
  const contexts = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < G; k++) contexts.fill(index[widths[r * G + k]], r * cols + k * groupSize, r * cols + Math.min(cols, (k + 1) * groupSize));
  return { present, contexts };
}

function writeTables(n: number, present: readonly number[], tables: readonly Uint32Array[]): Uint8Array {
  let capacity = 16;
  for (const b of present) capacity += 5 + (1 << b) * (n + 2);
  const w = new BitWriter(capacity);
  w.write(CODES_FORMAT, 8);
  w.write(n, 8);
  tables.forEach((f) => {
    let max = 0;
    for (let q = 0; q < f.length; q++) max = Math.max(max, f[q]);
    const k = 32 - Math.clz32(max);
    w.write(k, 5);
    for (let q = 0; q < f.length - 1; q++) {
      w.write(f[q] > 0 ? 1 : 0, 1);
      if (f[q] > 0) w.write(f[q] - 1, k);
    }
  });
  return w.bytes();
}

function range(lo: number, hi: number): number[] {
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}
