/**
 * The archival pool: erasure-code speed, pool encode/decode throughput (library on one thread,
 * then the piscina workers on all cores, same process, with the ratio), a ≥ 50 MB round trip
 * through the whole CLI (files on disk, bounded memory: peak RSS of encode, decode, and decode
 * with the strands spilled to a file), and the density of the defaults.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Channel, decodePool, encodePool, memorySource, poolReport, PoolWorkers } from '../src/pack/index.js';
import { Rng } from '../src/random.js';
import { fixed, renderTable } from './_table.js';

function randomBytes(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const v = rng.nextU32();
    out[i] = v;
    out[i + 1] = v >>> 8;
    out[i + 2] = v >>> 16;
    out[i + 3] = v >>> 24;
  }
  return out;
}

function seconds(fn: () => void): number {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
}

async function secondsAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return (performance.now() - t) / 1000;
}

export async function benchPool(quick: boolean): Promise<unknown> {
  const results: Record<string, unknown> = {};

  // b. Pool encode / decode, library, one thread vs the worker pool: format 3 (the default) and
  // format 2, same reads channel, same process — the ratio between them is a same-run figure.
  const size = quick ? 1 << 19 : 4 << 20;
  const data = randomBytes(size, 7);
  const workers = new PoolWorkers();
  const mb = size / 1e6;
  const rows: string[][] = [];
  const library: Record<string, unknown> = { bytes: size, threads: workers.threads };
  let pool = encodePool(data);
  for (const format of [3, 2] as const) {
    const tEnc1 = seconds(() => (pool = encodePool(data, { format })));
    const tEncN = await secondsAsync(() => workers.encode(memorySource(data), { format }, () => undefined));
    const reads = [...new Channel(pool.strands, { preset: 'illumina', coverage: 10, dropout: 0.05, seed: 1 }).reads()];
    let erasures = 0;
    const tDec1 = seconds(() => {
      const out = decodePool(reads);
      if (!Buffer.from(out.data).equals(Buffer.from(data))) throw new Error('bench: pool round trip differs');
      erasures = out.report.erasures / out.report.strands;
    });
    const tDecN = await secondsAsync(async () => {
      const out = await workers.decode(reads);
      if (!Buffer.from(out.data).equals(Buffer.from(data))) throw new Error('bench: parallel pool round trip differs');
    });
    rows.push(
      [`   format ${format} encode`, fixed(mb / tEnc1, 2), fixed(mb / tEncN, 2), `${fixed(tEnc1 / tEncN, 2)}x`, ''],
      [
        `   format ${format} decode`,
        fixed(mb / tDec1, 3),
        fixed(mb / tDecN, 3),
        `${fixed(tDec1 / tDecN, 2)}x`,
        `${reads.length} reads, ${fixed(100 * erasures, 1)} % erasures`,
      ],
    );
    library[`format${format}`] = {
      encodeOne: mb / tEnc1,
      encodeAll: mb / tEncN,
      decodeOne: mb / tDec1,
      decodeAll: mb / tDecN,
      reads: reads.length,
      erasureShare: erasures,
    };
  }
  pool = encodePool(data);
  await workers.close();
  console.log(`   b. Pool encode / decode of ${fixed(mb, 1)} MB (defaults but --format; decode from illumina reads, coverage 10, 5 % dropout)`);
  console.log(
    renderTable(
      [
        { header: '   stage', align: 'l' },
        { header: '1 thread MB/s' },
        { header: `${workers.threads} workers MB/s` },
        { header: 'scaling' },
        { header: 'reads', align: 'l' },
      ],
      rows,
    ),
  );
  results.library = library;

  // c. Density of the defaults beside DNA Fountain's 1.57 bits/nt.
  const rep = poolReport(pool.strands);
  console.log(`\n   c. Net density at the defaults: ${fixed(rep.bitsPerNt, 3)} bits/nt (DNA Fountain: 1.57 bits/nt net, with no per-codeword correction)`);
  results.density = { bitsPerNt: rep.bitsPerNt, strands: rep.strands, parity: rep.manifest.parity, blocks: rep.manifest.blocks };

  // d. Whole CLI on a large file: encode → decode of the clean pool, files on disk.
  const big = quick ? 4 << 20 : 50 << 20;
  const dir = mkdtempSync(join(tmpdir(), 'dnarchive-bench-'));
  try {
    const cli = resolve(fileURLToPath(new URL('.', import.meta.url)), '../cli/main.js');
    const input = join(dir, 'in.bin');
    writeFileSync(input, randomBytes(big, 11));
    // Peak RSS of the CLI process (worker threads included), from GNU time; NaN without it.
    const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
    const run = (args: string[]): { s: number; rssMB: number } => {
      const t = performance.now();
      const r = timeBin
        ? spawnSync(timeBin, ['-f', '%M', process.execPath, cli, ...args], { encoding: 'utf8' })
        : spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`bench: dnarchive ${args.join(' ')} failed: ${r.stderr}`);
      const rss = timeBin ? Number(r.stderr.trim().split('\n').pop()) / 1024 : NaN;
      return { s: (performance.now() - t) / 1000, rssMB: rss };
    };
    const enc = run(['encode', input, '-o', join(dir, 'pool.fasta')]);
    const dec = run(['decode', join(dir, 'pool.fasta'), '-o', join(dir, 'out.bin')]);
    const same = readFileSync(input).equals(readFileSync(join(dir, 'out.bin')));
    if (!same) throw new Error('bench: CLI round trip differs');
    // The same decode with the recovered strands forced into the spill file (what payloads
    // beyond --chunk-memory, 256 MiB of strands by default, get).
    const spill = run(['decode', join(dir, 'pool.fasta'), '-o', join(dir, 'out2.bin'), '--chunk-memory', '0']);
    if (!readFileSync(input).equals(readFileSync(join(dir, 'out2.bin')))) throw new Error('bench: CLI round trip with spilled strands differs');
    const poolMB = statSync(join(dir, 'pool.fasta')).size / 1e6;
    const bmb = big / 1e6;
    console.log(
      `\n   d. Whole CLI, ${fixed(bmb, 0)} MB random file → ${fixed(poolMB, 0)} MB pool FASTA → decode, bit-exact (${availableParallelism()} cores; peak RSS from /usr/bin/time)`,
    );
    console.log(
      renderTable(
        [{ header: '   command', align: 'l' }, { header: 'seconds' }, { header: 'MB/s of file' }, { header: 'peak RSS MB' }],
        [
          ['   encode', fixed(enc.s, 1), fixed(bmb / enc.s, 2), fixed(enc.rssMB, 0)],
          ['   decode', fixed(dec.s, 1), fixed(bmb / dec.s, 2), fixed(dec.rssMB, 0)],
          ['   decode, strands spilled to a file', fixed(spill.s, 1), fixed(bmb / spill.s, 2), fixed(spill.rssMB, 0)],
        ],
      ),
    );
    results.cli = {
      bytes: big,
      encodeSeconds: enc.s,
      decodeSeconds: dec.s,
      spillDecodeSeconds: spill.s,
      encodeRssMB: enc.rssMB,
      decodeRssMB: dec.rssMB,
      spillDecodeRssMB: spill.rssMB,
      bitExact: same,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
