/**
 * A llama2.c model through the whole quantizer: calibration activations → Hessians (one per
 * linear layer, shared where layers read the same input) → per-matrix importance measured as the
 * KL divergence a 3-bit rounding of that matrix alone causes on calibration text → bit widths
 * allocated jointly under the exact all-in budget (or one uniform width) → GPTQ or RTN → a .dnq
 * container. Embeddings and norms stay unquantized in float32 and are accounted separately.
 */
import { dequantizeMatrix, DEFAULT_GROUP_SIZE, groupStoredBits, SCALE_CODE_BITS, type QuantizedMatrix } from './groups.js';
import { HessianCollector } from './hessian.js';
import { measureGroupCosts } from './allocate.js';
import { bestGroupSize, cpuEngine, quantizeMatrices, type MatrixEngine, type MatrixInput, type QuantizeMatricesResult } from './pipeline.js';
import { rtnQuantize } from './rtn.js';
import { dequantizeEcsq, ecsqAtBudget, type EcsqBudgetResult, type EcsqMatrix } from './ecsq.js';
import { readDnq, writeDnq, type DnqArchive, type DnqTensorInput } from './dnq.js';
import { QuantInputError } from './errors.js';
import {
  cloneModel,
  LINEAR_NAMES,
  linearShape,
  llamaConfigProblem,
  MAX_CONTAINER_SEQ_LEN,
  type LinearName,
  type LlamaConfig,
  type LlamaModel,
} from './model/llama.js';
import { Transformer } from './model/transformer.js';
import type { Tokenizer } from './tokenizer/index.js';
import { logSoftmaxInto } from './model/log-softmax.js';
import { DEFAULT_RATE_HEADROOM, type TuneOptions } from './train/distill.js';
import { tuneQuantized, type QuantizedLinear, type TuneCandidate, type TunedQuantized, type TuneReport } from './train/tune-quantized.js';

export interface QuantizeModelOptions {
  method: 'rtn' | 'gptq';
  /** All-in bits per weight over the linear layers (codes, zero points, scale codes, width fields). */
  budgetBitsPerWeight: number;
  /** Allocate widths per group (true) or use one width and group size for every matrix. */
  allocate: boolean;
  /** Calibration tokens per story (the model's context at most). Default 512. */
  tokensPerStory?: number;
  /** Measure per-matrix importance by KL (allocation only). Default true. */
  importance?: boolean;
  /** Clipped grids at ≤ 4 bits (least squared rounding error per group). Default true. */
  clip?: boolean;
  /**
   * Archive mode (quant.md §12.7): entropy-coded scalar quantization (ecsq.ts) instead of
   * fixed-width codes — GPTQ onto uniform per-column steps that follow the sensitivity, the
   * integers range-coded, one global step multiplier searched to meet the budget. `method` and
   * `allocate` do not apply. Default false.
   */
  entropy?: boolean;
  /** Hessians from a calibration run elsewhere (quantize-device.ts runs one on a WebGPU device); default: `calibrate` here. */
  calibrated?: Calibrated;
  /** Where the allocation's measurement and GPTQ run (quantize-device.ts deviceEngine); default the TypeScript code. Archive mode always runs here. */
  engine?: MatrixEngine;
  /**
   * Quantization-aware fine-tuning after quantization (train/distill.ts): codes move on their
   * grids and the float32 parameters follow, by distillation from the fp32 model on text it
   * samples itself. Default: none (0 steps). With `restarts` k > 1 it runs k times, with seeds
   * seed, seed + 1, …, and keeps the run whose KL to fp32 on the calibration stories is lowest;
   * `onStep` then counts steps across the runs (step + run · steps).
   */
  tune?: TuneOptions & { restarts?: number };
}

/** What quantizeModel takes from calibration: each linear layer's Hessian source, and the token count. */
export interface Calibrated {
  collector: { get(layer: number, name: string): { hessian(): Float64Array } | undefined };
  tokens: number;
}

