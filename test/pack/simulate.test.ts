/** The channel simulator: rates within binomial bounds, dropout, coverage, orientation, determinism, options. */
import { describe, expect, it } from 'vitest';
import { Channel, channelConfig, MAX_READS, packStrands, phredFor, presetTable, PRESETS, readChunks, StrandInputError } from '../../src/pack/index.js';
import { Rng } from '../../src/random.js';
import { OptionError as ValidateOptionError } from '../../src/validate.js';

function strands(n: number, len: number, seed: number): string[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: len }, () => 'ACGT'[rng.below(4)]).join(''));
}

const PARTNER: Record<string, string> = { A: 'T', T: 'A', C: 'G', G: 'C' };
const revcomp = (s: string) =>
  [...s]
    .reverse()
    .map((c) => PARTNER[c])
    .join('');

/** |observed − n·p| within 5 binomial standard deviations (+1 for tiny counts). */
function nearBinomial(observed: number, n: number, p: number): void {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(Math.abs(observed - n * p)).toBeLessThanOrEqual(5 * sd + 1);
}

describe('channel statistics match the requested rates', () => {
  for (const seed of [1, 2, 3]) {
    it(`illumina rates, dropout, coverage and orientation (seed ${seed})`, () => {
      const input = strands(2000, 150, 100 + seed);
      const ch = new Channel(input, { preset: 'illumina', coverage: 8, dropout: 0.1, seed });
      const reads = [...ch.reads()];
      const s = ch.summary;
      expect(reads.length).toBe(s.reads);
      expect(s.generated).toBe(s.reads);
      nearBinomial(s.dropped, 2000, 0.1);
      const nt = s.reads * 150;
      expect(s.sourceNucleotides).toBe(nt);
      nearBinomial(s.substitutions, nt, PRESETS.illumina.sub);
      nearBinomial(s.deletions, nt, PRESETS.illumina.del);
      nearBinomial(s.insertions, nt, PRESETS.illumina.ins);
      nearBinomial(s.reverseComplemented, s.reads, 0.5);
      // Read lengths agree with the counted indels.
      expect(reads.reduce((a, r) => a + r.length, 0)).toBe(nt + s.insertions - s.deletions);
      // Reads per kept strand: mean 8; per-strand variance 8 + 64(e^{0.09} − 1) ≈ 14, so ±0.5 is > 5 sd.
      const kept = 2000 - s.dropped;
      expect(Math.abs(s.reads / kept - 8)).toBeLessThan(0.5);
      expect(s.meanCoverage).toBeCloseTo(s.reads / 2000, 12);
      // Every read comes from a kept strand; every strand with reads is counted as present.
      const perStrand = new Int32Array(2000);
      for (const i of ch.order) perStrand[i]++;
      expect(perStrand.filter((c) => c === 0).length).toBe(s.missing);
      expect(s.missing).toBeGreaterThanOrEqual(s.dropped);
    });
  }

  it('substitutions alone: the Hamming distance to the source strand is the counted number', () => {
    const input = strands(300, 120, 7);
    const ch = new Channel(input, { sub: 0.02, ins: 0, del: 0, rc: 0, coverage: 5, seed: 9 });
    let mismatches = 0;
    for (let j = 0; j < ch.length; j++) {
      const r = ch.read(j);
      const src = input[ch.order[j]];
      expect(r.length).toBe(src.length);
      for (let i = 0; i < r.length; i++) if (r[i] !== src[i]) mismatches++;
    }
    expect(mismatches).toBe(ch.summary.substitutions);
    nearBinomial(mismatches, ch.summary.sourceNucleotides, 0.02);
  });

  it('substituted bases are spread evenly over the three other bases', () => {
    const input = [strands(1, 200, 1)[0].replace(/[CGT]/g, 'A')]; // all A
    const ch = new Channel(input, { sub: 0.3, ins: 0, del: 0, rc: 0, coverage: 200, sampling: 'exact', skew: 0, seed: 5 });
    const tally: Record<string, number> = { A: 0, C: 0, G: 0, T: 0 };
    for (const r of ch.reads()) for (const c of r) tally[c]++;
    expect(tally.A + tally.C + tally.G + tally.T).toBe(200 * 200);
    const subs = ch.summary.substitutions;
    expect(tally.C + tally.G + tally.T).toBe(subs);
    for (const b of ['C', 'G', 'T']) nearBinomial(tally[b], subs, 1 / 3);
  });

  it('insertions and deletions alone change lengths by the counted numbers', () => {
    const input = strands(200, 100, 3);
    const ins = new Channel(input, { sub: 0, ins: 0.03, del: 0, rc: 0, seed: 4 });
    const del = new Channel(input, { sub: 0, ins: 0, del: 0.03, rc: 0, seed: 4 });
    let grown = 0;
    for (let j = 0; j < ins.length; j++) grown += ins.read(j).length - 100;
    let shrunk = 0;
    for (let j = 0; j < del.length; j++) shrunk += 100 - del.read(j).length;
    expect(grown).toBe(ins.summary.insertions);
    expect(shrunk).toBe(del.summary.deletions);
    nearBinomial(grown, ins.summary.sourceNucleotides, 0.03);
    nearBinomial(shrunk, del.summary.sourceNucleotides, 0.03);
  });

  it('rc = 1 reverse-complements every read; rc = 0 none', () => {
    const input = strands(40, 50, 11);
    const all = new Channel(input, { preset: 'ideal', rc: 1, coverage: 2 });
    for (let j = 0; j < all.length; j++) expect(all.read(j)).toBe(revcomp(input[all.order[j]]));
    expect(all.summary.reverseComplemented).toBe(all.length);
    const none = new Channel(input, { preset: 'ideal', rc: 0, coverage: 2 });
    for (let j = 0; j < none.length; j++) expect(none.read(j)).toBe(input[none.order[j]]);
  });

  it('the ideal preset reads every strand exactly once, without errors', () => {
    const input = strands(500, 60, 1);
    const ch = new Channel(input, { preset: 'ideal', rc: 0 });
    expect(ch.length).toBe(500);
    expect([...ch.order].sort((a, b) => a - b)).toEqual(input.map((_, i) => i));
    expect(new Set(ch.reads())).toEqual(new Set(input));
    expect(ch.summary.missing).toBe(0);
  });

  it('exact sampling with a fractional coverage rounds at random, keeping the mean', () => {
    const ch = new Channel(strands(4000, 10, 2), { preset: 'ideal', coverage: 2.25, seed: 8 });
    const perStrand = new Int32Array(4000);
    for (const i of ch.order) perStrand[i]++;
    expect(perStrand.every((c) => c === 2 || c === 3)).toBe(true);
    nearBinomial(perStrand.filter((c) => c === 3).length, 4000, 0.25);
  });

  it('skew widens the spread of reads per strand as a log-normal-Poisson mixture', () => {
    const input = strands(4000, 10, 6);
    const variance = (skew: number) => {
      const ch = new Channel(input, { preset: 'ideal', sampling: 'poisson', coverage: 20, skew, seed: 3 });
      const c = new Float64Array(4000);
      for (const i of ch.order) c[i]++;
      const m = c.reduce((a, b) => a + b, 0) / 4000;
      return c.reduce((a, b) => a + (b - m) ** 2, 0) / 3999;
    };
    // Var = λ + λ²(e^{σ²} − 1): 20 at σ = 0, 20 + 400·(e^{0.25} − 1) ≈ 133.6 at σ = 0.5.
    expect(Math.abs(variance(0) - 20)).toBeLessThan(3);
    expect(Math.abs(variance(0.5) - 133.6)).toBeLessThan(25);
  });

  it('raising dropout with the same seed drops a superset and leaves the other strands alone', () => {
    const input = strands(1000, 20, 4);
    const counts = (dropout: number) => {
      const c = new Int32Array(1000);
      for (const i of new Channel(input, { dropout, seed: 12 }).order) c[i]++;
      return c;
    };
    const low = counts(0.05);
    const high = counts(0.2);
    for (let i = 0; i < 1000; i++) expect(high[i] === 0 || high[i] === low[i]).toBe(true);
    expect(high.filter((c) => c === 0).length).toBeGreaterThan(low.filter((c) => c === 0).length);
  });
});

