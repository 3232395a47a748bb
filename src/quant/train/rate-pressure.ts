/**
 * The rate term of archive-mode fine-tuning: the loss tuned is KL + λ · (bits of the entropy-coded
 * codes), so a weight leaves its code only when the KL it gains outweighs the bits the move costs.
 * A code's cost is its length under its matrix's order-0 distribution, which the adaptive stream
 * tracks to within 0.09 bit/weight (ecsq-stream.ts); the distribution is re-read at every fit.
 *
 * Rounding has no gradient, so the term acts through the straight-through estimator: the slope of
 * the bits in the direction the KL's gradient would move the latent is the cost of the next code
 * that way, over one grid step. A move that costs bits is resisted (the gradient shrinks towards
 * zero, never past it: the other way costs too, or the KL would not point here), one that saves
 * bits is helped.
 *
 * λ (mean KL in nats per bit) is a Lagrange multiplier for the budget and is found while training,
 * by dual ascent at each fit: raised when the streams overflowed and changes had to be undone,
 * lowered when they were left more than a little under the budget.
 */
import { gridCodes, type WeightGrid } from './weight-grid.js';

/** Each code's length in bits under the order-0 distribution of `codes` (unseen codes: half a count). */
export class CodeLengths {
  private readonly table: Float64Array;
  private readonly offset: number;
  private readonly unseen: number;

  constructor(codes: Int32Array) {
    let max = 0;
    for (let i = 0; i < codes.length; i++) max = Math.max(max, Math.abs(codes[i]));
    this.offset = max;
    const counts = new Float64Array(2 * max + 1);
    for (let i = 0; i < codes.length; i++) counts[codes[i] + max]++;
    const n = codes.length + 1;
    this.table = counts.map((c) => -Math.log2((c + 0.5) / n));
    this.unseen = -Math.log2(0.5 / n);
  }

  bits(q: number): number {
    const k = q + this.offset;
    return k >= 0 && k < this.table.length ? this.table[k] : this.unseen;
  }
}

/** Raise λ by this factor after an overflow, lower it by LOWER when the streams had slack. */
const RAISE = 1.5;
const LOWER = 0.8;
/** Slack (a fraction of the budget) under which λ is left alone. */
const SLACK = 0.002;

export class RatePressure {
  private lengths: (CodeLengths | null)[] = [];

  /** `coded[m]`: whether target m is entropy-coded (the others cost the same bits whatever their codes). */
  constructor(
    private readonly coded: readonly boolean[],
    public lambda: number,
  ) {}

  /** Re-reads each coded matrix's code distribution from the latents on their grids. */
  refresh(latents: readonly Float32Array[], grids: readonly WeightGrid[]): void {
    if (this.lambda <= 0) return; // off (the default): shape reads nothing, so skip the tables
    this.lengths = latents.map((w, m) => (this.coded[m] ? new CodeLengths(gridCodes(grids[m], w)) : null));
  }

  /** Adds λ times the bits' straight-through slope to each coded target's gradient. */
  shape(latents: readonly Float32Array[], grads: readonly Float32Array[], grids: readonly WeightGrid[]): void {
    if (this.lambda <= 0) return;
    this.lengths.forEach((L, m) => {
      if (!L) return;
      const { scale, lo, hi } = grids[m];
      const w = latents[m];
      const g = grads[m];
      for (let k = 0; k < g.length; k++) {
        const gk = g[k];
        if (gk === 0) continue;
        let q = Math.round(w[k] / scale[k]);
        if (q < lo[k]) q = lo[k];
        else if (q > hi[k]) q = hi[k];
        const dir = gk < 0 ? 1 : -1;
        const pen = (this.lambda * (L.bits(q + dir) - L.bits(q))) / scale[k];
        const mag = Math.abs(gk) - pen;
        g[k] = mag > 0 ? -dir * mag : 0;
      }
    });
  }

  /** One dual-ascent step on λ from a fit: the streams' bits before it, and the budget. */
  adapt(bitsBeforeFit: number, budgetBits: number): void {
    if (bitsBeforeFit > budgetBits) this.lambda *= RAISE;
    else if (bitsBeforeFit < budgetBits * (1 - SLACK)) this.lambda *= LOWER;
  }
}
