/**
 * The .dnq container: a quantized model as one self-describing, deterministic byte string.
 *
 *   bytes 0-3    magic "DNQ1"
 *   bytes 4-7    M, the manifest length in bytes (u32 little-endian); version 5 sets its top bit:
 *                the manifest is raw DEFLATE (fflate, level 9: the same bytes on every machine)
 *   bytes 8…     the manifest: UTF-8 JSON, no whitespace, keys in a fixed order (version 5:
 *                deflated, ~5× smaller — every byte of it is synthesised as DNA)
 *   then         the payload: every tensor's sections, back to back, no padding, no holes
 *   last 32      (versions 4, 5) SHA-256 of every byte before it: the manifest is covered too, so an
 *                edited shape, scale or head count cannot pass for the model that was written
 *
 * The manifest (zod schema below) names the format version, the model config, the quantizer and
 * its parameters, the bit budget, the payload's length and SHA-256, and for each tensor its name,
 * shape and sections (offset/length relative to the payload start):
 *   raw        `data`: f32 or f16 little-endian values, row-major
 *   quantized  `widths`: (b − minBits) per group, packed MSB-first in widthBits bits each
 *              `scales`: one byte per group, the scale code c: scale = 2^(scaleExp − c/16)
 *              `zeros`: the zero point per group, packed MSB-first in the group's width
 *              `codes`: packed MSB-first, row-major, each code in its group's width (bitpack.ts)
 *              (the manifest's `scaleExp` is the ladder's top; groups.ts has the grid)
 *   ecsq       `stream`: the entropy-coded step codes (one per column, on the ladder below 2^scaleExp)
 *              and integer codes of an ECSQ matrix (ecsq.ts; entropy/ecsq-stream.ts); with
 *              `stepsFrom`, its step codes are coded against those of that earlier ecsq tensor
 * Sections have no alignment: every byte of the archive is synthesised in DNA. Readers copy them
 * into fresh typed arrays, so alignment does not matter and big-endian hosts work too.
 *
 * The container is generic over named tensors; which tensors are quantized is the caller's
 * choice. Recommended for llama2.c models: quantize every 2-D matrix (including the token
 * embedding, which is also the classifier, spec §12.1) and keep RMSNorm vectors raw in f32 (704
 * floats for stories260K: 2.8 kB, and norms scale whole activations, so f16's 2^-11 relative error
 * buys little against their size). A matrix kept raw may use f16 to halve its size.
 *
 * The reader verifies the magic, lengths, the schema, the SHA-256, that sections tile the payload
 * exactly, the section sizes against shapes and widths, widths within range, the ladder's range and
 * zero padding bits (one canonical byte string per archive). Every failure is a DnqFormatError
 * naming the file and field.
 */
import { createHash } from 'node:crypto';
import { deflateSync, Inflate } from 'fflate';
import { z } from 'zod';
import { DnqFormatError, QuantInputError } from './errors.js';
import { F16_TABLE, f32ToF16 } from './f16.js';
import { dequantizeMatrix, groupsPerRow, MAX_SCALE_EXP, MAX_WIDTH, MIN_SCALE_EXP, MIN_WIDTH, widthFieldBits, type QuantizedMatrix } from './groups.js';
import { groupedCodeBits, packBits, packGroupedCodes, unpackBits, unpackGroupedCodes } from './bitpack.js';
import { dequantizeEcsq, type EcsqMatrix } from './ecsq.js';
import { decodeEcsqStream, encodeEcsqStream } from './entropy/ecsq-stream.js';
import { EntropyStreamError } from './entropy/errors.js';

export const DNQ_MAGIC = 'DNQ1';
/**
 * 3: ecsq streams of format 2 (context-modelled codes) and `stepsFrom`; 2: scale codes on a log
 * ladder and integer zero points (version 1 had f16 scales and offsets). Versions 2 and 3 are read.
 */
export const DNQ_VERSION = 5;
const READ_VERSIONS: readonly number[] = [2, 3, 4, 5];
/** The manifest-length word's top bit: the manifest is deflated (version 5). */
const DEFLATED = 0x80000000;
/** Bytes of the version-4 trailer: the SHA-256 of the container before it. */
export const DNQ_TRAILER_BYTES = 32;
export const DNQ_HEADER_BYTES = 8;
const MAX_MANIFEST_BYTES = 64 << 20;

