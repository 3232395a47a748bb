/** `dnarchive quantize / eval / dequantize / generate`: the quantizer on llama2.c models. */
import type { Command } from 'commander';
import { z } from 'zod';
import { evaluate, generate, modelFromDnq, readLlama2c, readModel, readStories, type LlamaModel } from '../../src/quant/index.js';
import { parseOption } from '../options.js';
import { printJson, readInput, refuseExisting, writeOutput, type CliIo } from '../io.js';
import { addQuantizeOptions, quantizeOptionsFromCli, tokenizerFor, type QuantizeCli } from '../quant-options.js';
import { checkpointFromDnq, formatQuantizeSummary, readDnqFile, runQuantize } from '../quant-run.js';

/** A llama2.c .bin, a safetensors file or a .dnq container, as a float32 model. */
async function loadModel(io: CliIo, path: string): Promise<LlamaModel> {
  const head = await readInput(io, path, 4); // also a clear error for a missing file, a directory, no permission
  if (new TextDecoder().decode(head) === 'DNQ1') return modelFromDnq(readDnqFile(await readInput(io, path), path, io), path);
  return readModel(path);
}

export function registerQuant(program: Command, io: CliIo): void {
  addQuantizeOptions(
    program
      .command('quantize')
      .description('quantize a llama2.c model under an exact all-in bit budget (GPTQ + allocated widths by default) into a .dnq container')
      .argument('<model>', 'llama2.c checkpoint (.bin)')
      .requiredOption('-o, --output <file>', 'output .dnq'),
  )
    .option('--force', 'overwrite the output file if it exists')
    .option('--json', 'print a JSON summary')
    .action(async (input: string, o: QuantizeCli & { output: string; force?: boolean; json?: boolean }) => {
      const options = quantizeOptionsFromCli(o);
      refuseExisting(o.output, Boolean(o.force));
      const { q, summary } = await runQuantize(io, input, options, o);
      await writeOutput(io, o.output, q.dnq, Boolean(o.force));
      if (o.json) printJson(io, { output: o.output, ...summary });
      else if (o.output !== '-') io.stderr.write(`${formatQuantizeSummary(input, summary)} → ${o.output}\n`);
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
      const candidate = await loadModel(io, input);
      const reference = o.reference ? readLlama2c(o.reference) : candidate;
      const tok = tokenizerFor(o.reference ?? input, o.tokenizer, reference.config.vocabSize);
      const r = evaluate(reference, candidate, tok, readStories(o.text).evaluation);
      if (o.json) printJson(io, r);
      else
        io.stdout.write(
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
      await writeOutput(io, o.output, checkpointFromDnq(await readInput(io, input), input, io), Boolean(o.force));
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
      const model = await loadModel(io, input);
      const tok = tokenizerFor(input, o.tokenizer, model.config.vocabSize);
      io.stdout.write(`${generate(model, tok, o.prompt, steps)}\n`);
    });
}