export interface QuantizedModel {
  dnq: Uint8Array;
  model: LlamaModel;
  /** Achieved all-in bits per weight over the linear layers. */
  bitsPerWeight: number;
  uniform?: { bits: number; groupSize: number };
  groupSize: number;
  importance?: Record<string, number>;
  calibrationTokens: number;
  /** What fine-tuning did, when it ran. */
  tune?: TuneReport;
}

/** The largest rateHeadroom taken: a guard against typos, far past what pays (0.01 already did worse than 0.005: DEFAULT_RATE_HEADROOM). */
export const MAX_RATE_HEADROOM = 0.1;

/** The most tuning runs one quantizeModel call chooses among (tune.restarts). */
export const MAX_TUNE_RESTARTS = 16;

/**
 * Mean KL(reference ‖ candidate) per position over token sequences, both models run side by side
 * (nothing per position is kept, so a large vocabulary costs no memory).
 */
function meanKlAgainst(reference: LlamaModel, candidate: LlamaModel, seqs: readonly Int32Array[]): number {
  const ref = new Transformer(reference);
  const cand = new Transformer(candidate);
  const V = reference.config.vocabSize;
  const lr = new Float64Array(V);
  const lc = new Float64Array(V);
  let sum = 0;
  let n = 0;
  for (const ids of seqs) {
    for (let pos = 0; pos < ids.length; pos++) {
      logSoftmaxInto(ref.forward(ids[pos], pos), 0, V, lr, 0);
      logSoftmaxInto(cand.forward(ids[pos], pos), 0, V, lc, 0);
      for (let i = 0; i < V; i++) sum += Math.exp(lr[i]) * (lr[i] - lc[i]);
      n++;
    }
  }
  return sum / n;
}

const SHARES = { wk: 'wq', wv: 'wq', w3: 'w1' } as const;

/** Runs the calibration stories through the fp32 model, collecting every linear layer's Hessian. */
export function calibrate(
  model: LlamaModel,
  tokenizer: Tokenizer,
  stories: readonly string[],
  tokensPerStory = 512,
): { collector: HessianCollector; tokens: number } {
  const collector = new HessianCollector(SHARES);
  const t = new Transformer(model);
  t.setLinearInputHook(collector.hook);
  let tokens = 0;
  for (const s of stories) {
    const ids = tokenizer.encode(s, true);
    const n = Math.min(ids.length, tokensPerStory, model.config.seqLen);
    for (let pos = 0; pos < n; pos++) t.forward(ids[pos], pos);
    tokens += n;
  }
  return { collector, tokens };
}

const GROUP_SIZES = [32, 64, 128, 256] as const;

/** Exact all-in bits of uniform width b with groups of g over matrices of these shapes (ragged last groups included). */
function uniformBits(shapes: ReadonlyArray<readonly [number, number]>, bits: number, groupSize: number): number {
  let total = 0;
  for (const [rows, cols] of shapes) total += rows * (bits * cols + (SCALE_CODE_BITS + bits) * Math.ceil(cols / groupSize));
  return total;
}

/** The widest uniform width, then the smallest group, whose exact all-in cost fits the budget. */
export function uniformLayout(budget: number, shapes: ReadonlyArray<readonly [number, number]>): { bits: number; groupSize: number } {
  const weights = shapes.reduce((a, [r, c]) => a + r * c, 0);
  for (let bits = 8; bits >= 1; bits--) {
    for (const groupSize of GROUP_SIZES) if (uniformBits(shapes, bits, groupSize) <= budget * weights + 1e-9) return { bits, groupSize };
  }
  throw new QuantInputError('--bits', `a budget of ${budget} bits/weight is below the smallest uniform layout (1-bit codes with groups of 256)`);
}

