/**
 * Fine-tuning a quantized model as the container stores it: fixed-width groups or archive-mode
 * (ECSQ) matrices go in, the same matrices with new codes come out, with the tuned float32
 * parameters. Fixed-width codes cost the same bits whatever their values; entropy-coded ones do
 * not, so in archive mode the codes are fitted back under the budget every few steps and after
 * the last, by undoing the changes that cost bits, least confident per bit first — undoing all of
 * them gives back the starting streams, which fit.
 */
import { encodeEcsqStream } from '../entropy/ecsq-stream.js';
import type { EcsqMatrix } from '../ecsq.js';
import type { QuantizedMatrix } from '../groups.js';
import type { LinearName, LlamaModel } from '../model/llama.js';
import { fineTune, type TuneConstraint, type TuneOptions, type TuneTarget } from './distill.js';
import { CodeLengths, RatePressure } from './rate-pressure.js';
import { TuneWorkers } from './tune-workers.js';
import { ecsqGrid, gridCodes, groupGrid, moveScale, type WeightGrid } from './weight-grid.js';

/** The rate term's starting λ (nats of mean KL per bit; dual ascent moves it from there). Off by default: at 2,400 steps on stories260K it kept 5x more code changes at the same KL but gave a worse perplexity (5.928 against 5.828). */
export const DEFAULT_RATE_PRESSURE = 0;

export type QuantizedLinear = { layer: number; name: LinearName } & ({ kind: 'quantized'; matrix: QuantizedMatrix } | { kind: 'ecsq'; matrix: EcsqMatrix });

/** One run of a tuning with restarts: its seed and its mean KL to fp32 on the calibration stories. */
export interface TuneCandidate {
  seed: number;
  calibrationKl: number;
}

export interface TuneReport {
  steps: number;
  seed: number;
  tokens: number;
  /** Mean KL to fp32 on the tuner's own validation samples (not the evaluation split), nats. */
  klBefore: number;
  klAfter: number;
  improved: boolean;
  changedCodes: number;
  /** Scales (group scale codes or archive-mode column steps) moved to another rung of their ladder. */
  changedScales: number;
  /** The temperature the teacher sampled the tuning text at (distill.ts; the matched one under 'match'). */
  sampleTemperature: number;
  /** The latents' peak step per step, in grid steps (distill.ts latentRate). */
  latentRate: number;
  /** Code changes undone during training to keep entropy-coded streams within the budget (counted even when the tuning is not kept). */
  revertedCodes: number;
  /** Archive mode: the fraction of the budget the streams started under (TuneOptions.rateHeadroom). */
  rateHeadroom?: number;
  /** With restarts (quantize-model.ts): every run's seed and KL to fp32 on the calibration stories; `seed` is the one kept (the lowest). */
  restarts?: TuneCandidate[];
  /** Archive mode: the rate term's multiplier λ at the end (mean KL in nats per bit; rate-pressure.ts). */
  ratePressure?: number;
}

export interface TunedQuantized {
  model: LlamaModel;
  linears: QuantizedLinear[];
  report: TuneReport;
}

/**
 * Tunes `linears` (and the float parameters of `start`, the dequantized model) towards `teacher`.
 * `budgetBits` bounds the entropy-coded streams' total size in bits (archive mode).
 */
export async function tuneQuantized(
  teacher: LlamaModel,
  start: LlamaModel,
  linears: readonly QuantizedLinear[],
  options: TuneOptions,
  budgetBits = Infinity,
): Promise<TunedQuantized> {
  const targets = linears.map((q) => ({ layer: q.layer, name: q.name, grid: q.kind === 'ecsq' ? ecsqGrid(q.matrix) : groupGrid(q.matrix) }));
  const workers = new TuneWorkers(options.threads);
  try {
    return await tuneAndFit(teacher, start, linears, targets, options, budgetBits, workers);
  } finally {
    await workers.close();
  }
}

/** For each linear, the index of the one its step codes are coded against (−1: none). */
function stepReferences(linears: readonly QuantizedLinear[]): Int32Array {
  const index = new Map(linears.map((q, i) => [`layers.${q.layer}.${q.name}`, i]));
  return Int32Array.from(linears, (q) => (q.kind === 'ecsq' && q.matrix.stepsFrom !== undefined ? (index.get(q.matrix.stepsFrom) ?? -1) : -1));
}

/**
 * Undoes changed codes until the entropy-coded streams fit within budgetBits, writing the start
 * value back into each undone latent; returns how many were undone. Only changes that cost bits
 * are candidates (undoing one that saves bits would need yet more undone), and they go in order of
 * confidence per bit — how far past the rounding boundary the latent went, over the bits the
 * change costs — so that cheap, confident changes stay. Undoing every change, and putting moved
 * steps back, gives back the starting streams, which fit. Also returns the streams' bits before
 * the fit.
 */
