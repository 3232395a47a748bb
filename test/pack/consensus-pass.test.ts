/**
 * Reads to strands by clustering and consensus: reads grouped by strand without their addresses
 * (read-clusters.ts), and the decoder's consensus pass recovering strands that no single read
 * gives — reads with noisy first cycles, low coverage — while a consensus that fails its CRC adds
 * nothing.
 */
import { describe, expect, it } from 'vitest';
import { Channel, decodePool, encodePool, IncompleteDecodeError } from '../../src/pack/index.js';
import { clusterReads, ReadArena } from '../../src/pack/pool/read-clusters.js';
import { parseWord } from '../../src/loco/index.js';
import { Rng } from '../../src/random.js';

const rng = new Rng(3);
const data = Uint8Array.from({ length: 6000 }, () => rng.below(256));
const pool = encodePool(data);

const same = (a: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(data));

describe('clusterReads', () => {
  it.each([
    ['data and parity strands', false],
    ['header strands (the 8 copies of a chunk alike but for their first ~50 nt)', true],
  ] as const)('groups the reads of each strand, in either orientation, and keeps strands apart: %s', (_, header) => {
    const names = pool.names.filter((n) => n.includes(':h') === header).slice(0, 300);
    const strands = pool.strands.filter((_s, i) => pool.names[i].includes(':h') === header).slice(0, 300);
    const channel = new Channel(strands, { preset: 'illumina', coverage: 6, sampling: 'exact', skew: 0, rc: 0.5, seed: 9 });
    const arena = new ReadArena();
    for (const read of channel.reads()) arena.add(parseWord(read, 'read'), -1);
    const truth = channel.order; // the strand each read copies
    const { group, groups } = clusterReads(arena, {});
    // Purity: no group holds reads of two strands — for header strands, of two chunks: copies of
    // one chunk carry the same bytes, so a group of two copies still gives that chunk or nothing.
    const unit = (s: number): string => (header ? names[s].replace(/\.\d+$/, '') : String(s));
    const unitOf = new Map<number, string>();
    for (let r = 0; r < arena.count; r++) {
      if (group[r] < 0) continue;
      const u = unitOf.get(group[r]);
      if (u === undefined) unitOf.set(group[r], unit(truth[r]));
      else expect(u).toBe(unit(truth[r]));
    }
    // Completeness: most strands end in one group.
    const groupsOf = new Map<number, Set<number>>();
    for (let r = 0; r < arena.count; r++) if (group[r] >= 0) (groupsOf.get(truth[r]) ?? groupsOf.set(truth[r], new Set()).get(truth[r])!).add(group[r]);
    const whole = [...groupsOf.values()].filter((g) => g.size === 1).length;
    expect(whole / strands.length).toBeGreaterThan(0.9);
    expect(groups).toBeLessThanOrEqual(strands.length * 1.2);
  });
});

describe('the consensus pass', () => {
  it('decodes reads whose first 30 cycles carry 10 % substitutions, which reads decoded alone cannot', () => {
    const reads = [...new Channel(pool.strands, { preset: 'illumina', coverage: 10, seed: 5, frontSub: 0.1, frontSpan: 30 }).reads()];
    expect(() => decodePool(reads, 'reads', { consensus: false })).toThrow(IncompleteDecodeError);
    const out = decodePool(reads);
    expect(same(out.data)).toBe(true);
    expect(out.report.byConsensus).toBeGreaterThan(0);
    expect(out.report.consensus!.clusters).toBeGreaterThan(0);
  });

  it('recovers header strands by consensus too: 12.5 % substitutions in the first 30 cycles lose header chunks read by read', () => {
    const reads = [...new Channel(pool.strands, { preset: 'illumina', coverage: 10, seed: 1, frontSub: 0.125, frontSpan: 30 }).reads()];
    expect(() => decodePool(reads, 'reads', { consensus: false })).toThrow(/header chunk\(s\) .* missing from every read/);
    expect(same(decodePool(reads).data)).toBe(true);
  });

  it('decodes Illumina-like reads at coverage 5 with 5 % dropout, parity sized for it; the report says which strands came from consensus', () => {
    // At coverage 5 about 1 strand in 10 comes back from no read, one read or two damaged ones.
    const low = encodePool(data, { loss: 0.14 });
    const reads = [...new Channel(low.strands, { preset: 'illumina', coverage: 5, dropout: 0.05, seed: 6 }).reads()];
    const out = decodePool(reads);
    expect(same(out.data)).toBe(true);
    expect(out.report.recovered).toBe(out.report.strands - out.report.erasures);
  });

  it('is not run when the reads decoded one by one already complete every block', () => {
    const reads = [...new Channel(pool.strands, { preset: 'ideal', coverage: 2, seed: 7 }).reads()];
    const out = decodePool(reads);
    expect(same(out.data)).toBe(true);
    expect(out.report.consensus).toBeUndefined();
  });
});

