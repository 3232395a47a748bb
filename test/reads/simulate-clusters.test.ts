/** The cluster simulator: rates within binomial bounds, homopolymer-biased indels, ragged ends, strays, determinism. */
import { describe, expect, it } from 'vitest';
import { CLUSTER_PROFILES, editDistance, simulateClusters, TraceInputError } from '../../src/reads/index.js';
import { naiveEditDistance } from './_oracle.js';

/** |observed − n·p| within 5 binomial standard deviations (+1 for tiny counts). */
function nearBinomial(observed: number, n: number, p: number): void {
  expect(Math.abs(observed - n * p)).toBeLessThanOrEqual(5 * Math.sqrt(n * p * (1 - p)) + 1);
}

describe('simulateClusters', () => {
  it('makes the requested shape: N traces of each random strand, references attached', () => {
    const c = simulateClusters({ clusters: 7, traces: 4, length: 50, seed: 1 });
    expect(c).toHaveLength(7);
    for (const x of c) {
      expect(x.reference).toHaveLength(50);
      expect(x.traces).toHaveLength(4);
      for (const t of x.traces) for (const s of t) expect(s).toBeLessThan(4);
    }
  });

  it('substitutions alone: the Hamming distance matches the rate', () => {
    const c = simulateClusters({ clusters: 200, traces: 5, length: 100, profile: { name: 'sub', sub: 0.03, ins: 0, del: 0, homopolymerBoost: 1 }, seed: 2 });
    let mismatches = 0;
    for (const x of c) for (const t of x.traces) for (let i = 0; i < 100; i++) if (t[i] !== x.reference![i]) mismatches++;
    nearBinomial(mismatches, 200 * 5 * 100, 0.03);
  });

  it('length changes match the insertion and deletion rates; errorRate scales the profile', () => {
    const c = simulateClusters({ clusters: 300, traces: 5, length: 110, profile: 'nanopore', errorRate: 0.09, seed: 3 });
    let total = 0;
    for (const x of c) for (const t of x.traces) total += t.length - 110;
    // E[length change] = n(ins − del) = 0; each nucleotide changes it by +1 (3 %) or −1 (3 %).
    const n = 300 * 5 * 110;
    expect(Math.abs(total)).toBeLessThanOrEqual(5 * Math.sqrt(n * 0.06));
    // The edit distance is at most the number of events and close to it at these rates.
    let distance = 0;
    for (const x of c.slice(0, 40)) for (const t of x.traces) distance += editDistance(t, x.reference!);
    const events = 40 * 5 * 110 * 0.09;
    expect(distance).toBeGreaterThan(0.75 * events);
    expect(distance).toBeLessThan(1.1 * events);
  });

  it('nanopore: deletions move into homopolymers, at the same overall rate', () => {
    const profile = { ...CLUSTER_PROFILES.nanopore, sub: 0, ins: 0 };
    const runs = (t: Uint8Array) => t.reduce((n, s, i) => n + (i === 0 || s !== t[i - 1] ? 1 : 0), 0);
    const measure = (homopolymerBoost: number) => {
      const c = simulateClusters({ clusters: 300, traces: 6, length: 110, profile: { ...profile, homopolymerBoost }, seed: 4 });
      let deletions = 0;
      let runsLost = 0;
      for (const x of c) {
        for (const t of x.traces) {
          deletions += 110 - t.length;
          runsLost += runs(x.reference!) - runs(t);
        }
      }
      return { deletions, runsLost };
    };
    const boosted = measure(2);
    const flat = measure(1);
    nearBinomial(boosted.deletions, 300 * 6 * 110, 0.02);
    nearBinomial(flat.deletions, 300 * 6 * 110, 0.02);
    // A deletion outside a run removes a run; inside one it does not. With the boost, positions outside
    // runs (9/16 of a random strand) get 16/23 of the nominal rate, so ~30 % fewer runs are lost.
    expect(boosted.runsLost).toBeLessThan(0.85 * flat.runsLost);
  });

  it('ragged ends: each end moves by at most endJitter', () => {
    const c = simulateClusters({
      clusters: 50,
      traces: 6,
      length: 40,
      profile: { name: 'none', sub: 0, ins: 0, del: 0, homopolymerBoost: 1 },
      endJitter: 2,
      seed: 5,
    });
    const seen = new Set<number>();
    for (const x of c) {
      for (const t of x.traces) {
        expect(naiveEditDistance(t, x.reference!)).toBeLessThanOrEqual(4);
        seen.add(t.length - 40);
      }
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([-4, -3, -2, -1, 0, 1, 2, 3, 4]);
  });

  it('strays: traces of an unrelated strand', () => {
    const c = simulateClusters({ clusters: 30, traces: 5, length: 100, errorRate: 0.01, strays: 1, seed: 6 });
    for (const x of c) {
      const far = x.traces.filter((t) => editDistance(t, x.reference!) > 30).length;
      expect(far).toBe(1);
    }
  });

  it('is deterministic for a seed, and seeds differ', () => {
    const a = simulateClusters({ clusters: 5, traces: 3, length: 60, profile: 'nanopore', seed: 9 });
    expect(simulateClusters({ clusters: 5, traces: 3, length: 60, profile: 'nanopore', seed: 9 })).toEqual(a);
    expect(simulateClusters({ clusters: 5, traces: 3, length: 60, profile: 'nanopore', seed: 10 })).not.toEqual(a);
  });

  it('refuses impossible options', () => {
    expect(() => simulateClusters({ clusters: 0, traces: 3, length: 60 })).toThrow(TraceInputError);
    expect(() => simulateClusters({ clusters: 1, traces: 3, length: 1.5 })).toThrow(/length must be a positive integer/);
    expect(() => simulateClusters({ clusters: 1, traces: 3, length: 60, profile: 'nanopore', errorRate: 0.9 })).toThrow(/too high/);
  });
});
