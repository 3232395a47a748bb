/**
 * GPU bit packing of a group-quantized matrix's codes, byte-identical to src/quant/bitpack.ts
 * packGroupedCodes (its twin): MSB-first, each code in its group's width, zero-padded to a byte.
 * The host computes each group's bit offset (a prefix sum of length·width); the GPU writes every
 * group's bits in parallel. Any invalid input (a width over 16, a code that does not fit) is
 * handed to the twin, which throws its usual BitPackError.
 */
import { groupedCodeBits, MAX_PACK_WIDTH, packGroupedCodes } from '../src/quant/bitpack.js';
import { groupLength, groupsPerRow } from '../src/quant/groups.js';
import { linearParts, spans } from './_chunks.js';
import { checkArray, checkDims, runKernel, sized, type KernelOptions, type KernelRun } from './_run.js';
import { wgslSource } from './_wgsl.js';
import type { ChunkLimits, GpuRuntime } from './device.js';
import { KernelLimitError, KernelShapeError } from './errors.js';

const KERNEL = 'bitpack';

export interface PackShape {
  rows: number;
  cols: number;
  groupSize: number;
}

/** Packed code bytes of `codes` (rows × cols) with one width per group (rows·⌈cols/groupSize⌉). */
export async function packCodes(
  codes: Uint8Array,
  widths: Uint8Array,
  shape: PackShape,
  options?: KernelOptions,
): Promise<{ packed: Uint8Array; run: KernelRun }> {
  const { rows, cols, groupSize } = shape;
  checkDims(KERNEL, { rows, cols, groupSize });
  if (groupSize < 1) throw new KernelShapeError(KERNEL, 'groupSize', `must be at least 1 (got ${groupSize})`);
  checkArray(KERNEL, 'codes', codes, Uint8Array, rows * cols, `rows × cols = ${rows} × ${cols}`);
  checkArray(KERNEL, 'widths', widths, Uint8Array, rows * groupsPerRow(cols, groupSize), `one width per group (${rows} × ${groupsPerRow(cols, groupSize)})`);
  let packed: Uint8Array | undefined;
  const run = await runKernel(
    KERNEL,
    options,
    async (gpu, limits) => {
      packed = await packCodesGpu(gpu, codes, widths, rows, cols, groupSize, limits);
    },
    () => {
      packed = packGroupedCodes(codes, rows, cols, groupSize, widths);
    },
  );
  return { packed: packed!, run };
}

export async function packCodesGpu(
  gpu: GpuRuntime,
  codes: Uint8Array,
  widths: Uint8Array,
  rows: number,
  cols: number,
  groupSize: number,
  limits: ChunkLimits = gpu.limits,
): Promise<Uint8Array> {
  for (let g = 0; g < widths.length; g++) if (widths[g] > MAX_PACK_WIDTH) return packGroupedCodes(codes, rows, cols, groupSize, widths); // throws
  const G = groupsPerRow(cols, groupSize);
  const totalBits = groupedCodeBits(rows, cols, groupSize, widths);
  const out32 = new Uint32Array(Math.ceil(totalBits / 32));
  if (rows === 0 || cols === 0) return new Uint8Array(0);
  // Per row: cols code bytes in, at most 2·cols bytes out (16-bit widths), 8 bytes of metadata per group.
  const rowBytes = 4 * cols + 8 * G;
  if (rowBytes > limits.maxBindingBytes)
    throw new KernelLimitError(KERNEL, `one row of ${cols} codes exceeds the device's ${limits.maxBindingBytes}-byte storage binding`);
  const pipeline = await gpu.pipeline(KERNEL, wgslSource(KERNEL));
  let startBit = 0;
  for (const [r0, rc] of spans(rows, Math.floor(limits.maxBindingBytes / rowBytes))) {
    const groups = rc * G;
    const n = rc * cols;
    const w32 = new Uint32Array(groups);
    const offsets = new Uint32Array(groups);
    let bit = startBit & 31;
    for (let j = 0; j < groups; j++) {
      const g = r0 * G + j;
      w32[j] = widths[g];
      offsets[j] = bit;
      bit += widths[g] * groupLength(cols, groupSize, j % G);
    }
    const chunkWords = Math.ceil(bit / 32);
    const codeBytes = new Uint8Array(Math.ceil(n / 4) * 4);
    codeBytes.set(codes.subarray(r0 * cols, r0 * cols + n));
    const bufs = [
      gpu.upload(new Uint32Array(codeBytes.buffer)),
      gpu.upload(w32),
      gpu.upload(offsets),
      gpu.acquire(chunkWords * 4, 'storage'),
      gpu.acquire(groups * 4, 'storage'),
    ];
    const [cBuf, wBuf, oBuf, outBuf, badBuf] = bufs;
    const parts = linearParts(groups, 64, limits.maxWorkgroupsPerDimension);
    const u = gpu.uniforms(parts.map((d) => new Uint32Array([cols, groupSize, G, groups, d.base, 0, 0, 0])));
    bufs.push(u.buffer);
    const words = new Uint32Array(chunkWords);
    const bad = new Uint32Array(groups);
    try {
      await gpu.run(
        KERNEL,
        (encoder) => {
          if (chunkWords > 0) encoder.clearBuffer(outBuf, 0, chunkWords * 4);
          const pass = encoder.beginComputePass();
          pass.setPipeline(pipeline);
          parts.forEach((d, i) => {
            pass.setBindGroup(
              0,
              gpu.bindGroup(pipeline, [
                u.slot(i),
                { buffer: cBuf, size: codeBytes.byteLength },
                { buffer: wBuf, size: groups * 4 },
                { buffer: oBuf, size: groups * 4 },
                sized(outBuf, chunkWords * 4),
                { buffer: badBuf, size: groups * 4 },
              ]),
            );
            pass.dispatchWorkgroups(d.nx, d.ny);
          });
          pass.end();
        },
        [
          { from: outBuf, bytes: chunkWords * 4, into: words },
          { from: badBuf, bytes: groups * 4, into: bad },
        ],
      );
    } finally {
      bufs.forEach((b) => gpu.release(b));
    }
    if (bad.some((f) => f !== 0)) return packGroupedCodes(codes, rows, cols, groupSize, widths); // throws the twin's error
    // The chunk's first word may hold the previous chunk's last bits: merge with OR.
    const w0 = startBit >>> 5;
    for (let i = 0; i < chunkWords; i++) out32[w0 + i] |= words[i];
    startBit += bit - (startBit & 31);
  }
  return new Uint8Array(out32.buffer, 0, Math.ceil(totalBits / 8)).slice();
}
