/**
 * The quaternary alphabet (spec dloco.md §1): A=0, T=1, G=2, C=3, ordered A < T < G < C.
 * Complement x̄ = 3 − x swaps A↔C and T↔G, mapping AT-symbols onto GC-symbols; it is not the
 * Watson–Crick complement (A↔T, G↔C), which only the read layer uses.
 */
import { InvalidSymbolError } from './errors.js';

export const SYMBOLS = 'ATGC';

/** ASCII code → symbol value, 255 for anything else (lower case is accepted). */
const DECODE = (() => {
  const t = new Uint8Array(256).fill(255);
  for (let v = 0; v < 4; v++) {
    t[SYMBOLS.charCodeAt(v)] = v;
    t[SYMBOLS.toLowerCase().charCodeAt(v)] = v;
  }
  return t;
})();

/** Parses "GATTACA" into symbol values; throws InvalidSymbolError naming the position. */
export function parseWord(text: string, where = 'word'): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 256 ? DECODE[c] : 255;
    if (v === 255) throw new InvalidSymbolError(text[i], i, where);
    out[i] = v;
  }
  return out;
}

/** Symbol values → "ATGC…" text. */
export function formatWord(word: ArrayLike<number>, start = 0, end = word.length): string {
  // One flat string from a byte buffer: `s += c` per symbol builds a rope of one node per symbol
  // (~30 bytes each), and a pool block of 60,000 strands held ~270 MB of them until written.
  const n = Math.max(0, end - start);
  if (formatScratch.length < n) formatScratch = new Uint8Array(Math.max(n, 2 * formatScratch.length));
  for (let i = 0; i < n; i++) formatScratch[i] = SYMBOL_CODES[word[start + i]];
  return ASCII.decode(formatScratch.subarray(0, n));
}

let formatScratch = new Uint8Array(256);
const ASCII = new TextDecoder('latin1');
const SYMBOL_CODES = Uint8Array.from(SYMBOLS, (c) => c.charCodeAt(0));

/** ASCII byte → symbol value, 255 when it is not one of ATGCatgc. */
export function asciiToSymbol(byte: number): number {
  return DECODE[byte];
}

/** In-place complement x ↦ 3 − x over [start, end). */
export function complementInPlace(word: Uint8Array, start = 0, end = word.length): void {
  for (let i = start; i < end; i++) word[i] = 3 - word[i];
}
