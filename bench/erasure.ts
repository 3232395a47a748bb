/**
 * Reed–Solomon erasure code over GF(2^16) (src/pack/erasure): encode and decode throughput in MB/s
 * of data shards, one core, for the block shapes the pool uses, with strand-sized (32 B) and
 * page-sized (4 KiB) shards. Decode is the worst case: r data shards lost, so an r × r system is
 * solved and applied to all k − r surviving data shards plus r parity shards.
 * Then the additive-FFT code (FftReedSolomon) against the Cauchy code in the same process, on
 * large blocks (benchErasureFft).
 * Run alone: `npm run build && node dist/bench/erasure.js [--quick] [--fft-only]`.
 */
import { pathToFileURL } from 'node:url';
import { FftReedSolomon, ReedSolomonErasure, parityForLoss } from '../src/pack/erasure/index.js';
import { measure, type TimingOptions } from './_timing.js';
import { randomBytes } from './_prng.js';
import { fixed, renderTable } from './_table.js';

export interface ErasureBenchRow {
  k: number;
  r: number;
  shardBytes: number;
  /** Data bytes per block. */
  blockBytes: number;
  encodeMBps: number;
  decodeMBps: number;
  /** Seconds per block. */
  encodeSeconds: number;
  decodeSeconds: number;
}

const SHAPES: ReadonlyArray<readonly [number, number]> = [
  [200, 20],
  [1000, 100],
  [4000, 400],
];

export async function benchErasure(quick = false): Promise<{ rows: ErasureBenchRow[]; sizingSeconds: number; fft: ErasureFftRow[] }> {
  const shardSizes = [32, 4096];
  const rows: ErasureBenchRow[] = [];
  for (const [k, r] of SHAPES) {
    for (const shardBytes of shardSizes) {
      const blockBytes = k * shardBytes;
      // Big blocks take seconds per call: one warm-up call and one sample then; small ones repeat.
      const timing: TimingOptions =
        blockBytes * r > 1e8
          ? { warmupSeconds: 0, minSampleSeconds: 0, samples: 1 }
          : quick
            ? { warmupSeconds: 0.05, minSampleSeconds: 0.1, samples: 3 }
            : { warmupSeconds: 0.2, minSampleSeconds: 0.3, samples: 5 };
      if (quick && blockBytes * r > 1e9) continue;
      const bytes = randomBytes(blockBytes, k ^ (shardBytes << 16));
      const data = Array.from({ length: k }, (_, j) => bytes.subarray(j * shardBytes, (j + 1) * shardBytes));
      const code = new ReedSolomonErasure(k, r);
      const enc = measure(() => new ReedSolomonErasure(k, r).encode(data), timing);
      const slots: (Uint8Array | null)[] = [...data, ...code.encode(data)];
      for (let i = 0; i < r; i++) slots[Math.floor((i * k) / r)] = null; // r data shards, spread out
      const got = code.decode(slots);
      for (let j = 0; j < k; j++) if (Buffer.compare(got[j], data[j]) !== 0) throw new Error(`erasure bench: decode mismatch at shard ${j} (k=${k}, r=${r})`);
      const dec = measure(() => new ReedSolomonErasure(k, r).decode(slots), timing);
      rows.push({
        k,
        r,
        shardBytes,
        blockBytes,
        encodeMBps: blockBytes / 1e6 / enc.seconds,
        decodeMBps: blockBytes / 1e6 / dec.seconds,
        encodeSeconds: enc.seconds,
        decodeSeconds: dec.seconds,
      });
    }
  }
  console.log(
    renderTable(
      [
        { header: 'k' },
        { header: 'r' },
        { header: 'shard' },
        { header: 'block' },
        { header: 'encode MB/s' },
        { header: 'decode MB/s' },
        { header: 'encode s/block' },
        { header: 'decode s/block' },
      ],
      rows.map((x) => [
        String(x.k),
        String(x.r),
        x.shardBytes >= 1024 ? `${x.shardBytes / 1024} KiB` : `${x.shardBytes} B`,
        x.blockBytes >= 1 << 20 ? `${fixed(x.blockBytes / (1 << 20), 1)} MiB` : `${fixed(x.blockBytes / 1024, 1)} KiB`,
        fixed(x.encodeMBps, 2),
        fixed(x.decodeMBps, 2),
        x.encodeSeconds.toExponential(2),
        x.decodeSeconds.toExponential(2),
      ]),
    ),
  );
  console.log('   MB/s of data shards (10^6 B), one core; decode with r data shards lost (worst case).');
  const t0 = performance.now();
  for (const k of [200, 1000, 4000]) for (const p of [0.05, 0.1, 0.2]) parityForLoss(k, p);
  const sizingSeconds = (performance.now() - t0) / 1e3 / 9;
  console.log(`   parityForLoss (k ∈ {200, 1000, 4000}, p ∈ {5, 10, 20} %, target 1e-9): ${fixed(sizingSeconds * 1e3, 2)} ms per call.`);
  console.log();
  const fft = benchErasureFft(quick);
  return { rows, sizingSeconds, fft };
}

export interface ErasureFftRow {
  k: number;
  r: number;
  shardBytes: number;
  code: 'fft' | 'cauchy';
  /** Bytes of each shard actually coded in the timed calls (shardBytes, or a leading slice of it). */
  timedBytes: number;
  /** MB/s of data shards (10^6 B) over the bytes actually coded. */
  encodeMBps: number;
  decodeMBps: number;
  /** Seconds per call on the timed bytes. */
  encodeSeconds: number;
  decodeSeconds: number;
}

const FFT_SHAPES: ReadonlyArray<readonly [number, number]> = [
  [2000, 447],
  [32768, 2100],
  [60000, 5000],
];

