/** `dnarchive simulate`: a seeded DNA channel from a pool FASTA to reads (FASTQ or FASTA). */
import type { Command } from 'commander';
import { z } from 'zod';
import { AtomicWriter, Channel, PRESETS, channelConfig, fileReads, textReads } from '../../src/pack/index.js';
import { parseOption } from '../options.js';
import { printJson, readInput } from '../io.js';

const num = (name: string) => z.string().regex(/^\d*\.?\d+(e-?\d+)?$/i, `${name} must be a number`).transform(Number);

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description(`seeded DNA channel: dropout, log-normal coverage, substitutions/insertions/deletions, random orientation (presets: ${Object.keys(PRESETS).join(', ')})`)
    .argument('<pool>', "pool FASTA, or '-' for stdin")
    .requiredOption('-o, --output <file>', "output reads, or '-' for stdout")
    .option('--preset <name>', 'channel preset', 'illumina')
    .option('--coverage <x>', 'mean reads per strand (default: the preset’s)')
    .option('--dropout <p>', 'share of strands lost entirely', '0')
    .option('--sub <r>', 'substitutions per nt (default: the preset’s)')
    .option('--ins <r>', 'insertions per nt (default: the preset’s)')
    .option('--del <r>', 'deletions per nt (default: the preset’s)')
    .option('--skew <s>', 'σ of the log-normal copy numbers (default: the preset’s)')
    .option('--rc <p>', 'share of reads reverse-complemented', '0.5')
    .option('--seed <n>', 'random seed', '1')
    .option('--fasta', 'write FASTA instead of FASTQ')
    .option('--force', 'overwrite the output file if it exists')
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (input: string, o: Record<string, string | boolean | undefined>) => {
      const opt = (k: string) => (typeof o[k] === 'string' ? parseOption(num(`--${k}`), o[k], `--${k}`) : undefined);
      const seed = parseOption(z.string().regex(/^\d+$/, '--seed must be a whole number').transform(Number), o.seed, '--seed');
      const options = {
        preset: parseOption(z.enum(Object.keys(PRESETS) as [string, ...string[]], { message: `--preset must be one of ${Object.keys(PRESETS).join(', ')}` }), o.preset, '--preset'),
        coverage: opt('coverage'),
        dropout: opt('dropout'),
        sub: opt('sub'),
        ins: opt('ins'),
        del: opt('del'),
        skew: opt('skew'),
        rc: opt('rc'),
        seed,
      };
      channelConfig(options); // options are checked before the input is read
      const name = input === '-' ? '<stdin>' : input;
      let strands: string[];
      if (input === '-') strands = [...textReads(Buffer.from(await readInput(input)).toString('latin1'), name).pass()];
      else {
        await readInput(input, 1); // a clear error for a missing file, a directory, no permission
        strands = [...fileReads(input).pass()];
      }
      const channel = new Channel(strands, options);
      // Reads are made one at a time and written in large pieces: memory is the pool, not the reads.
      const out = o.output === '-' ? undefined : new AtomicWriter(String(o.output), Boolean(o.force));
      try {
        let piece: string[] = [];
        for (let j = 0; j < channel.length; j++) {
          const r = channel.read(j);
          piece.push(o.fasta ? `>read${j}\n${r}\n` : `@read${j}\n${r}\n+\n${'I'.repeat(r.length)}\n`);
          if (piece.length >= 4096 || j === channel.length - 1) {
            if (out) out.write(piece.join(''));
            else process.stdout.write(piece.join(''));
            piece = [];
          }
        }
        out?.commit();
      } catch (err) {
        out?.abort();
        throw err;
      }
      const s = channel.summary;
      if (o.json) printJson({ config: channel.config, summary: s });
      else if (o.output !== '-') {
        process.stderr.write(
          `simulated ${s.reads} reads from ${s.strands} strands (${s.dropped} dropped, mean coverage ${s.meanCoverage.toFixed(2)}; ` +
            `${s.substitutions} substitutions, ${s.insertions} insertions, ${s.deletions} deletions, ${s.reverseComplemented} reverse-complemented) → ${o.output}\n`,
        );
      }
    });
}
