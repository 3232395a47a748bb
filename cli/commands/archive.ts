/**
 * `dnarchive archive` / `restore`: a model to a DNA pool in one step and back.
 *
 *   archive  ≡ quantize (in memory, no .dnq left behind) + encode of the .dnq bytes
 *   restore  ≡ decode (SHA-256-verified) + a check that the payload is a .dnq + dequantize
 *
 * Both go through the same functions as the single-step commands, so their outputs are
 * byte-identical to running those commands one after the other.
 */
import type { Command } from 'commander';
import { memorySource } from '../../src/pack/index.js';
import { DNQ_MAGIC, readDnq } from '../../src/quant/index.js';
import { InputError, printJson, refuseExisting, writeOutput, type CliIo } from '../io.js';
import { addPoolEncodeOptions, DECODE_PRIMERS_HELP, decodePrimersFromCli, poolOptionsFromCli, type PoolEncodeCli } from '../pool-options.js';
import { decodeReads, formatDecodeReport, formatPoolSummary, poolSummary, writePool } from '../pool-io.js';
import { addQuantizeOptions, quantizeOptionsFromCli, type QuantizeCli } from '../quant-options.js';
import { checkpointFromDnq, formatQuantizeSummary, runQuantize } from '../quant-run.js';

export function registerArchive(program: Command, io: CliIo): void {
  addPoolEncodeOptions(
    addQuantizeOptions(
      program
        .command('archive')
        .description(
          'quantize a llama2.c model (as `quantize --entropy` does: archive mode, unless --fixed) and encode the .dnq container into a synthesis-ready DNA pool (as `encode` does)',
        )
        .argument('<model>', 'llama2.c checkpoint (.bin)')
        .requiredOption('-o, --output <file>', "output pool FASTA, or '-' for stdout"),
      true,
    ),
  )
    .option('--force', 'overwrite the output file if it exists')
    .option('--json', 'print the quantizer and pool summaries as JSON on stdout')
    .action(async (input: string, o: QuantizeCli & PoolEncodeCli & { output: string; force?: boolean; json?: boolean }) => {
      // Every option is checked before the quantizer runs, so a typo costs no time.
      const quant = quantizeOptionsFromCli(o, true);
      const pool = poolOptionsFromCli(o);
      refuseExisting(o.output, Boolean(o.force));
      const { q, summary } = await runQuantize(io, input, quant, o);
      const written = await writePool(io, memorySource(q.dnq), pool, o.output, Boolean(o.force));
      if (o.output === '-') return;
      const report = poolSummary(written.manifest, written.strands);
      if (o.json) printJson(io, { output: o.output, quantize: summary, pool: report });
      else io.stderr.write(`${formatQuantizeSummary(input, summary)}\n${formatPoolSummary(report)}\n  → ${o.output}\n`);
    });

  program
    .command('restore')
    .description(
      'decode reads of a model pool (as `decode` does, SHA-256-verified) and write the model back as a float32 llama2.c checkpoint (as `dequantize` does)',
    )
    .argument('<reads...>', "FASTA or FASTQ reads, plain or gzip: one file, R1 and R2 of a paired-end run, several files, or '-' for stdin")
    .requiredOption('-o, --output <file>', "output llama2.c .bin (or .dnq with --dnq), or '-' for stdout")
    .option('--dnq', 'write the decoded .dnq container itself instead of a llama2.c checkpoint')
    .option('--force', 'overwrite the output file if it exists')
    .option('--primers <left,right>', DECODE_PRIMERS_HELP)
    .option('--json', 'print the decoding report as JSON on stdout')
    .action(async (inputs: string[], o: { output: string; dnq?: boolean; force?: boolean; json?: boolean; primers?: string }) => {
      const input = inputs.join(' + ');
      const primers = decodePrimersFromCli(o.primers);
      refuseExisting(o.output, Boolean(o.force));
      const { data, report } = await decodeReads(io, inputs, { primers });
      if (!isDnq(data))
        throw new InputError(
          input,
          `the pool holds a ${data.length}-byte file that is not a .dnq model container (it does not start with "${DNQ_MAGIC}"); ` +
            `restore only unpacks model archives: use \`dnarchive decode ${inputs.join(' ')} -o FILE\` to get the file back. Nothing written.`,
        );
      const what = `${input} (decoded .dnq)`;
      let out: Uint8Array;
      if (o.dnq) {
        readDnq(data, what); // the container's own checks (schema, sections, widths), not just the pool's hash
        out = data;
      } else out = checkpointFromDnq(data, what);
      await writeOutput(io, o.output, out, Boolean(o.force));
      if (o.json) printJson(io, { output: o.output, bytes: out.length, dnqBytes: data.length, ...report });
      else if (o.output !== '-')
        io.stderr.write(
          `restored ${o.dnq ? `the .dnq container (${data.length} bytes)` : `a llama2.c checkpoint (${out.length} bytes) from a ${data.length}-byte .dnq`}, SHA-256 verified → ${o.output}\n` +
            `  ${formatDecodeReport(report)}\n`,
        );
    });
}

function isDnq(data: Uint8Array): boolean {
  if (data.length < DNQ_MAGIC.length) return false;
  for (let i = 0; i < DNQ_MAGIC.length; i++) if (data[i] !== DNQ_MAGIC.charCodeAt(i)) return false;
  return true;
}
