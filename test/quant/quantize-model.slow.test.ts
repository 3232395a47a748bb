/**
 * The whole quantizer on stories260K (test/fixtures): calibration on the first 9 stories, an
 * exact all-in budget, GPTQ with allocated widths against one uniform width, the .dnq round
 * trip, and evaluation on the last 9 stories only.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LATENT_RATE,
  DEFAULT_SAMPLE_TEMPERATURE,
  evaluate,
  modelFromDnq,
  quantizeModel,
  readDnq,
  readLlama2c,
  readStories,
  readTokenizer,
  uniformLayout,
  linearShape,
  LINEAR_NAMES,
} from '../../src/quant/index.js';
import { runCli } from '../_cli.js';
import { MODEL, TEXT, TOKENIZER } from '../_fixtures.js';

const model = readLlama2c(MODEL);
const tokenizer = readTokenizer(TOKENIZER, 512);
const split = readStories(TEXT);

describe('quantizeModel', () => {
  it('at 4.0 bits all-in: exact budget, allocated widths beat one uniform width, the container holds the model', async () => {
    const allocated = await quantizeModel(model, tokenizer, split.calibration, { method: 'gptq', budgetBitsPerWeight: 4, allocate: true });
    const uniform = await quantizeModel(model, tokenizer, split.calibration, { method: 'gptq', budgetBitsPerWeight: 4, allocate: false });
    expect(allocated.bitsPerWeight).toBeLessThanOrEqual(4);
    expect(allocated.bitsPerWeight).toBeGreaterThan(3.99);
    expect(uniform.bitsPerWeight).toBeLessThanOrEqual(4);
    const a = evaluate(model, allocated.model, tokenizer, split.evaluation);
    const u = evaluate(model, uniform.model, tokenizer, split.evaluation);
    expect(a.perplexity).toBeLessThan(u.perplexity);
    expect(a.meanKl).toBeLessThan(u.meanKl);
    expect(a.perplexity).toBeGreaterThan(a.referencePerplexity); // quantization costs something
    // The container is the model: reading it back gives the same dequantized weights.
    const back = modelFromDnq(readDnq(allocated.dnq));
    expect(back.layers[3].w2).toEqual(allocated.model.layers[3].w2);
    expect(back.tokenEmbedding).toEqual(model.tokenEmbedding); // embeddings stay float32
    expect(allocated.calibrationTokens).toBeGreaterThan(4000);
  }, 120_000);

  it('archive mode at 3.0 bits all-in: entropy-coded steps meet the budget and beat fixed-width codes', async () => {
    const ecsq = await quantizeModel(model, tokenizer, split.calibration, { method: 'gptq', budgetBitsPerWeight: 3, allocate: true, entropy: true });
    const fixed = await quantizeModel(model, tokenizer, split.calibration, { method: 'gptq', budgetBitsPerWeight: 3, allocate: true });
    expect(ecsq.bitsPerWeight).toBeLessThanOrEqual(3);
    expect(ecsq.bitsPerWeight).toBeGreaterThan(2.99);
    const back = modelFromDnq(readDnq(ecsq.dnq));
    expect(back.layers[2].w2).toEqual(ecsq.model.layers[2].w2);
    const e = evaluate(model, ecsq.model, tokenizer, split.evaluation.slice(0, 3));
    const f = evaluate(model, fixed.model, tokenizer, split.evaluation.slice(0, 3));
    expect(e.meanKl).toBeLessThan(0.8 * f.meanKl);
  }, 180_000);

  it('uniform layouts are exact all-in, ragged groups included', async () => {
    const shapes = LINEAR_NAMES.map((n) => linearShape(model.config, n));
    // 3 bits + (8 + 3) bits per group of 32 = 3.34 (w2's 172 columns: ragged groups cost a little more); 4 bits would be 4.38.
    expect(uniformLayout(4, shapes)).toEqual({ bits: 3, groupSize: 32 });
    expect(uniformLayout(3.2, shapes)).toEqual({ bits: 3, groupSize: 64 });
    expect(uniformLayout(5.1, shapes)).toEqual({ bits: 4, groupSize: 32 });
    expect(() => uniformLayout(1.0, shapes)).toThrow(/--bits/);
  });
});

describe('dnarchive quantize --tune', () => {
  it('fine-tunes, says what it did, and writes the same container twice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnarchive-tune-cli-'));
    const args = ['--calib', TEXT, '--bits', '3', '--method', 'rtn', '--uniform', '--calib-tokens', '64', '--tune', '3'];
    const a = await runCli(['quantize', MODEL, '-o', join(dir, 'a.dnq'), ...args, '--json']);
    expect(a.code, a.stderr).toBe(0);
    const summary = JSON.parse(a.stdout) as {
      tune: { steps: number; tokens: number; klBefore: number; klAfter: number; sampleTemperature: number; latentRate: number; seed: number };
    };
    expect(summary.tune.steps).toBe(3);
    expect(summary.tune.latentRate).toBe(DEFAULT_LATENT_RATE);
    expect(summary.tune.seed).toBe(1);
    expect(summary.tune.sampleTemperature).toBe(DEFAULT_SAMPLE_TEMPERATURE);
    expect(summary.tune.tokens).toBeGreaterThan(3);
    expect(summary.tune.klBefore).toBeGreaterThan(0);
    const b = await runCli(['quantize', MODEL, '-o', join(dir, 'b.dnq'), ...args]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/fine-tun/);
    expect(readFileSync(join(dir, 'a.dnq')).equals(readFileSync(join(dir, 'b.dnq')))).toBe(true);
    const hot = await runCli(['quantize', MODEL, '-o', join(dir, 'c.dnq'), ...args, '--tune-temperature', '1.7', '--json']);
    expect(hot.code, hot.stderr).toBe(0);
    expect((JSON.parse(hot.stdout) as typeof summary).tune.sampleTemperature).toBe(1.7);
    expect(readFileSync(join(dir, 'c.dnq')).equals(readFileSync(join(dir, 'a.dnq')))).toBe(false);
    // Another rate or seed gives another container, and the summary says which.
    for (const [flag, value, key] of [
      ['--tune-rate', '0.05', 'latentRate'],
      ['--tune-seed', '7', 'seed'],
    ] as const) {
      const other = await runCli(['quantize', MODEL, '-o', join(dir, `${key}.dnq`), ...args, flag, value, '--json']);
      expect(other.code, other.stderr).toBe(0);
      expect((JSON.parse(other.stdout) as typeof summary).tune[key]).toBe(Number(value));
      expect(readFileSync(join(dir, `${key}.dnq`)).equals(readFileSync(join(dir, 'a.dnq')))).toBe(false);
    }
  }, 180_000);

  it('takes --tune-headroom in archive mode and records it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnarchive-tune-headroom-'));
    const r = await runCli([
      'quantize',
      MODEL,
      '-o',
      join(dir, 'h.dnq'),
      '--calib',
      TEXT,
      '--bits',
      '3',
      '--entropy',
      '--calib-tokens',
      '64',
      '--tune',
      '2',
      '--tune-headroom',
      '0.02',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { tune: { rateHeadroom: number } };
    expect(summary.tune.rateHeadroom).toBe(0.02);
    expect(readDnq(readFileSync(join(dir, 'h.dnq'))).manifest.quantizer.params).toMatchObject({ tuneRateHeadroom: 0.02 });
  }, 180_000);

  it('takes --tune-restarts, says which run it kept and why, and records it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnarchive-tune-restarts-'));
    const r = await runCli([
      'quantize',
      MODEL,
      '-o',
      join(dir, 'r.dnq'),
      '--calib',
      TEXT,
      '--bits',
      '3',
      '--calib-tokens',
      '64',
      '--tune',
      '2',
      '--tune-restarts',
      '2',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const said = /kept seed (\d) of 2 runs by KL to fp32 on the calibration stories \(seed 1: ([\d.]+), seed 2: ([\d.]+)\)/.exec(r.stderr);
    expect(said, r.stderr).not.toBeNull();
    const [kept, kl1, kl2] = [Number(said![1]), Number(said![2]), Number(said![3])];
    expect(kept).toBe(kl1 <= kl2 ? 1 : 2);
    expect(readDnq(readFileSync(join(dir, 'r.dnq'))).manifest.quantizer.params).toMatchObject({ tuneRestarts: 2, tuneSeed: kept });
  }, 180_000);
});
