/**
 * Text from a model as run.c's generate loop writes it: the prompt (BOS first) is forced token by
 * token, then each next token is the argmax of the logits (temperature 0, the only sampler here:
 * deterministic, and what llama2.c's test oracle uses); a BOS ends the sequence, and `steps`
 * counts forward passes, prompt included, up to the model's context.
 */
import type { LlamaModel } from './llama.js';
import { Transformer, argmax } from './transformer.js';
import { BOS, type Tokenizer } from '../tokenizer/index.js';
import { QuantInputError } from '../errors.js';

export interface GenerateOptions {
  prompt?: string;
  /** Forward passes, prompt positions included, as run.c's -n (default 256, capped at the context); the sequence holds up to steps + 1 tokens with BOS. */
  steps?: number;
  /** Only 0 (greedy) is implemented. */
  temperature?: 0;
}

export function generateTokens(model: LlamaModel, tokenizer: Tokenizer, options: GenerateOptions = {}): number[] {
  const steps = options.steps ?? 256;
  if (!Number.isInteger(steps) || steps < 0) throw new QuantInputError('generate', `steps ${steps}: expected a whole number ≥ 0`);
  if (options.temperature !== undefined && options.temperature !== 0)
    throw new QuantInputError('generate', `temperature ${String(options.temperature)}: only 0 (greedy) is implemented`);
  const t = new Transformer(model);
  const prompt = tokenizer.encode(options.prompt ?? '', true);
  const out = [prompt[0]];
  let token = prompt[0];
  const limit = Math.min(steps, model.config.seqLen);
  for (let pos = 0; pos < limit; pos++) {
    const logits = t.forward(token, pos);
    const next = pos + 1 < prompt.length ? prompt[pos + 1] : argmax(logits);
    if (next === BOS) break;
    out.push(next);
    token = next;
  }
  return out;
}

/** Greedy text; the two-argument form (prompt, steps) is kept for existing callers. */
export function generate(model: LlamaModel, tokenizer: Tokenizer, options: GenerateOptions | string = {}, steps?: number): string {
  const o = typeof options === 'string' ? { prompt: options, steps } : options;
  return tokenizer.decode(generateTokens(model, tokenizer, o));
}
