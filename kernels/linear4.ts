/**
 * C = A·Bᵀ for A (m × k) and B (n × k) row-major with k a multiple of 4 (kernels/linear4.wgsl): the
 * fast path of the batched linear layer (matmul with transB) and of the Hessian (A = B = Xᵀ, upper
 * triangle only), used when every operand fits one storage binding. It reads vec4s along k and
 * uses no workgroup memory or barriers, which suits CPU Vulkan drivers (on lavapipe it does 2–2.4×
 * the work per CPU-second of the tiled kernels on a 57M-parameter model's shapes, 1.4× on
 * stories260K's; see README) as well as GPUs. Each output is an f32 sum of k products in its own
 * order, so the error bounds of matmul.ts and hessian.ts hold unchanged.
 */
import { gridParts } from './_chunks.js';
import { wgslSource } from './_wgsl.js';
import type { ChunkLimits, GpuRuntime } from './device.js';

const KERNEL = 'linear4';
/** Rows of C per workgroup and columns (16 invocations × 4) per workgroup, as in the WGSL. */
const ROWS = 8;
const COLS = 64;

/** Whether the unchunked fast path applies: k a positive multiple of 4, each operand within one binding. */
export function linear4Fits(m: number, k: number, n: number, limits: ChunkLimits): boolean {
  if (!limits.vec4Products || m === 0 || n === 0 || k === 0 || k % 4 !== 0) return false;
  const L = limits.maxBindingBytes;
  return m * k * 4 <= L && n * k * 4 <= L && m * n * 4 <= L;
}

/**
 * C (m × n) = A·Bᵀ; with `upper`, only entries j ≥ i are guaranteed (blocks wholly below the
 * diagonal are skipped and left as they were in C). A and B may be the same array (bound once).
 * C is written only after the result came back.
 */
export async function linear4Gpu(
  gpu: GpuRuntime,
  C: Float32Array,
  A: Float32Array,
  B: Float32Array,
  m: number,
  k: number,
  n: number,
  limits: ChunkLimits,
  upper = false,
): Promise<void> {
  const pipeline = await gpu.pipeline(KERNEL, wgslSource(KERNEL));
  const parts = gridParts(Math.ceil(n / COLS), Math.ceil(m / ROWS), limits.maxWorkgroupsPerDimension);
  const aBuf = gpu.upload(A);
  const bBuf = A === B ? aBuf : gpu.upload(B);
  const cBuf = gpu.acquire(m * n * 4, 'storage');
  const u = gpu.uniforms(parts.map((g) => new Uint32Array([m, n, k / 4, upper ? 1 : 0, g.y0, g.x0, 0, 0])));
  const out = new Float32Array(m * n);
  try {
    await gpu.run(
      KERNEL,
      (encoder) => {
        const pass = encoder.beginComputePass({ label: KERNEL });
        pass.setPipeline(pipeline);
        parts.forEach((g, i) => {
          pass.setBindGroup(
            0,
            gpu.bindGroup(pipeline, [u.slot(i), { buffer: aBuf, size: m * k * 4 }, { buffer: bBuf, size: n * k * 4 }, { buffer: cBuf, size: m * n * 4 }]),
          );
          pass.dispatchWorkgroups(g.nx, g.ny);
        });
        pass.end();
      },
      [{ from: cBuf, bytes: m * n * 4, into: out }],
    );
  } finally {
    gpu.release(aBuf);
    if (bBuf !== aBuf) gpu.release(bBuf);
    gpu.release(cBuf);
    gpu.release(u.buffer);
  }
  if (!upper) {
    C.set(out);
    return;
  }
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = i; j < n; j++) C[row + j] = out[row + j];
  }
}
