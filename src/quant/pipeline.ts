/**
 * Quantizing a set of matrices under one all-in bit budget (spec §12.4-12.6): measure every
 * group's RD curve (allocate.ts, weighted by diag H and each matrix's importance), allocate widths
 * jointly so bits flow between matrices, then round each matrix with GPTQ (or RTN) at its
 * allocated widths. Without a budget, every group gets the same `bits`.
 */
import { BudgetError, QuantInputError } from './errors.js';
import { allocateBits, concatGroupCosts, measureGroupCosts, type Allocation, type GroupCosts, type MeasureOptions } from './allocate.js';
import { DEFAULT_GROUP_SIZE, groupsPerRow, scaleExponentFor, type QuantizedMatrix } from './groups.js';
import { gptqQuantize, type GptqOptions } from './gptq.js';
import { rtnQuantize } from './rtn.js';

export interface MatrixInput {
  name: string;
  /** Row-major rows × cols, y = W x. */
  W: Float32Array;
  rows: number;
  cols: number;
  /** Full Hessian (cols × cols), required by GPTQ; its diagonal weights the allocation. */
  H?: Float64Array;
  /** Diagonal of H when the full matrix is not available (RTN); default diag(H), else ones. */
  hdiag?: Float64Array;
  /** Weight of this matrix's relative noise in the total loss (e.g. measured KL slope). Default 1. */
  importance?: number;
}

/**
 * Where the two heavy steps run: the allocation's measurement and GPTQ. The default is the
 * TypeScript code here; src/quant/quantize-device.ts makes one that runs them as GPU kernels.
 * Every other step (checks, allocation, RTN, containers) is the same whichever engine runs.
 */
export interface MatrixEngine {
  /** Matrices it can work on at once (default 1: one after another). */
  concurrency?: number;
  groupCosts(W: Float32Array, rows: number, cols: number, hdiag: Float64Array | undefined, options: MeasureOptions): Promise<GroupCosts>;
  gptq(W: Float32Array, rows: number, cols: number, H: Float64Array, options: GptqOptions): Promise<QuantizedMatrix>;
  /**
   * Matrices GPTQ will quantize, announced as soon as their Hessians exist, so that an engine can
   * start what needs only H (the GPU engine factors H⁻¹ on worker threads meanwhile).
   */
  announceGptq?(matrices: readonly { H: Float64Array; cols: number; name: string }[], options: { percdamp?: number }): void;
}

export const cpuEngine: MatrixEngine = {
  groupCosts: async (W, rows, cols, hdiag, options) => measureGroupCosts(W, rows, cols, hdiag, options),
  gptq: async (W, rows, cols, H, options) => gptqQuantize(W, rows, cols, H, options),
};

export interface QuantizeMatricesOptions {
  method: 'rtn' | 'gptq';
  /** All-in budget over all matrices (codes, zero points, scale codes, width fields). */
  budgetBitsPerWeight?: number;
  /** Uniform width when no budget is given. Default 4. */
  bits?: number;
  groupSize?: number;
  minBits?: number;
  maxBits?: number;
  percdamp?: number;
  blockSize?: number;
  /** Least-error grids (groups.ts), in measurement and quantization alike. Default false. */
  clip?: boolean;
}

export interface QuantizeMatricesResult {
  matrices: Map<string, QuantizedMatrix>;
  /** Present when a budget was given. */
  allocation?: Allocation;
  /** The width range every matrix was allocated in (for the container's width field). */
  minBits: number;
  maxBits: number;
}

export async function quantizeMatrices(
  inputs: readonly MatrixInput[],
  options: QuantizeMatricesOptions,
  engine: MatrixEngine = cpuEngine,
): Promise<QuantizeMatricesResult> {
  const groupSize = options.groupSize ?? DEFAULT_GROUP_SIZE;
  const minBits = options.minBits ?? 2;
  const maxBits = options.maxBits ?? 8;
  const names = new Set<string>();
  for (const m of inputs) {
    if (names.has(m.name)) throw new QuantInputError('quantizeMatrices', `matrix name "${m.name}" appears twice`);
    names.add(m.name);
    if (options.method === 'gptq' && m.H === undefined) throw new QuantInputError(m.name, 'GPTQ needs the full Hessian H');
  }

  if (options.method === 'gptq')
    engine.announceGptq?.(
      inputs.map((m) => ({ H: m.H!, cols: m.cols, name: m.name })),
      { percdamp: options.percdamp },
    );
  let widthsOf: (i: number) => number | Uint8Array = () => options.bits ?? 4;
  let allocation: Allocation | undefined;
  let lo = options.bits ?? 4;
  let hi = lo;
  const allocating = options.budgetBitsPerWeight !== undefined;
  // One ladder per matrix, from its narrowest allowed width: the costs measured are then those
  // of the grids the quantizer will choose.
  const scaleExps = inputs.map((m) => scaleExponentFor(m.W, allocating ? minBits : lo, m.name));
  if (options.budgetBitsPerWeight !== undefined) {
    allocation = await measureAllocation(inputs, options.budgetBitsPerWeight, { groupSize, minBits, maxBits, clip: options.clip }, scaleExps, engine);
    const starts: number[] = [];
    let at = 0;
    for (const m of inputs) {
      starts.push(at);
      at += m.rows * groupsPerRow(m.cols, groupSize);
    }
    const all = allocation.widths;
    widthsOf = (i) => all.subarray(starts[i], starts[i] + inputs[i].rows * groupsPerRow(inputs[i].cols, groupSize));
    lo = minBits;
    hi = maxBits;
  }
  const quantized = await mapInOrder(inputs, engine.concurrency ?? 1, async (m, i) => {
    const bits = widthsOf(i);
    return options.method === 'gptq'
      ? engine.gptq(m.W, m.rows, m.cols, m.H!, {
          groupSize,
          bits,
          percdamp: options.percdamp,
          blockSize: options.blockSize,
          where: m.name,
          clip: options.clip,
          scaleExp: scaleExps[i],
        })
      : rtnQuantize(m.W, m.rows, m.cols, { groupSize, bits, clip: options.clip, hdiag: diagOf(m), scaleExp: scaleExps[i] });
  });
  const matrices = new Map<string, QuantizedMatrix>(inputs.map((m, i) => [m.name, quantized[i]]));
  return { matrices, allocation, minBits: lo, maxBits: hi };
}

