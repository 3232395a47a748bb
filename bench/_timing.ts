/**
 * Timing helper: warm up, then take several samples, each repeating the operation until at least
 * minSampleSeconds have passed, and report the median time per call (performance.now()).
 */
import { performance } from 'node:perf_hooks';

export interface TimingOptions {
  /** Keep calling before measuring until this much time has passed (at least one call). */
  warmupSeconds: number;
  /** Each sample repeats the call until at least this much time has passed. */
  minSampleSeconds: number;
  /** Number of samples; the median is reported. */
  samples: number;
}

export interface Timing {
  /** Median seconds per call over the samples. */
  seconds: number;
  /** Fastest and slowest sample (seconds per call). */
  min: number;
  max: number;
  /** (max − min) / median: how much the samples disagree. */
  spread: number;
  /** Seconds per call of every sample, in order. */
  perSample: number[];
  /** Calls made in the timed samples (warm-up excluded). */
  calls: number;
}

/** Results are kept here so that no measured call is optimised away. */
export let sink: unknown;

type GcFn = () => void;

export function measure(fn: () => unknown, o: TimingOptions): Timing {
  const gc = (globalThis as { gc?: GcFn }).gc;
  let t0 = performance.now();
  do sink = fn();
  while (performance.now() - t0 < o.warmupSeconds * 1e3);
  const perSample: number[] = [];
  let calls = 0;
  for (let s = 0; s < o.samples; s++) {
    if (gc) gc();
    let n = 0;
    t0 = performance.now();
    let elapsed: number;
    do {
      sink = fn();
      n++;
      elapsed = performance.now() - t0;
    } while (elapsed < o.minSampleSeconds * 1e3);
    perSample.push(elapsed / 1e3 / n);
    calls += n;
  }
  const sorted = [...perSample].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const seconds = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  return { seconds, min, max, spread: (max - min) / seconds, perSample, calls };
}
