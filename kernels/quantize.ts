/**
 * Group-wise round-to-nearest quantization on the GPU, bit-identical to the quantizer's own
 * src/quant/rtn.ts (its twin): per (row, group of groupSize input columns) the covering grid of the
 * group's width b — a scale code on the matrix's log ladder and an integer zero point z — and
 * q = clamp(round(w/scale) + z, 0, 2^b − 1).
 *
 * Three steps: a GPU reduction gives each group's min and max (exact in any precision); the host
 * turns them into the grid with groups.ts's chooseGrid, so the rounding rules are the
 * quantizer's by construction; a GPU pass computes the codes and flags the few whose f32 quotient
 * lies too close to a rounding boundary to be certain, which the host then recomputes with
 * quantizeValue. Codes, scale codes and zero points are therefore bit-exact, not merely close.
 */
import {
  checkShape,
  chooseGrid,
  groupLength,
  groupsPerRow,
  minWidthOf,
  quantizeValue,
  resolveWidths,
  scaleExponentFor,
  scaleLadder,
  DEFAULT_GROUP_SIZE,
  type QuantizedMatrix,
} from '../src/quant/groups.js';
import { rtnQuantize } from '../src/quant/rtn.js';
import { linearParts, columnGroups, spans } from './_chunks.js';
import { checkArray, runKernel, sized, type KernelOptions, type KernelRun } from './_run.js';
import { wgslSource } from './_wgsl.js';
import type { ChunkLimits, GpuRuntime } from './device.js';
import { KernelLimitError } from './errors.js';

const KERNEL = 'quantize';
const WHERE = 'quantizeGroups';

export interface QuantizeGroupsOptions {
  groupSize?: number;
  /** One width for every group, or one per group (rows·⌈cols/groupSize⌉). Default 4. */
  bits?: number | Uint8Array;
  /** The scale ladder's top; default as rtnQuantize chooses it (scaleExponentFor). */
  scaleExp?: number;
}

/** RTN group quantization of W (rows × cols, row-major) on the GPU when there is one, else rtnQuantize. */
export async function quantizeGroups(
  W: Float32Array,
  rows: number,
  cols: number,
  quant: QuantizeGroupsOptions = {},
  options?: KernelOptions,
): Promise<{ matrix: QuantizedMatrix; run: KernelRun; recomputed: number }> {
  checkArray(KERNEL, 'W', W, Float32Array, W instanceof Float32Array ? W.length : 0, 'rows × cols');
  const groupSize = quant.groupSize ?? DEFAULT_GROUP_SIZE;
  checkShape(WHERE, W, rows, cols, groupSize);
  const widths = resolveWidths(WHERE, quant.bits ?? 4, rows * groupsPerRow(cols, groupSize));
  const scaleExp = quant.scaleExp ?? scaleExponentFor(W, minWidthOf(widths), WHERE);
  let matrix: QuantizedMatrix | undefined;
  let recomputed = 0;
  const run = await runKernel(
    KERNEL,
    options,
    async (gpu, limits) => {
      ({ matrix, recomputed } = await quantizeGroupsGpu(gpu, W, rows, cols, groupSize, widths, scaleExp, limits));
    },
    () => {
      matrix = rtnQuantize(W, rows, cols, { groupSize, bits: widths, scaleExp });
    },
  );
  return { matrix: matrix!, run, recomputed };
}

/**
 * The GPU dispatcher, in row chunks that fit one storage binding. `recomputed` counts the codes
 * the host redid because their f32 quotient was within the error margin of a rounding boundary.
 */
