/**
 * Checks the committed vectors against the fast implementation: locoCode(m, ℓ).rank / unrank,
 * cardinality() and LocoCodec (encode byte-exact, decode back), and recomputes every EC outcome
 * count (ResidueCode, ListDecoder) over its whole EC subcode. Mismatches never throw: each
 * file gets a count of checks and failures and the first failure in words; a missing or corrupt
 * manifest or file is a failure naming it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cardinality, formatWord, LocoCodec, locoCode } from '../loco/index.js';
import { ECC_MUST_BE_ZERO, eccOutcomeCounts, type EccOutcomeParams } from './ecc-outcomes.js';
import {
  CODEC_INPUT_TAG,
  MANIFEST_FILE,
  headerFor,
  parseManifest,
  sha256Hex,
  splitLines,
  type Manifest,
  type ManifestEntry,
  type VectorKind,
} from './format.js';

export interface FileVerification {
  /** Path relative to the vectors folder (manifest.json for the manifest itself). */
  readonly file: string;
  readonly kind?: VectorKind;
  readonly checks: number;
  readonly failures: number;
  /** The first failure, starting with the file name; absent when the file passed. */
  readonly firstFailure?: string;
}

export interface VerifyReport {
  readonly dir: string;
  readonly files: FileVerification[];
  readonly totalChecks: number;
  readonly totalFailures: number;
  /** No failures and at least one check. */
  readonly ok: boolean;
}

export async function verifyVectors(dir: string): Promise<VerifyReport> {
  const files: FileVerification[] = [];
  const manifest = await readManifest(dir, files);
  if (manifest) for (const entry of manifest.files) files.push(await verifyFile(dir, entry));
  const totalChecks = files.reduce((a, f) => a + f.checks, 0);
  const totalFailures = files.reduce((a, f) => a + f.failures, 0);
  return { dir, files, totalChecks, totalFailures, ok: totalFailures === 0 && totalChecks > 0 };
}

/** Counts checks and failures for one file, keeping the first failure. */
class Tally {
  checks = 0;
  failures = 0;
  first: string | undefined;

  constructor(
    readonly file: string,
    readonly kind?: VectorKind,
  ) {}

  /** One check: `test` returns null when it holds, else what is wrong; a throw is a failure too. */
  run(where: string, test: () => string | null): void {
    this.checks++;
    let problem: string | null;
    try {
      problem = test();
    } catch (e) {
      problem = errorText(e);
    }
    if (problem !== null) this.fail(where, problem);
  }

  fail(where: string, problem: string): void {
    this.failures++;
    this.first ??= `${this.file}: ${where ? `${where}: ` : ''}${problem}`;
  }

  result(): FileVerification {
    return {
      file: this.file,
      ...(this.kind ? { kind: this.kind } : {}),
      checks: this.checks,
      failures: this.failures,
      ...(this.first !== undefined ? { firstFailure: this.first } : {}),
    };
  }
}

async function readManifest(dir: string, files: FileVerification[]): Promise<Manifest | undefined> {
  const t = new Tally(MANIFEST_FILE);
  const path = join(dir, MANIFEST_FILE);
  let manifest: Manifest | undefined;
  let problem: string | null = null;
  try {
    manifest = parseManifest(await readFile(path, 'utf8'));
  } catch (e) {
    problem =
      (e as { code?: unknown }).code === 'ENOENT' || !(e instanceof Error)
        ? `cannot read the vectors manifest ${path}: ${errorText(e)}`
        : `not a valid vectors manifest (${path}): ${errorText(e)}`;
  }
  t.run('', () => problem);
  if (manifest) {
    const seen = new Set<string>();
    for (const entry of manifest.files) {
      t.run(entry.path, () => (seen.has(entry.path) ? 'listed twice' : null));
      seen.add(entry.path);
    }
  }
  files.push(t.result());
  return manifest;
}

