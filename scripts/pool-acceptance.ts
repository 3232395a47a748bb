/**
 * The pool's acceptance run (issue: archive pool): a 1 MiB random file encoded with the default
 * options, then for each channel setting 20 seeded simulations (illumina preset, coverage 10),
 * each decoded from the reads alone and compared bit for bit. Sweeps raise the substitution rate
 * and the dropout until a seed fails, and report the highest setting at which all seeds decoded.
 *
 *   node dist/scripts/pool-acceptance.js [--seeds 20] [--bytes 1048576] [--subs 0.0048,0.01,0.02] [--dropouts 0.05,0.08,0.1]
 */
import { parseArgs } from 'node:util';
import { decodePool, encodePool } from '../src/pack/pool/index.js';
import { Channel, PRESETS } from '../src/pack/simulate/index.js';
import { Rng } from '../src/random.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    bytes: { type: 'string', default: String(1 << 20) },
    subs: { type: 'string', default: '0.0075,0.01,0.015,0.02' },
    dropouts: { type: 'string', default: '0.06,0.07,0.08,0.1' },
  },
});
const seeds = Number(values.seeds);
const rng = new Rng(1);
const data = Uint8Array.from({ length: Number(values.bytes) }, () => rng.below(256));
const pool = encodePool(data);
const m = pool.manifest;
console.log(
  `file ${data.length} bytes → ${pool.strands.length} strands (ℓ=${m.ell}, K=${m.K}, m=${m.m}, ecc ${m.ecc}, ${m.blocks} blocks of ≤ ${Math.ceil(m.dataStrands / m.blocks)} data + ${m.parity} parity)`,
);

interface Point {
  sub: number;
  dropout: number;
}

function trial(p: Point): { ok: number; worst: number; seconds: number; failure?: string } {
  let ok = 0;
  let worst = 0;
  let failure: string | undefined;
  const t0 = performance.now();
  for (let seed = 1; seed <= seeds; seed++) {
    const reads = [...new Channel(pool.strands, { preset: 'illumina', coverage: 10, dropout: p.dropout, sub: p.sub, seed }).reads()];
    try {
      const out = decodePool(reads);
      if (Buffer.from(out.data).equals(Buffer.from(data))) ok++;
      worst = Math.max(worst, out.report.erasures / out.report.strands);
    } catch (e) {
      failure ??= `seed ${seed}: ${(e as Error).message.slice(0, 160)}`;
    }
  }
  return { ok, worst, seconds: (performance.now() - t0) / 1000, failure };
}

function line(label: string, p: Point): boolean {
  const r = trial(p);
  console.log(
    `${label} sub ${p.sub} dropout ${p.dropout}: ${r.ok}/${seeds} bit-exact, worst erasure share ${(100 * r.worst).toFixed(1)}%, ${(r.seconds / seeds).toFixed(1)} s/run${r.failure ? `; first failure ${r.failure}` : ''}`,
  );
  return r.ok === seeds;
}

const base = { sub: PRESETS.illumina.sub, dropout: 0.05 };
line('baseline', base);
let bestSub = NaN;
for (const sub of values.subs!.split(',').map(Number)) {
  if (!line('sweep', { ...base, sub })) break;
  bestSub = sub;
}
let bestDropout = NaN;
for (const dropout of values.dropouts!.split(',').map(Number)) {
  if (!line('sweep', { ...base, dropout })) break;
  bestDropout = dropout;
}
console.log(`highest substitution rate with all ${seeds} decoded: ${bestSub}; highest dropout: ${bestDropout}`);
