/** `dnarchive raw encode` / `raw decode`: files to the raw self-describing codeword stream and back (research format: no outer code). */
import { Option, type Command } from 'commander';
import { encodeRawStream, decodeRawStreamReport, gunzipWhole, parseReads, strandStats } from '../../src/pack/index.js';
import { rateReport } from '../../src/loco/index.js';
import { codecOptions, type CodecCliOptions } from '../options.js';
import { readInput, writeOutput, type CliIo } from '../io.js';

export function addCodecOptions(cmd: Command): Command {
  return (
    cmd
      .option('--ell <n>', 'run limit ℓ: no homopolymer run longer than ℓ', '3')
      .option('--codeword <m>', 'codeword length m in nt (as `encode --codeword`)', '48')
      // Earlier name of --codeword: `--length` is the strand length everywhere else.
      .addOption(new Option('--length <m>').hideHelp())
      .option('--bridge <scheme>', 'bridge between codewords: check2 (detects any single substitution) or sep1', 'check2')
      .option('--no-balance', 'skip GC balancing (gains 1 bit per codeword, loses the GC window)')
      .option('--per-strand <k>', 'codewords per strand', '4')
      .option('--ecc <scheme>', 'error correction: none, or residue (corrects one substitution per codeword)', 'none')
      .option('--margin <f>', 'residue modulus margin factor (larger: better double-substitution lists, fewer bits)', '1')
  );
}

export function registerCodec(program: Command, io: CliIo): void {
  const raw = program.command('raw').description('the raw D-LOCO codeword stream: every parameter in every header, no outer code (research format)');
  addCodecOptions(
    raw
      .command('encode')
      .description('encode a file into a raw FASTA stream of D-LOCO strands')
      .argument('<input>', "file to encode, or '-' for stdin")
      .requiredOption('-o, --output <file>', "output FASTA, or '-' for stdout")
      .option('--force', 'overwrite the output file if it exists'),
  ).action(async (input: string, o: CodecCliOptions & { output: string; force?: boolean }) => {
    const options = codecOptions(o);
    const data = await readInput(io, input);
    const { fasta, strands } = encodeRawStream(data, options);
    await writeOutput(io, o.output, fasta, Boolean(o.force));
    if (o.output !== '-') {
      const st = strandStats(strands);
      const r = rateReport(options.length, options.ell, options.bridge, options.balance);
      const codeBitsPerNt = (8 * data.length) / Math.max(1, st.nucleotides);
      io.stderr.write(
        `encoded ${data.length} bytes into ${st.strands} strands, ${st.nucleotides} nt ` +
          `(${codeBitsPerNt.toFixed(3)} bits/nt net${options.ecc === 'none' ? `, code ${r.bitsPerNt.toFixed(3)}` : `, ecc ${options.ecc}`}), ` +
          `max run ${st.maxRun}, GC ${(100 * st.gcMin).toFixed(1)}–${(100 * st.gcMax).toFixed(1)}% → ${o.output}\n`,
      );
    }
  });

  raw
    .command('decode')
    .description('decode a FASTA/FASTQ stream written by `dnarchive raw encode` (parameters come from its headers)')
    .argument('<input>', "FASTA or FASTQ file, or '-' for stdin")
    .requiredOption('-o, --output <file>', "output file, or '-' for stdout")
    .option('--force', 'overwrite the output file if it exists')
    .action(async (input: string, o: { output: string; force?: boolean }) => {
      const name = input === '-' ? '<stdin>' : input;
      const text = Buffer.from(gunzipWhole(await readInput(io, input), name)).toString('latin1');
      const report = decodeRawStreamReport(parseReads(text, name), name);
      await writeOutput(io, o.output, report.data, Boolean(o.force));
      if (o.output !== '-') {
        const fixes = report.corrected + report.bridgeErrors;
        io.stderr.write(
          `decoded ${report.data.length} bytes${fixes ? `, ${report.corrected} codeword(s) corrected, ${report.bridgeErrors} bridge error(s) ignored` : ''}, SHA-256 verified → ${o.output}\n`,
        );
      }
    });
}
