/**
 * Two-sided bitwise majority alignment with look-ahead (Batu et al. 2004; the look-ahead and
 * two-sided variants as in Sabary et al., "Reconstruction algorithms for DNA-storage systems").
 *
 * Each trace keeps a pointer. At every position of the estimate the traces vote with the symbol under
 * their pointer (weighted by quality); the plurality symbol c is written and the agreeing traces step
 * on. A disagreeing trace is explained by the hypothesis — substitution (step 1), deletion of c (stay),
 * insertion before c (step 2, needs the next symbol to be c) — under which its next `window` symbols
 * best match the agreeing traces' plurality for the next positions. Pointer drift makes errors pile
 * up towards the end of a pass, so the pass is run forwards and on the reversed traces, and the
 * estimate takes the first half from the forward pass and the second half from the backward one.
 * O(traces · length · window): a cheap first estimate for the alignment-vote refinement.
 */
import type { TraceSet } from './_trace-set.js';

export class Bma {
  /** Per trace: absolute index of its pointer in the symbol buffer, and the end of the trace. */
  private cur = new Int32Array(0);
  private end = new Int32Array(0);
  /** Per trace: the symbol under its pointer (4: trace used up), then 1 if it agreed with the vote. */
  private here = new Uint8Array(0);
  private matched = new Uint8Array(0);
  private readonly votes = new Float64Array(4);
  private readonly counts = new Int32Array(5);
  private win = new Uint8Array(16);
  private back = new Uint8Array(0);
  private backConf = new Float32Array(0);

  /** Writes the two-sided estimate of `length` symbols to out, and the vote margins to conf. */
  run(set: TraceSet, length: number, window: number, out: Uint8Array, conf: Float32Array): void {
    if (this.cur.length < set.count) {
      const cap = Math.max(set.count, 2 * this.cur.length);
      this.cur = new Int32Array(cap);
      this.end = new Int32Array(cap);
      this.here = new Uint8Array(cap);
      this.matched = new Uint8Array(cap);
    }
    if (this.back.length < length) {
      this.back = new Uint8Array(Math.max(length, 2 * this.back.length));
      this.backConf = new Float32Array(this.back.length);
    }
    if (this.win.length < window) this.win = new Uint8Array(window);
    const half = length >> 1;
    this.pass(set, set.fwd, set.wFwd, half, window, out, conf);
    this.pass(set, set.rev, set.wRev, length - half, window, this.back, this.backConf);
    for (let i = half; i < length; i++) {
      out[i] = this.back[length - 1 - i];
      conf[i] = this.backConf[length - 1 - i];
    }
  }

  /** One pass over sym (forward or reversed traces), writing `length` symbols. */
  private pass(set: TraceSet, sym: Uint8Array, wt: Float32Array, length: number, window: number, out: Uint8Array, conf: Float32Array): void {
    const n = set.count;
    const { cur, end, here, matched, votes, counts, win } = this;
    const packed = !set.weighted && n < 256;
    for (let k = 0; k < n; k++) {
      cur[k] = set.start[k];
      end[k] = set.start[k] + set.len[k];
    }
    for (let i = 0; i < length; i++) {
      if (packed) {
        // Four 8-bit counters in one integer: no store-to-load chain through a votes array.
        let acc = 0;
        for (let k = 0; k < n; k++) {
          const p = cur[k];
          if (p < end[k]) {
            const s = sym[p];
            here[k] = s;
            acc += 1 << (s << 3);
          } else here[k] = 4;
        }
        votes[0] = acc & 255;
        votes[1] = (acc >>> 8) & 255;
        votes[2] = (acc >>> 16) & 255;
        votes[3] = acc >>> 24;
      } else {
        votes[0] = votes[1] = votes[2] = votes[3] = 0;
        for (let k = 0; k < n; k++) {
          const p = cur[k];
          if (p < end[k]) {
            const s = sym[p];
            here[k] = s;
            votes[s] += wt[p];
          } else here[k] = 4;
        }
      }
      const v0 = votes[0];
      const v1 = votes[1];
      const v2 = votes[2];
      const v3 = votes[3];
      let c = 0;
      let best = v0;
      if (v1 > best) ((c = 1), (best = v1));
      if (v2 > best) ((c = 2), (best = v2));
      if (v3 > best) ((c = 3), (best = v3));
      const total = v0 + v1 + v2 + v3;
      out[i] = c;
      if (total === 0) {
        conf[i] = 0;
        continue;
      }
      let second = 0;
      for (let s = 0; s < 4; s++) if (s !== c && votes[s] > second) second = votes[s];
      conf[i] = (best - second) / (total + 1);

      let mismatches = 0;
      for (let k = 0; k < n; k++) {
        const h = here[k];
        if (h === c) {
          cur[k]++;
          matched[k] = 1;
        } else {
          matched[k] = 0;
          if (h !== 4) mismatches++;
        }
      }
      if (mismatches === 0) continue;

      // What the agreeing traces say comes next (4 = nobody says).
      for (let j = 0; j < window; j++) {
        counts[0] = counts[1] = counts[2] = counts[3] = 0;
        for (let k = 0; k < n; k++) {
          if (matched[k] === 0) continue;
          const p = cur[k] + j;
          if (p < end[k]) counts[sym[p]]++;
        }
        let b = 4;
        let bc = 0;
        for (let s = 0; s < 4; s++) if (counts[s] > bc) ((b = s), (bc = counts[s]));
        win[j] = b;
      }

      for (let k = 0; k < n; k++) {
        if (matched[k] !== 0 || here[k] === 4) continue;
        const p = cur[k];
        const m = end[k];
        let sub = 0;
        let del = 0;
        let ins = -1;
        for (let j = 0; j < window; j++) {
          const w = win[j];
          if (p + 1 + j < m && sym[p + 1 + j] === w) sub++;
          if (p + j < m && sym[p + j] === w) del++;
        }
        if (p + 1 < m && sym[p + 1] === c) {
          ins = 0;
          for (let j = 0; j < window; j++) if (p + 2 + j < m && sym[p + 2 + j] === win[j]) ins++;
        }
        if (sub >= del && sub >= ins) cur[k] = p + 1;
        else if (del < ins) cur[k] = p + 2;
      }
    }
  }
}
