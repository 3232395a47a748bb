/**
 * The quantizer with a device choice (issue #6): `--device auto|gpu|cpu`.
 *
 * - cpu: the plain TypeScript path of quantize-model.ts (the per-token forward pass feeding f64
 *   Hessian accumulators), unchanged.
 * - gpu: the heavy math runs in the WebGPU kernels (kernels/):
 *   - calibration: the forward pass over whole sequences does every linear layer as one batched
 *     product (kernels/matmul.ts), and each layer's Hessian is accumulated per batch by
 *     kernels/hessian.ts in f32, then summed over batches in f64 here (spec quant.md §11.4);
 *   - the allocation's measurement, every group's error at every width (kernels/group-costs.ts),
 *     for the group-size choice and the allocation alike;
 *   - GPTQ's column loop and lazy updates (kernels/gptq.ts).
 *   Attention, norms, the importance probe, the allocation itself (a bisection over the measured
 *   costs), containers, and archive mode's entropy-coded GPTQ stay in TypeScript.
 * - auto: gpu when a WebGPU adapter exists, else cpu, with one line on stderr saying why
 *   (kernels/device.ts prints it).
 *
 * The two paths differ only in rounding: the kernels work in f32 where the TypeScript path works in
 * f64, so activations, H, the measured costs and GPTQ's error feedback differ in their last bits
 * (relative ~1e-7 to 1e-6), which can move a GPTQ rounding decision (a code by one step) or an
 * allocation decision at a tie. The test suite measures how much
 * (test/quant/quantize-device.test.ts); `cpu`, the default of the CLI, gives the same container on
 * every machine.
 */
import { getDevice, type DeviceChoice, type KernelDevice } from '../../kernels/device.js';
import { groupCostsOnDevice } from '../../kernels/group-costs.js';
import { gptqOnDevice } from '../../kernels/gptq.js';
import { hessianAccumulate } from '../../kernels/hessian.js';
import { linear } from '../../kernels/matmul.js';
import type { KernelRun } from '../../kernels/_run.js';
import { QuantInputError } from './errors.js';
import { forwardBatched, MAX_BATCH_TOKENS, type BatchedInputHook, type BatchedLinear } from './model/batched-forward.js';
import type { LinearName, LlamaModel } from './model/llama.js';
import { FactorPrefetch, type FactorRequest } from './factor-prefetch.js';
import { DEFAULT_DAMP_RETRIES, DEFAULT_PERCDAMP } from './gptq.js';
import { MatrixWorkers } from './matrix-workers.js';
import type { MatrixEngine } from './pipeline.js';
import { calibrate, quantizeModel, type Calibrated, type QuantizedModel, type QuantizeModelOptions } from './quantize-model.js';
import type { Tokenizer } from './tokenizer/index.js';

export type { DeviceChoice } from '../../kernels/device.js';
export const DEVICE_CHOICES = ['auto', 'gpu', 'cpu'] as const;

/** Where the quantizer's heavy math ran. */
export interface DeviceReport {
  /** What was asked for. */
  choice: DeviceChoice;
  /** What ran: 'gpu' (WebGPU kernels) or 'cpu' (the plain TypeScript path). */
  kind: 'gpu' | 'cpu';
  /** 'webgpu (Dawn)' or 'typescript'. */
  backend: string;
  /** The adapter's name ("llvmpipe: Mesa … [mesa software, fallback adapter]"), or 'TypeScript on the CPU'. */
  adapter: string;
  /** Why the CPU ran, when it did. */
  reason?: string;
  /** Kernel calls on each side (gpu only; a lost device, or f32 overflow in GPTQ, hands calls to the twins under auto). */
  kernelCalls?: { gpu: number; cpu: number };
}

/** One line for people: which adapter and backend ran. */
export function describeDevice(r: DeviceReport): string {
  if (r.kind === 'gpu') {
    const fell =
      r.kernelCalls && r.kernelCalls.cpu > 0
        ? ` (${r.kernelCalls.cpu} of ${r.kernelCalls.cpu + r.kernelCalls.gpu} kernel calls fell back to the CPU: ${r.reason ?? 'device lost'})`
        : '';
    return `device ${r.choice}: ${r.adapter}, backend ${r.backend}${fell}`;
  }
  return `device ${r.choice}: ${r.adapter}, backend ${r.backend}${r.reason ? ` (${r.reason})` : ''}`;
}

const CPU_ADAPTER = 'TypeScript on the CPU';

function reportOf(choice: DeviceChoice, dev: KernelDevice): DeviceReport {
  return dev.kind === 'gpu'
    ? { choice, kind: 'gpu', backend: 'webgpu (Dawn)', adapter: dev.gpu.adapter.name }
    : { choice, kind: 'cpu', backend: 'typescript', adapter: CPU_ADAPTER, reason: dev.reason };
}

