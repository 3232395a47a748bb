/**
 * Seeded clusters for testing and benchmarking reconstruction: random strands, each copied into
 * `traces` noisy traces with per-nucleotide substitutions, insertions and deletions (spec pool.md,
 * "Channel simulator"), optionally ragged ends and stray traces of an unrelated strand.
 *
 * The error model is the pack channel's (src/pack/simulate/channel.ts): per source nucleotide one
 * event at most — deletion (skipped), insertion (a uniform base written before it, the nucleotide
 * kept) or substitution (one of the three other bases). Two things the channel cannot do: make
 * exactly N traces per strand in strand order, and raise indel rates inside homopolymers (nanopore).
 * So the draws are made here, per nucleotide, from the same src/random.ts Rng and samplers. With a
 * homopolymer boost b, the indel rates of positions in a run of ≥ 2 are multiplied by b and the
 * others' scaled so that each strand's expected indel count is unchanged.
 */
import { Rng } from '../random.js';
import { PRESETS, type ChannelRates } from '../pack/simulate/presets.js';
import { below } from '../pack/simulate/samplers.js';
import type { Cluster } from './cluster-file.js';
import { TraceInputError } from './errors.js';

export interface ClusterProfile extends ChannelRates {
  name: string;
  /** Multiplier of the insertion and deletion rates inside homopolymer runs (1: none). */
  homopolymerBoost: number;
}

const ill = PRESETS.illumina;

export const CLUSTER_PROFILES: Readonly<Record<'illumina' | 'nanopore', ClusterProfile>> = {
  /** The pack channel's illumina preset (Heckel et al. 2019): 1.37 % per nt, mostly deletions and substitutions. */
  illumina: { name: 'illumina', sub: ill.sub, ins: ill.ins, del: ill.del, homopolymerBoost: 1 },
  /** Nanopore-like: 6 % per nt, 2 % each, indels twice as likely inside homopolymers. */
  nanopore: { name: 'nanopore', sub: 0.02, ins: 0.02, del: 0.02, homopolymerBoost: 2 },
};

export interface SimulateClustersOptions {
  clusters: number;
  /** Traces per cluster. */
  traces: number;
  /** Strand length (nt). */
  length: number;
  /** Error profile (default 'illumina'). */
  profile?: 'illumina' | 'nanopore' | ClusterProfile;
  /** Total per-nucleotide error rate sub + ins + del, split in the profile's proportions (default: the profile's own). */
  errorRate?: number;
  /** Each end of each trace is cut or extended by a uniform 0..endJitter nt (default 0). */
  endJitter?: number;
  /** Traces per cluster replaced by noisy copies of an unrelated random strand (default 0). */
  strays?: number;
  seed?: number;
}

export function simulateClusters(options: SimulateClustersOptions): Cluster[] {
  const { clusters, traces, length } = options;
  for (const [name, v] of [
    ['clusters', clusters],
    ['traces', traces],
    ['length', length],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new TraceInputError(-1, -1, `simulateClusters: ${name} must be a positive integer (got ${v})`);
  }
  const base = typeof options.profile === 'object' ? options.profile : CLUSTER_PROFILES[options.profile ?? 'illumina'];
  const nominal = base.sub + base.ins + base.del;
  const scale = options.errorRate === undefined ? 1 : options.errorRate / nominal;
  const rates = { sub: base.sub * scale, ins: base.ins * scale, del: base.del * scale };
  if (!(rates.sub + rates.ins + rates.del <= 1 / Math.max(1, base.homopolymerBoost))) {
    throw new TraceInputError(-1, -1, `simulateClusters: error rate ${options.errorRate} is too high for the profile`);
  }
  const jitter = options.endJitter ?? 0;
  const strays = Math.min(options.strays ?? 0, traces);
  const rng = new Rng(options.seed ?? 1);
  const out: Cluster[] = [];
  const scratch = new Uint8Array(2 * length + 2 * jitter + 2);
  for (let c = 0; c < clusters; c++) {
    const reference = randomStrand(rng, length);
    const list: Uint8Array[] = [];
    for (let k = 0; k < traces; k++) list.push(noisyCopy(rng, reference, rates, base.homopolymerBoost, jitter, scratch));
    for (let s = 0; s < strays; s++) {
      const other = randomStrand(rng, length);
      list[below(rng, traces)] = noisyCopy(rng, other, rates, base.homopolymerBoost, jitter, scratch);
    }
    out.push({ reference, traces: list, line: 0 });
  }
  return out;
}

export function randomStrand(rng: Rng, length: number): Uint8Array {
  const s = new Uint8Array(length);
  for (let i = 0; i < length; i += 16) {
    let v = rng.nextU32();
    for (let b = 0; b < 16 && i + b < length; b++, v >>>= 2) s[i + b] = v & 3;
  }
  return s;
}

function noisyCopy(rng: Rng, src: Uint8Array, rates: ChannelRates, boost: number, jitter: number, out: Uint8Array): Uint8Array {
  const n = src.length;
  let runs = 0;
  if (boost !== 1) for (let i = 0; i < n; i++) if (inRun(src, i)) runs++;
  const f = boost !== 1 ? n / (n - runs + boost * runs) : 1;
  let w = 0;
  const cut = jitter > 0 ? below(rng, 2 * jitter + 1) - jitter : 0;
  for (let e = 0; e < cut; e++) out[w++] = rng.nextU32() >>> 30;
  for (let i = 0; i < n; i++) {
    const h = boost !== 1 && inRun(src, i) ? boost * f : f;
    const del = rates.del * h;
    const ins = del + rates.ins * h;
    const u = rng.next();
    const c = src[i];
    if (u < del) continue;
    if (u < ins) {
      out[w++] = rng.nextU32() >>> 30;
      out[w++] = c;
    } else if (u < ins + rates.sub) out[w++] = (c + 1 + below(rng, 3)) & 3;
    else out[w++] = c;
  }
  let from = 0;
  if (cut < 0) from = Math.min(w, -cut);
  const tail = jitter > 0 ? below(rng, 2 * jitter + 1) - jitter : 0;
  let to = w;
  if (tail < 0) to = Math.max(from, w + tail);
  else for (let e = 0; e < tail; e++) out[to++] = rng.nextU32() >>> 30;
  return out.slice(from, to);
}

function inRun(s: Uint8Array, i: number): boolean {
  return (i > 0 && s[i - 1] === s[i]) || (i + 1 < s.length && s[i + 1] === s[i]);
}
