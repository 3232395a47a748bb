/**
 * One interface behind which model formats sit: each reader says whether a file's first bytes
 * look like its format and turns the bytes into a LlamaModel. `readModel` picks the reader, so a
 * caller (CLI, quantizer, evaluation) never branches on the format.
 */
import { existsSync } from 'node:fs';
import { readModelFile } from './_file.js';
import { dirname, join } from 'node:path';
import { ModelFormatError } from './errors.js';
import type { LlamaModel } from './llama.js';
import { parseLlama2c } from './llama2c.js';
import { looksLikeSafetensors } from './safetensors.js';
import { parseSafetensorsModel, type SafetensorsModelOptions } from './safetensors-llama.js';

export type ReadModelOptions = SafetensorsModelOptions;

export interface ModelReader {
  /** Short name used in messages. */
  readonly format: string;
  /** Whether `bytes` (the whole file) starts like this format. */
  detect(bytes: Uint8Array): boolean;
  parse(bytes: Uint8Array, file: string, options: ReadModelOptions): LlamaModel;
}

export const safetensorsReader: ModelReader = {
  format: 'safetensors',
  detect: looksLikeSafetensors,
  parse: (bytes, file, options) => parseSafetensorsModel(bytes, file, options),
};

/** llama2.c v0 has no magic number: it is what remains, and its parser explains a mismatch. */
export const llama2cReader: ModelReader = {
  format: 'llama2.c v0',
  detect: () => true,
  parse: (bytes, file) => parseLlama2c(bytes, file),
};

/** In detection order; the last one takes anything. */
export const MODEL_READERS: readonly ModelReader[] = [safetensorsReader, llama2cReader];

export function parseModel(bytes: Uint8Array, file = 'model', options: ReadModelOptions = {}): LlamaModel {
  if (bytes.length >= 4 && bytes[0] === 0x44 && bytes[1] === 0x4e && bytes[2] === 0x51 && bytes[3] === 0x31) {
    throw new ModelFormatError(file, 'a .dnq container, not a float model: read it with readDnq and modelFromDnq (or `dnarchive dequantize` it)');
  }
  const reader = MODEL_READERS.find((r) => r.detect(bytes)) ?? llama2cReader;
  return reader.parse(bytes, file, options);
}

/**
 * A model file in any format a reader knows (llama2.c .bin or safetensors). A Hugging Face
 * config.json beside the file supplies what safetensors tensors cannot tell (head count, context).
 */
export function readModel(path: string, options: ReadModelOptions = {}): LlamaModel {
  const bytes = readModelFile(path);
  const beside = join(dirname(path), 'config.json');
  const configJson = options.configJson ?? (existsSync(beside) ? beside : undefined);
  return parseModel(bytes, path, { ...options, configJson });
}
