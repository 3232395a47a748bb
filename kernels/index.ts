/**
 * dnarchive kernels: WebGPU (Dawn) compute kernels for the quantizer, each with a plain-TypeScript
 * twin that is both its reference and the CPU fallback.
 */
export { getDevice, closeDevice, GpuRuntime, type AdapterReport, type ChunkLimits, type DeviceChoice, type KernelDevice, type RuntimeStats } from './device.js';
export type { KernelOptions, KernelRun } from './_run.js';
export { GpuUnavailableError, ShaderCompileError, GpuKernelError, KernelShapeError, KernelLimitError } from './errors.js';
export { hessianAccumulate, hessianAccumulateTs, hessianAccumulateGpu, type HessianShape } from './hessian.js';
export { matmul, linear, matmulTs, matmulGpu, type MatmulShape, type LinearShape } from './matmul.js';
export { quantizeGroups, quantizeGroupsGpu, type QuantizeGroupsOptions } from './quantize.js';
export { dequantizeGroups, dequantizeGroupsGpu } from './dequantize.js';
export { packCodes, packCodesGpu, type PackShape } from './bitpack.js';
export { groupCostsOnDevice, groupErrorsGpu } from './group-costs.js';
export { gptqOnDevice, gptqGpu, GptqOverflowError, type GptqPlan, type GptqGpuResult } from './gptq.js';
