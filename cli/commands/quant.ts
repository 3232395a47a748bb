/** `dnarchive quantize / eval / dequantize / generate`: the quantizer on llama2.c models. */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import {
  evaluate,
  generate,
  modelFromDnq,
  quantizeModel,
  readDnq,
  readLlama2c,
  readModel,
  readStories,
  readTokenizer,
  serializeLlama2c,
  type LlamaModel,
} from '../../src/quant/index.js';
import { OptionError } from '../../src/validate.js';
import { parseOption } from '../options.js';
import { printJson, readInput, writeOutput } from '../io.js';

const budget = z.string().regex(/^\d*\.?\d+$/, '--bits must be a number').transform(Number).pipe(z.number().min(1, '--bits must be at least 1').max(16, '--bits must be at most 16'));

/** A llama2.c .bin, a safetensors file or a .dnq container, as a float32 model. */
async function loadModel(path: string): Promise<LlamaModel> {
  const head = await readInput(path, 4); // also a clear error for a missing file, a directory, no permission
  if (new TextDecoder().decode(head) === 'DNQ1') return modelFromDnq(readDnq(await readInput(path), path), path);
  return readModel(path);
}

function tokenizerFor(modelPath: string, option: string | undefined, vocab: number) {
  const path = option ?? join(dirname(modelPath), 'tok512.bin');
  if (!option && !existsSync(path)) throw new OptionError('dnarchive', '--tokenizer', `no tokenizer given and none at ${path}`);
  return readTokenizer(path, vocab);
}

export function registerQuant(program: Command): void {
  program
    .command('quantize')
    .description('quantize a llama2.c model under an exact all-in bit budget (GPTQ + allocated widths by default) into a .dnq container')
    .argument('<model>', 'llama2.c checkpoint (.bin)')
    .requiredOption('-o, --output <file>', 'output .dnq')
    .requiredOption('--calib <text>', 'calibration text, one story per line (the first 9 stories are used)')
    .option('--bits <b>', 'all-in bits per weight over the linear layers (codes, f16 scales and zero points, widths)', '4')
    .option('--method <m>', 'gptq or rtn', 'gptq')
    .option('--uniform', 'one width for every group instead of allocated widths')
    .option('--tokenizer <file>', 'tokenizer.bin (default: tok512.bin beside the model)')
    .option('--force', 'overwrite the output file if it exists')
    .option('--json', 'print a JSON summary')
    .action(async (input: string, o: { output: string; calib: string; bits: string; method: string; uniform?: boolean; tokenizer?: string; force?: boolean; json?: boolean }) => {
      const bits = parseOption(budget, o.bits, '--bits');
      const method = parseOption(z.enum(['gptq', 'rtn'], { message: "--method must be 'gptq' or 'rtn'" }), o.method, '--method');
      const model = readLlama2c(input);
      const tok = tokenizerFor(input, o.tokenizer, model.config.vocabSize);
      const split = readStories(o.calib);
      const started = performance.now();
      const q = quantizeModel(model, tok, split.calibration, { method, budgetBitsPerWeight: bits, allocate: !o.uniform });
      await writeOutput(o.output, q.dnq, Boolean(o.force));
      const summary = {
        output: o.output,
        method: o.uniform ? method : `${method}+allocation`,
        budgetBitsPerWeight: bits,
        bitsPerWeight: q.bitsPerWeight,
        groupSize: q.groupSize,
        uniformBits: q.uniform?.bits,
        calibrationTokens: q.calibrationTokens,
        bytes: q.dnq.length,
        seconds: (performance.now() - started) / 1000,
      };
      if (o.json) printJson(summary);
      else if (o.output !== '-')
        process.stderr.write(
          `quantized ${input} (${summary.method}, groups of ${q.groupSize}${q.uniform ? `, ${q.uniform.bits}-bit codes` : ''}) to ${q.bitsPerWeight.toFixed(4)} bits/weight all-in (budget ${bits}), ` +
            `${q.calibrationTokens} calibration tokens, ${q.dnq.length} bytes, ${summary.seconds.toFixed(1)} s → ${o.output}\n`,
        );
    });

  program
    .command('eval')
    .description('perplexity, KL divergence to the fp32 model and top-1 agreement on the evaluation stories (the last 9)')
    .argument('<model>', '.dnq container or llama2.c checkpoint')
    .requiredOption('--text <file>', 'text, one story per line')
    .option('--reference <file>', 'fp32 llama2.c checkpoint to compare with (default: the model itself)')
    .option('--tokenizer <file>', 'tokenizer.bin (default: tok512.bin beside the reference or model)')
    .option('--json', 'print JSON')
    .action(async (input: string, o: { text: string; reference?: string; tokenizer?: string; json?: boolean }) => {
      const candidate = await loadModel(input);
      const reference = o.reference ? readLlama2c(o.reference) : candidate;
      const tok = tokenizerFor(o.reference ?? input, o.tokenizer, reference.config.vocabSize);
      const r = evaluate(reference, candidate, tok, readStories(o.text).evaluation);
      if (o.json) printJson(r);
      else
        process.stdout.write(
          `perplexity ${r.perplexity.toFixed(3)} (reference ${r.referencePerplexity.toFixed(3)}), mean KL ${r.meanKl.toFixed(4)} nats, top-1 agreement ${(100 * r.top1Agreement).toFixed(1)}%, ${r.tokens} tokens in ${r.stories} stories\n`,
        );
    });

  program
    .command('dequantize')
    .description('write a .dnq container back as a float32 llama2.c checkpoint that llama2.c runners load')
    .argument('<dnq>', '.dnq container')
    .requiredOption('-o, --output <file>', 'output llama2.c .bin')
    .option('--force', 'overwrite the output file if it exists')
    .action(async (input: string, o: { output: string; force?: boolean }) => {
      const model = modelFromDnq(readDnq(await readInput(input), input), input);
      await writeOutput(o.output, serializeLlama2c(model), Boolean(o.force));
    });

  program
    .command('generate')
    .description('greedy text from a model (.bin or .dnq), to look at')
    .argument('<model>', '.dnq container or llama2.c checkpoint')
    .option('--prompt <text>', 'prompt', '')
    .option('--steps <n>', 'tokens to generate', '200')
    .option('--tokenizer <file>', 'tokenizer.bin (default: tok512.bin beside the model)')
    .action(async (input: string, o: { prompt: string; steps: string; tokenizer?: string }) => {
      const steps = parseOption(z.string().regex(/^\d+$/, '--steps must be a whole number').transform(Number), o.steps, '--steps');
      const model = await loadModel(input);
      const tok = tokenizerFor(input, o.tokenizer, model.config.vocabSize);
      process.stdout.write(`${generate(model, tok, o.prompt, steps)}\n`);
    });
}
