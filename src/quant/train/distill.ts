/**
 * Quantization-aware fine-tuning by distillation from the fp32 model (quant.md: beyond
 * post-training quantization). The quantized model keeps every grid the quantizer chose — widths,
 * scales, zero points, archive-mode steps — so the stored side bits do not change; what moves is
 * which grid point each weight takes, and the float32 parameters the container stores as they are
 * (embedding, RMSNorm gains, an unshared classifier).
 *
 * Each quantized weight has a float latent value, started at its quantized value; the forward pass
 * uses its grid projection and the gradient passes straight through the rounding (the
 * straight-through estimator). Adam moves latents in units of their own grid step, so a weight
 * changes code only after consistent pressure. The loss is KL(fp32 ‖ quantized) per position,
 * on text the fp32 model itself samples (seeded, a little hotter than its own distribution so that
 * the contexts are as hard as real text's; the targets stay untempered) and, when `texts` are given, on
 * windows of real text (the calibration stories; `textShare` of each step's sequences): the
 * evaluation stories are never seen, and the teacher's distribution is known at every position.
 * A fixed set of further samples (another seed) measures the KL before and after; the tuned
 * parameters are kept only if it fell.
 */
import { QuantInputError } from '../errors.js';
import { cloneModel, type LinearName, type LlamaModel } from '../model/llama.js';
import { BOS } from '../tokenizer/index.js';
import { Rng } from '../../random.js';
import { Adam } from './adam.js';
import { LlamaGrad } from './llama-grad.js';
import { cloneGrid, gridCodes, moveScale, projectToGrid, type ScaleUnits, type WeightGrid } from './weight-grid.js';
import { flattenModel, viewModel } from './flat-model.js';
import { logSoftmaxInto } from '../model/log-softmax.js';
import { teacherStepper, type TokenStepper } from './teacher-stepper.js';
import { matchTemperature, textNll, type MatchedTemperature } from './sample-temperature.js';

export interface TuneTarget {
  layer: number;
  name: LinearName;
  grid: WeightGrid;
}

export interface TuneOptions {
  /** Optimizer steps. */
  steps: number;
  /** Sampled sequences per step. Default 2. */
  sequencesPerStep?: number;
  /** Tokens per sampled sequence at most (BOS included). Default 256. */
  maxTokens?: number;
  /** Peak step of a quantized weight's latent, in units of its grid step. Default DEFAULT_LATENT_RATE. */
  latentRate?: number;
  /**
   * Peak step of a scale's latent (a group's scale or an archive-mode column's step), in rungs of
   * its ladder (2^(1/16) apart); 0 keeps every scale. Default DEFAULT_SCALE_RATE.
   */
  scaleRate?: number;
  /** Peak learning rate of the float32 parameters. Default 2e-3. */
  floatRate?: number;
  /** Sequences in the validation set. Default 8. */
  validationSequences?: number;
  seed?: number;
  /**
   * Archive mode only (quantize-model.ts): the entropy-coded streams start this fraction under
   * the budget, so that codes moved by tuning still fit with fewer changes undone. Default
   * DEFAULT_RATE_HEADROOM.
   */
  rateHeadroom?: number;
  /**
   * Archive mode only (rate-pressure.ts): the rate term's starting multiplier, in nats of mean KL
   * per bit; 0 turns the term off. Default DEFAULT_RATE_PRESSURE.
   */
  ratePressure?: number;
  /**
   * Real text to distil on besides the teacher's samples: token sequences (BOS first), the
   * calibration split's stories, never the evaluation's. Default: none.
   */
  texts?: readonly Int32Array[];
  /**
   * The share of each step's sequences taken from `texts` (windows of up to maxTokens at a seeded
   * start); the rest are sampled. Default DEFAULT_TEXT_SHARE when texts are given.
   */
  textShare?: number;
  /**
   * Temperature at which the teacher samples the tuning and validation sequences (the targets
   * stay its untempered distributions), or 'match': the temperature at which its samples are as
   * hard for it as `texts` (sample-temperature.ts). Default DEFAULT_SAMPLE_TEMPERATURE.
   */
  sampleTemperature?: number | 'match';
  /** Threads for the sequences of a step (tune-workers.ts; the result does not depend on it). Default: every core. */
  threads?: number;
  /** Called after each step with the step's mean KL on its own samples. */
  onStep?: (step: number, kl: number) => void;
}

