/**
 * safetensors: the generic reader and writer (F32/F16/BF16), the Llama mapping under Meta and
 * Hugging Face names (HF's q/k row order checked against HF's own rotate-half RoPE), where the head
 * count comes from, one readModel for every format, and malformed files.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  f32ToBf16,
  f16ToF32,
  ModelFormatError,
  parseModel,
  parseSafetensors,
  parseSafetensorsModel,
  readLlama2c,
  readModel,
  serializeLlama2c,
  serializeSafetensors,
  serializeSafetensorsModel,
  toHfRopeOrder,
  Transformer,
  writeSafetensorsModel,
  type LlamaModel,
} from '../../src/quant/index.js';
import { MODEL } from '../_fixtures.js';

const model = readLlama2c(MODEL);
const c = model.config;
const kvDim = (c.dim / c.nHeads) * c.nKvHeads;
const dir = mkdtempSync(join(tmpdir(), 'dnarchive-st-'));

/** A safetensors file from a header object and a buffer (no validation: for malformed cases). */
function rawFile(header: unknown, buffer: Uint8Array, headerText = JSON.stringify(header)): Uint8Array {
  const json = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + json.length + buffer.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(buffer, 8 + json.length);
  return out;
}

/** Bit-identical arrays (a byte comparison: deep equality is slow on large typed arrays). */
function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function expectSameWeights(a: LlamaModel, b: LlamaModel): void {
  expect(a.config).toEqual(b.config);
  expect(sameBits(a.tokenEmbedding, b.tokenEmbedding)).toBe(true);
  expect(sameBits(a.finalNorm, b.finalNorm)).toBe(true);
  expect(sameBits(a.wcls, b.wcls)).toBe(true);
  a.layers.forEach((l, i) => {
    for (const k of Object.keys(l) as (keyof typeof l)[]) expect(sameBits(l[k], b.layers[i][k]), `layer ${i} ${k}`).toBe(true);
  });
}

