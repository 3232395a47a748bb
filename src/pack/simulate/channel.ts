/**
 * The seeded DNA channel (spec pool.md "Channel simulator"): per strand, dropout with
 * probability `dropout`; otherwise a log-normal copy weight w = exp(σZ − σ²/2) (mean 1) and
 * Poisson(coverage · w) reads. Per read: each nucleotide is deleted with probability del,
 * preceded by a random insertion with probability ins, or substituted by one of the three
 * other bases with probability sub; then the read is reverse-complemented with probability rc.
 * Reads come out in a shuffled order.
 *
 * Memory: the strands plus two Int32 per read (strand, ordinal); read strings are generated one
 * at a time, each from its own Rng seeded by (seed, ordinal), so the output is the same whatever
 * order it is written in and nothing else is held.
 */
import { z } from 'zod';
import { Rng } from '../../random.js';
import { parseWith } from '../../validate.js';
import { PRESETS } from './presets.js';

const rate = z.number().min(0).max(0.5);

export const channelOptionsSchema = z
  .object({
    preset: z.enum(Object.keys(PRESETS) as [string, ...string[]]).default('illumina'),
    sub: rate.optional(),
    ins: rate.optional(),
    del: rate.optional(),
    coverage: z.number().positive().max(10000).optional(),
    skew: z.number().min(0).max(3).optional(),
    dropout: z.number().min(0).max(1).default(0),
    rc: z.number().min(0).max(1).default(0.5),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
  })
  .strict();

export type ChannelOptions = z.input<typeof channelOptionsSchema>;

export interface ChannelConfig {
  preset: string;
  sub: number;
  ins: number;
  del: number;
  coverage: number;
  skew: number;
  dropout: number;
  rc: number;
  seed: number;
}

export interface ChannelSummary {
  strands: number;
  dropped: number;
  reads: number;
  meanCoverage: number;
  substitutions: number;
  insertions: number;
  deletions: number;
  reverseComplemented: number;
}

export function channelConfig(options: ChannelOptions = {}): ChannelConfig {
  const o = parseWith(channelOptionsSchema, options, 'simulate options');
  const p = PRESETS[o.preset];
  return {
    preset: o.preset,
    sub: o.sub ?? p.sub,
    ins: o.ins ?? p.ins,
    del: o.del ?? p.del,
    coverage: o.coverage ?? p.coverage,
    skew: o.skew ?? p.skew,
    dropout: o.dropout,
    rc: o.rc,
    seed: o.seed,
  };
}

function normal(rng: Rng): number {
  // Box–Muller; 1 − u keeps the log argument in (0, 1].
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Poisson(λ): Knuth's product method below 30, a rounded normal approximation above (documented). */
function poisson(rng: Rng, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda < 30) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = rng.next();
    while (p > limit) {
      k++;
      p *= rng.next();
    }
    return k;
  }
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rng)));
}

const CODES = Uint8Array.from('ACGT', (c) => c.charCodeAt(0));
const INDEX = new Uint8Array(128);
CODES.forEach((c, i) => (INDEX[c] = i));
const PARTNER_CODE = new Uint8Array(128);
for (const [a, b] of ['AT', 'TA', 'GC', 'CG']) PARTNER_CODE[a.charCodeAt(0)] = b.charCodeAt(0);
const LATIN1 = new TextDecoder('latin1');

/** The channel over a list of strands: `plan` draws copy numbers, `read(i)` makes the i-th read. */
export class Channel {
  readonly config: ChannelConfig;
  /** Per read in output order: the strand it copies. */
  readonly order: Int32Array;
  /** Per read in output order: its ordinal before shuffling (seeds its errors). */
  private readonly ordinal: Int32Array;
  readonly summary: ChannelSummary;

  constructor(
    private readonly strands: readonly string[],
    options: ChannelOptions = {},
  ) {
    this.config = channelConfig(options);
    const { coverage, skew, dropout, seed } = this.config;
    const rng = new Rng(seed);
    const counts = new Int32Array(strands.length);
    let dropped = 0;
    let total = 0;
    for (let i = 0; i < strands.length; i++) {
      if (rng.next() < dropout) {
        dropped++;
        continue;
      }
      const w = Math.exp(skew * normal(rng) - (skew * skew) / 2);
      counts[i] = poisson(rng, coverage * w);
      total += counts[i];
    }
    this.order = new Int32Array(total);
    let k = 0;
    for (let i = 0; i < strands.length; i++) for (let c = 0; c < counts[i]; c++) this.order[k++] = i;
    this.ordinal = Int32Array.from({ length: total }, (_, j) => j);
    for (let j = total - 1; j > 0; j--) {
      const r = rng.below(j + 1);
      [this.order[j], this.order[r]] = [this.order[r], this.order[j]];
      [this.ordinal[j], this.ordinal[r]] = [this.ordinal[r], this.ordinal[j]];
    }
    this.summary = {
      strands: strands.length,
      dropped,
      reads: total,
      meanCoverage: strands.length ? total / strands.length : 0,
      substitutions: 0,
      insertions: 0,
      deletions: 0,
      reverseComplemented: 0,
    };
  }

  get length(): number {
    return this.order.length;
  }

  /** The j-th read in output order (errors counted into the summary). */
  read(j: number): string {
    const { sub, ins, del, rc, seed } = this.config;
    const rng = new Rng((seed ^ Math.imul(this.ordinal[j] + 1, 0x9e3779b1)) >>> 0);
    const src = this.strands[this.order[j]];
    const out = this.scratch(2 * src.length + 8);
    let n = 0;
    const s = this.summary;
    const dIns = del + ins;
    const dSub = dIns + sub;
    for (let i = 0; i < src.length; i++) {
      const r = rng.next();
      const c = src.charCodeAt(i);
      if (r < del) {
        s.deletions++;
        continue;
      }
      if (r < dIns) {
        out[n++] = CODES[rng.below(4)];
        s.insertions++;
        out[n++] = c;
      } else if (r < dSub) {
        out[n++] = CODES[(INDEX[c] + 1 + rng.below(3)) & 3];
        s.substitutions++;
      } else out[n++] = c;
    }
    if (rng.next() < rc) {
      s.reverseComplemented++;
      for (let a = 0, b = n - 1; a <= b; a++, b--) {
        const x = PARTNER_CODE[out[a]];
        out[a] = PARTNER_CODE[out[b]];
        out[b] = x;
      }
    }
    return LATIN1.decode(out.subarray(0, n));
  }

  private buf = new Uint8Array(0);
  private scratch(n: number): Uint8Array {
    if (this.buf.length < n) this.buf = new Uint8Array(n);
    return this.buf;
  }

  /** All reads, in output order. */
  *reads(): Generator<string> {
    for (let j = 0; j < this.order.length; j++) yield this.read(j);
  }
}
