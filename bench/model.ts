/**
 * The model path (src/quant/model, tokenizer, eval) on fp32 stories260K (test/fixtures), one core:
 *   a. forward pass tokens/s at short context (positions 0…63: matrix-vector bound) and over a
 *      full 512-token context (attention over the KV cache grows with the position);
 *   b. tokenizer encode throughput (bytes/s) on the TinyStories sample;
 *   c. the whole evaluation (last 9 stories, 4,372 scored tokens) of the model against itself;
 *   d. fine-tuning's training pass (forward with every activation kept, then backward) over 256
 *      tokens on the TS loops (baseline) and on the WebAssembly SIMD kernels, as ratios to each
 *      other and to the inference forward over the same positions; the tuner's teacher stepping
 *      those positions on the SIMD pass against the inference forward; and whole fine-tuning
 *      steps on one thread against worker threads (the same result either way).
 * Usage: `benchModel({ quick })` prints its table and returns the rows.
 */
import { readFileSync } from 'node:fs';
import { evaluate } from '../src/quant/eval/metrics.js';
import { readStories } from '../src/quant/eval/split.js';
import { readLlama2c } from '../src/quant/model/llama2c.js';
import { Transformer } from '../src/quant/model/transformer.js';
import { LINEAR_NAMES, linearShape } from '../src/quant/model/llama.js';
import { rtnQuantize } from '../src/quant/rtn.js';
import { LlamaGrad, zeroGrads } from '../src/quant/train/llama-grad.js';
import { fineTune } from '../src/quant/train/distill.js';
import { teacherStepper } from '../src/quant/train/teacher-stepper.js';
import { TuneWorkers } from '../src/quant/train/tune-workers.js';
import { groupGrid } from '../src/quant/train/weight-grid.js';
import { readTokenizer } from '../src/quant/tokenizer/index.js';
import { measure, type TimingOptions } from './_timing.js';
import { fixed, renderTable, si } from './_table.js';
import { MODEL, TEXT, TOKENIZER } from './_fixtures.js';

export interface ModelBenchRow {
  what: string;
  size: string;
  seconds: number;
  rate: string;
  note: string;
}

