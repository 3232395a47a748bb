/**
 * Bit allocation across groups (BAQ's equal-loss idea, spec quant.md §3, made operational as in
 * §12.3-12.4).
 *
 * 1. Costs. For every group g and width b ∈ [minBits, maxBits] the expected loss D_g(b) is
 *    *measured*: the group is rounded on its own b-bit grid (RTN, groups.ts) and the error is
 *    weighted by the Hessian diagonal, D_g(b) = a · Σ_j h_j (w_j − ŵ_j)² / E, with E = Σ h_j w_j²
 *    over the whole matrix (relative noise) and a the matrix's importance (e.g. its measured KL
 *    slope, §12.2). Costs of several matrices are concatenated, so bits flow between matrices.
 *    The model D_g(b) ≈ s_g 2^{−2b}, s_g = a · range_g² · Σ_j h_j / (12 E), is kept as well.
 * 2. Start. The model's closed form (§3.3, with bounds) gives the equal-loss solution: every group
 *    at the same loss per weight θ; its Lagrange multiplier λ₀ = 2 ln2 · θ seeds step 3.
 * 3. Equal slope. Bisection on λ for the smallest λ whose Lagrangian choice
 *    b_g(λ) = argmin_b D_g(b) + λ n_g b (ties: fewer bits) fits the code budget. Each b_g(λ) lies on
 *    the lower convex hull of the measured curve, so the 2^{−2b} law is never trusted at 1-2 bits.
 * 4. Fill. The bits the last λ step could not split are spent greedily: the upgrade with the
 *    largest Δloss/Δbits that still fits (max-heap; ties to the lower group index), until no
 *    upgrade that lowers the loss fits. Groups are never rounded independently.
 *
 * Guarantees (tested): total bits ≤ budget; the fill stops only when no upgrade that fits lowers
 * the loss, so with loss decreasing in b the unspent bits are fewer than the size of every group
 * below maxBits (< groupSize bits); the allocation always contains the largest prefix of the
 * equal-slope order that fits, which makes the predicted loss monotone for budgets at least
 * (maxBits − minBits)·maxGroupSize bits apart (and nested in the budget for equal group sizes
 * and convex curves, where it is also optimal).
 *
 * Budget, all-in: every group costs (n_g + 1)·b_g bits (its codes and its zero point, stored in
 * its width) + 8 (scale code) + the width field (groups.ts: ⌈log2(maxBits − minBits + 1)⌉ = 3
 * bits for 2..8). "Code bits" below are the width-proportional part, (n_g + 1)·b_g.
 */
import { BudgetError, QuantInputError } from './errors.js';
import {
  checkShape,
  chooseGrid,
  dequantizeValue,
  groupLength,
  groupsPerRow,
  MAX_WIDTH,
  MIN_WIDTH,
  quantizeValue,
  scaleExponentFor,
  scaleLadder,
  SCALE_CODE_BITS,
  widthFieldBits,
} from './groups.js';

/** Per-group rate-distortion data, struct-of-arrays (10⁵-10⁶ groups). */
export interface GroupCosts {
  minBits: number;
  maxBits: number;
  /** Weights per group. */
  sizes: Uint32Array;
  /** Expected loss: loss[g·K + (b − minBits)], K = maxBits − minBits + 1. */
  loss: Float64Array;
  /** s_g of the model D_g(b) ≈ s_g · 2^{−2b}. */
  sensitivity: Float64Array;
}

export interface MeasureOptions {
  groupSize?: number;
  minBits?: number;
  maxBits?: number;
  /** The matrix's weight in the total loss (a_l of §12.2). Default 1. */
  importance?: number;
  /** Divide by E = Σ h_j w_ij² (relative noise). Default true. */
  normalize?: boolean;
  /** Measure with the clipped grids the quantizer will use. Default false. */
  clip?: boolean;
  /** The scale ladder's top; default from W at minBits (what the quantizer must use too). */
  scaleExp?: number;
}

function checkRange(where: string, minBits: number, maxBits: number): void {
  if (!Number.isInteger(minBits) || !Number.isInteger(maxBits) || minBits < MIN_WIDTH || maxBits > MAX_WIDTH || minBits > maxBits)
    throw new QuantInputError(where, `width range ${minBits}..${maxBits} must be integers within ${MIN_WIDTH}..${MAX_WIDTH}, min ≤ max`);
}

