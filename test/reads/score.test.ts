/** Scoring as the literature reports it, checked against hand-computed values; runConsensus and its formatters. */
import { describe, expect, it } from 'vitest';
import {
  clusterLength,
  consensusReport,
  formatEstimates,
  formatScores,
  runConsensus,
  scoreCurve,
  scoreEstimates,
  simulateClusters,
  type Cluster,
} from '../../src/reads/index.js';
import { dna, naiveEditDistance } from './_oracle.js';

describe('scoreEstimates', () => {
  it('exact share, mean edit distance and edit error rate by hand', () => {
    // Distances by hand: 0 (equal); 1 (one substitution); 2 (G→T, then a deleted A: ACGTA vs ACTT?).
    const refs = [dna('ACGTACGT'), dna('AAAA'), dna('ACGTA')];
    const ests = [dna('ACGTACGT'), dna('AATA'), dna('ACTTC')];
    expect(naiveEditDistance('ACGTA', 'ACTTC')).toBe(2);
    const s = scoreEstimates(refs, ests);
    expect(s).toEqual({
      maxTraces: undefined,
      clusters: 3,
      exact: 1,
      exactShare: 1 / 3,
      editDistance: 3,
      meanEditDistance: 1,
      referenceNucleotides: 17,
      editErrorRate: 3 / 17,
    });
  });

  it('an estimate of another length is charged the whole difference', () => {
    const s = scoreEstimates([dna('ACGTACGT')], [dna('ACGTAC')], 5);
    expect(s.editDistance).toBe(2);
    expect(s.editErrorRate).toBe(2 / 8);
    expect(s.maxTraces).toBe(5);
  });

  it('refuses lists of different sizes', () => {
    expect(() => scoreEstimates([dna('A')], [])).toThrow(/1 references but 0 estimates/);
  });

  it('formats a short table', () => {
    const table = formatScores([scoreEstimates([dna('ACGT')], [dna('ACGA')], 3), scoreEstimates([dna('ACGT')], [dna('ACGT')])]);
    expect(table.split('\n')).toEqual([
      'traces  clusters  exact  exact %  mean edit dist.  edit errors/nt',
      '------  --------  -----  -------  ---------------  --------------',
      '3              1      0     0.00            1.000         2.50e-1',
      'all            1      1   100.00            0.000         0.00e+0',
    ]);
  });
});

describe('scoreCurve', () => {
  it('more traces, fewer errors; rows in the order asked', () => {
    const clusters = simulateClusters({ clusters: 150, traces: 10, length: 110, profile: 'nanopore', seed: 21 });
    const rows = scoreCurve(clusters, [2, 5, 10]);
    expect(rows.map((r) => r.maxTraces)).toEqual([2, 5, 10]);
    expect(rows[0].exactShare).toBeLessThan(rows[1].exactShare);
    expect(rows[1].exactShare).toBeLessThan(rows[2].exactShare);
    expect(rows[2].editErrorRate).toBeLessThan(rows[0].editErrorRate);
    for (const r of rows) expect(r.clusters).toBe(150);
  });
});

describe('clusterLength', () => {
  const c = (lengths: number[], reference?: string): Cluster => ({
    traces: lengths.map((n) => new Uint8Array(n)),
    reference: reference ? dna(reference) : undefined,
    line: 0,
  });
  it('explicit, else the reference, else the median trace length', () => {
    expect(clusterLength(c([3, 9], 'ACGTA'), 7)).toBe(7);
    expect(clusterLength(c([3, 9], 'ACGTA'))).toBe(5);
    expect(clusterLength(c([9, 3, 5]))).toBe(5);
    expect(clusterLength(c([9, 3, 5, 6]))).toBe(6); // (5 + 6) / 2 rounded
    expect(clusterLength(c([9, 3, 5, 6]), undefined, 2)).toBe(6); // first two: 9 and 3
  });
});

describe('runConsensus', () => {
  const file = ['ACGTACGTAC', '**********', 'ACGTACGTAC', 'ACGTAGTAC', 'ACGTACGTTAC', '', 'GGGGCCCCAA', '*****', 'GGGGCCCCAA', 'GGGGCCCAA', ''].join('\n');

  it('reconstructs each cluster to its reference length and scores it', () => {
    const r = runConsensus(file);
    expect(r.format).toBe('reference');
    expect(formatEstimates(r.estimates)).toBe('ACGTACGTAC\nGGGGCCCCAA\n');
    expect(formatEstimates(r.estimates, 'fasta')).toBe('>cluster1\nACGTACGTAC\n>cluster2\nGGGGCCCCAA\n');
    expect(r.estimates.map((e) => e.line)).toEqual([1, 7]);
    expect(r.scores).toMatchObject({ clusters: 2, exact: 2, exactShare: 1, editDistance: 0 });
    const report = consensusReport(r);
    expect(report.clusters).toBe(2);
    expect(report.estimates[0]).toMatchObject({ line: 1, strand: 'ACGTACGTAC', traces: 3, dropped: [] });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('plain files have no scores; length and maxTraces are passed on', () => {
    const r = runConsensus('ACGTT\nACGTT\nACGT\n', { length: 4, maxTraces: 2 });
    expect(r.format).toBe('plain');
    expect(r.scores).toBeUndefined();
    expect(r.estimates[0].traces).toBe(2);
    expect(formatEstimates(r.estimates)).toBe('ACGT\n');
  });

  it('takes clusters directly, and reports parse errors with the source name', () => {
    const clusters = simulateClusters({ clusters: 5, traces: 5, length: 60, seed: 3 });
    expect(runConsensus(clusters).scores?.clusters).toBe(5);
    expect(() => runConsensus('ACGT\nACGU\n', { source: 'x.txt' })).toThrow(/^x\.txt:2: cluster 1: invalid character "U"/);
  });
});
