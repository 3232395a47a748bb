/**
 * Quantization-aware fine-tuning (src/quant/train): the per-weight grids reproduce the container's
 * dequantization exactly; distillation lowers the KL to fp32 on held-out samples while every
 * quantized weight stays on its grid; it is deterministic; archive-mode streams are fitted back
 * under the budget; and quantizeModel's tuned container decodes to the tuned model bit for bit.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  dequantizeEcsq,
  dequantizeMatrix,
  ecsqQuantize,
  encodeEcsqStream,
  evaluate,
  modelFromDnq,
  quantizeModel,
  QuantInputError,
  readDnq,
  readLlama2c,
  readStories,
  readTokenizer,
  rtnQuantize,
  LINEAR_NAMES,
  linearShape,
  cloneModel,
  type LlamaModel,
  type EcsqMatrix,
} from '../../src/quant/index.js';
import { DEFAULT_SAMPLE_TEMPERATURE, fineTune, matchedTemperature, sampleSequence } from '../../src/quant/train/distill.js';
import { matchTemperature } from '../../src/quant/train/sample-temperature.js';
import { Transformer } from '../../src/quant/model/transformer.js';
import { logSoftmaxInto } from '../../src/quant/model/log-softmax.js';
import { Rng } from '../../src/random.js';
import { TuneWorkers } from '../../src/quant/train/tune-workers.js';
import { cloneGrid, ecsqGrid, gridCodes, groupGrid, moveScale, projectToGrid } from '../../src/quant/train/weight-grid.js';
import { tuneQuantized, type QuantizedLinear } from '../../src/quant/train/tune-quantized.js';
import { MODEL, TEXT, TOKENIZER } from '../_fixtures.js';
import { ecsqLinears, identity } from './_tune-fixtures.js';

const model = readLlama2c(MODEL);

/** Every linear layer of stories260K as 3-bit RTN groups of 32 (fast; the tuner does not care how the grid was chosen). */
function rtnLinears(m: LlamaModel, bits = 3): { start: LlamaModel; linears: QuantizedLinear[] } {
  const start = cloneModel(m);
  const linears: QuantizedLinear[] = [];
  for (let l = 0; l < m.config.nLayers; l++) {
    for (const name of LINEAR_NAMES) {
      const [rows, cols] = linearShape(m.config, name);
      const q = rtnQuantize(m.layers[l][name], rows, cols, { bits, groupSize: 32 });
      linears.push({ layer: l, name, kind: 'quantized', matrix: q });
      start.layers[l][name] = dequantizeMatrix(q);
    }
  }
  return { start, linears };
}

