/**
 * Whole-process behaviour, in child processes: with no Vulkan driver visible 'auto' falls back to
 * the CPU with one line on stderr and 'gpu' fails with a one-line typed error; with the device,
 * a kernel runs and Node exits on its own after closeDevice().
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireGpu } from './_helpers.js';

const KERNELS = fileURLToPath(new URL('../../kernels/index.ts', import.meta.url));

const SCRIPT = `
const { closeDevice, hessianAccumulate } = await import(${JSON.stringify(KERNELS)});
const device = process.argv[1];
const H = new Float32Array(4);
try {
  const run = await hessianAccumulate(H, new Float32Array([1, 2, 3, 4]), { rows: 2, n: 2 }, { device });
  console.log(JSON.stringify({ run, H: Array.from(H) }));
} catch (err) {
  console.log(JSON.stringify({ error: err.name, code: err.code, message: err.message }));
}
await closeDevice();
`;

function child(device: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, device], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.error).toBeUndefined(); // not killed by the timeout: Node exited by itself
  expect(r.status).toBe(0);
  return { out: JSON.parse(r.stdout.trim().split('\n').pop()!), stderr: r.stderr };
}

// The Vulkan loader reads its driver list from here; pointing it at nothing hides every driver.
const NO_DRIVER = { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' };

describe('processes', () => {
  it("without an adapter, 'auto' runs the twin and says why once on stderr", () => {
    const { out, stderr } = child('auto', NO_DRIVER);
    expect(out.run.ran).toBe('cpu');
    expect(out.run.reason).toMatch(/no adapter/);
    expect(out.H).toEqual([10, 14, 14, 20]);
    const ours = stderr.split('\n').filter((l) => l.startsWith('dnarchive:'));
    expect(ours).toEqual([`dnarchive: no WebGPU device (${out.run.reason}); kernels run on the CPU`]);
  });

  it("without an adapter, 'gpu' is a GpuUnavailableError with the reason", () => {
    const { out } = child('gpu', NO_DRIVER);
    expect(out.error).toBe('GpuUnavailableError');
    expect(out.code).toBe('GPU_UNAVAILABLE');
    expect(out.message).toMatch(/^WebGPU device unavailable: Dawn found no adapter.*\(use --device auto or cpu to run the TypeScript kernels\)$/);
  });

  it('with the device, a kernel runs on the GPU and Node exits after closeDevice', async (ctx) => {
    await requireGpu(ctx);
    const { out } = child('gpu');
    expect(out.run.ran).toBe('gpu');
    expect(out.H).toEqual([10, 14, 14, 20]);
  });
});
