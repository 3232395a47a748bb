/**
 * Decoding in bounded memory: through the simulated channel (dropout, substitutions, indels,
 * reverse complements) with the strand store forced into its spill file, bit-exact and with the
 * same report as in memory; the spill file gone after success and after failure; the streaming
 * faces (decodePoolTo, PoolWorkers.decodeTo on the calling thread and on workers) write the same
 * payload block by block; `dnarchive decode --chunk-memory`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Channel, decodePool, decodePoolTo, encodePool, IncompleteDecodeError, PoolWorkers } from '../../src/pack/index.js';
import { Rng } from '../../src/random.js';
import { expectOneLineError, runCli } from '../_cli.js';

const dir = mkdtempSync(join(tmpdir(), 'dnarchive-spill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bytes(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n }, () => rng.below(256));
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

// Small blocks, so the payload spans many Reed–Solomon blocks; parity so tight that the reads
// with indels are needed and some strands are assembled by voting (format 2: two codewords a strand).
const data = bytes(60_000, 41);
const pool = encodePool(data, { blockSize: 200, redundancy: 0.25, format: 2 });
const reads = [...new Channel(pool.strands, { preset: 'illumina', coverage: 10, dropout: 0.05, sub: 0.006, seed: 9 }).reads()];

describe('decoding with the strands spilled to a file', () => {
  it('is bit-exact through dropout, substitutions and indels, with the report of the in-memory decode', async () => {
    const spillDir = mkdtempSync(join(dir, 'ok-'));
    const inMemory = decodePool(reads);
    const spilled = decodePool(reads, 'reads', { chunkMemory: 0, spillDir });
    expect(same(spilled.data, data)).toBe(true);
    expect(inMemory.report.strandStore).toBe('memory');
    expect(spilled.report.strandStore).toBe('file');
    expect(spilled.report.erasures).toBeGreaterThan(0);
    expect(spilled.report.byVoting).toBeGreaterThan(0);
    expect({ ...spilled.report, strandStore: 'memory' }).toEqual(inMemory.report);
    expect(readdirSync(spillDir)).toEqual([]);
  });

  it('leaves no file behind when the decode fails', async () => {
    const spillDir = mkdtempSync(join(dir, 'fail-'));
    const lossy = pool.strands.filter((_, i) => i % 3 !== 0 || pool.names[i].includes(':h'));
    expect(() => decodePool(lossy, 'lossy.fasta', { chunkMemory: 0, spillDir })).toThrow(IncompleteDecodeError);
    expect(readdirSync(spillDir)).toEqual([]);
  });
});

describe('streaming faces', () => {
  it('decodePoolTo writes the payload block by block, in order', async () => {
    const pieces: Uint8Array[] = [];
    const { manifest } = decodePoolTo(reads, (b) => pieces.push(b.slice()), 'reads', { chunkMemory: 0, spillDir: dir });
    expect(pieces.length).toBe(manifest.blocks);
    expect(same(Buffer.concat(pieces), data)).toBe(true);
  });

  it.each([1, 2])('PoolWorkers.decodeTo on %i thread(s), spilled: bit-exact, same strands as one thread', async (threads) => {
    const workers = new PoolWorkers(threads);
    try {
      const pieces: Uint8Array[] = [];
      const { report } = await workers.decodeTo(reads, (b) => pieces.push(b.slice()), 'reads', { chunkMemory: 0, spillDir: dir });
      expect(same(Buffer.concat(pieces), data)).toBe(true);
      expect(report.strandStore).toBe('file');
      const one = decodePool(reads).report;
      expect(report.recovered).toBe(one.recovered);
      expect(report.readsUsed).toBe(one.readsUsed);
    } finally {
      await workers.close();
    }
  });
});

describe('dnarchive decode --chunk-memory', () => {
  it('0 spills every strand to a temporary file beside the output: bit-exact, nothing left behind', async () => {
    const sub = mkdtempSync(join(dir, 'cli-'));
    const input = join(sub, 'in.bin');
    writeFileSync(input, data);
    const fasta = join(sub, 'pool.fasta');
    expect((await runCli(['encode', input, '-o', fasta])).code).toBe(0);
    const out = join(sub, 'out.bin');
    const d = await runCli(['decode', fasta, '-o', out, '--chunk-memory', '0', '--json']);
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout).strandStore).toBe('file');
    expect(same(readFileSync(out), data)).toBe(true);
    expect(readdirSync(sub).sort()).toEqual(['in.bin', 'out.bin', 'pool.fasta']);
  });

  it('a value that is not a number of MiB names the option', async () => {
    expectOneLineError(await runCli(['decode', 'x.fasta', '-o', join(dir, 'never.bin'), '--chunk-memory', 'lots']), /--chunk-memory must be a number of MiB/);
  });
});
