/**
 * dnarchive/quant: models in and out (llama2.c, safetensors), the tokenizer, the quantizer (Hessians,
 * RTN, GPTQ, bit allocation, archive mode), the `.dnq` container, evaluation and fine-tuning.
 */
export { f32ToF16, f16ToF32, F16_TABLE, F16_MAX } from './f16.js';
export { HessianAccumulator, HessianCollector, DiagonalAccumulator, dampHessian, type DampedHessian } from './hessian.js';
export { inverseUpperCholesky } from './cholesky.js';
export {
  DEFAULT_GROUP_SIZE,
  SCALE_CODE_BITS,
  groupStoredBits,
  scaleLadder,
  scaleExponentFor,
  groupsPerRow,
  groupSizes,
  widthFieldBits,
  groupBits,
  dequantizeMatrix,
  type QuantizedMatrix,
} from './groups.js';
export { rtnQuantize, layerLoss, type RtnOptions } from './rtn.js';
export { gptqQuantize, type GptqOptions, type GptqResult } from './gptq.js';
export {
  measureGroupCosts,
  concatGroupCosts,
  equalLossRates,
  allocateBits,
  type GroupCosts,
  type MeasureOptions,
  type EqualLossSolution,
  type AllocateOptions,
  type Allocation,
} from './allocate.js';
export { packBits, unpackBits, packGroupedCodes, unpackGroupedCodes, groupedCodeBits, packedBits } from './bitpack.js';
export {
  writeDnq,
  readDnq,
  dnqManifestBytes,
  dequantizeDnq,
  dnqManifestSchema,
  DNQ_MAGIC,
  type DnqInput,
  type DnqTensorInput,
  type DnqTensor,
  type DnqArchive,
  type DnqManifest,
} from './dnq.js';
export { dnqAccounting, type DnqAccounting } from './accounting.js';
export { NotPositiveDefiniteError, QuantInputError, BudgetError, BitPackError, DnqFormatError } from './errors.js';
export { MatrixWorkers, MatrixWorkerError } from './matrix-workers.js';
export {
  quantizeMatrices,
  measureAllocation,
  bestGroupSize,
  cpuEngine,
  type MatrixEngine,
  type MatrixInput,
  type QuantizeMatricesOptions,
  type QuantizeMatricesResult,
} from './pipeline.js';
export * from './model/index.js';
export { splitStories, readStories, CALIBRATION_STORIES, EVALUATION_STORIES, type StorySplit } from './eval/split.js';
export { evaluate, type EvalResult } from './eval/metrics.js';
export { ecsqQuantize, dequantizeEcsq, ecsqAtBudget, type EcsqMatrix, type EcsqOptions, type EcsqInput, type EcsqBudgetResult } from './ecsq.js';
export {
  encodeEcsqStream,
  decodeEcsqStream,
  RangeEncoder,
  RangeDecoder,
  contexts as rangeContexts,
  EntropyInputError,
  EntropyStreamError,
  encodeCodes,
  decodeCodes,
} from './entropy/index.js';
export {
  quantizeModel,
  MAX_RATE_HEADROOM,
  MAX_TUNE_RESTARTS,
  measureImportance,
  calibrate,
  uniformLayout,
  linearBitsPerWeight,
  modelFromDnq,
  type QuantizeModelOptions,
  type QuantizedModel,
  type Calibrated,
} from './quantize-model.js';
export * from './tokenizer/index.js';
export {
  quantizeModelOnDevice,
  calibrateOnDevice,
  calibrateWithKernels,
  deviceEngine,
  calibrationSequences,
  resolveDevice,
  describeDevice,
  DEVICE_CHOICES,
  type DeviceChoice,
  type DeviceReport,
} from './quantize-device.js';
export { forwardBatched, type BatchedLinear, type BatchedInputHook } from './model/batched-forward.js';
export { LlamaGrad, zeroGrads } from './train/llama-grad.js';
export { Adam } from './train/adam.js';
export {
  fineTune,
  sequenceGradient,
  sequenceSeed,
  matchedTemperature,
  DEFAULT_TEXT_SHARE,
  DEFAULT_SAMPLE_TEMPERATURE,
  DEFAULT_LATENT_RATE,
  DEFAULT_RATE_HEADROOM,
  type TuneOptions,
  type TuneResult,
  type TuneTarget,
  type SequenceRunner,
  type SequenceSource,
} from './train/distill.js';
export { matchTemperature, textNll, MATCH_TEMPERATURE_RANGE, type MatchedTemperature, type TemperatureSampler } from './train/sample-temperature.js';
export { TuneWorkers, TuneWorkerError } from './train/tune-workers.js';
export { teacherStepper, GradStepper, type TokenStepper } from './train/teacher-stepper.js';
export { TrainSimd, simdAvailable } from './train/train-simd.js';
export { flattenModel, viewModel, flatLength } from './train/flat-model.js';
export { groupGrid, ecsqGrid, gridCodes, projectToGrid, type WeightGrid } from './train/weight-grid.js';
export { tuneQuantized, type QuantizedLinear, type TuneCandidate, type TuneReport, type TunedQuantized } from './train/tune-quantized.js';