/** What measuring a matrix's group costs needs, validated and resolved (shared with the GPU kernel). */
export interface CostSetup {
  groupSize: number;
  minBits: number;
  maxBits: number;
  clip: boolean;
  scaleExp: number;
  /** diag(H), one entry per input column (ones when none was given). */
  h: Float64Array;
  /** importance / E: what turns Σ h (w − ŵ)² into the loss the allocation compares. */
  scale: number;
  /** Groups per row, and widths per group (maxBits − minBits + 1). */
  G: number;
  K: number;
  /** Weights per group and s_g of D_g(b) ≈ s_g 2^{−2b}. */
  sizes: Uint32Array;
  sensitivity: Float64Array;
}

/**
 * Checks the input to measureGroupCosts (throwing the errors it throws, non-finite weights
 * included) and computes everything but the per-width errors: the energy, the ladder, the group
 * sizes and the model's sensitivities. O(rows · cols).
 */
export function costSetup(W: Float32Array, rows: number, cols: number, hdiag: Float64Array | undefined, options: MeasureOptions = {}): CostSetup {
  const where = 'measureGroupCosts';
  const groupSize = options.groupSize ?? 32;
  const minBits = options.minBits ?? 2;
  const maxBits = options.maxBits ?? 8;
  const importance = options.importance ?? 1;
  checkShape(where, W, rows, cols, groupSize);
  checkRange(where, minBits, maxBits);
  if (!(importance >= 0) || !Number.isFinite(importance)) throw new QuantInputError(where, `importance ${importance} must be a finite number ≥ 0`);
  const h = hdiag ?? new Float64Array(cols).fill(1);
  if (h.length !== cols) throw new QuantInputError(where, `Hessian diagonal has ${h.length} entries, expected cols = ${cols}`);
  for (let j = 0; j < cols; j++) if (!(h[j] >= 0) || !Number.isFinite(h[j])) throw new QuantInputError(where, `Hessian diagonal entry ${j} is ${h[j]}`);

  let energy = 0;
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) energy += h[j] * W[r * cols + j] * W[r * cols + j];
  const scale = importance / ((options.normalize ?? true) && energy > 0 ? energy : 1);
  const scaleExp = options.scaleExp ?? scaleExponentFor(W, minBits, where);
  scaleLadder(scaleExp); // range check

  const G = groupsPerRow(cols, groupSize);
  const sizes = new Uint32Array(rows * G);
  const sensitivity = new Float64Array(rows * G);
  const grid = new Uint8Array(2);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < G; k++) {
      const g = r * G + k;
      const c0 = k * groupSize;
      const len = groupLength(cols, groupSize, k);
      const start = r * cols + c0;
      sizes[g] = len;
      let lo = Infinity;
      let hi = -Infinity;
      let hsum = 0;
      for (let i = 0; i < len; i++) {
        const v = W[start + i];
        if (!Number.isFinite(v)) chooseGrid(W, start, len, minBits, scaleExp, grid, where); // throws, naming the value
        if (v < lo) lo = v;
        if (v > hi) hi = v;
        hsum += h[c0 + i];
      }
      sensitivity[g] = (scale * (hi - lo) * (hi - lo) * hsum) / 12;
    }
  }
  return { groupSize, minBits, maxBits, clip: options.clip ?? false, scaleExp, h, scale, G, K: maxBits - minBits + 1, sizes, sensitivity };
}

/**
 * Measures D_g(b) for every group of a rows × cols matrix (RTN in group, weighted by hdiag =
 * diag(H), one entry per input column; omit it for plain squared error). The reference for the
 * GPU kernel kernels/group-costs.ts.
 */
export function measureGroupCosts(W: Float32Array, rows: number, cols: number, hdiag: Float64Array | undefined, options: MeasureOptions = {}): GroupCosts {
  const where = 'measureGroupCosts';
  const { groupSize, minBits, maxBits, clip, scaleExp, h, scale, G, K, sizes, sensitivity } = costSetup(W, rows, cols, hdiag, options);
  const loss = new Float64Array(rows * G * K);
  const grid = new Uint8Array(2);
  const ladder = scaleLadder(scaleExp);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < G; k++) {
      const g = r * G + k;
      const c0 = k * groupSize;
      const len = sizes[g];
      const start = r * cols + c0;
      for (let b = minBits; b <= maxBits; b++) {
        chooseGrid(W, start, len, b, scaleExp, grid, where, clip, h, c0);
        const s = ladder[grid[0]];
        const z = grid[1];
        const maxq = (1 << b) - 1;
        let err = 0;
        for (let i = 0; i < len; i++) {
          const w = W[start + i];
          const d = w - dequantizeValue(quantizeValue(w, s, z, maxq), s, z);
          err += h[c0 + i] * d * d;
        }
        loss[g * K + b - minBits] = scale * err;
      }
    }
  }
  return { minBits, maxBits, sizes, loss, sensitivity };
}

