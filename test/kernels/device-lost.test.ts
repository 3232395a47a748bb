/**
 * A lost device is reported once on stderr; later 'auto' calls run the TypeScript twins and 'gpu'
 * calls throw GpuUnavailableError. closeDevice() then lets a fresh device be made.
 * (Own file: it destroys the process's memoized device.)
 */
import { afterAll, expect, it, vi } from 'vitest';
import { closeDevice, getDevice, GpuUnavailableError, hessianAccumulate, hessianAccumulateTs } from '../../kernels/index.js';
import { Rng, countDifferent, randomNormal, requireGpu } from './_helpers.js';

afterAll(closeDevice);

it('falls back to the CPU after the device is lost, and recovers after closeDevice', async (ctx) => {
  const gpu = await requireGpu(ctx);
  const X = randomNormal(new Rng(2), 20 * 9, 1);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    gpu.device.destroy(); // what a driver reset looks like to WebGPU
    await gpu.device.lost;
    await new Promise((r) => setTimeout(r, 0)); // let the runtime's lost handler run
    expect(gpu.lostReason).toMatch(/^device lost \(destroyed/);
    const lines = stderr.mock.calls.map((c) => String(c[0]));
    expect(lines.filter((l) => l.includes('WebGPU device lost'))).toHaveLength(1);
    expect(lines.find((l) => l.includes('WebGPU device lost'))).toMatch(/^dnarchive: WebGPU device lost \(.*\); kernels fall back to the CPU\n$/);

    const H = new Float32Array(81);
    const run = await hessianAccumulate(H, X, { rows: 20, n: 9 });
    expect(run).toEqual({ ran: 'cpu', reason: gpu.lostReason });
    const want = new Float32Array(81);
    hessianAccumulateTs(want, X, 20, 9);
    expect(countDifferent(H, want)).toBe(0);

    await expect(hessianAccumulate(H, X, { rows: 20, n: 9 }, { device: 'gpu' })).rejects.toThrow(GpuUnavailableError);
    await expect(getDevice({ device: 'gpu' })).rejects.toThrow(/^WebGPU device unavailable: device lost \(destroyed/);
  } finally {
    stderr.mockRestore();
  }
  await closeDevice();
  const fresh = await getDevice({ device: 'gpu' });
  expect(fresh.kind === 'gpu' && fresh.gpu !== gpu && fresh.gpu.lostReason === null).toBe(true);
  const H = new Float32Array(81);
  expect((await hessianAccumulate(H, X, { rows: 20, n: 9 })).ran).toBe('gpu');
});
