/**
 * Byte-oriented range asymmetric numeral systems (rANS, J. Duda, "Asymmetric numeral systems",
 * arXiv 0902.0271 / 1311.2540) with static frequency tables, one per context.
 *
 * A symbol s of frequency f_s and cumulative start b_s, all out of M = 2^n, moves the state x to
 *
 *     C(x, s) = ⌊x / f_s⌋ · M + (x mod f_s) + b_s            (encoding)
 *     D(x)    = (s, f_s · ⌊x / M⌋ + (x mod M) − b_s)          (decoding; s owns slot x mod M)
 *
 * which adds log2(M / f_s) bits to x. The state is kept in I = [L, 256·L), L = 2^23, by moving
 * whole bytes: before encoding s, while x ≥ (L / M) · 256 · f_s emit x's low byte and shift (the
 * bound makes C(x, s) land back in I); after decoding, while x < L shift in the next byte. Every
 * state is below 2^31, so all arithmetic is exact in doubles and in int32 shifts, and the same on
 * every engine.
 *
 * rANS is last-in first-out: the encoder runs over the symbols backwards, writing bytes from the
 * end of its buffer towards the front, and finishes with its state (4 bytes, little-endian). The
 * decoder reads that state and then walks forwards. It starts from L, so a stream is checked at
 * the end: the decoder must be back at exactly L with every byte consumed; a truncated, padded or
 * corrupted stream fails that (or runs out of bytes) and is reported, never decoded into garbage
 * silently, and decoding is bounded by the symbol count and the stream length.
 */
import { EntropyInputError, EntropyStreamError } from './errors.js';

/** Lower end of the normalised state interval [L, 256·L). */
export const RANS_L = 1 << 23;
export const MIN_SCALE_BITS = 8;
/** M ≤ 2^16 keeps (L/M)·256·f_s ≤ 2^31 and f_s · ⌊x/M⌋ below 2^31. */
export const MAX_SCALE_BITS = 16;
/** Symbols are bytes. */
export const MAX_ALPHABET = 256;
const STATE_BYTES = 4;

/** Frequency tables of every context, flattened for the hot loops. */
export interface RansModel {
  readonly scaleBits: number;
  readonly contexts: number;
  /** Alphabet size of each context. */
  readonly alphabet: Uint16Array;
  /** Index of context c's symbol 0 in freq/start. */
  readonly base: Uint32Array;
  readonly freq: Uint32Array;
  readonly start: Uint32Array;
  /** contexts × M entries: the symbol owning each slot of each context (decoding). */
  readonly slots: Uint8Array;
}

/**
 * A model from one frequency table per context (table c: the frequency of each symbol of context
 * c's alphabet, summing to exactly 2^scaleBits; see quantizeCounts).
 */
export function ransModel(tables: readonly ArrayLike<number>[], scaleBits: number, where = 'ransModel'): RansModel {
  if (!Number.isInteger(scaleBits) || scaleBits < MIN_SCALE_BITS || scaleBits > MAX_SCALE_BITS)
    throw new EntropyInputError(where, `scaleBits ${scaleBits} is outside ${MIN_SCALE_BITS}..${MAX_SCALE_BITS}`);
  if (tables.length < 1 || tables.length > 256) throw new EntropyInputError(where, `${tables.length} contexts; 1..256 are supported`);
  const M = 2 ** scaleBits;
  const alphabet = new Uint16Array(tables.length);
  const base = new Uint32Array(tables.length);
  let size = 0;
  tables.forEach((t, c) => {
    if (t.length < 1 || t.length > MAX_ALPHABET)
      throw new EntropyInputError(where, `context ${c} has an alphabet of ${t.length}; 1..${MAX_ALPHABET} are supported`);
    alphabet[c] = t.length;
    base[c] = size;
    size += t.length;
  });
  const freq = new Uint32Array(size);
  const start = new Uint32Array(size);
  const slots = new Uint8Array(tables.length * M);
  tables.forEach((t, c) => {
    let at = 0;
    for (let s = 0; s < t.length; s++) {
      const f = t[s];
      if (!Number.isInteger(f) || f < 0 || f > M) throw new EntropyInputError(where, `context ${c} symbol ${s}: frequency ${f} is outside 0..${M}`);
      if (at + f > M) break; // reported below with the true sum
      freq[base[c] + s] = f;
      start[base[c] + s] = at;
      slots.fill(s, c * M + at, c * M + at + f);
      at += f;
    }
    let sum = 0;
    for (let s = 0; s < t.length; s++) sum += t[s];
    if (sum !== M) throw new EntropyInputError(where, `context ${c}: frequencies sum to ${sum}, expected 2^${scaleBits} = ${M}`);
  });
  return { scaleBits, contexts: tables.length, alphabet, base, freq, start, slots };
}