/** Concatenates the costs of several matrices (same width range) for a joint allocation. */
export function concatGroupCosts(parts: readonly GroupCosts[]): GroupCosts {
  if (parts.length === 0) throw new QuantInputError('concatGroupCosts', 'no costs given');
  const { minBits, maxBits } = parts[0];
  let groups = 0;
  for (const p of parts) {
    if (p.minBits !== minBits || p.maxBits !== maxBits)
      throw new QuantInputError('concatGroupCosts', `width range ${p.minBits}..${p.maxBits} differs from ${minBits}..${maxBits}`);
    groups += p.sizes.length;
  }
  const K = maxBits - minBits + 1;
  const out: GroupCosts = { minBits, maxBits, sizes: new Uint32Array(groups), loss: new Float64Array(groups * K), sensitivity: new Float64Array(groups) };
  let at = 0;
  for (const p of parts) {
    out.sizes.set(p.sizes, at);
    out.loss.set(p.loss, at * K);
    out.sensitivity.set(p.sensitivity, at);
    at += p.sizes.length;
  }
  return out;
}

export interface EqualLossSolution {
  /** Continuous rate per group, within [minBits, maxBits]. */
  rates: Float64Array;
  /** The common loss per weight of the groups not at a bound. */
  theta: number;
  /** Lagrange multiplier per code bit: 2 ln2 · θ. */
  lambda: number;
}

/**
 * BAQ's closed form under the model D_g(b) = s_g 2^{−2b} (§3.3): minimise Σ D_g subject to
 * Σ n_g b_g = codeBitsPerWeight · Σ n_g. KKT: every unclamped group has the same loss per weight θ,
 * so b_g = ½ log2(s_g / (n_g θ)) clamped to the range; θ starts at the unbounded solution
 * log2 θ = log2 GM_n(s/n) − 2 R̄ and is bisected when bounds are active.
 */
export function equalLossRates(sensitivity: Float64Array, sizes: Uint32Array, codeBitsPerWeight: number, minBits: number, maxBits: number): EqualLossSolution {
  const G = sizes.length;
  let N = 0;
  let logSum = 0;
  let nPos = 0;
  for (let g = 0; g < G; g++) {
    N += sizes[g];
    if (sensitivity[g] > 0) {
      logSum += sizes[g] * Math.log2(sensitivity[g] / sizes[g]);
      nPos += sizes[g];
    }
  }
  const rates = new Float64Array(G);
  const logPerWeight = new Float64Array(G);
  for (let g = 0; g < G; g++) logPerWeight[g] = sensitivity[g] > 0 ? Math.log2(sensitivity[g] / sizes[g]) : -Infinity;
  const fill = (logTheta: number): number => {
    let total = 0;
    for (let g = 0; g < G; g++) {
      let b = 0.5 * (logPerWeight[g] - logTheta);
      if (b < minBits) b = minBits;
      else if (b > maxBits) b = maxBits;
      rates[g] = b;
      total += sizes[g] * b;
    }
    return total;
  };
  const target = codeBitsPerWeight * N;
  let logTheta = nPos > 0 ? logSum / nPos - 2 * codeBitsPerWeight : 0;
  if (Math.abs(fill(logTheta) - target) > 1e-9 * target) {
    // Bounds are active: the total is non-increasing in log θ; bracket, then bisect.
    let lo = logTheta - 1;
    let hi = logTheta + 1;
    while (fill(lo) < target && lo > logTheta - 4096) lo -= 2 * (hi - lo);
    while (fill(hi) > target && hi < logTheta + 4096) hi += 2 * (hi - lo);
    for (let it = 0; it < 200 && hi - lo > 1e-10; it++) {
      const mid = 0.5 * (lo + hi);
      if (fill(mid) > target) lo = mid;
      else hi = mid;
    }
    logTheta = hi;
    fill(logTheta);
  }
  const theta = 2 ** logTheta;
  return { rates, theta, lambda: 2 * Math.LN2 * theta };
}

export interface AllocateOptions {
  /** All-in budget in bits per weight (codes + grids + width fields), over Σ sizes. */
  budgetBitsPerWeight?: number;
  /** All-in budget in bits (alternative to budgetBitsPerWeight, exact). */
  budgetBits?: number;
  /** Width field bits per group; default ⌈log2(maxBits − minBits + 1)⌉. */
  widthFieldBits?: number;
}