describe('determinism and memory layout', () => {
  it('same seed, same reads; another seed, other reads; any generation order', () => {
    const input = strands(300, 100, 9);
    const ra = [...new Channel(input, { seed: 42 }).reads()];
    expect([...new Channel(input, { seed: 42 }).reads()]).toEqual(ra);
    const c = new Channel(input, { seed: 42 });
    const back: string[] = [];
    for (let j = c.length - 1; j >= 0; j--) back.unshift(c.read(j));
    expect(back).toEqual(ra);
    expect([...new Channel(input, { seed: 43 }).reads()]).not.toEqual(ra);
  });

  it('counts each read once however often it is made', () => {
    const ch = new Channel(strands(100, 80, 1), { seed: 2, sub: 0.05 });
    [...ch.reads()];
    const first = { ...ch.summary };
    [...ch.reads()];
    ch.read(0);
    expect(ch.summary).toEqual(first);
  });

  it('packed strands and a string array give the same reads', () => {
    const input = strands(500, 90, 5);
    const a = [...new Channel(input, { seed: 7 }).reads()];
    const packed = packStrands(input);
    expect(packed.count).toBe(500);
    expect(packed.get(123)).toBe(input[123]);
    expect([...new Channel(packed, { seed: 7 }).reads()]).toEqual(a);
  });

  it('FASTQ and FASTA chunks carry the same reads, a constant derived quality, and split at any size', () => {
    const input = strands(200, 70, 8);
    const ch = new Channel(input, { seed: 3 });
    const reads = [...ch.reads()];
    const text = (format: 'fastq' | 'fasta', size: number) => {
      let s = '';
      for (const c of readChunks(new Channel(input, { seed: 3 }), format, size)) s += c.bytes.toString('latin1');
      return s;
    };
    const fq = text('fastq', 1 << 20);
    expect(text('fastq', 100)).toBe(fq);
    const lines = fq.trimEnd().split('\n');
    expect(lines.length).toBe(4 * reads.length);
    const q = String.fromCharCode(33 + phredFor(PRESETS.illumina));
    for (let j = 0; j < reads.length; j++) {
      expect(lines[4 * j]).toBe(`@read${j + 1}`);
      expect(lines[4 * j + 1]).toBe(reads[j]);
      expect(lines[4 * j + 2]).toBe('+');
      expect(lines[4 * j + 3]).toBe(q.repeat(reads[j].length));
    }
    expect(text('fasta', 1 << 20)).toBe(reads.map((r, j) => `>read${j + 1}\n${r}\n`).join(''));
  });
});