/**
 * fn over items with at most `limit` calls pending, results in the items' order. On the first
 * failure no new call starts; the error of the earliest failing item is thrown (as one by one).
 */
async function mapInOrder<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => R | Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  const errors = new Map<number, unknown>();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && errors.size === 0) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (err) {
        errors.set(i, err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (errors.size > 0) throw errors.get(Math.min(...errors.keys()));
  return out;
}

function diagOf(m: MatrixInput): Float64Array | undefined {
  if (m.hdiag) return m.hdiag;
  if (!m.H) return undefined;
  const d = new Float64Array(m.cols);
  for (let j = 0; j < m.cols; j++) d[j] = m.H[j * m.cols + j];
  return d;
}

interface LayoutOptions {
  groupSize: number;
  minBits: number;
  maxBits: number;
  clip?: boolean;
}

/** Every group's measured RD curve (RTN on the grids the quantizer will use), then the joint allocation. */
export async function measureAllocation(
  inputs: readonly MatrixInput[],
  budgetBitsPerWeight: number,
  o: LayoutOptions,
  scaleExps?: readonly number[],
  engine: MatrixEngine = cpuEngine,
): Promise<Allocation> {
  const costs: GroupCosts[] = await mapInOrder(inputs, engine.concurrency ?? 1, (m, i) =>
    engine.groupCosts(m.W, m.rows, m.cols, diagOf(m), {
      groupSize: o.groupSize,
      minBits: o.minBits,
      maxBits: o.maxBits,
      importance: m.importance ?? 1,
      clip: o.clip,
      scaleExp: scaleExps?.[i] ?? scaleExponentFor(m.W, o.minBits, m.name),
    }),
  );
  return allocateBits(concatGroupCosts(costs), { budgetBitsPerWeight });
}

/**
 * The group size, among `candidates`, whose allocation at this budget has the least predicted
 * loss: small groups fit their grids better, large ones leave more bits for codes, and which wins
 * depends on the budget and the weights — so it is measured, not assumed. Sizes whose side
 * information alone exceeds the budget are skipped. Returns every candidate's predicted loss.
 * The comparison runs on at most SAMPLE_ROWS evenly spaced rows of each matrix (rows are
 * interchangeable for this purpose), so large models do not pay the full measurement per size.
 */
export async function bestGroupSize(
  inputs: readonly MatrixInput[],
  budgetBitsPerWeight: number,
  o: Omit<LayoutOptions, 'groupSize'>,
  candidates: readonly number[],
  engine: MatrixEngine = cpuEngine,
): Promise<{ groupSize: number; predicted: Map<number, number> }> {
  const predicted = new Map<number, number>();
  let best = -1;
  const sample = inputs.map((m) => sampleRows(m, SAMPLE_ROWS));
  for (const groupSize of candidates) {
    try {
      const a = await measureAllocation(sample, budgetBitsPerWeight, { ...o, groupSize }, undefined, engine);
      predicted.set(groupSize, a.predictedLoss);
      if (best < 0 || a.predictedLoss < predicted.get(best)!) best = groupSize;
    } catch (err) {
      if (!(err instanceof BudgetError)) throw err;
    }
  }
  if (best < 0) {
    // Every size failed: rethrow the error of the cheapest layout, which names the minimum budget.
    await measureAllocation(sample, budgetBitsPerWeight, { ...o, groupSize: candidates[candidates.length - 1] }, undefined, engine);
  }
  return { groupSize: best, predicted };
}

const SAMPLE_ROWS = 256;

/** The matrix restricted to at most n evenly spaced rows (itself when it has no more). */
function sampleRows(m: MatrixInput, n: number): MatrixInput {
  if (m.rows <= n) return m;
  const W = new Float32Array(n * m.cols);
  for (let i = 0; i < n; i++) {
    const r = Math.floor((i * m.rows) / n);
    W.set(m.W.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return { ...m, W, rows: n };
}
