/**
 * `dnarchive simulate`: a seeded DNA channel from a pool FASTA (any record names; FASTQ works too)
 * to reads, FASTQ or FASTA. The pool is streamed in and packed at a byte per nucleotide; reads are
 * made one at a time and streamed out, to a temporary file renamed at the end (or to stdout).
 */
import type { Command } from 'commander';
import { createProgress } from '../progress.js';
import { once } from 'node:events';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import {
  AtomicWriter,
  Channel,
  PackedStrands,
  PRESET_NAMES,
  channelConfig,
  readChunks,
  readPairChunks,
  readRecords,
  type ChannelOptions,
} from '../../src/pack/index.js';
import { OptionError } from '../../src/validate.js';
import { parseOption } from '../options.js';
import { printJson, type CliIo } from '../io.js';

/** A zod message that quotes the offending value. */
const got = (text: string) => ({ error: (issue: { input?: unknown }) => `${text} (got ${String(issue.input)})` });
const number = (flag: string) =>
  z
    .string()
    .regex(/^(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i, got(`${flag} must be a non-negative number`))
    .transform(Number);
const rateOption = (flag: string) => number(flag).pipe(z.number().lt(1, got(`${flag} must be below 1`)));
const shareOption = (flag: string) => number(flag).pipe(z.number().max(1, got(`${flag} must be at most 1`)));
const coverageOption = number('--coverage').pipe(z.number().gt(0, got('--coverage must be above 0')).max(10000, got('--coverage must be at most 10000')));
const skewOption = number('--skew').pipe(z.number().max(3, got('--skew must be at most 3')));
const seedOption = z
  .string()
  .regex(/^\d+$/, got('--seed must be a whole number'))
  .transform(Number)
  .pipe(z.number().max(2 ** 32 - 1, got('--seed must be below 2^32')));
const presetOption = z.enum(PRESET_NAMES, { message: `--preset must be one of ${PRESET_NAMES.join(', ')}` });
const samplingOption = z.enum(['poisson', 'exact'], { message: '--sampling must be poisson or exact' });
const cycles = (flag: string, min: number) =>
  z
    .string()
    .regex(/^\d+$/, got(`${flag} must be a whole number`))
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, got(`${flag} must be at least ${min}`))
        .max(100_000, got(`${flag} must be at most 100000`)),
    );

interface SimulateFlags {
  output: string;
  preset: string;
  coverage?: string;
  dropout: string;
  sub?: string;
  ins?: string;
  del?: string;
  skew?: string;
  rc: string;
  sampling?: string;
  frontSub: string;
  frontSpan: string;
  tailSub: string;
  readLength?: string;
  paired?: string;
  output2?: string;
  seed: string;
  fasta?: boolean;
  force?: boolean;
  json?: boolean;
  progress: boolean;
}

function channelOptions(o: SimulateFlags): ChannelOptions {
  const optional = <S extends z.ZodType>(schema: S, value: string | undefined, flag: string) =>
    value === undefined ? undefined : (parseOption(schema, value, flag) as number);
  const options: ChannelOptions = {
    preset: parseOption(presetOption, o.preset, '--preset'),
    coverage: optional(coverageOption, o.coverage, '--coverage'),
    dropout: parseOption(shareOption('--dropout'), o.dropout, '--dropout'),
    sub: optional(rateOption('--sub'), o.sub, '--sub'),
    ins: optional(rateOption('--ins'), o.ins, '--ins'),
    del: optional(rateOption('--del'), o.del, '--del'),
    skew: optional(skewOption, o.skew, '--skew'),
    rc: parseOption(shareOption('--rc'), o.rc, '--rc'),
    sampling: o.sampling === undefined ? undefined : parseOption(samplingOption, o.sampling, '--sampling'),
    seed: parseOption(seedOption, o.seed, '--seed'),
    frontSub: parseOption(rateOption('--front-sub'), o.frontSub, '--front-sub'),
    frontSpan: parseOption(cycles('--front-span', 0), o.frontSpan, '--front-span'),
    tailSub: parseOption(rateOption('--tail-sub'), o.tailSub, '--tail-sub'),
    readLength: optional(cycles('--read-length', 1), o.readLength, '--read-length'),
  };
  channelConfig(options, 'options'); // the cross-option rule (sub + ins + del < 1), before any input is read
  return options;
}

async function writeStdout(io: CliIo, bytes: Buffer): Promise<void> {
  if (!io.stdout.write(Buffer.from(bytes))) await once(io.stdout, 'drain');
}

