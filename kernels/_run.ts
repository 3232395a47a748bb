/**
 * The shared front of every kernel: validate the options, check the shapes, pick the device, run
 * the GPU dispatcher or the TypeScript twin, and fall back to the twin when the device is lost.
 */
import { z } from 'zod';
import { parseWith } from '../src/validate.js';
import { getDevice, type ChunkLimits, type DeviceChoice, type GpuRuntime } from './device.js';
import { GpuKernelError, KernelShapeError } from './errors.js';

export interface KernelOptions {
  /** 'auto' (default): the GPU when there is one, else the TypeScript twin. */
  device?: DeviceChoice;
  /** Tighter chunking limits than the device's, to exercise the chunked paths; `vec4Products` picks the product kernel. */
  limits?: Partial<ChunkLimits>;
}

/** Where a kernel call ran. */
export type KernelRun = { ran: 'gpu'; adapter: string } | { ran: 'cpu'; reason: string };

const optionsSchema = z
  .object({
    device: z.enum(['auto', 'gpu', 'cpu']).default('auto'),
    limits: z
      .object({
        maxBindingBytes: z.number().int().min(64).optional(),
        maxWorkgroupsPerDimension: z.number().int().min(1).optional(),
        vec4Products: z.boolean().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export async function runKernel(
  kernel: string,
  options: KernelOptions | undefined,
  onGpu: (gpu: GpuRuntime, limits: ChunkLimits) => Promise<void>,
  onCpu: () => void,
): Promise<KernelRun> {
  const o = parseWith(optionsSchema, options ?? {}, `kernel ${kernel} options`);
  const dev = await getDevice({ device: o.device });
  if (dev.kind === 'cpu') {
    onCpu();
    return { ran: 'cpu', reason: dev.reason };
  }
  try {
    await onGpu(dev.gpu, dev.gpu.chunkLimits(o.limits));
    return { ran: 'gpu', adapter: dev.gpu.adapter.name };
  } catch (err) {
    // GPU paths write their outputs only after every chunk has come back, so rerunning the twin is safe.
    if (o.device === 'auto' && err instanceof GpuKernelError && dev.gpu.lostReason) {
      onCpu();
      return { ran: 'cpu', reason: dev.gpu.lostReason };
    }
    throw err;
  }
}

/** Dimensions must be non-negative safe integers. */
export function checkDims(kernel: string, dims: Record<string, number>): void {
  for (const [name, v] of Object.entries(dims)) {
    if (!Number.isSafeInteger(v) || v < 0) throw new KernelShapeError(kernel, name, `must be a non-negative integer (got ${String(v)})`);
  }
}

type ArrayCtor = Float32ArrayConstructor | Float64ArrayConstructor | Uint32ArrayConstructor | Uint16ArrayConstructor | Uint8ArrayConstructor;

/** `value` must be a `ctor` array of exactly `expected` elements (`shape` explains the number). */
export function checkArray(kernel: string, name: string, value: unknown, ctor: ArrayCtor, expected: number, shape: string): void {
  if (!(value instanceof ctor)) {
    const got = value === null || typeof value !== 'object' ? typeof value : value.constructor.name;
    throw new KernelShapeError(kernel, name, `must be a ${ctor.name} (got ${got})`);
  }
  if (value.length !== expected) throw new KernelShapeError(kernel, name, `has ${value.length} elements, expected ${expected} for ${shape}`);
}

/** A binding of a buffer's first `bytes` (at least 4: WebGPU refuses empty bindings). */
export function sized(buffer: GPUBuffer, bytes: number): GPUBufferBinding {
  return { buffer, size: Math.max(4, bytes) };
}
