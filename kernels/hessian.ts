/**
 * Hessian accumulation H += XᵀX (spec quant.md §1: GPTQ's H is (2/N)·Σ x xᵀ; callers scale).
 *
 * X is rows × n (one calibration activation per row, row-major f32), H is n × n f32.
 * The GPU kernel accumulates each product sum in f32 in its own order; the twin sums in f64 and
 * rounds once, so it is the more accurate of the two. Their difference is bounded by the f32
 * dot-product error: |ΔH_ij| ≤ γ_{rows+1}·(|H_ij| + Σ_r |x_ri·x_rj|) with γ_k = k·u/(1 − k·u),
 * u = 2⁻²⁴, plus u·|H_ij| for the twin's final rounding. Summing calibration batches with
 * separate calls (as GPTQ's running mean does) keeps `rows` and hence the bound small.
 */
import { spans, gridParts } from './_chunks.js';
import { checkArray, checkDims, runKernel, type KernelOptions, type KernelRun } from './_run.js';
import { wgslSource } from './_wgsl.js';
import type { ChunkLimits, GpuRuntime } from './device.js';
import { KernelLimitError } from './errors.js';
import { linear4Fits, linear4Gpu } from './linear4.js';

const KERNEL = 'hessian';
const TILE = 64;

export interface HessianShape {
  /** Calibration rows in X. */
  rows: number;
  /** Features (columns of X, order of H). */
  n: number;
}

/** H += XᵀX on the GPU when there is one, else with the TypeScript twin. */
export async function hessianAccumulate(H: Float32Array, X: Float32Array, shape: HessianShape, options?: KernelOptions): Promise<KernelRun> {
  checkHessian(H, X, shape);
  const { rows, n } = shape;
  return runKernel(
    KERNEL,
    options,
    (gpu, limits) => hessianAccumulateGpu(gpu, H, X, rows, n, limits),
    () => hessianAccumulateTs(H, X, rows, n),
  );
}

export function checkHessian(H: unknown, X: unknown, shape: HessianShape): void {
  checkDims(KERNEL, { rows: shape.rows, n: shape.n });
  checkArray(KERNEL, 'X', X, Float32Array, shape.rows * shape.n, `rows × n = ${shape.rows} × ${shape.n}`);
  checkArray(KERNEL, 'H', H, Float32Array, shape.n * shape.n, `n × n = ${shape.n} × ${shape.n}`);
}

/** The twin: f64 sums of the upper triangle, added to H (both triangles) and rounded to f32 once. */
export function hessianAccumulateTs(H: Float32Array, X: Float32Array, rows: number, n: number): void {
  const S = new Float64Array(n * n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    for (let i = 0; i < n; i++) {
      const xi = X[base + i];
      if (xi === 0) continue;
      const si = i * n;
      for (let j = i; j < n; j++) S[si + j] += xi * X[base + j];
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const s = S[i * n + j];
      H[i * n + j] += s;
      if (j !== i) H[j * n + i] += s;
    }
  }
}

/**
 * The GPU dispatcher. X is split into row chunks that fit one binding; when H itself does not fit,
 * it is processed in blocks of rows (without the symmetric shortcut). H is updated only after all
 * blocks came back, so a failure leaves it untouched.
 */
export async function hessianAccumulateGpu(
  gpu: GpuRuntime,
  H: Float32Array,
  X: Float32Array,
  rows: number,
  n: number,
  limits: ChunkLimits = gpu.limits,
): Promise<void> {
  if (n === 0 || rows === 0) return;
  const rowBytes = n * 4;
  if (rowBytes > limits.maxBindingBytes) {
    throw new KernelLimitError(KERNEL, `one row of X (${n} floats, ${rowBytes} bytes) exceeds the device's ${limits.maxBindingBytes}-byte storage binding`);
  }
  // When Xᵀ (rows padded to a multiple of 4 with zero rows) and H fit one binding each: the vec4
  // kernel on A = B = Xᵀ, upper triangle only, mirrored and added here (one f32 rounding, as below).
  const padded = Math.ceil(rows / 4) * 4;
  if (linear4Fits(n, padded, n, limits)) {
    const Xt = new Float32Array(n * padded);
    for (let r = 0; r < rows; r++) for (let i = 0, x = r * n; i < n; i++) Xt[i * padded + r] = X[x + i];
    const S = new Float32Array(n * n);
    await linear4Gpu(gpu, S, Xt, Xt, n, padded, n, limits, true);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        const s = S[i * n + j];
        H[i * n + j] += s;
        if (j !== i) H[j * n + i] += s;
      }
    }
    return;
  }
  const pipeline = await gpu.pipeline(KERNEL, wgslSource(KERNEL));
  const rowsPerBinding = Math.floor(limits.maxBindingBytes / rowBytes);
  const mirror = n <= rowsPerBinding;
  const blocks = spans(n, mirror ? n : rowsPerBinding);
  const chunks = spans(rows, rowsPerBinding);
  const out = new Float32Array(n * n);
  for (const [hRow0, hRows] of blocks) {
    const hBuf = gpu.upload(H.subarray(hRow0 * n, (hRow0 + hRows) * n));
    const parts = gridParts(Math.ceil(n / TILE), Math.ceil(hRows / TILE), limits.maxWorkgroupsPerDimension);
    try {
      for (let c = 0; c < chunks.length; c++) {
        const [r0, count] = chunks[c];
        const xBuf = gpu.upload(X.subarray(r0 * n, (r0 + count) * n));
        const u = gpu.uniforms(parts.map((g) => new Uint32Array([n, count, hRow0, hRows, mirror ? 1 : 0, g.y0, g.x0, 0])));
        const read = c === chunks.length - 1 ? [{ from: hBuf, bytes: hRows * rowBytes, into: out.subarray(hRow0 * n, (hRow0 + hRows) * n) }] : [];
        try {
          await gpu.run(
            KERNEL,
            (encoder) => {
              const pass = encoder.beginComputePass({ label: KERNEL });
              pass.setPipeline(pipeline);
              parts.forEach((g, k) => {
                pass.setBindGroup(0, gpu.bindGroup(pipeline, [u.slot(k), { buffer: xBuf, size: count * rowBytes }, { buffer: hBuf, size: hRows * rowBytes }]));
                pass.dispatchWorkgroups(g.nx, g.ny);
              });
              pass.end();
            },
            read,
          );
        } finally {
          // Queue order makes reuse safe: a later writeBuffer into these runs after this submission.
          gpu.release(xBuf);
          gpu.release(u.buffer);
        }
      }
    } finally {
      gpu.release(hBuf);
    }
  }
  H.set(out);
}
