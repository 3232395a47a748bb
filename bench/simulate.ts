/**
 * The channel simulator: 100k random strands of 150 nt at coverage 10 (illumina preset, ~1M
 * reads). Library on one thread — packing, planning (copy numbers + shuffle), FASTQ generation —
 * then `dnarchive simulate` end to end on files (parse, simulate, atomic write; process start
 * included). Reads/s and MB/s of FASTQ output; median of 3 runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Channel, packStrands, readChunks } from '../src/pack/index.js';
import { Rng } from '../src/random.js';
import { fixed, renderTable } from './_table.js';

function randomStrands(n: number, len: number, seed: number): string[] {
  const rng = new Rng(seed);
  const letters = 'ACGT';
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = '';
    for (let k = 0; k < len; k += 16) {
      let v = rng.nextU32();
      for (let b = 0; b < 16 && k + b < len; b++, v >>>= 2) s += letters[v & 3];
    }
    out.push(s);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export async function benchSimulate(quick = false): Promise<unknown> {
  const strandsN = quick ? 20_000 : 100_000;
  const len = 150;
  const coverage = 10;
  const strands = randomStrands(strandsN, len, 1);

  const runs: { pack: number; plan: number; generate: number; reads: number; bytes: number }[] = [];
  for (let run = 0; run < 3; run++) {
    let t = performance.now();
    const packed = packStrands(strands);
    const pack = (performance.now() - t) / 1000;
    t = performance.now();
    const channel = new Channel(packed, { preset: 'illumina', coverage, seed: run + 1 });
    const plan = (performance.now() - t) / 1000;
    t = performance.now();
    let bytes = 0;
    for (const c of readChunks(channel, 'fastq')) bytes += c.bytes.length;
    const generate = (performance.now() - t) / 1000;
    runs.push({ pack, plan, generate, reads: channel.length, bytes });
  }
  const gen = median(runs.map((r) => r.generate));
  const plan = median(runs.map((r) => r.plan));
  const pack = median(runs.map((r) => r.pack));
  const reads = runs[0].reads;
  const bytes = runs[0].bytes;
  const library = {
    strands: strandsN,
    strandLength: len,
    coverage,
    reads,
    fastqMB: bytes / 1e6,
    packSeconds: pack,
    planSeconds: plan,
    generateSeconds: gen,
    readsPerSecond: reads / gen,
    outputMBps: bytes / 1e6 / gen,
    totalReadsPerSecond: reads / (pack + plan + gen),
  };

  // End to end through the built CLI.
  const cli = resolve(fileURLToPath(import.meta.url), '../../cli/main.js');
  const dir = mkdtempSync(join(tmpdir(), 'dnarchive-bench-simulate-'));
  let endToEnd: Record<string, number> | undefined;
  try {
    const pool = join(dir, 'pool.fasta');
    writeFileSync(pool, strands.map((s, i) => `>s${i}\n${s}\n`).join(''));
    const walls: number[] = [];
    for (let run = 0; run < 3; run++) {
      const out = join(dir, `reads${run}.fastq`);
      const t = performance.now();
      const r = spawnSync(process.execPath, [cli, 'simulate', pool, '-o', out, '--coverage', String(coverage), '--seed', String(run + 1), '--no-progress'], {
        encoding: 'utf8',
      });
      walls.push((performance.now() - t) / 1000);
      if (r.status !== 0) throw new Error(`dnarchive simulate failed: ${r.stderr}`);
    }
    const wall = median(walls);
    const outBytes = statSync(join(dir, 'reads0.fastq')).size;
    endToEnd = { seconds: wall, readsPerSecond: reads / wall, outputMBps: outBytes / 1e6 / wall };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `   channel simulator: ${strandsN} strands × ${len} nt, illumina preset, coverage ${coverage} → ${reads} reads, ${fixed(bytes / 1e6, 1)} MB FASTQ (median of 3)`,
  );
  console.log(
    renderTable(
      [{ header: '     stage', align: 'l' }, { header: 'seconds' }, { header: 'reads/s' }, { header: 'MB/s out' }],
      [
        ['     pack strands', fixed(pack, 3), '', ''],
        ['     plan (copies, shuffle)', fixed(plan, 3), '', ''],
        ['     generate FASTQ', fixed(gen, 3), fixed(reads / gen / 1e6, 2) + 'M', fixed(bytes / 1e6 / gen, 1)],
        ['     CLI end to end', fixed(endToEnd.seconds, 3), fixed(endToEnd.readsPerSecond / 1e6, 2) + 'M', fixed(endToEnd.outputMBps, 1)],
      ],
    ),
  );
  return { library, endToEnd };
}
