/**
 * GPTQ on the GPU (spec quant.md §2.1 step 7, §11.4): per block of columns, quantize with error
 * feedback inside the block (kernels/gptq-block.wgsl), then apply the lazy batch update
 * W[:, i2:] −= Err · U[i1:i2, i2:] to the remaining columns as a tiled product
 * (kernels/gptq-update.wgsl). Its twin — reference and CPU fallback — is src/quant/gptq.ts
 * gptqQuantize itself.
 *
 * The host does what the twin does before its column loop, with the same exported functions:
 * the checks (in the same order, so bad input fails with the same typed errors), the dampening and
 * inverse Cholesky in f64 with the twin's retries (dampHessian, inverseUpperCholesky), dead columns
 * zeroed, the ladder top (scaleExponentFor). The GPU then runs the column loop in f32, with W
 * resident across blocks and held transposed (column-major) so that the one-invocation-per-row
 * block kernel reads and writes neighbouring addresses; each code overwrites its weight in place.
 * Block size, group grids (chooseGrid ported, clipping search included, weighted by diag H),
 * codes, zero points, scale codes and the per-group OBS losses have the twin's meaning.
 *
 * Precision: the twin works in f64, the GPU in f32, so an f32 weight sitting within rounding of a
 * code boundary can round the other way, and that difference then travels through the error
 * feedback to later columns of the row. Codes are therefore close, not bit-identical; the tests
 * bound the share of differing codes and the layer loss tr(ΔW H ΔWᵀ) against the twin's
 * (test/kernels/gptq.test.ts states the figures).
 *
 * Splitting: rows are independent given U, so a matrix larger than one storage binding runs in
 * chunks of rows, each a complete GPTQ; U (cols × cols) is bound in panels of whole blocks of its
 * rows, and the block size shrinks (to a multiple of the group size) when one block of U rows does
 * not fit. A row of W (cols floats) must fit one binding.
 */
import { QuantInputError } from '../src/quant/errors.js';
import {
  checkGptqInput,
  dampedInverseFactor,
  DEFAULT_DAMP_RETRIES,
  DEFAULT_PERCDAMP,
  gptqQuantize,
  type GptqOptions,
  type GptqResult,
  type InverseFactor,
} from '../src/quant/gptq.js';
import { groupsPerRow, minWidthOf, scaleExponentFor, scaleLadder, SCALE_CODES } from '../src/quant/groups.js';
import { gridParts, linearParts, spans } from './_chunks.js';
import { checkArray, runKernel, sized, type KernelOptions, type KernelRun } from './_run.js';
import { wgslSource } from './_wgsl.js';
import type { ChunkLimits, GpuRuntime } from './device.js';
import { KernelLimitError } from './errors.js';

const KERNEL = 'gptq';
const BLOCK_KERNEL = 'gptq-block';
const UPDATE_KERNEL = 'gptq-update';
const WHERE = 'gptqOnDevice';
const TILE = 64;
const LADDER_BYTES = SCALE_CODES * 4;

/** What the GPU column loop needs besides W and U: the twin's settings, resolved. */
export interface GptqPlan {
  groupSize: number;
  /** Width per group, rows·⌈cols/groupSize⌉. */
  widths: Uint8Array;
  /** Columns per lazy-update block, a multiple of groupSize. */
  blockSize: number;
  /** The scale ladder's top. */
  scaleExp: number;
  /** The diag(H)-weighted clipping search of groups.ts chooseGrid. */
  clip: boolean;
  /** diag H (undampened): the clipping search's weights. */
  hdiag: ArrayLike<number>;
}

/** The quantized matrix without `percdamp` (which the host's factorisation decides). */
export type GptqGpuResult = Omit<GptqResult, 'percdamp'>;

/**
 * GPTQ of W (rows × cols, row-major) with Hessian H (cols × cols), as gptqQuantize, on the GPU when
 * there is one, else with gptqQuantize itself. Errors name `options.where` (default 'gptqOnDevice').
 * `factor`, when given, is H's inverse factor computed elsewhere with the same recipe
 * (dampedInverseFactor(H, cols, percdamp, dampRetries, where), e.g. on a worker thread); if it
 * fails, the factor is recomputed here so that the error keeps its class.
 */
