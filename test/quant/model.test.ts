/**
 * The llama2.c path on the real stories260K (test/fixtures): reader and
 * writer (byte-identical round trip, separate classifier, bad files), and the forward pass
 * (greedy decoding reproduces the sentence the NOTICE quotes; hook; replaceable weights).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BOS,
  cloneModel,
  generate,
  generateTokens,
  LINEAR_NAMES,
  linearShape,
  ModelFormatError,
  parseLlama2c,
  readLlama2c,
  readRopeTables,
  readTokenizer,
  serializeLlama2c,
  Transformer,
  writeLlama2c,
} from '../../src/quant/index.js';
import { MODEL, NOTICE_SENTENCE, TOKENIZER } from '../_fixtures.js';

const model = readLlama2c(MODEL);
const tokenizer = readTokenizer(TOKENIZER, model.config.vocabSize);
const fileBytes = new Uint8Array(readFileSync(MODEL));

describe('llama2.c checkpoint', () => {
  it('reads the stories260K configuration and shapes (260,032 parameters)', () => {
    expect(model.config).toEqual({ dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512, sharedClassifier: true });
    expect(model.layers).toHaveLength(5);
    let params = model.tokenEmbedding.length + model.finalNorm.length;
    for (const l of model.layers) {
      for (const name of LINEAR_NAMES) {
        const [rows, cols] = linearShape(model.config, name);
        expect(l[name].length, name).toBe(rows * cols);
      }
      params += Object.values(l).reduce((a, t) => a + t.length, 0);
    }
    expect(params).toBe(260_032);
    expect(model.wcls).toBe(model.tokenEmbedding);
  });

  it('writeLlama2c writes the file back byte for byte; recomputed RoPE tables differ by at most an ulp', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'dnarchive-model-')), 'copy.bin');
    await writeLlama2c(model, path);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(fileBytes))).toBe(true);
    await expect(writeLlama2c(model, path)).rejects.toThrow(); // refuses to overwrite without force
    const recomputed = serializeLlama2c({ ...model, llama2cRope: undefined });
    expect(recomputed.length).toBe(fileBytes.length);
    const a = readRopeTables(fileBytes, model.config);
    const b = readRopeTables(recomputed, model.config);
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1.2e-7);
    expect(parseLlama2c(recomputed).layers[4].w2).toEqual(model.layers[4].w2);
  });

  it('a separate classifier: negative vocab_size in the header, wcls after the RoPE tables', () => {
    const m = cloneModel(model);
    m.config.sharedClassifier = false;
    m.wcls = model.tokenEmbedding.map((v, i) => v + (i % 7) * 1e-3);
    const bytes = serializeLlama2c(m);
    expect(new DataView(bytes.buffer).getInt32(20, true)).toBe(-512);
    expect(bytes.length).toBe(fileBytes.length + 4 * 512 * 64);
    const back = parseLlama2c(bytes, 'separate.bin');
    expect(back.config.sharedClassifier).toBe(false);
    expect(back.wcls).not.toBe(back.tokenEmbedding);
    expect(back.wcls).toEqual(m.wcls);
    expect(back.tokenEmbedding).toEqual(model.tokenEmbedding);
  });

  it('bad files: truncated, mis-sized, header out of range, non-finite weights, missing — each named', () => {
    expect(() => parseLlama2c(fileBytes.subarray(0, 20), 'short.bin')).toThrow(/short\.bin: 20 bytes: too short/);
    expect(() => parseLlama2c(fileBytes.subarray(0, fileBytes.length - 4), 'cut.bin')).toThrow(/cut\.bin: 1056536 bytes, but the header .* implies 1056540/);
    const grown = new Uint8Array(fileBytes.length + 8);
    grown.set(fileBytes);
    expect(() => parseLlama2c(grown, 'long.bin')).toThrow(/long\.bin: 1056548 bytes, but the header/);
    const nan = fileBytes.slice();
    new DataView(nan.buffer).setFloat32(28 + 4 * 32768 + 4 * 320 + 4 * 7, NaN, true); // wq[0], index 7
    expect(() => parseLlama2c(nan, 'nan.bin')).toThrow(/nan\.bin: tensor wq\[0\]: value NaN at index 7 is not finite/);
    const inf = fileBytes.slice();
    new DataView(inf.buffer).setFloat32(fileBytes.length - 4 * (4096 + 64) + 4 * 3, -Infinity, true); // rms_final_weight[3]
    expect(() => parseLlama2c(inf, 'inf.bin')).toThrow(/inf\.bin: tensor rms_final_weight: value -Infinity at index 3/);
    const badHeader = fileBytes.slice();
    new DataView(badHeader.buffer).setInt32(0, -3, true);
    expect(() => parseLlama2c(badHeader, 'h.bin')).toThrow(/h\.bin: header field dim = -3/);
    const heads = fileBytes.slice();
    new DataView(heads.buffer).setInt32(12, 7, true);
    expect(() => parseLlama2c(heads, 'heads.bin')).toThrow(/heads\.bin: header field dim 64 is not a multiple of n_heads 7/);
    expect(() => readLlama2c('/nonexistent/model.bin')).toThrow(ModelFormatError);
    expect(() => readLlama2c('/nonexistent/model.bin')).toThrow(/no such file/);
  });
});

describe('forward pass', () => {
  it('greedy decoding from BOS reproduces the sentence quoted in the NOTICE', () => {
    expect(generate(model, tokenizer, { steps: 120 }).startsWith(NOTICE_SENTENCE)).toBe(true);
    expect(generate(model, tokenizer, '', 120)).toBe(generate(model, tokenizer, { steps: 120 }));
  });

  it('a prompt is forced token by token, then continued; steps count the prompt', () => {
    const prompt = 'Once upon a time, there was a little girl named Lily.';
    const out = generate(model, tokenizer, { prompt, steps: 60 });
    expect(out.startsWith(prompt)).toBe(true);
    expect(NOTICE_SENTENCE.startsWith(out.slice(0, 80))).toBe(true);
    expect(generateTokens(model, tokenizer, { prompt, steps: 60 })).toHaveLength(61); // BOS + one token per forward pass, as run.c -n 60
    expect(generateTokens(model, tokenizer, { steps: 0 })).toEqual([BOS]);
    expect(() => generate(model, tokenizer, { steps: -1 })).toThrow(/steps -1/);
  });

  it('the hook sees each linear layer’s input once per matrix and layer, with its width', () => {
    const t = new Transformer(model);
    const seen: string[] = [];
    t.setLinearInputHook((layer, name, x) => {
      expect(x.length).toBe(linearShape(model.config, name)[1]);
      seen.push(`${layer}:${name}`);
    });
    t.forward(BOS, 0);
    expect(seen).toHaveLength(5 * 7);
    expect(new Set(seen).size).toBe(35);
    expect(seen.slice(0, 7)).toEqual(['0:wq', '0:wk', '0:wv', '0:wo', '0:w1', '0:w3', '0:w2']);
  });

  it('weights are read from the model on every call, so replaced layers take effect', () => {
    const m = cloneModel(model);
    const t = new Transformer(m);
    const before = t.forward(BOS, 0).slice();
    const saved = m.layers[2].w2;
    m.layers[2].w2 = new Float32Array(saved.length);
    const zeroed = new Transformer(m).forward(BOS, 0).slice();
    expect(zeroed).not.toEqual(before);
    m.layers[2].w2 = saved;
    expect(new Transformer(m).forward(BOS, 0)).toEqual(before);
  });

  it('a token outside the vocabulary or a position outside the context is a named error', () => {
    const t = new Transformer(model);
    expect(() => t.forward(512, 0)).toThrow(/forward: token 512 is outside the vocabulary of 512/);
    expect(() => t.forward(-1, 0)).toThrow(/token -1/);
    expect(() => t.forward(BOS, 512)).toThrow(/forward: position 512 is outside the context of 512/);
  });
});
