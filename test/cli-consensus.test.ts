/** `dnarchive consensus` in-process: both cluster formats, gzip, the literature's scores and curve, bad input. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeStrand, editDistance, simulateClusters } from '../src/reads/index.js';
import { expectOneLineError, runCli as run } from './_cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dnarchive-consensus-'));
const clusters = simulateClusters({ clusters: 60, traces: 8, length: 120, profile: 'illumina', errorRate: 0.03, seed: 5 });
const refs = clusters.map((c) => decodeStrand(c.reference!));
const literature = clusters.map((c) => `${decodeStrand(c.reference!)}\n${'*'.repeat(30)}\n${c.traces.map(decodeStrand).join('\n')}\n\n\n`).join('');
const plain = clusters.map((c) => c.traces.map(decodeStrand).join('\n')).join('\n\n');

describe('dnarchive consensus', () => {
  it('literature format: one estimate per cluster, the scores they imply, and a curve over the traces used', async () => {
    const input = join(dir, 'clusters.txt');
    writeFileSync(input, literature);
    const out = join(dir, 'est.txt');
    const r = await run(['consensus', input, '-o', out, '--json', '--curve', '1,3,8']);
    expect(r.code, r.stderr).toBe(0);
    const estimates = readFileSync(out, 'utf8').trim().split('\n');
    expect(estimates).toHaveLength(60);
    const exact = estimates.filter((e, i) => e === refs[i]).length;
    const edits = estimates.reduce((n, e, i) => n + editDistance(Buffer.from(e), Buffer.from(refs[i])), 0);
    const j = JSON.parse(r.stdout);
    expect(j.clusters).toBe(60);
    expect(j.scores.exact).toBe(exact);
    expect(j.scores.meanEditDistance).toBeCloseTo(edits / 60, 10);
    expect(j.scores.editErrorRate).toBeCloseTo(edits / (60 * 120), 10);
    expect(exact).toBeGreaterThan(50);
    expect(j.curve.map((s: { maxTraces: number }) => s.maxTraces)).toEqual([1, 3, 8]);
    expect(j.curve[0].exactShare).toBeLessThan(j.curve[2].exactShare);
    expect(j.curve[2].exact).toBe(exact); // all 8 traces: the same as without --curve
  });

  it('plain format and gzip give the same estimates; --max-traces and --fasta; stdout', async () => {
    const gz = join(dir, 'plain.txt.gz');
    writeFileSync(gz, gzipSync(plain));
    const a = await run(['consensus', gz, '-o', '-', '--length', '120']);
    expect(a.code, a.stderr).toBe(0);
    const lit = await run(['consensus', '-', '-o', '-'], literature);
    expect(a.stdout).toBe(lit.stdout);
    const fa = await run(['consensus', gz, '-o', '-', '--length', '120', '--fasta', '--max-traces', '2']);
    expect(fa.stdout.split('\n')[0]).toBe('>cluster1');
    expect(fa.stdout.split('\n').filter((l) => l.startsWith('>'))).toHaveLength(60);
  });

  it('bad input: one line naming the cluster and line, or the option; no output', async () => {
    const out = join(dir, 'never.txt');
    const bad = join(dir, 'bad.txt');
    writeFileSync(bad, 'ACGT\nACGT\n\nACGT\nACXT\n');
    expectOneLineError(await run(['consensus', bad, '-o', out]), /bad\.txt:5: cluster 2: .*"X"/);
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '\n\n');
    expectOneLineError(await run(['consensus', empty, '-o', out]), /empty\.txt.*no clusters/);
    const noTraces = join(dir, 'no-traces.txt');
    writeFileSync(noTraces, `ACGT\n${'*'.repeat(10)}\n\n\nACGT\n${'*'.repeat(10)}\nACGT\n`);
    expectOneLineError(await run(['consensus', noTraces, '-o', out]), /no-traces\.txt:1: cluster 1/);
    expectOneLineError(await run(['consensus', join(dir, 'missing.txt'), '-o', out]), /missing\.txt: no such file/);
    expectOneLineError(await run(['consensus', bad, '-o', out, '--max-traces', '0']), /--max-traces must be at least 1/);
    const fine = join(dir, 'fine.txt');
    writeFileSync(fine, plain);
    expectOneLineError(await run(['consensus', fine, '-o', out, '--length', '400']), /fine\.txt:1: cluster 1: its traces cannot be copies of a 400-nt strand/);
    expectOneLineError(await run(['consensus', bad, '-o', out, '--algorithm', 'magic']), /--algorithm must be 'refine' or 'bma'/);
    expectOneLineError(await run(['consensus', bad, '-o', '-', '--json']), /--json: prints to stdout/);
    expect(existsSync(out)).toBe(false);
  });
});