describe('FASTQ qualities in the consensus', () => {
  it('reads from FASTQ text carry their Phred values into the vote; FASTA reads vote alike', async () => {
    const { readChunks, textReads } = await import('../../src/pack/index.js');
    const channel = new Channel(pool.strands, { preset: 'illumina', coverage: 10, seed: 5, frontSub: 0.1, frontSpan: 30 });
    let text = '';
    for (const c of readChunks(channel, 'fastq')) text += c.bytes.toString('latin1');
    const out = decodePool(textReads(text, 'reads.fastq'));
    expect(same(out.data)).toBe(true);
    expect(out.report.consensus!.withQualities).toBe(out.report.consensus!.reads);
    const fasta = text
      .trimEnd()
      .split('\n')
      .flatMap((l, i) => (i % 4 === 0 ? [`>${l.slice(1)}`] : i % 4 === 1 ? [l] : []));
    const plain = decodePool(textReads(fasta.join('\n'), 'reads.fasta'));
    expect(same(plain.data)).toBe(true);
    expect(plain.report.consensus!.withQualities).toBeUndefined();
  });
});

describe('the consensus pass on workers', () => {
  it('links and reconstructs on 2 workers with the groups, strands and report of the calling thread’s pass', async () => {
    const { PoolWorkers } = await import('../../src/pack/index.js');
    const reads = [...new Channel(pool.strands, { preset: 'illumina', coverage: 8, dropout: 0.03, seed: 12, frontSub: 0.1, frontSpan: 30 }).reads()];
    const serial = decodePool(reads);
    const workers = new PoolWorkers(2);
    try {
      const parallel = await workers.decode(reads);
      expect(same(parallel.data)).toBe(true);
      expect(parallel.report.consensus).toEqual(serial.report.consensus);
      expect(parallel.report.consensus!.explained).toBeGreaterThan(0);
      expect(parallel.report.recovered).toBe(serial.report.recovered);
    } finally {
      await workers.close();
    }
  });
});

describe('the consensus pass over partitions (bounded memory)', () => {
  it('spread over 4 partitions by the reads’ two smallest k-mers, on one thread and on workers: bit-exact, nothing left on disk', async () => {
    const { PoolWorkers } = await import('../../src/pack/index.js');
    const { mkdtempSync, readdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const spillDir = mkdtempSync(join(tmpdir(), 'dnarchive-partitions-'));
    const reads = [...new Channel(pool.strands, { preset: 'illumina', coverage: 10, dropout: 0.03, seed: 14, frontSub: 0.1, frontSpan: 30 }).reads()];
    const whole = decodePool(reads);
    const parts = decodePool(reads, 'reads', { consensusPartitions: 4, spillDir });
    expect(same(parts.data)).toBe(true);
    // Each read is filed under two partitions and used in the first that groups it: it is counted once.
    expect(parts.report.consensus!.reads).toBe(whole.report.consensus!.reads);
    expect(parts.report.recovered).toBeGreaterThan(0.97 * whole.report.recovered); // a read loses its strand only when both of its smallest k-mers break
    const workers = new PoolWorkers(2);
    try {
      const parallel = await workers.decode(reads, 'reads', { consensusPartitions: 4, spillDir });
      expect(same(parallel.data)).toBe(true);
      expect(parallel.report.consensus).toEqual(parts.report.consensus);
    } finally {
      await workers.close();
    }
    expect(readdirSync(spillDir)).toEqual([]);
  });
});
