/**
 * GPTQ's inverse factors computed ahead on worker threads (src/quant/factor-prefetch.ts): the same
 * bits as on the calling thread, bounded in threads and bytes held, a recipe that differs is
 * never served, and a failed factor surfaces as the typed error of the calling thread's code.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/random.js';
import { dampedInverseFactor, type InverseFactor } from '../../src/quant/gptq.js';
import { FactorPrefetch, type FactorRequest } from '../../src/quant/factor-prefetch.js';
import { MatrixWorkers } from '../../src/quant/matrix-workers.js';
import { NotPositiveDefiniteError } from '../../src/quant/errors.js';
import { deviceEngine, quantizeMatrices, type MatrixInput } from '../../src/quant/index.js';
import { gptqOnDevice } from '../../kernels/gptq.js';
import { closeDevice } from '../../kernels/device.js';
import { correlatedHessian, randomMatrix } from './_quant-fixtures.js';

const workers = new MatrixWorkers(2);
afterAll(async () => {
  await workers.close();
  await closeDevice();
});

function request(H: Float64Array, cols: number, where = 'm'): FactorRequest {
  return { H, cols, percdamp: 0.01, retries: 3, where };
}

/** A stand-in for the workers that records how many factorisations run at once. */
function countingWorkers(threads: number) {
  const state = { running: 0, peak: 0, started: [] as string[], release: [] as (() => void)[] };
  const fake = {
    threads,
    inverseFactor: (H: Float64Array, cols: number, percdamp: number, retries: number, where: string): Promise<InverseFactor> => {
      state.running++;
      state.peak = Math.max(state.peak, state.running);
      state.started.push(where);
      return new Promise((resolve) => {
        state.release.push(() => {
          state.running--;
          resolve(dampedInverseFactor(H, cols, percdamp, retries, where));
        });
      });
    },
  };
  return { fake, state };
}

