export { Tokenizer, BOS, EOS } from './tokenizer.js';
export { readTokenizer, parseTokenizer } from './read.js';