const scalar = z.union([z.number(), z.string(), z.boolean()]);
const int = z.number().int().min(0);
const section = z.object({ offset: int, length: int }).strict();
const tensorName = z.string().min(1).max(256);
const bits = z.number().int().min(MIN_WIDTH).max(MAX_WIDTH);

const rawTensorSchema = z
  .object({
    name: tensorName,
    kind: z.literal('raw'),
    shape: z.array(int).max(8),
    dtype: z.enum(['f32', 'f16']),
    data: section,
  })
  .strict();

const quantTensorSchema = z
  .object({
    name: tensorName,
    kind: z.literal('quantized'),
    shape: z.tuple([z.number().int().min(1), z.number().int().min(1)]),
    groupSize: z.number().int().min(1),
    minBits: bits,
    maxBits: bits,
    widthBits: z.number().int().min(0).max(3),
    scaleExp: z.number().int().min(MIN_SCALE_EXP).max(MAX_SCALE_EXP),
    widths: section,
    scales: section,
    zeros: section,
    codes: section,
  })
  .strict();

const ecsqTensorSchema = z
  .object({
    name: tensorName,
    kind: z.literal('ecsq'),
    shape: z.tuple([z.number().int().min(1), z.number().int().min(1)]),
    scaleExp: z.number().int().min(MIN_SCALE_EXP).max(MAX_SCALE_EXP),
    stepsFrom: tensorName.optional(),
    stream: section,
  })
  .strict();