export async function gptqOnDevice(
  W: Float32Array,
  rows: number,
  cols: number,
  H: Float64Array,
  options: GptqOptions = {},
  kernelOptions?: KernelOptions,
  factor?: Promise<InverseFactor>,
): Promise<{ result: GptqResult; run: KernelRun }> {
  checkArray(KERNEL, 'W', W, Float32Array, W instanceof Float32Array ? W.length : 0, 'rows × cols');
  checkArray(KERNEL, 'H', H, Float64Array, H instanceof Float64Array ? H.length : 0, 'cols × cols');
  const { where, groupSize, widths, blockSize } = checkGptqInput(W, rows, cols, H, options, WHERE);
  const opts: GptqOptions = { ...options, where };

  let result: GptqResult | undefined;
  let run: KernelRun;
  try {
    run = await runKernel(
      KERNEL,
      kernelOptions,
      async (gpu, limits) => {
        const { U, dead, percdamp } =
          (await factor?.catch(() => undefined)) ??
          dampedInverseFactor(H, cols, opts.percdamp ?? DEFAULT_PERCDAMP, opts.dampRetries ?? DEFAULT_DAMP_RETRIES, where);
        const scaleExp = opts.scaleExp ?? scaleExponentFor(W, minWidthOf(widths), where);
        scaleLadder(scaleExp); // the twin's range check
        const Wk = Float32Array.from(W);
        for (let j = 0; j < cols; j++) if (dead[j]) for (let r = 0; r < rows; r++) Wk[r * cols + j] = 0;
        const hdiag = new Float64Array(cols);
        for (let j = 0; j < cols; j++) hdiag[j] = H[j * cols + j];
        const got = await gptqGpu(gpu, Wk, rows, cols, U, { groupSize, widths, blockSize, scaleExp, clip: opts.clip ?? false, hdiag }, limits, where);
        result = { ...got, percdamp };
      },
      () => {
        result = gptqQuantize(W, rows, cols, H, opts);
      },
    );
  } catch (err) {
    // f32 overflowed where the twin's f64 need not: under 'auto' the twin answers instead.
    if (!(err instanceof GptqOverflowError) || (kernelOptions?.device ?? 'auto') !== 'auto') throw err;
    result = gptqQuantize(W, rows, cols, H, opts);
    run = { ran: 'cpu', reason: err.message };
  }
  return { result: result!, run };
}

/** A weight became non-finite in the GPU's f32 arithmetic (the twin's f64 may still succeed). */
export class GptqOverflowError extends QuantInputError {
  constructor(
    where: string,
    readonly row: number,
    readonly col: number,
  ) {
    super(
      where,
      `weight (${row}, ${col}) is not finite in f32 after GPTQ's error feedback on the GPU (the CPU's f64 may not overflow: use device auto or cpu)`,
    );
  }
}

/**
 * The GPU dispatcher: GPTQ's column loop over W (rows × cols, row-major, dead columns already
 * zeroed) given U (cols × cols, upper). Outputs are assembled only after every chunk came back.
 */
