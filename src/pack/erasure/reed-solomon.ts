/**
 * Systematic Reed–Solomon erasure code over GF(2^16), the outer code across strands (pool.md,
 * layer 2): k data shards, r parity shards, and any k of the k + r rebuild the data. Parity shard
 * i is Σ_j C[i][j] · data_j with C the Cauchy matrix of cauchy.ts (which proves the MDS property).
 *
 * Shards are byte arrays of one even length; symbol t of a shard is the little-endian pair of
 * bytes 2t, 2t + 1 (the caller pads). Two faces over one core (_mul-add.ts):
 *   - `encode(data)` / `decode(slots)` for a block held in memory;
 *   - `encoder(shardBytes)`: a ParityEncoder that takes data shards one at a time, in any order,
 *     and keeps only the r parity rows, so a caller can stream a block through bounded memory.
 */
import { GF_LOG } from './gf16.js';
import { cauchyInverseLogs, cauchyLog } from './cauchy.js';
import { mulAddRows, readSymbols, symbolBytes, symbolLogs } from './_mul-add.js';
import { ErasureParameterError } from './errors.js';
import { checkSlots, commonLength } from './_shards.js';

const LOG = GF_LOG;

/** Most shards per block: k + r distinct field elements for the Cauchy points, 0 … 65534. */
export const MAX_SHARDS = 65535;

export class ReedSolomonErasure {
  constructor(
    readonly k: number,
    readonly r: number,
  ) {
    if (!Number.isInteger(k) || k < 1) throw new ErasureParameterError('k (data shards)', k, 'an integer >= 1');
    if (!Number.isInteger(r) || r < 0) throw new ErasureParameterError('r (parity shards)', r, 'an integer >= 0');
    if (k + r > MAX_SHARDS) throw new ErasureParameterError('k + r', k + r, `at most ${MAX_SHARDS} shards per block in GF(2^16)`);
  }

  /** The r parity shards (new arrays) of exactly k data shards of one even length. */
  encode(data: readonly Uint8Array[]): Uint8Array[] {
    if (data.length !== this.k) throw new ErasureParameterError('data shards', data.length, `exactly k = ${this.k}`);
    const len = commonLength(data, 'data shard');
    const enc = this.encoder(len);
    for (let j = 0; j < data.length; j++) enc.add(j, data[j]);
    return enc.finish();
  }

  /** A streaming encoder for one block of shards of `shardBytes` bytes (even). */
  encoder(shardBytes: number): ParityEncoder {
    return new ParityEncoder(this, shardBytes);
  }

  /**
   * The k data shards from the k + r slots of a block (null or undefined where a shard is lost).
   * Present data shards are returned as the same objects; lost ones are rebuilt into new arrays.
   * With e data shards lost, only an e × e Cauchy system over e surviving parity rows is solved
   * (closed-form inverse, O(e²)), then applied: O(e·k·len) in all, never a k × k inverse.
   * `label` names the block in errors; `names` (one per slot, e.g. strand addresses) lets the
   * error name the strands to look for.
   */
  decode(shards: readonly (Uint8Array | null | undefined)[], label = 'block', names?: readonly (string | number)[]): Uint8Array[] {
    const { k, r } = this;
    const { len, missing } = checkSlots(shards, k, r, label, names);
    const out = shards.slice(0, k) as Uint8Array[];
    const e = missing.length;
    if (e === 0) return out;

    // The first e surviving parity rows: rhs_a = parity_a − Σ_{present j} C[a][j] · data_j.
    const rows: number[] = [];
    for (let i = 0; rows.length < e; i++) if (shards[k + i] != null) rows.push(i);
    const T = len >> 1;
    const rhs = rows.map((i) => {
      const sym = new Uint16Array(T);
      readSymbols(shards[k + i]!, sym);
      return sym;
    });
    const logs = new Uint32Array(T);
    const coef = new Uint32Array(e);
    for (let j = 0; j < k; j++) {
      const shard = shards[j];
      if (shard == null) continue;
      for (let a = 0; a < e; a++) coef[a] = cauchyLog(k, rows[a], j);
      symbolLogs(shard, logs);
      mulAddRows(rhs, logs, coef, 0);
    }

    // data_missing = C_RM⁻¹ · rhs, one rhs row (and one column of the inverse) at a time.
    const inv = cauchyInverseLogs(
      rows.map((i) => k + i),
      missing,
    );
    const rebuilt = missing.map(() => new Uint16Array(T));
    for (let a = 0; a < e; a++) {
      const row = rhs[a];
      for (let t = 0; t < T; t++) logs[t] = LOG[row[t]];
      mulAddRows(rebuilt, logs, inv, a * e);
    }
    for (let b = 0; b < e; b++) out[missing[b]] = symbolBytes(rebuilt[b]);
    return out;
  }
}

