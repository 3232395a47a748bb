/**
 * Reed–Solomon erasure code over GF(2^16) (src/pack/erasure): encode and decode throughput in MB/s
 * of data shards, one core, for the block shapes the pool uses, with strand-sized (32 B) and
 * page-sized (4 KiB) shards. Decode is the worst case: r data shards lost, so an r × r system is
 * solved and applied to all k − r surviving data shards plus r parity shards.
 * Run alone: `npm run build && node dist/bench/erasure.js [--quick]`.
 */
import { pathToFileURL } from 'node:url';
import { ReedSolomonErasure, parityForLoss } from '../src/pack/erasure/index.js';
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

export async function benchErasure(quick = false): Promise<{ rows: ErasureBenchRow[]; sizingSeconds: number }> {
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
  return { rows, sizingSeconds };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchErasure(process.argv.includes('--quick'));
}
