/**
 * tokenizer.bin as llama2.c's exporter writes it (spec quant.md §10.3): int32 max_token_length,
 * then per token a float32 score, an int32 length and that many bytes. The token count is not
 * stored: it is the model's vocab_size, so a mismatch shows as a short or over-long file.
 */
import { readModelFile } from '../model/_file.js';
import { ModelFormatError } from '../model/errors.js';
import { Tokenizer } from './tokenizer.js';

export function readTokenizer(path: string, vocabSize: number): Tokenizer {
  const bytes = readModelFile(path, ' (pass --tokenizer)');
  return parseTokenizer(bytes, vocabSize, path);
}

export function parseTokenizer(bytes: Uint8Array, vocabSize: number, file = 'tokenizer'): Tokenizer {
  if (!Number.isInteger(vocabSize) || vocabSize < 3) throw new ModelFormatError(file, `vocab size ${vocabSize}: expected an integer ≥ 3 (<unk>, <s>, </s>)`);
  if (bytes.length < 4) throw new ModelFormatError(file, `${bytes.length} bytes: too short for a tokenizer.bin header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const maxTokenLength = dv.getInt32(0, true);
  if (maxTokenLength <= 0 || maxTokenLength > 1 << 16)
    throw new ModelFormatError(file, `max_token_length ${maxTokenLength}: expected 1 … 65536 (not a llama2.c tokenizer.bin?)`);
  const pieces: Uint8Array[] = [];
  const scores = new Float32Array(vocabSize);
  let at = 4;
  for (let i = 0; i < vocabSize; i++) {
    if (at + 8 > bytes.length) throw new ModelFormatError(file, `ends after ${i} of ${vocabSize} tokens (truncated, or a tokenizer for a smaller vocabulary)`);
    scores[i] = dv.getFloat32(at, true);
    if (Number.isNaN(scores[i])) throw new ModelFormatError(file, `token ${i}: score is NaN`);
    const len = dv.getInt32(at + 4, true);
    if (len < 0 || len > maxTokenLength || at + 8 + len > bytes.length)
      throw new ModelFormatError(file, `token ${i}: length ${len} is invalid (max_token_length ${maxTokenLength}, ${bytes.length - at - 8} bytes left)`);
    pieces.push(bytes.slice(at + 8, at + 8 + len));
    at += 8 + len;
  }
  if (at !== bytes.length) throw new ModelFormatError(file, `${bytes.length - at} bytes left after ${vocabSize} tokens: a tokenizer for a larger vocabulary?`);
  return new Tokenizer(pieces, scores, maxTokenLength);
}