export function fitToBudget(
  linears: readonly QuantizedLinear[],
  grids: readonly WeightGrid[],
  startCodes: readonly Int32Array[],
  latents: readonly Float32Array[],
  budgetBits: number,
): { undone: number; bits: number } {
  const now = grids.map((g, m) => gridCodes(g, latents[m]));
  const codes = now.map((c) => c.slice());
  const refs = stepReferences(linears);
  const streamBits = (): number => {
    let bits = 0;
    linears.forEach((q, i) => {
      if (q.kind === 'ecsq')
        bits +=
          8 *
          encodeEcsqStream(codes[i], q.matrix.rows, q.matrix.cols, grids[i].units.codes, q.name, {
            reference: refs[i] < 0 ? undefined : grids[refs[i]].units.codes,
          }).length;
    });
    return bits;
  };
  const bits = streamBits();
  if (bits <= budgetBits) return { undone: 0, bits };
  const costly: { m: number; i: number; value: number }[] = [];
  const free: { m: number; i: number }[] = [];
  now.forEach((c, m) => {
    const g = grids[m];
    const lengths = linears[m].kind === 'ecsq' ? new CodeLengths(c) : null;
    const length = (q: number): number => lengths?.bits(q) ?? 0;
    for (let i = 0; i < c.length; i++) {
      if (c[i] === startCodes[m][i]) continue;
      const bits = length(c[i]) - length(startCodes[m][i]);
      const margin = Math.abs(latents[m][i] / g.scale[i] + g.zero[i] - startCodes[m][i]) - 0.5;
      if (bits > 0) costly.push({ m, i, value: margin / bits });
      else free.push({ m, i });
    }
  });
  costly.sort((a, b) => a.value - b.value || a.m - b.m || a.i - b.i);
  const undoFirst = (k: number): void => {
    costly.forEach((ch, j) => (codes[ch.m][ch.i] = j < k ? startCodes[ch.m][ch.i] : now[ch.m][ch.i]));
  };
  // The fewest undone changes that fit (bits fall nearly monotonically along this order).
  let lo = 0;
  let hi = costly.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    undoFirst(mid);
    if (streamBits() <= budgetBits) hi = mid;
    else lo = mid + 1;
  }
  undoFirst(lo);
  const fits = streamBits() <= budgetBits;
  const undo = fits ? costly.slice(0, lo) : [...costly, ...free];
  // Even the starting codes overflow when moved steps cost more to code: back to the start, steps and all.
  if (!fits) linears.forEach((q, m) => q.kind === 'ecsq' && q.matrix.stepCodes.forEach((c, u) => moveScale(grids[m], latents[m], u, c)));
  for (const { m, i } of undo) {
    const g = grids[m];
    latents[m][i] = Math.fround(g.scale[i] * (startCodes[m][i] - g.zero[i]));
  }
  return { undone: undo.length, bits };
}

async function tuneAndFit(
  teacher: LlamaModel,
  start: LlamaModel,
  linears: readonly QuantizedLinear[],
  targets: readonly TuneTarget[],
  options: TuneOptions,
  budgetBits: number,
  workers: TuneWorkers,
): Promise<TunedQuantized> {
  const runner = workers.runner(teacher, Math.min(options.maxTokens ?? 256, teacher.config.seqLen));
  const startCodes = targets.map((t) => gridCodes(t.grid, start.layers[t.layer][t.name]));
  let reverted = 0;
  // Archive mode: the streams are kept within the budget while training, so that the float
  // parameters adapt to the codes that stay (fitting once at the end undid most of a long run),
  // and the rate enters the loss, so that fewer changes need undoing.
  const coded = linears.map((q) => q.kind === 'ecsq');
  let constraint: TuneConstraint = {};
  let pressure: RatePressure | undefined;
  if (coded.some(Boolean) && Number.isFinite(budgetBits)) {
    const p = (pressure = new RatePressure(coded, options.ratePressure ?? DEFAULT_RATE_PRESSURE));
    p.refresh(
      targets.map((t) => start.layers[t.layer][t.name]),
      targets.map((t) => t.grid),
    );
    constraint = {
      shape: (latents, grads, grids) => p.shape(latents, grads, grids),
      fit: (latents, grids) => {
        const f = fitToBudget(linears, grids, startCodes, latents, budgetBits);
        reverted += f.undone;
        p.adapt(f.bits, budgetBits);
        p.refresh(latents, grids);
      },
    };
  }
  const r = await fineTune(teacher, start, targets, options, runner, constraint);
  const codes = r.codes;
  const model = r.model;
  const out = linears.map((q, i): QuantizedLinear => {
    const grid = r.grids[i];
    const W = model.layers[q.layer][q.name];
    // The tuned model's weights are exactly what the new codes decode to.
    const s = grid.scale;
    const z = grid.zero;
    for (let k = 0; k < W.length; k++) W[k] = Math.fround(s[k] * (codes[i][k] - z[k]));
    const scales = grid.units.codes.slice();
    return q.kind === 'ecsq'
      ? { ...q, matrix: { ...q.matrix, codes: codes[i], stepCodes: scales } }
      : { ...q, matrix: { ...q.matrix, codes: Uint8Array.from(codes[i]), scaleCodes: scales } };
  });
  return {
    model,
    linears: out,
    report: {
      steps: options.steps,
      seed: options.seed ?? 1,
      tokens: r.tokens,
      klBefore: r.klBefore,
      klAfter: r.klAfter,
      improved: r.improved,
      changedCodes: r.changedCodes,
      changedScales: r.changedScales,
      sampleTemperature: r.sampleTemperature,
      latentRate: r.latentRate,
      revertedCodes: reverted,
      ...(pressure ? { ratePressure: pressure.lambda } : {}),
    },
  };
}
