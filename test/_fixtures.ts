/** The fixtures shipped in test/fixtures (see its NOTICE.md): stories260K, its tokenizer, the TinyStories sample. */
import { fileURLToPath } from 'node:url';

const at = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const MODEL = at('stories260K.bin');
export const TOKENIZER = at('tok512.bin');
export const TEXT = at('tinystories-valid-sample.txt');

/** The sentence the model's NOTICE quotes for greedy decoding from BOS. */
export const NOTICE_SENTENCE =
  'Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.';
