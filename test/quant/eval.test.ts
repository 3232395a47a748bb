/**
 * Evaluation on the TinyStories sample: the fixed 9/9 split never overlaps, fp32 stories260K
 * scores the spec's 4,372 tokens at perplexity 5.1486, the model against itself has KL 0 and full
 * agreement, and a perturbed copy does worse on every metric.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cloneModel, evaluate, QuantInputError, readLlama2c, readStories, readTokenizer, splitStories } from '../../src/quant/index.js';
import { MODEL, TEXT, TOKENIZER } from '../_fixtures.js';

const model = readLlama2c(MODEL);
const tokenizer = readTokenizer(TOKENIZER, model.config.vocabSize);
const split = readStories(TEXT);

describe('story split', () => {
  it('9 calibration and 9 evaluation stories, first and last lines, never overlapping', () => {
    const lines = readFileSync(TEXT, 'utf8')
      .split('\n')
      .map((l) => l.trim()); // CRLF line ends
    expect(lines).toHaveLength(19); // 18 line ends, and a last line without one
    expect(split.calibration).toEqual(lines.slice(0, 9));
    expect(split.evaluation).toEqual(lines.slice(-9));
    for (const s of split.evaluation) expect(split.calibration).not.toContain(s);
  });

  it('too few stories, or a story on both sides, is refused', () => {
    expect(() => splitStories('one\ntwo\n', 'tiny.txt')).toThrow(/tiny\.txt: 2 stories/);
    const stories = Array.from({ length: 18 }, (_, i) => `story ${i}`);
    stories[15] = stories[2];
    expect(() => splitStories(stories.join('\n'), 'dup.txt')).toThrow(QuantInputError);
    expect(() => splitStories(stories.join('\n'), 'dup.txt')).toThrow(/dup\.txt: evaluation story 7 of 9 also appears among the calibration stories/);
    expect(() => readStories('/nonexistent/stories.txt')).toThrow(/no such file/);
  });
});

describe('metrics', () => {
  it('fp32 against itself: perplexity 5.149 ± 0.01 over 4,372 tokens, KL 0, full agreement', () => {
    const r = evaluate(model, model, tokenizer, split.evaluation);
    expect(r.tokens).toBe(4372);
    expect(r.stories).toBe(9);
    expect(Math.abs(r.perplexity - 5.149)).toBeLessThan(0.01);
    expect(Math.abs(Math.log(r.perplexity) - 1.638729)).toBeLessThan(2e-5); // the spec's mean NLL
    expect(r.perplexity).toBe(r.referencePerplexity);
    expect(r.meanKl).toBe(0);
    expect(r.top1Agreement).toBe(1);
  });

  it('a perturbed copy: KL > 0, agreement < 1, perplexity worse; the reference is unchanged', () => {
    const noisy = cloneModel(model);
    for (const l of noisy.layers) for (let i = 0; i < l.w2.length; i += 3) l.w2[i] *= 1.5;
    const stories = split.evaluation.slice(-2);
    const r = evaluate(model, noisy, tokenizer, stories);
    const self = evaluate(model, model, tokenizer, stories);
    expect(r.referencePerplexity).toBe(self.perplexity);
    expect(r.tokens).toBe(self.tokens);
    expect(r.meanKl).toBeGreaterThan(0.001);
    expect(r.top1Agreement).toBeLessThan(1);
    expect(r.perplexity).toBeGreaterThan(r.referencePerplexity);
    // A clone is another object with equal weights: the two-pass path gives the one-pass result.
    const twin = evaluate(model, cloneModel(model), tokenizer, stories.slice(-1));
    expect(twin.meanKl).toBeCloseTo(0, 12);
    expect(twin.top1Agreement).toBe(1);
  });
});