export async function gptqGpu(
  gpu: GpuRuntime,
  W: Float32Array,
  rows: number,
  cols: number,
  U: Float64Array,
  plan: GptqPlan,
  limits: ChunkLimits = gpu.limits,
  where = WHERE,
): Promise<GptqGpuResult> {
  const { groupSize, widths, scaleExp } = plan;
  const G = groupsPerRow(cols, groupSize);
  const L = limits.maxBindingBytes;
  const rowBytes = cols * 4;
  if (rowBytes > L) throw new KernelLimitError(KERNEL, `one row of W or U (${cols} floats, ${rowBytes} bytes) exceeds the device's ${L}-byte storage binding`);
  if (LADDER_BYTES > L)
    throw new KernelLimitError(KERNEL, `the ${SCALE_CODES}-rung scale ladder (${LADDER_BYTES} bytes) exceeds the device's ${L}-byte storage binding`);
  const fitRows = Math.floor(L / rowBytes);
  // Block size: the plan's, or the most whole groups whose rows of U fit one binding.
  let B = Math.min(plan.blockSize, Math.ceil(cols / groupSize) * groupSize);
  if (B > fitRows) {
    B = Math.floor(fitRows / groupSize) * groupSize;
    if (B < groupSize)
      throw new KernelLimitError(KERNEL, `one group's ${groupSize} rows of U (${groupSize * rowBytes} bytes) exceed the device's ${L}-byte storage binding`);
  }
  const panelRows = cols <= fitRows ? cols : Math.floor(fitRows / B) * B;
  const blocks = spans(cols, B);
  const [blockPipe, updatePipe] = await Promise.all([
    gpu.pipeline(BLOCK_KERNEL, wgslSource(BLOCK_KERNEL)),
    gpu.pipeline(UPDATE_KERNEL, wgslSource(UPDATE_KERNEL)),
  ]);

  const codes = new Uint8Array(rows * cols);
  const scaleCodes = new Uint8Array(rows * G);
  const zeros = new Uint8Array(rows * G);
  const groupLoss = new Float64Array(rows * G);

  const owned: GPUBuffer[] = [];
  try {
    const panels = spans(cols, panelRows).map(([u0, n]) => {
      const buf = gpu.upload(Float32Array.from(U.subarray(u0 * cols, (u0 + n) * cols)));
      owned.push(buf);
      return { u0, n, buf };
    });
    const panelOf = (i1: number) => panels.find((pn) => i1 >= pn.u0 && i1 < pn.u0 + pn.n)!;
    const ladderBuf = gpu.upload(scaleLadder(scaleExp));
    const hBuf = gpu.upload(Float32Array.from(plan.hdiag));
    owned.push(ladderBuf, hBuf);

    for (const [r0, R] of spans(rows, fitRows)) {
      const chunk: GPUBuffer[] = [];
      try {
        const Wt = new Float32Array(cols * R);
        for (let r = 0; r < R; r++) {
          const src = (r0 + r) * cols;
          for (let c = 0; c < cols; c++) Wt[c * R + r] = W[src + c];
        }
        const gridIn = new Uint32Array(R * G);
        for (let i = 0; i < R * G; i++) gridIn[i] = widths[r0 * G + i] << 16;
        const wBuf = gpu.upload(Wt);
        const gBuf = gpu.upload(gridIn);
        const lBuf = gpu.acquire(R * G * 4, 'storage');
        const errBytes = Math.min(B, cols) * R * 4; // a block never holds more than cols columns
        const eBuf = gpu.acquire(errBytes, 'storage');
        const bBuf = gpu.upload(new Uint32Array(R));
        chunk.push(wBuf, gBuf, lBuf, eBuf, bBuf);

        // Every dispatch's parameters, in one uniform buffer.
        const rowParts = linearParts(R, 64, limits.maxWorkgroupsPerDimension);
        const params: Uint32Array[] = [];
        const plans = blocks.map(([i1, width]) => {
          const i2 = i1 + width;
          const panel = panelOf(i1);
          const first = params.length;
          for (const d of rowParts) params.push(new Uint32Array([R, cols, i1, i2, panel.u0, groupSize, G, plan.clip ? 1 : 0, d.base, scaleExp >>> 0, 0, 0]));
          const tiles = i2 < cols ? gridParts(Math.ceil(R / TILE), Math.ceil((cols - i2) / TILE), limits.maxWorkgroupsPerDimension) : [];
          const firstUpdate = params.length;
          for (const t of tiles) params.push(new Uint32Array([R, cols, i1, width, i2, panel.u0, t.y0, t.x0]));
          return { panel, first, firstUpdate, tiles };
        });
        const u = gpu.uniforms(params);
        chunk.push(u.buffer);

        const WtOut = new Float32Array(cols * R);
        const gridOut = new Uint32Array(R * G);
        const lossOut = new Float32Array(R * G);
        const badOut = new Uint32Array(R);
        for (let b = 0; b < blocks.length; b++) {
          const { panel, first, firstUpdate, tiles } = plans[b];
          const pBind = sized(panel.buf, panel.n * rowBytes);
          const last = b === blocks.length - 1;
          // One submission per block keeps each command buffer short (no watchdog on a real GPU).
          await gpu.run(
            KERNEL,
            (encoder) => {
              const pass = encoder.beginComputePass({ label: KERNEL });
              pass.setPipeline(blockPipe);
              rowParts.forEach((d, i) => {
                pass.setBindGroup(
                  0,
                  gpu.bindGroup(blockPipe, [
                    u.slot(first + i),
                    sized(wBuf, cols * R * 4),
                    pBind,
                    sized(ladderBuf, LADDER_BYTES),
                    sized(hBuf, cols * 4),
                    sized(gBuf, R * G * 4),
                    sized(lBuf, R * G * 4),
                    sized(eBuf, errBytes),
                    sized(bBuf, R * 4),
                  ]),
                );
                pass.dispatchWorkgroups(d.nx, d.ny);
              });
              if (tiles.length > 0) {
                pass.setPipeline(updatePipe);
                tiles.forEach((t, i) => {
                  pass.setBindGroup(0, gpu.bindGroup(updatePipe, [u.slot(firstUpdate + i), pBind, sized(eBuf, errBytes), sized(wBuf, cols * R * 4)]));
                  pass.dispatchWorkgroups(t.nx, t.ny);
                });
              }
              pass.end();
            },
            last
              ? [
                  { from: wBuf, bytes: cols * R * 4, into: WtOut },
                  { from: gBuf, bytes: R * G * 4, into: gridOut },
                  { from: lBuf, bytes: R * G * 4, into: lossOut },
                  { from: bBuf, bytes: R * 4, into: badOut },
                ]
              : [],
          );
        }

        // A group that held a non-finite value (possible only when f32 overflows where the twin's
        // f64 did not): the earliest in the twin's order — by block, then row — is reported.
        let first: [number, number] | null = null;
        for (let r = 0; r < R; r++) {
          if (badOut[r] === 0) continue;
          const c = badOut[r] - 1;
          if (first === null || Math.floor(c / B) < Math.floor(first[1] / B)) first = [r0 + r, c];
        }
        if (first) throw new GptqOverflowError(where, first[0], first[1]);

        for (let r = 0; r < R; r++) {
          const dst = (r0 + r) * cols;
          for (let c = 0; c < cols; c++) codes[dst + c] = WtOut[c * R + r];
        }
        for (let i = 0; i < R * G; i++) {
          const g = r0 * G + i;
          scaleCodes[g] = gridOut[i] & 0xff;
          zeros[g] = (gridOut[i] >>> 8) & 0xff;
          groupLoss[g] = lossOut[i];
        }
      } finally {
        chunk.forEach((buf) => gpu.release(buf));
      }
    }
  } finally {
    owned.forEach((buf) => gpu.release(buf));
  }
  return { rows, cols, groupSize, widths: Uint8Array.from(widths), codes, scaleExp, scaleCodes, zeros, groupLoss };
}
