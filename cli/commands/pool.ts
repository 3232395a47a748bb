/** `dnarchive encode` / `decode` / `report`: files to an archival DNA pool and back. */
import type { Command } from 'commander';
import { z } from 'zod';
import {
  AtomicWriter,
  createProgress,
  FileSource,
  formatPoolReport,
  memorySource,
  parseReads,
  planPool,
  poolReport,
  PoolWorkers,
  fileReads,
  textReads,
  type ReadSource,
  type Manifest,
  type PoolOptions,
} from '../../src/pack/index.js';
import { capacity } from '../../src/loco/index.js';

import { InputError } from '../io.js';
import { formatWord } from '../../src/loco/index.js';
import { parseOption } from '../options.js';
import { printJson, readInput, writeOutput } from '../io.js';

const int = (name: string, min: number, max: number) =>
  z.string().regex(/^\d+$/, `${name} must be a whole number`).transform(Number).pipe(z.number().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`));
const fraction = (name: string, max: number) =>
  z.string().regex(/^\d*\.?\d+$/, `${name} must be a number`).transform(Number).pipe(z.number().max(max, `${name} must be at most ${max}`));

interface EncodeCli {
  output: string;
  force?: boolean;
  ell: string;
  length: string;
  codewords: string;
  codeword?: string;
  ecc: string;
  margin: string;
  dropout: string;
  redundancy?: string;
  primers?: string;
  json?: boolean;
}

export function poolOptionsFromCli(o: EncodeCli): PoolOptions {
  const primers = o.primers === undefined ? undefined : o.primers.split(',');
  if (primers && primers.length !== 2) parseOption(z.never({ message: '--primers takes LEFT,RIGHT (two sequences separated by a comma)' }), o.primers, '--primers');
  const length = parseOption(int('--length', 24, 1024), o.length, '--length');
  let codewords = parseOption(int('--codewords', 1, 16), o.codewords, '--codewords');
  if (o.codeword !== undefined) {
    const m = parseOption(int('--codeword', 8, 512), o.codeword, '--codeword');
    if (length % (m + 2) !== 0) parseOption(z.never({ message: `--codeword ${m}: --length ${length} is not a multiple of m + 2 = ${m + 2}` }), o.codeword, '--codeword');
    codewords = length / (m + 2);
  }
  return {
    ell: parseOption(int('--ell', 1, 3), o.ell, '--ell'),
    length,
    codewords,
    ecc: parseOption(z.enum(['none', 'residue'], { message: "--ecc must be 'none' or 'residue'" }), o.ecc, '--ecc'),
    margin: parseOption(fraction('--margin', 1024).pipe(z.number().min(1, '--margin must be at least 1')), o.margin, '--margin'),
    loss: parseOption(fraction('--dropout', 0.5), o.dropout, '--dropout'),
    redundancy: o.redundancy === undefined ? undefined : parseOption(fraction('--redundancy', 4), o.redundancy, '--redundancy'),
    primers: primers ? [primers[0], primers[1]] : undefined,
  };
}

export function registerPool(program: Command): void {
  program
    .command('encode')
    .description('encode a file into a synthesis-ready pool of DNA strands (FASTA): outer Reed–Solomon code, addressed strands, EC D-LOCO codewords')
    .argument('<input>', "file to encode, or '-' for stdin")
    .requiredOption('-o, --output <file>', "output FASTA, or '-' for stdout")
    .option('--ell <n>', 'run limit ℓ (1–3): no homopolymer run longer than ℓ', '3')
    .option('--length <nt>', 'strand length in nt, primers excluded', '150')
    .option('--codewords <k>', 'codewords per strand (codeword length m = length/k − 2)', '2')
    .option('--codeword <m>', 'codeword length m in nt instead of --codewords (then k = length/(m + 2))')
    .option('--ecc <scheme>', 'inner code: residue (corrects a substitution per codeword) or none', 'residue')
    .option('--margin <f>', 'residue modulus margin', '1')
    .option('--dropout <p>', 'expected share of strands lost (dropout + strands no read recovers); sizes the parity', '0.14')
    .option('--redundancy <f>', 'parity strands per data strand, instead of sizing from --dropout')
    .option('--primers <left,right>', 'primer sequences added to both ends of every strand')
    .option('--force', 'overwrite the output file if it exists')
    .option('--json', 'print the pool report as JSON on stdout')
    .action(async (input: string, o: EncodeCli) => {
      const options = poolOptionsFromCli(o);
      // A file streams block by block; stdin is read whole (it cannot be read twice).
      const source = input === '-' ? memorySource(await readInput(input)) : openFileSource(input);
      const { manifest } = planPool(source.bytes, source.sha256, options);
      const progress = createProgress('encoding', manifest.blocks);
      const workers = new PoolWorkers();
      let strands = 0;
      const count = (text: string): void => {
        for (let i = text.indexOf('>'); i >= 0; i = text.indexOf('>', i + 1)) strands++;
      };
      const out = o.output === '-' ? undefined : new AtomicWriter(o.output, Boolean(o.force));
      try {
        await workers.encode(
          source,
          options,
          (text) => {
            count(text);
            if (out) out.write(text);
            else process.stdout.write(text);
          },
          (done) => progress.tick(done),
        );
        out?.commit();
      } catch (err) {
        out?.abort();
        throw err;
      } finally {
        progress.done();
        await workers.close();
        if (source instanceof FileSource) source.close();
      }
      if (o.output === '-') return;
      const report = poolSummary(manifest, strands);
      if (o.json) printJson(report);
      else process.stderr.write(`${formatPoolSummary(report)}\n  → ${o.output}\n`);
    });

  program
    .command('decode')
    .description('decode reads (FASTA or FASTQ, any order, noisy, either orientation) back to the file; needs no parameters')
    .argument('<reads>', "FASTA or FASTQ reads, or '-' for stdin")
    .requiredOption('-o, --output <file>', "output file, or '-' for stdout")
    .option('--force', 'overwrite the output file if it exists')
    .option('--json', 'print the decoding report as JSON on stdout')
    .action(async (input: string, o: { output: string; force?: boolean; json?: boolean }) => {
      const reads = await readSource(input);
      const workers = new PoolWorkers();
      let progress: ReturnType<typeof createProgress> | undefined;
      let decoded;
      try {
        decoded = await workers.decode(reads, reads.name, {}, (done, total) => {
          progress ??= createProgress('decoding reads', total);
          progress.tick(done);
        });
      } finally {
        progress?.done();
        await workers.close();
      }
      const { data, report } = decoded;
      await writeOutput(o.output, data, Boolean(o.force));
      if (o.json) printJson(report);
      else if (o.output !== '-') {
        process.stderr.write(
          `decoded ${data.length} bytes, SHA-256 verified → ${o.output}\n` +
            `  ${report.reads} reads (${report.lengthMismatch} with indels, ${report.discarded} discarded), ${report.recovered} of ${report.strands} strands recovered` +
            ` (${report.byVoting} by per-codeword voting), ${report.erasures} rebuilt by the outer code\n`,
        );
      }
    });

  program
    .command('report')
    .description('describe a pool: strands, net bits/nt, longest run, GC range, rate vs capacity')
    .argument('<pool>', "pool FASTA, or '-' for stdin")
    .option('--json', 'print JSON')
    .action(async (input: string, o: { json?: boolean }) => {
      const report = poolReport(await readSource(input));
      if (o.json) printJson(report);
      else process.stdout.write(`${formatPoolReport(report)}\n`);
    });
}

function openFileSource(path: string): FileSource {
  try {
    return new FileSource(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new InputError(path, 'no such file');
    if (e.code === 'EISDIR') throw new InputError(path, 'is a directory, not a file');
    if (e.code === 'EACCES') throw new InputError(path, 'permission denied');
    throw err;
  }
}

interface PoolSummary {
  poolId: string;
  bytes: number;
  strands: number;
  strandLength: number;
  nucleotides: number;
  bitsPerNt: number;
  capacity: number;
  rateVsCapacity: number;
  manifest: Manifest;
}

/** What encode reports without re-reading its output: counts from the manifest, nt as written. */
function poolSummary(manifest: Manifest, strands: number): PoolSummary {
  const cap = capacity(manifest.ell);
  const L = manifest.K * (manifest.m + 2);
  const primerNt = (manifest.primers[0] ? manifest.primers[0].length + 1 : 0) + (manifest.primers[1] ? manifest.primers[1].length + 1 : 0);
  const payloadNt = strands * L;
  const nt = strands * (L + primerNt);
  return {
    poolId: manifest.poolId.toString(16).padStart(4, '0'),
    bytes: manifest.bytes,
    strands,
    strandLength: manifest.K * (manifest.m + 2),
    nucleotides: nt,
    bitsPerNt: payloadNt ? (8 * manifest.bytes) / payloadNt : 0,
    capacity: cap,
    rateVsCapacity: payloadNt ? (8 * manifest.bytes) / payloadNt / cap : 0,
    manifest,
  };
}

function formatPoolSummary(r: PoolSummary): string {
  const m = r.manifest;
  return [
    `pool ${r.poolId}: ${r.bytes} bytes → ${r.strands} strands of ${r.strandLength} nt${m.primers[0] || m.primers[1] ? ' + primers' : ''} (${m.dataStrands} data, ${m.parity * m.blocks} parity in ${m.blocks} Reed–Solomon block(s), the rest header)`,
    `  code         ℓ=${m.ell}, ${m.K} codeword(s) of m=${m.m}, ecc ${m.ecc}, ${m.chunkBytes} payload bytes per strand`,
    `  net density  ${r.bitsPerNt.toFixed(3)} bits/nt without primers (${(100 * r.rateVsCapacity).toFixed(1)}% of the ℓ=${m.ell} capacity); \`dnarchive report\` for runs and GC`,
  ].join('\n');
}

/** Reads from a file stream in passes; stdin is read once into memory. */
async function readSource(input: string): Promise<ReadSource> {
  if (input === '-') return textReads(Buffer.from(await readInput('-')).toString('latin1'), '<stdin>');
  await readInput(input, 1); // a clear error for a missing file, a directory, no permission
  return fileReads(input);
}