async function verifyFile(dir: string, entry: ManifestEntry): Promise<FileVerification> {
  const t = new Tally(entry.path, entry.kind);
  let raw: Buffer;
  try {
    raw = await readFile(join(dir, entry.path));
  } catch (e) {
    t.run('', () => `listed in ${MANIFEST_FILE} but cannot be read: ${errorText(e)}`);
    return t.result();
  }
  const lines = splitLines(raw.toString('utf8'));
  t.run('line 1', () => (lines[0] === headerFor(entry) ? null : `header ${JSON.stringify(lines[0] ?? '')}, expected ${JSON.stringify(headerFor(entry))}`));
  const body = lines.slice(1);
  switch (entry.kind) {
    case 'codebook':
      verifyCodebook(t, entry.params.m, entry.params.ell, body);
      break;
    case 'sampled':
      verifySampled(t, entry.params.m, entry.params.ell, body);
      break;
    case 'cardinality':
      verifyCardinality(t, entry.params.ells, entry.params.maxLength, body);
      break;
    case 'codec':
      verifyCodec(t, entry.params.options, body);
      break;
    case 'ecc-outcomes':
      verifyEccOutcomes(t, entry.params, body);
      break;
  }
  // Last, so that a changed line is reported as itself rather than as a hash mismatch.
  t.run('', () => {
    const h = sha256Hex(raw);
    return h === entry.sha256 ? null : `SHA-256 ${h} (${raw.length} bytes) differs from the manifest's ${entry.sha256} (${entry.bytes} bytes)`;
  });
  return t.result();
}

/** Data line k (0-based, after the header) is line k + 2 of the file. */
const at = (k: number): string => `line ${k + 2}`;

function verifyCodebook(t: Tally, m: number, ell: number, body: string[]): void {
  let code: ReturnType<typeof locoCode> | undefined;
  t.run('', () => {
    code = locoCode(m, ell);
    return BigInt(body.length) === code.size ? null : `${body.length} codewords, N(${m}) = ${code.size} for ell = ${ell}`;
  });
  const c = code;
  if (!c) return;
  for (let k = 0; k < body.length; k++) {
    const word = body[k];
    const x = BigInt(k);
    t.run(at(k), () => {
      const got = formatWord(c.unrank(x));
      return got === word ? null : `unrank(${x}) = ${got}, file has ${word}`;
    });
    t.run(at(k), () => {
      const r = c.rank(word);
      return r === x ? null : `rank(${word}) = ${r}, expected its index ${x}`;
    });
  }
}

function verifySampled(t: Tally, m: number, ell: number, body: string[]): void {
  let code: ReturnType<typeof locoCode> | undefined;
  t.run('', () => {
    code = locoCode(m, ell);
    return body.length > 0 ? null : 'no samples';
  });
  const c = code;
  if (!c) return;
  for (let k = 0; k < body.length; k++) {
    const match = /^(\d+)\t([ATGC]+)$/.exec(body[k]);
    if (!match) {
      t.run(at(k), () => `expected index<TAB>codeword, got ${JSON.stringify(body[k])}`);
      continue;
    }
    const x = BigInt(match[1]);
    const word = match[2];
    t.run(at(k), () => {
      const got = formatWord(c.unrank(x));
      return got === word ? null : `unrank(${x}) = ${got}, file has ${word}`;
    });
    t.run(at(k), () => {
      const r = c.rank(word);
      return r === x ? null : `rank(${word}) = ${r}, file has index ${x}`;
    });
  }
}

function verifyCardinality(t: Tally, ells: readonly number[], maxLength: number, body: string[]): void {
  const expected = ells.length * maxLength;
  t.run('', () => (body.length === expected ? null : `${body.length} lines, expected ${expected} (ell ${ells.join(',')} × m 1..${maxLength})`));
  let k = 0;
  for (const ell of ells) {
    for (let m = 1; m <= maxLength && k < body.length; m++, k++) {
      const line = body[k];
      t.run(at(k), () => {
        const match = /^(\d+)\t(\d+)\t(\d+)$/.exec(line);
        if (!match) return `expected ell<TAB>m<TAB>N, got ${JSON.stringify(line)}`;
        if (Number(match[1]) !== ell || Number(match[2]) !== m) return `expected ell = ${ell}, m = ${m}, got ell = ${match[1]}, m = ${match[2]}`;
        const n = cardinality(m, ell);
        return n === BigInt(match[3]) ? null : `cardinality(${m}, ${ell}) = ${n}, file has ${match[3]}`;
      });
    }
  }
}

interface CodecCase {
  readonly name: string;
  readonly line: number;
  readonly hex: string;
  readonly strands: string[];
}

