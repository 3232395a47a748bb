/**
 * Dequantization of a group-quantized matrix, ŵ = scale·(q − z) per group (src/quant/groups.ts).
 * The twin is groups.ts's dequantizeMatrix; the results are bit-identical (see dequantize.wgsl).
 */
import { dequantizeMatrix, groupsPerRow, MAX_SCALE_EXP, MIN_SCALE_EXP, scaleLadder, type QuantizedMatrix } from '../src/quant/groups.js';
import { gridParts, columnGroups, spans } from './_chunks.js';
import { checkArray, checkDims, runKernel, type KernelOptions, type KernelRun } from './_run.js';
import { wgslSource } from './_wgsl.js';
import type { ChunkLimits, GpuRuntime } from './device.js';
import { KernelLimitError, KernelShapeError } from './errors.js';

const KERNEL = 'dequantize';

export async function dequantizeGroups(m: QuantizedMatrix, options?: KernelOptions): Promise<{ weights: Float32Array; run: KernelRun }> {
  checkQuantized(m);
  let weights: Float32Array | undefined;
  const run = await runKernel(
    KERNEL,
    options,
    async (gpu, limits) => {
      weights = await dequantizeGroupsGpu(gpu, m, limits);
    },
    () => {
      weights = dequantizeMatrix(m);
    },
  );
  return { weights: weights!, run };
}

export function checkQuantized(m: QuantizedMatrix): void {
  checkDims(KERNEL, { rows: m.rows, cols: m.cols, groupSize: m.groupSize });
  if (m.groupSize < 1) throw new KernelShapeError(KERNEL, 'groupSize', `must be at least 1 (got ${m.groupSize})`);
  const groups = m.rows * groupsPerRow(m.cols, m.groupSize);
  const shape = `rows × ⌈cols/groupSize⌉ = ${m.rows} × ${groupsPerRow(m.cols, m.groupSize)} groups`;
  checkArray(KERNEL, 'codes', m.codes, Uint8Array, m.rows * m.cols, `rows × cols = ${m.rows} × ${m.cols}`);
  checkArray(KERNEL, 'scaleCodes', m.scaleCodes, Uint8Array, groups, shape);
  checkArray(KERNEL, 'zeros', m.zeros, Uint8Array, groups, shape);
  if (!Number.isInteger(m.scaleExp) || m.scaleExp < MIN_SCALE_EXP || m.scaleExp > MAX_SCALE_EXP)
    throw new KernelShapeError(KERNEL, 'scaleExp', `must be an integer within ${MIN_SCALE_EXP}..${MAX_SCALE_EXP} (got ${m.scaleExp})`);
}

export async function dequantizeGroupsGpu(gpu: GpuRuntime, m: QuantizedMatrix, limits: ChunkLimits = gpu.limits): Promise<Float32Array> {
  const { rows, cols, groupSize } = m;
  const G = groupsPerRow(cols, groupSize);
  const rowBytes = cols * 4;
  if (rowBytes > limits.maxBindingBytes)
    throw new KernelLimitError(KERNEL, `one row of ${cols} weights exceeds the device's ${limits.maxBindingBytes}-byte storage binding`);
  const pipeline = await gpu.pipeline(KERNEL, wgslSource(KERNEL));
  const ladder = scaleLadder(m.scaleExp);
  const out = new Float32Array(rows * cols);
  const gBuf = gpu.upload(columnGroups(cols, groupSize));
  try {
    for (const [r0, rc] of spans(rows, Math.floor(limits.maxBindingBytes / rowBytes))) {
      const n = rc * cols;
      const groups = rc * G;
      // Codes are bound as u32 words, so each chunk's bytes are copied to a 4-byte-aligned start.
      const codeBytes = new Uint8Array(Math.ceil(n / 4) * 4);
      codeBytes.set(m.codes.subarray(r0 * cols, r0 * cols + n));
      const scale = new Float32Array(groups);
      const zero = new Float32Array(groups);
      for (let j = 0; j < groups; j++) {
        scale[j] = ladder[m.scaleCodes[r0 * G + j]];
        zero[j] = m.zeros[r0 * G + j];
      }
      const cBuf = gpu.upload(new Uint32Array(codeBytes.buffer));
      const sBuf = gpu.upload(scale);
      const mBuf = gpu.upload(zero);
      const wBuf = gpu.acquire(n * 4, 'storage');
      const parts = gridParts(Math.ceil(cols / 64), rc, limits.maxWorkgroupsPerDimension);
      const u = gpu.uniforms(parts.map((d) => new Uint32Array([cols, rc, G, d.x0, d.y0, 0, 0, 0])));
      try {
        await gpu.run(
          KERNEL,
          (encoder) => {
            const pass = encoder.beginComputePass();
            pass.setPipeline(pipeline);
            parts.forEach((d, i) => {
              pass.setBindGroup(
                0,
                gpu.bindGroup(pipeline, [
                  u.slot(i),
                  { buffer: cBuf, size: codeBytes.byteLength },
                  { buffer: sBuf, size: groups * 4 },
                  { buffer: mBuf, size: groups * 4 },
                  { buffer: gBuf, size: cols * 4 },
                  { buffer: wBuf, size: n * 4 },
                ]),
              );
              pass.dispatchWorkgroups(d.nx, d.ny);
            });
            pass.end();
          },
          [{ from: wBuf, bytes: n * 4, into: out.subarray(r0 * cols, r0 * cols + n) }],
        );
      } finally {
        [cBuf, sBuf, mBuf, wBuf, u.buffer].forEach((b) => gpu.release(b));
      }
    }
  } finally {
    gpu.release(gBuf);
  }
  return out;
}
