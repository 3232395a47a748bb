export { ModelFormatError } from './errors.js';
export { LINEAR_NAMES, linearShape, cloneModel, type LinearName, type LlamaConfig, type LlamaLayer, type LlamaModel } from './llama.js';
export { readLlama2c, parseLlama2c, serializeLlama2c, writeLlama2c, readRopeTables, llama2cFloats } from './llama2c.js';
export { Transformer, argmax, type LinearInputHook } from './transformer.js';
export { Tokenizer, readTokenizer, BOS, EOS } from './tokenizer.js';
export { generate } from './generate.js';
