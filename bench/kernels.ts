/**
 * WebGPU kernels vs their TypeScript twins (kernels/): throughput of each on the same data.
 * GPU times are end to end (upload, dispatch, read-back), after one untimed call that compiles the
 * pipeline; each is the median of `samples` calls (one call for the largest sizes). Twins run on
 * the main thread; where a twin would take minutes it is timed on a slice of the rows and its
 * rate scaled (its cost is linear in the rows), which the table marks with '*'.
 * GB/s counts f32 weights (4 bytes each) for quantize/dequantize and u8 codes for bit packing;
 * Mweight/s counts the weights whose group costs are measured (widths 2..8 with the clipping
 * search: the allocation's measurement) and the weights GPTQ quantizes, host Cholesky of the dampened H⁻¹ included on both
 * sides (the GPU path computes U on the CPU exactly as the twin does).
 * "GPU kernel" is the kernels' own time, without transfers or submission latency: the extra time
 * of calls whose passes are encoded several times over (GpuRuntime.withRepeatedPasses), per pass.
 * It is measured by default on GPUs and skipped on fallback (CPU) adapters, where it would take
 * minutes and equals the end-to-end time up to the host's copies.
 * The transposed products (Hessian, linear layer) are timed on both of their kernels: the vec4
 * one that CPU drivers take and the tiled one that GPUs take (ChunkLimits.vec4Products).
 * Run alone: `node dist/bench/kernels.js [--quick] [--kernel-only]`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import {
  closeDevice,
  dequantizeGroups,
  getDevice,
  gptqOnDevice,
  groupCostsOnDevice,
  hessianAccumulate,
  hessianAccumulateTs,
  matmul,
  matmulTs,
  packCodes,
  quantizeGroups,
} from '../kernels/index.js';
import type { GpuRuntime } from '../kernels/device.js';
import { packGroupedCodes } from '../src/quant/bitpack.js';
import { dequantizeMatrix } from '../src/quant/groups.js';
import { gptqQuantize } from '../src/quant/gptq.js';
import { measureGroupCosts } from '../src/quant/allocate.js';
import { HessianAccumulator } from '../src/quant/hessian.js';
import { rtnQuantize } from '../src/quant/rtn.js';
import { fixed, renderTable } from './_table.js';
import { Rng } from '../src/random.js';

export interface KernelBenchRow {
  kernel: string;
  size: string;
  unit: 'GFLOP/s' | 'GB/s' | 'Mweight/s';
  gpu: number;
  twin: number;
  /** The twin was timed on a slice of the rows. */
  twinScaled: boolean;
  gpuSeconds: number;
  /** Seconds per call of the twin (scaled to the whole size where twinScaled). */
  twinSeconds: number;
  /** Rate of the kernels alone, transfers excluded (same unit), where measured. */
  kernelOnly?: number;
}

export interface KernelBenchResult {
  adapter: string;
  rows: KernelBenchRow[];
}

function randomFloats(count: number, seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (rng.next() - 0.5) * scale;
  return out;
}

/**
 * H = 2/N Σ x xᵀ over N inputs whose columns share a common factor and a few others, with uneven
 * per-channel scales (like test/quant/_quant-fixtures.ts correlatedHessian, at O(n) per input).
 */
function correlatedHessian(n: number, tokens: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const normal = () => rng.next() + rng.next() + rng.next() + rng.next() - 2;
  const factors = 8;
  const chan = Float64Array.from({ length: n }, () => Math.exp(normal()));
  const load = Float64Array.from({ length: n * factors }, () => (0.3 * normal()) / Math.sqrt(factors));
  const acc = new HessianAccumulator(n, 'bench');
  const x = new Float64Array(n);
  const f = new Float64Array(factors);
  for (let t = 0; t < tokens; t++) {
    for (let k = 0; k < factors; k++) f[k] = normal();
    for (let i = 0; i < n; i++) {
      let s = normal() + 0.8 * f[0];
      for (let k = 1; k < factors; k++) s += load[i * factors + k] * f[k];
      x[i] = chan[i] * s;
    }
    acc.add(x);
  }
  return acc.hessian();
}

async function timeAsync(fn: () => Promise<unknown>, samples: number): Promise<number> {
  const t: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    await fn();
    t.push((performance.now() - t0) / 1e3);
  }
  t.sort((a, b) => a - b);
  return t[t.length >> 1];
}

function timeSync(fn: () => unknown, samples: number): number {
  const t: number[] = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    fn();
    t.push((performance.now() - t0) / 1e3);
  }
  t.sort((a, b) => a - b);
  return t[t.length >> 1];
}

/**
 * Seconds per call of the kernels alone: calls whose passes are encoded 1 + extra times, less the
 * plain call, over extra. `extra` grows until the difference is at least 50 ms (or 512 passes).
 */
