/**
 * Speed and scale of the quantizer (issues #5, #6): calibration, allocation and GPTQ on
 * stories260K and on a generated llama2.c model of 57 M parameters, with calibration on each
 * device the machine has (the WebGPU kernels, and the plain TypeScript path), in one process.
 *
 * Phases, each timed on its own (wall seconds, CPU seconds of the whole process — lavapipe's
 * threads included — and peak RSS during the phase, from VmHWM after resetting it through
 * /proc/self/clear_refs; where that is not possible the process-lifetime peak is shown, marked):
 *   calibration      per device: forward pass over the calibration tokens + every layer's Hessian
 *   quantization     per device (cpu: TypeScript with the per-matrix work on one worker thread per
 *                    core, as the CLI runs it): importance probe (stories260K only), the group-size
 *                    choice and allocation (their measurement on the device's kernels), GPTQ (on
 *                    the device's kernels), the container
 *   allocation       per device, measured again on its own (RD curves + bit allocation, with RTN
 *                    rounding of the allocated widths, which costs little), at the chosen group size
 * weights/s counts the linear layers' weights (the quantized ones). For stories260K the two
 * devices' containers are compared code by code, and their perplexity on the evaluation stories.
 *
 * The generated model (bench/synthetic-model.ts) is written to a temporary directory and removed.
 * Run alone: `node dist/bench/scale.js [--quick]`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { closeDevice } from '../kernels/device.js';
import {
  calibrateOnDevice,
  deviceEngine,
  dequantizeMatrix,
  MatrixWorkers,
  evaluate,
  LINEAR_NAMES,
  linearShape,
  modelFromDnq,
  measureAllocation,
  quantizeModel,
  readDnq,
  readLlama2c,
  readStories,
  readTokenizer,
  resolveDevice,
  scaleExponentFor,
  type Calibrated,
  type DeviceChoice,
  type LlamaModel,
  type MatrixEngine,
  type MatrixInput,
  type QuantizedModel,
  type Tokenizer,
} from '../src/quant/index.js';
import { fixed, renderTable, si } from './_table.js';
import { MODEL, TEXT, TOKENIZER } from './_fixtures.js';
import { parameterCount, SCALE_CONFIG, SCALE_CONFIG_QUICK, writeSyntheticModel } from './synthetic-model.js';

export interface ScaleRow {
  model: string;
  phase: string;
  device: string;
  wallSeconds: number;
  cpuSeconds: number;
  weightsPerSecond: number;
  peakRssMiB: number;
  /** False when the peak could not be reset before the phase (then it is the process's lifetime peak). */
  peakIsPhase: boolean;
  note: string;
}

export interface ScaleResult {
  adapter: string;
  load: number[];
  rows: ScaleRow[];
  ratios: { model: string; what: string; wall: number; cpu: number }[];
  containers?: {
    differingCodes: number;
    codes: number;
    differingWidths: number;
    maxAbsWeightDiff: number;
    bytesGpu: number;
    bytesCpu: number;
    perplexityGpu: number;
    perplexityCpu: number;
  };
}

// ---- measurement ----