/**
 * Encodes symbols (symbols[i] in context contexts[i], or context 0 for all when contexts is null).
 * Throws EntropyInputError on a symbol the model gives frequency 0 or a context it lacks.
 */
export function ransEncode(symbols: Uint8Array, contexts: Uint8Array | null, model: RansModel, where = 'ransEncode'): Uint8Array {
  const n = symbols.length;
  if (contexts && contexts.length !== n) throw new EntropyInputError(where, `${contexts.length} contexts for ${n} symbols`);
  const { scaleBits, base, freq, start, alphabet } = model;
  const M = 2 ** scaleBits;
  const bound = (RANS_L / M) * 256; // x_max = bound · f
  // Each symbol emits at most ⌈scaleBits / 8⌉ ≤ 2 bytes.
  const out = new Uint8Array(STATE_BYTES + 2 * n);
  let p = out.length;
  let x = RANS_L;
  for (let i = n - 1; i >= 0; i--) {
    const c = contexts === null ? 0 : contexts[i];
    const s = symbols[i];
    if (c >= model.contexts || s >= alphabet[c]) throw new EntropyInputError(where, `symbol ${i} (${s} in context ${c}) is outside the model`);
    const k = base[c] + s;
    const f = freq[k];
    if (f === 0) throw new EntropyInputError(where, `symbol ${i} (${s} in context ${c}) has frequency 0 in the model`);
    const xMax = bound * f;
    while (x >= xMax) {
      out[--p] = x & 0xff;
      x >>>= 8;
    }
    // x < 2^31 and f ≤ 2^16: the double quotient truncates to the exact ⌊x / f⌋.
    const q = (x / f) | 0;
    x = q * M + (x - q * f) + start[k];
  }
  p -= STATE_BYTES;
  out[p] = x & 0xff;
  out[p + 1] = (x >>> 8) & 0xff;
  out[p + 2] = (x >>> 16) & 0xff;
  out[p + 3] = x >>> 24;
  return out.slice(p);
}

/**
 * Decodes `count` symbols (in the given contexts) from exactly the bytes of `stream`. Throws
 * EntropyStreamError when the stream is truncated, has bytes left over, or ends in a state other
 * than the encoder's start (corrupt, or decoded with other tables or contexts than it was made with).
 */
export function ransDecode(
  stream: Uint8Array,
  count: number,
  contexts: Uint8Array | null,
  model: RansModel,
  where = 'ransDecode',
  out = new Uint8Array(count),
): Uint8Array {
  if (contexts && contexts.length !== count) throw new EntropyInputError(where, `${contexts.length} contexts for ${count} symbols`);
  if (out.length !== count) throw new EntropyInputError(where, `output holds ${out.length} symbols, expected ${count}`);
  const end = stream.length;
  if (end < STATE_BYTES) throw new EntropyStreamError(where, end, `stream of ${end} bytes is shorter than the ${STATE_BYTES}-byte coder state: truncated`);
  let x = (stream[0] | (stream[1] << 8) | (stream[2] << 16) | (stream[3] << 24)) >>> 0;
  if (x < RANS_L || x >= RANS_L * 256) throw new EntropyStreamError(where, 0, `coder state ${x} is outside [2^23, 2^31): corrupt stream`);
  const { scaleBits, base, freq, start, slots } = model;
  const mask = 2 ** scaleBits - 1;
  let p = STATE_BYTES;
  for (let i = 0; i < count; i++) {
    const c = contexts === null ? 0 : contexts[i];
    if (c >= model.contexts) throw new EntropyInputError(where, `symbol ${i} has context ${c}, the model has ${model.contexts}`);
    const slot = x & mask;
    const s = slots[(c << scaleBits) + slot];
    const k = base[c] + s;
    x = freq[k] * (x >>> scaleBits) + slot - start[k];
    while (x < RANS_L) {
      if (p >= end) throw new EntropyStreamError(where, p, `stream ends after ${i} of ${count} symbols: truncated`);
      x = (x << 8) | stream[p++];
    }
    out[i] = s;
  }
  if (x !== RANS_L || p !== end)
    throw new EntropyStreamError(
      where,
      p,
      p !== end
        ? `${end - p} byte(s) left after the last symbol: corrupt, or not made for ${count} symbols`
        : `final coder state ${x} is not 2^23: corrupt stream, or other tables or contexts than it was made with`,
    );
  return out;
}