describe('options', () => {
  it('presets are defaults that options override', () => {
    expect(channelConfig({ preset: 'iseq', sub: 0.001 })).toMatchObject({ sub: 0.001, del: PRESETS.iseq.del, coverage: PRESETS.iseq.coverage });
    expect(channelConfig()).toMatchObject({ preset: 'illumina', sub: 4.8e-3, del: 7.8e-3, ins: 1.1e-3, rc: 0.5, dropout: 0, seed: 1, quality: 19 });
    expect(channelConfig({ preset: 'ideal' }).quality).toBe(40);
    expect(presetTable().split('\n')).toHaveLength(2 + Object.keys(PRESETS).length);
    expect(presetTable()).toMatch(/Heckel, Mikutis & Grass/);
  });

  it('bad values are OptionErrors naming the option and the value', () => {
    const bad: [object, RegExp][] = [
      [{ sub: 1 }, /sub: sub must be below 1 \(got 1\)/],
      [{ ins: -0.1 }, /ins: ins must be at least 0/],
      [{ coverage: 0 }, /coverage: coverage must be above 0/],
      [{ dropout: 1.5 }, /dropout: dropout must be at most 1/],
      [{ rc: 2 }, /rc: rc must be at most 1/],
      [{ skew: 4 }, /skew: skew must be at most 3/],
      [{ seed: 1.5 }, /seed: seed must be a whole number/],
      [{ preset: 'sanger' }, /preset must be one of illumina, twist, iseq, nanopore, ideal/],
      [{ sampling: 'uniform' }, /sampling must be poisson or exact/],
      [{ coverag: 3 }, /coverag/],
      [{ sub: 0.5, ins: 0.3, del: 0.2 }, /sub \+ ins \+ del: must add up to below 1/],
    ];
    for (const [o, re] of bad) {
      expect(() => channelConfig(o as never)).toThrow(ValidateOptionError);
      expect(() => channelConfig(o as never)).toThrow(re);
    }
  });

  it('strands must be upper-case ACGT; the read count is bounded', () => {
    expect(() => new Channel(['ACGT', 'ACNT'])).toThrow(StrandInputError);
    expect(() => new Channel(['ACGT', 'ACNT'])).toThrow(/strand 2: invalid nucleotide "N" at column 3/);
    expect(() => packStrands(['acgt'])).toThrow(/strand 1/);
    const many = new Array<string>(220_000).fill('A');
    expect(() => new Channel(many, { preset: 'ideal', coverage: 10000 })).toThrow(new RegExp(`more than ${MAX_READS} reads`));
  });

  it('an empty pool gives no reads', () => {
    const ch = new Channel([], {});
    expect(ch.length).toBe(0);
    expect([...readChunks(ch)]).toEqual([]);
    expect(ch.summary).toMatchObject({ strands: 0, reads: 0, meanCoverage: 0 });
  });
});
