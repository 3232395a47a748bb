/**
 * `dnarchive quantize --device auto|gpu|cpu`, in-process: a bad value is one line and a non-zero
 * exit before any work; cpu and gpu each print one line naming the adapter and backend that ran
 * (no adapter: quantize-device-process.slow.test.ts, which needs a process of its own). Dawn's own "Warning:" lines on stderr are its, not ours, and are set aside.
 * RTN, one width and 16 calibration tokens per story: only the plumbing is under test here.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDevice } from '../../kernels/index.js';
import { expectOneLineError, runCli } from '../_cli.js';
import { requireGpu } from '../kernels/_helpers.js';
import { MODEL, TEXT } from '../_fixtures.js';

afterAll(closeDevice);

const dir = mkdtempSync(join(tmpdir(), 'dnarchive-device-cli-'));
const QUICK = ['--calib', TEXT, '--bits', '4', '--method', 'rtn', '--uniform', '--calib-tokens', '16'];

/** Our lines on stderr (Dawn's native warnings, which start with "Warning:" and may carry indented source locations, are not ours). */
function ours(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('dnarchive:'));
}

describe('dnarchive quantize --device', () => {
  it('a bad value is one line naming the option, a non-zero exit, and no output', async () => {
    const out = join(dir, 'bad.dnq');
    expectOneLineError(await runCli(['quantize', MODEL, '-o', out, ...QUICK, '--device', 'foo']), /--device must be 'auto', 'gpu' or 'cpu'/);
    expect(existsSync(out)).toBe(false);
  });

  it('cpu: one line names the TypeScript backend; the JSON summary carries the device', async () => {
    const r = await runCli(['quantize', MODEL, '-o', join(dir, 'cpu.dnq'), ...QUICK, '--device', 'cpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(ours(r.stderr)).toEqual(['dnarchive: device cpu: TypeScript on the CPU, backend typescript (the CPU was asked for)']);
    expect(JSON.parse(r.stdout).device).toMatchObject({ choice: 'cpu', kind: 'cpu', backend: 'typescript' });
  });

  it('gpu: one line names the adapter and backend; the container is the cpu one', async (ctx) => {
    const gpu = await requireGpu(ctx);
    const out = join(dir, 'gpu.dnq');
    const r = await runCli(['quantize', MODEL, '-o', out, ...QUICK, '--device', 'gpu']);
    expect(r.code, r.stderr).toBe(0);
    const lines = ours(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(`dnarchive: device gpu: ${gpu.adapter.name}, backend webgpu (Dawn)`);
    const cpu = join(dir, 'cpu2.dnq');
    expect((await runCli(['quantize', MODEL, '-o', cpu, ...QUICK, '--device', 'cpu'])).code).toBe(0);
    expect(readFileSync(out).equals(readFileSync(cpu))).toBe(true); // see quantize-device.test.ts for why it may differ elsewhere
  });
});
