/**
 * An adaptive binary range coder (the arithmetic coder of LZMA, derived from the math): each
 * binary decision is coded with a probability that adapts to what was coded before in its
 * context, so no frequency table is stored — the model is learnt identically by both sides.
 *
 * State: low (the bottom of the current interval, kept exactly as a double below 2^33) and range
 * (its width, 2^24 ≤ range < 2^32 after each step). A bit with probability p/2^12 of being 0
 * splits range at bound = ⌊range / 2^12⌋ · p. When range drops below 2^24 the top byte of low is
 * final except for a carry, which is propagated into the bytes already written. The decoder
 * tracks code − low instead of low, so it never needs the carry. Probabilities start at 1/2 and
 * move 1/32 of the way towards each coded bit (integer shifts, identical on every engine).
 *
 * A context is one Uint16 probability in a caller's table; tables are plain typed arrays so a
 * model of many contexts allocates nothing per bit. `encodeP16` / `decodeP16` code one bit at a
 * probability of 16 bits that the caller adapts (adaptive-bits.ts: count-based adaptation).
 */
import { EntropyStreamError } from './errors.js';

export const PROB_BITS = 12;
const PROB_ONE = 1 << PROB_BITS;
const MOVE_BITS = 5;
const TOP = 2 ** 24;
const TWO32 = 2 ** 32;

/** A table of `n` adaptive contexts, each starting at probability 1/2. */
export function contexts(n: number): Uint16Array {
  return new Uint16Array(n).fill(PROB_ONE >> 1);
}

export class RangeEncoder {
  private low = 0;
  private range = 0xffffffff;
  private out: Uint8Array;
  private length = 0;

  constructor(capacity = 1024) {
    this.out = new Uint8Array(Math.max(16, capacity));
  }

  /** Codes `bit` (0 or 1) in context `probs[ctx]` and adapts it. */
  encodeBit(probs: Uint16Array, ctx: number, bit: number): void {
    const p = probs[ctx];
    const bound = (this.range >>> PROB_BITS) * p;
    if (bit === 0) {
      this.range = bound;
      probs[ctx] = p + ((PROB_ONE - p) >>> MOVE_BITS);
    } else {
      this.low += bound;
      this.range -= bound;
      probs[ctx] = p - (p >>> MOVE_BITS);
    }
    if (this.low >= TWO32) this.carry();
    while (this.range < TOP) {
      this.push(Math.floor(this.low / TOP) & 0xff);
      this.low = (this.low % TOP) * 256;
      this.range = (this.range * 256) >>> 0;
    }
  }

  /** Codes `bit` at probability p0 / 2^16 of a 0 (1 ≤ p0 < 2^16); the caller adapts p0. */
  encodeP16(p0: number, bit: number): void {
    const bound = (this.range >>> 16) * p0;
    if (bit === 0) this.range = bound;
    else {
      this.low += bound;
      this.range -= bound;
    }
    if (this.low >= TWO32) this.carry();
    while (this.range < TOP) {
      this.push(Math.floor(this.low / TOP) & 0xff);
      this.low = (this.low % TOP) * 256;
      this.range = (this.range * 256) >>> 0;
    }
  }

  /** Codes the low `n` bits of `value`, MSB first, at probability 1/2 each (no adaptation). */
  encodeDirect(value: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) {
      this.range = this.range >>> 1;
      if ((value >>> i) & 1) this.low += this.range;
      if (this.low >= TWO32) this.carry();
      while (this.range < TOP) {
        this.push(Math.floor(this.low / TOP) & 0xff);
        this.low = (this.low % TOP) * 256;
        this.range = (this.range * 256) >>> 0;
      }
    }
  }

  /** Flushes the interval and returns the coded bytes. */
  finish(): Uint8Array {
    if (this.low >= TWO32) this.carry();
    for (let i = 0; i < 4; i++) {
      this.push(Math.floor(this.low / TOP) & 0xff);
      this.low = (this.low % TOP) * 256;
    }
    return this.out.slice(0, this.length);
  }

  private carry(): void {
    this.low -= TWO32;
    let i = this.length - 1;
    while (i >= 0 && this.out[i] === 0xff) this.out[i--] = 0;
    // A carry past the first byte cannot happen: low started at 0 and the code value is < 1.
    if (i >= 0) this.out[i]++;
  }

  private push(byte: number): void {
    if (this.length === this.out.length) {
      const grown = new Uint8Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.length++] = byte;
  }
}

export class RangeDecoder {
  private code = 0;
  private range = 0xffffffff;
  private at: number;
  private readonly end: number;

  /** Decodes bytes [start, end) of `data`; `where` names the stream in errors. */
  constructor(
    private readonly data: Uint8Array,
    start: number,
    end: number,
    private readonly where: string,
  ) {
    this.at = start;
    this.end = end;
    if (end - start < 4) throw new EntropyStreamError(where, start, `a range-coded stream needs at least 4 bytes, found ${end - start}`);
    for (let i = 0; i < 4; i++) this.code = this.code * 256 + data[this.at++];
  }

  decodeBit(probs: Uint16Array, ctx: number): number {
    const p = probs[ctx];
    const bound = (this.range >>> PROB_BITS) * p;
    let bit: number;
    if (this.code < bound) {
      this.range = bound;
      probs[ctx] = p + ((PROB_ONE - p) >>> MOVE_BITS);
      bit = 0;
    } else {
      this.code -= bound;
      this.range -= bound;
      probs[ctx] = p - (p >>> MOVE_BITS);
      bit = 1;
    }
    while (this.range < TOP) this.shift();
    return bit;
  }

  /** Decodes a bit coded by encodeP16 with the same p0. */
  decodeP16(p0: number): number {
    const bound = (this.range >>> 16) * p0;
    let bit = 0;
    if (this.code < bound) this.range = bound;
    else {
      this.code -= bound;
      this.range -= bound;
      bit = 1;
    }
    while (this.range < TOP) this.shift();
    return bit;
  }

  decodeDirect(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      this.range = this.range >>> 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code -= this.range;
        bit = 1;
      }
      v = v * 2 + bit;
      while (this.range < TOP) this.shift();
    }
    return v;
  }

  /** Bytes consumed so far (the stream must end exactly where the encoder's did). */
  get position(): number {
    return this.at;
  }

  private shift(): void {
    if (this.at >= this.end) throw new EntropyStreamError(this.where, this.at, 'the stream ends before its last symbol: it is truncated or corrupt');
    this.code = (this.code * 256 + this.data[this.at++]) % TWO32;
    this.range = (this.range * 256) >>> 0;
  }
}
