/** `dnarchive encode` / `decode` / `report`: files to an archival DNA pool and back. */
import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { createProgress } from '../progress.js';
import { z } from 'zod';
import {
  AtomicWriter,
  DEFAULT_CHUNK_MEMORY,
  FileSource,
  formatPoolReport,
  poolReport,
  PoolWorkers,
  type DecodeOptions,
  type PairedStats,
  type PoolDecodeReport,
} from '../../src/pack/index.js';
import { printJson, spoolStdin, type CliIo } from '../io.js';
import { parseOption } from '../options.js';
import { addPoolEncodeOptions, DECODE_PRIMERS_HELP, decodePrimersFromCli, poolOptionsFromCli, type PoolEncodeCli } from '../pool-options.js';
import { formatDecodeReport, formatPoolSummary, openFileSource, poolSummary, readSource, withPairs, writePool } from '../pool-io.js';

export function registerPool(program: Command, io: CliIo): void {
  addPoolEncodeOptions(
    program
      .command('encode')
      .description('encode a file into a synthesis-ready pool of DNA strands (FASTA): outer Reed–Solomon code, addressed strands, EC D-LOCO codewords')
      .argument('<input>', "file to encode, or '-' for stdin")
      .requiredOption('-o, --output <file>', "output FASTA, or '-' for stdout"),
  )
    .option('--force', 'overwrite the output file if it exists')
    .option('--json', 'print the pool report as JSON on stdout')
    .action(async (input: string, o: PoolEncodeCli & { output: string; force?: boolean; json?: boolean }) => {
      const options = poolOptionsFromCli(o);
      // A file streams block by block; stdin is read whole (it cannot be read twice).
      const source = openFileSource(input === '-' ? await spoolStdin(io) : input);
      let written;
      try {
        written = await writePool(io, source, options, o.output, Boolean(o.force));
      } finally {
        if (source instanceof FileSource) source.close();
      }
      if (o.output === '-') return;
      const report = poolSummary(written.manifest, written.strands);
      if (o.json) printJson(io, report);
      else io.stderr.write(`${formatPoolSummary(report)}\n  → ${o.output}\n`);
    });

  program
    .command('decode')
    .description('decode reads (FASTA or FASTQ, any order, noisy, either orientation) back to the file; needs no parameters')
    .argument(
      '<reads...>',
      "FASTA or FASTQ reads, plain or gzip: one file, R1 and R2 of a paired-end run (merged by their overlap), several files, or '-' for stdin",
    )
    .requiredOption('-o, --output <file>', "output file, or '-' for stdout")
    .option('--force', 'overwrite the output file if it exists')
    .option(
      '--chunk-memory <MiB>',
      'keep recovered strands in memory up to this size, beyond it in a temporary file beside the output',
      String(DEFAULT_CHUNK_MEMORY / 2 ** 20),
    )
    .option('--primers <left,right>', DECODE_PRIMERS_HELP)
    .option('--json', 'print the decoding report as JSON on stdout')
    .action(async (input: string[], o: { output: string; force?: boolean; json?: boolean; chunkMemory: string; primers?: string }) => {
      const options: DecodeOptions = {
        chunkMemory: parseOption(mebibytes('--chunk-memory'), o.chunkMemory, '--chunk-memory') * 2 ** 20,
        primers: decodePrimersFromCli(o.primers),
      };
      const { bytes, report } =
        o.output === '-' ? await decodeToStdout(io, input, options) : await decodeToFile(io, input, o.output, Boolean(o.force), options);
      if (o.json) printJson(io, report);
      else if (o.output !== '-') io.stderr.write(`decoded ${bytes} bytes, SHA-256 verified → ${o.output}\n  ${formatDecodeReport(report)}\n`);
    });

  program
    .command('report')
    .description('describe a pool: strands, net bits/nt, longest run, GC range, rate vs capacity')
    .argument('<pool>', "pool FASTA, or '-' for stdin")
    .option('--json', 'print JSON')
    .action(async (input: string, o: { json?: boolean }) => {
      const report = poolReport(await readSource(io, input));
      if (o.json) printJson(io, report);
      else io.stdout.write(`${formatPoolReport(report)}\n`);
    });
}

const mebibytes = (name: string) =>
  z
    .string()
    .regex(/^\d*\.?\d+$/, `${name} must be a number of MiB`)
    .transform(Number)
    .pipe(z.number().max(2 ** 30, `${name} must be at most ${2 ** 30} MiB`));

/**
 * Reads → stdout in bounded memory. Bytes on stdout cannot be taken back, so the payload is
 * rebuilt once to check its SHA-256 and only then rebuilt again, block by block, onto stdout;
 * strands beyond chunkMemory spill to the temporary directory.
 */
async function decodeToStdout(
  io: CliIo,
  input: string[],
  options: DecodeOptions,
): Promise<{ bytes: number; report: PoolDecodeReport & { pairs?: PairedStats } }> {
  const reads = await readSource(io, input);
  const workers = new PoolWorkers();
  let progress: ReturnType<typeof createProgress> | undefined;
  let bytes = 0;
  try {
    const write = (piece: Uint8Array): void => {
      io.writeStdoutSync(piece);
      bytes += piece.length;
    };
    const { report } = await workers.decodeTo(reads, write, reads.name, { ...options, spillDir: tmpdir(), verifyBeforeWrite: true }, (done, total) => {
      progress ??= createProgress('decoding reads', total, { stream: io.stderr });
      progress.tick(done);
    });
    return { bytes, report: withPairs(report, reads) };
  } finally {
    progress?.done();
    await workers.close();
  }
}

/**
 * Reads → file in bounded memory: blocks are rebuilt one at a time into a temporary file beside
 * the output (and recovered strands spill beside it too beyond chunkMemory), renamed over the
 * output only once the SHA-256 matches.
 */
async function decodeToFile(
  io: CliIo,
  input: string[],
  output: string,
  force: boolean,
  options: DecodeOptions,
): Promise<{ bytes: number; report: PoolDecodeReport & { pairs?: PairedStats } }> {
  const reads = await readSource(io, input);
  const out = new AtomicWriter(output, force);
  const workers = new PoolWorkers();
  let progress: ReturnType<typeof createProgress> | undefined;
  let bytes = 0;
  try {
    const write = (piece: Uint8Array): void => {
      out.write(piece);
      bytes += piece.length;
    };
    const { report } = await workers.decodeTo(reads, write, reads.name, { ...options, spillDir: dirname(resolve(output)) }, (done, total) => {
      progress ??= createProgress('decoding reads', total, { stream: io.stderr });
      progress.tick(done);
    });
    out.commit();
    return { bytes, report: withPairs(report, reads) };
  } catch (err) {
    out.abort();
    throw err;
  } finally {
    progress?.done();
    await workers.close();
  }
}
