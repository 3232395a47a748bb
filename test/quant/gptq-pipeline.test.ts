import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/random.js';
import { quantizeMatrices, type MatrixInput } from '../../src/quant/pipeline.js';
import { dequantizeMatrix, groupBits, groupSizes, widthFieldBits } from '../../src/quant/groups.js';
import { layerLoss } from '../../src/quant/rtn.js';
import { writeDnq, readDnq, dequantizeDnq } from '../../src/quant/dnq.js';
import { dnqAccounting } from '../../src/quant/accounting.js';
import { QuantInputError } from '../../src/quant/errors.js';
import { MatrixWorkers } from '../../src/quant/matrix-workers.js';
import { correlatedHessian, randomMatrix } from './_quant-fixtures.js';

function layer(seed: number): MatrixInput[] {
  const rng = new Rng(seed);
  const { H: H64 } = correlatedHessian(rng, 64, 300);
  const { H: H172 } = correlatedHessian(rng, 172, 400);
  return [
    { name: 'wq', W: randomMatrix(rng, 64, 64), rows: 64, cols: 64, H: H64, importance: 1 },
    { name: 'w1', W: randomMatrix(rng, 172, 64), rows: 172, cols: 64, H: H64, importance: 2 },
    { name: 'w2', W: randomMatrix(rng, 64, 172), rows: 64, cols: 172, H: H172, importance: 4 },
  ];
}

function weightedLoss(inputs: MatrixInput[], out: Awaited<ReturnType<typeof quantizeMatrices>>): number {
  let total = 0;
  for (const m of inputs) {
    const What = dequantizeMatrix(out.matrices.get(m.name)!);
    const I = m.H!;
    let energy = 0;
    for (let r = 0; r < m.rows; r++) for (let j = 0; j < m.cols; j++) energy += I[j * m.cols + j] * m.W[r * m.cols + j] ** 2;
    total += ((m.importance ?? 1) * layerLoss(m.W, What, m.rows, m.cols, I)) / energy;
  }
  return total;
}

describe('quantizeMatrices', () => {
  it('meets the all-in budget across matrices; GPTQ + allocation beats uniform GPTQ at no more bits', async () => {
    const inputs = layer(1);
    // Uniform 3 bits costs 3 + 11/32 bits/weight all-in (3-bit zero point, 8-bit scale code; w2's ragged groups: a little more).
    const uniform = await quantizeMatrices(inputs, { method: 'gptq', bits: 3 });
    let uniformBits = 0;
    let weights = 0;
    for (const m of inputs) {
      const q = uniform.matrices.get(m.name)!;
      uniformBits += groupBits(groupSizes(m.rows, m.cols, 32), q.widths, widthFieldBits(2, 8));
      weights += m.rows * m.cols;
    }
    const budget = uniformBits / weights;
    const allocated = await quantizeMatrices(inputs, { method: 'gptq', budgetBitsPerWeight: budget });
    expect(allocated.allocation!.bitsPerWeight).toBeLessThanOrEqual(budget);
    // Within one 1-bit upgrade of a group (its 32 codes and its zero point) of the budget.
    expect(allocated.allocation!.bitsPerWeight).toBeGreaterThan(budget - 33 / weights);
    expect(weightedLoss(inputs, allocated)).toBeLessThan(weightedLoss(inputs, uniform));
    const rtn = await quantizeMatrices(inputs, { method: 'rtn', budgetBitsPerWeight: budget });
    expect(weightedLoss(inputs, allocated)).toBeLessThan(weightedLoss(inputs, rtn));
    // Importance steers the budget: raising w2's importance moves bits to w2, away from the rest.
    const mean = (out: Awaited<ReturnType<typeof quantizeMatrices>>, name: string): number => {
      const w = out.matrices.get(name)!.widths;
      return w.reduce((a, b) => a + b, 0) / w.length;
    };
    const louder = await quantizeMatrices(
      inputs.map((m) => (m.name === 'w2' ? { ...m, importance: 40 } : m)),
      { method: 'rtn', budgetBitsPerWeight: budget },
    );
    expect(mean(louder, 'w2')).toBeGreaterThan(mean(rtn, 'w2'));
    expect(mean(louder, 'wq')).toBeLessThan(mean(rtn, 'wq'));
  });

  it('feeds the container: stored bits per weight equal the allocation (plus byte padding)', async () => {
    const inputs = layer(2);
    const out = await quantizeMatrices(inputs, { method: 'gptq', budgetBitsPerWeight: 4 });
    const bytes = writeDnq({
      quantizer: { method: 'gptq+alloc', params: { groupSize: 32, percdamp: 0.01 } },
      budgetBitsPerWeight: 4,
      tensors: inputs.map((m) => ({ kind: 'quantized' as const, name: m.name, matrix: out.matrices.get(m.name)!, minBits: out.minBits, maxBits: out.maxBits })),
    });
    const acc = dnqAccounting(bytes);
    expect(acc.quantized.allocatedBitsPerWeight).toBe(out.allocation!.bitsPerWeight);
    expect(acc.quantized.bitsPerWeight).toBeLessThanOrEqual(4 + (3 * 4 * 8) / acc.quantized.weights);
    const back = dequantizeDnq(readDnq(bytes));
    for (const m of inputs) expect(Array.from(back.get(m.name)!.data)).toEqual(Array.from(dequantizeMatrix(out.matrices.get(m.name)!)));
  });

  it('rejects GPTQ without a Hessian and duplicate names', async () => {
    const [a] = layer(3);
    await expect(quantizeMatrices([{ ...a, H: undefined }], { method: 'gptq' })).rejects.toThrow(/wq: GPTQ needs the full Hessian/);
    await expect(quantizeMatrices([a, a], { method: 'rtn' })).rejects.toThrow(QuantInputError);
  });

  it('on worker threads: the same matrices and allocation as on the calling thread; errors keep their message', async () => {
    const inputs = layer(4);
    const workers = new MatrixWorkers(2);
    try {
      const engine = workers.engine();
      expect(engine.concurrency).toBe(2);
      const here = await quantizeMatrices(inputs, { method: 'gptq', budgetBitsPerWeight: 3.5, clip: true });
      const there = await quantizeMatrices(inputs, { method: 'gptq', budgetBitsPerWeight: 3.5, clip: true }, engine);
      expect(Array.from(there.allocation!.widths)).toEqual(Array.from(here.allocation!.widths));
      for (const m of inputs) {
        const a = here.matrices.get(m.name)!;
        const b = there.matrices.get(m.name)!;
        expect(Array.from(b.codes)).toEqual(Array.from(a.codes));
        expect(Array.from(b.scaleCodes)).toEqual(Array.from(a.scaleCodes));
        expect(Array.from(b.zeros)).toEqual(Array.from(a.zeros));
      }
      const bad = inputs.map((m) => ({ ...m, W: Float32Array.from(m.W) }));
      bad[2].W[5] = NaN;
      const want = await quantizeMatrices(bad, { method: 'gptq', bits: 3 }).catch((e: Error) => e.message);
      expect(want).toBe('w2: weight (0, 5) is NaN');
      await expect(quantizeMatrices(bad, { method: 'gptq', bits: 3 }, engine)).rejects.toThrow(want as string);
    } finally {
      await workers.close();
    }
  });
});