describe('weight grids', () => {
  it('give back the container codes and values of fixed-width and archive-mode matrices', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 70 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 1e6 }),
        (rows, cols, bits, seed) => {
          let s = seed;
          const W = Float32Array.from({ length: rows * cols }, () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648 - 0.5));
          const q = rtnQuantize(W, rows, cols, { bits, groupSize: 16 });
          const ref = dequantizeMatrix(q);
          const g = groupGrid(q);
          const out = new Float32Array(W.length);
          projectToGrid(g, ref, out);
          expect(out).toEqual(ref);
          expect(Uint8Array.from(gridCodes(g, ref))).toEqual(q.codes);
          // A latent anywhere decodes to a grid value, the one its code names.
          projectToGrid(g, W, out);
          expect(out).toEqual(dequantizeMatrix({ ...q, codes: Uint8Array.from(gridCodes(g, W)) }));

          const e = ecsqQuantize(W, rows, cols, identity(cols), { stepScale: 0.05 });
          const eref = dequantizeEcsq(e);
          const eg = ecsqGrid(e);
          projectToGrid(eg, eref, out);
          expect(out).toEqual(eref);
          expect(gridCodes(eg, eref)).toEqual(e.codes);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('moveScale', () => {
  it('puts a group or column on another rung, keeping every code and scaling its values by the rungs’ ratio', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.integer({ min: -8, max: 8 }),
        (rows, cols, seed, shift) => {
          let s = seed;
          const W = Float32Array.from({ length: rows * cols }, () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648 - 0.5));
          const grids = [
            groupGrid(rtnQuantize(W, rows, cols, { bits: 3, groupSize: 8 })),
            ecsqGrid(ecsqQuantize(W, rows, cols, identity(cols), { stepScale: 0.05 })),
          ];
          for (const g of grids) {
            const before = cloneGrid(g);
            const latent = W.slice();
            const codes = gridCodes(g, latent);
            const u = seed % g.units.codes.length;
            const to = Math.min(255, Math.max(0, g.units.codes[u] + shift));
            const ratio = g.units.ladder[to] / g.units.ladder[g.units.codes[u]];
            moveScale(g, latent, u, to);
            expect(gridCodes(g, latent)).toEqual(codes);
            expect(Array.from(g.units.codes)).toEqual(Array.from(before.units.codes, (c, k) => (k === u ? to : c)));
            const members = new Set(g.units.members.subarray(g.units.start[u], g.units.start[u + 1]));
            for (let i = 0; i < W.length; i++) {
              expect(g.scale[i]).toBe(members.has(i) ? g.units.ladder[to] : before.scale[i]);
              expect(latent[i]).toBe(members.has(i) ? Math.fround(W[i] * ratio) : W[i]);
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

const { start, linears } = rtnLinears(model);
const targets = linears.map((q) => ({ layer: q.layer, name: q.name, grid: groupGrid(q.matrix as never) }));
const options = { steps: 24, sequencesPerStep: 2, maxTokens: 48, validationSequences: 4, latentRate: 0.05, floatRate: 2e-3, seed: 3 };
const r = await fineTune(model, start, targets, options);

describe('fineTune', () => {
  it('lowers the KL to fp32 on its held-out samples and moves codes and float parameters', () => {
    expect(r.improved).toBe(true);
    expect(r.klAfter).toBeLessThan(0.97 * r.klBefore);
    expect(r.changedCodes).toBeGreaterThan(0);
    expect(r.tokens).toBeGreaterThan(48);
    expect(r.model.finalNorm).not.toEqual(start.finalNorm);
    expect(r.model.tokenEmbedding).not.toEqual(start.tokenEmbedding);
  });

  it('keeps every quantized weight on its grid, at the value its new code names, and leaves its inputs alone', () => {
    targets.forEach((t, i) => {
      const W = r.model.layers[t.layer][t.name];
      const out = new Float32Array(W.length);
      projectToGrid(t.grid, W, out);
      expect(out).toEqual(W);
      expect(gridCodes(t.grid, W)).toEqual(r.codes[i]);
    });
    expect(start.layers[0].wq).toEqual(dequantizeMatrix(linears[0].matrix as never));
    expect(start.finalNorm).toEqual(model.finalNorm);
  });

  it('is deterministic for a seed, the same on worker threads, and changes with the seed', async () => {
    const workers = new TuneWorkers(2);
    try {
      const threaded = await fineTune(model, start, targets, options, workers.runner(model, options.maxTokens));
      expect(threaded.codes).toEqual(r.codes);
      expect(threaded.model.tokenEmbedding).toEqual(r.model.tokenEmbedding);
      expect(threaded.model.layers[4].ffnNorm).toEqual(r.model.layers[4].ffnNorm);
    } finally {
      await workers.close();
    }
    const other = await fineTune(model, start, targets, { ...options, seed: 4 });
    expect(other.model.tokenEmbedding).not.toEqual(r.model.tokenEmbedding);
  }, 60_000);

  it('distils on windows of real text when given them: the same on worker threads, and not the same as on samples alone', async () => {
    const tok = readTokenizer(TOKENIZER, model.config.vocabSize);
    const texts = readStories(TEXT).calibration.map((s) => Int32Array.from(tok.encode(s, true)));
    const withText = { ...options, steps: 8, texts, textShare: 0.5 };
    const mixed = await fineTune(model, start, targets, withText);
    const samplesOnly = await fineTune(model, start, targets, { ...options, steps: 8 });
    expect(mixed.model.tokenEmbedding).not.toEqual(samplesOnly.model.tokenEmbedding);
    // A share of 0 ignores the texts.
    expect((await fineTune(model, start, targets, { ...withText, textShare: 0 })).model.tokenEmbedding).toEqual(samplesOnly.model.tokenEmbedding);
    const workers = new TuneWorkers(2);
    try {
      const threaded = await fineTune(model, start, targets, withText, workers.runner(model, options.maxTokens));
      expect(threaded.codes).toEqual(mixed.codes);
      expect(threaded.model.tokenEmbedding).toEqual(mixed.model.tokenEmbedding);
    } finally {
      await workers.close();
    }
    await expect(fineTune(model, start, targets, { ...withText, textShare: 1.5 })).rejects.toThrow(/textShare 1.5 must be between 0 and 1/);
  }, 60_000);

  it('samples contexts at a temperature while the targets stay the untempered distributions', async () => {
    const teacher = new Transformer(model);
    const V = model.config.vocabSize;
    // Mean teacher NLL of the sampled tokens: the temperature moves it (cooler: likelier tokens).
    const nll = (temperature: number): number => {
      let sum = 0;
      let n = 0;
      for (let seed = 1; seed <= 6; seed++) {
        const s = sampleSequence(teacher, new Rng(seed), 64, V, temperature);
        for (let t = 0; t + 1 < s.T; t++, n++) sum -= s.logp[t * V + s.tokens[t + 1]];
        // The stored targets are the teacher's own log-probabilities at each position.
        const fresh = new Transformer(model);
        for (let t = 0; t < s.T; t++) {
          const want = new Float32Array(V);
          logSoftmaxInto(fresh.forward(s.tokens[t], t), 0, V, want, 0);
          expect(s.logp.subarray(t * V, (t + 1) * V)).toEqual(want);
        }
      }
      return sum / n;
    };
    const cool = nll(0.7);
    const plain = nll(1);
    const hot = nll(1.4);
    expect(cool).toBeLessThan(plain);
    expect(hot).toBeGreaterThan(plain);
    // DEFAULT_SAMPLE_TEMPERATURE is the default, and another one changes the tuning, the same on worker threads.
    expect((await fineTune(model, start, targets, { ...options, steps: 6, sampleTemperature: DEFAULT_SAMPLE_TEMPERATURE })).model.tokenEmbedding).toEqual(
      (await fineTune(model, start, targets, { ...options, steps: 6 })).model.tokenEmbedding,
    );
    const warm = { ...options, steps: 6, sampleTemperature: 1.7 };
    const single = await fineTune(model, start, targets, warm);
    expect(single.model.tokenEmbedding).not.toEqual((await fineTune(model, start, targets, { ...options, steps: 6 })).model.tokenEmbedding);
    const workers = new TuneWorkers(2);
    try {
      expect((await fineTune(model, start, targets, warm, workers.runner(model, options.maxTokens))).model.tokenEmbedding).toEqual(single.model.tokenEmbedding);
    } finally {
      await workers.close();
    }
    await expect(fineTune(model, start, targets, { ...options, sampleTemperature: 0 })).rejects.toThrow(
      /sampleTemperature 0 must be 'match' or between 0.25 and 4/,
    );
  }, 60_000);

  it('matchTemperature finds the temperature whose expected NLL meets the target, and stops at its range', () => {
    // A source whose every position has the same distribution p: the expected NLL of a draw at
    // temperature t is Σ q_t(i)·(−log p(i)), q_t ∝ p^(1/t), known in closed form.
    const p = [0.5, 0.2, 0.12, 0.08, 0.05, 0.03, 0.015, 0.005];
    const V = p.length;
    const logp = new Float32Array(10 * V).map((_, k) => Math.log(p[k % V]));
    const sampler = () => ({ tokens: new Int32Array(10), T: 10, logp });
    const expected = (t: number): number => {
      const q = p.map((x) => x ** (1 / t));
      const z = q.reduce((a, b) => a + b);
      return q.reduce((a, x, i) => a - (x / z) * Math.fround(Math.log(p[i])), 0);
    };
    for (const want of [0.8, 1.3, 1.7]) {
      const m = matchTemperature(sampler, expected(want), V, { seed: 1, sequences: 2, iterations: 8 });
      expect(Math.abs(m.temperature - want)).toBeLessThan(1 / 256 + 1e-9);
      expect(m.sampleNll).toBeCloseTo(expected(m.temperature), 6);
    }
    expect(matchTemperature(sampler, 100, V, { seed: 1, sequences: 2, iterations: 8 }).temperature).toBeGreaterThan(1.99);
    expect(matchTemperature(sampler, 0, V, { seed: 1, sequences: 2, iterations: 8 }).temperature).toBeLessThan(0.51);
  });

  it("'match' samples at the temperature where the teacher finds its samples as hard as the calibration stories", async () => {
    const teacher = new Transformer(model);
    const V = model.config.vocabSize;
    const split = readStories(TEXT);
    const tok = readTokenizer(TOKENIZER, V);
    const texts = split.calibration.map((s) => Int32Array.from(tok.encode(s, true).slice(0, 96)));
    const m = matchedTemperature(teacher, texts, 96, V, options.seed);
    // The calibration stories' first 96 tokens are harder for stories260K (1.50 nats) than its own
    // samples at temperature 1: the match samples hotter, and meets their NLL.
    expect(m.temperature).toBeGreaterThan(1.05);
    expect(m.temperature).toBeLessThan(1.4);
    expect(Math.abs(m.sampleNll - m.textNll)).toBeLessThan(0.05);
    const tuned = await fineTune(model, start, targets, { ...options, steps: 2, texts, maxTokens: 96, sampleTemperature: 'match' });
    expect(tuned.sampleTemperature).toBe(m.temperature);
    expect(
      (await fineTune(model, start, targets, { ...options, steps: 2, texts, maxTokens: 96, sampleTemperature: m.temperature })).model.tokenEmbedding,
    ).toEqual(tuned.model.tokenEmbedding);
    await expect(fineTune(model, start, targets, { ...options, steps: 2, sampleTemperature: 'match' })).rejects.toThrow(/matching needs real text/);
  }, 120_000);

  it('keeps the starting model when tuning makes things worse', async () => {
    // A rate far too high throws the codes around: the validation KL rises and nothing is kept.
    const bad = await fineTune(model, start, targets, { ...options, steps: 3, latentRate: 20, floatRate: 0.5 });
    expect(bad.improved).toBe(false);
    expect(bad.klAfter).toBeGreaterThan(bad.klBefore);
    expect(bad.changedCodes).toBe(0);
    expect(bad.codes).toEqual(bad.startCodes);
    expect(bad.model.tokenEmbedding).toEqual(start.tokenEmbedding);
  });

  it('moves scales when asked, with every weight on its returned grid, and leaves the input grids alone', async () => {
    const before = targets.map((t) => t.grid.units.codes.slice());
    const scaled = await fineTune(model, start, targets, { ...options, scaleRate: 0.1 });
    expect(scaled.improved).toBe(true);
    expect(scaled.changedScales).toBeGreaterThan(0);
    expect(r.changedScales).toBe(0);
    targets.forEach((t, i) => {
      expect(t.grid.units.codes).toEqual(before[i]);
      const W = scaled.model.layers[t.layer][t.name];
      const out = new Float32Array(W.length);
      projectToGrid(scaled.grids[i], W, out);
      expect(out).toEqual(W);
      expect(gridCodes(scaled.grids[i], W)).toEqual(scaled.codes[i]);
    });
  });

  it('rejects a step count that is not a whole number', async () => {
    await expect(fineTune(model, start, targets, { steps: 1.5 })).rejects.toThrow(/--tune.*1.5 steps/);
  });
});

describe('tuneQuantized in archive mode', () => {
  it('keeps the tuned streams within the budget by undoing changes as it trains (no rate term)', async () => {
    const { start, linears, bits } = ecsqLinears(model, 0.04);
    // The budget is exactly the untuned streams: any net growth must be undone.
    const t = await tuneQuantized(
      model,
      start,
      linears,
      { steps: 24, sequencesPerStep: 2, maxTokens: 48, validationSequences: 4, latentRate: 0.05, floatRate: 2e-3, seed: 5, threads: 1, ratePressure: 0 },
      bits,
    );
    let after = 0;
    t.linears.forEach((q, i) => {
      const m = q.matrix as { codes: Int32Array; rows: number; cols: number; stepCodes: Uint8Array };
      after += 8 * encodeEcsqStream(m.codes, m.rows, m.cols, m.stepCodes).length;
      expect(t.model.layers[q.layer][q.name]).toEqual(dequantizeEcsq(q.matrix as never));
      expect(linears[i].matrix.codes.length).toBe(m.codes.length);
    });
    expect(after).toBeLessThanOrEqual(bits);
    expect(t.report.improved).toBe(true);
    expect(t.report.revertedCodes).toBeGreaterThan(0);
    expect(t.report.changedCodes).toBeGreaterThan(0);
  });
});

describe('tuneQuantized with moving steps in archive mode', () => {
  it('carries the moved column steps in the matrices and keeps the streams within budget, even an exact one', async () => {
    const { start, linears, bits } = ecsqLinears(model, 0.04);
    const options = {
      steps: 24,
      sequencesPerStep: 2,
      maxTokens: 48,
      validationSequences: 4,
      latentRate: 0.05,
      floatRate: 2e-3,
      seed: 5,
      threads: 1,
      scaleRate: 0.1,
    };
    for (const budget of [bits, Math.round(bits * 1.01)]) {
      const t = await tuneQuantized(model, start, linears, options, budget);
      let after = 0;
      let moved = 0;
      t.linears.forEach((q, i) => {
        const m = q.matrix as EcsqMatrix;
        after += 8 * encodeEcsqStream(m.codes, m.rows, m.cols, m.stepCodes).length;
        expect(t.model.layers[q.layer][q.name]).toEqual(dequantizeEcsq(m));
        m.stepCodes.forEach((c, j) => (moved += c === (linears[i].matrix as EcsqMatrix).stepCodes[j] ? 0 : 1));
      });
      expect(after).toBeLessThanOrEqual(budget);
      expect(moved).toBe(t.report.changedScales);
      if (budget > bits) expect(t.report.changedScales).toBeGreaterThan(0);
    }
  }, 60_000);
});

describe('quantizeModel with tune', () => {
  const tokenizer = readTokenizer(TOKENIZER, model.config.vocabSize);
  const split = readStories(TEXT);

  it('writes a container that decodes to the tuned model and records the tuning, and the tuned model scores better', async () => {
    const base = { method: 'rtn' as const, budgetBitsPerWeight: 3, allocate: false, tokensPerStory: 64 };
    const plain = await quantizeModel(model, tokenizer, split.calibration, base);
    const tuned = await quantizeModel(model, tokenizer, split.calibration, {
      ...base,
      tune: { steps: 24, sequencesPerStep: 2, maxTokens: 48, validationSequences: 4, latentRate: 0.05, floatRate: 2e-3, scaleRate: 0.1 },
    });
    expect(tuned.tune?.improved).toBe(true);
    expect(tuned.tune?.changedScales).toBeGreaterThan(0); // the container carries the moved scales
    expect(tuned.bitsPerWeight).toBe(plain.bitsPerWeight); // fixed-width codes: same bits whatever their values
    const a = readDnq(tuned.dnq);
    expect(a.manifest.quantizer.params).toMatchObject({ tuneSteps: 24, tuneSeed: 1 });
    const decoded = modelFromDnq(a);
    expect(decoded.tokenEmbedding).toEqual(tuned.model.tokenEmbedding);
    expect(decoded.finalNorm).toEqual(tuned.model.finalNorm);
    for (let l = 0; l < model.config.nLayers; l++) for (const name of LINEAR_NAMES) expect(decoded.layers[l][name]).toEqual(tuned.model.layers[l][name]);
    // Scored on two evaluation stories the tuner never saw.
    const stories = split.evaluation.slice(0, 2);
    expect(evaluate(model, tuned.model, tokenizer, stories).meanKl).toBeLessThan(evaluate(model, plain.model, tokenizer, stories).meanKl);
  }, 120_000);

  it('with restarts, tunes once per seed and keeps the run closest to fp32 on the calibration stories', async () => {
    const base = { method: 'rtn' as const, budgetBitsPerWeight: 3, allocate: false, tokensPerStory: 64 };
    const tune = { steps: 6, sequencesPerStep: 1, maxTokens: 32, validationSequences: 2, latentRate: 0.05, threads: 1, seed: 5 };
    const seen: number[] = [];
    const best = await quantizeModel(model, tokenizer, split.calibration, { ...base, tune: { ...tune, restarts: 3, onStep: (step) => seen.push(step) } });
    expect(seen).toEqual(Array.from({ length: 18 }, (_, i) => i)); // one count across the runs
    const runs = best.tune!.restarts!;
    expect(runs.map((r) => r.seed)).toEqual([5, 6, 7]);
    const kls = runs.map((r) => r.calibrationKl);
    expect(new Set(kls).size).toBe(3); // the seeds gave different models: the choice is not trivial
    const kept = runs.find((r) => r.seed === best.tune!.seed)!;
    expect(kept.calibrationKl).toBe(Math.min(...kls));
    expect(kept.seed).not.toBe(5); // with these seeds a later run wins, so keeping the first would fail
    expect(readDnq(best.dnq).manifest.quantizer.params).toMatchObject({ tuneRestarts: 3, tuneSeed: kept.seed, tuneCalibrationKl: kept.calibrationKl });
    // The kept run is the one a single tuning with its seed gives.
    const alone = await quantizeModel(model, tokenizer, split.calibration, { ...base, tune: { ...tune, seed: kept.seed } });
    expect(alone.tune?.restarts).toBeUndefined();
    expect(best.model.tokenEmbedding).toEqual(alone.model.tokenEmbedding);
    for (let l = 0; l < model.config.nLayers; l++) for (const name of LINEAR_NAMES) expect(best.model.layers[l][name]).toEqual(alone.model.layers[l][name]);
    for (const restarts of [0, 17, 1.5]) {
      const refused = quantizeModel(model, tokenizer, split.calibration, { ...base, tune: { ...tune, restarts } });
      await expect(refused).rejects.toThrow(QuantInputError);
      await expect(refused).rejects.toThrow(/restarts/);
    }
  }, 180_000);

  it('starts archive mode the asked headroom under the budget, records it, and refuses a headroom out of range', async () => {
    const base = { method: 'gptq' as const, budgetBitsPerWeight: 3, allocate: true, entropy: true, tokensPerStory: 64 };
    const tune = { steps: 2, sequencesPerStep: 1, maxTokens: 32, validationSequences: 2, threads: 1 };
    const steps = (dnq: Uint8Array): number => readDnq(dnq).manifest.quantizer.params.stepMultiplier as number;
    const none = await quantizeModel(model, tokenizer, split.calibration, { ...base, tune: { ...tune, rateHeadroom: 0 } });
    const wide = await quantizeModel(model, tokenizer, split.calibration, { ...base, tune: { ...tune, rateHeadroom: 0.05 } });
    expect(none.tune?.rateHeadroom).toBe(0);
    expect(wide.tune?.rateHeadroom).toBe(0.05);
    expect(readDnq(wide.dnq).manifest.quantizer.params).toMatchObject({ tuneRateHeadroom: 0.05 });
    // 5 % held back: coarser steps, and the streams still within the budget.
    expect(steps(wide.dnq)).toBeGreaterThan(steps(none.dnq));
    expect(wide.bitsPerWeight).toBeLessThanOrEqual(3);
    expect(none.bitsPerWeight).toBeLessThanOrEqual(3);
    for (const rateHeadroom of [-0.01, 0.2, Number.NaN]) {
      const refused = quantizeModel(model, tokenizer, split.calibration, { ...base, tune: { ...tune, rateHeadroom } });
      await expect(refused).rejects.toThrow(QuantInputError);
      await expect(refused).rejects.toThrow(/rateHeadroom/);
    }
  }, 180_000);
});
