/** Independent references for the tests: the textbook full Levenshtein table, and strand helpers. */
import { encodeStrand } from '../../src/reads/index.js';

/** Wagner–Fischer over the whole (m + 1) × (n + 1) table: slow, obviously right. */
export function naiveEditDistance(a: ArrayLike<number> | string, b: ArrayLike<number> | string): number {
  const x = typeof a === 'string' ? Array.from(a, (c) => c.charCodeAt(0)) : Array.from(a);
  const y = typeof b === 'string' ? Array.from(b, (c) => c.charCodeAt(0)) : Array.from(b);
  const d: number[][] = [];
  for (let i = 0; i <= x.length; i++) d.push(Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
  }
  return d[x.length][y.length];
}

export const dna = (s: string): Uint8Array => encodeStrand(s);
