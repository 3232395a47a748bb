/**
 * The entropy-coded stream of one ECSQ matrix (quant.md §12.7; src/quant/ecsq.ts): its per-column
 * step codes and its signed integer codes, through the adaptive range coder (range-coder.ts).
 *
 *   byte 0   the format, ECSQ_STREAM_FORMAT = 2 (format 1 is still read)
 *   then     one range-coded stream:
 *              step codes, one per column j, as a signed integer each, own model:
 *                without a reference: c_j − round(mean of c_0 … c_{j−1}) (c_0 − 128 first)
 *                with a reference r (the step codes of a matrix sharing this one's Hessian, so
 *                whose steps differ by one factor): e_j − e_{j−1}, e_j = c_j − r_j, e_{−1} = 0
 *              each weight, row-major: q as a signed integer in one of 8 magnitude contexts
 *
 * A signed integer v is binarised as: v ≠ 0; then its sign; then |v| − 1 in unary up to 14 with a
 * context per position, and beyond that an Exp-Golomb escape (adaptive prefix, direct suffix).
 * Format 2's contexts learn by counting (adaptive-bits.ts). A weight's context is the expected
 * |q| at (i, j) under a rank-one model of magnitudes fitted to what was already coded — column j's
 * mean |q| over rows above, times row i's mean |q| so far over the column means at its left — in
 * half-octave buckets: rows (output channels, attention heads) and columns (inputs) differ in
 * scale, and one model of the whole matrix pays for mixing them. Measured on stories260K's
 * archive-mode codes at 3 bits/weight (2,780 columns, 226,560 weights), format 2 takes 2.882 bits
 * per weight for the codes against format 1's 2.924 (its order-0 entropy is 2.910), and its step
 * codes 4.9 bits per column without a reference (5.6 in format 1), well under one with one.
 * Contexts from single neighbouring codes (row above, column left) cost more in learning than they
 * gave. Format 1 coded the step codes as c_j − c_{j−1}, and every weight in one context, each
 * context moving 1/32 of the way towards each bit.
 */
import { EntropyInputError, EntropyStreamError } from './errors.js';
import { AdaptiveBits } from './adaptive-bits.js';
import { contexts, RangeDecoder, RangeEncoder } from './range-coder.js';

export const ECSQ_STREAM_FORMAT = 2;
/** Largest |code| the stream carries (an escape prefix above 2^21 is a corrupt stream). */
export const MAX_ECSQ_CODE = 1 << 20;
const UNARY = 14;
const MAX_PREFIX = 21;
const MAGNITUDE_CONTEXTS = 8;

/** Adaptive binary contexts, as either format adapts them. */
interface BitModel {
  encode(e: RangeEncoder, ctx: number, bit: number): void;
  decode(d: RangeDecoder, ctx: number): number;
}

/** Format 1's contexts: each probability moves 1/32 of the way towards each bit. */
class ShiftBits implements BitModel {
  private readonly p: Uint16Array;
  constructor(n: number) {
    this.p = contexts(n);
  }
  encode(e: RangeEncoder, ctx: number, bit: number): void {
    e.encodeBit(this.p, ctx, bit);
  }
  decode(d: RangeDecoder, ctx: number): number {
    return d.decodeBit(this.p, ctx);
  }
}

/** Adaptive contexts for signed integers in `n` contexts. */
class SignedModel {
  readonly zero: BitModel;
  readonly sign: BitModel;
  readonly unary: BitModel;
  readonly prefix: BitModel;
  constructor(n: number, format: number) {
    const make = (k: number): BitModel => (format === 1 ? new ShiftBits(k) : new AdaptiveBits(k));
    this.zero = make(n);
    this.sign = make(n);
    this.unary = make(n * UNARY);
    this.prefix = make(MAX_PREFIX + 1);
  }

  encode(e: RangeEncoder, v: number, ctx: number): void {
    this.zero.encode(e, ctx, v === 0 ? 0 : 1);
    if (v === 0) return;
    this.sign.encode(e, ctx, v < 0 ? 1 : 0);
    const m = Math.abs(v) - 1;
    const u = ctx * UNARY;
    for (let i = 0; i < UNARY; i++) {
      const more = m > i ? 1 : 0;
      this.unary.encode(e, u + i, more);
      if (more === 0) return;
    }
    // Exp-Golomb of r = m − UNARY: k = ⌊log2(r + 1)⌋ ones and a zero, then r + 1 − 2^k in k bits.
    const r1 = m - UNARY + 1;
    const k = 31 - Math.clz32(r1);
    for (let i = 0; i < k; i++) this.prefix.encode(e, i, 1);
    this.prefix.encode(e, k, 0);
    e.encodeDirect(r1 - (1 << k), k);
  }

