/**
 * What entropy-coding the quantized codes would save (issue #5, stretch): for each .dnq, code
 * bits per weight as stored (fixed rate: each code in its group's width) against the same codes
 * through the rANS coder (src/quant/entropy, tables and header included, one stream per
 * matrix), the empirical entropy they approach, and the all-in bits per weight if the grids and
 * width fields stayed exactly as they are and only the codes were entropy-coded. Every stream is
 * decoded back and compared before it is counted.
 *
 *   node dist/scripts/entropy-report.js [--json] [--method gptq|rtn] [file.dnq …]
 *
 * Without files it quantizes stories260K (test/fixtures) at 3 and 4 bits all-in, one uniform
 * width and allocated widths, calibrating on the first 9 stories of the TinyStories sample.
 */
import { readFile } from 'node:fs/promises';
import { MODEL, TEXT, TOKENIZER } from '../bench/_fixtures.js';
import { parseArgs } from 'node:util';
import { linearBitsPerWeight, quantizeModel, readDnq, readLlama2c, readStories, readTokenizer, type DnqArchive } from '../src/quant/index.js';
import { decodeCodes, encodeCodes } from '../src/quant/entropy/index.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'boolean', default: false }, method: { type: 'string', default: 'gptq' } },
});

interface Row {
  name: string;
  weights: number;
  /** All-in bits/weight of the quantized matrices as stored (codes, grids, width fields). */
  allInFixed: number;
  /** Code bits/weight as stored: the codes sections, padding to whole bytes included. */
  codesFixed: number;
  /** Code bits/weight through rANS: tables, header and coder state included. */
  codesRans: number;
  /** Σ over matrices and widths of the empirical entropy of the codes, per weight: what static tables could approach. */
  entropy: number;
  allInRans: number;
  widths: string;
}

function report(name: string, archive: DnqArchive): Row {
  let weights = 0;
  let fixedBits = 0;
  let ransBits = 0;
  let entropyBits = 0;
  const widthCount = new Map<number, number>();
  for (const t of archive.tensors) {
    if (t.kind !== 'quantized') continue;
    const m = t.matrix;
    const G = Math.ceil(m.cols / m.groupSize);
    let bits = 0;
    const counts = new Map<number, Uint32Array>();
    for (let g = 0; g < m.widths.length; g++) {
      const b = m.widths[g];
      const len = Math.min(m.groupSize, m.cols - (g % G) * m.groupSize);
      bits += b * len;
      widthCount.set(b, (widthCount.get(b) ?? 0) + len);
      let c = counts.get(b);
      if (!c) counts.set(b, (c = new Uint32Array(1 << b)));
      const at = Math.floor(g / G) * m.cols + (g % G) * m.groupSize;
      for (let i = at; i < at + len; i++) c[m.codes[i]]++;
    }
    for (const c of counts.values()) {
      let n = 0;
      for (const v of c) n += v;
      for (const v of c) if (v > 0) entropyBits -= v * Math.log2(v / n);
    }
    const stream = encodeCodes(m);
    const back = decodeCodes(stream, m.rows, m.cols, m.groupSize, m.widths);
    for (let i = 0; i < back.length; i++) if (back[i] !== m.codes[i]) throw new Error(`${name} ${t.name}: rANS round trip differs at code ${i}`);
    weights += m.rows * m.cols;
    fixedBits += 8 * Math.ceil(bits / 8);
    ransBits += 8 * stream.length;
  }
  const allInFixed = linearBitsPerWeight(archive);
  const widths = [...widthCount.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, n]) => `${b}:${((100 * n) / weights).toFixed(1)}%`)
    .join(' ');
  return {
    name,
    weights,
    allInFixed,
    codesFixed: fixedBits / weights,
    codesRans: ransBits / weights,
    entropy: entropyBits / weights,
    allInRans: allInFixed + (ransBits - fixedBits) / weights,
    widths,
  };
}

async function archives(): Promise<Array<[string, DnqArchive]>> {
  if (positionals.length > 0) return Promise.all(positionals.map(async (f) => [f, readDnq(new Uint8Array(await readFile(f)), f)] as [string, DnqArchive]));
  const model = readLlama2c(MODEL);
  const tokenizer = readTokenizer(TOKENIZER, model.config.vocabSize);
  const calibration = readStories(TEXT).calibration;
  const method = values.method === 'rtn' ? 'rtn' : 'gptq';
  const out: Array<[string, DnqArchive]> = [];
  for (const bits of [3, 4]) {
    for (const allocate of [false, true]) {
      const q = await quantizeModel(model, tokenizer, calibration, { method, budgetBitsPerWeight: bits, allocate });
      const layout = q.uniform ? `${q.uniform.bits}-bit codes, groups of ${q.uniform.groupSize}` : `allocated, groups of ${q.groupSize}`;
      out.push([`${bits}.0 ${method} ${allocate ? 'allocated' : 'uniform'} (${layout})`, readDnq(q.dnq)]);
    }
  }
  return out;
}

const rows = (await archives()).map(([name, a]) => report(name, a));
if (values.json) console.log(JSON.stringify(rows, null, 2));
else {
  console.log('bits per weight over the quantized matrices (codes: fixed rate as stored vs rANS with its tables; all-in: + grids and width fields unchanged)');
  console.log('| archive | weights | widths (share of weights) | codes fixed | codes rANS | empirical entropy | all-in fixed | all-in rANS | saved |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.weights} | ${r.widths} | ${r.codesFixed.toFixed(3)} | ${r.codesRans.toFixed(3)} | ${r.entropy.toFixed(3)} | ${r.allInFixed.toFixed(3)} | ${r.allInRans.toFixed(3)} | ${(100 * (1 - r.allInRans / r.allInFixed)).toFixed(1)} % |`,
    );
}
