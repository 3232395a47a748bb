/**
 * Channel presets: per-nucleotide error rates with their published sources (spec pool.md, "The
 * channel" and "Channel simulator"), plus coverage and copy-number skew.
 *
 * Skew is σ of the log-normal copy-number weight (see channel.ts). The sources report synthesis
 * and PCR bias as a spread of read counts, not as a σ; 0.3 (a 90 % range of about 0.6×–1.6× the
 * mean) is our assumption for a well-balanced pool, as are the default coverages.
 */
export interface ChannelRates {
  /** Substitutions per nucleotide. */
  sub: number;
  /** Insertions per nucleotide. */
  ins: number;
  /** Deletions per nucleotide. */
  del: number;
}

/** 'poisson': reads ~ Poisson(coverage · weight); 'exact': that mean, rounded at random (no Poisson spread). */
export type Sampling = 'poisson' | 'exact';

export interface Preset extends ChannelRates {
  name: string;
  coverage: number;
  skew: number;
  sampling: Sampling;
  /** What the figures model and where they come from. */
  source: string;
}

export const PRESETS: Readonly<Record<string, Preset>> = {
  illumina: {
    name: 'illumina',
    sub: 4.8e-3,
    del: 7.8e-3,
    ins: 1.1e-3,
    coverage: 10,
    skew: 0.3,
    sampling: 'poisson',
    source: 'synthesis + PCR + Illumina sequencing, measured end to end: Heckel, Mikutis & Grass, Sci. Rep. 9:9663 (2019); coverage and skew: our assumption',
  },
  twist: {
    name: 'twist',
    sub: 1e-4,
    del: 5.7e-4,
    ins: 1e-5,
    coverage: 10,
    skew: 0.3,
    sampling: 'poisson',
    source: 'Twist synthesis deletions 5.7e-4/nt: Gimpel et al., Nat. Commun. 14:6026 (2023) (dt4dds); sub and ins: small, our assumption',
  },
  iseq: {
    name: 'iseq',
    sub: 2.5e-3,
    del: 5.7e-4,
    ins: 1e-4,
    coverage: 10,
    skew: 0.3,
    sampling: 'poisson',
    source:
      'Illumina iSeq substitutions 1.1e-3–2.5e-3/nt (upper end taken) on top of Twist synthesis deletions: Gimpel et al. 2023 (dt4dds); ins: our assumption',
  },
  nanopore: {
    name: 'nanopore',
    sub: 2e-2,
    del: 3.5e-2,
    ins: 2.5e-2,
    coverage: 30,
    skew: 0.3,
    sampling: 'poisson',
    source: 'nanopore: 5–10 % total error, mostly indels (spec pool.md); 8 % split by us; beyond what the pool format corrects',
  },
  ideal: {
    name: 'ideal',
    sub: 0,
    del: 0,
    ins: 0,
    coverage: 1,
    skew: 0,
    sampling: 'exact',
    source: 'no errors, no skew, exact sampling: every strand read exactly `coverage` times (only orientation and order change)',
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as [string, ...string[]];

/** The presets as a Markdown table (for the README and `--help`). */
export function presetTable(): string {
  const e = (x: number) => (x === 0 ? '0' : x.toExponential(1));
  const rows = Object.values(PRESETS).map(
    (p) => `| ${p.name} | ${e(p.sub)} | ${e(p.ins)} | ${e(p.del)} | ${p.coverage} | ${p.skew} | ${p.sampling} | ${p.source} |`,
  );
  return ['| preset | sub/nt | ins/nt | del/nt | coverage | skew σ | sampling | source |', '|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}
