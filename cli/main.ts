#!/usr/bin/env node
/** dnarchive command line: parses options and calls the library; every failure is one line. */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { DnarchiveError } from '../src/errors.js';
import { registerLoco } from './commands/loco.js';
import { registerCodec } from './commands/codec.js';
import { registerDemo } from './commands/demo.js';
import { registerVerify } from './commands/verify.js';
import { registerEcc } from './commands/ecc.js';
import { registerPool } from './commands/pool.js';
import { registerSimulate } from './commands/simulate.js';
import { registerQuant } from './commands/quant.js';
import { registerArchive } from './commands/archive.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command()
    .name('dnarchive')
    .description('Archive data, and quantized neural-network models above all, in synthetic DNA.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDemo(program);
  registerPool(program);
  registerSimulate(program);
  registerQuant(program);
  registerArchive(program);
  registerCodec(program);
  registerLoco(program);
  registerEcc(program);
  registerVerify(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander already printed it
    if (err instanceof DnarchiveError) {
      process.stderr.write(`dnarchive: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as NodeJS.ErrnoException;
    if (e && typeof e.code === 'string' && e.syscall) {
      process.stderr.write(`dnarchive: ${e.path ?? ''}${e.path ? ': ' : ''}${e.message}\n`);
      return 1;
    }
    process.stderr.write(`dnarchive: internal error (please report): ${e?.stack ?? String(err)}\n`);
    return 70;
  }
}

process.exitCode = await main(process.argv);
