/**
 * Variable-width bit packing, MSB-first: value i occupies widths[i] bits, its most significant
 * bit first, continuing where the previous value ended; the first value starts at bit 7 of byte 0.
 * The stream is padded with zero bits to a whole byte. Widths 0 … 16 (0 stores nothing: the value
 * must be 0). A byte sequence is a deterministic function of (values, widths): a GPU twin must
 * produce the same bytes (it can compute each value's bit offset as a prefix sum of the widths).
 *
 * Two faces over the same bit writer: per-value widths (packBits/unpackBits) and a matrix's codes
 * with one width per group (packGroupedCodes/unpackGroupedCodes), which does not expand the widths.
 */
import { BitPackError } from './errors.js';
import { groupsPerRow } from './groups.js';

export const MAX_PACK_WIDTH = 16;

type Codes = Uint8Array | Uint16Array | Uint32Array;

/** Total bits of values with these widths. */
export function packedBits(widths: Uint8Array): number {
  let bits = 0;
  for (let i = 0; i < widths.length; i++) bits += widths[i];
  return bits;
}

/** Minimal bit writer over a preallocated Uint8Array; acc holds < 8 pending bits between calls. */
class BitWriter {
  private acc = 0;
  private n = 0;
  pos = 0;
  constructor(readonly out: Uint8Array) {}
  write(v: number, w: number): void {
    this.acc = (this.acc << w) | v; // ≤ 7 + 16 bits: safe in int32
    this.n += w;
    while (this.n >= 8) {
      this.n -= 8;
      this.out[this.pos++] = (this.acc >>> this.n) & 0xff;
    }
    this.acc &= (1 << this.n) - 1;
  }
  finish(): void {
    if (this.n > 0) this.out[this.pos++] = (this.acc << (8 - this.n)) & 0xff;
    this.acc = 0;
    this.n = 0;
  }
}

class BitReader {
  private acc = 0;
  private n = 0;
  pos = 0;
  constructor(
    readonly data: Uint8Array,
    readonly where: string,
  ) {}
  read(w: number): number {
    while (this.n < w) {
      if (this.pos >= this.data.length) throw new BitPackError(this.pos, `${this.where}: packed data ends early (byte ${this.pos})`);
      this.acc = ((this.acc << 8) | this.data[this.pos++]) & 0xffffff;
      this.n += 8;
    }
    this.n -= w;
    return (this.acc >>> this.n) & ((1 << w) - 1);
  }
}

function checkWidth(w: number, i: number): void {
  if (w > MAX_PACK_WIDTH) throw new BitPackError(i, `width ${w} of value ${i} exceeds ${MAX_PACK_WIDTH}`);
}

/** Packs values[i] into widths[i] bits each. */
export function packBits(values: Codes, widths: Uint8Array): Uint8Array {
  if (values.length !== widths.length) throw new BitPackError(-1, `packBits: ${values.length} values but ${widths.length} widths`);
  const out = new Uint8Array(Math.ceil(packedBits(widths) / 8));
  const bw = new BitWriter(out);
  for (let i = 0; i < values.length; i++) {
    const w = widths[i];
    const v = values[i];
    checkWidth(w, i);
    if (v >>> w !== 0) throw new BitPackError(i, `value ${v} at index ${i} does not fit in ${w} bits`);
    bw.write(v, w);
  }
  bw.finish();
  return out;
}

/** Inverse of packBits: widths.length values (into `out`, a new Uint16Array by default). */
export function unpackBits(data: Uint8Array, widths: Uint8Array, out: Codes = new Uint16Array(widths.length)): Codes {
  const br = new BitReader(data, 'unpackBits');
  for (let i = 0; i < widths.length; i++) {
    checkWidth(widths[i], i);
    out[i] = widths[i] === 0 ? 0 : br.read(widths[i]);
  }
  return out;
}

/** Code bits of a rows × cols matrix with one width per group. */
export function groupedCodeBits(rows: number, cols: number, groupSize: number, widths: Uint8Array): number {
  const G = groupsPerRow(cols, groupSize);
  const tail = cols - (G - 1) * groupSize;
  let bits = 0;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < G - 1; k++) bits += groupSize * widths[r * G + k];
    bits += tail * widths[r * G + G - 1];
  }
  return bits;
}

/** Packs a matrix's codes (row-major) with the width of each weight's group. */
export function packGroupedCodes(codes: Uint8Array, rows: number, cols: number, groupSize: number, widths: Uint8Array): Uint8Array {
  const G = groupsPerRow(cols, groupSize);
  if (codes.length !== rows * cols || widths.length !== rows * G)
    throw new BitPackError(-1, `packGroupedCodes: ${codes.length} codes / ${widths.length} widths do not match ${rows}×${cols} in groups of ${groupSize}`);
  const out = new Uint8Array(Math.ceil(groupedCodeBits(rows, cols, groupSize, widths) / 8));
  const bw = new BitWriter(out);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < G; k++) {
      const w = widths[r * G + k];
      checkWidth(w, r * G + k);
      const c0 = r * cols + k * groupSize;
      const c1 = c0 + Math.min(groupSize, cols - k * groupSize);
      for (let i = c0; i < c1; i++) {
        const v = codes[i];
        if (v >>> w !== 0) throw new BitPackError(i, `code ${v} at (${r}, ${i - r * cols}) does not fit its group's ${w} bits`);
        bw.write(v, w);
      }
    }
  }
  bw.finish();
  return out;
}

/** Inverse of packGroupedCodes. */
export function unpackGroupedCodes(data: Uint8Array, rows: number, cols: number, groupSize: number, widths: Uint8Array): Uint8Array {
  const G = groupsPerRow(cols, groupSize);
  const codes = new Uint8Array(rows * cols);
  const br = new BitReader(data, 'unpackGroupedCodes');
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < G; k++) {
      const w = widths[r * G + k];
      if (w > 8) throw new BitPackError(r * G + k, `group ${r * G + k} has width ${w}; matrix codes have at most 8 bits`);
      const c0 = r * cols + k * groupSize;
      const c1 = c0 + Math.min(groupSize, cols - k * groupSize);
      if (w === 0) continue;
      for (let i = c0; i < c1; i++) codes[i] = br.read(w);
    }
  }
  return codes;
}
