/**
 * Shared helpers of the kernel parity tests: the GPU-or-skip rule, seeded data, the f32
 * accumulation error bound, and a reader for the stories260K checkpoint.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { getDevice, type GpuRuntime } from '../../kernels/index.js';
import { Rng } from '../../src/random.js';

/**
 * The WebGPU runtime, or: in CI (CI set) a failure — a skipped GPU test in CI is a failure, since
 * .ci/run installs lavapipe — and locally a skip that says why.
 */
export async function requireGpu(ctx: { skip: (note?: string) => never }): Promise<GpuRuntime> {
  const dev = await getDevice({ device: 'auto' });
  if (dev.kind === 'gpu') return dev.gpu;
  if (process.env.CI) throw new Error(`CI must run the GPU kernel tests, but there is no WebGPU device: ${dev.reason}`);
  return ctx.skip(`no WebGPU device (${dev.reason}); install Mesa lavapipe as .ci/run does`);
}

/** Approximately normal values (sum of 4 uniforms), scaled; seeded. */
export function randomNormal(rng: Rng, count: number, scale = 1): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (rng.next() + rng.next() + rng.next() + rng.next() - 2) * scale * 1.7320508;
  return out;
}

/**
 * Small integers in [−range, range]: every product and partial sum of the kernels' tests stays
 * below 2^24, so f32 sums are exact in any order and GPU and twin must agree bit for bit. This
 * checks the indexing (tiles, tails, chunks) with no tolerance at all.
 */
export function randomInts(rng: Rng, count: number, range: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.below(2 * range + 1) - range;
  return out;
}

/** Unit roundoff of f32. */
export const U32 = 2 ** -24;

/** γ_k = k·u/(1 − k·u): the worst-case relative error of a k-term f32 sum of products (Higham 3.1). */
export function gamma(k: number): number {
  return (k * U32) / (1 - k * U32);
}

/**
 * Largest |got − want| / bound over all entries; ≤ 1 means every entry is within its bound.
 * Also returns the largest relative-to-scale error seen, to report how loose the bound is.
 */
export function worstRatio(got: Float32Array, want: Float32Array, bound: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (d === 0) continue;
    const r = bound[i] > 0 ? d / bound[i] : Infinity;
    if (!(r <= worst)) worst = r;
  }
  return worst;
}

export function countDifferent(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) d++;
  return d;
}

export function abs(a: Float32Array): Float32Array {
  return a.map(Math.abs);
}

// ---- stories260K (llama2.c v0 checkpoint, spec quant.md §10.2) ----

import { MODEL as STORIES_PATH } from '../_fixtures.js';

export interface StoriesConfig {
  dim: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocab: number;
  seqLen: number;
}

/** The checkpoint's matrices needed here, read by offset without loading the whole file. */
export interface StoriesWeights {
  config: StoriesConfig;
  embedding: Float32Array; // [vocab, dim]
  wq0: Float32Array; // layer 0 [dim, dim]
  w1: Float32Array; // layer 0 [hidden, dim]
  w2: Float32Array; // layer 0 [dim, hidden]
}

/** The shipped stories260K's matrices used by the kernel tests. */
export function readStories(path = STORIES_PATH): StoriesWeights {
  const fd = openSync(path, 'r');
  try {
    const read = (offset: number, floats: number): Float32Array => {
      const buf = Buffer.alloc(floats * 4);
      readSync(fd, buf, 0, buf.length, offset);
      return new Float32Array(buf.buffer, buf.byteOffset, floats).slice();
    };
    const head = Buffer.alloc(28);
    readSync(fd, head, 0, 28, 0);
    const h = (i: number) => head.readInt32LE(4 * i);
    const config: StoriesConfig = { dim: h(0), hidden: h(1), layers: h(2), heads: h(3), kvHeads: h(4), vocab: Math.abs(h(5)), seqLen: h(6) };
    const { dim, hidden, layers, heads, kvHeads, vocab } = config;
    const kvDim = (kvHeads * dim) / heads;
    let off = 28;
    const embedding = read(off, vocab * dim);
    off += 4 * (vocab * dim + layers * dim); // embedding, rms_att
    const wq0 = read(off, dim * dim);
    off += 4 * (layers * dim * dim + 2 * layers * kvDim * dim + layers * dim * dim + layers * dim); // wq, wk, wv, wo, rms_ffn
    const w1 = read(off, hidden * dim);
    off += 4 * layers * hidden * dim;
    const w2 = read(off, dim * hidden);
    return { config, embedding, wq0, w1, w2 };
  } finally {
    closeSync(fd);
  }
}

export { Rng };
