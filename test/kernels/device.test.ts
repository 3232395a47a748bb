/**
 * The device layer: one memoized device, which adapter ran, pipeline and buffer reuse, shader
 * compile errors naming the kernel, and the chunk planners that keep operands within the limits.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { gridParts, linearParts, spans } from '../../kernels/_chunks.js';
import { closeDevice, getDevice, hessianAccumulate, matmul, ShaderCompileError } from '../../kernels/index.js';
import { Rng, randomInts, requireGpu } from './_helpers.js';

afterAll(closeDevice);

describe('device', () => {
  it('is made once and reports its adapter', async (ctx) => {
    const gpu = await requireGpu(ctx);
    const again = await getDevice({ device: 'gpu' });
    expect(again.kind === 'gpu' && again.gpu).toBe(gpu);
    expect(gpu.adapter.name.length).toBeGreaterThan(0);
    expect(gpu.adapter.name).toContain(gpu.adapter.description || gpu.adapter.device || gpu.adapter.vendor);
    expect(gpu.limits.maxBindingBytes).toBeGreaterThanOrEqual(1 << 20);
    expect(gpu.limits.maxWorkgroupsPerDimension).toBeGreaterThanOrEqual(65535);
    ctx.annotate(`adapter: ${gpu.adapter.name}`);
  });

  it("'cpu' never opens the device", async () => {
    expect(await getDevice({ device: 'cpu' })).toEqual({ kind: 'cpu', reason: 'the CPU was asked for' });
  });

  it('reuses compiled pipelines and pooled buffers on repeated calls', async (ctx) => {
    const gpu = await requireGpu(ctx);
    const rng = new Rng(1);
    const X = randomInts(rng, 40 * 24, 5);
    const A = randomInts(rng, 30 * 20, 5);
    const B = randomInts(rng, 20 * 10, 5);
    const call = async () => {
      await hessianAccumulate(new Float32Array(24 * 24), X, { rows: 40, n: 24 }, { device: 'gpu' });
      await matmul(new Float32Array(30 * 10), A, B, { m: 30, k: 20, n: 10 }, { device: 'gpu' });
    };
    await call();
    const before = gpu.stats();
    await call();
    const after = gpu.stats();
    expect(after.pipelinesCompiled).toBe(before.pipelinesCompiled);
    expect(after.pipelineCacheHits).toBe(before.pipelineCacheHits + 2);
    expect(after.buffersCreated).toBe(before.buffersCreated);
    expect(after.buffersReused).toBeGreaterThan(before.buffersReused);
  });

  it("a WGSL compile error names the kernel and carries Dawn's message, and is not cached", async (ctx) => {
    const gpu = await requireGpu(ctx);
    const broken = '@compute @workgroup_size(1) fn main() { let x: f32 = undefined_thing; }';
    const err = await gpu.pipeline('broken-kernel', broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShaderCompileError);
    expect((err as Error).message).toMatch(/^kernel broken-kernel: WGSL did not compile: 1:\d+ .*undefined_thing/);
    expect((err as Error).message).not.toContain('\n');
    // The same name with valid code now compiles: failures are not remembered.
    await expect(gpu.pipeline('broken-kernel', '@compute @workgroup_size(1) fn main() {}')).resolves.toBeDefined();
  });
});

describe('chunk planners', () => {
  it('spans cover [0, total) in order with pieces of at most step', () => {
    fc.assert(
      fc.property(fc.nat(5000), fc.integer({ min: 1, max: 300 }), (total, step) => {
        const s = spans(total, step);
        let next = 0;
        for (const [start, count] of s) {
          expect(start).toBe(next);
          expect(count).toBeGreaterThan(0);
          expect(count).toBeLessThanOrEqual(step);
          next += count;
        }
        expect(next).toBe(total);
        expect(s.length).toBe(Math.ceil(total / step));
      }),
    );
  });

  it('gridParts tile the grid exactly once, each within maxPerDim', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 9 }), (tx, ty, max) => {
        const seen = new Uint8Array(tx * ty);
        for (const g of gridParts(tx, ty, max)) {
          expect(g.nx).toBeLessThanOrEqual(max);
          expect(g.ny).toBeLessThanOrEqual(max);
          for (let y = g.y0; y < g.y0 + g.ny; y++) for (let x = g.x0; x < g.x0 + g.nx; x++) seen[y * tx + x]++;
        }
        expect(seen.every((c) => c === 1)).toBe(true);
      }),
    );
  });

  it('linearParts reach every invocation once, within maxPerDim', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3000 }), fc.constantFrom(1, 4, 64), fc.integer({ min: 1, max: 12 }), (total, size, max) => {
        const seen = new Uint8Array(total);
        for (const d of linearParts(total, size, max)) {
          expect(d.nx).toBeLessThanOrEqual(max);
          expect(d.ny).toBeLessThanOrEqual(max);
          for (let w = 0; w < d.nx * d.ny; w++)
            for (let l = 0; l < size; l++) {
              const i = d.base + w * size + l;
              if (i < total && i >= d.base && i < d.base + max * max * size) seen[i]++;
            }
        }
        expect(seen.every((c) => c === 1)).toBe(true);
      }),
    );
  });
});
