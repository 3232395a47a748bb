/**
 * The accuracy targets on larger samples than the fast tier affords (seeded, so the figures
 * are stable; bench/reconstruct.ts sweeps the whole curves).
 */
import { describe, expect, it } from 'vitest';
import { scoreCurve, simulateClusters } from '../../src/reads/index.js';

describe('trace reconstruction targets (2,000 clusters each)', () => {
  it('Illumina-like, 150 nt, 2 % errors: ≥ 96 % exact with 10, 15 and 20 traces', () => {
    const clusters = simulateClusters({ clusters: 2000, traces: 20, length: 150, profile: 'illumina', errorRate: 0.02, seed: 31 });
    for (const row of scoreCurve(clusters, [10, 15, 20])) expect(row.exactShare).toBeGreaterThanOrEqual(0.96);
  });

  it('nanopore-like, 110 nt, 6 % errors (2 % each): ≥ 80 % exact with 10 traces', () => {
    const clusters = simulateClusters({ clusters: 2000, traces: 10, length: 110, profile: 'nanopore', seed: 32 });
    expect(scoreCurve(clusters, [10])[0].exactShare).toBeGreaterThanOrEqual(0.8);
  });

  it('with one stray trace per cluster the targets still hold', () => {
    const ill = simulateClusters({ clusters: 1000, traces: 10, length: 150, profile: 'illumina', errorRate: 0.02, strays: 1, seed: 33 });
    const nan = simulateClusters({ clusters: 1000, traces: 10, length: 110, profile: 'nanopore', strays: 1, seed: 34 });
    expect(scoreCurve(ill, [10])[0].exactShare).toBeGreaterThanOrEqual(0.96);
    expect(scoreCurve(nan, [10])[0].exactShare).toBeGreaterThanOrEqual(0.8);
  });

  it('quality weights do not hurt when every base has the same quality', () => {
    const clusters = simulateClusters({ clusters: 500, traces: 5, length: 110, profile: 'nanopore', seed: 35 });
    const plain = scoreCurve(clusters, [5])[0];
    let weighted = 0;
    for (const c of clusters) {
      const qualities = c.traces.map((t) => new Uint8Array(t.length).fill(20));
      weighted += scoreCurve([c], [5], { qualities })[0].exact;
    }
    expect(weighted).toBe(plain.exact);
  });
});