describe('FactorPrefetch', () => {
  it('factors on workers are bit-identical to the calling thread, a Hessian announced twice is factored once', async () => {
    const rng = new Rng(5);
    const hs = [40, 72, 40].map((n) => ({ n, H: correlatedHessian(rng, n, 2 * n).H }));
    const prefetch = new FactorPrefetch(workers, undefined, 1);
    prefetch.announce(hs.map(({ n, H }, i) => request(H, n, `m${i}`)));
    prefetch.announce([request(hs[0].H, hs[0].n, 'again')]);
    for (const [i, { n, H }] of hs.entries()) {
      const got = await prefetch.claim(request(H, n, `m${i}`));
      const want = dampedInverseFactor(H, n, 0.01, 3, `m${i}`);
      expect(got).toBeDefined();
      expect(Buffer.from(got!.U.buffer).equals(Buffer.from(want.U.buffer))).toBe(true);
      expect([...got!.dead]).toEqual([...want.dead]);
      expect(got!.percdamp).toBe(want.percdamp);
    }
    // Claimed once: a second claim finds nothing and the caller factors it itself.
    expect(prefetch.claim(request(hs[0].H, hs[0].n))).toBeUndefined();
  });

  it('as many run at once as there are threads, and only while unclaimed factors fit aheadBytes; in order', async () => {
    const rng = new Rng(6);
    const { fake, state } = countingWorkers(2);
    const one = 16 * 16 * 8; // bytes of one 16-column factor
    const prefetch = new FactorPrefetch(fake, 2 * one, 1);
    const reqs = Array.from({ length: 5 }, (_, i) => request(correlatedHessian(rng, 16, 40).H, 16, `m${i}`));
    prefetch.announce(reqs);
    expect(state.started).toEqual(['m0', 'm1']); // two threads
    state.release.shift()!(); // m0 done, unclaimed: two factors held, no room for a third
    await new Promise((r) => setImmediate(r));
    expect(state.started).toEqual(['m0', 'm1']);
    await prefetch.claim(reqs[0]); // claimed: room for m2
    expect(state.started).toEqual(['m0', 'm1', 'm2']);
    // Claiming one that was never started (m4, out of order) starts it at once.
    const f4 = prefetch.claim(reqs[4])!;
    expect(state.started).toEqual(['m0', 'm1', 'm2', 'm4']);
    while (state.release.length > 0) state.release.shift()!();
    await f4;
    expect(state.peak).toBeLessThanOrEqual(3);
  });

  it('a different recipe is not served', () => {
    const rng = new Rng(7);
    const { fake } = countingWorkers(2);
    const prefetch = new FactorPrefetch(fake, undefined, 1);
    const H = correlatedHessian(rng, 16, 40).H;
    prefetch.announce([request(H, 16)]);
    expect(prefetch.claim({ ...request(H, 16), percdamp: 0.1 })).toBeUndefined();
  });

  it('Hessians narrower than minCols are not handed to workers', () => {
    const rng = new Rng(9);
    const { fake, state } = countingWorkers(2);
    const prefetch = new FactorPrefetch(fake, undefined, 32);
    const narrow = correlatedHessian(rng, 16, 40).H;
    const wide = correlatedHessian(rng, 32, 80).H;
    prefetch.announce([request(narrow, 16, 'narrow'), request(wide, 32, 'wide')]);
    expect(state.started).toEqual(['wide']);
    expect(prefetch.claim(request(narrow, 16, 'narrow'))).toBeUndefined();
  });

  it('a failed factor: gptqOnDevice recomputes it and throws NotPositiveDefiniteError naming the matrix', async () => {
    const n = 8;
    const H = new Float64Array(n * n);
    for (let j = 0; j < n; j++) H[j * n + j] = 1;
    H[1] = 5; // not positive definite, and no dampening within 3 retries fixes it
    H[n] = 5;
    const prefetch = new FactorPrefetch(workers, undefined, 1);
    prefetch.announce([{ H, cols: n, percdamp: 0, retries: 0, where: 'layers.0.wq' }]);
    const factor = prefetch.claim({ H, cols: n, percdamp: 0, retries: 0, where: 'layers.0.wq' })!;
    await expect(factor).rejects.toThrow(/layers\.0\.wq/);
    const W = new Float32Array(4 * n).fill(0.1);
    const run = gptqOnDevice(W, 4, n, H, { groupSize: 8, bits: 4, percdamp: 0, dampRetries: 0, where: 'layers.0.wq' }, { device: 'cpu' }, factor);
    await expect(run).rejects.toBeInstanceOf(NotPositiveDefiniteError);
  });

  it('deviceEngine with workers: quantizeMatrices gives the same matrices as without', async () => {
    const rng = new Rng(8);
    const H64 = correlatedHessian(rng, 64, 200).H;
    const H256 = correlatedHessian(rng, 256, 600).H; // wide enough to be factored on a worker
    const inputs: MatrixInput[] = [
      { name: 'a', W: randomMatrix(rng, 48, 64), rows: 48, cols: 64, H: H64 },
      { name: 'b', W: randomMatrix(rng, 32, 64), rows: 32, cols: 64, H: H64 },
      { name: 'c', W: randomMatrix(rng, 24, 256), rows: 24, cols: 256, H: H256 },
    ];
    const o = { method: 'gptq' as const, budgetBitsPerWeight: 3.5, groupSize: 32, clip: true };
    const alone = await quantizeMatrices(inputs, o, deviceEngine('auto'));
    const ahead = await quantizeMatrices(inputs, o, deviceEngine('auto', undefined, workers));
    for (const m of inputs) {
      const x = alone.matrices.get(m.name)!;
      const y = ahead.matrices.get(m.name)!;
      expect([...y.codes]).toEqual([...x.codes]);
      expect([...y.scaleCodes]).toEqual([...x.scaleCodes]);
      expect([...y.zeros]).toEqual([...x.zeros]);
    }
  });
});