  decode(d: RangeDecoder, ctx: number, where: string): number {
    if (this.zero.decode(d, ctx) === 0) return 0;
    const negative = this.sign.decode(d, ctx) === 1;
    const u = ctx * UNARY;
    let m = 0;
    while (m < UNARY && this.unary.decode(d, u + m) === 1) m++;
    if (m === UNARY) {
      let k = 0;
      while (this.prefix.decode(d, k) === 1) {
        if (++k > MAX_PREFIX - 1)
          throw new EntropyStreamError(where, d.position, `an integer's escape prefix exceeds ${MAX_PREFIX - 1} bits: the stream is corrupt`);
      }
      m = UNARY - 1 + (1 << k) + d.decodeDirect(k);
    }
    return negative ? -(m + 1) : m + 1;
  }
}

/** Bucket b holds expected magnitudes x with 2·log2(1 + 2x) in [b, b + 1). */
const BUCKET_FLOOR = Float64Array.from({ length: MAGNITUDE_CONTEXTS }, (_, b) =>
  b === 0 ? -Infinity : ((b % 2 === 1 ? Math.SQRT2 : 1) * (1 << (b >> 1)) - 1) / 2,
);

/**
 * The rank-one magnitude context of each weight in row-major order, from the codes before it.
 * Only +, −, ×, ÷ on doubles: every engine computes the same contexts.
 */
class MagnitudeContexts {
  private readonly colSum: Float64Array;
  private rowSum = 0;
  private seenMeans = 0;
  private row = 0;
  private col = 0;
  constructor(private readonly cols: number) {
    this.colSum = new Float64Array(cols);
  }

  /** The context of the next weight. */
  next(): number {
    const colMean = (this.colSum[this.col] + 1) / (this.row + 1);
    const x = this.col === 0 ? colMean : (colMean * (this.rowSum + 1)) / (this.seenMeans + 1);
    this.seenMeans += colMean;
    let b = MAGNITUDE_CONTEXTS - 1;
    while (x < BUCKET_FLOOR[b]) b--;
    return b;
  }

  /** Records the weight whose context `next` gave last. */
  saw(q: number): void {
    const a = q < 0 ? -q : q;
    this.colSum[this.col] += a;
    this.rowSum += a;
    if (++this.col === this.cols) {
      this.col = 0;
      this.row++;
      this.rowSum = 0;
      this.seenMeans = 0;
    }
  }
}

/** Each column's predicted step code, from those before it; the stream codes the difference. */
class StepPredictor {
  private sum = 0;
  private prev: number;
  constructor(
    private readonly format: number,
    private readonly reference: Uint8Array | undefined,
  ) {
    this.prev = format === 1 ? 128 : 0;
  }

  /** Format 1: the previous code; format 2: the reference plus the previous offset, or the rounded mean so far. */
  predict(j: number): number {
    if (this.format === 1) return this.prev;
    if (this.reference) return this.reference[j] + this.prev;
    return j === 0 ? 128 : Math.floor((2 * this.sum + j) / (2 * j));
  }

  saw(j: number, c: number): void {
    if (this.format === 1) this.prev = c;
    else if (this.reference) this.prev = c - this.reference[j];
    else this.sum += c;
  }
}

function checkReference(reference: Uint8Array | undefined, cols: number, where: string): void {
  if (reference && reference.length !== cols) throw new EntropyInputError(where, `${reference.length} reference step codes for ${cols} columns`);
}

export interface EcsqStreamOptions {
  /**
   * The step codes of a matrix coded before this one that shares its Hessian (the decoder must be
   * given the same): they make this matrix's steps nearly free when they differ by one offset.
   */
  reference?: Uint8Array;
  /** Default ECSQ_STREAM_FORMAT; 1 writes what dnarchive wrote before format 2 (to test reading it). */
  format?: 1 | 2;
}

