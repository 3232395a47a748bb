/**
 * Running the quantizer for the CLI, in memory: a llama2.c checkpoint to .dnq bytes with the
 * summary `quantize` and `archive` print; and .dnq bytes back to a float32 llama2.c checkpoint
 * (`dequantize`, `restore`). One path each, so that `archive` ≡ `quantize` + `encode` and
 * `restore` ≡ `decode` + `dequantize`, byte for byte.
 */
import { closeDevice } from '../kernels/device.js';
import {
  describeDevice,
  modelFromDnq,
  quantizeModelOnDevice,
  readDnq,
  dnqManifestBytes,
  type DnqArchive,
  readModel,
  readStories,
  resolveDevice,
  serializeLlama2c,
  type DeviceChoice,
  type DeviceReport,
  type QuantizedModel,
  type QuantizeModelOptions,
  type TuneReport,
} from '../src/quant/index.js';
import { createProgress, type Progress } from './progress.js';
import type { CliIo } from './io.js';
import { tokenizerFor } from './quant-options.js';

export interface QuantizeSummary {
  method: string;
  budgetBitsPerWeight: number;
  bitsPerWeight: number;
  groupSize: number;
  uniformBits: number | undefined;
  calibrationTokens: number;
  bytes: number;
  /** Bytes of the container's (deflated) manifest, within `bytes`: side information the bits per weight do not count. */
  manifestBytes: number;
  seconds: number;
  /** Where calibration ran: the adapter and backend (`--device`). */
  device: DeviceReport;
  /** Fine-tuning (`--tune`), when it ran. */
  tune?: TuneReport;
}

/**
 * Quantizes the checkpoint at `input` (options from quantizeOptionsFromCli, calibration text and
 * tokenizer as given on the command line); nothing is written. Calibration runs on `--device`:
 * one line on stderr names the adapter and backend before the work starts (with auto and no
 * adapter, the device layer's own line says why the CPU runs instead).
 */
export async function runQuantize(
  io: CliIo,
  input: string,
  options: QuantizeModelOptions & { device?: DeviceChoice },
  o: { calib: string; tokenizer?: string },
): Promise<{ q: QuantizedModel & { device: DeviceReport }; summary: QuantizeSummary }> {
  const model = readModel(input); // llama2.c or safetensors; a .dnq is named as such
  const tok = tokenizerFor(input, o.tokenizer, model.config.vocabSize);
  const split = readStories(o.calib);
  const started = performance.now();
  let q: QuantizedModel & { device: DeviceReport };
  try {
    const { report } = await resolveDevice(options.device ?? 'auto');
    if (!(report.choice === 'auto' && report.kind === 'cpu')) io.stderr.write(`dnarchive: ${describeDevice(report)}\n`);
    // Fine-tuning is the long part (minutes to an hour): a bar with its ETA, on a terminal only.
    // Started when the first step ends, so that its rate and ETA leave out the quantization before it.
    let tuning: Progress | undefined;
    const steps = (options.tune?.steps ?? 0) * (options.tune?.restarts ?? 1);
    const onStep = (step: number): void => {
      if (tuning) tuning.tick(step + 1);
      else tuning = createProgress('fine-tuning', steps, { stream: io.stderr });
    };
    try {
      q = await quantizeModelOnDevice(model, tok, split.calibration, options.tune ? { ...options, tune: { ...options.tune, onStep } } : options);
    } finally {
      tuning?.done();
    }
  } finally {
    await closeDevice(); // Dawn keeps Node alive until its device is destroyed
  }
  const summary: QuantizeSummary = {
    method: options.entropy ? 'gptq+ecsq' : options.allocate ? `${options.method}+allocation` : options.method,
    budgetBitsPerWeight: options.budgetBitsPerWeight,
    bitsPerWeight: q.bitsPerWeight,
    groupSize: q.groupSize,
    uniformBits: q.uniform?.bits,
    calibrationTokens: q.calibrationTokens,
    bytes: q.dnq.length,
    manifestBytes: dnqManifestBytes(q.dnq),
    seconds: (performance.now() - started) / 1000,
    device: q.device,
    ...(q.tune ? { tune: q.tune } : {}),
  };
  return { q, summary };
}

export function formatQuantizeSummary(input: string, s: QuantizeSummary): string {
  return (
    `quantized ${input} (${s.method}${s.method === 'gptq+ecsq' ? ', entropy-coded' : `, groups of ${s.groupSize}`}${s.uniformBits !== undefined ? `, ${s.uniformBits}-bit codes` : ''}) to ${s.bitsPerWeight.toFixed(4)} bits/weight all-in (budget ${s.budgetBitsPerWeight}), ` +
    `${s.calibrationTokens} calibration tokens, ${s.bytes} bytes, ${s.seconds.toFixed(1)} s` +
    (s.tune ? describeTune(s.tune) : '') +
    `\n  manifest ${s.manifestBytes} bytes (deflated; model configuration, quantizer parameters, tensor layout), ${s.bytes - s.manifestBytes} bytes of tensors and header`
  );
}

function describeTune(t: TuneReport): string {
  const chosen = t.restarts
    ? `; kept seed ${t.seed} of ${t.restarts.length} runs by KL to fp32 on the calibration stories (${t.restarts.map((r) => `seed ${r.seed}: ${r.calibrationKl.toFixed(4)}`).join(', ')})`
    : '';
  if (!t.improved)
    return `; fine-tuning (${t.steps} steps) did not lower the KL on its validation samples (${t.klBefore.toFixed(4)} → ${t.klAfter.toFixed(4)}): kept the untuned model${chosen}`;
  const settings = `seed ${t.seed}, latent rate ${t.latentRate}${t.rateHeadroom !== undefined ? `, headroom ${t.rateHeadroom}` : ''}`;
  const moved = `${t.changedCodes} codes changed${t.changedScales ? `, ${t.changedScales} scales moved` : ''}${t.revertedCodes ? ` (${t.revertedCodes} changes undone to stay within the budget)` : ''}`;
  return `; fine-tuned ${t.steps} steps on ${t.tokens} tokens sampled at temperature ${+t.sampleTemperature.toFixed(3)} (${settings}): KL to fp32 on its validation samples ${t.klBefore.toFixed(4)} → ${t.klAfter.toFixed(4)}, ${moved}${chosen}`;
}

/** A .dnq container (verified: magic, schema, SHA-256, sections) as a float32 llama2.c checkpoint; `file` names it in errors. */
/**
 * A .dnq read from a file. A container older than version 4 has no checksum over its manifest (an
 * edited shape or scale would pass): said in one warning line on stderr. (`restore` passes no io:
 * there the pool's SHA-256 covered the whole container.)
 */
export function readDnqFile(bytes: Uint8Array, file: string, io?: CliIo): DnqArchive {
  const archive = readDnq(bytes, file);
  if (!archive.checked && io)
    io.stderr.write(
      `dnarchive: warning: ${file} is a version-${archive.manifest.version} .dnq container, whose manifest no checksum covers; quantize the model again for version 5\n`,
    );
  return archive;
}

export function checkpointFromDnq(bytes: Uint8Array, file: string, io?: CliIo): Uint8Array {
  return serializeLlama2c(modelFromDnq(readDnqFile(bytes, file, io), file));
}
