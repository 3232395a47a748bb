/**
 * GPTQ's inverse factors (the upper Cholesky factor of the dampened H⁻¹), computed ahead on worker
 * threads for an engine that runs GPTQ's column loop elsewhere (the GPU engine). The factor needs
 * only H, so it can start as soon as calibration ends and run while the GPU measures the
 * allocation; in f64 on the host it is the quantizer's largest serial cost (n³/3 + n³/3
 * multiply-adds per matrix: 40 of the 51 s of a 57 M model's quantization on an H200's host when
 * done in turn on the calling thread).
 *
 * Factors start in the order the matrices were announced, as many at once as there are worker
 * threads, and only while the factors computed and not yet claimed hold at most `aheadBytes`
 * (each is cols² f64), so memory stays bounded however many matrices there are. Each one is
 * computed by the same code as on the calling thread, so the container does not change.
 */
import type { InverseFactor } from './gptq.js';
import type { MatrixWorkers } from './matrix-workers.js';

/** One matrix's factorisation request: its Hessian and the dampening recipe GPTQ will use. */
export interface FactorRequest {
  H: Float64Array;
  cols: number;
  percdamp: number;
  retries: number;
  where: string;
}

interface Entry {
  request: FactorRequest;
  factor?: Promise<InverseFactor>;
}

/** Bytes of factors computed ahead and not yet claimed, by default. */
export const DEFAULT_AHEAD_BYTES = 1 << 30;
/**
 * Narrower Hessians are left to the caller: their factor takes well under a millisecond, less
 * than handing H to a worker (and starting the pool, for a model made only of them).
 */
export const MIN_PREFETCH_COLS = 256;

const bytesOf = (r: FactorRequest): number => r.cols * r.cols * 8;

export class FactorPrefetch {
  /** Announced and not yet claimed, in announcement order. */
  private readonly entries: Entry[] = [];
  private readonly byHessian = new WeakMap<Float64Array, Entry>();
  private running = 0;
  /** Bytes of the factors started and not yet claimed. */
  private held = 0;

  constructor(
    private readonly workers: Pick<MatrixWorkers, 'threads' | 'inverseFactor'>,
    private readonly aheadBytes = DEFAULT_AHEAD_BYTES,
    private readonly minCols = MIN_PREFETCH_COLS,
  ) {}

  /** Announce matrices GPTQ will quantize (a Hessian announced twice is factored once). */
  announce(requests: readonly FactorRequest[]): void {
    for (const request of requests) {
      if (request.cols < this.minCols || this.byHessian.has(request.H)) continue;
      const entry: Entry = { request };
      this.entries.push(entry);
      this.byHessian.set(request.H, entry);
    }
    this.pump();
  }

  /**
   * The factor of `request.H` if it was announced with the same recipe (started now if it had not
   * been), else undefined: the caller factors it itself. A failed factorisation rejects; the
   * caller then recomputes it to throw the error with its class.
   */
  claim(request: FactorRequest): Promise<InverseFactor> | undefined {
    const entry = this.byHessian.get(request.H);
    if (!entry) return undefined;
    this.byHessian.delete(request.H);
    this.entries.splice(this.entries.indexOf(entry), 1);
    const r = entry.request;
    const same = r.cols === request.cols && r.percdamp === request.percdamp && r.retries === request.retries;
    if (entry.factor) this.held -= bytesOf(r);
    const factor = same ? (entry.factor ?? this.start(entry, false)) : undefined;
    this.pump();
    return factor;
  }

  private start(entry: Entry, ahead: boolean): Promise<InverseFactor> {
    const { H, cols, percdamp, retries, where } = entry.request;
    this.running++;
    if (ahead) this.held += bytesOf(entry.request);
    const factor = this.workers.inverseFactor(H, cols, percdamp, retries, where);
    entry.factor = factor;
    const done = () => {
      this.running--;
      this.pump();
    };
    factor.then(done, done); // the rejection itself goes to whoever claims it; unclaimed ones are dropped
    return factor;
  }

  private pump(): void {
    for (const entry of this.entries) {
      if (this.running >= this.workers.threads) return;
      if (entry.factor) continue;
      const bytes = bytesOf(entry.request);
      if (this.held > 0 && this.held + bytes > this.aheadBytes) return;
      this.start(entry, true);
    }
  }
}
