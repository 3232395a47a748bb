/** Shard checks shared by the erasure codes (reed-solomon.ts, fft-rs.ts). */
import { ErasureParameterError } from './errors.js';

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
