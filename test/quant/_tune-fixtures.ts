/** Quantized starting points for the fine-tuning tests: every linear layer of a model on an archive-mode (ECSQ) grid. */
import { cloneModel, dequantizeEcsq, ecsqQuantize, encodeEcsqStream, LINEAR_NAMES, linearShape, type LlamaModel } from '../../src/quant/index.js';
import type { QuantizedLinear } from '../../src/quant/train/tune-quantized.js';

/** A Hessian-free stand-in for calibration: the identity (GPTQ then rounds column by column). */
export function identity(n: number): Float64Array {
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) H[i * n + i] = 1;
  return H;
}

/** Every linear layer of `m` as ECSQ at `stepScale`, the dequantized model, and the streams' total bits. */
export function ecsqLinears(m: LlamaModel, stepScale: number): { start: LlamaModel; linears: QuantizedLinear[]; bits: number } {
  const start = cloneModel(m);
  const linears: QuantizedLinear[] = [];
  let bits = 0;
  for (let l = 0; l < m.config.nLayers; l++) {
    for (const name of LINEAR_NAMES) {
      const [rows, cols] = linearShape(m.config, name);
      const e = ecsqQuantize(m.layers[l][name], rows, cols, identity(cols), { stepScale });
      linears.push({ layer: l, name, kind: 'ecsq', matrix: e });
      start.layers[l][name] = dequantizeEcsq(e);
      bits += 8 * encodeEcsqStream(e.codes, rows, cols, e.stepCodes).length;
    }
  }
  return { start, linears, bits };
}