function verifyCodec(t: Tally, options: ConstructorParameters<typeof LocoCodec>[0], body: string[]): void {
  let codec: LocoCodec | undefined;
  t.run('', () => {
    codec = new LocoCodec(options);
    return null;
  });
  const c = codec;
  if (!c) return;
  const cases: CodecCase[] = [];
  for (let k = 0; k < body.length; k++) {
    const parts = body[k].split('\t');
    if (parts[0] === CODEC_INPUT_TAG) {
      if (parts.length === 3) cases.push({ name: parts[1], line: k, hex: parts[2], strands: [] });
      else t.run(at(k), () => `expected input<TAB>name<TAB>hex, got ${JSON.stringify(body[k])}`);
    } else if (cases.length > 0) cases[cases.length - 1].strands.push(body[k]);
    else t.run(at(k), () => `a strand before the first ${CODEC_INPUT_TAG} line`);
  }
  t.run('', () => (cases.length > 0 ? null : 'no inputs'));
  for (const cs of cases) {
    const where = `${at(cs.line)} (input ${cs.name})`;
    let input: Uint8Array | undefined;
    t.run(where, () => {
      if (cs.hex !== '-' && !/^(?:[0-9a-f]{2})+$/.test(cs.hex)) return `input is not '-' or lower-case hex: ${JSON.stringify(cs.hex)}`;
      input = cs.hex === '-' ? new Uint8Array(0) : Uint8Array.from(Buffer.from(cs.hex, 'hex'));
      return null;
    });
    const bytes = input;
    if (!bytes) continue;
    const encoded = c.encodeToStrings(bytes);
    t.run(where, () => (encoded.length === cs.strands.length ? null : `encode gives ${encoded.length} strands, file has ${cs.strands.length}`));
    for (let i = 0; i < Math.min(encoded.length, cs.strands.length); i++) {
      t.run(at(cs.line + 1 + i), () => (encoded[i] === cs.strands[i] ? null : `strand ${i} of input ${cs.name}: encode gives ${encoded[i]}, file has ${cs.strands[i]}`));
    }
    t.run(where, () => {
      const decoded = c.decode(cs.strands);
      return Buffer.from(decoded).equals(Buffer.from(bytes)) ? null : `decoding the file's strands gives ${Buffer.from(decoded).toString('hex') || '-'}, not the input`;
    });
  }
}

/**
 * Recomputes the counts and compares every one exactly (each key is a check naming the count);
 * keys missing from or extra in the file fail too. Independently of the file, the recomputed
 * counts must have no single-substitution failure or miscorrection, the sent codeword in every
 * double substitution's list, and as many trials as the enumeration promises.
 */
function verifyEccOutcomes(t: Tally, params: EccOutcomeParams, body: string[]): void {
  const inFile = new Map<string, { value: number; line: number }>();
  for (let k = 0; k < body.length; k++) {
    const match = /^([A-Za-z][A-Za-z0-9.]*)=(0|[1-9]\d*)$/.exec(body[k]);
    if (!match) {
      t.run(at(k), () => `expected key=value (a non-negative integer), got ${JSON.stringify(body[k])}`);
      continue;
    }
    if (inFile.has(match[1])) t.run(at(k), () => `${match[1]} given twice (first on ${at(inFile.get(match[1])!.line)})`);
    else inFile.set(match[1], { value: Number(match[2]), line: k });
  }
  let counts: Map<string, number> | undefined;
  t.run('', () => {
    counts = new Map(eccOutcomeCounts(params));
    return null;
  });
  const expected = counts;
  if (!expected) return;
  for (const [key, value] of expected) {
    const got = inFile.get(key);
    t.run(got ? at(got.line) : '', () => {
      if (!got) return `${key} missing (recomputed ${key}=${value})`;
      return got.value === value ? null : `${key}: recomputed ${value}, file has ${got.value}`;
    });
  }
  for (const [key, got] of inFile) if (!expected.has(key)) t.run(at(got.line), () => `${key}: not a count the implementation produces`);
  for (const key of ECC_MUST_BE_ZERO) {
    t.run('', () => {
      const v = expected.get(key);
      return v === 0 ? null : `${key}=${v} recomputed: must be 0 (${key.startsWith('single') ? 'a single substitution not corrected' : 'the sent codeword missing from a double-substitution list'})`;
    });
  }
  const { m } = params;
  const sent = expected.get('sentWords') ?? 0;
  t.run('', () => (sent > 0 ? null : 'no codewords enumerated'));
  for (const [key, per] of [
    ['single.trials', 3 * m],
    ['double.trials', ((m * (m - 1)) / 2) * 9],
  ] as const) {
    t.run('', () => {
      const v = expected.get(key);
      return v === sent * per ? null : `${key}=${v} recomputed, expected sentWords × ${per} = ${sent * per}`;
    });
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && !e.message.includes(code) ? `${e.message} (${code})` : e.message;
  }
  return String(e);
}
