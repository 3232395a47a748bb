/**
 * Dense f32 products: C = A·B (m × k times k × n) and, with `transB`, C = A·Bᵀ for B stored n × k,
 * which is the batched linear layer Y = X·Wᵀ (y = W x per row; W row-major [out, in]).
 *
 * The GPU sums in f32 in tile order; the twin sums in f64 and rounds once. Their difference is the
 * f32 dot-product error: |ΔC_ij| ≤ γ_k·Σ_t |a_it·b_tj| (γ_k = k·u/(1 − k·u), u = 2⁻²⁴), plus
 * u·|C_ij| for the twin's own rounding.
 */
import { spans, gridParts } from './_chunks.js';
import { checkArray, checkDims, runKernel, type KernelOptions, type KernelRun } from './_run.js';
import { wgslSource } from './_wgsl.js';
import type { ChunkLimits, GpuRuntime } from './device.js';
import { KernelLimitError } from './errors.js';
import { linear4Fits, linear4Gpu } from './linear4.js';

const KERNEL = 'matmul';
const TILE = 64;

export interface MatmulShape {
  m: number;
  k: number;
  n: number;
  /** B is stored n × k (row-major) and used transposed. */
  transB?: boolean;
}

/** C = A·op(B) into `C` (m × n), on the GPU when there is one, else with the twin. */
export async function matmul(C: Float32Array, A: Float32Array, B: Float32Array, shape: MatmulShape, options?: KernelOptions): Promise<KernelRun> {
  checkMatmul(C, A, B, shape);
  const transB = shape.transB === true;
  return runKernel(
    KERNEL,
    options,
    (gpu, limits) => matmulGpu(gpu, C, A, B, shape.m, shape.k, shape.n, transB, limits),
    () => matmulTs(C, A, B, shape.m, shape.k, shape.n, transB),
  );
}

export interface LinearShape {
  /** Rows of X and Y. */
  batch: number;
  /** Input features: columns of W and of X. */
  inFeatures: number;
  /** Output features: rows of W, columns of Y. */
  outFeatures: number;
}

/** Y = X·Wᵀ: each row y of Y is W x for the matching row x of X (W row-major [out, in]). */
export function linear(Y: Float32Array, W: Float32Array, X: Float32Array, shape: LinearShape, options?: KernelOptions): Promise<KernelRun> {
  return matmul(Y, X, W, { m: shape.batch, k: shape.inFeatures, n: shape.outFeatures, transB: true }, options);
}

export function checkMatmul(C: unknown, A: unknown, B: unknown, shape: MatmulShape): void {
  const { m, k, n } = shape;
  checkDims(KERNEL, { m, k, n });
  checkArray(KERNEL, 'A', A, Float32Array, m * k, `m × k = ${m} × ${k}`);
  checkArray(KERNEL, 'B', B, Float32Array, k * n, shape.transB ? `n × k = ${n} × ${k} (transposed)` : `k × n = ${k} × ${n}`);
  checkArray(KERNEL, 'C', C, Float32Array, m * n, `m × n = ${m} × ${n}`);
}

/** The twin: each C_ij summed in f64 and rounded to f32 once. */
export function matmulTs(C: Float32Array, A: Float32Array, B: Float32Array, m: number, k: number, n: number, transB: boolean): void {
  if (transB) {
    for (let i = 0; i < m; i++) {
      const ai = i * k;
      for (let j = 0; j < n; j++) {
        const bj = j * k;
        let s = 0;
        for (let t = 0; t < k; t++) s += A[ai + t] * B[bj + t];
        C[i * n + j] = s;
      }
    }
    return;
  }
  const row = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    row.fill(0);
    for (let t = 0; t < k; t++) {
      const a = A[i * k + t];
      if (a === 0) continue;
      const bt = t * n;
      for (let j = 0; j < n; j++) row[j] += a * B[bt + j];
    }
    C.set(row, i * n);
  }
}

/**
 * The GPU dispatcher. A and C go in row chunks; B in chunks of its stored rows (output columns
 * when transposed, the k dimension otherwise, summed with `accumulate`). C is written only after
 * every chunk came back.
 */
export async function matmulGpu(
  gpu: GpuRuntime,
  C: Float32Array,
  A: Float32Array,
  B: Float32Array,
  m: number,
  k: number,
  n: number,
  transB: boolean,
  limits: ChunkLimits = gpu.limits,
): Promise<void> {
  if (m === 0 || n === 0) return;
  // The batched linear layer with every operand in one binding: the vec4 kernel (linear4.ts).
  if (transB && linear4Fits(m, k, n, limits)) return linear4Gpu(gpu, C, A, B, m, k, n, limits);
  const L = limits.maxBindingBytes;
  const widest = Math.max(k, n) * 4;
  if (widest > L) throw new KernelLimitError(KERNEL, `one row of ${Math.max(k, n)} floats (${widest} bytes) exceeds the device's ${L}-byte storage binding`);
  const pipeline = await gpu.pipeline(KERNEL, wgslSource(KERNEL));
  const rowChunks = spans(m, Math.floor(L / Math.max(widest, 4)));
  // B's stored rows are k long when transposed (n of them), else n long (k of them).
  const bRows = transB ? n : Math.max(k, 1);
  const bRowLen = transB ? k : n;
  const bChunks = spans(bRows, Math.floor(L / Math.max(bRowLen * 4, 4)));
  const out = new Float32Array(m * n);
  for (const [i0, mc] of rowChunks) {
    const aBuf = gpu.upload(A.subarray(i0 * k, (i0 + mc) * k));
    const cBuf = gpu.acquire(mc * n * 4, 'storage');
    try {
      for (let c = 0; c < bChunks.length; c++) {
        const [b0, bc] = bChunks[c];
        const bBuf = gpu.upload(B.subarray(b0 * bRowLen, (b0 + bc) * bRowLen));
        const cols = transB ? bc : n;
        const kc = transB ? k : k === 0 ? 0 : bc;
        const parts = gridParts(Math.ceil(cols / TILE), Math.ceil(mc / TILE), limits.maxWorkgroupsPerDimension);
        const u = gpu.uniforms(
          parts.map(
            (g) => new Uint32Array([mc, cols, kc, k, bRowLen, n, transB ? 0 : b0, transB ? b0 : 0, transB ? 1 : 0, !transB && c > 0 ? 1 : 0, g.y0, g.x0]),
          ),
        );
        const read = c === bChunks.length - 1 ? [{ from: cBuf, bytes: mc * n * 4, into: out.subarray(i0 * n, (i0 + mc) * n) }] : [];
        try {
          await gpu.run(
            KERNEL,
            (encoder) => {
              const pass = encoder.beginComputePass({ label: KERNEL });
              pass.setPipeline(pipeline);
              parts.forEach((g, p) => {
                pass.setBindGroup(
                  0,
                  gpu.bindGroup(pipeline, [
                    u.slot(p),
                    { buffer: aBuf, size: Math.max(mc * k * 4, 4) },
                    { buffer: bBuf, size: Math.max(bc * bRowLen * 4, 4) },
                    { buffer: cBuf, size: mc * n * 4 },
                  ]),
                );
                pass.dispatchWorkgroups(g.nx, g.ny);
              });
              pass.end();
            },
            read,
          );
        } finally {
          gpu.release(bBuf);
          gpu.release(u.buffer);
        }
      }
    } finally {
      gpu.release(aBuf);
      gpu.release(cBuf);
    }
  }
  C.set(out);
}
