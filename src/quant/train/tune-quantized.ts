/**
 * Fine-tuning a quantized model as the container stores it: fixed-width groups or archive-mode
 * (ECSQ) matrices go in, the same matrices with new codes come out, with the tuned float32
 * parameters. Fixed-width codes cost the same bits whatever their values; entropy-coded ones do
 * not, so in archive mode the tuned codes are fitted back under the budget by undoing the least
 * confident changes first (those whose latent weight sits nearest the rounding boundary it
 * crossed) — undoing all of them gives back the starting streams, which fit.
 */
import { encodeEcsqStream } from '../entropy/ecsq-stream.js';
import type { EcsqMatrix } from '../ecsq.js';
import type { QuantizedMatrix } from '../groups.js';
import type { LinearName, LlamaModel } from '../model/llama.js';
import { fineTune, type TuneOptions, type TuneTarget } from './distill.js';
import { TuneWorkers } from './tune-workers.js';
import { ecsqGrid, groupGrid } from './weight-grid.js';

export type QuantizedLinear = { layer: number; name: LinearName } & ({ kind: 'quantized'; matrix: QuantizedMatrix } | { kind: 'ecsq'; matrix: EcsqMatrix });

export interface TuneReport {
  steps: number;
  seed: number;
  tokens: number;
  /** Mean KL to fp32 on the tuner's own validation samples (not the evaluation split), nats. */
  klBefore: number;
  klAfter: number;
  improved: boolean;
  changedCodes: number;
  /** Changes undone to keep entropy-coded streams within the budget. */
  revertedCodes: number;
  /** Steps of float-only tuning after changes were undone (0 when none were). */
  polishSteps: number;
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
export async function tuneQuantized(teacher: LlamaModel, start: LlamaModel, linears: readonly QuantizedLinear[], options: TuneOptions, budgetBits = Infinity): Promise<TunedQuantized> {
  const targets = linears.map((q) => ({ layer: q.layer, name: q.name, grid: q.kind === 'ecsq' ? ecsqGrid(q.matrix) : groupGrid(q.matrix) }));
  const workers = new TuneWorkers(options.threads);
  try {
    return await tuneAndFit(teacher, start, linears, targets, options, budgetBits, workers);
  } finally {
    await workers.close();
  }
}

async function tuneAndFit(teacher: LlamaModel, start: LlamaModel, linears: readonly QuantizedLinear[], targets: readonly TuneTarget[], options: TuneOptions, budgetBits: number, workers: TuneWorkers): Promise<TunedQuantized> {
  const runner = workers.runner(teacher, Math.min(options.maxTokens ?? 256, teacher.config.seqLen));
  const r = await fineTune(teacher, start, targets, options, runner);
  const codes = r.codes.map((c) => c.slice());
  let reverted = 0;
  if (linears.some((q) => q.kind === 'ecsq') && r.changedCodes > 0) {
    const streamBits = (): number => {
      let bits = 0;
      linears.forEach((q, i) => {
        if (q.kind === 'ecsq') bits += 8 * encodeEcsqStream(codes[i], q.matrix.rows, q.matrix.cols, q.matrix.stepCodes).length;
      });
      return bits;
    };
    if (streamBits() > budgetBits) {
      // Every changed code, least confident first: how far past the boundary its latent went.
      const changes: { m: number; i: number; margin: number }[] = [];
      r.codes.forEach((c, m) => {
        const g = targets[m].grid;
        for (let i = 0; i < c.length; i++) {
          if (c[i] !== r.startCodes[m][i]) changes.push({ m, i, margin: Math.abs(r.latents[m][i] / g.scale[i] + g.zero[i] - r.startCodes[m][i]) - 0.5 });
        }
      });
      changes.sort((a, b) => a.margin - b.margin || a.m - b.m || a.i - b.i);
      const undoFirst = (k: number): void => {
        changes.forEach((ch, j) => (codes[ch.m][ch.i] = j < k ? r.startCodes[ch.m][ch.i] : r.codes[ch.m][ch.i]));
      };
      // The fewest undone changes that fit (bits fall nearly monotonically as changes are undone).
      let lo = 0;
      let hi = changes.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        undoFirst(mid);
        if (streamBits() <= budgetBits) hi = mid;
        else lo = mid + 1;
      }
      undoFirst(lo);
      if (streamBits() > budgetBits) undoFirst((lo = changes.length));
      reverted = lo;
    }
  }
  let model = r.model;
  const out = linears.map((q, i): QuantizedLinear => {
    const target = targets[i];
    const W = model.layers[q.layer][q.name];
    // The tuned model's weights are exactly what the new codes decode to.
    const s = target.grid.scale;
    const z = target.grid.zero;
    for (let k = 0; k < W.length; k++) W[k] = Math.fround(s[k] * (codes[i][k] - z[k]));
    return q.kind === 'ecsq' ? { ...q, matrix: { ...q.matrix, codes: codes[i] } } : { ...q, matrix: { ...q.matrix, codes: Uint8Array.from(codes[i]) } };
  });
  let klAfter = r.klAfter;
  let polishSteps = 0;
  if (reverted > 0) {
    // Undone codes leave float parameters tuned for codes that are gone: re-fit them alone
    // (latents still, so every code stays as fitted), on the same validation samples.
    polishSteps = Math.max(1, Math.round(options.steps / 10));
    const p = await fineTune(teacher, model, targets, { ...options, steps: polishSteps, latentRate: 0 }, runner);
    model = p.model;
    klAfter = p.improved ? p.klAfter : p.klBefore;
  }
  return {
    model,
    linears: out,
    report: { steps: options.steps, seed: options.seed ?? 1, tokens: r.tokens, klBefore: r.klBefore, klAfter, improved: r.improved, changedCodes: r.changedCodes - reverted, revertedCodes: reverted, polishSteps },
  };
}
