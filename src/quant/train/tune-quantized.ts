/**
 * Fine-tuning a quantized model as the container stores it: fixed-width groups or archive-mode
 * (ECSQ) matrices go in, the same matrices with new codes come out, with the tuned float32
 * parameters. Fixed-width codes cost the same bits whatever their values; entropy-coded ones do
 * not, so in archive mode the codes are fitted back under the budget every few steps and after
 * the last, by undoing the least confident changes first (those whose latent weight sits nearest
 * the rounding boundary it crossed) — undoing all of them gives back the starting streams, which
 * fit.
 */
import { encodeEcsqStream } from '../entropy/ecsq-stream.js';
import type { EcsqMatrix } from '../ecsq.js';
import type { QuantizedMatrix } from '../groups.js';
import type { LinearName, LlamaModel } from '../model/llama.js';
import { fineTune, type TuneOptions, type TuneTarget } from './distill.js';
import { TuneWorkers } from './tune-workers.js';
import { ecsqGrid, gridCodes, groupGrid } from './weight-grid.js';

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
  /** Code changes undone during training to keep entropy-coded streams within the budget. */
  revertedCodes: number;
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

/**
 * Undoes the fewest changed codes — least confident first, by how far past the rounding boundary
 * their latent went — that bring the entropy-coded streams within budgetBits, writing the
 * start value back into each undone latent. Returns how many were undone.
 */
function fitToBudget(linears: readonly QuantizedLinear[], targets: readonly TuneTarget[], startCodes: readonly Int32Array[], latents: readonly Float32Array[], budgetBits: number): number {
  const now = targets.map((t, m) => gridCodes(t.grid, latents[m]));
  const codes = now.map((c) => c.slice());
  const streamBits = (): number => {
    let bits = 0;
    linears.forEach((q, i) => {
      if (q.kind === 'ecsq') bits += 8 * encodeEcsqStream(codes[i], q.matrix.rows, q.matrix.cols, q.matrix.stepCodes).length;
    });
    return bits;
  };
  if (streamBits() <= budgetBits) return 0;
  const changes: { m: number; i: number; margin: number }[] = [];
  now.forEach((c, m) => {
    const g = targets[m].grid;
    for (let i = 0; i < c.length; i++) {
      if (c[i] !== startCodes[m][i]) changes.push({ m, i, margin: Math.abs(latents[m][i] / g.scale[i] + g.zero[i] - startCodes[m][i]) - 0.5 });
    }
  });
  changes.sort((a, b) => a.margin - b.margin || a.m - b.m || a.i - b.i);
  const undoFirst = (k: number): void => {
    changes.forEach((ch, j) => (codes[ch.m][ch.i] = j < k ? startCodes[ch.m][ch.i] : now[ch.m][ch.i]));
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
  if (streamBits() > budgetBits) lo = changes.length;
  for (let j = 0; j < lo; j++) {
    const { m, i } = changes[j];
    const g = targets[m].grid;
    latents[m][i] = Math.fround(g.scale[i] * (startCodes[m][i] - g.zero[i]));
  }
  return lo;
}

async function tuneAndFit(teacher: LlamaModel, start: LlamaModel, linears: readonly QuantizedLinear[], targets: readonly TuneTarget[], options: TuneOptions, budgetBits: number, workers: TuneWorkers): Promise<TunedQuantized> {
  const runner = workers.runner(teacher, Math.min(options.maxTokens ?? 256, teacher.config.seqLen));
  const startCodes = targets.map((t) => gridCodes(t.grid, start.layers[t.layer][t.name]));
  let reverted = 0;
  // Archive mode: the streams are kept within the budget while training, so that the float
  // parameters adapt to the codes that stay (fitting once at the end undid most of a long run).
  const fit = linears.some((q) => q.kind === 'ecsq') && Number.isFinite(budgetBits) ? (latents: Float32Array[]): void => void (reverted += fitToBudget(linears, targets, startCodes, latents, budgetBits)) : undefined;
  const r = await fineTune(teacher, start, targets, options, runner, fit);
  const codes = r.codes;
  const model = r.model;
  const out = linears.map((q, i): QuantizedLinear => {
    const target = targets[i];
    const W = model.layers[q.layer][q.name];
    // The tuned model's weights are exactly what the new codes decode to.
    const s = target.grid.scale;
    const z = target.grid.zero;
    for (let k = 0; k < W.length; k++) W[k] = Math.fround(s[k] * (codes[i][k] - z[k]));
    return q.kind === 'ecsq' ? { ...q, matrix: { ...q.matrix, codes: codes[i] } } : { ...q, matrix: { ...q.matrix, codes: Uint8Array.from(codes[i]) } };
  });
  return {
    model,
    linears: out,
    report: { steps: options.steps, seed: options.seed ?? 1, tokens: r.tokens, klBefore: r.klBefore, klAfter: r.klAfter, improved: r.improved, changedCodes: r.changedCodes, revertedCodes: r.improved ? reverted : 0 },
  };
}