/** Reference next-token log-probabilities on a short calibration slice, for the importance probe. */
function referenceLogProbs(model: LlamaModel, seqs: readonly number[][]): Float64Array[] {
  const t = new Transformer(model);
  const out: Float64Array[] = [];
  for (const ids of seqs) for (let pos = 0; pos < ids.length; pos++) out.push(logSoftmax(t.forward(ids[pos], pos)));
  return out;
}

function logSoftmax(l: Float32Array): Float64Array {
  const out = new Float64Array(l.length);
  logSoftmaxInto(l, 0, l.length, out, 0);
  return out;
}

function meanKl(model: LlamaModel, seqs: readonly number[][], ref: readonly Float64Array[]): number {
  const t = new Transformer(model);
  let k = 0;
  let sum = 0;
  for (const ids of seqs) {
    for (let pos = 0; pos < ids.length; pos++) {
      const lc = logSoftmax(t.forward(ids[pos], pos));
      const lr = ref[k++];
      for (let i = 0; i < lr.length; i++) sum += Math.exp(lr[i]) * (lr[i] - lc[i]);
    }
  }
  return sum / k;
}

/**
 * How much each matrix's noise moves the output: KL of a 3-bit rounding of it alone, per unit of
 * its predicted relative loss at 3 bits, on two calibration stories of 128 tokens. Sets each
 * input's `importance` and returns them by name.
 */
export function measureImportance(model: LlamaModel, tokenizer: Tokenizer, calibration: readonly string[], inputs: MatrixInput[]): Record<string, number> {
  const probe = calibration.slice(0, 2).map((s) => tokenizer.encode(s, true).slice(0, 128));
  const ref = referenceLogProbs(model, probe);
  const importance: Record<string, number> = {};
  for (const m of inputs) {
    const [l, name] = [Number(m.name.split('.')[1]), m.name.split('.')[2] as LinearName];
    const trial = cloneModel(model);
    trial.layers[l][name] = dequantizeMatrix(rtnQuantize(m.W, m.rows, m.cols, { groupSize: DEFAULT_GROUP_SIZE, bits: 3 }));
    const kl = meanKl(trial, probe, ref);
    const costs = measureGroupCosts(m.W, m.rows, m.cols, m.hdiag, { minBits: 3, maxBits: 3 });
    let rel = 0;
    for (let g = 0; g < costs.loss.length; g++) rel += costs.loss[g];
    importance[m.name] = rel > 0 ? kl / rel : 1;
    m.importance = importance[m.name];
  }
  return importance;
}

