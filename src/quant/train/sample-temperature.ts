/**
 * The temperature at which the tuner's teacher samples its own text. A model's own samples are
 * easier for it than real text (stories260K: 1.28 nats per token on its samples at temperature 1,
 * 1.61 on the calibration stories), so a tuner that only visits them trains on contexts tamer than
 * the ones it is judged on. Sampling hotter visits harder contexts while every target stays the
 * teacher's untempered distribution. "Match" picks the temperature at which the teacher's
 * negative log-likelihood on its samples equals its negative log-likelihood on real text (the
 * calibration stories, cut to the tuner's sequence length).
 */
import type { TokenStepper } from './teacher-stepper.js';
import { Rng } from '../../random.js';
import { QuantInputError } from '../errors.js';
import { logSoftmaxInto } from '../model/log-softmax.js';

/** Any sampling source with sampleSequence's shape (distill.ts passes its own). */
export type TemperatureSampler = (rng: Rng, temperature: number) => { tokens: Int32Array; T: number; logp: Float32Array };

export interface MatchedTemperature {
  temperature: number;
  /** The teacher's mean NLL per predicted token on the texts. */
  textNll: number;
  /** Its mean NLL per predicted token on its own samples at `temperature`. */
  sampleNll: number;
}

/** Bounds of the search: outside them the samples stop looking like text in either direction. */
export const MATCH_TEMPERATURE_RANGE: readonly [number, number] = [0.5, 2];

/** The teacher's mean NLL per predicted token along `texts` (each cut to maxTokens). */
export function textNll(teacher: TokenStepper, texts: readonly Int32Array[], maxTokens: number, vocab: number): number {
  const lp = new Float64Array(vocab);
  let nll = 0;
  let n = 0;
  for (const text of texts) {
    const T = Math.min(text.length, maxTokens);
    for (let pos = 0; pos + 1 < T; pos++) {
      logSoftmaxInto(teacher.forward(text[pos], pos), 0, vocab, lp, 0);
      nll -= lp[text[pos + 1]];
      n++;
    }
  }
  if (n === 0) throw new QuantInputError('sampleTemperature', 'matching needs real text of at least 2 tokens (the calibration stories)');
  return nll / n;
}

/**
 * Mean NLL per position of `sequences` samples at `temperature`, from fixed seeds (the same draws
 * at every temperature). At each visited position it takes the expected NLL of the tempered draw,
 * Σ q(i)·(−log p(i)) with q ∝ p^(1/temperature), rather than the NLL of the one token drawn:
 * the same mean with far less noise, so that the bisection is not steered by single draws.
 */
function sampleNll(sample: TemperatureSampler, seed: number, sequences: number, temperature: number, vocab: number): number {
  let nll = 0;
  let n = 0;
  for (let s = 0; s < sequences; s++) {
    const { T, logp } = sample(new Rng((seed + Math.imul(s + 1, 0x9e3779b1)) >>> 0), temperature);
    for (let pos = 0; pos < T; pos++) {
      const o = pos * vocab;
      let max = -Infinity;
      for (let i = 0; i < vocab; i++) max = Math.max(max, logp[o + i]);
      let z = 0;
      let e = 0;
      for (let i = 0; i < vocab; i++) {
        const q = Math.exp((logp[o + i] - max) / temperature);
        z += q;
        e -= q * logp[o + i];
      }
      nll += e / z;
      n++;
    }
  }
  return n === 0 ? 0 : nll / n;
}

/**
 * Bisects the temperature in MATCH_TEMPERATURE_RANGE until the samples' NLL meets `target`
 * (NLL rises with temperature; common seeds keep the comparison between temperatures steady).
 * `iterations` halvings give a resolution of 1.5 / 2^iterations.
 */
export function matchTemperature(
  sample: TemperatureSampler,
  target: number,
  vocab: number,
  options: { seed: number; sequences: number; iterations: number },
): MatchedTemperature {
  let [lo, hi] = MATCH_TEMPERATURE_RANGE;
  let mid = 1;
  let nll = sampleNll(sample, options.seed, options.sequences, mid, vocab);
  for (let i = 0; i < options.iterations; i++) {
    if (nll < target) lo = mid;
    else hi = mid;
    mid = (lo + hi) / 2;
    nll = sampleNll(sample, options.seed, options.sequences, mid, vocab);
  }
  return { temperature: mid, textNll: target, sampleNll: nll };
}