/** The Cauchy code is timed on a slice of each shard when a full call would take longer than this. */
const CAUCHY_FULL_LIMIT_SECONDS = 20;

/**
 * FftReedSolomon vs ReedSolomonErasure, same process, 32-byte shards. Decode loses r shards, half
 * of them data (spread over the block), the rest parity. The Cauchy code costs O(k·r) per symbol,
 * so at the big shapes it is first timed on 2-byte shards (1/16 of the work, 1/16 of the data); if
 * that predicts more than 20 s for a full call, the slice's figure is reported (MB/s over the bytes
 * coded, the same rate as a full call up to the O(e²) inverse, which does not shrink with the slice).
 */
export function benchErasureFft(quick = false): ErasureFftRow[] {
  const shardBytes = 32;
  const rows: ErasureFftRow[] = [];
  const shapes = quick ? FFT_SHAPES.slice(0, 1) : FFT_SHAPES;
  for (const [k, r] of shapes) {
    const bytes = randomBytes(k * shardBytes, k ^ (r << 16));
    const data = Array.from({ length: k }, (_, j) => bytes.subarray(j * shardBytes, (j + 1) * shardBytes));
    const dataLost = r >> 1;
    const parityLost = r - dataLost;
    const lost: number[] = [];
    for (let i = 0; i < dataLost; i++) lost.push(Math.floor((i * k) / dataLost));
    for (let i = 0; i < parityLost; i++) lost.push(k + Math.floor((i * r) / parityLost));

    const run = (code: 'fft' | 'cauchy', timedBytes: number, timing: TimingOptions): ErasureFftRow => {
      const shards = timedBytes === shardBytes ? data : data.map((d) => d.subarray(0, timedBytes));
      const make = (): FftReedSolomon | ReedSolomonErasure => (code === 'fft' ? new FftReedSolomon(k, r) : new ReedSolomonErasure(k, r));
      const slots: (Uint8Array | null)[] = [...shards, ...make().encode(shards)];
      for (const s of lost) slots[s] = null;
      const got = make().decode(slots);
      for (let j = 0; j < k; j++)
        if (Buffer.compare(got[j], shards[j]) !== 0) throw new Error(`erasure bench: ${code} decode mismatch at shard ${j} (k=${k}, r=${r})`);
      const enc = measure(() => make().encode(shards), timing);
      const dec = measure(() => make().decode(slots), timing);
      const mb = (k * timedBytes) / 1e6;
      return {
        k,
        r,
        shardBytes,
        code,
        timedBytes,
        encodeMBps: mb / enc.seconds,
        decodeMBps: mb / dec.seconds,
        encodeSeconds: enc.seconds,
        decodeSeconds: dec.seconds,
      };
    };

    rows.push(
      run('fft', shardBytes, quick ? { warmupSeconds: 0.05, minSampleSeconds: 0.1, samples: 3 } : { warmupSeconds: 0.2, minSampleSeconds: 0.5, samples: 5 }),
    );
    const once: TimingOptions = { warmupSeconds: 0, minSampleSeconds: 0, samples: 1 };
    if (k * r * shardBytes < 1e8) {
      rows.push(
        run(
          'cauchy',
          shardBytes,
          quick ? { warmupSeconds: 0.05, minSampleSeconds: 0.1, samples: 3 } : { warmupSeconds: 0.2, minSampleSeconds: 0.5, samples: 3 },
        ),
      );
    } else {
      const slice = run('cauchy', 2, once);
      const predicted = (Math.max(slice.encodeSeconds, slice.decodeSeconds) * shardBytes) / 2;
      rows.push(predicted > CAUCHY_FULL_LIMIT_SECONDS ? slice : run('cauchy', shardBytes, once));
    }
  }
  console.log('   b. Additive-FFT Reed–Solomon (FftReedSolomon) vs the Cauchy code (ReedSolomonErasure), same process, 32 B shards');
  const ratio = (row: ErasureFftRow, f: (x: ErasureFftRow) => number): string => {
    const base = rows.find((x) => x.k === row.k && x.r === row.r && x.code === 'cauchy');
    return row.code === 'fft' && base ? `${fixed(f(row) / f(base), 1)}x` : '';
  };
  console.log(
    renderTable(
      [
        { header: 'k' },
        { header: 'r' },
        { header: 'code', align: 'l' },
        { header: 'timed', align: 'l' },
        { header: 'encode MB/s' },
        { header: 'decode MB/s' },
        { header: 'encode s' },
        { header: 'decode s' },
        { header: 'enc. vs Cauchy' },
        { header: 'dec. vs Cauchy' },
      ],
      rows.map((x) => [
        String(x.k),
        String(x.r),
        x.code === 'fft' ? 'FFT (LCH)' : 'Cauchy',
        x.timedBytes === x.shardBytes ? 'whole shards' : `${x.timedBytes} B of each shard`,
        fixed(x.encodeMBps, 2),
        fixed(x.decodeMBps, 2),
        x.encodeSeconds.toExponential(2),
        x.decodeSeconds.toExponential(2),
        ratio(x, (y) => y.encodeMBps),
        ratio(x, (y) => y.decodeMBps),
      ]),
    ),
  );
  console.log(
    '   MB/s of data shards (10^6 B), one core; decode with r shards lost (half data, half parity, spread out). Seconds are per call\n' +
      '   on the timed bytes; a Cauchy row timed on a slice of each shard stands for a full call that would take over 20 s.',
  );
  return rows;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--fft-only')) benchErasureFft(process.argv.includes('--quick'));
  else await benchErasure(process.argv.includes('--quick'));
}