export async function quantizeModel(
  model: LlamaModel,
  tokenizer: Tokenizer,
  calibration: readonly string[],
  options: QuantizeModelOptions,
): Promise<QuantizedModel> {
  const engine = options.engine ?? cpuEngine;
  const asked = options.tune?.rateHeadroom;
  if (asked !== undefined && !(asked >= 0 && asked <= MAX_RATE_HEADROOM))
    throw new QuantInputError('rateHeadroom', `${asked}: expected a fraction of the budget from 0 to ${MAX_RATE_HEADROOM}`);
  const restarts = options.tune?.restarts ?? 1;
  if (!(Number.isInteger(restarts) && restarts >= 1 && restarts <= MAX_TUNE_RESTARTS))
    throw new QuantInputError('restarts', `${restarts}: expected a whole number of tuning runs from 1 to ${MAX_TUNE_RESTARTS}`);
  const c = model.config;
  const { collector, tokens } = options.calibrated ?? calibrate(model, tokenizer, calibration, options.tokensPerStory ?? 512);
  const inputs: MatrixInput[] = [];
  const hdiag = (H: Float64Array, n: number): Float64Array => {
    const d = new Float64Array(n);
    for (let j = 0; j < n; j++) d[j] = H[j * n + j];
    return d;
  };
  for (let l = 0; l < c.nLayers; l++) {
    for (const name of LINEAR_NAMES) {
      const [rows, cols] = linearShape(c, name);
      const acc = collector.get(l, name);
      if (!acc) throw new QuantInputError(`layer ${l} ${name}`, 'no calibration activations reached it');
      const H = acc.hessian();
      inputs.push({ name: `layers.${l}.${name}`, W: model.layers[l][name], rows, cols, H, hdiag: hdiag(H, cols) });
    }
  }

  let importance: Record<string, number> | undefined;
  let result: QuantizeMatricesResult | undefined;
  let uniform: { bits: number; groupSize: number } | undefined;
  let groupSize: number = DEFAULT_GROUP_SIZE;
  if (options.entropy) {
    importance = measureImportance(model, tokenizer, calibration, inputs);
  } else if (options.allocate) {
    if (options.importance ?? true) importance = measureImportance(model, tokenizer, calibration, inputs);
  }
  let ecsq: EcsqBudgetResult | undefined;
  let headroom = 0;
  let ecsqByName: Map<string, EcsqMatrix> | undefined;
  if (options.entropy) {
    headroom = options.tune && options.tune.steps > 0 ? (options.tune.rateHeadroom ?? DEFAULT_RATE_HEADROOM) : 0;
    ecsq = ecsqAtBudget(
      inputs.map((m) => ({ ...m, H: m.H! })),
      options.budgetBitsPerWeight * (1 - headroom),
      { where: '--bits' },
    );
    const found = ecsq.matrices;
    ecsqByName = new Map(inputs.map((m, i) => [m.name, found[i]]));
  } else if (options.allocate) {
    // GPTQ's factors need only H: an engine may start them now, while the group size is chosen.
    if (options.method === 'gptq')
      engine.announceGptq?.(
        inputs.map((m) => ({ H: m.H!, cols: m.cols, name: m.name })),
        {},
      );
    groupSize = (await bestGroupSize(inputs, options.budgetBitsPerWeight, { minBits: 2, maxBits: 8, clip: options.clip ?? true }, GROUP_SIZES, engine))
      .groupSize;
    result = await quantizeMatrices(
      inputs,
      { method: options.method, budgetBitsPerWeight: options.budgetBitsPerWeight, groupSize, clip: options.clip ?? true },
      engine,
    );
  } else {
    uniform = uniformLayout(
      options.budgetBitsPerWeight,
      inputs.map((m) => [m.rows, m.cols] as const),
    );
    groupSize = uniform.groupSize;
    result = await quantizeMatrices(inputs, { method: options.method, bits: uniform.bits, groupSize: uniform.groupSize, clip: options.clip ?? true }, engine);
  }

  const quantized = cloneModel(model);
  let linears: QuantizedLinear[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    for (const name of LINEAR_NAMES) {
      const key = `layers.${l}.${name}`;
      const linear: QuantizedLinear = ecsq
        ? { layer: l, name, kind: 'ecsq', matrix: ecsqByName!.get(key)! }
        : { layer: l, name, kind: 'quantized', matrix: result!.matrices.get(key)! };
      linears.push(linear);
      quantized.layers[l][name] = linear.kind === 'ecsq' ? dequantizeEcsq(linear.matrix) : dequantizeMatrix(linear.matrix);
    }
  }
  let stored = model; // the float32 parameters the container stores as they are
  let tune: TuneReport | undefined;
  let final = quantized;
  if (options.tune && options.tune.steps > 0) {
    const weights = inputs.reduce((a, m) => a + m.rows * m.cols, 0);
    // The calibration stories, as calibration saw them, are the tuner's real text.
    const texts = calibration.map((s) => Int32Array.from(tokenizer.encode(s, true).slice(0, Math.min(c.seqLen, options.tokensPerStory ?? 512))));
    const budgetBits = ecsq ? Math.floor(options.budgetBitsPerWeight * weights) : Infinity;
    const { restarts: _, ...tuneOptions } = options.tune;
    const steps = tuneOptions.steps;
    // Seeds differ in real-text perplexity at the same sampled KL (README): with restarts, the
    // calibration stories (which the quantizer may see) choose among the runs.
    let t: TunedQuantized | undefined;
    let best = Infinity;
    const candidates: TuneCandidate[] = [];
    for (let run = 0; run < restarts; run++) {
      const seed = ((tuneOptions.seed ?? 1) + run) >>> 0;
      const onStep = tuneOptions.onStep && ((step: number, kl: number) => tuneOptions.onStep!(step + run * steps, kl));
      const r = await tuneQuantized(model, quantized, linears, { texts, ...tuneOptions, seed, onStep }, budgetBits);
      if (restarts === 1) {
        t = r;
        break;
      }
      const calibrationKl = meanKlAgainst(model, r.model, texts);
      candidates.push({ seed, calibrationKl });
      if (t === undefined || calibrationKl < best) [t, best] = [r, calibrationKl];
    }
    linears = t!.linears;
    tune = { ...t!.report, ...(ecsq ? { rateHeadroom: headroom } : {}), ...(restarts > 1 ? { restarts: candidates } : {}) };
    stored = final = t!.model;
  }
  const tensors: DnqTensorInput[] = [{ kind: 'raw', name: 'tok_embeddings', shape: [c.vocabSize, c.dim], data: stored.tokenEmbedding }];
  for (let l = 0; l < c.nLayers; l++) {
    tensors.push({ kind: 'raw', name: `layers.${l}.attention_norm`, shape: [c.dim], data: stored.layers[l].attnNorm });
    tensors.push({ kind: 'raw', name: `layers.${l}.ffn_norm`, shape: [c.dim], data: stored.layers[l].ffnNorm });
    for (const q of linears.slice(l * LINEAR_NAMES.length, (l + 1) * LINEAR_NAMES.length)) {
      const key = `layers.${l}.${q.name}`;
      tensors.push(
        q.kind === 'ecsq'
          ? { kind: 'ecsq', name: key, matrix: q.matrix }
          : { kind: 'quantized', name: key, matrix: q.matrix, minBits: result!.minBits, maxBits: result!.maxBits },
      );
    }
  }
  tensors.push({ kind: 'raw', name: 'norm', shape: [c.dim], data: stored.finalNorm });
  if (!c.sharedClassifier) tensors.push({ kind: 'raw', name: 'output', shape: [c.vocabSize, c.dim], data: stored.wcls });
  const tuneParams: Record<string, number> = tune
    ? {
        tuneSteps: tune.steps,
        tuneSeed: tune.seed,
        tuneTokens: tune.tokens,
        tuneChangedCodes: tune.changedCodes,
        tuneChangedScales: tune.changedScales,
        tuneSampleTemperature: tune.sampleTemperature,
        tuneLatentRate: tune.latentRate,
        ...(tune.rateHeadroom !== undefined ? { tuneRateHeadroom: tune.rateHeadroom } : {}),
        ...(tune.restarts ? { tuneRestarts: tune.restarts.length, tuneCalibrationKl: tune.restarts.find((r) => r.seed === tune!.seed)!.calibrationKl } : {}),
      }
    : {};
  const dnq = writeDnq({
    model: configRecord(c),
    quantizer: ecsq
      ? { method: 'gptq+ecsq', params: { calibrationTokens: tokens, stepMultiplier: ecsq.stepMultiplier, ...tuneParams } }
      : {
          method: options.allocate ? `${options.method}+allocation` : options.method,
          params: { calibrationTokens: tokens, groupSize, ...(uniform ? { bits: uniform.bits } : {}), ...tuneParams },
        },
    budgetBitsPerWeight: options.budgetBitsPerWeight,
    tensors,
  });
  return {
    dnq,
    model: final,
    bitsPerWeight: linearBitsPerWeight(readDnq(dnq)),
    uniform,
    groupSize,
    importance,
    calibrationTokens: tokens,
    ...(tune ? { tune } : {}),
  };
}

