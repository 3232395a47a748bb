export { ModelFormatError } from './errors.js';
export { LINEAR_NAMES, linearShape, cloneModel, type LinearName, type LlamaConfig, type LlamaLayer, type LlamaModel } from './llama.js';
export { readLlama2c, parseLlama2c, serializeLlama2c, writeLlama2c, readRopeTables, llama2cFloats } from './llama2c.js';
export {
  parseSafetensors,
  serializeSafetensors,
  f32ToBf16,
  type SafetensorsFile,
  type SafetensorsTensor,
  type SafetensorsInput,
  type SafetensorsDtype,
  type FloatDtype,
} from './safetensors.js';
export {
  llamaFromSafetensors,
  parseSafetensorsModel,
  serializeSafetensorsModel,
  writeSafetensorsModel,
  toHfRopeOrder,
  fromHfRopeOrder,
  type LlamaNaming,
  type SafetensorsModelOptions,
  type WriteSafetensorsOptions,
} from './safetensors-llama.js';
export { readModel, parseModel, MODEL_READERS, llama2cReader, safetensorsReader, type ModelReader, type ReadModelOptions } from './reader.js';
export { Transformer, argmax, type LinearInputHook } from './transformer.js';
export { generate, generateTokens, type GenerateOptions } from './generate.js';
