/**
 * The allocation's measurement on the GPU: every group's weighted rounding error at every width
 * (kernels/group-costs.wgsl), the quantity src/quant/allocate.ts measureGroupCosts — its twin,
 * the reference and CPU fallback — computes. At scale this loop, not GPTQ, is most of the
 * quantizer's time, and every group is independent.
 *
 * The host does the O(n) part with the twin's own function (costSetup: the checks and their
 * errors, non-finite weights included; the energy; the ladder; group sizes and sensitivities),
 * the GPU the O(n · rungs) part, and the host scales the errors into losses in f64.
 *
 * Precision: the twin accumulates in f64 and compares candidate grids in f64, the GPU in f32, so
 * a loss differs by f32 rounding (relative ~1e-6), and where two candidate grids of the clipping
 * search lie within that rounding of each other the GPU may keep the other one — its loss is then
 * equally close. The tests bound the relative difference per loss and the allocation's change.
 */
import { costSetup, measureGroupCosts, type GroupCosts, type MeasureOptions } from '../src/quant/allocate.js';
import { scaleLadder, SCALE_CODES } from '../src/quant/groups.js';
import { linearParts, spans } from './_chunks.js';
import { checkArray, runKernel, sized, type KernelOptions, type KernelRun } from './_run.js';
import { wgslSource } from './_wgsl.js';
import type { ChunkLimits, GpuRuntime } from './device.js';
import { KernelLimitError } from './errors.js';

const KERNEL = 'group-costs';
const LADDER_BYTES = SCALE_CODES * 4;
/** Groups per submission: keeps each command buffer short on a real GPU (no watchdog resets). */
const GROUPS_PER_SUBMIT = 1 << 16;

/** measureGroupCosts of W (rows × cols, row-major) on the GPU when there is one, else the twin. */
export async function groupCostsOnDevice(
  W: Float32Array,
  rows: number,
  cols: number,
  hdiag: Float64Array | undefined,
  measure: MeasureOptions = {},
  options?: KernelOptions,
): Promise<{ costs: GroupCosts; run: KernelRun }> {
  checkArray(KERNEL, 'W', W, Float32Array, W instanceof Float32Array ? W.length : 0, 'rows × cols');
  let costs: GroupCosts | undefined;
  const run = await runKernel(
    KERNEL,
    options,
    async (gpu, limits) => {
      const setup = costSetup(W, rows, cols, hdiag, measure);
      const err = await groupErrorsGpu(gpu, W, rows, cols, setup, limits);
      const loss = new Float64Array(err.length);
      for (let i = 0; i < err.length; i++) loss[i] = setup.scale * err[i];
      costs = { minBits: setup.minBits, maxBits: setup.maxBits, sizes: setup.sizes, loss, sensitivity: setup.sensitivity };
    },
    () => {
      costs = measureGroupCosts(W, rows, cols, hdiag, measure);
    },
  );
  return { costs: costs!, run };
}

type ErrorPlan = Pick<ReturnType<typeof costSetup>, 'groupSize' | 'minBits' | 'maxBits' | 'clip' | 'scaleExp' | 'h' | 'G' | 'K'>;

/**
 * The GPU dispatcher: Σ h (w − ŵ)² of every group at every width, err[g·K + b − minBits] (f32),
 * in row chunks whose weights and errors each fit one storage binding.
 */
export async function groupErrorsGpu(
  gpu: GpuRuntime,
  W: Float32Array,
  rows: number,
  cols: number,
  plan: ErrorPlan,
  limits: ChunkLimits = gpu.limits,
): Promise<Float32Array> {
  const { G, K } = plan;
  const L = limits.maxBindingBytes;
  const rowBytes = Math.max(cols, G * K) * 4;
  if (rowBytes > L) throw new KernelLimitError(KERNEL, `one row's weights or errors (${rowBytes} bytes) exceed the device's ${L}-byte storage binding`);
  if (LADDER_BYTES > L || cols * 4 > L) throw new KernelLimitError(KERNEL, `the scale ladder or diag(H) exceeds the device's ${L}-byte storage binding`);
  const pipe = await gpu.pipeline(KERNEL, wgslSource(KERNEL));
  const out = new Float32Array(rows * G * K);
  const ladderBuf = gpu.upload(scaleLadder(plan.scaleExp));
  const hBuf = gpu.upload(Float32Array.from(plan.h));
  try {
    const rowsPerChunk = Math.max(1, Math.min(Math.floor(L / rowBytes), Math.floor(GROUPS_PER_SUBMIT / G)));
    for (const [r0, R] of spans(rows, rowsPerChunk)) {
      const groups = R * G;
      const wBuf = gpu.upload(W.subarray(r0 * cols, (r0 + R) * cols));
      const eBuf = gpu.acquire(groups * K * 4, 'storage');
      const owned = [wBuf, eBuf];
      try {
        const parts = linearParts(groups, 64, limits.maxWorkgroupsPerDimension);
        const u = gpu.uniforms(
          parts.map(
            (d) => new Uint32Array([cols, plan.groupSize, G, groups, d.base, plan.minBits, plan.maxBits, plan.clip ? 1 : 0, plan.scaleExp >>> 0, 0, 0, 0]),
          ),
        );
        owned.push(u.buffer);
        const chunkOut = out.subarray(r0 * G * K, (r0 + R) * G * K);
        await gpu.run(
          KERNEL,
          (encoder) => {
            const pass = encoder.beginComputePass({ label: KERNEL });
            pass.setPipeline(pipe);
            parts.forEach((d, i) => {
              pass.setBindGroup(
                0,
                gpu.bindGroup(pipe, [u.slot(i), sized(wBuf, R * cols * 4), sized(ladderBuf, LADDER_BYTES), sized(hBuf, cols * 4), sized(eBuf, groups * K * 4)]),
              );
              pass.dispatchWorkgroups(d.nx, d.ny);
            });
            pass.end();
          },
          [{ from: eBuf, bytes: groups * K * 4, into: chunkOut }],
        );
      } finally {
        owned.forEach((b) => gpu.release(b));
      }
    }
  } finally {
    gpu.release(ladderBuf);
    gpu.release(hBuf);
  }
  return out;
}
