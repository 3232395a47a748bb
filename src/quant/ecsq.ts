/**
 * Entropy-coded scalar quantization (ECSQ, spec quant.md §12.7): the archive mode.
 *
 * Every weight of column j is rounded to an unbounded uniform grid of step Δ_j, ŵ = Δ_j · q with
 * q any integer (no clipping, no zero point, no width), and the integers are entropy-coded
 * (entropy/ecsq-stream.ts). With an entropy coder the rate of a grid no longer depends on the
 * range it covers, only on how finely it cuts: a row with large weights just uses larger integers.
 * So a group's range-fitting side information disappears, and the step only has to follow the
 * sensitivity. With GPTQ's error feedback, quantizing column j costs e²/d_j² of layer loss (d_j =
 * U[j][j], U the upper Cholesky factor of the dampened H⁻¹), uniform rounding has e² ≈ Δ²/12, and
 * the rate falls by log2 per halving of Δ; equal slope across columns and matrices then gives
 *
 *     Δ_j = s · d_j · √(E / a)      (E = Σ h_j w_ij² of the matrix, a its importance)
 *
 * one global multiplier s, which the caller bisects to meet the byte budget. Δ_j is stored as a
 * code on the scale ladder of groups.ts (2^(E − c/16), 4.4 % apart), one per column, so the
 * decoder needs nothing else. Rounding runs through GPTQ's column loop (lazy batch updates as in
 * gptq.ts), where an unbounded grid makes the error feedback exact: no clipped weight ever
 * breaks it.
 */
import { QuantInputError } from './errors.js';
import { checkWeightsAndHessian, dampedInverseFactor, DEFAULT_DAMP_RETRIES, DEFAULT_PERCDAMP, gptqLazyUpdate } from './gptq.js';
import { MAX_SCALE_EXP, MIN_SCALE_EXP, SCALE_CODES, SCALE_STEPS_PER_OCTAVE, scaleLadder } from './groups.js';
import { encodeEcsqStream, MAX_ECSQ_CODE } from './entropy/ecsq-stream.js';

/** An ECSQ matrix: what the container stores for it (the codes entropy-coded). */
export interface EcsqMatrix {
  rows: number;
  cols: number;
  /** The ladder's top: step code c means 2^(scaleExp − c/16). */
  scaleExp: number;
  /** Step code per column. */
  stepCodes: Uint8Array;
  /** One signed integer per weight, row-major. */
  codes: Int32Array;
  /**
   * The matrix (coded before this one) whose step codes this one's stream is coded against: one
   * with the same Hessian, so whose steps differ from these by one factor (wk and wv against wq,
   * w3 against w1: the same input). Only the coding depends on it, never the values.
   */
  stepsFrom?: string;
}

export interface EcsqOptions {
  /** Δ_j = stepScale · d_j before rounding to the ladder: s · √(E / a) of the module header. */
  stepScale: number;
  /** Dampening as a fraction of mean(diag H). Default 0.01. */
  percdamp?: number;
  /** Columns per lazy-update block. Default 128. */
  blockSize?: number;
  /** Retries with 10× the dampening when Cholesky fails. Default 3. */
  dampRetries?: number;
  /**
   * A matrix with the same Hessian, quantized with step scale `stepScale`: this one's step codes
   * become its codes shifted by one offset (the steps' ratio on the ladder), so that they cost
   * next to nothing to code against them (entropy/ecsq-stream.ts), for at most one more half rung
   * of mismatch per column.
   */
  stepsLike?: { scaleExp: number; stepCodes: Uint8Array; stepScale: number };
  where?: string;
}