/** The device `choice` resolves to (gpu throws GpuUnavailableError without an adapter; auto falls back and says why once). */
export async function resolveDevice(choice: DeviceChoice = 'auto'): Promise<{ device: KernelDevice; report: DeviceReport }> {
  if (!(DEVICE_CHOICES as readonly string[]).includes(choice))
    throw new QuantInputError('device', `"${String(choice)}" is not one of ${DEVICE_CHOICES.join(', ')}`);
  const device = await getDevice({ device: choice });
  return { device, report: reportOf(choice, device) };
}

/** Σ x xᵀ per linear input in f64, filled batch by batch from f32 kernel sums. */
class BatchHessians {
  private readonly sums = new Map<string, { S: Float64Array; n: number; count: number }>();
  private readonly scratch = new Map<number, Float32Array>();
  constructor(private readonly shares: Readonly<Record<string, string>>) {}

  async add(
    layer: number,
    name: string,
    X: Float32Array,
    rows: number,
    n: number,
    run: (H: Float32Array, X: Float32Array, rows: number, n: number) => Promise<void>,
  ): Promise<void> {
    if (Object.hasOwn(this.shares, name)) return;
    const key = `${layer}.${name}`;
    let e = this.sums.get(key);
    if (!e) {
      e = { S: new Float64Array(n * n), n, count: 0 };
      this.sums.set(key, e);
    }
    let H = this.scratch.get(n);
    if (!H) {
      H = new Float32Array(n * n);
      this.scratch.set(n, H);
    }
    H.fill(0);
    await run(H, X, rows, n);
    const S = e.S;
    for (let i = 0; i < S.length; i++) S[i] += H[i];
    e.count += rows;
  }

  /** HessianCollector's interface: `get(layer, name).hessian()` is H = 2 S / N (a new array). */
  get(layer: number, name: string): { hessian(): Float64Array } | undefined {
    const owner = Object.hasOwn(this.shares, name) ? this.shares[name] : name;
    const e = this.sums.get(`${layer}.${owner}`);
    if (!e) return undefined;
    return {
      hessian: () => {
        const f = e.count > 0 ? 2 / e.count : 0;
        const H = new Float64Array(e.S.length);
        for (let i = 0; i < H.length; i++) H[i] = e.S[i] * f;
        return H;
      },
    };
  }
}

const SHARES = { wk: 'wq', wv: 'wq', w3: 'w1' } as const;

/** The token sequences calibration runs: each story from BOS, cut as `calibrate` cuts it. */
export function calibrationSequences(model: LlamaModel, tokenizer: Tokenizer, stories: readonly string[], tokensPerStory = 512): number[][] {
  return stories.map((s) => tokenizer.encode(s, true).slice(0, Math.min(tokensPerStory, model.config.seqLen)));
}

/** Counts where kernel calls ran, keeping the first reason a call fell back to its twin. */
class CallCounter {
  readonly calls = { gpu: 0, cpu: 0 };
  reason?: string;
  count(r: KernelRun): void {
    if (r.ran === 'gpu') this.calls.gpu++;
    else {
      this.calls.cpu++;
      this.reason ??= r.reason;
    }
  }
}

/**
 * Calibration on the kernels: the batched forward pass with its products in kernels/matmul.ts and
 * the Hessians in kernels/hessian.ts, on `device` ('gpu' or 'auto'; 'cpu' runs the kernels' twins,
 * which tests use). Returns what quantizeModel takes as `calibrated`.
 */
export async function calibrateWithKernels(
  model: LlamaModel,
  sequences: readonly (readonly number[])[],
  device: DeviceChoice,
  maxBatchTokens = MAX_BATCH_TOKENS,
  counter = new CallCounter(),
): Promise<{ calibrated: Calibrated; kernelCalls: { gpu: number; cpu: number }; reason?: string }> {
  const opts = { device };
  const lin: BatchedLinear = async (Y, W, X, rows, inFeatures, outFeatures) =>
    counter.count(await linear(Y, W, X, { batch: rows, inFeatures, outFeatures }, opts));
  const hessians = new BatchHessians(SHARES);
  const hook: BatchedInputHook = (layer, name: LinearName, X, rows) =>
    hessians.add(layer, name, X, rows, X.length / rows, async (H, XX, r, n) => counter.count(await hessianAccumulate(H, XX, { rows: r, n }, opts)));
  await forwardBatched(model, sequences, lin, hook, maxBatchTokens);
  const tokens = sequences.reduce((a, s) => a + s.length, 0);
  return { calibrated: { collector: hessians, tokens }, kernelCalls: counter.calls, reason: counter.reason };
}

