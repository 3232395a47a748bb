/**
 * Writes the vector files and vectors/manifest.json. Codebooks come from brute-force enumeration,
 * sampled pairs from the plain BigInt `unrankReference`, cardinalities from an independent
 * recursion: none of them from the fast tables they check. Codec files pin LocoCodec's own
 * output (the byte-exact strand format); ecc outcome files pin the counts of residue and list
 * decoding outcomes over whole EC subcodes. Deterministic: same code, same bytes.
 */
import { mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatWord, LocoCodec, unrankReference } from '../loco/index.js';
import { cardinalities, enumerateCodebook } from './_independent.js';
import { eccOutcomeCounts, formatEccOutcomes } from './ecc-outcomes.js';
import { VectorsError } from './errors.js';
import {
  CODEC_INPUT_TAG,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  formatManifest,
  headerFor,
  joinLines,
  sha256Hex,
  type ManifestEntry,
  type VectorKind,
  type VectorSpec,
} from './format.js';
import {
  CARDINALITY_ELLS,
  CARDINALITY_MAX_LENGTH,
  CODEBOOK_MAX_LENGTH,
  CODEC_CONFIGS,
  ECC_OUTCOME_BALANCE,
  ECC_OUTCOME_ELLS,
  ECC_OUTCOME_LENGTHS,
  ECC_OUTCOME_MARGIN,
  SAMPLED_ELLS,
  SAMPLED_LENGTHS,
  SAMPLED_RANDOM,
  codecInputs,
  sampledIndices,
  sampledSeed,
  seedText,
} from './plan.js';

export interface GeneratedFile {
  /** Path relative to the vectors folder, with forward slashes. */
  readonly file: string;
  readonly kind: VectorKind;
  readonly bytes: number;
  readonly lines: number;
  readonly sha256: string;
}

export interface GenerateReport {
  readonly dir: string;
  /** Every vector file written, in manifest order (manifest.json itself not included). */
  readonly files: GeneratedFile[];
  readonly totalBytes: number;
  /** Stale vector files (an old parameter set) deleted from the loco/ and ecc/ folders. */
  readonly removed: string[];
}

const LOCO_DIR = 'loco';
const ECC_DIR = 'ecc';
/** Names this generator owns per folder: anything matching and not written now is stale. */
const OWNED: ReadonlyArray<readonly [string, RegExp]> = [
  [LOCO_DIR, /^(codebook-|sampled-|codec-|cardinality)[A-Za-z0-9._-]*\.txt$/],
  [ECC_DIR, /^outcomes-[A-Za-z0-9._-]*\.txt$/],
];

interface Built {
  readonly spec: VectorSpec;
  readonly lines: string[];
}

export async function generateVectors(dir: string): Promise<GenerateReport> {
  const built = [...buildCardinality(), ...buildCodebooks(), ...buildSampled(), ...buildCodec(), ...buildEccOutcomes()];
  for (const [sub] of OWNED) await mkdir(join(dir, sub), { recursive: true });
  const entries: ManifestEntry[] = [];
  const files: GeneratedFile[] = [];
  for (const { spec, lines } of built) {
    const text = joinLines([headerFor(spec), ...lines]);
    const bytes = Buffer.byteLength(text, 'utf8');
    const sha256 = sha256Hex(text);
    await writeFile(join(dir, spec.path), text);
    entries.push({ ...spec, sha256, bytes } as ManifestEntry);
    files.push({ file: spec.path, kind: spec.kind, bytes, lines: lines.length + 1, sha256 });
  }
  const written = new Set(files.map((f) => f.file));
  const removed: string[] = [];
  for (const [sub, owned] of OWNED) {
    for (const name of (await readdir(join(dir, sub))).sort()) {
      const rel = `${sub}/${name}`;
      if (owned.test(name) && !written.has(rel)) {
        await unlink(join(dir, rel));
        removed.push(rel);
      }
    }
  }
  await writeFile(join(dir, MANIFEST_FILE), formatManifest({ format: MANIFEST_FORMAT, version: MANIFEST_VERSION, files: entries }));
  return { dir, files, totalBytes: files.reduce((a, f) => a + f.bytes, 0), removed };
}

function buildCardinality(): Built[] {
  const lines: string[] = [];
  for (const ell of CARDINALITY_ELLS) {
    const N = cardinalities(ell, CARDINALITY_MAX_LENGTH);
    for (let m = 1; m <= CARDINALITY_MAX_LENGTH; m++) lines.push(`${ell}\t${m}\t${N[m]}`);
  }
  const params = { ells: [...CARDINALITY_ELLS], maxLength: CARDINALITY_MAX_LENGTH };
  return [{ spec: { path: `${LOCO_DIR}/cardinality.txt`, kind: 'cardinality', params }, lines }];
}

function buildCodebooks(): Built[] {
  const out: Built[] = [];
  for (const ell of [1, 2, 3]) {
    const maxLength = CODEBOOK_MAX_LENGTH[ell];
    const N = cardinalities(ell, maxLength);
    for (let m = 1; m <= maxLength; m++) {
      const words = enumerateCodebook(m, ell);
      if (BigInt(words.length) !== N[m]) {
        throw new VectorsError(`generator self-check: ${words.length} words enumerated for ell=${ell} m=${m}, recursion gives ${N[m]}`);
      }
      const lines = words.map((w) => formatWord(w));
      out.push({ spec: { path: `${LOCO_DIR}/codebook-l${ell}-m${m}.txt`, kind: 'codebook', params: { m, ell } }, lines });
    }
  }
  return out;
}

function buildSampled(): Built[] {
  const out: Built[] = [];
  for (const ell of SAMPLED_ELLS) {
    const N = cardinalities(ell, SAMPLED_LENGTHS[SAMPLED_LENGTHS.length - 1]);
    for (const m of SAMPLED_LENGTHS) {
      const seed = sampledSeed(ell, m);
      const lines = sampledIndices(N[m], seed).map((x) => `${x}\t${formatWord(unrankReference(x, m, ell))}`);
      const params = { m, ell, seed: seedText(seed), random: SAMPLED_RANDOM };
      out.push({ spec: { path: `${LOCO_DIR}/sampled-l${ell}-m${m}.txt`, kind: 'sampled', params }, lines });
    }
  }
  return out;
}

function buildCodec(): Built[] {
  const inputs = codecInputs();
  return CODEC_CONFIGS.map(({ name, options }) => {
    const codec = new LocoCodec(options);
    const lines: string[] = [];
    for (const input of inputs) {
      const hex = input.bytes.length > 0 ? Buffer.from(input.bytes).toString('hex') : '-';
      lines.push(`${CODEC_INPUT_TAG}\t${input.name}\t${hex}`, ...codec.encodeToStrings(input.bytes));
    }
    return { spec: { path: `${LOCO_DIR}/${name}.txt`, kind: 'codec', params: { options: { ...options } } }, lines };
  });
}

function buildEccOutcomes(): Built[] {
  const out: Built[] = [];
  for (const ell of ECC_OUTCOME_ELLS) {
    for (const m of ECC_OUTCOME_LENGTHS) {
      const params = { m, ell, margin: ECC_OUTCOME_MARGIN, balance: ECC_OUTCOME_BALANCE };
      const lines = formatEccOutcomes(eccOutcomeCounts(params));
      out.push({ spec: { path: `${ECC_DIR}/outcomes-l${ell}-m${m}.txt`, kind: 'ecc-outcomes', params }, lines });
    }
  }
  return out;
}
