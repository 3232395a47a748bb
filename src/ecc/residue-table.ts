/**
 * The residue table of EC D-LOCO (spec dloco.md §5): modulus R, the class offset ρ0 and the map
 * residue → difference. Built once per (m, ℓ, margin, class) and cached in memory; the modulus,
 * whose search can take seconds for m ≳ 64, is also cached on disk (a few bytes of JSON) when
 * finding it took longer than a second. A cached modulus is re-validated when loaded.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { locoCode } from '../loco/code.js';
import { bigToLimbs } from '../loco/_limbs.js';
import { LocoParameterError } from '../loco/errors.js';
import { differenceSet, type DifferenceSet } from './differences.js';
import { differenceResidues, findModulus } from './modulus.js';

/**
 * `complement` (default): R odd and offset ρ0 ≡ (N−1)/2 (mod R), a class closed under
 * complement, so GC balancing by complement keeps working. `zero`: indices divisible by R.
 */
export type ResidueClass = 'complement' | 'zero';

export interface ResidueTableOptions {
  /** R is the smallest admissible modulus ≥ margin · R_min. Default 1. */
  margin?: number;
  residueClass?: ResidueClass;
  /** Where to cache moduli; false disables the disk cache. Default: $DNARCHIVE_CACHE_DIR or ~/.cache/dnarchive. */
  cacheDir?: string | false;
  /** Write the disk cache only when the modulus search took longer than this. Default 1000 ms. */
  cacheAfterMs?: number;
}

export class ResidueTable {
  readonly R: number;
  /** The minimal admissible modulus (R = R_min when margin = 1). */
  readonly minimalR: number;
  /** Class offset ρ0: used indices are x ≡ ρ0 (mod R). */
  readonly offset: number;
  /** |E|. */
  readonly differences: number;
  /** lookup[r] = k + 1 for the difference k with residue r, 0 when none. */
  readonly lookup: Int32Array;
  /** |difference k| as limbs at k·width, and its sign (±1). */
  readonly magnitudes: Int32Array;
  readonly signs: Int8Array;
  readonly width: number;
  /** Milliseconds spent building (modulus search included, 0 when the modulus was cached). */
  readonly buildMs: number;
  readonly modulusFromCache: boolean;

  constructor(
    readonly m: number,
    readonly ell: number,
    readonly margin: number,
    readonly residueClass: ResidueClass,
    E: DifferenceSet,
    R: number,
    minimalR: number,
    buildMs: number,
    modulusFromCache: boolean,
  ) {
    const code = locoCode(m, ell);
    const residues = differenceResidues(E, R);
    if (!residues) throw new RangeError(`modulus ${R} does not separate E(${m}, ${ell})`);
    this.R = R;
    this.minimalR = minimalR;
    this.differences = E.values.length;
    this.offset = residueClass === 'complement' ? Number((((code.size - 1n) % BigInt(R)) * BigInt((R + 1) / 2)) % BigInt(R)) : 0;
    this.width = code.width;
    this.lookup = new Int32Array(R);
    this.magnitudes = new Int32Array(E.values.length * code.width);
    this.signs = new Int8Array(E.values.length);
    for (let k = 0; k < E.values.length; k++) {
      const e = E.values[k];
      this.lookup[residues[k]] = k + 1;
      this.signs[k] = e < 0n ? -1 : 1;
      bigToLimbs(e < 0n ? -e : e, this.magnitudes, k * code.width, code.width);
    }
    this.buildMs = buildMs;
    this.modulusFromCache = modulusFromCache;
  }

  /** The difference with residue r (relative to the class offset), or undefined. */
  differenceFor(r: number): bigint | undefined {
    const k = this.lookup[r];
    if (k === 0) return undefined;
    let v = 0n;
    for (let i = this.width - 1; i >= 0; i--) v = (v << 30n) | BigInt(this.magnitudes[(k - 1) * this.width + i]);
    return this.signs[k - 1] < 0 ? -v : v;
  }
}

const cacheSchema = z
  .object({
    version: z.literal(1),
    m: z.number().int(),
    ell: z.number().int(),
    margin: z.number(),
    odd: z.boolean(),
    differences: z.number().int(),
    minimalR: z.number().int().positive(),
    R: z.number().int().positive(),
  })
  .strict();

const memory = new Map<string, ResidueTable>();

/** Forgets the tables built in this process (the disk cache stays): for tests and long-running hosts. */
export function clearResidueTables(): void {
  memory.clear();
}

function cacheDirectory(option: string | false | undefined): string | undefined {
  if (option === false) return undefined;
  return option ?? process.env.DNARCHIVE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'dnarchive');
}

function readCached(path: string, m: number, ell: number, margin: number, odd: boolean, differences: number): { R: number; minimalR: number } | undefined {
  try {
    const parsed = cacheSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) return undefined;
    const c = parsed.data;
    if (c.m !== m || c.ell !== ell || c.margin !== margin || c.odd !== odd || c.differences !== differences) return undefined;
    return { R: c.R, minimalR: c.minimalR };
  } catch {
    return undefined; // a missing or unreadable cache entry is rebuilt
  }
}

function writeCached(dir: string, path: string, entry: z.infer<typeof cacheSchema>): void {
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(entry)}\n`);
    renameSync(tmp, path);
  } catch {
    // The cache is an optimisation: a read-only home directory must not stop encoding.
  }
}

export function residueTable(m: number, ell: number, options: ResidueTableOptions = {}): ResidueTable {
  const margin = options.margin ?? 1;
  if (!(margin >= 1 && margin <= 1024)) throw new LocoParameterError('margin', margin, 'a number with 1 <= margin <= 1024');
  const residueClass = options.residueClass ?? 'complement';
  const odd = residueClass === 'complement';
  const key = `${m}:${ell}:${margin}:${residueClass}`;
  const hit = memory.get(key);
  if (hit) return hit;

  const started = performance.now();
  const E = differenceSet(m, ell);
  const dir = cacheDirectory(options.cacheDir);
  const file = dir ? join(dir, `ecc-modulus-v1-m${m}-l${ell}-mg${margin}-${odd ? 'odd' : 'any'}.json`) : undefined;
  let cached = file ? readCached(file, m, ell, margin, odd, E.values.length) : undefined;
  if (cached && !differenceResidues(E, cached.R)) cached = undefined;
  let R: number;
  let minimalR: number;
  if (cached) {
    ({ R, minimalR } = cached);
  } else {
    minimalR = findModulus(E, { odd });
    R = margin === 1 ? minimalR : findModulus(E, { odd, atLeast: Math.ceil(margin * minimalR) });
  }
  const searchMs = performance.now() - started;
  if (!cached && dir && file && searchMs > (options.cacheAfterMs ?? 1000)) {
    writeCached(dir, file, { version: 1, m, ell, margin, odd, differences: E.values.length, minimalR, R });
  }
  const table = new ResidueTable(m, ell, margin, residueClass, E, R, minimalR, performance.now() - started, Boolean(cached));
  memory.set(key, table);
  return table;
}
