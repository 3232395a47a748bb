/**
 * Static frequency tables for rANS: symbol counts per context, and their quantization to a
 * power-of-two total M = 2^scaleBits with every symbol that occurs kept at frequency ≥ 1 (a zero
 * frequency would make that symbol unencodable).
 *
 * Integer arithmetic only (products below 2^53, comparisons by cross-multiplication), so the
 * tables — and with them the coded bytes — are the same on every engine; no Math.log.
 */
import { EntropyInputError } from './errors.js';

/** Counts are capped so that count · M stays an exact integer in a double (2^37 · 2^16 = 2^53). */
const MAX_TOTAL = 2 ** 37;

/**
 * Occurrences of each symbol per context: tables[c][s] = how often s occurs where contexts[i] = c
 * (every symbol in context 0 when `contexts` is null). Throws on a symbol outside its context's
 * alphabet or a context index ≥ alphabet.length.
 */
export function countSymbols(symbols: Uint8Array, contexts: Uint8Array | null, alphabet: ArrayLike<number>, where = 'countSymbols'): Uint32Array[] {
  if (contexts && contexts.length !== symbols.length) throw new EntropyInputError(where, `${contexts.length} contexts for ${symbols.length} symbols`);
  const tables = Array.from({ length: alphabet.length }, (_, c) => new Uint32Array(alphabet[c]));
  for (let i = 0; i < symbols.length; i++) {
    const c = contexts ? contexts[i] : 0;
    if (c >= tables.length) throw new EntropyInputError(where, `symbol ${i} has context ${c}, only ${tables.length} context(s) exist`);
    const t = tables[c];
    const s = symbols[i];
    if (s >= t.length) throw new EntropyInputError(where, `symbol ${i} is ${s}, outside context ${c}'s alphabet 0..${t.length - 1}`);
    t[s]++;
  }
  return tables;
}

/**
 * Frequencies proportional to `counts`, summing to exactly 2^scaleBits, each ≥ 1 where the count
 * is ≥ 1 and 0 where it is 0. A context that never occurs gets all of M on symbol 0 (any valid
 * table would do; this one is canonical).
 *
 * floor(c·M/total) first; then, one unit at a time, the deficit goes to the symbol with the
 * largest count per unit of frequency c/f (where one more unit saves the most bits, ≈ c/(f·ln 2))
 * and any excess from the minimum-frequency bumps is taken from the symbol with the smallest c/f
 * among those above 1. Ties go to the lower symbol.
 */
export function quantizeCounts(counts: ArrayLike<number>, scaleBits: number, where = 'quantizeCounts'): Uint32Array {
  const M = 2 ** scaleBits;
  const n = counts.length;
  const f = new Uint32Array(n);
  let total = 0;
  let used = 0;
  for (let s = 0; s < n; s++) {
    const c = counts[s];
    if (!Number.isInteger(c) || c < 0) throw new EntropyInputError(where, `count ${c} of symbol ${s} is not a non-negative integer`);
    total += c;
    if (c > 0) used++;
  }
  if (n === 0) throw new EntropyInputError(where, 'empty alphabet');
  if (total > MAX_TOTAL) throw new EntropyInputError(where, `${total} symbols in one context exceed the ${MAX_TOTAL} the tables are exact for`);
  if (used > M) throw new EntropyInputError(where, `${used} distinct symbols do not fit a table of total 2^${scaleBits} = ${M}`);
  if (total === 0) {
    f[0] = M;
    return f;
  }
  let sum = 0;
  for (let s = 0; s < n; s++) {
    const c = counts[s];
    if (c === 0) continue;
    // floor(c·M / total), exactly: the double quotient can round up across an integer.
    let q = Math.floor((c * M) / total);
    if (q * total > c * M) q--;
    else if ((q + 1) * total <= c * M) q++;
    f[s] = Math.max(q, 1);
    sum += f[s];
  }
  while (sum < M) {
    let best = -1;
    for (let s = 0; s < n; s++) if (counts[s] > 0 && (best < 0 || counts[s] * f[best] > counts[best] * f[s])) best = s;
    f[best]++;
    sum++;
  }
  while (sum > M) {
    let best = -1;
    for (let s = 0; s < n; s++) if (f[s] > 1 && (best < 0 || counts[s] * f[best] < counts[best] * f[s])) best = s;
    f[best]--;
    sum--;
  }
  return f;
}
