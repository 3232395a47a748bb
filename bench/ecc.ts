/**
 * Benchmarks for src/ecc: residue-table build time, residue-decoding throughput with no error and
 * with one substitution per codeword, list decoding on one thread and on the worker pool, and the
 * share of double substitutions decoded uniquely and correctly per (m, ℓ, margin).
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { eccCodec, ListDecodePool, listDecodeBatch, residueTable, ResidueCode, runTrial, type ListJob } from '../src/ecc/index.js';
import { bigToLimbs } from '../src/loco/index.js';
import { Rng } from '../src/random.js';
import { measure, type TimingOptions } from './_timing.js';
import { randomBytes } from './_prng.js';

export interface TableBuildRow {
  m: number;
  ell: number;
  differences: number;
  R: number;
  bitsLost: number;
  buildMs: number;
}

export function runTableBuilds(configs: readonly [number, number][]): TableBuildRow[] {
  return configs.map(([m, ell]) => {
    const t = residueTable(m, ell, { cacheDir: false });
    const rc = new ResidueCode(m, ell, { cacheDir: false });
    return { m, ell, differences: t.differences, R: t.R, bitsLost: rc.bitsLost, buildMs: t.buildMs };
  });
}

export interface ResidueThroughputRow {
  m: number;
  ell: number;
  messageBits: number;
  cleanMbps: number;
  oneErrorMbps: number;
}

/** Decode throughput (Mbit/s of payload) of the ecc codec, clean and with one substitution per codeword. */
export function runResidueThroughput(configs: readonly [number, number][], bytes: number, timing: TimingOptions): ResidueThroughputRow[] {
  return configs.map(([m, ell]) => {
    const codec = eccCodec({ ell, length: m, bridge: 'check2', codewordsPerStrand: 4, ecc: 'residue', cacheDir: false });
    const data = randomBytes(bytes, 11);
    const strands = codec.encode(data);
    const rng = new Rng(12);
    const unit = m + 2;
    const damaged = strands.map((s) => {
      const d = s.slice();
      for (let c = 0; c * unit < d.length; c++) {
        const p = c * unit + rng.below(m);
        d[p] = (d[p] + 1 + rng.below(3)) & 3;
      }
      return d;
    });
    const check = codec.decodeReport(damaged);
    // A few substitutions leave the run-capped index unchanged: those decode as clean.
    if (check.data.length !== data.length || check.data.some((v, i) => v !== data[i]) || check.corrected < 0.99 * check.codewords) {
      throw new Error(`residue decoding failed its self-check at m=${m} ell=${ell}: ${check.corrected} of ${check.codewords} corrected`);
    }
    const clean = measure(() => codec.decode(strands), timing);
    const one = measure(() => codec.decode(damaged), timing);
    return { m, ell, messageBits: codec.messageBits, cleanMbps: (8 * bytes) / clean.seconds / 1e6, oneErrorMbps: (8 * bytes) / one.seconds / 1e6 };
  });
}

/** Random used codewords with two substitutions each, and their checksums, for list decoding. */
function doubleErrorJob(m: number, ell: number, margin: number, n: number, seed: number): ListJob {
  const rc = new ResidueCode(m, ell, { margin, cacheDir: false });
  const rng = new Rng(seed);
  const words = new Uint8Array(n * m);
  const checksums = new Int8Array(n);
  const u = rc.code.newLimbs();
  const x = rc.code.newLimbs();
  for (let i = 0; i < n; i++) {
    bigToLimbs(rng.belowBig(1n << BigInt(rc.messageBits)), u, 0, u.length);
    rc.toIndex(u, x);
    rc.code.unrankFrom(x, words, i * m);
    let c = 0;
    for (let j = 0; j < m; j++) c ^= words[i * m + j];
    checksums[i] = c;
    const p1 = rng.below(m);
    let p2 = rng.below(m);
    while (p2 === p1) p2 = rng.below(m);
    words[i * m + p1] = (words[i * m + p1] + 1 + rng.below(3)) & 3;
    words[i * m + p2] = (words[i * m + p2] + 1 + rng.below(3)) & 3;
  }
  return { m, ell, margin, balance: true, words, checksums };
}

export interface ListSpeedRow {
  m: number;
  ell: number;
  words: number;
  oneThreadPerSecond: number;
  poolPerSecond: number;
  threads: number;
  scaling: number;
}

export async function runListSpeed(configs: readonly [number, number][], words: number): Promise<ListSpeedRow[]> {
  const threads = availableParallelism();
  const pool = new ListDecodePool({ threads });
  const rows: ListSpeedRow[] = [];
  try {
    for (const [m, ell] of configs) {
      const job = doubleErrorJob(m, ell, 1, words, 21);
      // Warm-up: table builds and JIT on the main thread and in every worker.
      for (let w = 0; w < 3; w++) {
        listDecodeBatch(job);
        await pool.run(job);
      }
      // Alternate the two, five samples each, and compare medians: drift hits both alike.
      const ones: number[] = [];
      const manys: number[] = [];
      let a = listDecodeBatch(job);
      let b = await pool.run(job);
      for (let k = 0; k < 5; k++) {
        let t = performance.now();
        a = listDecodeBatch(job);
        ones.push((performance.now() - t) / 1e3);
        t = performance.now();
        b = await pool.run(job);
        manys.push((performance.now() - t) / 1e3);
      }
      const one = median(ones);
      const many = median(manys);
      if (a.outcomes.some((v, i) => v !== b.outcomes[i])) throw new Error('pool and main thread disagree');
      rows.push({ m, ell, words, oneThreadPerSecond: words / one, poolPerSecond: words / many, threads, scaling: one / many });
    }
  } finally {
    await pool.close();
  }
  return rows;
}

export interface DoubleShareRow {
  m: number;
  ell: number;
  margin: number;
  R: number;
  bitsLost: number;
  trials: number;
  uniquePlain: number;
  uniqueTiebreak: number;
  wrong: number;
  sentListed: number;
  /** Through the codec's decoder (residue first, then list), checksum on: unique-correct and wrong shares. */
  codecUnique: number;
  codecWrong: number;
}

export function runDoubleShares(configs: readonly [number, number, number][], trials: number): DoubleShareRow[] {
  return configs.map(([m, ell, margin]) => {
    const plain = runTrial({ m, ell, margin, errors: 2, trials, seed: 7, tiebreak: false, cacheDir: false });
    const tb = runTrial({ m, ell, margin, errors: 2, trials, seed: 7, tiebreak: true, cacheDir: false });
    const codec = runTrial({ m, ell, margin, errors: 2, trials, seed: 7, tiebreak: true, cacheDir: false, decoder: 'codec' });
    return {
      m,
      ell,
      margin,
      R: plain.R,
      bitsLost: plain.bitsLost,
      trials,
      uniquePlain: plain.uniqueCorrect / trials,
      uniqueTiebreak: tb.uniqueCorrect / trials,
      wrong: plain.wrong + tb.wrong,
      sentListed: Math.min(plain.sentListed, tb.sentListed) / trials,
      codecUnique: codec.uniqueCorrect / trials,
      codecWrong: codec.wrong / trials,
    };
  });
}

function median(xs: number[]): number {
  const v = [...xs].sort((p, q) => p - q);
  return v[v.length >> 1];
}