function configRecord(c: LlamaConfig): Record<string, number | boolean | string> {
  return {
    architecture: 'llama2c',
    dim: c.dim,
    hiddenDim: c.hiddenDim,
    nLayers: c.nLayers,
    nHeads: c.nHeads,
    nKvHeads: c.nKvHeads,
    vocabSize: c.vocabSize,
    seqLen: c.seqLen,
    sharedClassifier: c.sharedClassifier,
  };
}

/** All-in bits per weight of the quantized tensors: codes + grids + width fields, exactly. */
export function linearBitsPerWeight(a: DnqArchive): number {
  let bits = 0;
  let weights = 0;
  for (const t of a.tensors) {
    if (t.kind === 'ecsq') {
      bits += 8 * t.streamBytes;
      weights += t.matrix.rows * t.matrix.cols;
      continue;
    }
    if (t.kind !== 'quantized') continue;
    const m: QuantizedMatrix = t.matrix;
    const field = t.minBits === t.maxBits ? 0 : Math.ceil(Math.log2(t.maxBits - t.minBits + 1));
    const gpr = Math.ceil(m.cols / m.groupSize);
    for (let r = 0; r < m.rows; r++) {
      for (let g = 0; g < gpr; g++) {
        const len = Math.min(m.groupSize, m.cols - g * m.groupSize);
        bits += groupStoredBits(len, m.widths[r * gpr + g]) + field;
      }
    }
    weights += m.rows * m.cols;
  }
  return bits / weights;
}