/** GPTQ onto per-column uniform grids whose steps follow d_j (module header). */
export function ecsqQuantize(W: Float32Array, rows: number, cols: number, H: Float64Array, options: EcsqOptions): EcsqMatrix {
  const where = options.where ?? 'ecsqQuantize';
  checkWeightsAndHessian(where, W, rows, cols, H);
  if (!(options.stepScale > 0) || !Number.isFinite(options.stepScale))
    throw new QuantInputError(where, `step scale ${options.stepScale} must be a finite number > 0`);
  const B = options.blockSize ?? 128;
  if (!Number.isInteger(B) || B < 1) throw new QuantInputError(where, `blockSize ${B} must be a positive integer`);
  const { U, dead } = dampedInverseFactor(H, cols, options.percdamp ?? DEFAULT_PERCDAMP, options.dampRetries ?? DEFAULT_DAMP_RETRIES, where);

  // Steps on the ladder: its top is the power of two just above the largest wanted step.
  let maxStep = 0;
  for (let j = 0; j < cols; j++) maxStep = Math.max(maxStep, options.stepScale * U[j * cols + j]);
  const scaleExp = Math.min(MAX_SCALE_EXP, Math.max(MIN_SCALE_EXP, Math.ceil(Math.log2(maxStep))));
  const ladder = scaleLadder(scaleExp);
  const stepCodes = new Uint8Array(cols);
  const step = new Float64Array(cols);
  const like = options.stepsLike;
  if (like && like.stepCodes.length !== cols) throw new QuantInputError(where, `stepsLike has ${like.stepCodes.length} step codes for ${cols} columns`);
  const shift = like ? Math.round(SCALE_STEPS_PER_OCTAVE * (scaleExp - like.scaleExp - Math.log2(options.stepScale / like.stepScale))) : 0;
  for (let j = 0; j < cols; j++) {
    const c = like ? like.stepCodes[j] + shift : Math.round(SCALE_STEPS_PER_OCTAVE * (scaleExp - Math.log2(options.stepScale * U[j * cols + j])));
    stepCodes[j] = c < 0 ? 0 : c > SCALE_CODES - 1 ? SCALE_CODES - 1 : c;
    step[j] = ladder[stepCodes[j]];
  }

  const Wk = new Float64Array(W);
  for (let j = 0; j < cols; j++) if (dead[j]) for (let r = 0; r < rows; r++) Wk[r * cols + j] = 0;
  const codes = new Int32Array(rows * cols);
  const Err = new Float64Array(rows * B);
  for (let i1 = 0; i1 < cols; i1 += B) {
    const i2 = Math.min(cols, i1 + B);
    for (let r = 0; r < rows; r++) {
      const rb = r * cols;
      const eb = r * B - i1;
      for (let j = i1; j < i2; j++) {
        const w = Wk[rb + j];
        let q = Math.round(w / step[j]);
        if (q > MAX_ECSQ_CODE) q = MAX_ECSQ_CODE;
        else if (q < -MAX_ECSQ_CODE) q = -MAX_ECSQ_CODE;
        codes[rb + j] = q;
        const ub = j * cols;
        const e = (w - Math.fround(step[j] * q)) / U[ub + j];
        Err[eb + j] = e;
        if (e === 0) continue;
        for (let k = j + 1; k < i2; k++) Wk[rb + k] -= e * U[ub + k];
      }
    }
    if (i2 < cols) gptqLazyUpdate(Wk, rows, cols, U, i1, i2, Err, B);
  }
  return { rows, cols, scaleExp, stepCodes, codes };
}

/** The f32 weights an ECSQ matrix decodes to: ŵ = Δ_j · q, one product rounded once. */
export function dequantizeEcsq(m: EcsqMatrix): Float32Array {
  const ladder = scaleLadder(m.scaleExp);
  const out = new Float32Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) {
    const base = r * m.cols;
    for (let j = 0; j < m.cols; j++) out[base + j] = Math.fround(ladder[m.stepCodes[j]] * m.codes[base + j]);
  }
  return out;
}

/** One matrix for ecsqAtBudget: its weights, Hessian, and importance a (default 1). */
export interface EcsqInput {
  name: string;
  W: Float32Array;
  rows: number;
  cols: number;
  H: Float64Array;
  importance?: number;
}

export interface EcsqBudgetResult {
  matrices: EcsqMatrix[];
  /** Entropy-coded bytes of each matrix's stream. */
  streams: Uint8Array[];
  /** Σ 8·stream bytes / Σ weights: ≤ the budget. */
  bitsPerWeight: number;
  /** The global multiplier s the search settled on. */
  stepMultiplier: number;
  /** Quantize-and-code passes the search took. */
  passes: number;
}

/** For each input, the first earlier one with an equal Hessian (−1: none): siblings share steps. */
function sameHessianAs(inputs: readonly EcsqInput[]): Int32Array {
  const out = new Int32Array(inputs.length).fill(-1);
  inputs.forEach((m, i) => {
    for (let r = 0; r < i && out[i] < 0; r++) {
      const o = inputs[r];
      if (o.cols !== m.cols || out[r] >= 0) continue;
      let same = o.H === m.H;
      if (!same) {
        same = true;
        for (let k = 0; k < m.H.length && same; k++) same = o.H[k] === m.H[k];
      }
      if (same) out[i] = r;
    }
  });
  return out;
}