/**
 * Calibration on the chosen device: the kernels on a GPU, else the plain TypeScript `calibrate`.
 * The bench times this phase on its own; quantizeModelOnDevice is the whole quantizer.
 */
export async function calibrateOnDevice(
  model: LlamaModel,
  tokenizer: Tokenizer,
  stories: readonly string[],
  options: { device?: DeviceChoice; tokensPerStory?: number } = {},
  counter = new CallCounter(),
): Promise<{ calibrated: Calibrated; device: DeviceReport }> {
  const { device, report } = await resolveDevice(options.device ?? 'auto');
  const tokensPerStory = options.tokensPerStory ?? 512;
  if (device.kind === 'cpu') return { calibrated: calibrate(model, tokenizer, stories, tokensPerStory), device: report };
  const r = await calibrateWithKernels(model, calibrationSequences(model, tokenizer, stories, tokensPerStory), report.choice, MAX_BATCH_TOKENS, counter);
  return { calibrated: r.calibrated, device: withCalls(report, counter) };
}

/** The report with the kernel calls counted so far, and the first reason one fell back. */
function withCalls(report: DeviceReport, counter: CallCounter): DeviceReport {
  return { ...report, kernelCalls: { ...counter.calls }, ...(counter.reason ? { reason: counter.reason } : {}) };
}

/**
 * The allocation's measurement and GPTQ as kernels on `device`, each call counted. With `workers`
 * (more than one thread), GPTQ's inverse factors are computed ahead on them (factor-prefetch.ts)
 * while the GPU works; the caller closes the workers.
 */
export function deviceEngine(device: DeviceChoice, counter = new CallCounter(), workers?: MatrixWorkers): MatrixEngine {
  const prefetch = workers && workers.threads > 1 ? new FactorPrefetch(workers) : undefined;
  const recipe = (H: Float64Array, cols: number, percdamp: number | undefined, retries: number | undefined, where: string): FactorRequest => ({
    H,
    cols,
    percdamp: percdamp ?? DEFAULT_PERCDAMP,
    retries: retries ?? DEFAULT_DAMP_RETRIES,
    where,
  });
  return {
    announceGptq: prefetch
      ? (matrices, options) => prefetch.announce(matrices.map((m) => recipe(m.H, m.cols, options.percdamp, undefined, m.name)))
      : undefined,
    groupCosts: async (W, rows, cols, hdiag, options) => {
      const r = await groupCostsOnDevice(W, rows, cols, hdiag, options, { device });
      counter.count(r.run);
      return r.costs;
    },
    gptq: async (W, rows, cols, H, options) => {
      const factor = prefetch?.claim(recipe(H, cols, options.percdamp, options.dampRetries, options.where ?? 'gptqOnDevice'));
      const r = await gptqOnDevice(W, rows, cols, H, options, { device }, factor);
      counter.count(r.run);
      return r.result;
    },
  };
}

/**
 * quantizeModel on the chosen device (default auto): calibration, the allocation's measurement and
 * GPTQ on its kernels; on the CPU, the measurement and GPTQ of several matrices at once on
 * `threads` worker threads (default: every core).
 */
export async function quantizeModelOnDevice(
  model: LlamaModel,
  tokenizer: Tokenizer,
  stories: readonly string[],
  options: QuantizeModelOptions & { device?: DeviceChoice; threads?: number },
): Promise<QuantizedModel & { device: DeviceReport }> {
  const { device: _choice, threads: _threads, ...rest } = options;
  // One counter for calibration and the engine: the report covers every kernel call.
  const counter = new CallCounter();
  const { calibrated, device } = await calibrateOnDevice(
    model,
    tokenizer,
    stories,
    { device: options.device, tokensPerStory: options.tokensPerStory },
    counter,
  );
  if (device.kind === 'cpu') {
    // The TypeScript path on all cores: the same container as on one (matrix-workers.ts).
    const workers = new MatrixWorkers(options.threads);
    try {
      return { ...(await quantizeModel(model, tokenizer, stories, { ...rest, calibrated, engine: workers.engine() })), device };
    } finally {
      await workers.close();
    }
  }
  // Worker threads factor GPTQ's Hessians while the GPU measures the allocation.
  const workers = new MatrixWorkers(options.threads);
  try {
    const q = await quantizeModel(model, tokenizer, stories, { ...rest, calibrated, engine: deviceEngine(device.choice, counter, workers) });
    return { ...q, device: withCalls(device, counter) };
  } finally {
    await workers.close();
  }
}