export interface Allocation {
  /** Width per group. */
  widths: Uint8Array;
  /** Every bit: codes + side information. */
  totalBits: number;
  codeBits: number;
  sideBits: number;
  weights: number;
  /** totalBits / weights, ≤ the budget. */
  bitsPerWeight: number;
  /** The budget actually applied, in bits. */
  budgetBits: number;
  /** Σ D_g(b_g) of the measured costs. */
  predictedLoss: number;
  /** The equal-slope multiplier the bisection settled on (per code bit). */
  lambda: number;
  /** λ₀ from the closed-form equal-loss start. */
  lambda0: number;
}

/** Allocates a width to every group so that the all-in total meets the budget (see the module header). */
export function allocateBits(costs: GroupCosts, options: AllocateOptions): Allocation {
  const where = 'allocateBits';
  const { minBits, maxBits, sizes, loss } = costs;
  checkRange(where, minBits, maxBits);
  const G = sizes.length;
  const K = maxBits - minBits + 1;
  if (G === 0) throw new QuantInputError(where, 'no groups to allocate');
  if (loss.length !== G * K) throw new QuantInputError(where, `loss table has ${loss.length} entries, expected groups·widths = ${G * K}`);
  for (let i = 0; i < loss.length; i++) if (!Number.isFinite(loss[i]) || loss[i] < 0) throw new QuantInputError(where, `loss entry ${i} is ${loss[i]}`);
  let N = 0;
  for (let g = 0; g < G; g++) {
    if (sizes[g] < 1) throw new QuantInputError(where, `group ${g} has no weights`);
    N += sizes[g];
  }
  const field = options.widthFieldBits ?? widthFieldBits(minBits, maxBits);
  const sideBits = G * (SCALE_CODE_BITS + field);
  // Width-proportional bits per unit of width: the codes and the zero point.
  const units = new Uint32Array(G);
  for (let g = 0; g < G; g++) units[g] = sizes[g] + 1;
  const minimumBits = (N + G) * minBits + sideBits;

  let budgetBits: number;
  if (options.budgetBits !== undefined) {
    if (options.budgetBitsPerWeight !== undefined) throw new QuantInputError(where, 'give budgetBits or budgetBitsPerWeight, not both');
    if (!Number.isFinite(options.budgetBits)) throw new QuantInputError(where, `budgetBits ${options.budgetBits} must be finite`);
    budgetBits = Math.floor(options.budgetBits);
  } else {
    const bpw = options.budgetBitsPerWeight;
    if (bpw === undefined || !Number.isFinite(bpw)) throw new QuantInputError(where, `budgetBitsPerWeight ${bpw} must be a finite number`);
    // The largest integer B with B / N ≤ bpw, robust to bpw·N rounding either way.
    budgetBits = Math.floor(bpw * N);
    while ((budgetBits + 1) / N <= bpw) budgetBits++;
    while (budgetBits / N > bpw) budgetBits--;
  }
  if (budgetBits < minimumBits) {
    const min = minimumBits / N;
    const asked = budgetBits / N;
    throw new BudgetError(
      options.budgetBitsPerWeight ?? asked,
      min,
      `${where}: budget ${options.budgetBitsPerWeight ?? asked} bits/weight is below the minimum ${min} bits/weight ` +
        `(${minimumBits} bits: every group's codes and zero point at ${minBits} bits plus ${SCALE_CODE_BITS + field} bits of scale code and width per group)`,
    );
  }
  const codeBudget = budgetBits - sideBits;

  // Step 2: closed-form start.
  const start = equalLossRates(costs.sensitivity, units, codeBudget / (N + G), minBits, maxBits);
  const lambda0 = start.lambda;

  // Step 3: λ bisection on the measured curves.
  const choice = new Uint8Array(G); // index k = b − minBits
  const codeBitsAt = (lambda: number, out: Uint8Array): number => {
    let bits = 0;
    for (let g = 0; g < G; g++) {
      const n = units[g];
      const base = g * K;
      let best = 0;
      let bestV = loss[base];
      for (let k = 1; k < K; k++) {
        const v = loss[base + k] + lambda * n * k;
        if (v < bestV) {
          bestV = v;
          best = k;
        }
      }
      out[g] = best;
      bits += n * (minBits + best);
    }
    return bits;
  };
  let lambda = 0;
  if (codeBitsAt(0, choice) > codeBudget) {
    let hi = lambda0 > 0 && Number.isFinite(lambda0) ? lambda0 : 1;
    let guard = 0;
    while (codeBitsAt(hi, choice) > codeBudget && guard++ < 2000) hi *= 4;
    let lo = hi / 4;
    guard = 0;
    while (codeBitsAt(lo, choice) <= codeBudget && guard++ < 2000) {
      hi = lo;
      lo /= 4;
    }
    // 1e-9 relative is plenty: the greedy fill below continues in the same equal-slope order.
    for (let it = 0; it < 200 && hi - lo > hi * 1e-9; it++) {
      const mid = 0.5 * (lo + hi);
      if (codeBitsAt(mid, choice) > codeBudget) lo = mid;
      else hi = mid;
    }
    lambda = hi;
  }
  let codeBits = codeBitsAt(lambda, choice);

  // Step 4: greedy fill.
  codeBits += greedyFill(choice, units, loss, K, codeBudget - codeBits);

  const widths = new Uint8Array(G);
  let predictedLoss = 0;
  for (let g = 0; g < G; g++) {
    widths[g] = minBits + choice[g];
    predictedLoss += loss[g * K + choice[g]];
  }
  const totalBits = codeBits + sideBits;
  return { widths, totalBits, codeBits, sideBits, weights: N, bitsPerWeight: totalBits / N, budgetBits, predictedLoss, lambda, lambda0 };
}

