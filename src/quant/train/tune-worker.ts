/**
 * Piscina worker entry for fine-tuning (tune-workers.ts): the gradient of one sampled sequence,
 * by exactly the code the calling thread runs (distill.ts sequenceGradient). The training pass's
 * buffers are kept between jobs of the same shape.
 */
import { DnarchiveError } from '../../errors.js';
import type { LlamaConfig } from '../model/llama.js';
import { teacherStepper } from './teacher-stepper.js';
import { sequenceGradient, type SequenceSource } from './distill.js';
import { viewModel } from './flat-model.js';
import { LlamaGrad } from './llama-grad.js';

export interface TuneJob {
  config: LlamaConfig;
  teacher: Float32Array;
  student: Float32Array;
  source: SequenceSource;
  maxTokens: number;
}

export type TuneJobResult = { ok: true; grads: Float32Array; kl: number; positions: number } | { ok: false; code: string; message: string };

let cached: { key: string; grad: LlamaGrad; teacher: LlamaGrad } | undefined;

export default function run(job: TuneJob): TuneJobResult {
  try {
    const key = `${JSON.stringify(job.config)}:${job.maxTokens}`;
    if (cached?.key !== key) cached = { key, grad: new LlamaGrad(job.config, job.maxTokens), teacher: new LlamaGrad(job.config, job.maxTokens) };
    const grads = new Float32Array(job.student.length);
    const teacher = teacherStepper(viewModel(job.config, job.teacher), job.maxTokens, cached.teacher);
    const r = sequenceGradient(teacher, viewModel(job.config, job.student), cached.grad, job.source, job.maxTokens, grads);
    return { ok: true, grads, ...r };
  } catch (err) {
    if (err instanceof DnarchiveError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}
