/**
 * The tuner's teacher: the fp32 model run position by position, to sample text from it and to
 * read its distribution along real text. Sampling is as much work per token as the student's
 * forward pass, so where the SIMD training pass can run it (LlamaGrad.step), the teacher runs on
 * it too; otherwise on the per-token Transformer. The two agree to float rounding, not bit for
 * bit, so sampled tokens depend on which one ran — but each is deterministic and the choice
 * depends only on the model's shape and the runtime, never on the thread count.
 */
import type { LlamaModel } from '../model/llama.js';
import { Transformer } from '../model/transformer.js';
import { LlamaGrad } from './llama-grad.js';

/** Logits after `token` at `pos`; positions in order from 0 within a sequence. */
export interface TokenStepper {
  forward(token: number, pos: number): Float32Array;
}

/**
 * The fastest stepper for `model` over sequences of at most maxT tokens; `grad` lets a caller that
 * swaps models (a tuning worker) keep one training pass between them.
 */
export function teacherStepper(model: LlamaModel, maxT: number, grad = new LlamaGrad(model.config, maxT)): TokenStepper {
  return grad.usesSimd ? new GradStepper(grad, model) : new Transformer(model);
}

/** LlamaGrad.step behind the TokenStepper interface. */
export class GradStepper implements TokenStepper {
  constructor(
    private readonly grad: LlamaGrad,
    private readonly model: LlamaModel,
  ) {}

  forward(token: number, pos: number): Float32Array {
    return this.grad.step(this.model, token, pos);
  }
}
