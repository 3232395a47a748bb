/**
 * The pool-encoding options (`--ell`, `--length`, `--codewords`, …), defined once for every
 * command that writes a pool (`encode`, `archive`), and their parsing into PoolOptions.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import type { PoolOptions } from '../src/pack/index.js';
import { parseOption } from './options.js';

const int = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`));
const fraction = (name: string, max: number) =>
  z
    .string()
    .regex(/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i, `${name} must be a number`)
    .transform(Number)
    .pipe(z.number().max(max, `${name} must be at most ${max}`));

/** What commander hands over for the options addPoolEncodeOptions defines. */
export interface PoolEncodeCli {
  ell: string;
  length: string;
  codewords?: string;
  codeword?: string;
  ecc?: string;
  margin: string;
  dropout?: string;
  format: string;
  redundancy?: string;
  primers?: string;
}

/** Adds the pool-encoding options, with their defaults, to a command. */
export function addPoolEncodeOptions(command: Command): Command {
  return command
    .option('--ell <n>', 'run limit ℓ (1–3): no homopolymer run longer than ℓ', '3')
    .option('--length <nt>', 'strand length in nt, primers excluded', '150')
    .option('--format <n>', 'pool format: 3 (one codeword per strand, 20-bit check, decoded through read consensus), or 2 and 1 for older decoders', '3')
    .option('--codewords <k>', 'codewords per strand (codeword length m = length/k − 2; default 1 in format 3, 2 before)')
    .option('--codeword <m>', 'codeword length m in nt instead of --codewords (then k = length/(m + 2))')
    .option('--ecc <scheme>', 'inner code: residue (corrects a substitution per codeword) or none (default none in format 3, residue before)')
    .option('--margin <f>', 'residue modulus margin', '1')
    .option(
      '--dropout <p>',
      'expected share of strands lost (dropout + strands neither a read nor a consensus recovers); sizes the parity (default 0.053 in format 3, 0.14 before)',
    )
    .option('--redundancy <f>', 'parity strands per data strand, instead of sizing from --dropout')
    .option('--primers <left,right>', 'primer sequences added to both ends of every strand');
}

/** `--primers LEFT,RIGHT` (either may be empty: ',RIGHT'); undefined when not given. Letters are checked where they are used. */
export function primersFromCli(value: string | undefined): [string, string] | undefined {
  if (value === undefined) return undefined;
  const primers = value.split(',');
  if (primers.length !== 2) parseOption(z.never({ message: '--primers takes LEFT,RIGHT (two sequences separated by a comma)' }), value, '--primers');
  return [primers[0], primers[1]];
}

export function poolOptionsFromCli(o: PoolEncodeCli): PoolOptions {
  const primers = primersFromCli(o.primers);
  const length = parseOption(int('--length', 24, 1024), o.length, '--length');
  let codewords = o.codewords === undefined ? undefined : parseOption(int('--codewords', 1, 16), o.codewords, '--codewords');
  if (o.codeword !== undefined) {
    const m = parseOption(int('--codeword', 8, 512), o.codeword, '--codeword');
    if (length % (m + 2) !== 0)
      parseOption(z.never({ message: `--codeword ${m}: --length ${length} is not a multiple of m + 2 = ${m + 2}` }), o.codeword, '--codeword');
    codewords = length / (m + 2);
  }
  return {
    ell: parseOption(int('--ell', 1, 3), o.ell, '--ell'),
    length,
    codewords,
    ecc: o.ecc === undefined ? undefined : parseOption(z.enum(['none', 'residue'], { message: "--ecc must be 'none' or 'residue'" }), o.ecc, '--ecc'),
    margin: parseOption(fraction('--margin', 1024).pipe(z.number().min(1, '--margin must be at least 1')), o.margin, '--margin'),
    loss: o.dropout === undefined ? undefined : parseOption(fraction('--dropout', 0.5), o.dropout, '--dropout'),
    format: parseOption(
      z.enum(['1', '2', '3'], { message: '--format must be 1, 2 or 3' }).transform((v) => Number(v) as 1 | 2 | 3),
      o.format,
      '--format',
    ),
    redundancy: o.redundancy === undefined ? undefined : parseOption(fraction('--redundancy', 4), o.redundancy, '--redundancy'),
    primers,
  };
}

/** `--primers` as decode and restore take it: the letters checked here, since no encoder will. */
export function decodePrimersFromCli(value: string | undefined): [string, string] | undefined {
  const primers = primersFromCli(value);
  primers?.forEach((p, side) => {
    const bad = p.search(/[^ACGTacgt]/);
    if (bad >= 0)
      parseOption(
        z.never({ message: `--primers: the ${side ? 'right' : 'left'} primer has '${p[bad]}' at position ${bad + 1}; only A, C, G, T` }),
        value,
        '--primers',
      );
  });
  return primers;
}

export const DECODE_PRIMERS_HELP = 'the primers the pool was made with, when finding them from the reads fails (e.g. reads with noisy first cycles)';
