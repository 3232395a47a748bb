/**
 * Channel presets, per nucleotide, with their published sources (spec pool.md). Coverage skew is
 * the σ of the log-normal copy-number distribution; 0.3 is our assumption for a well-balanced
 * Twist-like pool (the sources report skew as coefficient of variation, not as σ).
 */
export interface ChannelRates {
  sub: number;
  ins: number;
  del: number;
}

export interface Preset extends ChannelRates {
  name: string;
  coverage: number;
  skew: number;
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
    source: 'synthesis + Illumina sequencing: Heckel, Mikutis & Grass, Sci. Rep. 9:9663 (2019)',
  },
  twist: {
    name: 'twist',
    sub: 1e-4,
    del: 5.7e-4,
    ins: 1e-5,
    coverage: 10,
    skew: 0.3,
    source: 'Twist synthesis deletions 5.7e-4/nt: Gimpel et al., Nat. Commun. 14:6026 (2023) (dt4dds); sub/ins small (our assumption)',
  },
  iseq: {
    name: 'iseq',
    sub: 2.5e-3,
    del: 5.7e-4,
    ins: 1e-4,
    coverage: 10,
    skew: 0.3,
    source: 'iSeq substitutions 1.1e-3–2.5e-3 (upper end): Gimpel et al. 2023 (dt4dds)',
  },
  nanopore: {
    name: 'nanopore',
    sub: 2e-2,
    del: 3.5e-2,
    ins: 2.5e-2,
    coverage: 30,
    skew: 0.3,
    source: 'nanopore: 5–10 % total error, mostly indels (spec pool.md survey); beyond what this pool format corrects',
  },
  ideal: { name: 'ideal', sub: 0, del: 0, ins: 0, coverage: 1, skew: 0, source: 'no errors, every strand read once' },
};
