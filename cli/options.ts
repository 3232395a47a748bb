/**
 * Command-line option parsing: commander hands over strings, zod turns them into checked values,
 * and a bad value becomes one OptionError naming the option.
 */
import { z } from 'zod';
import { parseWith } from '../src/validate.js';
import { MAX_ELL, MAX_LENGTH } from '../src/loco/params.js';

const intString = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`));

export const ellOption = intString('--ell', 1, MAX_ELL);
export const lengthOption = intString('--length', 1, MAX_LENGTH);
const codewordOption = intString('--codeword', 1, MAX_LENGTH);
export const perStrandOption = intString('--per-strand', 1, 1 << 20);
export const bridgeOption = z.enum(['sep1', 'check2']);
export const eccOption = z.enum(['none', 'residue']);
export const marginOption = z
  .string()
  .regex(/^\d+(\.\d+)?$/, '--margin must be a number')
  .transform(Number)
  .pipe(z.number().min(1, '--margin must be at least 1').max(1024, '--margin must be at most 1024'));

export function parseOption<S extends z.ZodType>(schema: S, value: unknown, option: string): z.output<S> {
  return parseWith(schema, value, `option ${option}`);
}

export interface CodecCliOptions {
  ell: string;
  codeword: string;
  /** The hidden earlier name of --codeword. */
  length?: string;
  bridge: string;
  balance: boolean;
  perStrand: string;
  ecc: string;
  margin: string;
}

export function codecOptions(o: CodecCliOptions) {
  return {
    ell: parseOption(ellOption, o.ell, '--ell'),
    length: o.length === undefined ? parseOption(codewordOption, o.codeword, '--codeword') : parseOption(lengthOption, o.length, '--length'),
    bridge: parseOption(bridgeOption, o.bridge, '--bridge'),
    balance: o.balance,
    codewordsPerStrand: parseOption(perStrandOption, o.perStrand, '--per-strand'),
    ecc: parseOption(eccOption, o.ecc, '--ecc'),
    margin: parseOption(marginOption, o.margin, '--margin'),
  };
}