export async function benchModel(options: { quick?: boolean } = {}): Promise<ModelBenchRow[]> {
  const quick = options.quick === true;
  const timing: TimingOptions = quick ? { warmupSeconds: 0.05, minSampleSeconds: 0.1, samples: 3 } : { warmupSeconds: 0.3, minSampleSeconds: 0.5, samples: 5 };
  const model = readLlama2c(MODEL);
  const tokenizer = readTokenizer(TOKENIZER, model.config.vocabSize);
  const textPath = TEXT;
  const text = readFileSync(textPath, 'utf8');
  const rows: ModelBenchRow[] = [];
  const t = new Transformer(model);
  for (const positions of [64, model.config.seqLen]) {
    const r = measure(() => {
      for (let p = 0; p < positions; p++) t.forward((p * 37) % model.config.vocabSize, p);
    }, timing);
    rows.push({
      what: 'forward pass',
      size: `positions 0…${positions - 1}`,
      seconds: r.seconds,
      rate: `${si(positions / r.seconds)} tok/s`,
      note: `spread ${fixed(100 * r.spread, 0)}%`,
    });
  }
  const bytes = Buffer.byteLength(text);
  const enc = measure(() => text.split('\n').map((l) => tokenizer.encode(l.trim())), timing);
  rows.push({
    what: 'tokenizer encode',
    size: `${bytes} bytes`,
    seconds: enc.seconds,
    rate: `${si(bytes / enc.seconds)} B/s`,
    note: 'heap BPE, run.c semantics',
  });
  const split = readStories(textPath);
  const started = performance.now();
  const e = evaluate(model, model, tokenizer, quick ? split.evaluation.slice(-1) : split.evaluation);
  const seconds = (performance.now() - started) / 1000;
  rows.push({
    what: 'evaluate (self)',
    size: `${e.tokens} tokens`,
    seconds,
    rate: `${si(e.tokens / seconds)} tok/s`,
    note: `perplexity ${fixed(e.perplexity, 4)}`,
  });
  const T = 256;
  const tokens = Array.from({ length: T }, (_, p) => (p * 37) % model.config.vocabSize);
  const inference = measure(() => {
    for (let p = 0; p < T; p++) t.forward(tokens[p], p);
  }, timing);
  const grads = zeroGrads(model);
  const dLogits = new Float32Array(T * model.config.vocabSize).fill(1e-4);
  const pass = (simd: boolean): ReturnType<typeof measure> => {
    const grad = new LlamaGrad(model.config, T, { simd });
    return measure(() => {
      grad.forward(model, tokens, T);
      grad.backward(model, dLogits, grads);
    }, timing);
  };
  const trainingTs = pass(false);
  const training = pass(true);
  rows.push({
    what: 'training pass, TS loops',
    size: `${T} tokens`,
    seconds: trainingTs.seconds,
    rate: `${si(T / trainingTs.seconds)} tok/s`,
    note: `baseline; ${fixed(trainingTs.seconds / inference.seconds, 2)}× the inference forward (${fixed(inference.seconds, 4)} s)`,
  });
  rows.push({
    what: 'training pass, WASM SIMD',
    size: `${T} tokens`,
    seconds: training.seconds,
    rate: `${si(T / training.seconds)} tok/s`,
    note: `${fixed(trainingTs.seconds / training.seconds, 2)}× the baseline; ${fixed(training.seconds / inference.seconds, 2)}× the inference forward`,
  });
  // The tuner's teacher steps position by position like the inference forward, on the SIMD pass.
  const teacher = teacherStepper(model, T);
  const stepping = measure(() => {
    for (let p = 0; p < T; p++) teacher.forward(tokens[p], p);
  }, timing);
  rows.push({
    what: 'teacher stepping, WASM SIMD',
    size: `${T} tokens`,
    seconds: stepping.seconds,
    rate: `${si(T / stepping.seconds)} tok/s`,
    note: `${fixed(inference.seconds / stepping.seconds, 2)}× the inference forward (Transformer, the fallback)`,
  });
  const targets = LINEAR_NAMES.flatMap((name) =>
    model.layers.map((_, layer) => {
      const [r, c] = linearShape(model.config, name);
      return { layer, name, grid: groupGrid(rtnQuantize(model.layers[layer][name], r, c, { bits: 3, groupSize: 32 })) };
    }),
  );
  const steps = quick ? 2 : 6;
  const tuneOptions = { steps, sequencesPerStep: 4, maxTokens: 128, validationSequences: 1 };
  let started2 = performance.now();
  const one = await fineTune(model, model, targets, tuneOptions);
  const oneSeconds = (performance.now() - started2) / 1000;
  const workers = new TuneWorkers();
  started2 = performance.now();
  const many = await fineTune(model, model, targets, tuneOptions, workers.runner(model, 128));
  const manySeconds = (performance.now() - started2) / 1000;
  await workers.close();
  const same =
    one.codes.every((c, i) => c.every((v, k) => v === many.codes[i][k])) && one.model.tokenEmbedding.every((v, k) => v === many.model.tokenEmbedding[k]);
  rows.push({
    what: 'fine-tuning, 1 thread',
    size: `${steps} steps × 4 seq`,
    seconds: oneSeconds,
    rate: `${si(one.tokens / oneSeconds)} tok/s`,
    note: 'baseline',
  });
  rows.push({
    what: `fine-tuning, ${workers.threads} threads`,
    size: `${steps} steps × 4 seq`,
    seconds: manySeconds,
    rate: `${si(many.tokens / manySeconds)} tok/s`,
    note: `${fixed(oneSeconds / manySeconds, 2)}× the baseline; same result: ${same}`,
  });
  console.log(
    renderTable(
      [{ header: 'what', align: 'l' }, { header: 'size', align: 'l' }, { header: 'seconds' }, { header: 'rate' }, { header: 'note', align: 'l' }],
      rows.map((r) => [r.what, r.size, fixed(r.seconds, 4), r.rate, r.note]),
    ),
  );
  return rows;
}
