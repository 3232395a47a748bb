/**
 * Benchmarks: `npm run bench [-- --quick] [-- --json results.json]`.
 *   1. LocoCodec encode / decode throughput (payload Mbit/s, one core, main thread).
 *   2. Big-integer representations on rank / unrank (native BigInt, big-integer, 30-bit limbs).
 *   3. Table build time of new LocoCode(m, ℓ).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { TimingOptions } from './_timing.js';
import { formatThroughput, runThroughput, CPP_REFERENCE, TARGET } from './loco-throughput.js';
import { formatBigInt, runBigInt, summariseBigInt } from './bigint.js';
import { formatTableBuild, runTableBuild } from './table-build.js';
import { detectionTable, printDetection } from './detection.js';
import { runDoubleShares, runListSpeed, runResidueThroughput, runTableBuilds } from './ecc.js';
import { renderTable, fixed } from './_table.js';
import { benchPool } from './pool.js';
import { benchErasure } from './erasure.js';
import { benchSimulate } from './simulate.js';
import { benchQuantMath } from './quant-math.js';
import { benchModel } from './model.js';
import { benchKernels } from './kernels.js';
import { benchScale } from './scale.js';
import { benchReconstruct } from './reconstruct.js';

const SECTIONS = ['codec', 'bigint', 'tables', 'detection', 'ecc', 'pool', 'reads', 'quant', 'kernels', 'scale'] as const;
type Section = (typeof SECTIONS)[number];

interface Settings {
  payloadBytes: number;
  codecTiming: TimingOptions;
  bigint: { batch: number; checkSample: number; timing: TimingOptions; pureJs: boolean };
  tableTiming: TimingOptions;
}

const FULL: Settings = {
  payloadBytes: 1 << 20,
  codecTiming: { warmupSeconds: 0.3, minSampleSeconds: 0.5, samples: 5 },
  bigint: { batch: 1024, checkSample: 300, timing: { warmupSeconds: 0.2, minSampleSeconds: 0.5, samples: 3 }, pureJs: true },
  tableTiming: { warmupSeconds: 0.1, minSampleSeconds: 0.25, samples: 3 },
};

const QUICK: Settings = {
  payloadBytes: 1 << 18,
  codecTiming: { warmupSeconds: 0.1, minSampleSeconds: 0.1, samples: 3 },
  bigint: { batch: 256, checkSample: 60, timing: { warmupSeconds: 0.05, minSampleSeconds: 0.06, samples: 3 }, pureJs: true },
  tableTiming: { warmupSeconds: 0.02, minSampleSeconds: 0.05, samples: 3 },
};

function describe(t: TimingOptions): string {
  return `warm-up ${t.warmupSeconds} s, median of ${t.samples} samples of >= ${t.minSampleSeconds} s`;
}

async function main(): Promise<void> {
  const usage = `usage: node dist/bench/main.js [--quick] [--only ${SECTIONS.join(',')}] [--devices gpu,cpu] [--json <file>]   (or: npm run bench -- --quick)`;
  let values: { quick?: boolean; json?: string; help?: boolean; only?: string; devices?: string };
  try {
    ({ values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        devices: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    console.log(usage);
    return;
  }
  const only = values.only ? values.only.split(',').map((x) => x.trim()) : [...SECTIONS];
  const unknown = only.filter((x) => !(SECTIONS as readonly string[]).includes(x));
  if (unknown.length > 0) {
    console.error(`--only: unknown section ${unknown.join(', ')}; sections are ${SECTIONS.join(', ')}\n${usage}`);
    process.exitCode = 2;
    return;
  }
  const want = (name: Section): boolean => only.includes(name);
  // Which devices the scale section runs (default: the GPU path when there is an adapter, and the CPU path).
  const devices = values.devices?.split(',').map((x) => x.trim());
  if (devices?.some((d) => d !== 'gpu' && d !== 'cpu')) {
    console.error(`--devices: expected gpu, cpu or gpu,cpu (got ${values.devices})\n${usage}`);
    process.exitCode = 2;
    return;
  }
  const quick = values.quick === true;
  const s = quick ? QUICK : FULL;
  const started = performance.now();
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const meta = {
    date: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    node: process.version,
    v8: process.versions.v8,
    platform: `${process.platform} ${process.arch}`,
    cpu,
    cores: cpus().length,
  };
  console.log(`dnarchive benchmarks (${meta.mode}) — Node ${meta.node}, V8 ${meta.v8}, ${meta.platform}, ${cpu} x${meta.cores}`);
  console.log('Figures: one core, main thread, unless a table says otherwise.\n');

  let throughput, bigint, tables, detection, ecc, pool, quant, kernels, scale;
  if (want('codec')) {
    const kib = s.payloadBytes / 1024;
    console.log(`1. LocoCodec throughput: ${kib} KiB pseudo-random payload (mulberry32), balance on, 4 codewords/strand`);
    console.log(`   Mbit/s = 8 * payload bytes / seconds / 1e6; ${describe(s.codecTiming)}; round trip verified first`);
    throughput = runThroughput(s.payloadBytes, s.codecTiming);
    console.log(formatThroughput(throughput));
    console.log(
      `   Reference (project issue): C++/GMP enumerative codec, ell=3 m=96, ~${CPP_REFERENCE.encodeMbps} Mbit/s encode, ` +
        `~${CPP_REFERENCE.decodeMbps} decode per core; target >= ${TARGET.encodeMbps} encode, >= ${TARGET.decodeMbps} decode.`,
    );
    console.log('   "±" = (slowest − fastest sample) / median.\n');
  }

  if (want('bigint')) {
    console.log(
      `2. Big-integer representations, rank / unrank at ell=3: batches of ${s.bigint.batch} codewords, ` +
        `indices uniform in the message range [0, 2^(bits-1))`,
    );
    console.log(`   Mbit/s counts bits-1 message bits per codeword; ${describe(s.bigint.timing)}; ` + `${s.bigint.checkSample} indices cross-checked first`);
    bigint = runBigInt({ lengths: [48, 96], ell: 3, ...s.bigint });
    console.log(formatBigInt(bigint));
    console.log(
      '   Baseline (1.00x) = native BigInt with per-position symbol tables, same process. "pair" = two symbols per\n' +
        "   table lookup, the hot path's table shape. big-integer delegates to BigInt when the engine has it; the\n" +
        '   "pure JS" rows load a second copy of it with BigInt hidden. The limb rows include copying the index into\n' +
        '   the scratch buffer (unrankFrom consumes it).',
    );
    console.log(summariseBigInt(bigint).replace(/^/gm, '   '));
    console.log();
  }

  if (want('tables')) {
    console.log(`3. Table build: new LocoCode(m, ell); ${describe(s.tableTiming)}`);
    tables = runTableBuild(s.tableTiming);
    console.log(formatTableBuild(tables));
    console.log();
  }

  if (want('detection')) {
    detection = detectionTable(quick ? 500 : 4000);
    printDetection(detection);
    console.log();
  }

  if (want('ecc')) {
    console.log('5. EC D-LOCO (src/ecc), ell/m as listed, check2 bridges, balanced, margin 1 unless stated');
    const builds = runTableBuilds(
      quick
        ? [
            [48, 1],
            [48, 2],
            [48, 3],
          ]
        : [
            [48, 1],
            [48, 2],
            [48, 3],
            [96, 1],
            [96, 2],
            [96, 3],
          ],
    );
    console.log('   5a. Residue table build (E by window enumeration + modulus search; no disk cache)');
    console.log(
      renderTable(
        [{ header: '  m' }, { header: 'ell' }, { header: '|E|' }, { header: 'R' }, { header: 'bits lost' }, { header: '2·log2 m' }, { header: 'build ms' }],
        builds.map((b) => [
          String(b.m),
          String(b.ell),
          String(b.differences),
          String(b.R),
          String(b.bitsLost),
          fixed(2 * Math.log2(b.m), 1),
          fixed(b.buildMs, 0),
        ]),
      ),
    );
    const residue = runResidueThroughput(
      quick
        ? [[48, 3]]
        : [
            [48, 3],
            [96, 3],
            [96, 2],
          ],
      s.payloadBytes / 2,
      s.codecTiming,
    );
    console.log('\n   5b. Residue decoding throughput, one core (Mbit/s of payload)');
    console.log(
      renderTable(
        [{ header: '  m' }, { header: 'ell' }, { header: 'bits/cw' }, { header: 'no errors' }, { header: '1 error per codeword' }],
        residue.map((r) => [String(r.m), String(r.ell), String(r.messageBits), fixed(r.cleanMbps, 1), fixed(r.oneErrorMbps, 1)]),
      ),
    );
    const lists = await runListSpeed(
      quick
        ? [[48, 3]]
        : [
            [48, 3],
            [96, 3],
          ],
      quick ? 1000 : 4000,
    );
    console.log('\n   5c. List decoding of double substitutions (codewords/s): one thread vs the piscina pool');
    console.log(
      renderTable(
        [{ header: '  m' }, { header: 'ell' }, { header: 'words' }, { header: '1 thread' }, { header: 'pool' }, { header: 'threads' }, { header: 'scaling' }],
        lists.map((r) => [
          String(r.m),
          String(r.ell),
          String(r.words),
          fixed(r.oneThreadPerSecond, 0),
          fixed(r.poolPerSecond, 0),
          String(r.threads),
          `${fixed(r.scaling, 2)}x`,
        ]),
      ),
    );
    const shares = runDoubleShares(
      quick
        ? [
            [48, 3, 1],
            [48, 3, 2],
          ]
        : [
            [48, 1, 1],
            [48, 1, 4],
            [48, 1, 8],
            [48, 2, 1],
            [48, 2, 2],
            [48, 3, 1],
            [48, 3, 2],
            [96, 3, 1],
            [96, 3, 2],
          ],
      quick ? 500 : 2000,
    );
    console.log('\n   5d. Double substitutions decoded uniquely and correctly (seeded trials; the EC paper reports > 98.20 % on average)');
    console.log(
      renderTable(
        [
          { header: '  m' },
          { header: 'ell' },
          { header: 'margin' },
          { header: 'R' },
          { header: 'bits lost' },
          { header: 'trials' },
          { header: 'unique, no tie-break' },
          { header: 'unique, checksum tie-break' },
          { header: 'wrong' },
          { header: 'sent listed' },
          { header: 'codec: unique' },
          { header: 'codec: wrong' },
        ],
        shares.map((r) => [
          String(r.m),
          String(r.ell),
          String(r.margin),
          String(r.R),
          String(r.bitsLost),
          String(r.trials),
          `${fixed(100 * r.uniquePlain, 2)}%`,
          `${fixed(100 * r.uniqueTiebreak, 2)}%`,
          String(r.wrong),
          `${fixed(100 * r.sentListed, 1)}%`,
          `${fixed(100 * r.codecUnique, 2)}%`,
          `${fixed(100 * r.codecWrong, 2)}%`,
        ]),
      ),
    );
    console.log('   "codec" columns: the bulk codec\'s decoder (residue decoding, re-encode and checksum check, then the list');
    console.log('   decoder), so a double substitution that looks like a single one would be counted wrong there.');
    console.log();
    ecc = { builds, residue, lists, shares };
  }

  if (want('pool')) {
    console.log('6. The archival pool (src/pack): outer erasure code, encode/decode throughput, density, whole CLI');
    console.log('   a. Reed–Solomon erasure code over GF(2^16) (src/pack/erasure), one core');
    const erasure = await benchErasure(quick);
    console.log('\n   Channel simulator (src/pack/simulate)');
    const simulate = await benchSimulate(quick);
    pool = { erasure, simulate, ...((await benchPool(quick)) as object) };
    console.log();
  }

  let reads: Awaited<ReturnType<typeof benchReconstruct>> | undefined;
  if (want('reads')) {
    console.log(
      '6r. Trace reconstruction (src/reads): exact share by error rate and by traces, speed on one core (bench/reconstruct-run.ts --write-docs writes the note and plot)',
    );
    reads = await benchReconstruct(quick);
    console.log();
  }

  if (want('quant')) {
    console.log('7. Quantizer math (src/quant): Hessian, Cholesky of the inverse, GPTQ vs RTN, bit allocation, packing, .dnq');
    quant = { math: await benchQuantMath({ quick }), model: await benchModel({ quick }) };
    console.log();
  }

  if (want('kernels')) {
    console.log('8. WebGPU kernels (kernels/) against their TypeScript twins, same process; adapter named below');
    kernels = await benchKernels({ quick });
    console.log();
  }

  if (want('scale')) {
    console.log('9. Speed and scale of the quantizer: calibration (per device), allocation and GPTQ on stories260K and a generated 57M-parameter model');
    scale = await benchScale({ quick, devices: devices as ('gpu' | 'cpu')[] | undefined });
    console.log();
  }

  const seconds = (performance.now() - started) / 1e3;
  console.log(`Total ${seconds.toFixed(1)} s.`);
  if (values.json) {
    const settings = s;
    writeFileSync(
      values.json,
      `${JSON.stringify({ meta: { ...meta, seconds, settings }, throughput, bigint, tables, detection, ecc, pool, reads, quant, kernels, scale }, null, 2)}\n`,
    );
    console.log(`Results written to ${values.json}.`);
  }
}

await main();
