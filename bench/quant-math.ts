/**
 * Quantization math (src/quant), one core, main thread:
 *   a. Hessian accumulation S += x xᵀ (upper triangle, f64 over f32 inputs): GFLOP/s, counting
 *      n(n+1) flops per token (a multiply and an add per stored entry).
 *   b. The factor U = chol(H⁻¹) alone, then GPTQ (4-bit, groups of 32, block 128) on 768×768 and
 *      2048×2048 with a correlated synthetic H, against RTN: weights/s and the layer-loss ratio.
 *   c. Bit allocation on 10⁵ groups (synthetic measured curves, 2..8 bits) and the cost
 *      measurement that feeds it (RTN at 7 widths per group), and bit packing / .dnq round trip.
 *   d. Archive mode: GPTQ onto ECSQ steps, and the range coder's encode / decode throughput.
 * Usage: `benchQuantMath({ quick })` prints its tables; returns the rows.
 */
import { Rng } from '../src/random.js';
import { HessianAccumulator, dampHessian } from '../src/quant/hessian.js';
import { inverseUpperCholesky } from '../src/quant/cholesky.js';
import { gptqQuantize } from '../src/quant/gptq.js';
import { layerLoss, rtnQuantize } from '../src/quant/rtn.js';
import { allocateBits, measureGroupCosts, type GroupCosts } from '../src/quant/allocate.js';
import { dequantizeMatrix } from '../src/quant/groups.js';
import { packGroupedCodes, unpackGroupedCodes } from '../src/quant/bitpack.js';
import { readDnq, writeDnq } from '../src/quant/dnq.js';
import { ecsqQuantize } from '../src/quant/ecsq.js';
import { decodeEcsqStream, encodeEcsqStream } from '../src/quant/entropy/ecsq-stream.js';
import { measure, type TimingOptions } from './_timing.js';
import { fixed, percent, renderTable, si } from './_table.js';

function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** H = C (0.1 I + V Vᵀ / r) C with V n×r Gaussian and lognormal channel scales C: correlated, PD. */
function syntheticHessian(rng: Rng, n: number, r = 16): Float64Array {
  const V = new Float64Array(n * r);
  for (let i = 0; i < V.length; i++) V[i] = gaussian(rng);
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = Math.exp(0.7 * gaussian(rng));
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let s = i === j ? 0.1 : 0;
      for (let k = 0; k < r; k++) s += (V[i * r + k] * V[j * r + k]) / r;
      H[i * n + j] = H[j * n + i] = c[i] * c[j] * s;
    }
  return H;
}

function randomMatrix(rng: Rng, rows: number, cols: number): Float32Array {
  const W = new Float32Array(rows * cols);
  for (let i = 0; i < W.length; i++) W[i] = 0.02 * gaussian(rng);
  return W;
}

export interface QuantMathRow {
  what: string;
  size: string;
  seconds: number;
  rate: string;
  note: string;
}