/**
 * Spends `slack` code bits on the upgrades with the best loss reduction per bit that still fit;
 * only upgrades that lower the loss are taken. Returns the bits spent; updates `choice`.
 */
function greedyFill(choice: Uint8Array, units: Uint32Array, loss: Float64Array, K: number, slack: number): number {
  const G = units.length;
  const heap = new UpgradeHeap(G);
  const best = new Float64Array(2); // ratio, target index
  const bestUpgrade = (g: number, room: number): boolean => {
    const n = units[g];
    const k0 = choice[g];
    const d0 = loss[g * K + k0];
    let ratio = 0;
    let target = -1;
    for (let k = k0 + 1; k < K; k++) {
      const cost = n * (k - k0);
      if (cost > room) break;
      const gain = d0 - loss[g * K + k];
      if (gain <= 0) continue;
      const r = gain / cost;
      if (r > ratio) {
        ratio = r;
        target = k;
      }
    }
    best[0] = ratio;
    best[1] = target;
    return target >= 0;
  };
  for (let g = 0; g < G; g++) if (bestUpgrade(g, slack)) heap.push(best[0], g, best[1]);
  let spent = 0;
  while (heap.size > 0) {
    const g = heap.topGroup();
    const k = heap.topTarget();
    heap.pop();
    const cost = units[g] * (k - choice[g]);
    if (cost > slack - spent) {
      // The slack shrank since this entry was made: re-evaluate with what is left.
      if (bestUpgrade(g, slack - spent)) heap.push(best[0], g, best[1]);
      continue;
    }
    choice[g] = k;
    spent += cost;
    if (bestUpgrade(g, slack - spent)) heap.push(best[0], g, best[1]);
  }
  return spent;
}

/** Binary max-heap on (ratio desc, group asc) over typed arrays: one entry per group at most. */
class UpgradeHeap {
  private readonly ratio: Float64Array;
  private readonly group: Int32Array;
  private readonly target: Int32Array;
  size = 0;
  constructor(capacity: number) {
    this.ratio = new Float64Array(capacity);
    this.group = new Int32Array(capacity);
    this.target = new Int32Array(capacity);
  }
  private above(a: number, b: number): boolean {
    return this.ratio[a] > this.ratio[b] || (this.ratio[a] === this.ratio[b] && this.group[a] < this.group[b]);
  }
  private swap(a: number, b: number): void {
    const r = this.ratio[a];
    this.ratio[a] = this.ratio[b];
    this.ratio[b] = r;
    const g = this.group[a];
    this.group[a] = this.group[b];
    this.group[b] = g;
    const t = this.target[a];
    this.target[a] = this.target[b];
    this.target[b] = t;
  }
  push(ratio: number, group: number, target: number): void {
    let i = this.size++;
    this.ratio[i] = ratio;
    this.group[i] = group;
    this.target[i] = target;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  topGroup(): number {
    return this.group[0];
  }
  topTarget(): number {
    return this.target[0];
  }
  pop(): void {
    const last = --this.size;
    if (last === 0) return;
    this.swap(0, last);
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.above(l, m)) m = l;
      if (r < last && this.above(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}
