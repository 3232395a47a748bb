/**
 * The llama2.c model path on the real stories260K (read from ../shared, never committed): reader
 * and writer, forward pass (greedy decoding must reproduce the sentence quoted in the model's
 * NOTICE), tokenizer, linear-input hook, evaluation metrics, and bad input.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BOS,
  cloneModel,
  evaluate,
  generate,
  LINEAR_NAMES,
  linearShape,
  ModelFormatError,
  parseLlama2c,
  readLlama2c,
  readRopeTables,
  readStories,
  readTokenizer,
  serializeLlama2c,
  splitStories,
  Transformer,
} from '../../src/quant/index.js';

const SHARED = resolve(__dirname, '../../../shared');
const MODEL = `${SHARED}/models/stories260K/stories260K.bin`;
const TOKENIZER = `${SHARED}/models/stories260K/tok512.bin`;
const TEXT = `${SHARED}/data/tinystories-valid-sample.txt`;
const NOTICE_SENTENCE =
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.';

const model = readLlama2c(MODEL);
const tokenizer = readTokenizer(TOKENIZER, model.config.vocabSize);

describe('llama2.c checkpoint', () => {
  it('reads the stories260K configuration and shapes', () => {
    expect(model.config).toEqual({ dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512, sharedClassifier: true });
    expect(model.layers).toHaveLength(5);
    for (const name of LINEAR_NAMES) {
      const [rows, cols] = linearShape(model.config, name);
      expect(model.layers[0][name].length, name).toBe(rows * cols);
    }
    expect(model.wcls).toBe(model.tokenEmbedding);
  });

  it('writes back byte for byte, and the recomputed RoPE tables match the stored ones', () => {
    const bytes = new Uint8Array(readFileSync(MODEL));
    const rope = readRopeTables(bytes, model.config);
    expect(Buffer.from(serializeLlama2c(model, rope)).equals(Buffer.from(bytes))).toBe(true);
    const recomputed = serializeLlama2c(model);
    const again = parseLlama2c(recomputed, 'recomputed');
    expect(again.layers[4].w2).toEqual(model.layers[4].w2);
    const r2 = readRopeTables(recomputed, model.config);
    let worst = 0;
    for (let i = 0; i < rope.length; i++) worst = Math.max(worst, Math.abs(rope[i] - r2[i]));
    expect(worst).toBeLessThan(1e-3); // legacy tables only; the forward pass computes its own
  });

  it('bad files: truncated, mis-sized, non-finite weights, missing — each named', () => {
    const bytes = new Uint8Array(readFileSync(MODEL));
    expect(() => parseLlama2c(bytes.subarray(0, 20), 'short.bin')).toThrow(/short\.bin: 20 bytes: too short/);
    expect(() => parseLlama2c(bytes.subarray(0, bytes.length - 4), 'cut.bin')).toThrow(/cut\.bin: 1056536 bytes, but the header .* implies 1056540/);
    const nan = bytes.slice();
    new DataView(nan.buffer).setFloat32(28 + 4 * 32768 + 4 * 320 + 4 * 7, NaN, true); // wq[0], index 7
    expect(() => parseLlama2c(nan, 'nan.bin')).toThrow(/nan\.bin: tensor wq\[0\]: value NaN at index 7 is not finite/);
    const badHeader = bytes.slice();
    new DataView(badHeader.buffer).setInt32(0, -3, true);
    expect(() => parseLlama2c(badHeader, 'h.bin')).toThrow(/h\.bin: header field dim = -3/);
    expect(() => readLlama2c('/nonexistent/model.bin')).toThrow(ModelFormatError);
    expect(() => readTokenizer(MODEL, 512)).toThrow(ModelFormatError);
  });
});

describe('forward pass and tokenizer', () => {
  it('greedy decoding from BOS reproduces the sentence quoted in the NOTICE', () => {
    expect(generate(model, tokenizer, '', 120).startsWith(NOTICE_SENTENCE)).toBe(true);
  });

  it('tokenizer round trip on the sample stories; BOS and the dummy prefix as run.c', () => {
    for (const story of splitStories(readFileSync(TEXT, 'utf8')).evaluation) {
      const ids = tokenizer.encode(story);
      expect(ids[0]).toBe(BOS);
      expect(tokenizer.decode(ids)).toBe(story);
    }
    expect(tokenizer.encode('')).toEqual([BOS]);
    expect(tokenizer.decode(tokenizer.encode('héllo – ✓'))).toBe('héllo – ✓'); // byte fallback
  });

  it('the hook sees each linear layer input once per matrix and layer, with its width', () => {
    const t = new Transformer(model);
    const seen: string[] = [];
    t.setLinearInputHook((layer, name, x) => {
      expect(x.length).toBe(linearShape(model.config, name)[1]);
      seen.push(`${layer}:${name}`);
    });
    t.forward(BOS, 0);
    expect(seen).toHaveLength(5 * 7);
    expect(new Set(seen).size).toBe(35);
  });
});

describe('evaluation', () => {
  const split = readStories(TEXT);

  it('splits 9 calibration and 9 evaluation stories that never overlap', () => {
    expect(split.calibration).toHaveLength(9);
    expect(split.evaluation).toHaveLength(9);
    for (const s of split.evaluation) expect(split.calibration).not.toContain(s);
    expect(() => splitStories('one\ntwo\n', 'tiny.txt')).toThrow(/tiny\.txt: 2 stories/);
  });

  it('the model against itself: KL 0, full agreement; fp32 perplexity within 1.5 % of llama2.c’s 5.149', () => {
    const r = evaluate(model, model, tokenizer, split.evaluation);
    expect(r.meanKl).toBeCloseTo(0, 12);
    expect(r.top1Agreement).toBe(1);
    expect(r.perplexity).toBe(r.referencePerplexity);
    expect(Math.abs(r.perplexity / 5.149 - 1)).toBeLessThan(0.015);
    expect(r.tokens).toBeGreaterThan(4000);
  });

  it('a perturbed model: KL > 0 and perplexity worse', () => {
    const noisy = cloneModel(model);
    for (const l of noisy.layers) for (let i = 0; i < l.w2.length; i += 3) l.w2[i] *= 1.5;
    const r = evaluate(model, noisy, tokenizer, split.evaluation.slice(0, 2));
    expect(r.meanKl).toBeGreaterThan(0.001);
    expect(r.top1Agreement).toBeLessThan(1);
    expect(r.perplexity).toBeGreaterThan(r.referencePerplexity);
  });
});