export const dnqManifestSchema = z
  .object({
    format: z.literal('dnq'),
    version: z.union([z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
    model: z.record(z.string(), scalar),
    quantizer: z.object({ method: z.string().min(1).max(64), params: z.record(z.string(), scalar) }).strict(),
    budget: z.object({ bitsPerWeight: z.number().positive().nullable() }).strict(),
    payload: z.object({ bytes: int, sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
    tensors: z.array(z.discriminatedUnion('kind', [rawTensorSchema, quantTensorSchema, ecsqTensorSchema])),
  })
  .strict();

export type DnqManifest = z.infer<typeof dnqManifestSchema>;
type Scalar = z.infer<typeof scalar>;

export type DnqTensorInput =
  | { kind: 'raw'; name: string; shape: number[]; data: Float32Array; dtype?: 'f32' | 'f16' }
  /** minBits/maxBits default to the smallest and largest width present. */
  | { kind: 'quantized'; name: string; matrix: QuantizedMatrix; minBits?: number; maxBits?: number }
  | { kind: 'ecsq'; name: string; matrix: EcsqMatrix };

export interface DnqInput {
  model?: Record<string, Scalar>;
  quantizer: { method: string; params?: Record<string, Scalar> };
  budgetBitsPerWeight?: number | null;
  tensors: DnqTensorInput[];
}

export type DnqTensor =
  | { kind: 'raw'; name: string; shape: number[]; dtype: 'f32' | 'f16'; data: Float32Array }
  | { kind: 'quantized'; name: string; shape: [number, number]; minBits: number; maxBits: number; matrix: QuantizedMatrix }
  | { kind: 'ecsq'; name: string; shape: [number, number]; matrix: EcsqMatrix; streamBytes: number };

export interface DnqArchive {
  manifest: DnqManifest;
  tensors: DnqTensor[];
  /** Bytes of the JSON manifest. */
  manifestBytes: number;
  /**
   * Whether the whole container, manifest included, was checked against its SHA-256 (version 4).
   * Versions 2 and 3 cover only the payload: an edited manifest goes unnoticed.
   */
  checked: boolean;
}

function elements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function encodeRaw(data: Float32Array, dtype: 'f32' | 'f16'): Uint8Array {
  const out = new Uint8Array(data.length * (dtype === 'f32' ? 4 : 2));
  const dv = new DataView(out.buffer);
  if (dtype === 'f32') for (let i = 0; i < data.length; i++) dv.setFloat32(4 * i, data[i], true);
  else for (let i = 0; i < data.length; i++) dv.setUint16(2 * i, f32ToF16(data[i]), true);
  return out;
}

/** Serialises tensors into a .dnq byte string (the same input always gives the same bytes). */
export function writeDnq(input: DnqInput): Uint8Array {
  const where = 'writeDnq';
  const chunks: Uint8Array[] = [];
  let at = 0;
  const add = (bytes: Uint8Array): { offset: number; length: number } => {
    chunks.push(bytes);
    const s = { offset: at, length: bytes.length };
    at += bytes.length;
    return s;
  };
  const names = new Set<string>();
  const coded = new Map<string, EcsqMatrix>();
  const tensors: DnqManifest['tensors'] = [];
  for (const t of input.tensors) {
    if (names.has(t.name)) throw new QuantInputError(where, `tensor name "${t.name}" appears twice`);
    names.add(t.name);
    if (t.kind === 'raw') {
      const dtype = t.dtype ?? 'f32';
      if (elements(t.shape) !== t.data.length)
        throw new QuantInputError(where, `tensor "${t.name}": shape [${t.shape.join(', ')}] needs ${elements(t.shape)} values, got ${t.data.length}`);
      tensors.push({ name: t.name, kind: 'raw', shape: [...t.shape], dtype, data: add(encodeRaw(t.data, dtype)) });
      continue;
    }
    if (t.kind === 'ecsq') {
      const e = t.matrix;
      const ref = e.stepsFrom === undefined ? undefined : coded.get(e.stepsFrom);
      if (e.stepsFrom !== undefined && !ref)
        throw new QuantInputError(where, `tensor "${t.name}": its steps are coded against "${e.stepsFrom}", which is not an ecsq tensor before it`);
      if (ref && ref.cols !== e.cols)
        throw new QuantInputError(where, `tensor "${t.name}": ${e.cols} columns, but "${e.stepsFrom}" (its steps' reference) has ${ref.cols}`);
      const stream = add(encodeEcsqStream(e.codes, e.rows, e.cols, e.stepCodes, `tensor "${t.name}"`, { reference: ref?.stepCodes }));
      tensors.push({ name: t.name, kind: 'ecsq', shape: [e.rows, e.cols], scaleExp: e.scaleExp, ...(ref ? { stepsFrom: e.stepsFrom } : {}), stream });
      coded.set(t.name, e);
      continue;
    }
    const m = t.matrix;
    const G = groupsPerRow(m.cols, m.groupSize);
    if (m.widths.length !== m.rows * G || m.scaleCodes.length !== m.rows * G || m.zeros.length !== m.rows * G || m.codes.length !== m.rows * m.cols)
      throw new QuantInputError(where, `tensor "${t.name}": widths/scales/zeros/codes do not match ${m.rows}×${m.cols} in groups of ${m.groupSize}`);
    let lo = MAX_WIDTH;
    let hi = MIN_WIDTH;
    for (let g = 0; g < m.widths.length; g++) {
      lo = Math.min(lo, m.widths[g]);
      hi = Math.max(hi, m.widths[g]);
    }
    const minBits = t.minBits ?? lo;
    const maxBits = t.maxBits ?? Math.max(lo, hi);
    if (lo < minBits || hi > maxBits || minBits < MIN_WIDTH || maxBits > MAX_WIDTH)
      throw new QuantInputError(where, `tensor "${t.name}": widths ${lo}..${hi} outside the declared range ${minBits}..${maxBits}`);
    for (let g = 0; g < m.zeros.length; g++)
      if (m.zeros[g] >> m.widths[g] !== 0)
        throw new QuantInputError(where, `tensor "${t.name}": zero point ${m.zeros[g]} of group ${g} does not fit its width ${m.widths[g]}`);
    const field = widthFieldBits(minBits, maxBits);
    const offsets = new Uint8Array(m.widths.length);
    for (let g = 0; g < offsets.length; g++) offsets[g] = m.widths[g] - minBits;
    tensors.push({
      name: t.name,
      kind: 'quantized',
      shape: [m.rows, m.cols],
      groupSize: m.groupSize,
      minBits,
      maxBits,
      widthBits: field,
      scaleExp: m.scaleExp,
      widths: add(packBits(offsets, new Uint8Array(offsets.length).fill(field))),
      scales: add(Uint8Array.from(m.scaleCodes)),
      zeros: add(packBits(m.zeros, m.widths)),
      codes: add(packGroupedCodes(m.codes, m.rows, m.cols, m.groupSize, m.widths)),
    });
  }
  const payload = new Uint8Array(at);
  let p = 0;
  for (const c of chunks) {
    payload.set(c, p);
    p += c.length;
  }
  const manifest: DnqManifest = {
    format: 'dnq',
    version: DNQ_VERSION,
    model: sortedRecord(input.model ?? {}),
    quantizer: { method: input.quantizer.method, params: sortedRecord(input.quantizer.params ?? {}) },
    budget: { bitsPerWeight: input.budgetBitsPerWeight ?? null },
    payload: { bytes: payload.length, sha256: createHash('sha256').update(payload).digest('hex') },
    tensors,
  };
  const checked = dnqManifestSchema.safeParse(manifest);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new QuantInputError(where, `manifest ${issue.path.map(String).join('.')}: ${issue.message}`);
  }
  const json = deflateSync(new TextEncoder().encode(JSON.stringify(manifest)), { level: 9 });
  const body = DNQ_HEADER_BYTES + json.length + payload.length;
  const out = new Uint8Array(body + DNQ_TRAILER_BYTES);
  out.set(new TextEncoder().encode(DNQ_MAGIC), 0);
  new DataView(out.buffer).setUint32(4, (json.length | DEFLATED) >>> 0, true);
  out.set(json, DNQ_HEADER_BYTES);
  out.set(payload, DNQ_HEADER_BYTES + json.length);
  out.set(createHash('sha256').update(out.subarray(0, body)).digest(), body);
  return out;
}

/**
 * Inflates raw DEFLATE data, refusing more than `limit` bytes of output as it goes: a few KB of
 * crafted input can expand a thousandfold. Fed in 1 KiB pieces, so no single step outgrows the
 * check by more than ~1 MB.
 */
function inflateBounded(data: Uint8Array, limit: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const inflate = new Inflate((chunk) => {
    total += chunk.length;
    if (total > limit) throw new Error(`it inflates to more than ${limit} bytes`);
    parts.push(chunk);
  });
  for (let at = 0; at < data.length; at += 1024) inflate.push(data.subarray(at, Math.min(data.length, at + 1024)), at + 1024 >= data.length);
  if (data.length === 0) inflate.push(data, true);
  const out = new Uint8Array(total);
  let p = 0;
  for (const c of parts) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** Keys in code-point order, so that the manifest does not depend on insertion order. */
function sortedRecord(r: Record<string, Scalar>): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k];
  return out;
}

/** The stored size of a container's manifest (deflated in version 5), from its header. */
export function dnqManifestBytes(bytes: Uint8Array): number {
  return bytes.length < DNQ_HEADER_BYTES ? 0 : new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true) & ~DEFLATED;
}

/** Parses and verifies a .dnq byte string; `file` names it in errors. */
export function readDnq(bytes: Uint8Array, file = '<dnq>'): DnqArchive {
  const fail = (field: string, detail: string): never => {
    throw new DnqFormatError(file, field, detail);
  };
  if (bytes.length < DNQ_HEADER_BYTES) fail('header', `${bytes.length} bytes is too short for a .dnq file`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  if (magic !== DNQ_MAGIC) fail('magic', `expected "${DNQ_MAGIC}", found ${JSON.stringify(magic)}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = dv.getUint32(4, true);
  const deflated = (word & DEFLATED) !== 0;
  const M = word & ~DEFLATED;
  if (M > MAX_MANIFEST_BYTES || DNQ_HEADER_BYTES + M > bytes.length) fail('manifest', `length ${M} exceeds the file (${bytes.length} bytes)`);
  const stored = bytes.subarray(DNQ_HEADER_BYTES, DNQ_HEADER_BYTES + M);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(deflated ? inflateBounded(stored, MAX_MANIFEST_BYTES) : stored));
  } catch (err) {
    fail('manifest', `${deflated ? 'not valid deflated ' : 'not valid '}UTF-8 JSON (${(err as Error).message})`);
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version >= 5 !== deflated)
    fail(
      'manifest',
      deflated
        ? `a deflated manifest in a version-${version} container (deflated since version 5)`
        : `version ${version} deflates its manifest; this one is not`,
    );
  if (typeof version === 'number' && !READ_VERSIONS.includes(version))
    fail(
      'version',
      `${version} is not read by this dnarchive (it reads versions ${READ_VERSIONS.slice(0, -1).join(', ')} and ${READ_VERSIONS[READ_VERSIONS.length - 1]}${version === 1 ? '; version 1 had f16 grids: quantize the model again' : ''})`,
    );
  const parsed = dnqManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(issue.path.map(String).join('.') || 'manifest', issue.message);
  }
  const manifest = (parsed as { data: DnqManifest }).data;
  const checked = manifest.version >= 4;
  const body = checked ? bytes.length - DNQ_TRAILER_BYTES : bytes.length;
  if (body < DNQ_HEADER_BYTES + M) fail('trailer', `the file ends before its ${DNQ_TRAILER_BYTES}-byte SHA-256 trailer (truncated?)`);
  const payload = bytes.subarray(DNQ_HEADER_BYTES + M, body);
  if (payload.length !== manifest.payload.bytes) fail('payload.bytes', `manifest says ${manifest.payload.bytes} bytes, file holds ${payload.length}`);
  const digest = createHash('sha256').update(payload).digest('hex');
  if (digest !== manifest.payload.sha256)
    fail('payload.sha256', `payload hash ${digest} does not match the manifest (${manifest.payload.sha256}): the file is corrupt`);
  // The payload is what its manifest says; the trailer says the manifest is what was written.
  if (checked && !createHash('sha256').update(bytes.subarray(0, body)).digest().equals(bytes.subarray(body)))
    fail('trailer', `the container's SHA-256 does not match its trailer: the manifest or payload was changed or damaged`);

  // Sections must tile the payload exactly.
  const spans: { offset: number; length: number; field: string }[] = [];
  manifest.tensors.forEach((t, i) => {
    const keys = t.kind === 'raw' ? (['data'] as const) : t.kind === 'ecsq' ? (['stream'] as const) : (['widths', 'scales', 'zeros', 'codes'] as const);
    for (const k of keys) spans.push({ ...((t as Record<string, unknown>)[k] as { offset: number; length: number }), field: `tensors.${i}.${k}` });
  });
  spans.sort((a, b) => a.offset - b.offset || a.length - b.length);
  let end = 0;
  for (const s of spans) {
    if (s.offset !== end) fail(`${s.field}.offset`, `section starts at ${s.offset}, expected ${end}: sections must tile the payload without holes or overlaps`);
    end = s.offset + s.length;
  }
  if (end !== payload.length) fail('payload.bytes', `sections end at ${end}, payload has ${payload.length} bytes`);

  const names = new Set<string>();
  const decoded = new Map<string, EcsqMatrix>();
  const tensors: DnqTensor[] = manifest.tensors.map((t, i): DnqTensor => {
    const f = `tensors.${i}`;
    if (names.has(t.name)) fail(`${f}.name`, `tensor name "${t.name}" appears twice`);
    names.add(t.name);
    const slice = (s: { offset: number; length: number }): Uint8Array => payload.subarray(s.offset, s.offset + s.length);
    if (t.kind === 'raw') {
      const n = elements(t.shape);
      const size = t.dtype === 'f32' ? 4 : 2;
      if (t.data.length !== n * size)
        fail(`${f}.data.length`, `${t.data.length} bytes, expected ${n} ${t.dtype} values = ${n * size} bytes for shape [${t.shape.join(', ')}]`);
      const src = slice(t.data);
      const sdv = new DataView(src.buffer, src.byteOffset, src.byteLength);
      const data = new Float32Array(n);
      if (t.dtype === 'f32') for (let j = 0; j < n; j++) data[j] = sdv.getFloat32(4 * j, true);
      else for (let j = 0; j < n; j++) data[j] = F16_TABLE[sdv.getUint16(2 * j, true)];
      return { kind: 'raw', name: t.name, shape: t.shape, dtype: t.dtype, data };
    }
    if (t.kind === 'ecsq') {
      const [rows, cols] = t.shape;
      const ref = t.stepsFrom === undefined ? undefined : decoded.get(t.stepsFrom);
      if (t.stepsFrom !== undefined && !ref) fail(`${f}.stepsFrom`, `"${t.stepsFrom}" is not an ecsq tensor before this one`);
      if (ref && ref.cols !== cols) fail(`${f}.stepsFrom`, `"${t.stepsFrom}" has ${ref.cols} columns, this tensor ${cols}`);
      try {
        const { codes, stepCodes } = decodeEcsqStream(slice(t.stream), rows, cols, `${f}.stream`, { reference: ref?.stepCodes });
        const matrix: EcsqMatrix = { rows, cols, scaleExp: t.scaleExp, stepCodes, codes, ...(ref ? { stepsFrom: t.stepsFrom } : {}) };
        decoded.set(t.name, matrix);
        return { kind: 'ecsq', name: t.name, shape: [rows, cols], streamBytes: t.stream.length, matrix };
      } catch (err) {
        if (err instanceof EntropyStreamError) fail(`${f}.stream`, err.message);
        throw err;
      }
    }
    const [rows, cols] = t.shape;
    if (t.minBits > t.maxBits) fail(`${f}.maxBits`, `${t.maxBits} is below minBits ${t.minBits}`);
    if (t.widthBits !== widthFieldBits(t.minBits, t.maxBits))
      fail(`${f}.widthBits`, `${t.widthBits}, expected ${widthFieldBits(t.minBits, t.maxBits)} for widths ${t.minBits}..${t.maxBits}`);
    const groups = rows * groupsPerRow(cols, t.groupSize);
    const widthBytes = Math.ceil((groups * t.widthBits) / 8);
    if (t.widths.length !== widthBytes)
      fail(`${f}.widths.length`, `${t.widths.length} bytes, expected ${widthBytes} for ${groups} groups of ${t.widthBits} bits`);
    if (t.scales.length !== groups) fail(`${f}.scales.length`, `${t.scales.length} bytes, expected ${groups} (one scale code per group)`);
    const widthData = slice(t.widths);
    checkPadding(widthData, groups * t.widthBits, () => fail(`${f}.widths`, 'nonzero padding bits after the last width'));
    const widths = unpackBits(widthData, new Uint8Array(groups).fill(t.widthBits), new Uint8Array(groups)) as Uint8Array;
    for (let g = 0; g < groups; g++) {
      widths[g] += t.minBits;
      if (widths[g] > t.maxBits) fail(`${f}.widths`, `group ${g} has width ${widths[g]} above maxBits ${t.maxBits}`);
    }
    const scaleCodes = Uint8Array.from(slice(t.scales));
    let zeroBits = 0;
    for (let g = 0; g < groups; g++) zeroBits += widths[g];
    if (t.zeros.length !== Math.ceil(zeroBits / 8))
      fail(`${f}.zeros.length`, `${t.zeros.length} bytes, expected ${Math.ceil(zeroBits / 8)} (one zero point per group in its width)`);
    const zeroData = slice(t.zeros);
    checkPadding(zeroData, zeroBits, () => fail(`${f}.zeros`, 'nonzero padding bits after the last zero point'));
    const zeros = unpackBits(zeroData, widths, new Uint8Array(groups)) as Uint8Array;
    const codeBits = groupedCodeBits(rows, cols, t.groupSize, widths);
    if (t.codes.length !== Math.ceil(codeBits / 8))
      fail(`${f}.codes.length`, `${t.codes.length} bytes, expected ${Math.ceil(codeBits / 8)} for ${codeBits} code bits`);
    const codeData = slice(t.codes);
    checkPadding(codeData, codeBits, () => fail(`${f}.codes`, 'nonzero padding bits after the last code'));
    const codes = unpackGroupedCodes(codeData, rows, cols, t.groupSize, widths);
    return {
      kind: 'quantized',
      name: t.name,
      shape: [rows, cols],
      minBits: t.minBits,
      maxBits: t.maxBits,
      matrix: { rows, cols, groupSize: t.groupSize, widths, codes, scaleExp: t.scaleExp, scaleCodes, zeros },
    };
  });
  return { manifest, tensors, manifestBytes: M, checked };
}

function checkPadding(data: Uint8Array, usedBits: number, onFail: () => void): void {
  const spare = data.length * 8 - usedBits;
  if (spare > 0 && (data[data.length - 1] & ((1 << spare) - 1)) !== 0) onFail();
}

/** Every tensor of an archive as f32 values, in manifest order. */
export function dequantizeDnq(archive: DnqArchive): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const t of archive.tensors) {
    if (t.kind === 'raw') out.set(t.name, { shape: [...t.shape], data: t.data });
    else out.set(t.name, { shape: [...t.shape], data: t.kind === 'ecsq' ? dequantizeEcsq(t.matrix) : dequantizeMatrix(t.matrix) });
  }
  return out;
}
