/** `dnarchive ecc info|trial`: the residue code's numbers and seeded decoding trials. */
import type { Command } from 'commander';
import { z } from 'zod';
import { ResidueCode, runTrial } from '../../src/ecc/index.js';
import { ellOption, lengthOption, marginOption, parseOption } from '../options.js';
import { printJson, type CliIo } from '../io.js';

const decoderOption = z.enum(['list', 'codec'], { message: "--decoder must be 'list' or 'codec'" });

const countOption = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`));

export function registerEcc(program: Command, io: CliIo): void {
  const ecc = program.command('ecc').description('EC D-LOCO residue decoding: table parameters and decoding trials');

  ecc
    .command('info')
    .description('modulus R, |E|, message bits per codeword, bits lost to R, table build time')
    .requiredOption('--ell <n>', 'run limit ℓ')
    .requiredOption('--length <m>', 'codeword length m')
    .option('--margin <f>', 'R = smallest admissible modulus ≥ f · R_min', '1')
    .option('--no-balance', 'no GC balancing')
    .option('--json', 'print JSON')
    .action((o: { ell: string; length: string; margin: string; balance: boolean; json?: boolean }) => {
      const ell = parseOption(ellOption, o.ell, '--ell');
      const m = parseOption(lengthOption, o.length, '--length');
      const margin = parseOption(marginOption, o.margin, '--margin');
      const rc = new ResidueCode(m, ell, { margin, balance: o.balance });
      const t = rc.table;
      const info = {
        ell,
        length: m,
        margin,
        R: t.R,
        minimalR: t.minimalR,
        log2R: Math.log2(t.R),
        differences: t.differences,
        classOffset: t.offset,
        residueClass: t.residueClass,
        rawBitsPerCodeword: rc.code.bits,
        messageBitsPerCodeword: rc.messageBits,
        bitsLostToR: rc.bitsLost,
        projection2log2m: 2 * Math.log2(m),
        tableBuildMs: t.buildMs,
        modulusFromCache: t.modulusFromCache,
      };
      if (o.json) {
        printJson(io, info);
        return;
      }
      io.stdout.write(
        [
          `EC D-LOCO residue code, m=${m}, ℓ=${ell}, margin ${margin}`,
          `  modulus R            ${t.R} (minimal ${t.minimalR}; log2 R = ${info.log2R.toFixed(2)})`,
          `  |E| differences      ${t.differences}`,
          `  residue class        x ≡ ${t.offset} (mod R), ${t.residueClass}-closed`,
          `  bits per codeword    ${rc.messageBits} message of ${rc.code.bits} raw${rc.balance ? ' (1 to balancing)' : ''}`,
          `  bits lost to R       ${rc.bitsLost} (spec projection 2·log2 m + O(1) = ${info.projection2log2m.toFixed(2)} + O(1))`,
          `  table build          ${t.buildMs.toFixed(1)} ms${t.modulusFromCache ? ' (modulus from the disk cache)' : ''}`,
          '',
        ].join('\n'),
      );
    });

  ecc
    .command('trial')
    .description('seeded trials: random codewords, random substitutions, list decoding; outcome counts')
    .requiredOption('--ell <n>', 'run limit ℓ')
    .requiredOption('--length <m>', 'codeword length m')
    .option('--errors <k>', 'substitutions per codeword', '2')
    .option('--trials <n>', 'number of codewords', '2000')
    .option('--seed <s>', 'random seed', '1')
    .option('--margin <f>', 'modulus margin factor', '1')
    .option('--no-tiebreak', 'do not break ties with the bridge checksum')
    .option('--decoder <d>', "'list': the list decoder alone; 'codec': residue decoding first, as the codec decodes", 'list')
    .option('--json', 'print JSON')
    .action(
      (o: {
        ell: string;
        length: string;
        errors: string;
        trials: string;
        seed: string;
        margin: string;
        tiebreak: boolean;
        decoder: string;
        json?: boolean;
      }) => {
        const ell = parseOption(ellOption, o.ell, '--ell');
        const m = parseOption(lengthOption, o.length, '--length');
        const counts = runTrial({
          m,
          ell,
          errors: parseOption(countOption('--errors', 0, m), o.errors, '--errors'),
          trials: parseOption(countOption('--trials', 1, 10_000_000), o.trials, '--trials'),
          seed: parseOption(countOption('--seed', 0, 2 ** 32 - 1), o.seed, '--seed'),
          margin: parseOption(marginOption, o.margin, '--margin'),
          tiebreak: o.tiebreak,
          decoder: parseOption(decoderOption, o.decoder, '--decoder'),
        });
        if (o.json) {
          printJson(io, counts);
          return;
        }
        const pct = (x: number) => `${((100 * x) / counts.trials).toFixed(2)}%`;
        io.stdout.write(
          [
            `${counts.trials} codewords, m=${m}, ℓ=${ell}, R=${counts.R} (margin ${counts.margin}), ${counts.errors} substitution(s) each, seed ${counts.seed}, checksum tie-break ${counts.tiebreak ? 'on' : 'off'}, decoder ${counts.decoder}`,
            `  unique-correct   ${counts.uniqueCorrect}  (${pct(counts.uniqueCorrect)})`,
            `  ambiguous        ${counts.ambiguous}  (${pct(counts.ambiguous)})`,
            `  empty            ${counts.empty}  (${pct(counts.empty)})`,
            `  wrong            ${counts.wrong}  (${pct(counts.wrong)})`,
            `  sent codeword listed in ${counts.sentListed} of ${counts.trials}; ${counts.seconds.toFixed(2)} s`,
            '',
          ].join('\n'),
        );
      },
    );
}