export function registerSimulate(program: Command, io: CliIo): void {
  program
    .command('simulate')
    .description(
      `seeded DNA channel: dropout, log-normal copy numbers then Poisson reads, substitutions/insertions/deletions, random orientation, shuffled order (presets: ${PRESET_NAMES.join(', ')}; preset values are defaults the options override)`,
    )
    .argument('<pool>', "pool FASTA (or FASTQ), or '-' for stdin")
    .requiredOption('-o, --output <file>', "output reads, or '-' for stdout")
    .option('--preset <name>', 'channel preset', 'illumina')
    .option('--coverage <x>', 'mean reads per kept strand (default: the preset’s)')
    .option('--dropout <p>', 'share of strands lost entirely', '0')
    .option('--sub <r>', 'substitutions per nt (default: the preset’s)')
    .option('--ins <r>', 'insertions per nt (default: the preset’s)')
    .option('--del <r>', 'deletions per nt (default: the preset’s)')
    .option('--skew <s>', 'σ of the log-normal copy-number weight (default: the preset’s)')
    .option('--rc <p>', 'share of reads reverse-complemented', '0.5')
    .option('--sampling <mode>', 'poisson, or exact (reads = coverage × weight, rounded at random) (default: the preset’s)')
    .option('--front-sub <r>', "extra substitutions per nt in each read's first cycles (noisy first cycles)", '0')
    .option('--front-span <n>', 'cycles --front-sub applies to', '30')
    .option('--tail-sub <r>', "extra substitutions per nt rising from 0 to this at each read's last cycle", '0')
    .option('--read-length <n>', 'cycles read: reads cut to this many nt from their 5′ end (default: whole strands)')
    .option(
      '--paired <cycles>',
      'a paired-end run: each fragment read from both ends for this many cycles, mate 1 to --output, mate 2 to --output2 (records read<j>/1, read<j>/2)',
    )
    .option('--output2 <file>', 'mate-2 reads of --paired')
    .option('--seed <n>', 'random seed', '1')
    .option('--fasta', 'write FASTA instead of FASTQ')
    .option('--force', 'overwrite the output file if it exists')
    .option('--json', 'print the configuration and summary as JSON on stdout')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (input: string, o: SimulateFlags) => {
      const options = channelOptions(o);
      if (o.json && o.output === '-') throw new OptionError('options', '--json', 'prints to stdout, so the reads cannot go there too; give -o a file');
      const paired = o.paired === undefined ? undefined : parseOption(cycles('--paired', 1), o.paired, '--paired');
      if (paired !== undefined && (o.output2 === undefined || o.output === '-' || o.output2 === '-'))
        throw new OptionError('options', '--paired', 'writes two files: give -o for mate 1 and --output2 for mate 2 (not stdout)');
      if (paired === undefined && o.output2 !== undefined) throw new OptionError('options', '--output2', 'is the mate-2 file of --paired');
      if (paired !== undefined && options.readLength !== undefined)
        throw new OptionError('options', '--read-length', 'and --paired both set the cycles read; give one');
      // Fail on an existing output before reading what may be a large pool.
      const out = o.output === '-' ? undefined : new AtomicWriter(o.output, Boolean(o.force));
      let out2: AtomicWriter | undefined;
      try {
        out2 = o.output2 === undefined ? undefined : new AtomicWriter(o.output2, Boolean(o.force));
        const pool = new PackedStrands();
        for await (const r of readRecords(input, { stdin: io.stdin })) pool.add(r.seq);
        const channel = new Channel(pool, options);
        const progress = createProgress('simulate', channel.length, { enabled: o.progress && !o.json, stream: io.stderr });
        // An output named *.gz is gzip: one member per ~1 MiB chunk, which every gzip reader reads as one stream.
        const gzip = o.output.endsWith('.gz');
        const format = o.fasta ? 'fasta' : 'fastq';
        if (paired !== undefined && out && out2) {
          const gzip2 = o.output2!.endsWith('.gz');
          for (const chunk of readPairChunks(channel, paired, format)) {
            out.write(gzip ? gzipSync(chunk.r1) : chunk.r1.toString('latin1'));
            out2.write(gzip2 ? gzipSync(chunk.r2) : chunk.r2.toString('latin1'));
            progress.tick(chunk.reads);
          }
        } else {
          for (const chunk of readChunks(channel, format)) {
            const bytes = gzip ? gzipSync(chunk.bytes) : chunk.bytes;
            if (out) out.write(gzip ? bytes : chunk.bytes.toString('latin1'));
            else await writeStdout(io, Buffer.from(bytes));
            progress.tick(chunk.reads);
          }
        }
        progress.done();
        out?.commit();
        out2?.commit();
        const s = channel.summary;
        if (o.json) printJson(io, { config: channel.config, summary: s });
        else {
          const nt = s.sourceNucleotides || 1;
          io.stderr.write(
            `simulated ${s.reads} reads from ${s.strands} strands (${s.dropped} dropped, ${s.missing} with no read; ` +
              `mean coverage ${s.meanCoverage.toFixed(2)}; per nt: ${s.substitutions} substitutions (${(s.substitutions / nt).toExponential(2)}), ` +
              `${s.insertions} insertions (${(s.insertions / nt).toExponential(2)}), ${s.deletions} deletions (${(s.deletions / nt).toExponential(2)}); ` +
              `${s.reverseComplemented} reverse-complemented) → ${o.output === '-' ? 'stdout' : o.output}${o.output2 ? ` and ${o.output2} (mates of ${paired} cycles)` : ''}\n`,
          );
        }
      } catch (err) {
        out?.abort();
        out2?.abort();
        throw err;
      }
    });
}
