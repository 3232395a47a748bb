/**
 * The dnarchive command line as a function: `run(argv, io)` parses the options, calls the library
 * and returns the exit code; every failure is one line on io.stderr. The bin (main.ts) passes the
 * process's streams; tests pass buffers and run it in-process.
 */
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
import { registerConsensus } from './commands/consensus.js';
import { removeLiveTemps } from '../src/pack/temp-files.js';
import { processIo, type CliIo } from './io.js';

/** package.json, from cli/ (sources) or dist/cli/ (compiled). */
function version(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      // not this level
    }
  }
  return '0.0.0';
}

export function buildProgram(io: CliIo): Command {
  const program = new Command()
    .name('dnarchive')
    .description('Archive data, and quantized neural-network models above all, in synthetic DNA.')
    .version(version())
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();
  for (const register of [
    registerDemo,
    registerPool,
    registerSimulate,
    registerQuant,
    registerArchive,
    registerConsensus,
    registerCodec,
    registerLoco,
    registerEcc,
    registerVerify,
  ]) {
    register(program, io);
  }
  for (const c of program.commands) {
    c.exitOverride();
    c.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  }
  return program;
}

/** Runs `dnarchive` with `argv` (the arguments after the program name) and returns its exit code. */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    await buildProgram(io).parseAsync([...argv], { from: 'user' });
    return io.exitCode;
  } catch (err) {
    return report(err, argv, io);
  } finally {
    // Outputs are renamed into place or removed before a command returns; what is left (stdin
    // spooled to a file) goes with the command.
    removeLiveTemps();
  }
}

/** The one line (and the exit code) for an error that ended a command. */
function report(err: unknown, argv: readonly string[], io: CliIo): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander already printed it
  if (err instanceof DnarchiveError) {
    io.stderr.write(`dnarchive: ${err.message}\n`);
    // A caller reading --json output gets the failure as JSON too, not an empty stdout.
    if (argv.includes('--json')) io.stdout.write(`${JSON.stringify({ error: { code: err.code, message: err.message, exitCode: err.exitCode } })}\n`);
    return err.exitCode;
  }
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EPIPE') return EXIT_BROKEN_PIPE; // the reader of stdout went away (`| head`): nothing to say to it
  if (e && typeof e.code === 'string' && e.syscall) {
    io.stderr.write(`dnarchive: ${e.path ?? ''}${e.path ? ': ' : ''}${e.message}\n`);
    return 1;
  }
  io.stderr.write(`dnarchive: internal error (please report): ${e?.stack ?? String(err)}\n`);
  return 70;
}

/** 128 + the signal's number, as a shell reports a process that a signal ended. */
const EXIT_SIGNAL = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;
/** As a C tool that SIGPIPE ended: `dnarchive encode … -o - | head` stops quietly. */
const EXIT_BROKEN_PIPE = 141;

/**
 * The bin: `run` on the process's own streams, with what only a whole process needs — an
 * interrupt or termination removes the temporary files of outputs not yet renamed into place
 * before it exits, and a closed stdout pipe ends the run quietly.
 */
export async function runProcess(argv: readonly string[]): Promise<number> {
  for (const [signal, code] of Object.entries(EXIT_SIGNAL)) {
    process.once(signal, () => {
      removeLiveTemps();
      process.exit(code);
    });
  }
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    removeLiveTemps();
    if (err.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
    process.stderr.write(`dnarchive: standard output: ${err.message}\n`);
    process.exit(1);
  });
  return run(argv, processIo());
}