/** Codes a rows × cols matrix of integer codes with its per-column step codes. */
export function encodeEcsqStream(
  codes: Int32Array,
  rows: number,
  cols: number,
  stepCodes: Uint8Array,
  where = 'encodeEcsqStream',
  options: EcsqStreamOptions = {},
): Uint8Array {
  const { reference } = options;
  const format = options.format ?? ECSQ_STREAM_FORMAT;
  if (format !== 1 && format !== 2) throw new EntropyInputError(where, `stream format ${format}: expected 1 or 2`);
  if (format === 1 && reference) throw new EntropyInputError(where, 'format 1 has no reference step codes');
  if (codes.length !== rows * cols) throw new EntropyInputError(where, `${codes.length} codes for a ${rows}×${cols} matrix`);
  if (stepCodes.length !== cols) throw new EntropyInputError(where, `${stepCodes.length} step codes for ${cols} columns`);
  checkReference(reference, cols, where);
  const e = new RangeEncoder(16 + rows * cols);
  const steps = new SignedModel(1, format);
  const predictor = new StepPredictor(format, reference);
  for (let j = 0; j < cols; j++) {
    steps.encode(e, stepCodes[j] - predictor.predict(j), 0);
    predictor.saw(j, stepCodes[j]);
  }
  const model = new SignedModel(format === 1 ? 1 : MAGNITUDE_CONTEXTS, format);
  const ctx = format === 1 ? undefined : new MagnitudeContexts(cols);
  for (let i = 0; i < codes.length; i++) {
    const v = codes[i];
    if (!(Math.abs(v) <= MAX_ECSQ_CODE)) throw new EntropyInputError(where, `code ${v} at (${Math.floor(i / cols)}, ${i % cols}) is beyond ±${MAX_ECSQ_CODE}`);
    model.encode(e, v, ctx ? ctx.next() : 0);
    ctx?.saw(v);
  }
  const body = e.finish();
  const out = new Uint8Array(1 + body.length);
  out[0] = format;
  out.set(body, 1);
  return out;
}

/**
 * Decodes a stream made by encodeEcsqStream for a rows × cols matrix (format 2, with the same
 * `reference` it was coded with; or format 1, which has none); the stream must end exactly.
 */
export function decodeEcsqStream(
  bytes: Uint8Array,
  rows: number,
  cols: number,
  where = 'decodeEcsqStream',
  options: { reference?: Uint8Array } = {},
): { codes: Int32Array; stepCodes: Uint8Array } {
  const { reference } = options;
  const format = bytes.length < 1 ? 0 : bytes[0];
  if (format !== 1 && format !== 2) throw new EntropyStreamError(where, 0, `expected stream format 1 or 2, found ${bytes.length < 1 ? 'nothing' : format}`);
  checkReference(reference, cols, where);
  if (format === 1 && reference) throw new EntropyStreamError(where, 0, 'a format-1 stream has no reference step codes, but the container names one');
  const d = new RangeDecoder(bytes, 1, bytes.length, where);
  const stepCodes = new Uint8Array(cols);
  const steps = new SignedModel(1, format);
  const predictor = new StepPredictor(format, reference);
  for (let j = 0; j < cols; j++) {
    const c = predictor.predict(j) + steps.decode(d, 0, where);
    if (c < 0 || c > 255) throw new EntropyStreamError(where, d.position, `step code ${c} of column ${j} is outside 0..255: the stream is corrupt`);
    stepCodes[j] = c;
    predictor.saw(j, c);
  }
  const codes = new Int32Array(rows * cols);
  const model = new SignedModel(format === 1 ? 1 : MAGNITUDE_CONTEXTS, format);
  const ctx = format === 1 ? undefined : new MagnitudeContexts(cols);
  for (let i = 0; i < codes.length; i++) {
    const v = model.decode(d, ctx ? ctx.next() : 0, where);
    if (Math.abs(v) > MAX_ECSQ_CODE)
      throw new EntropyStreamError(where, d.position, `code ${v} at (${Math.floor(i / cols)}, ${i % cols}) is beyond ±${MAX_ECSQ_CODE}: the stream is corrupt`);
    codes[i] = v;
    ctx?.saw(v);
  }
  // The decoder reads exactly the bytes the encoder wrote (4 initial + one per renormalisation).
  if (d.position !== bytes.length)
    throw new EntropyStreamError(where, d.position, `${bytes.length - d.position} bytes follow the last code: the stream is corrupt or not this matrix's`);
  return { codes, stepCodes };
}
