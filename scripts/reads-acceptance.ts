/**
 * Reads-to-strands acceptance (issue: clustering, consensus, pool format 3): a random file encoded
 * with the default options (or primers where a row says so), then per row `--seeds` seeded
 * channels, each decoded from the reads alone on the calling thread and compared bit for bit.
 * Noisy first cycles are the channel's frontSub / frontSpan; paired-end reads are the channel's
 * mates (Channel.writeMates, as `simulate --paired` writes them), merged by mergePair as
 * `decode R1 R2` does.
 *
 *   node dist/scripts/reads-acceptance.js [--seeds 20] [--bytes 1048576] [--rows a,b,…] [--format 3] [--loss p] [--json out.json] [--no-consensus]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodePool, encodePool, mergePair, type PoolDecodeReport } from '../src/pack/index.js';
import { Channel, type ChannelOptions } from '../src/pack/simulate/index.js';
import { Rng } from '../src/random.js';

const PRIMERS: [string, string] = ['ACACGACGCTCTTCCGATCT', 'AGATCGGAAGAGCACACGTC'];

interface Row {
  name: string;
  channel: ChannelOptions;
  primers?: boolean;
  paired?: number;
}

const ROWS: Row[] = [
  { name: 'illumina-c10', channel: { preset: 'illumina', coverage: 10, dropout: 0.05 } },
  { name: 'illumina-c5', channel: { preset: 'illumina', coverage: 5, dropout: 0.05 } },
  // 2.5 % of a 150-nt read's nucleotides substituted, all in its first 30: 12.5 % per nt there.
  { name: 'front-2.5%-c10', channel: { preset: 'illumina', coverage: 10, frontSub: 0.125, frontSpan: 30 } },
  { name: 'indels-c10', channel: { preset: 'illumina', coverage: 10, del: 0.01, ins: 0.003 } },
  { name: 'nanopore-c30', channel: { preset: 'nanopore', coverage: 30 } },
  { name: 'primers-front-5%-c10', channel: { preset: 'illumina', coverage: 10, frontSub: 0.05, frontSpan: 20 }, primers: true },
  { name: 'paired-2x150-c10', channel: { preset: 'illumina', coverage: 10 }, primers: true, paired: 150 },
];

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    bytes: { type: 'string', default: String(1 << 20) },
    rows: { type: 'string' },
    json: { type: 'string' },
    'no-consensus': { type: 'boolean', default: false },
    format: { type: 'string', default: '3' },
    /** Expected loss the parity is sized for (the encoder's --dropout); default: the format's. */
    loss: { type: 'string' },
  },
});
const seeds = Number(values.seeds);
const rows = values.rows ? ROWS.filter((r) => values.rows!.split(',').includes(r.name)) : ROWS;
const rng = new Rng(1);
const data = Uint8Array.from({ length: Number(values.bytes) }, () => rng.below(256));
const format = Number(values.format) as 1 | 2 | 3;
const loss = values.loss === undefined ? undefined : Number(values.loss);
const pools = { plain: encodePool(data, { format, loss }), primers: encodePool(data, { primers: PRIMERS, format, loss }) };

function reads(row: Row, seed: number): string[] {
  const pool = row.primers ? pools.primers : pools.plain;
  const channel = new Channel(pool.strands, { ...row.channel, seed });
  if (!row.paired) return [...channel.reads()];
  // A paired-end run as `simulate --paired` writes it, each pair merged as `decode R1 R2` does.
  const out: string[] = [];
  const a = Buffer.alloc(channel.maxReadLength);
  const b = Buffer.alloc(channel.maxReadLength);
  for (let j = 0; j < channel.length; j++) {
    const [n1, n2] = channel.writeMates(j, row.paired, a, 0, b, 0);
    const m1 = a.toString('latin1', 0, n1);
    const m2 = b.toString('latin1', 0, n2);
    const merged = mergePair(m1, m2);
    if (merged === undefined) out.push(m1, m2);
    else out.push(merged);
  }
  return out;
}

interface Outcome {
  row: string;
  ok: number;
  seeds: number;
  secondsPerRun: number;
  /** Seconds in decodePool alone (not making the reads). */
  decodeSecondsPerRun: number;
  meanByConsensus: number;
  worstErasureShare: number;
  firstFailure?: string;
}

const outcomes: Outcome[] = [];
console.log(
  `file ${data.length} bytes → format ${format}, ${pools.plain.strands.length} strands of ${pools.plain.strands[0].length} nt, ${pools.plain.manifest.parity} parity a block (with primers: ${pools.primers.strands[0].length} nt)`,
);
for (const row of rows) {
  let ok = 0;
  let consensus = 0;
  let worst = 0;
  let failure: string | undefined;
  let decodeMs = 0;
  const t0 = performance.now();
  for (let seed = 1; seed <= seeds; seed++) {
    const input = reads(row, seed);
    const t1 = performance.now();
    try {
      const out = decodePool(input, 'reads', { consensus: !values['no-consensus'] });
      const report: PoolDecodeReport = out.report;
      if (Buffer.from(out.data).equals(Buffer.from(data))) ok++;
      consensus += report.byConsensus ?? 0;
      worst = Math.max(worst, report.erasures / report.strands);
    } catch (e) {
      failure ??= `seed ${seed}: ${(e as Error).message.slice(0, 200)}`;
    }
    decodeMs += performance.now() - t1;
  }
  const o: Outcome = {
    row: row.name,
    ok,
    seeds,
    secondsPerRun: (performance.now() - t0) / 1000 / seeds,
    decodeSecondsPerRun: decodeMs / 1000 / seeds,
    meanByConsensus: consensus / seeds,
    worstErasureShare: worst,
    firstFailure: failure,
  };
  outcomes.push(o);
  console.log(
    `${row.name.padEnd(22)} ${ok}/${seeds} bit-exact, ${o.secondsPerRun.toFixed(1)} s/run (decode ${o.decodeSecondsPerRun.toFixed(1)} s), mean ${o.meanByConsensus.toFixed(0)} strands by consensus, worst erasure share ${(100 * worst).toFixed(1)} %${failure ? `; first failure ${failure}` : ''}`,
  );
}
if (values.json)
  writeFileSync(
    values.json,
    `${JSON.stringify({ bytes: data.length, format, loss: loss ?? null, parity: pools.plain.manifest.parity, seeds, outcomes }, null, 2)}\n`,
  );
