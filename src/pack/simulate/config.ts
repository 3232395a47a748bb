/**
 * Channel options: a preset, then any rate or shape the caller gives overrides it. One zod schema
 * checks them all; errors name the option, the value and the rule.
 */
import { z } from 'zod';
import { OptionError, parseWith } from '../../validate.js';
import { PRESETS, PRESET_NAMES, type Sampling } from './presets.js';

const rate = (name: string) =>
  z
    .number({ message: `${name} must be a number` })
    .min(0, `${name} must be at least 0`)
    .lt(1, `${name} must be below 1`);
const share = (name: string) =>
  z
    .number({ message: `${name} must be a number` })
    .min(0, `${name} must be at least 0`)
    .max(1, `${name} must be at most 1`);
/** A whole number of sequencing cycles from min to max. */
const cycles = (name: string, min: number, max: number) =>
  z
    .number({ message: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

export const channelOptionsSchema = z
  .object({
    preset: z.enum(PRESET_NAMES, { message: `preset must be one of ${PRESET_NAMES.join(', ')}` }).default('illumina'),
    sub: rate('sub').optional(),
    ins: rate('ins').optional(),
    del: rate('del').optional(),
    coverage: z.number({ message: 'coverage must be a number' }).gt(0, 'coverage must be above 0').max(10000, 'coverage must be at most 10000').optional(),
    skew: z.number({ message: 'skew must be a number' }).min(0, 'skew must be at least 0').max(3, 'skew must be at most 3').optional(),
    sampling: z.enum(['poisson', 'exact'], { message: 'sampling must be poisson or exact' }).optional(),
    dropout: share('dropout').default(0),
    /** Extra substitutions per nt in a read's first frontSpan cycles (noisy first cycles, in read orientation). */
    frontSub: rate('frontSub').default(0),
    frontSpan: cycles('frontSpan', 0, 10_000).default(30),
    /** Extra substitutions per nt rising linearly from 0 at a read's first cycle to this at its last (3′ decay). */
    tailSub: rate('tailSub').default(0),
    /** Reads cut to this many cycles from their 5′ end (sequencers read a fixed number of cycles); unset: whole strands. */
    readLength: cycles('readLength', 1, 100_000).optional(),
    rc: share('rc').default(0.5),
    seed: z
      .number({ message: 'seed must be a number' })
      .int('seed must be a whole number')
      .min(0, 'seed must be at least 0')
      .max(2 ** 32 - 1, 'seed must be below 2^32')
      .default(1),
  })
  .strict();

export type ChannelOptions = z.input<typeof channelOptionsSchema>;

/** Every parameter resolved: the preset with the caller's overrides. */
export interface ChannelConfig {
  preset: string;
  sub: number;
  ins: number;
  del: number;
  coverage: number;
  skew: number;
  sampling: Sampling;
  dropout: number;
  rc: number;
  seed: number;
  frontSub: number;
  frontSpan: number;
  tailSub: number;
  readLength: number | undefined;
  /** Phred score of a base outside the position-dependent regions (see phredFor). */
  quality: number;
}

/**
 * FASTQ quality: a Phred score per cycle for the channel's expected error rate there (never the
 * errors actually injected), −10·log10(rate) rounded and clamped to 2..40. Outside the
 * position-dependent regions it is one score per channel, −10·log10(sub + ins + del) rounded and
 * clamped to 2..40, so that a consumer reading quality as an error probability gets the channel's
 * true per-base rate (Illumina preset: Q19); 40 for an error-free channel. Per-base qualities
 * that flag the injected errors would leak the ground truth to a decoder, so none are made.
 */
export function phredFor(rates: { sub: number; ins: number; del: number }): number {
  const p = rates.sub + rates.ins + rates.del;
  if (p <= 0) return 40;
  return Math.min(40, Math.max(2, Math.round(-10 * Math.log10(p))));
}

export function channelConfig(options: ChannelOptions = {}, where = 'simulate options'): ChannelConfig {
  const o = parseWith(channelOptionsSchema, options, where);
  const p = PRESETS[o.preset];
  const rates = { sub: o.sub ?? p.sub, ins: o.ins ?? p.ins, del: o.del ?? p.del };
  const total = rates.sub + rates.ins + rates.del;
  // Error events are exclusive per nucleotide, so their probabilities must leave room for none.
  if (!(total < 1)) throw new OptionError(where, 'sub + ins + del', `must add up to below 1 (got ${rates.sub} + ${rates.ins} + ${rates.del})`);
  if (!(o.frontSub + o.tailSub < 1)) throw new OptionError(where, 'frontSub + tailSub', `must add up to below 1 (got ${o.frontSub} + ${o.tailSub})`);
  return {
    preset: o.preset,
    ...rates,
    coverage: o.coverage ?? p.coverage,
    skew: o.skew ?? p.skew,
    sampling: o.sampling ?? p.sampling,
    dropout: o.dropout,
    rc: o.rc,
    seed: o.seed,
    frontSub: o.frontSub,
    frontSpan: o.frontSpan,
    tailSub: o.tailSub,
    readLength: o.readLength,
    quality: phredFor(rates),
  };
}
