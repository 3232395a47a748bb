/**
 * `dnarchive quantize --device` with no adapter, in a process of its own (Vulkan's loader reads its
 * environment once per process; the built bin, dist/cli/main.js): auto falls back to the CPU with
 * one line saying why, and gpu fails with one line and a non-zero exit. Dawn's own "Warning:"
 * lines on stderr are its, not ours, and are set aside.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnCli } from '../_cli.js';
import { MODEL, TEXT } from '../_fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'dnarchive-device-process-'));
const QUICK = ['--calib', TEXT, '--bits', '4', '--method', 'rtn', '--uniform', '--calib-tokens', '16'];
const NO_VULKAN = { VK_ICD_FILENAMES: join(dir, 'no-such-icd.json'), VK_DRIVER_FILES: join(dir, 'no-such-icd.json') };

/** Our lines on stderr (Dawn's native warnings, which start with "Warning:" and may carry indented source locations, are not ours). */
function ours(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('dnarchive:'));
}

describe('dnarchive quantize --device without an adapter', () => {
  it('auto without an adapter: the CPU, with one line saying why; gpu without one: one error line, non-zero exit', () => {
    const auto = spawnCli(['quantize', MODEL, '-o', join(dir, 'auto.dnq'), ...QUICK, '--device', 'auto'], undefined, NO_VULKAN);
    expect(auto.code, auto.stderr).toBe(0);
    const lines = ours(auto.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^dnarchive: no WebGPU device \(.+\); kernels run on the CPU$/);

    const out = join(dir, 'never.dnq');
    const gpu = spawnCli(['quantize', MODEL, '-o', out, ...QUICK, '--device', 'gpu'], undefined, NO_VULKAN);
    expect(gpu.code).not.toBe(0);
    expect(ours(gpu.stderr)).toHaveLength(1);
    expect(ours(gpu.stderr)[0]).toMatch(/^dnarchive: WebGPU device unavailable: .+ \(use --device auto or cpu to run the TypeScript kernels\)$/);
    expect(gpu.stderr).not.toMatch(/at (file:|async |node:)/); // no JavaScript stack trace
    expect(existsSync(out)).toBe(false);
  });
});
