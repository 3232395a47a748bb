/** Paths to the shared stories260K model, its tokenizer and the TinyStories sample (never copied into the repo). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const SHARED = resolve(__dirname, '../../../shared');
export const MODEL = `${SHARED}/models/stories260K/stories260K.bin`;
export const TOKENIZER = `${SHARED}/models/stories260K/tok512.bin`;
export const TEXT = `${SHARED}/data/tinystories-valid-sample.txt`;

for (const f of [MODEL, TOKENIZER, TEXT]) {
  if (!existsSync(f)) throw new Error(`missing ${f}: the model tests read stories260K and the TinyStories sample from ../shared (see the NOTICE files there)`);
}

/** The sentence the model's NOTICE quotes for greedy decoding from BOS. */
export const NOTICE_SENTENCE =
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.';