export interface TuneResult {
  /** The tuned model: quantized linear layers at their new grid points, tuned float parameters. */
  model: LlamaModel;
  /** New codes per target, in target order (the grids' code convention). */
  codes: Int32Array[];
  /** The starting codes, in the same order. */
  startCodes: Int32Array[];
  /** The final latent weights (the starting values when tuning did not help). */
  latents: Float32Array[];
  /** Mean KL to fp32 on the validation samples before and after (nats per position). */
  klBefore: number;
  klAfter: number;
  /** False when tuning did not lower the validation KL; the result is then the starting model. */
  improved: boolean;
  /** Training positions seen. */
  tokens: number;
  /** Codes that differ from the starting ones. */
  changedCodes: number;
  /** The targets' grids with their tuned scales (the starting ones when tuning did not help). */
  grids: WeightGrid[];
  /** Scales (ladder codes of groups or columns) that differ from the starting ones. */
  changedScales: number;
  /** The temperature the teacher sampled at (the matched one under 'match'). */
  sampleTemperature: number;
  /** The latents' peak step, in grid steps (TuneOptions.latentRate). */
  latentRate: number;
}

interface Sample {
  tokens: Int32Array;
  T: number;
  /** Teacher log-probabilities, T × vocab. */
  logp: Float32Array;
}

