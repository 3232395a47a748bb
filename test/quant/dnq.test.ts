import { deflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { Rng } from '../../src/random.js';
import { dequantizeDnq, readDnq, writeDnq, type DnqInput } from '../../src/quant/dnq.js';
import { dnqAccounting } from '../../src/quant/accounting.js';
import { gptqQuantize } from '../../src/quant/gptq.js';
import { rtnQuantize } from '../../src/quant/rtn.js';
import { allocateBits, measureGroupCosts } from '../../src/quant/allocate.js';
import { dequantizeMatrix, groupsPerRow } from '../../src/quant/groups.js';
import { F16_TABLE, f32ToF16 } from '../../src/quant/f16.js';
import { DnqFormatError, QuantInputError } from '../../src/quant/errors.js';
import { correlatedHessian, editManifest, randomMatrix } from './_quant-fixtures.js';

function sample(seed = 1): DnqInput {
  const rng = new Rng(seed);
  const { H } = correlatedHessian(rng, 172, 400);
  const W2 = randomMatrix(rng, 64, 172);
  const G = groupsPerRow(172, 32);
  const widths = new Uint8Array(64 * G);
  for (let i = 0; i < widths.length; i++) widths[i] = 2 + (i % 7);
  const Wq = randomMatrix(rng, 32, 64);
  return {
    model: { n_layers: 5, dim: 64, name: 'stories260K', shared: true },
    quantizer: { method: 'gptq', params: { percdamp: 0.01, blockSize: 128 } },
    budgetBitsPerWeight: 4.25,
    tensors: [
      { kind: 'raw', name: 'rms_att_weight', shape: [5, 64], data: randomMatrix(rng, 5, 64, 1) },
      { kind: 'quantized', name: 'layers.0.w2', matrix: gptqQuantize(W2, 64, 172, H, { bits: widths }) },
      { kind: 'quantized', name: 'layers.0.wk', matrix: rtnQuantize(Wq, 32, 64, { bits: 4 }) },
      { kind: 'raw', name: 'tok_embeddings', shape: [8, 64], dtype: 'f16', data: randomMatrix(rng, 8, 64, 0.1) },
      { kind: 'raw', name: 'scalar', shape: [], data: new Float32Array([3.5]) },
    ],
  };
}

function expectDnqError(bytes: Uint8Array, field: string, pattern?: RegExp): void {
  let err: unknown;
  try {
    readDnq(bytes, 'model.dnq');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DnqFormatError);
  expect((err as DnqFormatError).field).toBe(field);
  expect((err as Error).message.startsWith(`model.dnq: ${field}`)).toBe(true);
  if (pattern) expect((err as Error).message).toMatch(pattern);
}

describe('.dnq container', () => {
  it('round-trips raw and quantized tensors; dequantization is bit-exact', () => {
    const input = sample();
    const bytes = writeDnq(input);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('DNQ1');
    const a = readDnq(bytes);
    expect(a.manifest.model).toEqual({ dim: 64, n_layers: 5, name: 'stories260K', shared: true });
    expect(a.manifest.budget.bitsPerWeight).toBe(4.25);
    const tensors = dequantizeDnq(a);
    expect([...tensors.keys()]).toEqual(['rms_att_weight', 'layers.0.w2', 'layers.0.wk', 'tok_embeddings', 'scalar']);
    for (const t of input.tensors) {
      const got = tensors.get(t.name)!;
      if (t.kind === 'raw') {
        expect(got.shape).toEqual(t.shape);
        const want = t.dtype === 'f16' ? t.data.map((x) => F16_TABLE[f32ToF16(x)]) : t.data;
        expect(Buffer.from(got.data.buffer).equals(Buffer.from(want.buffer))).toBe(true);
      } else if (t.kind === 'quantized') {
        expect(got.shape).toEqual([t.matrix.rows, t.matrix.cols]);
        expect(Buffer.from(got.data.buffer).equals(Buffer.from(dequantizeMatrix(t.matrix).buffer))).toBe(true);
        const stored = a.tensors.find((x) => x.name === t.name)!;
        if (stored.kind !== 'quantized') throw new Error('kind');
        expect(Array.from(stored.matrix.widths)).toEqual(Array.from(t.matrix.widths));
        expect(Array.from(stored.matrix.codes)).toEqual(Array.from(t.matrix.codes));
      }
    }
    const wk = a.manifest.tensors[2];
    expect(wk.kind === 'quantized' && wk.widthBits).toBe(0); // uniform 4 bits: no width field
    const w2 = a.manifest.tensors[1];
    expect(w2.kind === 'quantized' && [w2.minBits, w2.maxBits, w2.widthBits]).toEqual([2, 8, 3]);
  });

  it('is deterministic: the same input gives byte-identical files, whatever the key order of the model record', () => {
    const a = writeDnq(sample(3));
    const s = sample(3);
    s.model = { shared: true, name: 'stories260K', dim: 64, n_layers: 5 };
    const b = writeDnq(s);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(createHash('sha256').update(a).digest('hex')).toBe(createHash('sha256').update(b).digest('hex'));
  });

  it('accounting adds up to the file size and matches the allocation', () => {
    const rng = new Rng(8);
    const W = randomMatrix(rng, 64, 172);
    const costs = measureGroupCosts(W, 64, 172, undefined);
    const alloc = allocateBits(costs, { budgetBitsPerWeight: 4 });
    const m = rtnQuantize(W, 64, 172, { bits: alloc.widths });
    const bytes = writeDnq({
      quantizer: { method: 'rtn+alloc' },
      budgetBitsPerWeight: 4,
      tensors: [
        { kind: 'quantized', name: 'w2', matrix: m, minBits: 2, maxBits: 8 },
        { kind: 'raw', name: 'norm', shape: [64], data: new Float32Array(64).fill(1) },
      ],
    });
    const acc = dnqAccounting(bytes);
    expect(acc.fileBytes).toBe(bytes.length);
    expect(acc.quantized.weights).toBe(64 * 172);
    expect(acc.raw).toEqual({ tensors: 1, elements: 64, bytes: 256 });
    expect(acc.quantized.codeBits + acc.quantized.gridBits + acc.quantized.widthBits).toBe(alloc.totalBits);
    expect(acc.quantized.allocatedBitsPerWeight).toBe(alloc.bitsPerWeight);
    expect(acc.quantized.paddingBits).toBeGreaterThanOrEqual(0);
    expect(acc.quantized.paddingBits).toBeLessThan(8 * 4);
    expect(acc.quantized.bitsPerWeight).toBeLessThanOrEqual(4 + 32 / (64 * 172));
    expect(acc.headerBytes + acc.manifestBytes + acc.quantized.bytes + acc.raw.bytes + acc.trailerBytes).toBe(bytes.length);
    expect(acc.trailerBytes).toBe(32);
  });

  it('detects corruption and bad manifests with errors naming the field', () => {
    const good = writeDnq(sample());
    const flipped = Uint8Array.from(good);
    flipped[flipped.length - 32 - 3] ^= 0x10; // in the payload, before the 32-byte trailer
    expectDnqError(flipped, 'payload.sha256', /does not match the manifest/);
    const trailer = Uint8Array.from(good);
    trailer[trailer.length - 1] ^= 0x01;
    expectDnqError(trailer, 'trailer', /does not match its trailer/);
    const magic = Uint8Array.from(good);
    magic[3] = 0x32;
    expectDnqError(magic, 'magic', /expected "DNQ1", found "DNQ2"/);
    expectDnqError(good.subarray(0, 5), 'header');
    expectDnqError(good.subarray(0, good.length - 1), 'payload.bytes');
    const longLen = Uint8Array.from(good);
    new DataView(longLen.buffer).setUint32(4, 1e9, true);
    expectDnqError(longLen, 'manifest', /exceeds the file/);
    expectDnqError(
      editManifest(good, (m) => (m.version = 6)),
      'version',
      /6 is not read by this dnarchive \(it reads versions 2, 3, 4 and 5\)/,
    );
    // Version 5 deflates its manifest, earlier versions do not: a mismatch is refused.
    expectDnqError(
      editManifest(good, (m) => (m.version = 4)).map((b, i) => (i === 7 ? b | 0x80 : b)),
      'manifest',
      /not valid deflated UTF-8 JSON|a deflated manifest in a version-4 container/,
    );
    // A deflate bomb in the manifest is refused by its inflated size, not after allocating it.
    const bomb = deflateSync(new Uint8Array(80 << 20), { level: 9 });
    const crafted = new Uint8Array(8 + bomb.length);
    crafted.set(good.subarray(0, 4));
    new DataView(crafted.buffer).setUint32(4, (bomb.length | 0x80000000) >>> 0, true);
    crafted.set(bomb, 8);
    expectDnqError(crafted, 'manifest', /inflates to more than 67108864 bytes/);
    // Version 4 covers the manifest: a head count or scale changed within range, without a new
    // trailer, is refused; versions 2 and 3 cannot tell (read, marked unchecked).
    expectDnqError(
      editManifest(good, (m) => (m.tensors[1].scaleExp -= 1), false),
      'trailer',
      /SHA-256 does not match its trailer: the manifest or payload was changed or damaged/,
    );
    expect(readDnq(good).checked).toBe(true);
    expect(readDnq(editManifest(good, (m) => (m.version = 3))).checked).toBe(false);
    // Version 2 (before format-2 ECSQ streams) is still read.
    expect(
      readDnq(
        editManifest(good, (m) => (m.version = 2)),
        'model.dnq',
      ).tensors.length,
    ).toBe(readDnq(good).tensors.length);
    expectDnqError(
      editManifest(good, (m) => (m.version = 1)),
      'version',
      /version 1 had f16 grids: quantize the model again/,
    );
    expectDnqError(
      editManifest(good, (m) => (m.tensors[1].scaleExp = 400)),
      'tensors.1.scaleExp',
    );
    expectDnqError(
      editManifest(good, (m) => (m.tensors[1].scaleExp = 1.5)),
      'tensors.1.scaleExp',
    );
    expectDnqError(
      editManifest(good, (m) => (m.tensors[1].groupSize = 0)),
      'tensors.1.groupSize',
    );
    expectDnqError(
      editManifest(good, (m) => (m.tensors[1].extra = 1)),
      'tensors.1',
    );
    expectDnqError(
      editManifest(good, (m) => (m.tensors[0].shape = [5, 65])),
      'tensors.0.data.length',
      /expected 325 f32 values/,
    );
    expectDnqError(
      editManifest(good, (m) => (m.tensors[1].shape = [64, 171])),
      'tensors.1.codes.length',
    );
    expectDnqError(
      editManifest(good, (m) => (m.tensors[1].widthBits = 2)),
      'tensors.1.widthBits',
    );
    expectDnqError(
      editManifest(good, (m) => (m.tensors[1].maxBits = 7)),
      'tensors.1.widths',
      /above maxBits 7/,
    );
    expectDnqError(
      editManifest(good, (m) => {
        m.tensors[4].name = m.tensors[3].name;
      }),
      'tensors.4.name',
      /appears twice/,
    );
    expectDnqError(
      editManifest(good, (m) => {
        m.tensors[0].data.offset += 1;
      }),
      'tensors.0.data.offset',
      /without holes or overlaps/,
    );
    const bad = new TextEncoder().encode('DNQ1\x03\x00\x00\x00{x}');
    expectDnqError(bad, 'manifest', /not valid UTF-8 JSON/);
  });

  it('rejects nonzero padding bits (one canonical byte string per archive)', () => {
    const m = rtnQuantize(new Float32Array([0.1, 0.2, 0.3]), 1, 3, { bits: 3 }); // 9 code bits: 7 padding bits
    const good = writeDnq({ quantizer: { method: 'rtn' }, tensors: [{ kind: 'quantized', name: 'w', matrix: m }] });
    const a = readDnq(good);
    const t = a.manifest.tensors[0];
    if (t.kind !== 'quantized') throw new Error('kind');
    const bad = Uint8Array.from(good);
    const at = good.length - good.length + 8 + a.manifestBytes + t.codes.offset + 1;
    bad[at] |= 1;
    const payload = bad.subarray(8 + a.manifestBytes, bad.length - 32);
    const fixed = editManifest(bad, (mm) => (mm.payload.sha256 = createHash('sha256').update(payload).digest('hex')));
    expectDnqError(fixed, 'tensors.0.codes', /nonzero padding bits/);
  });

  it('refuses duplicate names and mismatched shapes when writing', () => {
    const raw = { kind: 'raw' as const, name: 'a', shape: [2], data: new Float32Array(2) };
    expect(() => writeDnq({ quantizer: { method: 'x' }, tensors: [raw, raw] })).toThrow(/tensor name "a" appears twice/);
    expect(() => writeDnq({ quantizer: { method: 'x' }, tensors: [{ ...raw, shape: [3] }] })).toThrow(QuantInputError);
  });
});
