/**
 * `dnarchive consensus`: trace reconstruction on a file of clusters (dnarchive/reads), one
 * estimate per cluster; with references in the file, the scores the trace-reconstruction
 * literature reports (exact share, mean edit distance, edit error rate), optionally as a curve
 * over the number of traces used. The file streams cluster by cluster (plain or gzip); only
 * `--curve` keeps the clusters, since it reconstructs every cluster once per trace count.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { z } from 'zod';
import { AtomicWriter } from '../../src/pack/index.js';
import { gunzipChunksAsync } from '../../src/pack/gzip-input.js';
import {
  clusterLength,
  lengthFits,
  decodeStrand,
  formatScores,
  MAX_STRAND_LENGTH,
  readClusters,
  Reconstructor,
  scoreCurve,
  scoreEstimates,
  ClusterFormatError,
  type Cluster,
  type ConsensusScore,
  type ReconstructOptions,
} from '../../src/reads/index.js';
import { OptionError } from '../../src/validate.js';
import { printJson, readInput, type CliIo } from '../io.js';
import { parseOption } from '../options.js';

interface ConsensusCli {
  output: string;
  length?: string;
  maxTraces?: string;
  curve?: string;
  algorithm: string;
  fasta?: boolean;
  force?: boolean;
  json?: boolean;
}

const whole = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`));

const MAX_TRACES = 10_000;

export function registerConsensus(program: Command, io: CliIo): void {
  program
    .command('consensus')
    .description(
      'trace reconstruction: one estimated strand per cluster of noisy reads (clusters: one trace per line, blank lines between; or the literature format: reference, a line of *, traces); with references, the exact share, mean edit distance and edit error rate',
    )
    .argument('<clusters>', "cluster file, plain or gzip, or '-' for stdin")
    .requiredOption('-o, --output <file>', "output: one estimate per line (or FASTA with --fasta), or '-' for stdout")
    .option('--length <nt>', "reconstruct every cluster to this length (default: the reference's, else the median trace length)")
    .option('--max-traces <n>', 'use at most the first n traces of each cluster')
    .option('--curve <n,n,…>', 'with references: the scores again for each number of traces given (e.g. 1,2,3,5,10,20)')
    .option('--algorithm <name>', "'refine' (BMA, then alignment and weighted votes) or 'bma' (two-sided BMA with look-ahead only)", 'refine')
    .option('--fasta', 'write the estimates as FASTA records (>cluster1, …) instead of one per line')
    .option('--force', 'overwrite the output file if it exists')
    .option('--json', 'print the summary and scores as JSON on stdout')
    .action(async (input: string, o: ConsensusCli) => {
      const length = o.length === undefined ? undefined : parseOption(whole('--length', 1, MAX_STRAND_LENGTH), o.length, '--length');
      const maxTraces = o.maxTraces === undefined ? undefined : parseOption(whole('--max-traces', 1, MAX_TRACES), o.maxTraces, '--max-traces');
      const curve = o.curve === undefined ? undefined : o.curve.split(',').map((n) => parseOption(whole('--curve', 1, MAX_TRACES), n.trim(), '--curve'));
      const algorithm = parseOption(z.enum(['refine', 'bma'], { message: "--algorithm must be 'refine' or 'bma'" }), o.algorithm, '--algorithm');
      if (o.json && o.output === '-') throw new OptionError('options', '--json', 'prints to stdout, so the estimates cannot go there too; give -o a file');
      const source = input === '-' ? '<stdin>' : input;
      let stream: Readable;
      if (input === '-') stream = io.stdin;
      else {
        await readInput(io, input, 1); // a clear error for a missing file, a directory, no permission
        stream = createReadStream(input);
      }
      const out = o.output === '-' ? undefined : new AtomicWriter(o.output, Boolean(o.force));
      const options: ReconstructOptions = { algorithm, maxTraces };
      const reconstructor = new Reconstructor();
      const references: Uint8Array[] = [];
      const scored: Uint8Array[] = [];
      const kept: Cluster[] = [];
      let clusters = 0;
      let text = '';
      try {
        for await (const cluster of readClusters(gunzipChunksAsync(stream as AsyncIterable<Uint8Array>, source), { source })) {
          clusters++;
          if (cluster.traces.length === 0) throw new ClusterFormatError(source, clusters, cluster.line, 'has no traces');
          const target = clusterLength(cluster, length, maxTraces);
          if (!lengthFits(cluster, target, maxTraces))
            throw new ClusterFormatError(
              source,
              clusters,
              cluster.line,
              `its traces cannot be copies of a ${target}-nt strand (their median length is more than half of it away)`,
            );
          const r = reconstructor.reconstruct(cluster.traces, target, options);
          text += `${o.fasta ? `>cluster${clusters}\n` : ''}${decodeStrand(r.strand)}\n`;
          if (cluster.reference) {
            references.push(cluster.reference);
            scored.push(r.strand);
            if (curve) kept.push(cluster);
          }
          if (text.length >= 1 << 20) text = flush(io, out, text);
        }
        flush(io, out, text);
        if (clusters === 0) throw new ClusterFormatError(source, 0, 0, 'no clusters: the file is empty');
        out?.commit();
      } catch (err) {
        out?.abort();
        throw err;
      }
      const scores: ConsensusScore | undefined = references.length > 0 ? scoreEstimates(references, scored, maxTraces) : undefined;
      const curveScores = curve && kept.length > 0 ? scoreCurve(kept, curve, { algorithm }) : undefined;
      if (o.json) printJson(io, { clusters, withReferences: references.length, scores, curve: curveScores });
      else if (o.output !== '-' || scores) {
        const head = `reconstructed ${clusters} cluster(s)${o.output === '-' ? '' : ` → ${o.output}`}`;
        const table = scores ? `\n${formatScores(curveScores ? [scores, ...curveScores] : scores)}` : '';
        io.stderr.write(`${head}${table}\n`);
      }
    });
}

/** Writes buffered estimates to the output (or stdout) and returns the empty buffer. */
function flush(io: CliIo, out: AtomicWriter | undefined, text: string): string {
  if (text.length === 0) return text;
  if (out) out.write(text);
  else io.stdout.write(text);
  return '';
}
