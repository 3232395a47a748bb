/** Shard checks shared by the erasure codes (reed-solomon.ts, fft-rs.ts). */
import { ErasureCapacityError, ErasureParameterError } from './errors.js';

/** The one even length shared by every present shard (0 when none is present). */
export function commonLength(shards: readonly (Uint8Array | null | undefined)[], what: string): number {
  let len = -1;
  let first = -1;
  for (let s = 0; s < shards.length; s++) {
    const shard = shards[s];
    if (shard == null) continue;
    if (!(shard instanceof Uint8Array)) throw new ErasureParameterError(`${what} ${s}`, Object.prototype.toString.call(shard), 'a Uint8Array');
    if (len < 0) {
      len = shard.length;
      first = s;
      if (len % 2 !== 0) throw new ErasureParameterError(`${what} ${s} length`, len, 'an even number of bytes (16-bit symbols; pad the shard)');
    } else if (shard.length !== len) {
      throw new ErasureParameterError(`${what} ${s} length`, shard.length, `${len} bytes like ${what} ${first}`);
    }
  }
  return Math.max(len, 0);
}

/**
 * The checks every decode starts with: one slot per shard (and per name), one even length, at
 * least k present. Returns the shard length, the lost slots and the lost data slots (ascending).
 */
export function checkSlots(
  shards: readonly (Uint8Array | null | undefined)[],
  k: number,
  r: number,
  label: string,
  names?: readonly (string | number)[],
): { len: number; lost: number[]; missing: number[] } {
  const n = k + r;
  if (shards.length !== n) throw new ErasureParameterError(`${label}: shard slots`, shards.length, `k + r = ${n}`);
  if (names !== undefined && names.length !== n) throw new ErasureParameterError(`${label}: slot names`, names.length, `one per slot, ${n}`);
  const len = commonLength(shards, `${label}: shard`);
  const lost: number[] = [];
  for (let s = 0; s < n; s++) if (shards[s] == null) lost.push(s);
  const present = n - lost.length;
  if (present < k) throw new ErasureCapacityError(label, lost, present, k, names);
  return { len, lost, missing: lost.filter((s) => s < k) };
}
