/** Greedy decoding (temperature 0), to look at what a model writes. */
import type { LlamaModel } from './llama.js';
import { Transformer, argmax } from './transformer.js';
import { BOS, type Tokenizer } from './tokenizer.js';

export function generate(model: LlamaModel, tokenizer: Tokenizer, prompt = '', steps = 200): string {
  const t = new Transformer(model);
  const promptTokens = prompt ? tokenizer.encode(prompt, true) : [BOS];
  const out = [...promptTokens];
  let token = promptTokens[0];
  const limit = Math.min(steps, model.config.seqLen);
  for (let pos = 0; pos < limit; pos++) {
    const logits = t.forward(token, pos);
    token = pos + 1 < promptTokens.length ? promptTokens[pos + 1] : argmax(logits);
    if (pos + 1 >= promptTokens.length) out.push(token);
  }
  return tokenizer.decode(out);
}