export async function quantizeGroupsGpu(
  gpu: GpuRuntime,
  W: Float32Array,
  rows: number,
  cols: number,
  groupSize: number,
  widths: Uint8Array,
  scaleExp: number,
  limits: ChunkLimits = gpu.limits,
): Promise<{ matrix: QuantizedMatrix; recomputed: number }> {
  const G = groupsPerRow(cols, groupSize);
  const rowBytes = cols * 4;
  if (rowBytes > limits.maxBindingBytes)
    throw new KernelLimitError(KERNEL, `one row of W (${cols} floats) exceeds the device's ${limits.maxBindingBytes}-byte storage binding`);
  const [minmax, codesPipe] = await Promise.all([
    gpu.pipeline('quantize-minmax', wgslSource('quantize-minmax')),
    gpu.pipeline('quantize-codes', wgslSource('quantize-codes')),
  ]);
  const ladder = scaleLadder(scaleExp);
  const codes = new Uint8Array(rows * cols);
  const scaleCodes = new Uint8Array(rows * G);
  const zeros = new Uint8Array(rows * G);
  const grid = new Uint8Array(2);
  const pair = new Float32Array(2);
  let recomputed = 0;
  const gBuf = gpu.upload(columnGroups(cols, groupSize));
  try {
    for (const [r0, rc] of spans(rows, Math.floor(limits.maxBindingBytes / rowBytes))) {
      const n = rc * cols;
      const groups = rc * G;
      const g0 = r0 * G;
      const wBuf = gpu.upload(W.subarray(r0 * cols, r0 * cols + n));
      const lo = new Float32Array(groups);
      const hi = new Float32Array(groups);
      const bad = new Uint32Array(groups);
      const loBuf = gpu.acquire(groups * 4, 'storage');
      const hiBuf = gpu.acquire(groups * 4, 'storage');
      const badBuf = gpu.acquire(groups * 4, 'storage');
      const owned = [wBuf, loBuf, hiBuf, badBuf];
      try {
        const parts = linearParts(groups, 64, limits.maxWorkgroupsPerDimension);
        const u = gpu.uniforms(parts.map((d) => new Uint32Array([cols, groupSize, G, groups, d.base, 0, 0, 0])));
        owned.push(u.buffer);
        await gpu.run(
          'quantize-minmax',
          (encoder) => {
            const pass = encoder.beginComputePass();
            pass.setPipeline(minmax);
            parts.forEach((d, i) => {
              pass.setBindGroup(
                0,
                gpu.bindGroup(minmax, [u.slot(i), sized(wBuf, n * 4), sized(loBuf, groups * 4), sized(hiBuf, groups * 4), sized(badBuf, groups * 4)]),
              );
              pass.dispatchWorkgroups(d.nx, d.ny);
            });
            pass.end();
          },
          [
            { from: loBuf, bytes: groups * 4, into: lo },
            { from: hiBuf, bytes: groups * 4, into: hi },
            { from: badBuf, bytes: groups * 4, into: bad },
          ],
        );

        // The grid of each group, by the quantizer's own rules (without clipping it depends on
        // min and max alone). A group with a non-finite weight is redone on its real weights so
        // that the twin's error message is reproduced exactly.
        const scaleF = new Float32Array(groups);
        const zeroF = new Float32Array(groups);
        const maxq = new Uint32Array(groups);
        for (let j = 0; j < groups; j++) {
          const g = g0 + j;
          const r = Math.floor(g / G);
          const k = g - r * G;
          const width = widths[g];
          if (bad[j] !== 0) chooseGrid(W, r * cols + k * groupSize, groupLength(cols, groupSize, k), width, scaleExp, grid, WHERE);
          else {
            pair[0] = lo[j];
            pair[1] = hi[j];
            chooseGrid(pair, 0, 2, width, scaleExp, grid, WHERE);
          }
          scaleCodes[g] = grid[0];
          zeros[g] = grid[1];
          scaleF[j] = ladder[grid[0]];
          zeroF[j] = grid[1];
          maxq[j] = (1 << width) - 1;
        }

        const words = Math.ceil(n / 4);
        const flagWords = Math.ceil(n / 32);
        const packed = new Uint32Array(words);
        const flags = new Uint32Array(flagWords);
        const sBuf = gpu.upload(scaleF);
        const mBuf = gpu.upload(zeroF);
        const qBuf = gpu.upload(maxq);
        const cBuf = gpu.acquire(words * 4, 'storage');
        const fBuf = gpu.upload(flags); // zeros: flags are OR-ed in
        owned.push(sBuf, mBuf, qBuf, cBuf, fBuf);
        const cparts = linearParts(words, 64, limits.maxWorkgroupsPerDimension);
        const cu = gpu.uniforms(cparts.map((d) => new Uint32Array([cols, groupSize, G, n, words, d.base, 0, 0])));
        owned.push(cu.buffer);
        await gpu.run(
          'quantize-codes',
          (encoder) => {
            const pass = encoder.beginComputePass();
            pass.setPipeline(codesPipe);
            cparts.forEach((d, i) => {
              pass.setBindGroup(
                0,
                gpu.bindGroup(codesPipe, [
                  cu.slot(i),
                  sized(wBuf, n * 4),
                  sized(sBuf, groups * 4),
                  sized(mBuf, groups * 4),
                  sized(qBuf, groups * 4),
                  sized(cBuf, words * 4),
                  sized(fBuf, flagWords * 4),
                  sized(gBuf, cols * 4),
                ]),
              );
              pass.dispatchWorkgroups(d.nx, d.ny);
            });
            pass.end();
          },
          [
            { from: cBuf, bytes: words * 4, into: packed },
            { from: fBuf, bytes: flagWords * 4, into: flags },
          ],
        );
        const base = r0 * cols;
        codes.set(new Uint8Array(packed.buffer, 0, n), base);
        for (let f = 0; f < flagWords; f++) {
          let bits = flags[f];
          while (bits !== 0) {
            const b = 31 - Math.clz32(bits);
            bits ^= 1 << b;
            const idx = f * 32 + b;
            const j = Math.floor(idx / cols) * G + Math.floor((idx % cols) / groupSize);
            recomputed++;
            codes[base + idx] = quantizeValue(W[base + idx], scaleF[j], zeroF[j], maxq[j]);
          }
        }
      } finally {
        owned.forEach((b) => gpu.release(b));
      }
    }
  } finally {
    gpu.release(gBuf);
  }
  return { matrix: { rows, cols, groupSize, widths: Uint8Array.from(widths), codes, scaleExp, scaleCodes, zeros }, recomputed };
}