/** The model a .dnq container holds, dequantized to float32. */
export function modelFromDnq(a: DnqArchive, file = '<dnq>'): LlamaModel {
  const m = a.manifest.model;
  const num = (k: string): number => {
    const v = m[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw new QuantInputError(file, `manifest model.${k} = ${JSON.stringify(v)}: expected a positive integer`);
    return v;
  };
  const config: LlamaConfig = {
    dim: num('dim'),
    hiddenDim: num('hiddenDim'),
    nLayers: num('nLayers'),
    nHeads: num('nHeads'),
    nKvHeads: num('nKvHeads'),
    vocabSize: num('vocabSize'),
    seqLen: num('seqLen'),
    sharedClassifier: m.sharedClassifier === true,
  };
  const problem = llamaConfigProblem(config, MAX_CONTAINER_SEQ_LEN);
  if (problem) throw new QuantInputError(file, `manifest model: ${problem}`);
  const byName = new Map(a.tensors.map((t) => [t.name, t]));
  const get = (name: string, length: number): Float32Array => {
    const t = byName.get(name);
    if (!t) throw new QuantInputError(file, `tensor ${name} is missing`);
    const data = t.kind === 'raw' ? t.data : t.kind === 'ecsq' ? dequantizeEcsq(t.matrix) : dequantizeMatrix(t.matrix);
    if (data.length !== length) throw new QuantInputError(file, `tensor ${name} has ${data.length} values, the model config needs ${length}`);
    return data;
  };
  const tokenEmbedding = get('tok_embeddings', config.vocabSize * config.dim);
  const layers = Array.from({ length: config.nLayers }, (_, l) => {
    const lin = (name: LinearName): Float32Array => {
      const [r, cc] = linearShape(config, name);
      return get(`layers.${l}.${name}`, r * cc);
    };
    return {
      attnNorm: get(`layers.${l}.attention_norm`, config.dim),
      wq: lin('wq'),
      wk: lin('wk'),
      wv: lin('wv'),
      wo: lin('wo'),
      ffnNorm: get(`layers.${l}.ffn_norm`, config.dim),
      w1: lin('w1'),
      w2: lin('w2'),
      w3: lin('w3'),
    };
  });
  const finalNorm = get('norm', config.dim);
  const wcls = config.sharedClassifier ? tokenEmbedding : get('output', config.vocabSize * config.dim);
  return { config, tokenEmbedding, layers, finalNorm, wcls };
}
