/**
 * A cluster's traces packed into reusable typed arrays: symbols back to back (and reversed, for the
 * backward BMA pass), a vote weight per symbol (from Phred qualities, or 1), and per-trace offsets.
 * Buffers grow to the largest cluster seen and are then reused, so reconstruction allocates nothing
 * per cluster beyond its result.
 */
import { TraceInputError } from './errors.js';

/** Weight of a base read at Phred q: its log-likelihood ratio ln(3(1 − e)/e), scaled so Q30 → 1, floored. */
export const QUALITY_WEIGHT = new Float32Array(94);
{
  const q30 = Math.log((3 * (1 - 1e-3)) / 1e-3);
  for (let q = 0; q < QUALITY_WEIGHT.length; q++) {
    const e = Math.min(0.75, Math.pow(10, -q / 10));
    QUALITY_WEIGHT[q] = Math.max(0.05, Math.log((3 * (1 - e)) / e) / q30);
  }
}

export class TraceSet {
  count = 0;
  total = 0;
  fwd = new Uint8Array(0);
  rev = new Uint8Array(0);
  wFwd = new Float32Array(0);
  wRev = new Float32Array(0);
  start = new Int32Array(0);
  len = new Int32Array(0);
  /** Mean symbol weight of each trace: the weight of its deletion and insertion votes. */
  weight = new Float32Array(0);
  /** 1 while the trace takes part in the votes (0: dropped as a stray). */
  active = new Uint8Array(0);
  /** Whether any trace came with qualities (otherwise every weight is 1). */
  weighted = false;
  private ones = 0;

  load(traces: readonly Uint8Array[], qualities: readonly (Uint8Array | null | undefined)[] | undefined, limit: number): void {
    const n = Math.min(traces.length, limit);
    let total = 0;
    for (let k = 0; k < n; k++) total += traces[k].length;
    if (this.start.length < n) {
      const cap = Math.max(n, 2 * this.start.length);
      this.start = new Int32Array(cap);
      this.len = new Int32Array(cap);
      this.weight = new Float32Array(cap);
      this.active = new Uint8Array(cap);
    }
    if (this.fwd.length < total) {
      const cap = Math.max(total, 2 * this.fwd.length);
      this.fwd = new Uint8Array(cap);
      this.rev = new Uint8Array(cap);
      this.wFwd = new Float32Array(cap);
      this.wRev = new Float32Array(cap);
      this.ones = 0;
    }
    const { fwd, rev, wFwd, wRev } = this;
    const weighted = qualities !== undefined && qualities.some((q, k) => k < n && q);
    let at = 0;
    for (let k = 0; k < n; k++) {
      const t = traces[k];
      const q = weighted ? qualities[k] : undefined;
      const m = t.length;
      if (q && q.length !== m) throw new TraceInputError(k, -1, `has ${m} symbols but ${q.length} quality values`);
      this.start[k] = at;
      this.len[k] = m;
      this.active[k] = 1;
      let bad = 0;
      for (let i = 0; i < m; i++) {
        const s = t[i];
        bad |= s;
        fwd[at + i] = s;
        rev[at + m - 1 - i] = s;
      }
      if (bad > 3) {
        for (let i = 0; i < m; i++) if (t[i] > 3) throw new TraceInputError(k, i, `symbol ${t[i]} is not a nucleotide (0..3 = A, C, G, T)`);
      }
      let sum = m;
      if (weighted) {
        sum = 0;
        for (let i = 0; i < m; i++) {
          const w = q ? QUALITY_WEIGHT[q[i] < 94 ? q[i] : 93] : 1;
          wFwd[at + i] = w;
          wRev[at + m - 1 - i] = w;
          sum += w;
        }
      }
      this.weight[k] = m > 0 ? sum / m : 1;
      at += m;
    }
    // Unweighted clusters read weights of 1: keep a prefix of ones instead of rewriting it per cluster.
    if (weighted) this.ones = 0;
    else if (this.ones < total) {
      wFwd.fill(1, 0, total);
      wRev.fill(1, 0, total);
      this.ones = total;
    }
    this.weighted = weighted;
    this.count = n;
    this.total = total;
  }
}