describe('safetensors container', () => {
  it('writes an 8-byte-aligned header and reads F32 exactly, F16 and BF16 rounded to nearest', () => {
    const data = Float32Array.of(1, -2.5, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 65504, 1e-8, -0, 3.14159);
    const bytes = serializeSafetensors(
      [
        { name: 'a', dtype: 'F32', shape: [2, 4], data },
        { name: 'b', dtype: 'F16', shape: [8], data },
        { name: 'c', dtype: 'BF16', shape: [4, 2], data },
        { name: 'empty', dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
        { name: 'scalar', dtype: 'F32', shape: [], data: Float32Array.of(7) },
      ],
      { note: 'x' },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const st = parseSafetensors(bytes, 't.safetensors');
    expect(st.metadata).toEqual({ note: 'x' });
    expect([...st.tensors.keys()]).toEqual(['a', 'b', 'c', 'empty', 'scalar']);
    expect(st.tensors.get('a')!.data).toEqual(data);
    expect(st.tensors.get('a')!.shape).toEqual([2, 4]);
    expect([...st.tensors.get('b')!.data]).toEqual([1, -2.5, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 65504, 0, -0, f16ToF32(0x4248)]); // 1e-8 underflows
    expect(f16ToF32(0x4248)).toBe(3.140625);
    // bfloat16 keeps 7 fraction bits: 1 + 2^-8 and 1 + 3·2^-8 are ties, to even.
    expect([...st.tensors.get('c')!.data]).toEqual([1, -2.5, 1, 1 + 2 ** -6, 65536, st.tensors.get('c')!.data[5], -0, 3.140625]);
    expect(Math.abs(st.tensors.get('c')!.data[5] / 1e-8 - 1)).toBeLessThan(2 ** -8);
    expect(st.tensors.get('empty')!.data.length).toBe(0);
    expect([...st.tensors.get('scalar')!.data]).toEqual([7]);
  });

  it('bfloat16 rounding: ties to even, overflow to infinity, NaN stays NaN', () => {
    expect(f32ToBf16(1)).toBe(0x3f80);
    expect(f32ToBf16(1 + 2 ** -8)).toBe(0x3f80); // tie, even stays
    expect(f32ToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie, odd rounds up
    expect(f32ToBf16(-0)).toBe(0x8000);
    expect(f32ToBf16(Infinity)).toBe(0x7f80);
    expect(f32ToBf16(3.4028234663852886e38)).toBe(0x7f80);
    expect(f32ToBf16(NaN) & 0x7fc0).toBe(0x7fc0);
  });

  it('malformed files are named errors', () => {
    const buf = new Uint8Array(8);
    const ok = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    expect(() => parseSafetensors(rawFile(ok, buf), 'ok')).not.toThrow();
    expect(() => parseSafetensors(new Uint8Array(5), 'tiny.st')).toThrow(/tiny\.st: 5 bytes: too short/);
    const long = rawFile(ok, buf);
    new DataView(long.buffer).setBigUint64(0, 1000n, true);
    expect(() => parseSafetensors(long, 'long.st')).toThrow(/long\.st: header length 1000 runs past the end of the \d+-byte file/);
    new DataView(long.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(() => parseSafetensors(long, 'huge.st')).toThrow(/exceeds the 100000000-byte limit/);
    expect(() => parseSafetensors(rawFile(null, buf, '{"w": {"dtype": "F32",'), 'json.st')).toThrow(/json\.st: the JSON header is not valid/);
    expect(() => parseSafetensors(rawFile([1], buf), 'arr.st')).toThrow(/arr\.st: the JSON header is not valid: it does not start with "\{"/);
    expect(() => parseSafetensors(rawFile({ w: { ...ok.w, dtype: 'F12' } }, buf), 'd.st')).toThrow(/d\.st: tensor w: unknown dtype "F12"/);
    expect(() => parseSafetensors(rawFile({ w: { ...ok.w, dtype: 'I32' } }, buf), 'i.st')).toThrow(/i\.st: tensor w: dtype I32 is not a float type/);
    expect(() => parseSafetensors(rawFile({ w: { ...ok.w, shape: [3] } }, buf), 's.st')).toThrow(
      /s\.st: tensor w: shape \[3\] of F32 needs 12 bytes, data_offsets give 8/,
    );
    expect(() => parseSafetensors(rawFile({ w: { ...ok.w, shape: [-2] } }, buf), 'n.st')).toThrow(/n\.st: tensor w: shape\.0: /);
    expect(() => parseSafetensors(rawFile({ w: { ...ok.w, extra: 1 } }, buf), 'x.st')).toThrow(/x\.st: tensor w: /);
    expect(() => parseSafetensors(rawFile({ w: { ...ok.w, data_offsets: [0, 16] } }, buf), 'o.st')).toThrow(
      /o\.st: tensor w: data_offsets \[0, 16\] fall outside the 8-byte buffer/,
    );
    const two = { a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } };
    expect(() => parseSafetensors(rawFile(two, buf), 'overlap.st')).toThrow(
      /overlap\.st: tensor (a|b): starts at byte 4 of the buffer, expected (0|8) \(a hole|overlap\.st: .*an overlap/,
    );
    expect(() => parseSafetensors(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, buf), 'hole.st')).toThrow(
      /hole\.st: tensor w: starts at byte 4 of the buffer, expected 0 \(a hole/,
    );
    expect(() => parseSafetensors(rawFile({ w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, buf), 'tail.st')).toThrow(
      /tail\.st: the buffer has 4 bytes after the last tensor/,
    );
    expect(() => parseSafetensors(rawFile({ ...ok, __metadata__: { k: 1 } }, buf), 'm.st')).toThrow(/m\.st: __metadata__ must map strings to strings: k:/);
    // A duplicate key: JSON.parse keeps the last copy, and the first copy's bytes become a hole.
    const dup = '{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}';
    expect(() => parseSafetensors(rawFile(null, buf, dup), 'dup.st')).toThrow(/dup\.st: tensor w: starts at byte 4 of the buffer, expected 0 \(a hole/);
  });
});

describe('Llama models in safetensors', () => {
  it('Meta names, F32: the model comes back exactly, configuration from the metadata', () => {
    const bytes = serializeSafetensorsModel(model);
    const st = parseSafetensors(bytes);
    expect(st.tensors.has('layers.4.feed_forward.w2.weight')).toBe(true);
    expect(st.tensors.has('output.weight')).toBe(false); // shared classifier
    expect(st.metadata.n_heads).toBe('8');
    const back = parseSafetensorsModel(bytes, 'meta.safetensors');
    expectSameWeights(model, back);
    expect(back.wcls).toBe(back.tokenEmbedding);
    // Written back as llama2.c, it is the original file up to the legacy RoPE tables' last bits.
    expect(sameBits(serializeLlama2c({ ...back, llama2cRope: model.llama2cRope }), serializeLlama2c(model))).toBe(true);
  });

  it('HF names: q and k rows are stored in HF order and restored on reading', () => {
    const bytes = serializeSafetensorsModel(model, { naming: 'hf' });
    const st = parseSafetensors(bytes);
    const qHf = st.tensors.get('model.layers.1.self_attn.q_proj.weight')!.data;
    expect(sameBits(qHf, model.layers[1].wq)).toBe(false);
    expect(sameBits(st.tensors.get('model.layers.1.mlp.down_proj.weight')!.data, model.layers[1].w2)).toBe(true);
    expectSameWeights(model, parseSafetensorsModel(bytes, 'hf.safetensors'));
  });

  it('HF row order with HF’s rotate-half RoPE gives the attention scores of llama2.c’s interleaved RoPE', () => {
    const hs = c.dim / c.nHeads;
    const half = hs / 2;
    const L = model.layers[2];
    const qHf = toHfRopeOrder(L.wq, c.nHeads, c.dim, c.dim);
    const kHf = toHfRopeOrder(L.wk, c.nKvHeads, kvDim, c.dim);
    const x = Float32Array.from({ length: c.dim }, (_, i) => Math.sin(i * 1.7) + 0.1 * i);
    const mv = (W: Float32Array, rows: number): Float64Array =>
      Float64Array.from({ length: rows }, (_, r) => x.reduce((s, v, j) => s + W[r * c.dim + j] * v, 0));
    const [pq, pk] = [37, 5];
    const angle = (p: number, i: number): number => p * 10000 ** (-(2 * i) / hs);
    const interleaved = (v: Float64Array, p: number): Float64Array => {
      const o = v.slice();
      for (let b = 0; b < v.length; b += hs) {
        for (let i = 0; i < half; i++) {
          const [a0, a1] = [v[b + 2 * i], v[b + 2 * i + 1]];
          o[b + 2 * i] = a0 * Math.cos(angle(p, i)) - a1 * Math.sin(angle(p, i));
          o[b + 2 * i + 1] = a0 * Math.sin(angle(p, i)) + a1 * Math.cos(angle(p, i));
        }
      }
      return o;
    };
    // transformers' apply_rotary_pos_emb: v·cos + rotate_half(v)·sin, cos/sin = cat(freqs, freqs).
    const rotateHalf = (v: Float64Array, p: number): Float64Array => {
      const o = v.slice();
      for (let b = 0; b < v.length; b += hs) {
        for (let i = 0; i < half; i++) {
          const [lo, hi] = [v[b + i], v[b + half + i]];
          o[b + i] = lo * Math.cos(angle(p, i)) - hi * Math.sin(angle(p, i));
          o[b + half + i] = hi * Math.cos(angle(p, i)) + lo * Math.sin(angle(p, i));
        }
      }
      return o;
    };
    const q = interleaved(mv(L.wq, c.dim), pq);
    const k = interleaved(mv(L.wk, kvDim), pk);
    const qh = rotateHalf(mv(qHf, c.dim), pq);
    const kh = rotateHalf(mv(kHf, kvDim), pk);
    const kvMul = c.nHeads / c.nKvHeads;
    for (let h = 0; h < c.nHeads; h++) {
      const ko = Math.floor(h / kvMul) * hs;
      let s = 0;
      let sh = 0;
      for (let i = 0; i < hs; i++) {
        s += q[h * hs + i] * k[ko + i];
        sh += qh[h * hs + i] * kh[ko + i];
      }
      expect(Math.abs(s - sh)).toBeLessThan(1e-9 * (1 + Math.abs(s)));
    }
  });

  it('F16 and BF16 storage: the forward pass stays close to fp32', () => {
    const ref = new Transformer(model);
    const logits = [0, 1, 2].map((p) => ref.forward([1, 403, 407][p], p).slice());
    for (const [dtype, tol] of [
      ['F16', 0.02],
      ['BF16', 0.15],
    ] as const) {
      const back = parseSafetensorsModel(serializeSafetensorsModel(model, { dtype, naming: 'hf' }), `${dtype}.safetensors`);
      const t = new Transformer(back);
      let worst = 0;
      for (let p = 0; p < 3; p++) {
        const l = t.forward([1, 403, 407][p], p);
        for (let i = 0; i < l.length; i++) worst = Math.max(worst, Math.abs(l[i] - logits[p][i]));
      }
      expect(worst, dtype).toBeLessThan(tol);
      expect(worst, dtype).toBeGreaterThan(0);
    }
  });

  it('a separate classifier is written as output.weight / lm_head.weight and read back', () => {
    const m: LlamaModel = { ...model, config: { ...c, sharedClassifier: false }, wcls: model.tokenEmbedding.map((v) => -v) };
    for (const naming of ['meta', 'hf'] as const) {
      const back = parseSafetensorsModel(serializeSafetensorsModel(m, { naming }), naming);
      expect(back.config.sharedClassifier).toBe(false);
      expect(sameBits(back.wcls, m.wcls)).toBe(true);
    }
  });

  it('the head count and context come from options, metadata or config.json — else a named error', async () => {
    const st = parseSafetensors(serializeSafetensorsModel(model, { naming: 'hf' }));
    const bare = serializeSafetensors([...st.tensors.values()].map((t) => ({ ...t, dtype: 'F32' as const }))); // no metadata
    const sub = mkdtempSync(join(dir, 'hf-'));
    const path = join(sub, 'model.safetensors');
    writeFileSync(path, bare);
    expect(() => readModel(path)).toThrow(/model\.safetensors: the head count is not in the tensors: give nHeads/);
    expect(() => readModel(path, { nHeads: 8 })).toThrow(/the context length is not in the tensors/);
    expectSameWeights(model, readModel(path, { nHeads: 8, seqLen: 512 }));
    const config = {
      num_attention_heads: 8,
      num_key_value_heads: 4,
      max_position_embeddings: 512,
      rms_norm_eps: 1e-5,
      rope_theta: 10000,
      hidden_act: 'silu',
      rope_scaling: null,
    };
    writeFileSync(join(sub, 'config.json'), JSON.stringify(config));
    expectSameWeights(model, readModel(path));
    writeFileSync(join(sub, 'config.json'), JSON.stringify({ ...config, rms_norm_eps: 1e-6 }));
    expect(() => readModel(path)).toThrow(/config\.json: rms_norm_eps 0\.000001: the forward pass implements llama2\.c's 1e-5 only/);
    writeFileSync(join(sub, 'config.json'), JSON.stringify({ ...config, num_attention_heads: 'eight' }));
    expect(() => readModel(path)).toThrow(/config\.json: num_attention_heads: /);
    writeFileSync(join(sub, 'config.json'), JSON.stringify({ ...config, num_attention_heads: 6 }));
    expect(() => readModel(path)).toThrow(/dim 64 over 6 heads gives head size/);
    // Parsing bytes never looks at the disk unless told where config.json is.
    expect(() => parseSafetensorsModel(bare, path)).toThrow(/the head count is not in the tensors/);
    expect(() => parseSafetensorsModel(bare, path, { configJson: join(dir, 'absent.json') })).toThrow(/absent\.json: no such file/);
  });

  it('bad models: non-finite weights, missing and mis-shaped tensors, unknown naming', () => {
    const st = parseSafetensors(serializeSafetensorsModel(model, { naming: 'hf' }));
    const tensors = [...st.tensors.values()].map((t) => ({ ...t, dtype: 'F32' as const, data: t.data.slice() }));
    const with_ = (edit: (ts: typeof tensors) => typeof tensors): Uint8Array =>
      serializeSafetensors(edit(tensors.map((t) => ({ ...t, data: t.data.slice() }))), st.metadata);
    const nan = with_((ts) => {
      ts.find((t) => t.name === 'model.layers.3.mlp.up_proj.weight')!.data[100] = NaN;
      return ts;
    });
    expect(() => parseSafetensorsModel(nan, 'nan.st')).toThrow(/nan\.st: tensor model\.layers\.3\.mlp\.up_proj\.weight: value NaN at index 100 is not finite/);
    const missing = with_((ts) => ts.filter((t) => t.name !== 'model.layers.2.mlp.down_proj.weight'));
    expect(() => parseSafetensorsModel(missing, 'missing.st')).toThrow(/missing\.st: tensor model\.layers\.2\.mlp\.down_proj\.weight is missing/);
    const shape = with_((ts) => {
      const t = ts.find((x) => x.name === 'model.norm.weight')!;
      t.shape = [8, 8];
      return ts;
    });
    expect(() => parseSafetensorsModel(shape, 'shape.st')).toThrow(/shape\.st: tensor model\.norm\.weight: shape \[8, 8\], expected \[64\]/);
    const lying = serializeSafetensors(tensors, { ...st.metadata, n_layers: '6' });
    expect(() => parseSafetensorsModel(lying, 'lying.st')).toThrow(/lying\.st: __metadata__\.n_layers = 6, but the tensors give 5/);
    const other = serializeSafetensors([{ name: 'encoder.weight', dtype: 'F32', shape: [2], data: new Float32Array(2) }]);
    expect(() => parseSafetensorsModel(other, 'other.st')).toThrow(/other\.st: no token embedding .* read its tensors by name with parseSafetensors/);
  });
});

describe('readModel', () => {
  it('one entry point: llama2.c .bin and safetensors give the same model; .dnq is pointed elsewhere', async () => {
    const path = join(dir, 'model.safetensors');
    await writeSafetensorsModel(model, path);
    await expect(writeSafetensorsModel(model, path)).rejects.toThrow();
    expectSameWeights(model, readModel(path));
    expectSameWeights(model, readModel(MODEL));
    expect(() => parseModel(new TextEncoder().encode('DNQ1 and more'), 'q.dnq')).toThrow(/q\.dnq: a \.dnq container, not a float model/);
    expect(() => readModel(join(dir, 'absent.bin'))).toThrow(ModelFormatError);
    expect(() => parseModel(new Uint8Array(40), 'zeros.bin')).toThrow(/zeros\.bin: header field dim = 0/);
  });
});
