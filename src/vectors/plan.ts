/**
 * What the committed vectors contain: every parameter set and input is fixed here, so a change
 * to this file (or to the code) shows up as a diff under vectors/.
 */
import type { LocoCodecConfig } from '../loco/index.js';
import { SplitMix64 } from './_prng.js';

/** Whole codebooks: m = 1..max for each ℓ (4^m words are enumerated by brute force). */
export const CODEBOOK_MAX_LENGTH: Readonly<Record<number, number>> = { 1: 8, 2: 7, 3: 7 };

export const SAMPLED_LENGTHS = [16, 32, 48, 64, 96, 128, 192, 256] as const;
export const SAMPLED_ELLS = [1, 2, 3] as const;
/** Random indices per sampled file, besides the edge indices 0, 1, N/2−1, N/2, N−2, N−1. */
export const SAMPLED_RANDOM = 64;
/** Base seed (ASCII "dnarchiv"); each file's seed adds 1000·ℓ + m, so files do not depend on each other. */
export const SAMPLE_SEED = 0x646e617263686976n;

export const CARDINALITY_ELLS = [1, 2, 3] as const;
export const CARDINALITY_MAX_LENGTH = 256;

/**
 * EC outcome files (spec dloco.md §6): ℓ × m, exhaustive over the EC subcode and every single and
 * double substitution. m = 5 is the smallest length at which residue coding carries a message bit
 * for ℓ = 1 and 2; at m = 10 the slowest file (ℓ = 1) takes about 1 s and all 18 about 3.5 s, where
 * m = 11 alone would add about 13 s (3–7 s a file) to every generate and every verify.
 */
export const ECC_OUTCOME_ELLS = [1, 2, 3] as const;
export const ECC_OUTCOME_LENGTHS = [5, 6, 7, 8, 9, 10] as const;
/** The residue code's defaults: the minimal modulus, GC balancing by complement. */
export const ECC_OUTCOME_MARGIN = 1;
export const ECC_OUTCOME_BALANCE = true;

export interface CodecVectorConfig {
  readonly name: string;
  readonly options: LocoCodecConfig;
}

const codec = (ell: number, length: number, bridge: 'sep1' | 'check2', balance = true): CodecVectorConfig => ({
  name: `codec-l${ell}-m${length}-${bridge}${balance ? '' : '-plain'}`,
  options: { ell, length, bridge, balance, codewordsPerStrand: 4 },
});

export const CODEC_CONFIGS: readonly CodecVectorConfig[] = [
  codec(1, 16, 'sep1'),
  codec(1, 16, 'check2'),
  codec(2, 48, 'sep1'),
  codec(2, 48, 'check2'),
  codec(3, 48, 'check2'), // the codec's defaults
  codec(3, 48, 'check2', false),
  codec(3, 96, 'sep1'),
  codec(3, 96, 'check2'),
];

export interface CodecInput {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** The payloads every codec file encodes. */
export function codecInputs(): CodecInput[] {
  return [
    { name: 'empty', bytes: new Uint8Array(0) },
    { name: 'byte-00', bytes: Uint8Array.of(0x00) },
    { name: 'byte-ff', bytes: Uint8Array.of(0xff) },
    { name: 'ascii-dnarchive', bytes: new TextEncoder().encode('dnarchive') },
    { name: 'random-257', bytes: new SplitMix64(SAMPLE_SEED ^ 0x257n).bytes(257) },
  ];
}

export function sampledSeed(ell: number, m: number): bigint {
  return SAMPLE_SEED + BigInt(1000 * ell + m);
}

/** 0x-prefixed lower-case hex, as stored in headers and the manifest. */
export function seedText(seed: bigint): string {
  return `0x${seed.toString(16)}`;
}

/** The indices of one sampled file: SAMPLED_RANDOM draws plus the edges, deduplicated, ascending. */
export function sampledIndices(size: bigint, seed: bigint, random = SAMPLED_RANDOM): bigint[] {
  const rng = new SplitMix64(seed);
  const set = new Set<bigint>([0n, 1n, size / 2n - 1n, size / 2n, size - 2n, size - 1n].filter((x) => x >= 0n && x < size));
  for (let i = 0; i < random; i++) set.add(rng.below(size));
  return [...set].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
