/**
 * The vector file formats and the manifest (vectors/manifest.json) that lists them.
 *
 * Every vector file is LF-terminated text whose first line is a `#` header naming its parameters;
 * the manifest names each file's kind, parameters and SHA-256, and is validated with zod.
 *   codebook    one codeword per line, in index order
 *   sampled     `index<TAB>codeword`, index in decimal, ascending
 *   cardinality `ell<TAB>m<TAB>N(m)`
 *   codec       blocks of `input<TAB>name<TAB>hex` (`-` when empty) followed by the strands, one a line
 *   ecc-outcomes `key=value` counts of EC D-LOCO decoding outcomes over a whole EC subcode (see ecc-outcomes.ts)
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { locoCodecOptionsSchema, type LocoCodecConfig } from '../loco/index.js';
import { parseWith } from '../validate.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'dnarchive-vectors';
export const MANIFEST_VERSION = 1;

const int = z.number().int();
const ell = int.min(1).max(8);
const length = int.min(1).max(512);
/** Relative, forward-slash paths that cannot leave the vectors folder. */
const relPath = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/, 'a relative path inside the vectors folder')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ..');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lower-case hex SHA-256');

const base = { path: relPath, sha256, bytes: int.min(0) };

const codebookEntry = z.object({ ...base, kind: z.literal('codebook'), params: z.object({ m: length, ell }).strict() }).strict();
const sampledEntry = z
  .object({
    ...base,
    kind: z.literal('sampled'),
    params: z.object({ m: length, ell, seed: z.string().regex(/^0x[0-9a-f]+$/), random: int.min(0) }).strict(),
  })
  .strict();
const cardinalityEntry = z
  .object({
    ...base,
    kind: z.literal('cardinality'),
    params: z.object({ ells: z.array(ell).min(1), maxLength: length }).strict(),
  })
  .strict();
const codecEntry = z
  .object({ ...base, kind: z.literal('codec'), params: z.object({ options: locoCodecOptionsSchema }).strict() })
  .strict();

const eccOutcomesEntry = z
  .object({
    ...base,
    kind: z.literal('ecc-outcomes'),
    params: z.object({ m: length, ell, margin: z.number().min(1).max(1024), balance: z.boolean() }).strict(),
  })
  .strict();

export const manifestEntrySchema = z.discriminatedUnion('kind', [codebookEntry, sampledEntry, cardinalityEntry, codecEntry, eccOutcomesEntry]);

export const manifestSchema = z
  .object({
    format: z.literal(MANIFEST_FORMAT),
    version: z.literal(MANIFEST_VERSION),
    files: z.array(manifestEntrySchema).min(1),
  })
  .strict();

export type ManifestEntry = z.output<typeof manifestEntrySchema>;
export type Manifest = z.output<typeof manifestSchema>;
export type VectorKind = ManifestEntry['kind'];
/** An entry before its content is hashed. */
export type VectorSpec = WithoutContent<ManifestEntry>;
type WithoutContent<E> = E extends unknown ? Omit<E, 'sha256' | 'bytes'> : never;

/** Parses manifest.json text; throws OptionError (bad shape) or SyntaxError (bad JSON). */
export function parseManifest(text: string): Manifest {
  return parseWith(manifestSchema, JSON.parse(text) as unknown, MANIFEST_FILE);
}

export function formatManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The codec options in a fixed key order, so headers and manifests are stable. */
export function codecOptionsText(o: LocoCodecConfig): string {
  return `ell=${o.ell} length=${o.length} bridge=${o.bridge} balance=${o.balance} codewordsPerStrand=${o.codewordsPerStrand}`;
}

/** The header (first) line of a vector file, a function of its kind and parameters only. */
export function headerFor(spec: VectorSpec): string {
  switch (spec.kind) {
    case 'codebook':
      return `# dnarchive loco codebook ell=${spec.params.ell} m=${spec.params.m}: codewords in index order`;
    case 'sampled':
      return `# dnarchive loco sampled ell=${spec.params.ell} m=${spec.params.m} seed=${spec.params.seed}: index<TAB>codeword`;
    case 'cardinality':
      return `# dnarchive loco cardinality ell=${spec.params.ells.join(',')} m=1..${spec.params.maxLength}: ell<TAB>m<TAB>N(m)`;
    case 'codec':
      return `# dnarchive loco codec ${codecOptionsText(spec.params.options)}: input<TAB>name<TAB>hex, then its strands`;
    case 'ecc-outcomes': {
      const { ell, m, margin, balance } = spec.params;
      return `# dnarchive ecc outcomes ell=${ell} m=${m} margin=${margin} balance=${balance}: key=value counts over every EC codeword${balance ? ' and its complement' : ''}, all 3m single and all C(m,2)*9 double substitutions`;
    }
  }
}

/** Text lines → file content: LF-separated with a final LF. */
export function joinLines(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

/** File content → lines, without the empty string after the final LF. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export const CODEC_INPUT_TAG = 'input';
