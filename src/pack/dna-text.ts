/**
 * DNA as ASCII text (A, C, G, T; latin1 round-trips it byte for byte): the complement of each
 * code, and the reverse complement of a sequence, done on bytes rather than by string concatenation.
 */

/** The Watson–Crick partner of each ASCII code (A↔T, C↔G); other codes map to themselves. */
export const COMPLEMENT_ASCII = new Uint8Array(256).map((_, c) => c);
for (const [x, y] of ['AT', 'TA', 'CG', 'GC']) COMPLEMENT_ASCII[x.charCodeAt(0)] = y.charCodeAt(0);

export function reverseComplementText(s: string): string {
  const b = Buffer.from(s, 'latin1');
  const out = Buffer.allocUnsafe(b.length);
  for (let i = 0, j = b.length - 1; j >= 0; i++, j--) out[i] = COMPLEMENT_ASCII[b[j]];
  return out.toString('latin1');
}
