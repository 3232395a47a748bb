/**
 * The outer code of a pool's blocks, by format: the Cauchy Reed–Solomon code (O(k·r) a symbol)
 * in formats 1 and 2, the additive-FFT Reed–Solomon code (O(log n) a symbol; erasure/fft-rs.ts) in
 * format 3, whose blocks are tens of thousands of strands — parity sized for a block that large
 * costs a smaller share than for many small ones. Both are MDS over GF(2^16): any k of a block's
 * k + r strands rebuild it.
 */
import { FftReedSolomon, parityAgrees, ReedSolomonErasure } from '../erasure/index.js';
import type { Manifest } from './format.js';

export interface OuterCode {
  readonly k: number;
  readonly r: number;
  encode(data: readonly Uint8Array[]): Uint8Array[];
  decode(shards: readonly (Uint8Array | null | undefined)[], label?: string, names?: readonly (string | number)[]): Uint8Array[];
}

export function outerCode(man: Pick<Manifest, 'format'>, k: number, r: number): OuterCode {
  return man.format >= 3 ? new FftReedSolomon(k, r) : new ReedSolomonErasure(k, r);
}

/**
 * Whether decoded data agree with the parity strands present beyond what the decode needed
 * (undefined: none to check against). A damaged strand among those decoded from makes them
 * disagree. Cauchy: the spare rows decode left unused; FFT (which decodes from every strand
 * present): the whole parity re-encoded, compared where a parity strand is present.
 */
export function agreesWithParity(code: OuterCode, data: readonly Uint8Array[], slots: readonly (Uint8Array | null | undefined)[]): boolean | undefined {
  if (code instanceof ReedSolomonErasure) return parityAgrees(code, data, slots);
  let present = 0;
  for (const s of slots) if (s) present++;
  if (present <= code.k) return undefined;
  const parity = code.encode(data);
  let checked = 0;
  for (let i = 0; i < code.r; i++) {
    const s = slots[code.k + i];
    if (!s) continue;
    checked++;
    const p = parity[i];
    for (let b = 0; b < p.length; b++) if (p[b] !== s[b]) return false;
  }
  // Only data strands beyond k present: a wrong one among them is rebuilt over, not checked.
  if (checked === 0) return undefined;
  return true;
}
