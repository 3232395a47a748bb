/**
 * Bridging symbols between codewords (spec dloco.md §4). Each bridge symbol differs from both of
 * its neighbours, so it is a run of length 1 and no run can grow across a codeword boundary for
 * any ℓ ≥ 1. Free choices among the allowed symbols steer the strand's GC disparity.
 *
 * Schemes:
 *  - `sep1`: one separator symbol b between consecutive codewords, b ≠ last(prev), b ≠ first(next).
 *  - `check2`: two symbols b1 b2 after every codeword (the last one too) carrying the codeword's
 *    checksum v = XOR of its symbol values. A substitution x → y changes v by x ⊕ y ≠ 0, so any
 *    single substitution in a codeword is detected. The pair encodes v through the Latin square
 *    f(b1, b2) = α·b1 ⊕ α²·b2 over GF(4) (symbol values read as GF(4) elements with α = 2):
 *    its diagonal is f(b, b) = b, so each value v has exactly three off-diagonal pairs with
 *    distinct b1's and distinct b2's. Excluding one b1 (≠ last(prev)) and one b2 (≠ first(next))
 *    removes at most two of them, so a valid pair exists for every v at every boundary.
 */
export type BridgeScheme = 'sep1' | 'check2';
export const BRIDGE_SCHEMES: readonly BridgeScheme[] = ['sep1', 'check2'];

export interface BridgeLayout {
  /** Symbols per bridge. */
  readonly length: number;
  /** Whether a bridge follows the last codeword of a strand. */
  readonly trailing: boolean;
  /** Whether the bridge carries a checksum that detects a single substitution. */
  readonly detects: boolean;
}

export const BRIDGE_LAYOUT: Readonly<Record<BridgeScheme, BridgeLayout>> = {
  sep1: { length: 1, trailing: false, detects: false },
  check2: { length: 2, trailing: true, detects: true },
};

/** Symbols in a strand of k codewords of length m. */
export function strandLength(scheme: BridgeScheme, m: number, k: number): number {
  const b = BRIDGE_LAYOUT[scheme];
  return k * m + (b.trailing ? k : k - 1) * b.length;
}

/** Codewords in a strand of `length` symbols, or −1 when no whole number fits. */
export function codewordsInStrand(scheme: BridgeScheme, m: number, length: number): number {
  const b = BRIDGE_LAYOUT[scheme];
  const unit = m + b.length;
  const k = b.trailing ? length / unit : (length + b.length) / unit;
  return Number.isInteger(k) && k >= 1 ? k : -1;
}

const MUL_ALPHA = [0, 2, 3, 1];
const MUL_ALPHA2 = [0, 3, 1, 2];

/** CHECK_OF_PAIR[b1·4 + b2] = f(b1, b2); 255 on the diagonal, which no bridge uses. */
export const CHECK_OF_PAIR: Uint8Array = (() => {
  const t = new Uint8Array(16);
  for (let b1 = 0; b1 < 4; b1++) for (let b2 = 0; b2 < 4; b2++) t[b1 * 4 + b2] = b1 === b2 ? 255 : MUL_ALPHA[b1] ^ MUL_ALPHA2[b2];
  return t;
})();

/** PAIRS_BY_CHECK[v·3 + i] = b1·4 + b2 for the three off-diagonal pairs with f = v. */
export const PAIRS_BY_CHECK: Uint8Array = (() => {
  const t = new Uint8Array(12);
  const fill = [0, 0, 0, 0];
  for (let p = 0; p < 16; p++) {
    const v = CHECK_OF_PAIR[p];
    if (v !== 255) t[v * 3 + fill[v]++] = p;
  }
  return t;
})();

/** XOR of the symbol values word[start .. end): the check2 checksum. */
export function xorChecksum(word: Uint8Array, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) v ^= word[i];
  return v;
}

/** #GC − #AT over word[start .. end): G and C are the symbol values 2 and 3. */
export function disparity(word: Uint8Array, start: number, end: number): number {
  let d = 0;
  for (let i = start; i < end; i++) d += word[i] >> 1;
  return 2 * d - (end - start);
}

/** +1 for a G/C symbol, −1 for A/T. */
export function symbolDisparity(s: number): number {
  return (s & 2) - 1;
}
