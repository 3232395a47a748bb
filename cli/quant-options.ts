/**
 * The quantizer's options (`--calib`, `--bits`, `--method`, `--uniform`, `--entropy`, `--tokenizer`,
 * `--calib-tokens`, `--device`, `--tune`, `--tune-temperature`, `--tune-rate`, `--tune-headroom`, `--tune-seed`, `--tune-restarts`), defined once for every command that quantizes (`quantize`, `archive`), and
 * the tokenizer lookup shared with `eval` and `generate`.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import {
  DEFAULT_LATENT_RATE,
  DEFAULT_RATE_HEADROOM,
  DEFAULT_SAMPLE_TEMPERATURE,
  DEVICE_CHOICES,
  MAX_RATE_HEADROOM,
  MAX_TUNE_RESTARTS,
  readTokenizer,
  type DeviceChoice,
  type QuantizeModelOptions,
  type Tokenizer,
} from '../src/quant/index.js';
import { OptionError } from '../src/validate.js';
import { parseOption } from './options.js';

const budget = z
  .string()
  .regex(/^\d*\.?\d+$/, '--bits must be a number')
  .transform(Number)
  .pipe(z.number().min(1, '--bits must be at least 1').max(16, '--bits must be at most 16'));
const method = z.enum(['gptq', 'rtn'], { message: "--method must be 'gptq' or 'rtn'" });
const calibTokens = z
  .string()
  .regex(/^\d+$/, '--calib-tokens must be a whole number')
  .transform(Number)
  .pipe(
    z
      .number()
      .min(1, '--calib-tokens must be at least 1')
      .max(1 << 20, `--calib-tokens must be at most ${1 << 20}`),
  );
const tuneSteps = z
  .string()
  .regex(/^\d+$/, '--tune must be a whole number of steps')
  .transform(Number)
  .pipe(z.number().max(100_000, '--tune must be at most 100000 steps'));
const tuneTemperature = z.string().transform((v, ctx): number | 'match' => {
  if (v === 'match') return v;
  const t = /^\d*\.?\d+$/.test(v) ? Number(v) : NaN;
  if (!(t >= 0.25 && t <= 4)) {
    ctx.addIssue({ code: 'custom', message: "--tune-temperature must be 'match' or a number from 0.25 to 4" });
    return z.NEVER;
  }
  return t;
});
const tuneRate = z
  .string()
  .regex(/^\d*\.?\d+$/, '--tune-rate must be a number')
  .transform(Number)
  .pipe(z.number().min(1e-4, '--tune-rate must be at least 0.0001').max(0.1, '--tune-rate must be at most 0.1'));
const tuneHeadroom = z
  .string()
  .regex(/^\d*\.?\d+$/, '--tune-headroom must be a number')
  .transform(Number)
  .pipe(z.number().max(MAX_RATE_HEADROOM, `--tune-headroom must be at most ${MAX_RATE_HEADROOM}`));
const tuneSeed = z
  .string()
  .regex(/^\d+$/, '--tune-seed must be a whole number')
  .transform(Number)
  .pipe(z.number().max(0xffffffff, '--tune-seed must be at most 4294967295'));
const tuneRestarts = z
  .string()
  .regex(/^\d+$/, '--tune-restarts must be a whole number')
  .transform(Number)
  .pipe(z.number().min(1, '--tune-restarts must be at least 1').max(MAX_TUNE_RESTARTS, `--tune-restarts must be at most ${MAX_TUNE_RESTARTS}`));
const device = z.enum(DEVICE_CHOICES, { message: "--device must be 'auto', 'gpu' or 'cpu'" });

/** What commander hands over for the options addQuantizeOptions defines. */
export interface QuantizeCli {
  calib: string;
  bits: string;
  method: string;
  uniform?: boolean;
  entropy?: boolean;
  /** `archive` only: fixed-width codes instead of its default, archive mode. */
  fixed?: boolean;
  tokenizer?: string;
  calibTokens: string;
  device: string;
  tune: string;
  tuneTemperature: string;
  tuneRate: string;
  tuneHeadroom?: string;
  tuneSeed: string;
  tuneRestarts?: string;
}

/**
 * Adds the quantizer's options, with their defaults, to a command. `archiveMode`: the command
 * (`archive`) entropy-codes by default, and `--fixed` asks for fixed-width codes instead.
 */