export async function benchQuantMath(options: { quick?: boolean } = {}): Promise<QuantMathRow[]> {
  const quick = options.quick === true;
  const timing: TimingOptions = quick ? { warmupSeconds: 0.05, minSampleSeconds: 0.1, samples: 3 } : { warmupSeconds: 0.3, minSampleSeconds: 0.5, samples: 3 };
  const once: TimingOptions = { warmupSeconds: 0, minSampleSeconds: 0, samples: 1 };
  const rng = new Rng(2024);
  const rows: QuantMathRow[] = [];

  // a. Hessian accumulation.
  for (const [n, T] of [
    [768, quick ? 256 : 1024],
    [2048, quick ? 64 : 256],
  ] as const) {
    const X = new Float32Array(n * T);
    for (let i = 0; i < X.length; i++) X[i] = gaussian(rng);
    const t = measure(
      () => {
        const acc = new HessianAccumulator(n);
        acc.addBatch(X);
        return acc.sumMatrix();
      },
      n > 1000 ? once : timing,
    );
    const flops = T * n * (n + 1);
    rows.push({
      what: 'Hessian Σxxᵀ',
      size: `n=${n}, ${T} tokens`,
      seconds: t.seconds,
      rate: `${fixed(flops / t.seconds / 1e9, 2)} GFLOP/s`,
      note: `± ${percent(t.spread)}`,
    });
  }

  // b. chol(H⁻¹) and GPTQ vs RTN.
  for (const n of quick ? [768] : [768, 2048]) {
    const H = syntheticHessian(rng, n);
    const W = randomMatrix(rng, n, n);
    const { H: Hd } = dampHessian(H, n, 0.01);
    const tc = measure(() => inverseUpperCholesky(Hd, n), n > 1000 ? once : { ...timing, samples: 1 });
    rows.push({
      what: 'U = chol(H⁻¹)',
      size: `${n}×${n}`,
      seconds: tc.seconds,
      rate: `${fixed((2 * n ** 3) / 3 / tc.seconds / 1e9, 2)} GFLOP/s`,
      note: '2n³/3 flops',
    });
    let g: ReturnType<typeof gptqQuantize> | undefined;
    const tg = measure(() => (g = gptqQuantize(W, n, n, H, { bits: 4 })), once);
    const tr = measure(() => rtnQuantize(W, n, n, { bits: 4 }), n > 1000 ? once : timing);
    const lossG = layerLoss(W, dequantizeMatrix(g!), n, n, H);
    const lossR = layerLoss(W, dequantizeMatrix(rtnQuantize(W, n, n, { bits: 4 })), n, n, H);
    rows.push({
      what: 'GPTQ 4-bit g32',
      size: `${n}×${n}`,
      seconds: tg.seconds,
      rate: `${si((n * n) / tg.seconds)} weights/s`,
      note: `loss GPTQ/RTN = ${fixed(lossG / lossR, 3)}`,
    });
    rows.push({ what: 'RTN 4-bit g32', size: `${n}×${n}`, seconds: tr.seconds, rate: `${si((n * n) / tr.seconds)} weights/s`, note: '' });
  }

  // c. Allocation on 10⁵ groups.
  const G = 100_000;
  const K = 7;
  const costs: GroupCosts = { minBits: 2, maxBits: 8, sizes: new Uint32Array(G).fill(32), loss: new Float64Array(G * K), sensitivity: new Float64Array(G) };
  for (let g = 0; g < G; g++) {
    const s = Math.exp(2 * gaussian(rng));
    costs.sensitivity[g] = s;
    for (let k = 0; k < K; k++) costs.loss[g * K + k] = s * 2 ** (-2 * (k + 2)) * (1 + 0.2 * rng.next());
  }
  let alloc: ReturnType<typeof allocateBits> | undefined;
  const ta = measure(() => (alloc = allocateBits(costs, { budgetBitsPerWeight: 4.1 })), timing);
  rows.push({
    what: 'allocateBits',
    size: '1e5 groups, 2..8',
    seconds: ta.seconds,
    rate: `${si(G / ta.seconds)} groups/s`,
    note: `${fixed(alloc!.bitsPerWeight, 5)} of 4.1 bpw`,
  });
  const Wm = randomMatrix(rng, 3125, 1024); // 10⁵ groups of 32
  const hd = new Float64Array(1024).fill(1);
  const tm = measure(() => measureGroupCosts(Wm, 3125, 1024, hd), quick ? once : { ...timing, samples: 1 });
  rows.push({ what: 'measureGroupCosts', size: '3125×1024, 7 widths', seconds: tm.seconds, rate: `${si(G / tm.seconds)} groups/s`, note: '' });

  const q = rtnQuantize(Wm, 3125, 1024, { bits: alloc!.widths });
  let packed: Uint8Array = new Uint8Array(0);
  const tp = measure(() => (packed = packGroupedCodes(q.codes, 3125, 1024, 32, q.widths)), timing);
  const tu = measure(() => unpackGroupedCodes(packed, 3125, 1024, 32, q.widths), timing);
  rows.push({
    what: 'pack codes',
    size: '3.2M weights, mixed',
    seconds: tp.seconds,
    rate: `${si((3125 * 1024) / tp.seconds)} codes/s`,
    note: `${fixed((8 * packed.length) / (3125 * 1024), 3)} code bits/weight`,
  });
  rows.push({ what: 'unpack codes', size: '3.2M weights, mixed', seconds: tu.seconds, rate: `${si((3125 * 1024) / tu.seconds)} codes/s`, note: '' });
  let file: Uint8Array = new Uint8Array(0);
  const tw = measure(
    () => (file = writeDnq({ quantizer: { method: 'rtn' }, tensors: [{ kind: 'quantized', name: 'w', matrix: q, minBits: 2, maxBits: 8 }] })),
    quick ? once : timing,
  );
  const trd = measure(() => readDnq(file), quick ? once : timing);
  rows.push({
    what: 'writeDnq',
    size: `${fixed(file.length / 1e6, 2)} MB`,
    seconds: tw.seconds,
    rate: `${fixed(file.length / tw.seconds / 1e6, 1)} MB/s`,
    note: 'incl. SHA-256',
  });
  rows.push({
    what: 'readDnq',
    size: `${fixed(file.length / 1e6, 2)} MB`,
    seconds: trd.seconds,
    rate: `${fixed(file.length / trd.seconds / 1e6, 1)} MB/s`,
    note: 'verify + unpack',
  });

  // Archive mode: GPTQ onto per-column steps, and the range-coded stream both ways.
  const nE = quick ? 256 : 768;
  const HE = syntheticHessian(rng, nE);
  const WE = randomMatrix(rng, nE, nE);
  // Steps near σ/4 (σ = 0.02): about 3 bits per weight, d_j ≈ 1/√H_jj.
  let invRoot = 0;
  for (let j = 0; j < nE; j++) invRoot += 1 / Math.sqrt(HE[j * nE + j]) / nE;
  const stepScale = 0.005 / invRoot;
  let ecsq = ecsqQuantize(WE, nE, nE, HE, { stepScale });
  const te = measure(() => (ecsq = ecsqQuantize(WE, nE, nE, HE, { stepScale })), quick ? once : timing);
  rows.push({ what: 'GPTQ onto ECSQ steps', size: `${nE}×${nE}`, seconds: te.seconds, rate: `${si((nE * nE) / te.seconds)} weights/s`, note: '' });
  let stream: Uint8Array = new Uint8Array(0);
  // Baseline in the same process: format 1 (one context moving 1/32 per bit), which format 2 replaced.
  let old: Uint8Array = new Uint8Array(0);
  const tco = measure(() => (old = encodeEcsqStream(ecsq.codes, nE, nE, ecsq.stepCodes, 'bench', { format: 1 })), timing);
  const tcdo = measure(() => decodeEcsqStream(old, nE, nE), timing);
  const tce = measure(() => (stream = encodeEcsqStream(ecsq.codes, nE, nE, ecsq.stepCodes)), timing);
  const tcd = measure(() => decodeEcsqStream(stream, nE, nE), timing);
  const bitsOf = (b: Uint8Array): number => (8 * b.length) / (nE * nE);
  rows.push({
    what: 'range-code ECSQ stream, format 1 (baseline)',
    size: `${nE}×${nE}`,
    seconds: tco.seconds,
    rate: `${si((nE * nE) / tco.seconds)} codes/s`,
    note: `${fixed(bitsOf(old), 3)} bits/weight`,
  });
  rows.push({
    what: 'range-decode ECSQ stream, format 1 (baseline)',
    size: `${nE}×${nE}`,
    seconds: tcdo.seconds,
    rate: `${si((nE * nE) / tcdo.seconds)} codes/s`,
    note: '',
  });
  rows.push({
    what: 'range-code ECSQ stream',
    size: `${nE}×${nE}`,
    seconds: tce.seconds,
    rate: `${si((nE * nE) / tce.seconds)} codes/s`,
    note: `${fixed(bitsOf(stream), 3)} bits/weight (${fixed(bitsOf(stream) / bitsOf(old), 3)}× format 1's); time ${fixed(tce.seconds / tco.seconds, 2)}× format 1's`,
  });
  rows.push({
    what: 'range-decode ECSQ stream',
    size: `${nE}×${nE}`,
    seconds: tcd.seconds,
    rate: `${si((nE * nE) / tcd.seconds)} codes/s`,
    note: `time ${fixed(tcd.seconds / tcdo.seconds, 2)}× format 1's`,
  });

  console.log('Quantization math (src/quant), one core, main thread');
  console.log(
    renderTable(
      [{ header: 'what', align: 'l' }, { header: 'size', align: 'l' }, { header: 'seconds' }, { header: 'rate' }, { header: 'note', align: 'l' }],
      rows.map((r) => [r.what, r.size, fixed(r.seconds, r.seconds < 0.1 ? 4 : 2), r.rate, r.note]),
    ),
  );
  return rows;
}

// Allows `node dist/bench/quant-math.js [--quick]` on its own.
if (process.argv[1] && /quant-math\.[jt]s$/.test(process.argv[1])) {
  await benchQuantMath({ quick: process.argv.includes('--quick') });
}
