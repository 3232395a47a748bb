/** `dnarchive loco info|rank|unrank`: the code's numbers, for codec research. */
import type { Command } from 'commander';
import { z } from 'zod';
import { formatWord, locoCode, parseWord, rateReport } from '../../src/loco/index.js';
import { bridgeOption, ellOption, lengthOption, parseOption } from '../options.js';
import { printJson, type CliIo } from '../io.js';

const indexOption = z.string().regex(/^\d+$/, 'the index must be a non-negative decimal integer');

export function registerLoco(program: Command, io: CliIo): void {
  const loco = program.command('loco').description('D-LOCO constrained codes: cardinality, rate, rank and unrank');

  loco
    .command('info')
    .description('cardinality N(m), bits per codeword, rate and capacity ratio of D(m, ℓ)')
    .requiredOption('--ell <n>', 'run limit ℓ (no run longer than ℓ)')
    .requiredOption('--length <m>', 'codeword length m in nt')
    .option('--bridge <scheme>', 'bridge scheme: sep1 or check2', 'check2')
    .option('--no-balance', 'no GC balancing (one more message bit per codeword)')
    .option('--json', 'print JSON')
    .action((o: { ell: string; length: string; bridge: string; balance: boolean; json?: boolean }) => {
      const ell = parseOption(ellOption, o.ell, '--ell');
      const m = parseOption(lengthOption, o.length, '--length');
      const bridge = parseOption(bridgeOption, o.bridge, '--bridge');
      const r = rateReport(m, ell, bridge, o.balance);
      const code = locoCode(m, ell);
      if (o.json) {
        printJson(io, { ...r, rawBitsPerCodeword: code.bits, rawRate: code.bits / m });
        return;
      }
      const f = (x: number, d = 4) => x.toFixed(d);
      io.stdout.write(
        [
          `D-LOCO code D(m=${m}, ℓ=${ell})`,
          `  cardinality N(m)     ${r.cardinality}`,
          `  log2 N(m)            ${f(r.log2Cardinality)} bits (${f(r.codeRate)} bits/nt)`,
          `  bits per codeword    ${code.bits} raw, ${r.bitsPerCodeword} as sent (${r.balance ? 'GC-balanced: 1 bit' : 'unbalanced'})`,
          `  nt per codeword      ${r.ntPerCodeword} (bridge ${bridge}: +${r.ntPerCodeword - m} nt)`,
          `  rate                 ${f(r.bitsPerNt)} bits/nt (raw codeword: ${f(code.bits / m)})`,
          `  capacity (ℓ=${ell})${' '.repeat(Math.max(1, 7 - String(ell).length))}${f(r.capacity)} bits/nt`,
          `  capacity ratio       ${f(r.capacityRatio)} (raw codeword: ${f(code.bits / m / r.capacity)})`,
          '',
        ].join('\n'),
      );
    });

  loco
    .command('rank')
    .description('index of a codeword in D(m, ℓ), m = its length')
    .requiredOption('--ell <n>', 'run limit ℓ')
    .option('--json', 'print JSON')
    .argument('<codeword>', 'codeword over A, T, G, C')
    .action((word: string, o: { ell: string; json?: boolean }) => {
      const ell = parseOption(ellOption, o.ell, '--ell');
      const w = parseWord(word, 'codeword');
      const m = parseOption(lengthOption, String(w.length), 'codeword length');
      const index = locoCode(m, ell).rank(w);
      if (o.json) printJson(io, { codeword: formatWord(w), ell, length: m, index: index.toString() });
      else io.stdout.write(`${index}\n`);
    });

  loco
    .command('unrank')
    .description('codeword of an index in D(m, ℓ)')
    .requiredOption('--ell <n>', 'run limit ℓ')
    .requiredOption('--length <m>', 'codeword length m')
    .option('--json', 'print JSON')
    .argument('<index>', 'index in [0, N(m)), decimal')
    .action((index: string, o: { ell: string; length: string; json?: boolean }) => {
      const ell = parseOption(ellOption, o.ell, '--ell');
      const m = parseOption(lengthOption, o.length, '--length');
      const x = BigInt(parseOption(indexOption, index, '<index>'));
      const word = formatWord(locoCode(m, ell).unrank(x));
      if (o.json) printJson(io, { index: x.toString(), ell, length: m, codeword: word });
      else io.stdout.write(`${word}\n`);
    });
}