export function addQuantizeOptions(command: Command, archiveMode = false): Command {
  if (archiveMode)
    command.option(
      '--fixed',
      'fixed-width codes (allocated widths, or one with --uniform) instead of archive mode: for a container meant for fixed-rate inference, larger for the same quality',
    );
  return command
    .requiredOption('--calib <text>', 'calibration text, one story per line (the first 9 stories are used)')
    .option('--bits <b>', 'all-in bits per weight over the linear layers (codes, zero points, scale codes, widths; or the entropy-coded streams)', '4')
    .option('--method <m>', 'gptq or rtn', 'gptq')
    .option('--uniform', 'one width for every group instead of allocated widths')
    .option(
      '--entropy',
      archiveMode
        ? 'archive mode (the default here): entropy-coded uniform steps per column'
        : 'archive mode: entropy-coded uniform steps per column (smaller for the same quality; not for fixed-rate GPU inference)',
    )
    .option('--tokenizer <file>', 'tokenizer.bin (default: tok512.bin beside the model)')
    .option('--calib-tokens <n>', 'calibration tokens per story, at most the model context (fewer is faster and coarser)', '512')
    .option(
      '--tune <steps>',
      'quantization-aware fine-tuning after quantizing: steps of distillation from the fp32 model on text it samples (see --tune-temperature; 2 sequences of up to 256 tokens per step; about 0.3 s per step for stories260K on two cores; 0 = none)',
      '0',
    )
    .option(
      '--tune-temperature <t>',
      "temperature at which the fp32 model samples the tuning text (the targets stay its own distributions; hotter visits harder contexts, closer to real text), or 'match': the temperature at which its samples are as hard for it as the calibration stories",
      String(DEFAULT_SAMPLE_TEMPERATURE),
    )
    .option(
      '--tune-rate <r>',
      'peak step of a quantized weight per tuning step, in units of its grid step (lower moves fewer codes, more surely)',
      String(DEFAULT_LATENT_RATE),
    )
    .option(
      '--tune-headroom <f>',
      `archive mode: the fraction of the budget the entropy-coded streams start under, so that codes tuning moves still fit (more frees the tuner, but starts coarser; default ${DEFAULT_RATE_HEADROOM})`,
    )
    .option('--tune-seed <n>', 'seed of the tuning text the fp32 model samples (the same seed gives the same container)', '1')
    .option(
      '--tune-restarts <k>',
      'tune k times, with seeds n, n + 1, …, and keep the run closest to the fp32 model (lowest KL) on the calibration stories: k times the tuning time, for less luck of the seed (default 1)',
    )
    .option(
      '--device <d>',
      "where calibration, the allocation's measurement and GPTQ run: cpu (default: the same container on every machine), gpu, or auto (a WebGPU adapter if there is one, else the CPU)",
      'cpu',
    );
}

export function quantizeOptionsFromCli(o: QuantizeCli, archiveMode = false): QuantizeModelOptions & { device: DeviceChoice } {
  const budgetBitsPerWeight = parseOption(budget, o.bits, '--bits');
  if (o.fixed && o.entropy) throw new OptionError('dnarchive', '--fixed', 'and --entropy ask for different codes: give one');
  if (archiveMode && !o.fixed && (o.uniform || o.method !== 'gptq'))
    throw new OptionError(
      'dnarchive',
      o.uniform ? '--uniform' : '--method',
      'applies to fixed-width codes: archive entropy-codes by default (GPTQ, its own step allocation); add --fixed',
    );
  // archive entropy-codes unless --fixed; quantize only with --entropy.
  if (archiveMode && !o.fixed) o = { ...o, entropy: true };
  if (o.entropy && (o.uniform || o.method !== 'gptq'))
    throw new OptionError('dnarchive', '--entropy', 'uses GPTQ with its own step allocation: drop --uniform and --method rtn');
  if (o.tuneRestarts !== undefined && (o.tune === undefined || o.tune === '0'))
    throw new OptionError('dnarchive', '--tune-restarts', 'chooses among tuning runs: give --tune <steps> too');
  if (o.tuneHeadroom !== undefined && !o.entropy)
    throw new OptionError(
      'dnarchive',
      '--tune-headroom',
      'applies to archive mode only (--entropy): fixed-width codes cost the same bits whatever tuning does',
    );
  return {
    entropy: o.entropy === true,
    method: parseOption(method, o.method, '--method'),
    budgetBitsPerWeight,
    allocate: !o.uniform,
    tokensPerStory: parseOption(calibTokens, o.calibTokens, '--calib-tokens'),
    device: parseOption(device, o.device, '--device'),
    ...(o.tune !== undefined && o.tune !== '0'
      ? {
          tune: {
            steps: parseOption(tuneSteps, o.tune, '--tune'),
            sampleTemperature: parseOption(tuneTemperature, o.tuneTemperature ?? String(DEFAULT_SAMPLE_TEMPERATURE), '--tune-temperature'),
            latentRate: parseOption(tuneRate, o.tuneRate ?? String(DEFAULT_LATENT_RATE), '--tune-rate'),
            seed: parseOption(tuneSeed, o.tuneSeed ?? '1', '--tune-seed'),
            ...(o.tuneHeadroom !== undefined ? { rateHeadroom: parseOption(tuneHeadroom, o.tuneHeadroom, '--tune-headroom') } : {}),
            ...(o.tuneRestarts !== undefined ? { restarts: parseOption(tuneRestarts, o.tuneRestarts, '--tune-restarts') } : {}),
          },
        }
      : {}),
  };
}

/** The tokenizer named by --tokenizer, else tok512.bin beside the model (one line naming the option if neither exists). */
export function tokenizerFor(modelPath: string, option: string | undefined, vocab: number): Tokenizer {
  const path = option ?? join(dirname(modelPath), 'tok512.bin');
  if (!option && !existsSync(path)) throw new OptionError('dnarchive', '--tokenizer', `no tokenizer given and none at ${path}`);
  return readTokenizer(path, vocab);
}