/**
 * Quantizes every matrix with Δ_j = s · d_j · √(E / a) and the one s whose coded size is the
 * largest within `budgetBitsPerWeight` (all-in: the streams are everything stored per matrix).
 * The coded rate is close to linear in log s (−1 bit per weight per doubling at high rate), so
 * a safeguarded secant search on log s lands within 0.2 % below the budget in a few passes; the
 * best pass that fits is kept. A matrix whose Hessian equals an earlier one's takes that one's
 * steps shifted by one offset (`stepsLike`) and is coded against them (`stepsFrom`).
 */
export function ecsqAtBudget(
  inputs: readonly EcsqInput[],
  budgetBitsPerWeight: number,
  options: { percdamp?: number; maxPasses?: number; where?: string } = {},
): EcsqBudgetResult {
  const where = options.where ?? 'ecsqAtBudget';
  if (!(budgetBitsPerWeight > 0) || !Number.isFinite(budgetBitsPerWeight))
    throw new QuantInputError(where, `budget ${budgetBitsPerWeight} bits/weight must be a finite number > 0`);
  const weights = inputs.reduce((n, m) => n + m.rows * m.cols, 0);
  const factor = inputs.map((m) => {
    let energy = 0;
    for (let j = 0; j < m.cols; j++) {
      const h = m.H[j * m.cols + j];
      for (let r = 0; r < m.rows; r++) energy += h * m.W[r * m.cols + j] ** 2;
    }
    const a = m.importance ?? 1;
    if (!(a > 0) || !Number.isFinite(a)) throw new QuantInputError(m.name, `importance ${a} must be a finite number > 0`);
    return Math.sqrt((energy > 0 ? energy : 1) / a);
  });
  const target = budgetBitsPerWeight * weights;
  const like = sameHessianAs(inputs);
  const pass = (logS: number): { bits: number; matrices: EcsqMatrix[]; streams: Uint8Array[] } => {
    const s = 2 ** logS;
    const matrices: EcsqMatrix[] = [];
    const streams: Uint8Array[] = [];
    inputs.forEach((m, i) => {
      const r = like[i];
      const ref = r < 0 ? undefined : matrices[r];
      const q = ecsqQuantize(m.W, m.rows, m.cols, m.H, {
        stepScale: s * factor[i],
        percdamp: options.percdamp,
        where: m.name,
        ...(ref ? { stepsLike: { scaleExp: ref.scaleExp, stepCodes: ref.stepCodes, stepScale: s * factor[r] } } : {}),
      });
      if (ref) q.stepsFrom = inputs[r].name;
      matrices.push(q);
      streams.push(encodeEcsqStream(q.codes, q.rows, q.cols, q.stepCodes, m.name, { reference: ref?.stepCodes }));
    });
    return { bits: 8 * streams.reduce((n, b) => n + b.length, 0), matrices, streams };
  };
  const maxPasses = options.maxPasses ?? 14;
  let best: { logS: number; bits: number; matrices: EcsqMatrix[]; streams: Uint8Array[] } | undefined;
  // Bracket: lo (finer, over budget) and hi (coarser, within), starting from a unit step factor.
  let lo = { logS: -12, bits: Infinity };
  let hi = { logS: 4, bits: -Infinity };
  let logS = -6;
  let passes = 0;
  while (passes < maxPasses) {
    const p = pass(logS);
    passes++;
    if (p.bits <= target) {
      if (!best || p.bits > best.bits) best = { logS, ...p };
      hi = { logS, bits: p.bits };
      if (p.bits >= 0.998 * target) break;
    } else lo = { logS, bits: p.bits };
    if (!Number.isFinite(lo.bits)) logS = hi.logS - 2;
    else if (!Number.isFinite(hi.bits)) logS = lo.logS + 2;
    else {
      // Secant on bits(log s), kept strictly inside the bracket.
      const t = (lo.bits - target) / (lo.bits - hi.bits);
      logS = lo.logS + Math.min(0.9, Math.max(0.1, t)) * (hi.logS - lo.logS);
    }
  }
  if (!best)
    throw new QuantInputError(
      where,
      `no step multiplier met ${budgetBitsPerWeight} bits/weight within ${maxPasses} passes (the coarsest tried needed ${(hi.bits / weights).toFixed(3)})`,
    );
  return { matrices: best.matrices, streams: best.streams, bitsPerWeight: best.bits / weights, stepMultiplier: 2 ** best.logS, passes };
}