/**
 * Whether rebuilt data agree with the surviving parity shards that `decode` did not use: up to
 * `rows` of them, taken from the end (decode solves with the first surviving rows). A wrong shard
 * among those decode used — a damaged strand that passed its check — makes every such row
 * disagree (but for a 2^-16 chance per symbol). Undefined when no unused parity shard survives:
 * nothing to check against. O(rows · k · len).
 */
export function parityAgrees(
  code: ReedSolomonErasure,
  data: readonly Uint8Array[],
  shards: readonly (Uint8Array | null | undefined)[],
  rows = 2,
): boolean | undefined {
  const { k, r } = code;
  let missing = 0;
  for (let j = 0; j < k; j++) if (shards[j] == null) missing++;
  const present: number[] = [];
  for (let i = 0; i < r; i++) if (shards[k + i] != null) present.push(i);
  const spare = present.slice(missing).slice(-rows);
  if (spare.length === 0) return undefined;
  const len = data[0].length;
  const T = len >> 1;
  const acc = spare.map(() => new Uint16Array(T));
  const logs = new Uint32Array(T);
  const coef = new Uint32Array(spare.length);
  for (let j = 0; j < k; j++) {
    for (let a = 0; a < spare.length; a++) coef[a] = cauchyLog(k, spare[a], j);
    symbolLogs(data[j], logs);
    mulAddRows(acc, logs, coef, 0);
  }
  const sym = new Uint16Array(T);
  for (let a = 0; a < spare.length; a++) {
    readSymbols(shards[k + spare[a]]!, sym);
    for (let t = 0; t < T; t++) if (sym[t] !== acc[a][t]) return false;
  }
  return true;
}

/**
 * Accumulates the parity of one block from its data shards, taken one at a time in any order:
 * memory is the r parity rows plus one shard of logs, whatever k is. `finish()` returns the parity
 * once all k shards have been added.
 */
export class ParityEncoder {
  readonly k: number;
  readonly r: number;
  private readonly rows: Uint16Array[];
  private readonly logs: Uint32Array;
  private readonly coef: Uint32Array;
  private readonly added: Uint8Array;
  private count = 0;
  private done = false;

  constructor(
    code: ReedSolomonErasure,
    readonly shardBytes: number,
  ) {
    const { k, r } = code;
    this.k = k;
    this.r = r;
    if (!Number.isInteger(shardBytes) || shardBytes < 0 || shardBytes % 2 !== 0) {
      throw new ErasureParameterError('shard length', shardBytes, 'an even number of bytes >= 0 (16-bit symbols; pad the shard)');
    }
    const T = shardBytes >> 1;
    this.rows = Array.from({ length: r }, () => new Uint16Array(T));
    this.logs = new Uint32Array(T);
    this.coef = new Uint32Array(r);
    this.added = new Uint8Array(k);
  }

  /** Data shards added so far. */
  get shardsAdded(): number {
    return this.count;
  }

  /** Folds data shard `index` (0 … k − 1) into the parity; each index exactly once. */
  add(index: number, shard: Uint8Array): this {
    if (this.done) throw new ErasureParameterError('data shard index', index, 'no more shards after finish()');
    if (!Number.isInteger(index) || index < 0 || index >= this.k) throw new ErasureParameterError('data shard index', index, `an integer in [0, ${this.k})`);
    if (this.added[index]) throw new ErasureParameterError('data shard index', index, 'each data shard added once');
    if (shard.length !== this.shardBytes)
      throw new ErasureParameterError(`data shard ${index} length`, shard.length, `${this.shardBytes} bytes like the rest of the block`);
    const { r, k, coef } = this;
    for (let i = 0; i < r; i++) coef[i] = cauchyLog(k, i, index);
    symbolLogs(shard, this.logs);
    mulAddRows(this.rows, this.logs, coef, 0);
    this.added[index] = 1;
    this.count++;
    return this;
  }

  /** The r parity shards (new arrays). Throws, naming them, if some data shards were never added. */
  finish(): Uint8Array[] {
    if (this.count < this.k) {
      const absent: number[] = [];
      for (let j = 0; j < this.k && absent.length < 20; j++) if (!this.added[j]) absent.push(j);
      throw new ErasureParameterError(
        'data shards added',
        this.count,
        `all k = ${this.k} before finish(); not yet added: ${absent.join(', ')}${this.k - this.count > absent.length ? ', …' : ''}`,
      );
    }
    this.done = true;
    return this.rows.map(symbolBytes);
  }
}
