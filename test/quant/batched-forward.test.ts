/**
 * The batched forward pass (src/quant/model/batched-forward.ts) that calibration runs on the
 * kernels: with the matmul twin as its linear backend it must hand every linear layer exactly the
 * inputs the per-token Transformer does, bit for bit, however the sequences are packed into
 * batches; and the kernel calibration's Hessians (twins, f32 per batch, summed in f64) must match
 * the plain calibration's f64 Hessians to f32 rounding.
 */
import { describe, expect, it } from 'vitest';
import { matmulTs } from '../../kernels/matmul.js';
import {
  calibrate,
  calibrateWithKernels,
  calibrationSequences,
  forwardBatched,
  LINEAR_NAMES,
  readLlama2c,
  readStories,
  readTokenizer,
  resolveDevice,
  Transformer,
  type LinearName,
} from '../../src/quant/index.js';
import { QuantInputError } from '../../src/quant/errors.js';
import { MODEL, TEXT, TOKENIZER } from '../_fixtures.js';

const model = readLlama2c(MODEL);
const tokenizer = readTokenizer(TOKENIZER, model.config.vocabSize);
const split = readStories(TEXT);

describe('forwardBatched', () => {
  it('with the matmul twin: every linear input equals the per-token Transformer’s, bit for bit, in any batch packing', async () => {
    const seqs = calibrationSequences(model, tokenizer, split.calibration.slice(0, 3), 150);
    const want = new Map<string, Float32Array[]>();
    const t = new Transformer(model);
    t.setLinearInputHook((l, name, x) => {
      const k = `${l}.${name}`;
      if (!want.has(k)) want.set(k, []);
      want.get(k)!.push(x.slice());
    });
    for (const s of seqs) for (let p = 0; p < s.length; p++) t.forward(s[p], p);

    for (const maxBatch of [150, 320, 2048]) {
      const got = new Map<string, Float32Array[]>();
      let calls = 0;
      await forwardBatched(
        model,
        seqs,
        async (Y, W, X, rows, inF, outF) => {
          calls++;
          matmulTs(Y, X, W, rows, inF, outF, true);
        },
        (l, name: LinearName, X, rows) => {
          const k = `${l}.${name}`;
          if (!got.has(k)) got.set(k, []);
          const n = X.length / rows;
          for (let r = 0; r < rows; r++) got.get(k)!.push(X.slice(r * n, (r + 1) * n));
        },
        maxBatch,
      );
      const batches = maxBatch === 150 ? 3 : maxBatch === 320 ? 2 : 1;
      expect(calls).toBe(batches * model.config.nLayers * LINEAR_NAMES.length);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [k, rows] of want) {
        const g = got.get(k)!;
        expect(g.length).toBe(rows.length);
        for (let r = 0; r < rows.length; r++) expect(g[r]).toEqual(rows[r]);
      }
    }
  });

  it('refuses a sequence longer than the context, or a token outside the vocabulary', async () => {
    const lin = async () => {};
    await expect(forwardBatched(model, [Array.from({ length: model.config.seqLen + 1 }, () => 1)], lin, () => {})).rejects.toThrow(QuantInputError);
    await expect(forwardBatched(model, [[1, model.config.vocabSize]], lin, () => {})).rejects.toThrow(/outside the vocabulary/);
  });
});

describe('calibrateWithKernels', () => {
  it('on the twins: Hessians within f32 rounding of the plain calibration, the same token count', async () => {
    const stories = split.calibration.slice(0, 2);
    const plain = calibrate(model, tokenizer, stories, 200);
    const k = await calibrateWithKernels(model, calibrationSequences(model, tokenizer, stories, 200), 'cpu');
    expect(k.calibrated.tokens).toBe(plain.tokens);
    expect(k.kernelCalls.gpu).toBe(0);
    for (let l = 0; l < model.config.nLayers; l++) {
      for (const name of LINEAR_NAMES) {
        const a = plain.collector.get(l, name)!.hessian();
        const b = k.calibrated.collector.get(l, name)!.hessian();
        let scale = 0;
        let diff = 0;
        for (let i = 0; i < a.length; i++) {
          scale = Math.max(scale, Math.abs(a[i]));
          diff = Math.max(diff, Math.abs(a[i] - b[i]));
        }
        expect(diff / scale).toBeLessThan(1e-6); // the twin rounds each batch's sums to f32 once
      }
    }
  });

  it('resolveDevice names a bad choice', async () => {
    await expect(resolveDevice('foo' as 'cpu')).rejects.toThrow(/"foo" is not one of auto, gpu, cpu/);
    expect((await resolveDevice('cpu')).report).toMatchObject({ kind: 'cpu', backend: 'typescript' });
  });
});