/** The seed of sequence `index` of step `step` (step −1: the validation set): independent of how sequences are spread over threads. */
export function sequenceSeed(seed: number, step: number, index: number): number {
  return (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(step + 2, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

/** What one sequence of a step is: sampled from the teacher by its seed, or a window of real text. */
export interface SequenceSource {
  seed: number;
  text?: Int32Array;
  /** Sampling temperature of a sampled sequence. Default 1. */
  temperature?: number;
}

/** The teacher's log-probabilities along a given token sequence. */
function teacherSequence(teacher: TokenStepper, tokens: Int32Array, vocab: number): Sample {
  const T = tokens.length;
  const logp = new Float32Array(T * vocab);
  for (let pos = 0; pos < T; pos++) logSoftmaxInto(teacher.forward(tokens[pos], pos), 0, vocab, logp, pos * vocab);
  return { tokens, T, logp };
}

/**
 * Samples one sequence from the teacher at `temperature`, keeping its untempered
 * log-probabilities (the target at every position stays the teacher's own distribution; the
 * temperature only chooses which contexts are visited).
 */
export function sampleSequence(teacher: TokenStepper, rng: Rng, maxTokens: number, vocab: number, temperature = 1): Sample {
  const tokens = new Int32Array(maxTokens);
  const logp = new Float32Array(maxTokens * vocab);
  const tempered = temperature === 1 ? null : new Float64Array(vocab);
  tokens[0] = BOS;
  let T = 0;
  for (let pos = 0; pos < maxTokens; pos++) {
    const logits = teacher.forward(tokens[pos], pos);
    const o = pos * vocab;
    logSoftmaxInto(logits, 0, vocab, logp, o);
    T = pos + 1;
    let u = rng.next();
    if (tempered) {
      let sum = 0;
      for (let i = 0; i < vocab; i++) sum += tempered[i] = Math.exp(logp[o + i] / temperature);
      u *= sum;
    }
    let next = vocab - 1;
    for (let i = 0; i < vocab; i++) {
      u -= tempered ? tempered[i] : Math.exp(logp[o + i]);
      if (u < 0) {
        next = i;
        break;
      }
    }
    if (next === BOS || pos + 1 >= maxTokens) break;
    tokens[pos + 1] = next;
  }
  return { tokens: tokens.subarray(0, T), T, logp: logp.subarray(0, T * vocab) };
}

/** Σ over positions of KL(teacher ‖ student); writes q − p into dLogits when given. */
function klAndGradient(logits: Float32Array, s: Sample, vocab: number, dLogits?: Float32Array): number {
  const lq = new Float64Array(vocab);
  let kl = 0;
  for (let t = 0; t < s.T; t++) {
    const o = t * vocab;
    logSoftmaxInto(logits, o, vocab, lq, 0);
    for (let i = 0; i < vocab; i++) {
      const lp = s.logp[o + i];
      const p = Math.exp(lp);
      kl += p * (lp - lq[i]);
      if (dLogits) dLogits[o + i] = Math.exp(lq[i]) - p;
    }
  }
  return kl;
}

/**
 * One sampled sequence's share of a step: the teacher samples it (from its own seed), the student
 * runs forward and back, and `grads` (a flat model buffer, zeroed here) receives the gradient of
 * the summed KL over its positions. The same on any thread: tune-worker.ts runs exactly this.
 */
export function sequenceGradient(
  teacher: TokenStepper,
  student: LlamaModel,
  grad: LlamaGrad,
  source: SequenceSource,
  maxTokens: number,
  grads: Float32Array,
): { kl: number; positions: number } {
  const V = student.config.vocabSize;
  const s = source.text
    ? teacherSequence(teacher, source.text.subarray(0, maxTokens), V)
    : sampleSequence(teacher, new Rng(source.seed), maxTokens, V, source.temperature);
  const dLogits = new Float32Array(s.T * V);
  grad.forward(student, s.tokens, s.T);
  const kl = klAndGradient(grad.logits, s, V, dLogits);
  grads.fill(0);
  grad.backward(student, dLogits, viewModel(student.config, grads));
  return { kl, positions: s.T };
}

/** The float32 parameters a container stores as they are, as one list (the classifier once). */
function floatParams(m: LlamaModel): Float32Array[] {
  const out = [m.tokenEmbedding, m.finalNorm];
  for (const L of m.layers) out.push(L.attnNorm, L.ffnNorm);
  if (!m.config.sharedClassifier) out.push(m.wcls);
  return out;
}

function validationKl(grad: LlamaGrad, model: LlamaModel, set: readonly Sample[], vocab: number): number {
  let kl = 0;
  let n = 0;
  for (const s of set) {
    kl += klAndGradient(grad.forward(model, s.tokens, s.T), s, vocab);
    n += s.T;
  }
  return kl / n;
}

/**
 * fineTune's default latentRate. On stories260K at 3.0 bits (archive mode, T = 1.3, seeds 1 / 2)
 * the evaluation perplexity at 2,400 steps went 5.755 / 5.734 at 0.01, 5.728 / 5.727 at 0.005 and
 * 5.831 / 5.749 at 0.0025. At 4,800 steps on seeds 1–4, 0.0035 gave 5.698 / 5.676 / 5.721 / 5.628
 * (mean 5.681) against 5.691 / 5.729 / 5.697 / 5.754 (mean 5.718) at 0.005; 0.01 at 8,000 steps
 * gave 5.763.
 */
export const DEFAULT_LATENT_RATE = 0.0035;

/**
 * The default rateHeadroom (archive mode). Headroom buys the tuner room to move codes that cost
 * bits, but is paid for by a coarser start. On stories260K at 3.0 bits (4,800 steps, latent rate
 * 0.0035, T = 1.3) the evaluation perplexity on seeds 1 / 2 went 5.817 / 5.729 at 0.01. On
 * seeds 1–4 it went 5.698 / 5.676 / 5.721 / 5.628 at 0.005 (mean 5.681) and
 * 5.672 / 5.670 / 5.689 / 5.752 at 0.0025 (mean 5.696).
 */
export const DEFAULT_RATE_HEADROOM = 0.005;

/** fineTune's default scaleRate. */
export const DEFAULT_SCALE_RATE = 0;

/**
 * The loss's gradient with respect to each unit's ladder code, by the straight-through estimator:
 * a unit's weights are scale · (code − zero), one rung up the ladder divides the scale by 2^(1/16),
 * so d loss / d rung = −(ln 2 / 16) · Σ g_i · ŵ_i over the unit.
 */
function scaleGradient(units: ScaleUnits, g: Float32Array, w: Float32Array, out: Float32Array): void {
  const { start, members } = units;
  for (let u = 0; u + 1 < start.length; u++) {
    let sum = 0;
    for (let k = start[u]; k < start[u + 1]; k++) sum += g[members[k]] * w[members[k]];
    out[u] = (-Math.LN2 / 16) * sum;
  }
}

/** Steps between calls of fineTune's constraint on the codes. */
export const FIT_EVERY = 25;

/**
 * A constraint on the codes, from tune-quantized.ts (archive mode's rate budget). `shape` may
 * change each target's gradient before the optimizer steps (a penalty's gradient); `fit` may move
 * latents back into the feasible set every FIT_EVERY steps and after the last. Both see the grids
 * as they are now (scales move when scaleRate > 0).
 */
export interface TuneConstraint {
  shape?(latents: readonly Float32Array[], grads: readonly Float32Array[], grids: readonly WeightGrid[]): void;
  fit?(latents: Float32Array[], grids: readonly WeightGrid[]): void;
}

/** Computes the gradients of a batch of sequences, each from its source (tune-workers.ts spreads them over threads). */
export type SequenceRunner = (student: Float32Array, sources: readonly SequenceSource[]) => Promise<{ grads: Float32Array; kl: number; positions: number }[]>;

/**
 * fineTune's default sampleTemperature. On stories260K at 3.0 bits (archive mode, 2,400 steps) the
 * evaluation perplexity went 5.799 / 5.770 / 5.745 / 5.792 at 1 / 1.15 / 1.3 / 1.5, and the KL on
 * the calibration stories was lowest at 1.3 as well; 'match' lands near 1.15.
 */
export const DEFAULT_SAMPLE_TEMPERATURE = 1.3;

/** fineTune's default textShare. */
export const DEFAULT_TEXT_SHARE = 0;

/**
 * The sources of step `step`: the first round(share · perStep) are windows of `texts` (a text and
 * a start drawn from the sequence's seed), the rest samples.
 */
function stepSources(
  seed: number,
  step: number,
  perStep: number,
  texts: readonly Int32Array[],
  share: number,
  maxTokens: number,
  temperature: number,
): SequenceSource[] {
  const fromText = texts.length > 0 ? Math.round(share * perStep) : 0;
  return Array.from({ length: perStep }, (_, i) => {
    const sd = sequenceSeed(seed, step, i);
    if (i >= fromText) return temperature === 1 ? { seed: sd } : { seed: sd, temperature };
    const rng = new Rng(sd);
    const text = texts[rng.below(texts.length)];
    const start = text.length > maxTokens ? rng.below(text.length - maxTokens + 1) : 0;
    return { seed: sd, text: text.subarray(start, start + maxTokens) };
  });
}

/**
 * Tunes `start` (the dequantized model: its targets' arrays on their grids) towards `teacher`.
 * Neither input is modified (the grids tuned are copies, returned). Sequences are computed by
 * `runner` (default: on this thread); their gradients are summed in sequence order, so the result
 * is the same whatever runs them.
 */
export async function fineTune(
  teacher: LlamaModel,
  start: LlamaModel,
  targets: readonly TuneTarget[],
  options: TuneOptions,
  runner?: SequenceRunner,
  constraint: TuneConstraint = {},
): Promise<TuneResult> {
  const c = teacher.config;
  const V = c.vocabSize;
  const steps = options.steps;
  if (!Number.isInteger(steps) || steps < 0) throw new QuantInputError('--tune', `${steps} steps: expected a whole number ≥ 0`);
  const perStep = options.sequencesPerStep ?? 2;
  const maxTokens = Math.min(options.maxTokens ?? 256, c.seqLen);
  if (!Number.isInteger(perStep) || perStep < 1) throw new QuantInputError('fineTune', `sequencesPerStep ${perStep} must be a positive integer`);
  if (!Number.isInteger(maxTokens) || maxTokens < 2) throw new QuantInputError('fineTune', `maxTokens ${maxTokens} must be an integer ≥ 2`);
  const latentRate = options.latentRate ?? DEFAULT_LATENT_RATE;
  if (!(latentRate > 0 && Number.isFinite(latentRate))) throw new QuantInputError('fineTune', `latentRate ${latentRate} must be a finite number > 0`);
  const scaleRate = options.scaleRate ?? DEFAULT_SCALE_RATE;
  if (!(scaleRate >= 0 && Number.isFinite(scaleRate))) throw new QuantInputError('fineTune', `scaleRate ${scaleRate} must be a finite number ≥ 0`);
  const pressure = options.ratePressure ?? 0;
  if (!(pressure >= 0 && Number.isFinite(pressure))) throw new QuantInputError('fineTune', `ratePressure ${pressure} must be a finite number ≥ 0`);
  const floatRate = options.floatRate ?? 2e-3;
  const seed = options.seed ?? 1;
  const texts = (options.texts ?? []).filter((t) => t.length >= 2);
  const textShare = options.textShare ?? DEFAULT_TEXT_SHARE;
  if (!(textShare >= 0 && textShare <= 1)) throw new QuantInputError('fineTune', `textShare ${textShare} must be between 0 and 1`);
  const asked = options.sampleTemperature ?? DEFAULT_SAMPLE_TEMPERATURE;
  if (asked !== 'match' && !(asked >= 0.25 && asked <= 4))
    throw new QuantInputError('fineTune', `sampleTemperature ${asked} must be 'match' or between 0.25 and 4`);

  const { buf: studentBuf, model } = flattenModel(start);
  const grad = new LlamaGrad(c, maxTokens);
  const teacherT = teacherStepper(teacher, maxTokens);
  const temperature = asked === 'match' ? matchedTemperature(teacherT, texts, maxTokens, V, seed).temperature : asked;
  const run: SequenceRunner =
    runner ??
    (async (student, sources) => {
      const m = viewModel(c, student);
      return sources.map((src) => {
        const grads = new Float32Array(student.length);
        return { ...sequenceGradient(teacherT, m, grad, src, maxTokens, grads), grads };
      });
    });
  const valid = Array.from({ length: options.validationSequences ?? 8 }, (_, i) =>
    sampleSequence(teacherT, new Rng(sequenceSeed(seed, -1, i)), maxTokens, V, temperature),
  );
  const klBefore = validationKl(grad, model, valid, V);

  const latents = targets.map((t) => model.layers[t.layer][t.name].slice());
  const startCodes = targets.map((t, i) => gridCodes(t.grid, latents[i]));
  const latentAdam = latents.map((l) => new Adam(l));
  // Each unit's scale has a float latent in ladder rungs too, rounded to its rung.
  const grids = targets.map((t) => cloneGrid(t.grid));
  const scaleLatents = grids.map((g) => Float32Array.from(g.units.codes));
  const scaleAdam = scaleLatents.map((l) => new Adam(l));
  const scaleGrads = grids.map((g) => new Float32Array(g.units.codes.length));
  const floats = floatParams(model);
  const floatAdam = floats.map((p) => new Adam(p));
  const total = new Float32Array(studentBuf.length);
  const grads = viewModel(c, total);
  const gradFloats = floatParams(grads);
  const gradTargets = targets.map((t) => grads.layers[t.layer][t.name]);
  let tokens = 0;
  const warmup = Math.max(1, Math.round(steps / 20));
  for (let step = 0; step < steps; step++) {
    const parts = await run(studentBuf, stepSources(seed, step, perStep, texts, textShare, maxTokens, temperature));
    total.fill(0);
    let kl = 0;
    let positions = 0;
    for (const p of parts) {
      for (let i = 0; i < total.length; i++) total[i] += p.grads[i];
      kl += p.kl;
      positions += p.positions;
    }
    const inv = 1 / positions;
    for (let i = 0; i < total.length; i++) total[i] *= inv;
    tokens += positions;
    // Linear warm-up, then cosine decay to zero.
    const f = step < warmup ? (step + 1) / warmup : 0.5 * (1 + Math.cos((Math.PI * (step - warmup + 1)) / (steps - warmup + 1)));
    if (scaleRate > 0) targets.forEach((t, i) => scaleGradient(grids[i].units, gradTargets[i], model.layers[t.layer][t.name], scaleGrads[i]));
    constraint.shape?.(latents, gradTargets, grids);
    targets.forEach((t, i) => {
      const g = grids[i];
      latentAdam[i].step(gradTargets[i], latentRate * f, g.scale);
      if (scaleRate > 0) {
        scaleAdam[i].step(scaleGrads[i], scaleRate * f);
        const rungs = g.units.ladder.length - 1;
        scaleLatents[i].forEach((v, u) => moveScale(g, latents[i], u, Math.min(rungs, Math.max(0, Math.round(v)))));
      }
      projectToGrid(g, latents[i], model.layers[t.layer][t.name]);
    });
    floats.forEach((_p, i) => floatAdam[i].step(gradFloats[i], floatRate * f));
    if (constraint.fit && ((step + 1) % FIT_EVERY === 0 || step + 1 === steps)) {
      constraint.fit(latents, grids);
      targets.forEach((t, i) => {
        // A scale the fit put back starts again from its rung.
        grids[i].units.codes.forEach((c, u) => {
          if (Math.round(scaleLatents[i][u]) !== c) scaleLatents[i][u] = c;
        });
        projectToGrid(grids[i], latents[i], model.layers[t.layer][t.name]);
      });
    }
    options.onStep?.(step, kl / positions);
  }
  const klAfter = validationKl(grad, model, valid, V);
  const improved = klAfter < klBefore;
  let changedScales = 0;
  if (improved) grids.forEach((g, i) => g.units.codes.forEach((c, u) => (changedScales += c === targets[i].grid.units.codes[u] ? 0 : 1)));
  const codes = improved ? grids.map((g, i) => gridCodes(g, latents[i])) : startCodes;
  let changedCodes = 0;
  if (improved) codes.forEach((q, i) => q.forEach((v, k) => (changedCodes += v === startCodes[i][k] ? 0 : 1)));
  return {
    model: improved ? cloneModel(model) : cloneModel(start),
    codes,
    startCodes,
    latents: improved ? latents : targets.map((t) => start.layers[t.layer][t.name].slice()),
    klBefore,
    klAfter,
    improved,
    tokens,
    changedCodes,
    grids: improved ? grids : targets.map((t) => t.grid),
    changedScales,
    sampleTemperature: temperature,
    latentRate,
  };
}

/** Sequences and bisection steps behind 'match' (a resolution of 1.5 / 2^8 ≈ 0.006). */
const MATCH_SEQUENCES = 24;
const MATCH_ITERATIONS = 8;

/** fineTune's 'match': the temperature at which the teacher's samples are as hard for it as `texts`. */
export function matchedTemperature(teacher: TokenStepper, texts: readonly Int32Array[], maxTokens: number, vocab: number, seed: number): MatchedTemperature {
  const target = textNll(teacher, texts, maxTokens, vocab);
  return matchTemperature((rng, t) => sampleSequence(teacher, rng, maxTokens, vocab, t), target, vocab, {
    seed: sequenceSeed(seed, -2, 0),
    sequences: MATCH_SEQUENCES,
    iterations: MATCH_ITERATIONS,
  });
}
