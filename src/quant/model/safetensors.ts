/**
 * safetensors (spec quant.md §10.1): a little-endian u64 header length N, N bytes of JSON naming
 * each tensor's dtype, shape and [begin, end) inside the byte buffer that follows, and an optional
 * string → string `__metadata__`. The header is validated with zod; the buffer must be covered
 * exactly (no holes, no overlaps), which also rules out a duplicate key whose first copy JSON.parse
 * dropped. Float tensors (F32, F16, BF16, F64) are read into Float32Array; any other listed dtype
 * is refused by name. Values are not checked here (the format allows NaN); the model mapping does.
 */
import { z } from 'zod';
import { f16ToF32, f32ToF16 } from '../f16.js';
import { ModelFormatError } from './errors.js';

/** Every dtype the format defines, with its size in bytes. */
const DTYPE_BYTES = { BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8 } as const;
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;
/** The dtypes this reader converts to float32 (and the writer can store). */
export type FloatDtype = 'F32' | 'F16' | 'BF16';
const READABLE = new Set<string>(['F32', 'F16', 'BF16', 'F64']);

/** The reference parser's limit on the JSON header. */
const MAX_HEADER_BYTES = 100_000_000;

const entrySchema = z.strictObject({
  dtype: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});
const metadataSchema = z.record(z.string(), z.string());

export interface SafetensorsTensor {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** The values in row-major order, converted to float32. */
  data: Float32Array;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  /** In file order (by data offset). */
  tensors: Map<string, SafetensorsTensor>;
}

/** Does `bytes` start like a safetensors file (a length, then `{"`)? */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  // `{"` after the length says safetensors even when the length is out of range (the parser then says so),
  // rather than letting a damaged header be read as a llama2.c checkpoint.
  return n >= 2n && bytes[8] === 0x7b && bytes[9] === 0x22;
}

export function parseSafetensors(bytes: Uint8Array, file = 'model.safetensors'): SafetensorsFile {
  if (bytes.length < 8) throw new ModelFormatError(file, `${bytes.length} bytes: too short for the 8-byte safetensors header length`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES))
    throw new ModelFormatError(file, `header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
  const n = Number(n64);
  if (8 + n > bytes.length) throw new ModelFormatError(file, `header length ${n} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  let json: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    if (!text.startsWith('{')) throw new Error('it does not start with "{"');
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelFormatError(file, `the JSON header is not valid: ${(err as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ModelFormatError(file, 'the JSON header is not an object');
  const buffer = bytes.subarray(8 + n);
  const header = json as Record<string, unknown>;
  let metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      const r = metadataSchema.safeParse(value);
      if (!r.success)
        throw new ModelFormatError(file, `__metadata__ must map strings to strings: ${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`);
      metadata = r.data;
      continue;
    }
    const r = entrySchema.safeParse(value);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new ModelFormatError(file, `tensor ${name}: ${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
    }
    const {
      dtype,
      shape,
      data_offsets: [begin, end],
    } = r.data;
    if (!(dtype in DTYPE_BYTES))
      throw new ModelFormatError(file, `tensor ${name}: unknown dtype ${JSON.stringify(dtype)} (safetensors defines ${Object.keys(DTYPE_BYTES).join(', ')})`);
    const d = dtype as SafetensorsDtype;
    if (!READABLE.has(d)) throw new ModelFormatError(file, `tensor ${name}: dtype ${d} is not a float type this reader converts (F32, F16, BF16, F64)`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (end < begin || end > buffer.length)
      throw new ModelFormatError(file, `tensor ${name}: data_offsets [${begin}, ${end}] fall outside the ${buffer.length}-byte buffer`);
    if (end - begin !== count * DTYPE_BYTES[d])
      throw new ModelFormatError(
        file,
        `tensor ${name}: shape [${shape.join(', ')}] of ${d} needs ${count * DTYPE_BYTES[d]} bytes, data_offsets give ${end - begin}`,
      );
    entries.push({ name, dtype: d, shape, begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of entries) {
    if (e.begin !== covered)
      throw new ModelFormatError(
        file,
        `tensor ${e.name}: starts at byte ${e.begin} of the buffer, expected ${covered} (${e.begin > covered ? 'a hole' : 'an overlap'}; the buffer must be indexed exactly)`,
      );
    covered = e.end;
  }
  if (covered !== buffer.length)
    throw new ModelFormatError(file, `the buffer has ${buffer.length - covered} bytes after the last tensor (holes are not allowed)`);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries) tensors.set(e.name, { name: e.name, dtype: e.dtype, shape: e.shape, data: toFloat32(buffer.subarray(e.begin, e.end), e.dtype) });
  return { metadata, tensors };
}

function toFloat32(raw: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  const size = DTYPE_BYTES[dtype];
  const count = raw.length / size;
  const out = new Float32Array(count);
  if (dtype === 'F32') {
    new Uint8Array(out.buffer).set(raw); // copy: the source may not be 4-byte aligned
    return out;
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.length);
  if (dtype === 'F16') for (let i = 0; i < count; i++) out[i] = f16ToF32(dv.getUint16(2 * i, true));
  else if (dtype === 'F64') for (let i = 0; i < count; i++) out[i] = dv.getFloat64(8 * i, true);
  else {
    // bfloat16 is the top half of a float32.
    const u = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) u[i] = dv.getUint16(2 * i, true) << 16;
  }
  return out;
}

export interface SafetensorsInput {
  name: string;
  dtype: FloatDtype;
  shape: number[];
  data: Float32Array;
}

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** float32 → bfloat16 bits, rounding to nearest even (NaN stays a quiet NaN). */
export function f32ToBf16(x: number): number {
  scratch[0] = x;
  const u = scratchBits[0];
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 0x40) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * The file bytes for `tensors` in the given order; the header is padded with spaces so that the
 * buffer starts 8-byte aligned, as common writers do.
 */
export function serializeSafetensors(tensors: readonly SafetensorsInput[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new ModelFormatError(t.name, `shape [${t.shape.join(', ')}] holds ${count} values, the data has ${t.data.length}`);
    if (t.name in header) throw new ModelFormatError(t.name, 'duplicate tensor name');
    const bytes = count * DTYPE_BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const t of tensors) {
    if (t.dtype === 'F32') {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
      at += t.data.byteLength;
    } else {
      const conv = t.dtype === 'F16' ? f32ToF16 : f32ToBf16;
      for (let i = 0; i < t.data.length; i++, at += 2) dv.setUint16(at, conv(t.data[i]), true);
    }
  }
  return out;
}