function hwmMiB(): number | null {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

interface Measured<T> {
  value: T;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  peakIsPhase: boolean;
}

async function phase<T>(fn: () => T | Promise<T>): Promise<Measured<T>> {
  (globalThis as { gc?: () => void }).gc?.();
  const reset = resetPeak();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wallSeconds = (performance.now() - t0) / 1e3;
  const cu = process.cpuUsage(cpu0);
  const peak = hwmMiB() ?? process.resourceUsage().maxRSS / 1024;
  return { value, wallSeconds, cpuSeconds: (cu.user + cu.system) / 1e6, peakRssMiB: peak, peakIsPhase: reset };
}

// ---- the runs ----

function linearWeights(model: LlamaModel): number {
  let w = 0;
  for (const name of LINEAR_NAMES) {
    const [r, c] = linearShape(model.config, name);
    w += r * c;
  }
  return w * model.config.nLayers;
}

/**
 * The allocation alone, as quantizeModel sets it up (diag H weights, no importance): every group's
 * RD curve and the joint bit allocation, without rounding (RTN's clipped-grid search runs on the
 * host and would hide the measurement's own time).
 */
async function allocationOnly(model: LlamaModel, calibrated: Calibrated, budget: number, groupSize: number, engine?: MatrixEngine): Promise<void> {
  const inputs: MatrixInput[] = [];
  for (let l = 0; l < model.config.nLayers; l++) {
    for (const name of LINEAR_NAMES) {
      const [rows, cols] = linearShape(model.config, name);
      const H = calibrated.collector.get(l, name)!.hessian();
      const hdiag = new Float64Array(cols);
      for (let j = 0; j < cols; j++) hdiag[j] = H[j * cols + j];
      inputs.push({ name: `layers.${l}.${name}`, W: model.layers[l][name], rows, cols, hdiag });
    }
  }
  const minBits = 2;
  const scaleExps = inputs.map((m) => scaleExponentFor(m.W, minBits, m.name));
  await measureAllocation(inputs, budget, { groupSize, minBits, maxBits: 8, clip: true }, scaleExps, engine);
}

interface ModelRun {
  label: string;
  model: LlamaModel;
  tokenizer: Tokenizer;
  stories: string[];
  tokensPerStory: number;
  importance: boolean;
  /** Keep each device's quantized model (to compare the containers). */
  keep: boolean;
}

const BUDGET = 4;

/** Rows as they are measured (the full run takes minutes); the table follows at the end. */
function progress(x: ScaleRow): void {
  console.log(
    `   … ${x.model}, ${x.phase.trim()} (${x.device}): ${fixed(x.wallSeconds, 1)} s wall, ${fixed(x.cpuSeconds, 1)} s CPU, peak RSS ${fixed(x.peakRssMiB, 0)} MiB`,
  );
}

/**
 * Per device: calibration, then quantization (the allocation's measurement and GPTQ on that
 * device's kernels, or in TypeScript), then the allocation measured again on its own.
 */
async function runModel(r: ModelRun, devices: DeviceChoice[], rowsOut: ScaleRow[], ratios: ScaleResult['ratios']): Promise<Map<DeviceChoice, QuantizedModel>> {
  const rows = {
    push(x: ScaleRow): void {
      rowsOut.push(x);
      if (x.phase !== 'whole quantization') progress(x);
    },
  };
  const weights = linearWeights(r.model);
  type Times = Pick<ScaleRow, 'wallSeconds' | 'cpuSeconds' | 'peakRssMiB' | 'peakIsPhase'>;
  const cal = new Map<DeviceChoice, Times>();
  const rest = new Map<DeviceChoice, Times>();
  const quantized = new Map<DeviceChoice, QuantizedModel>();
  // The CPU path as the CLI runs it: per-matrix work on worker threads, one per core.
  const workers = new MatrixWorkers();
  for (const d of devices) {
    const engine = d === 'cpu' ? workers.engine() : deviceEngine(d, undefined, workers);
    const where = d === 'cpu' ? `TypeScript, ${workers.threads} worker threads` : 'WebGPU kernels';
    const m = await phase(() => calibrateOnDevice(r.model, r.tokenizer, r.stories, { device: d, tokensPerStory: r.tokensPerStory }));
    const { calibrated } = m.value;
    const tokens = calibrated.tokens;
    cal.set(d, pick(m));
    rows.push({
      model: r.label,
      phase: 'calibration',
      device: d,
      ...pick(m),
      weightsPerSecond: weights / m.wallSeconds,
      note: `${tokens} tokens, ${si(tokens / m.wallSeconds)} tok/s; ${d === 'cpu' ? 'TypeScript' : where}`,
    });
    const q = await phase(() =>
      quantizeModel(r.model, r.tokenizer, r.stories, {
        method: 'gptq',
        budgetBitsPerWeight: BUDGET,
        allocate: true,
        importance: r.importance,
        calibrated,
        engine,
      }),
    );
    rest.set(d, pick(q));
    const groupSize = q.value.groupSize;
    if (r.keep) quantized.set(d, q.value);
    rows.push({
      model: r.label,
      phase: 'quantization',
      device: d,
      ...pick(q),
      weightsPerSecond: weights / q.wallSeconds,
      note: `${r.importance ? 'importance probe (TypeScript), ' : ''}allocation, GPTQ (${where}), container: ${fixed(q.value.bitsPerWeight, 4)} bits/weight, groups of ${groupSize}`,
    });
    const alloc = await phase(() => allocationOnly(r.model, calibrated, BUDGET, groupSize, engine));
    rows.push({
      model: r.label,
      phase: '  of which allocation',
      device: d,
      ...pick(alloc),
      weightsPerSecond: weights / alloc.wallSeconds,
      note: `measured alone (RD curves (${where}) and allocation) at groups of ${groupSize}`,
    });
  }
  await workers.close();
  for (const d of devices) {
    const c = cal.get(d)!;
    const q = rest.get(d)!;
    const wall = c.wallSeconds + q.wallSeconds;
    rows.push({
      model: r.label,
      phase: 'whole quantization',
      device: d,
      wallSeconds: wall,
      cpuSeconds: c.cpuSeconds + q.cpuSeconds,
      weightsPerSecond: weights / wall,
      peakRssMiB: Math.max(c.peakRssMiB, q.peakRssMiB),
      peakIsPhase: c.peakIsPhase && q.peakIsPhase,
      note: 'calibration + quantization',
    });
  }
  if (devices.includes('gpu') && devices.includes('cpu')) {
    const g = cal.get('gpu')!;
    const c = cal.get('cpu')!;
    ratios.push({ model: r.label, what: 'calibration', wall: c.wallSeconds / g.wallSeconds, cpu: c.cpuSeconds / g.cpuSeconds });
    const gq = rest.get('gpu')!;
    const cq = rest.get('cpu')!;
    ratios.push({ model: r.label, what: 'quantization (allocation + GPTQ)', wall: cq.wallSeconds / gq.wallSeconds, cpu: cq.cpuSeconds / gq.cpuSeconds });
    ratios.push({
      model: r.label,
      what: 'whole quantization',
      wall: (c.wallSeconds + cq.wallSeconds) / (g.wallSeconds + gq.wallSeconds),
      cpu: (c.cpuSeconds + cq.cpuSeconds) / (g.cpuSeconds + gq.cpuSeconds),
    });
  }
  return quantized;
}

function pick(m: Measured<unknown>): Pick<ScaleRow, 'wallSeconds' | 'cpuSeconds' | 'peakRssMiB' | 'peakIsPhase'> {
  return { wallSeconds: m.wallSeconds, cpuSeconds: m.cpuSeconds, peakRssMiB: m.peakRssMiB, peakIsPhase: m.peakIsPhase };
}

/** Codes, widths and dequantized weights of two containers of the same model, compared. */
export function compareContainers(a: Uint8Array, b: Uint8Array): { differingCodes: number; codes: number; differingWidths: number; maxAbsWeightDiff: number } {
  const A = readDnq(a);
  const B = new Map(readDnq(b).tensors.map((t) => [t.name, t]));
  let differingCodes = 0;
  let codes = 0;
  let differingWidths = 0;
  let maxAbsWeightDiff = 0;
  for (const t of A.tensors) {
    const u = B.get(t.name);
    if (t.kind !== 'quantized' || !u || u.kind !== 'quantized') continue;
    const x = t.matrix;
    const y = u.matrix;
    codes += x.codes.length;
    for (let i = 0; i < x.codes.length; i++) if (x.codes[i] !== y.codes[i]) differingCodes++;
    for (let i = 0; i < x.widths.length; i++) if (x.widths[i] !== y.widths[i]) differingWidths++;
    const wx = dequantizeMatrix(x);
    const wy = dequantizeMatrix(y);
    for (let i = 0; i < wx.length; i++) maxAbsWeightDiff = Math.max(maxAbsWeightDiff, Math.abs(wx[i] - wy[i]));
  }
  return { differingCodes, codes, differingWidths, maxAbsWeightDiff };
}

export async function benchScale(options: { quick?: boolean; devices?: ('gpu' | 'cpu')[] } = {}): Promise<ScaleResult> {
  const quick = options.quick === true;
  const { report } = await resolveDevice('auto');
  const adapter = report.kind === 'gpu' ? `${report.adapter} (${report.backend})` : `none: ${report.reason}`;
  const devices: DeviceChoice[] = (options.devices ?? ['gpu', 'cpu']).filter((d) => d === 'cpu' || report.kind === 'gpu');
  const load = (await import('node:os')).loadavg();
  console.log(
    `Scale: WebGPU adapter ${adapter}; load average at start ${load.map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores`,
  );
  const rows: ScaleRow[] = [];
  const ratios: ScaleResult['ratios'] = [];

  // stories260K: the README's calibration (first 9 stories, up to 512 tokens each), allocation at 4.0 bits.
  const textPath = TEXT;
  const stories = readLlama2c(MODEL);
  const tokenizer = readTokenizer(TOKENIZER, stories.config.vocabSize);
  const split = readStories(textPath);
  const storiesTokens = quick ? 64 : 512;
  console.log(`   stories260K: calibration on the first 9 stories, ≤ ${storiesTokens} tokens each; GPTQ + allocation at ${BUDGET} bits/weight all-in`);
  const q260 = await runModel(
    { label: 'stories260K', model: stories, tokenizer, stories: split.calibration, tokensPerStory: storiesTokens, importance: true, keep: true },
    devices,
    rows,
    ratios,
  );
  let containers: ScaleResult['containers'];
  if (q260.has('gpu') && q260.has('cpu')) {
    const g = q260.get('gpu')!;
    const c = q260.get('cpu')!;
    const evalStories = quick ? split.evaluation.slice(-2) : split.evaluation;
    const pg = evaluate(stories, modelFromDnq(readDnq(g.dnq)), tokenizer, evalStories).perplexity;
    const pc = evaluate(stories, modelFromDnq(readDnq(c.dnq)), tokenizer, evalStories).perplexity;
    containers = { ...compareContainers(g.dnq, c.dnq), bytesGpu: g.dnq.length, bytesCpu: c.dnq.length, perplexityGpu: pg, perplexityCpu: pc };
  }

  // The generated model: 2 calibration stories × 256 tokens (512 tokens) through the stories tokenizer.
  const config = quick ? SCALE_CONFIG_QUICK : SCALE_CONFIG;
  const count = parameterCount(config);
  const tokensPerStory = quick ? 64 : 256;
  const gen = await phase(() => writeSyntheticModel(config, 1));
  try {
    const big = readLlama2c(gen.value.path);
    const label = `generated ${fixed(count.total / 1e6, 1)}M`;
    console.log(
      `   ${label}: dim ${config.dim}, ${config.nLayers} layers, ${config.nHeads} heads, hidden ${config.hiddenDim}, vocab ${config.vocabSize} (shared classifier), ` +
        `${fixed(count.total / 1e6, 2)} M parameters of which ${fixed(count.linear / 1e6, 2)} M in linear layers; N(0, 0.02²) weights, seed 1, ` +
        `written in ${fixed(gen.wallSeconds, 1)} s to a temporary directory; calibration on the first 2 stories × ${tokensPerStory} tokens (stories tokenizer), no importance probe`,
    );
    await runModel(
      { label, model: big, tokenizer, stories: split.calibration.slice(0, 2), tokensPerStory, importance: false, keep: false },
      devices,
      rows,
      ratios,
    );
  } finally {
    gen.value.remove();
  }

  console.log(
    renderTable(
      [
        { header: '   model', align: 'l' },
        { header: 'phase', align: 'l' },
        { header: 'device', align: 'l' },
        { header: 'wall s' },
        { header: 'CPU s' },
        { header: 'weights/s' },
        { header: 'peak RSS MiB' },
        { header: 'note', align: 'l' },
      ],
      rows.map((x) => [
        `   ${x.model}`,
        x.phase,
        x.device,
        fixed(x.wallSeconds, 1),
        fixed(x.cpuSeconds, 1),
        si(x.weightsPerSecond),
        `${fixed(x.peakRssMiB, 0)}${x.peakIsPhase ? '' : '*'}`,
        x.note,
      ]),
    ),
  );
  console.log("   CPU s = user + system time of the whole process (lavapipe's worker threads included); * = lifetime peak (could not reset).");
  for (const r of ratios)
    console.log(`   ${r.model}, ${r.what}: cpu / gpu = ${fixed(r.wall, 2)}x wall-clock, ${fixed(r.cpu, 2)}x CPU time (> 1: the GPU path is faster)`);
  if (containers) {
    console.log(
      `   stories260K containers, gpu vs cpu: ${containers.differingCodes} of ${containers.codes} codes differ, ${containers.differingWidths} group widths, ` +
        `max |Δw| ${containers.maxAbsWeightDiff.toExponential(2)}; ${containers.bytesGpu} vs ${containers.bytesCpu} bytes; perplexity ${fixed(containers.perplexityGpu, 4)} vs ${fixed(containers.perplexityCpu, 4)}`,
    );
  }
  await closeDevice();
  return { adapter, load, rows, ratios, containers };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchScale({ quick: process.argv.includes('--quick') });
}
