/**
 * Nucleotides as symbols 0..3 (A, C, G, T): the reconstructor works on small integers so that votes
 * index typed arrays directly; text is converted only at the edges.
 */
import { TraceInputError } from './errors.js';

export const NUCLEOTIDES = 'ACGT';

/** Letter code (either case) → symbol, 255 for anything else. */
export const SYMBOL_OF = new Uint8Array(256).fill(255);
for (let s = 0; s < 4; s++) {
  SYMBOL_OF[NUCLEOTIDES.charCodeAt(s)] = s;
  SYMBOL_OF[NUCLEOTIDES.toLowerCase().charCodeAt(s)] = s;
}

/** 'ACGT' text (either case) → symbols; anything else is a TraceInputError naming the position. */
export function encodeStrand(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const s = c < 256 ? SYMBOL_OF[c] : 255;
    if (s === 255) throw new TraceInputError(-1, i, `invalid nucleotide ${JSON.stringify(text[i])} at position ${i + 1}; expected A, C, G or T`);
    out[i] = s;
  }
  return out;
}

/** Symbols 0..3 → 'ACGT' text. */
export function decodeStrand(symbols: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < symbols.length; i++) s += NUCLEOTIDES[symbols[i] & 3];
  return s;
}
