/**
 * Errors of the WebGPU kernel layer. Each names the kernel or the adapter and carries Dawn's own
 * words, so that a CLI user sees one actionable line.
 */
import { DnarchiveError } from '../src/errors.js';

/** `device: 'gpu'` was asked for but no WebGPU device could be made (or it was lost). */
export class GpuUnavailableError extends DnarchiveError {
  constructor(readonly reason: string) {
    super('GPU_UNAVAILABLE', `WebGPU device unavailable: ${reason} (use --device auto or cpu to run the TypeScript kernels)`);
  }
}

/** A WGSL source did not compile; `messages` are Dawn's compilation messages. */
export class ShaderCompileError extends DnarchiveError {
  constructor(
    readonly kernel: string,
    readonly messages: string[],
  ) {
    super('SHADER_COMPILE', `kernel ${kernel}: WGSL did not compile: ${messages.join('; ')}`);
  }
}

/** The GPU reported an error (validation, out of memory, device lost) while a kernel ran. */
export class GpuKernelError extends DnarchiveError {
  constructor(
    readonly kernel: string,
    detail: string,
  ) {
    super('GPU_KERNEL', `kernel ${kernel}: ${detail}`);
  }
}

/** Arguments whose lengths do not match the declared shape. */
export class KernelShapeError extends DnarchiveError {
  constructor(
    readonly kernel: string,
    readonly argument: string,
    detail: string,
  ) {
    super('KERNEL_SHAPE', `kernel ${kernel}: ${argument}: ${detail}`);
  }
}

/** One row of an operand is larger than the device can bind, so no chunking can help. */
export class KernelLimitError extends DnarchiveError {
  constructor(
    readonly kernel: string,
    detail: string,
  ) {
    super('KERNEL_LIMIT', `kernel ${kernel}: ${detail}`);
  }
}