async function kernelOnlySeconds(gpu: GpuRuntime, call: () => Promise<unknown>): Promise<number> {
  const base = await timeAsync(call, 3);
  let extra = 4;
  for (;;) {
    const repeated = await gpu.withRepeatedPasses(1 + extra, () => timeAsync(call, 3));
    const perPass = Math.max(repeated - base, 0) / extra;
    if (extra * perPass >= 0.05 || extra >= 512) return perPass;
    extra = Math.min(512, Math.max(2 * extra, Math.ceil(0.1 / Math.max(perPass, 1e-6))));
  }
}

/** The transposed products run on either kernel; each is timed (the default one first). */
function productKernels(gpu: GpuRuntime): { name: string; vec4Products: boolean }[] {
  const vec4 = { name: 'vec4', vec4Products: true };
  const tiled = { name: 'tiled', vec4Products: false };
  return gpu.limits.vec4Products ? [vec4, tiled] : [tiled, vec4];
}

export async function benchKernels(options: { quick?: boolean; kernelOnly?: boolean } = {}): Promise<KernelBenchResult> {
  const quick = options.quick === true;
  const dev = await getDevice({ device: 'auto' });
  const adapter = dev.kind === 'gpu' ? dev.gpu.adapter.name : `none (${dev.reason})`;
  console.log(`Kernels: WebGPU adapter ${adapter}`);
  if (dev.kind !== 'gpu') {
    console.log('   no GPU: nothing to compare, the kernels would run their twins.\n');
    return { adapter, rows: [] };
  }
  const gpu = dev.gpu;
  const realGpu = !gpu.adapter.fallback;
  const kernelOnly = options.kernelOnly ?? realGpu;
  const gpuOpt = { device: 'gpu' as const };
  const rows: KernelBenchRow[] = [];
  const rate = (work: number, call: () => Promise<unknown>) => (kernelOnly ? kernelOnlySeconds(gpu, call).then((s) => work / s) : Promise.resolve(undefined));

  // Hessian H += XᵀX: 2·rows·n² flops counted (the full product; the GPU computes only the upper triangle).
  const hessianSizes: [rows: number, n: number][] = quick
    ? [
        [1024, 256],
        [1024, 1024],
      ]
    : [[1024, 256], [1024, 1024], [4096, 2048], ...(realGpu ? ([[8192, 4096]] as [number, number][]) : [])];
  for (const [r, n] of hessianSizes) {
    const X = randomFloats(r * n, r + n);
    const H = new Float32Array(n * n);
    const big = r * n * n >= 2 ** 32;
    // The twin has an O(n²) set-up and merge, so its slice keeps at least 256 rows to amortise it.
    const sliceRows = Math.min(r, Math.max(256, Math.floor(2 ** 27 / (n * n))));
    const twinS = (timeSync(() => hessianAccumulateTs(H, X.subarray(0, sliceRows * n), sliceRows, n), 1) * r) / sliceRows;
    const flops = 2 * r * n * n;
    for (const { name, vec4Products } of productKernels(gpu)) {
      const o = { ...gpuOpt, limits: { vec4Products } };
      await hessianAccumulate(H, X.subarray(0, 16 * n), { rows: 16, n }, o);
      const call = () => hessianAccumulate(H, X, { rows: r, n }, o);
      const gpuS = await timeAsync(call, big ? 1 : 3);
      const kernel = await rate(flops / 1e9, call);
      rows.push({
        kernel: `hessian XᵀX, ${name}`,
        size: `${r} × ${n}`,
        unit: 'GFLOP/s',
        gpu: flops / gpuS / 1e9,
        twin: flops / twinS / 1e9,
        twinScaled: sliceRows < r,
        gpuSeconds: gpuS,
        twinSeconds: twinS,
        kernelOnly: kernel,
      });
    }
  }

  // Matmul C = A·B and the batched linear layer Y = X·Wᵀ: 2·m·k·n flops.
  const mmSizes: [label: string, m: number, k: number, n: number, transB: boolean][] = quick
    ? [
        ['matmul', 512, 512, 512, false],
        ['linear y=Wx', 512, 64, 172, true],
      ]
    : [
        ['matmul', 512, 512, 512, false],
        ['matmul', 2048, 2048, 2048, false],
        ['linear y=Wx', 512, 64, 172, true],
        ['linear y=Wx', 64, 4096, 4096, true],
        ...(realGpu
          ? ([
              ['matmul', 4096, 4096, 4096, false],
              ['linear y=Wx', 4096, 4096, 4096, true],
            ] as [string, number, number, number, boolean][])
          : []),
      ];
  for (const [label, m, k, n, transB] of mmSizes) {
    const A = randomFloats(m * k, m + k);
    const B = randomFloats(k * n, k + n);
    const C = new Float32Array(m * n);
    const big = m * k * n >= 2 ** 32;
    const sliceRows = Math.min(m, Math.max(4, Math.floor(2 ** 27 / (k * n))));
    const twinS = (timeSync(() => matmulTs(C.subarray(0, sliceRows * n), A, B, sliceRows, k, n, transB), 1) * m) / sliceRows;
    const flops = 2 * m * k * n;
    for (const { name, vec4Products } of transB ? productKernels(gpu) : [{ name: 'tiled', vec4Products: false }]) {
      const o = { ...gpuOpt, limits: { vec4Products } };
      await matmul(new Float32Array(Math.min(m, 16) * n), A.subarray(0, Math.min(m, 16) * k), B, { m: Math.min(m, 16), k, n, transB }, o);
      const call = () => matmul(C, A, B, { m, k, n, transB }, o);
      const gpuS = await timeAsync(call, big ? 1 : 3);
      const kernel = await rate(flops / 1e9, call);
      rows.push({
        kernel: `${label}, ${name}`,
        size: `${m} × ${k} · ${transB ? `(${n} × ${k})ᵀ` : `${k} × ${n}`}`,
        unit: 'GFLOP/s',
        gpu: flops / gpuS / 1e9,
        twin: flops / twinS / 1e9,
        twinScaled: sliceRows < m,
        gpuSeconds: gpuS,
        twinSeconds: twinS,
        kernelOnly: kernel,
      });
    }
  }

  // Group quantization (4 bits, groups of 32) and dequantization: GB/s of f32 weights.
  const qSizes: [rows: number, cols: number][] = quick
    ? [[1024, 1024]]
    : [
        [1024, 1024],
        [4096, 4096],
      ];
  for (const [r, c] of qSizes) {
    const W = randomFloats(r * c, r ^ c, 0.2);
    const bytes = r * c * 4;
    await quantizeGroups(W.subarray(0, 16 * c), 16, c, { groupSize: 32, bits: 4 }, gpuOpt);
    const qCall = () => quantizeGroups(W, r, c, { groupSize: 32, bits: 4 }, gpuOpt);
    const qGpu = await timeAsync(qCall, 3);
    const qTwin = timeSync(() => rtnQuantize(W, r, c, { groupSize: 32, bits: 4 }), 3);
    rows.push({
      kernel: 'quantize 4-bit g32',
      size: `${r} × ${c}`,
      unit: 'GB/s',
      gpu: bytes / qGpu / 1e9,
      twin: bytes / qTwin / 1e9,
      twinScaled: false,
      gpuSeconds: qGpu,
      twinSeconds: qTwin,
      kernelOnly: await rate(bytes / 1e9, qCall),
    });
    const m = rtnQuantize(W, r, c, { groupSize: 32, bits: 4 });
    await dequantizeGroups(
      { ...m, rows: 16, codes: m.codes.subarray(0, 16 * c), scaleCodes: m.scaleCodes.subarray(0, 16 * (c / 32)), zeros: m.zeros.subarray(0, 16 * (c / 32)) },
      gpuOpt,
    );
    const dCall = () => dequantizeGroups(m, gpuOpt);
    const dGpu = await timeAsync(dCall, 3);
    const dTwin = timeSync(() => dequantizeMatrix(m), 3);
    rows.push({
      kernel: 'dequantize 4-bit g32',
      size: `${r} × ${c}`,
      unit: 'GB/s',
      gpu: bytes / dGpu / 1e9,
      twin: bytes / dTwin / 1e9,
      twinScaled: false,
      gpuSeconds: dGpu,
      twinSeconds: dTwin,
      kernelOnly: await rate(bytes / 1e9, dCall),
    });
    // Bit packing at mixed widths 2..6 (GB/s of u8 codes in).
    const rng = new Rng(r + c);
    const widths = Uint8Array.from({ length: m.widths.length }, () => 2 + rng.below(5));
    const codes = Uint8Array.from(m.codes, (q, i) => q & ((1 << widths[Math.floor(i / 32)]) - 1));
    const shape = { rows: r, cols: c, groupSize: 32 };
    await packCodes(codes.subarray(0, 16 * c), widths.subarray(0, 16 * (c / 32)), { ...shape, rows: 16 }, gpuOpt);
    const pCall = () => packCodes(codes, widths, shape, gpuOpt);
    const pGpu = await timeAsync(pCall, 3);
    const pTwin = timeSync(() => packGroupedCodes(codes, r, c, 32, widths), 3);
    rows.push({
      kernel: 'bit-pack widths 2..6',
      size: `${r} × ${c}`,
      unit: 'GB/s',
      gpu: (r * c) / pGpu / 1e9,
      twin: (r * c) / pTwin / 1e9,
      twinScaled: false,
      gpuSeconds: pGpu,
      twinSeconds: pTwin,
      kernelOnly: await rate((r * c) / 1e9, pCall),
    });
  }

  // The allocation's measurement (widths 2..8, clipped grids, groups of 64): Mweight/s of the matrix.
  for (const [r, c] of quick
    ? [[256, 768]]
    : [
        [768, 2048],
        [2048, 768],
      ]) {
    const W = randomFloats(r * c, r * 3 + c, 0.02);
    const h = Float64Array.from(randomFloats(c, c, 1), (x) => 0.1 + x * x);
    const o = { groupSize: 64, minBits: 2, maxBits: 8, clip: true };
    await groupCostsOnDevice(W.subarray(0, 4 * c), 4, c, h, o, gpuOpt);
    const call = () => groupCostsOnDevice(W, r, c, h, o, gpuOpt);
    const gpuS = await timeAsync(call, 3);
    const slice = Math.min(r, 128);
    const twinS = (timeSync(() => measureGroupCosts(W.subarray(0, slice * c), slice, c, h, o), 1) * r) / slice;
    rows.push({
      kernel: 'group costs 2..8 g64 clip',
      size: `${r} × ${c}`,
      unit: 'Mweight/s',
      gpu: (r * c) / gpuS / 1e6,
      twin: (r * c) / twinS / 1e6,
      twinScaled: slice < r,
      gpuSeconds: gpuS,
      twinSeconds: twinS,
      kernelOnly: await rate((r * c) / 1e6, call),
    });
  }

  // GPTQ (4 bits, groups of 32, correlated Hessian): the whole gptqQuantize against gptqOnDevice.
  const gptqSizes = quick ? [512] : [512, 1024];
  const parity: string[] = [];
  for (const n of gptqSizes) {
    const H = correlatedHessian(n, 2 * n, n);
    const W = randomFloats(n * n, n + 1, 0.1);
    const opts = { groupSize: 32, bits: 4 };
    await gptqOnDevice(W.subarray(0, 4 * n), 4, n, H, opts, gpuOpt);
    let gpuResult: Awaited<ReturnType<typeof gptqOnDevice>>['result'] | undefined;
    const gpuS = await timeAsync(async () => {
      gpuResult = (await gptqOnDevice(W, n, n, H, opts, gpuOpt)).result;
    }, 3);
    let twinResult: ReturnType<typeof gptqQuantize> | undefined;
    const twinS = timeSync(() => (twinResult = gptqQuantize(W, n, n, H, opts)), 3);
    const weights = n * n;
    rows.push({
      kernel: 'gptq 4-bit g32',
      size: `${n} × ${n}`,
      unit: 'Mweight/s',
      gpu: weights / gpuS / 1e6,
      twin: weights / twinS / 1e6,
      twinScaled: false,
      gpuSeconds: gpuS,
      twinSeconds: twinS,
    });
    let differ = 0;
    for (let i = 0; i < weights; i++) if (gpuResult!.codes[i] !== twinResult!.codes[i]) differ++;
    const loss = (r: { groupLoss: Float64Array }) => r.groupLoss.reduce((a, b) => a + b, 0);
    parity.push(
      `${n} × ${n}: ${fixed((100 * differ) / weights, 3)} % of codes differ from the twin's, OBS loss ${fixed(loss(gpuResult!) / loss(twinResult!), 4)}× the twin's`,
    );
  }

  console.log(
    renderTable(
      [
        { header: '   kernel', align: 'l' },
        { header: 'size', align: 'l' },
        { header: 'unit', align: 'l' },
        { header: 'GPU' },
        { header: 'GPU kernel' },
        { header: 'TS twin' },
        { header: 'GPU/twin' },
        { header: 'GPU s/call' },
        { header: 'twin s/call' },
      ],
      rows.map((x) => [
        `   ${x.kernel}`,
        x.size,
        x.unit,
        fixed(x.gpu, 2),
        x.kernelOnly === undefined ? '—' : fixed(x.kernelOnly, 1),
        `${fixed(x.twin, 2)}${x.twinScaled ? '*' : ' '}`,
        `${fixed(x.gpu / x.twin, 2)}x`,
        fixed(x.gpuSeconds, 3),
        fixed(x.twinSeconds, 3),
      ]),
    ),
  );
  for (const line of parity) console.log(`   gptq parity (f32 GPU vs f64 twin), ${line}`);
  console.log(
    `   GPU = end to end (upload, dispatch, read-back); GPU kernel = the kernels alone (${kernelOnly ? 'passes encoded repeatedly, extra time per pass' : 'not measured on a fallback adapter; --kernel-only measures it'}); ` +
      `* = twin timed on a slice of the rows and scaled; vec4 / tiled = the product kernel (the first listed is this adapter's default).\n`,
  );
  return { adapter, rows };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchKernels({ quick: process.argv.includes('--quick'), kernelOnly: process.argv.includes('--kernel-only') ? true : undefined });
  await closeDevice();
}
