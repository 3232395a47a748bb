/**
 * Quantizing a set of matrices under one all-in bit budget (spec §12.4-12.6): measure every
 * group's RD curve (allocate.ts, weighted by diag H and each matrix's importance), allocate widths
 * jointly so bits flow between matrices, then round each matrix with GPTQ (or RTN) at its
 * allocated widths. Without a budget, every group gets the same `bits`.
 */
import { QuantInputError } from './errors.js';
import { allocateBits, concatGroupCosts, measureGroupCosts, type Allocation } from './allocate.js';
import { DEFAULT_GROUP_SIZE, groupsPerRow, type QuantizedMatrix } from './groups.js';
import { gptqQuantize } from './gptq.js';
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

export interface QuantizeMatricesOptions {
  method: 'rtn' | 'gptq';
  /** All-in budget over all matrices (codes + f16 grids + width fields). */
  budgetBitsPerWeight?: number;
  /** Uniform width when no budget is given. Default 4. */
  bits?: number;
  groupSize?: number;
  minBits?: number;
  maxBits?: number;
  percdamp?: number;
  blockSize?: number;
  /** Clipped grids at ≤ 4 bits (groups.ts), in measurement and quantization alike. Default false. */
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

export function quantizeMatrices(inputs: readonly MatrixInput[], options: QuantizeMatricesOptions): QuantizeMatricesResult {
  const groupSize = options.groupSize ?? DEFAULT_GROUP_SIZE;
  const minBits = options.minBits ?? 2;
  const maxBits = options.maxBits ?? 8;
  const names = new Set<string>();
  for (const m of inputs) {
    if (names.has(m.name)) throw new QuantInputError('quantizeMatrices', `matrix name "${m.name}" appears twice`);
    names.add(m.name);
    if (options.method === 'gptq' && m.H === undefined) throw new QuantInputError(m.name, 'GPTQ needs the full Hessian H');
  }
  const diagOf = (m: MatrixInput): Float64Array | undefined => {
    if (m.hdiag) return m.hdiag;
    if (!m.H) return undefined;
    const d = new Float64Array(m.cols);
    for (let j = 0; j < m.cols; j++) d[j] = m.H[j * m.cols + j];
    return d;
  };

  let widthsOf: (i: number) => number | Uint8Array = () => options.bits ?? 4;
  let allocation: Allocation | undefined;
  let lo = options.bits ?? 4;
  let hi = lo;
  if (options.budgetBitsPerWeight !== undefined) {
    const costs = inputs.map((m) => measureGroupCosts(m.W, m.rows, m.cols, diagOf(m), { groupSize, minBits, maxBits, importance: m.importance ?? 1, clip: options.clip }));
    allocation = allocateBits(concatGroupCosts(costs), { budgetBitsPerWeight: options.budgetBitsPerWeight });
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
  const matrices = new Map<string, QuantizedMatrix>();
  inputs.forEach((m, i) => {
    const bits = widthsOf(i);
    const q =
      options.method === 'gptq'
        ? gptqQuantize(m.W, m.rows, m.cols, m.H!, { groupSize, bits, percdamp: options.percdamp, blockSize: options.blockSize, where: m.name, clip: options.clip })
        : rtnQuantize(m.W, m.rows, m.cols, { groupSize, bits, clip: options.clip });
    matrices.set(m.name, q);
  });
  return { matrices, allocation, minBits: lo, maxBits: hi };
}
