/** Reads a model or tokenizer file whole; a failure becomes a ModelFormatError naming the file. */
import { readFileSync } from 'node:fs';
import { ModelFormatError } from './errors.js';

export function readModelFile(path: string, missingHint = ''): Uint8Array {
  try {
    const bytes = readFileSync(path);
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ModelFormatError(path, e.code === 'ENOENT' ? `no such file${missingHint}` : e.message);
  }
}
