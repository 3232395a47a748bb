/** `dnarchive quantize` / `eval` refuse bad options and files with one line naming them, before any work (in-process). */
import { describe, it } from 'vitest';
import { expectOneLineError, runCli } from '../_cli.js';
import { MODEL, TEXT } from '../_fixtures.js';

describe('dnarchive quantize / eval (bad input)', () => {
  it('names the option or file', async () => {
    expectOneLineError(await runCli(['quantize', MODEL, '--calib', TEXT, '--bits', '0.5', '-o', '/tmp/never.dnq']), /--bits must be at least 1/);
    expectOneLineError(await runCli(['quantize', MODEL, '--calib', TEXT, '--entropy', '--uniform', '-o', '/tmp/never.dnq']), /--entropy: uses GPTQ/);
    expectOneLineError(await runCli(['quantize', MODEL, '--calib', '/nonexistent.txt', '-o', '/tmp/never.dnq']), /nonexistent\.txt: no such file/);
    expectOneLineError(await runCli(['eval', TEXT, '--text', TEXT]), /header field/);
    expectOneLineError(await runCli(['quantize', MODEL, '--calib', TEXT, '--tune', 'many', '-o', '/tmp/never.dnq']), /--tune must be a whole number of steps/);
    expectOneLineError(await runCli(['quantize', MODEL, '--calib', TEXT, '--tune', '1000000', '-o', '/tmp/never.dnq']), /--tune must be at most 100000 steps/);
    expectOneLineError(
      await runCli(['quantize', MODEL, '--calib', TEXT, '--tune', '3', '--tune-rate', 'fast', '-o', '/tmp/never.dnq']),
      /--tune-rate must be a number/,
    );
    expectOneLineError(
      await runCli(['quantize', MODEL, '--calib', TEXT, '--tune', '3', '--tune-rate', '0.5', '-o', '/tmp/never.dnq']),
      /--tune-rate must be at most 0.1/,
    );
    expectOneLineError(
      await runCli(['quantize', MODEL, '--calib', TEXT, '--tune', '3', '--tune-seed', '2.5', '-o', '/tmp/never.dnq']),
      /--tune-seed must be a whole number/,
    );
    expectOneLineError(
      await runCli(['quantize', MODEL, '--calib', TEXT, '--entropy', '--tune', '3', '--tune-headroom', 'some', '-o', '/tmp/never.dnq']),
      /--tune-headroom must be a number/,
    );
    expectOneLineError(
      await runCli(['quantize', MODEL, '--calib', TEXT, '--entropy', '--tune', '3', '--tune-headroom', '0.5', '-o', '/tmp/never.dnq']),
      /--tune-headroom must be at most 0.1/,
    );
    expectOneLineError(
      await runCli(['quantize', MODEL, '--calib', TEXT, '--tune', '3', '--tune-headroom', '0.01', '-o', '/tmp/never.dnq']),
      /--tune-headroom: applies to archive mode only/,
    );
    expectOneLineError(
      await runCli(['quantize', MODEL, '--calib', TEXT, '--tune', '3', '--tune-restarts', 'two', '-o', '/tmp/never.dnq']),
      /--tune-restarts must be a whole number/,
    );
    expectOneLineError(
      await runCli(['quantize', MODEL, '--calib', TEXT, '--tune', '3', '--tune-restarts', '0', '-o', '/tmp/never.dnq']),
      /--tune-restarts must be at least 1/,
    );
    expectOneLineError(
      await runCli(['quantize', MODEL, '--calib', TEXT, '--tune', '3', '--tune-restarts', '17', '-o', '/tmp/never.dnq']),
      /--tune-restarts must be at most 16/,
    );
    expectOneLineError(
      await runCli(['quantize', MODEL, '--calib', TEXT, '--tune-restarts', '2', '-o', '/tmp/never.dnq']),
      /--tune-restarts: chooses among tuning runs: give --tune/,
    );
    for (const t of ['hot', '9', '0.1'])
      expectOneLineError(
        await runCli(['quantize', MODEL, '--calib', TEXT, '--tune', '3', '--tune-temperature', t, '-o', '/tmp/never.dnq']),
        /--tune-temperature must be 'match' or a number from 0.25 to 4/,
      );
  });
});
