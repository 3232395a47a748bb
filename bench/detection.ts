/**
 * Undetected-error rate per bridge scheme (spec dloco.md §4): seeded random substitutions in
 * encoded strands, each decode classified as detected (typed error), harmless (same bytes back,
 * e.g. a substituted sep1 separator) or undetected (different bytes returned silently).
 */
import { LocoCodec, type BridgeScheme } from '../src/loco/index.js';
import { DnarchiveError } from '../src/errors.js';
import { mulberry32 } from './_prng.js';

export interface DetectionRow {
  ell: number;
  m: number;
  bridge: BridgeScheme;
  substitutions: number;
  trials: number;
  detected: number;
  harmless: number;
  undetected: number;
}

export function measureDetection(ell: number, m: number, bridge: BridgeScheme, substitutions: number, trials: number, seed = 1): DetectionRow {
  const codec = new LocoCodec({ ell, length: m, bridge, balance: true, codewordsPerStrand: 4 });
  const next = mulberry32(seed);
  const rand = (): number => next() / 4294967296;
  const data = new Uint8Array(64);
  for (let i = 0; i < data.length; i++) data[i] = (rand() * 256) | 0;
  const strands = codec.encode(data);
  const unit = m + codec.layout.length;
  const row: DetectionRow = { ell, m, bridge, substitutions, trials, detected: 0, harmless: 0, undetected: 0 };
  for (let t = 0; t < trials; t++) {
    const si = (rand() * strands.length) | 0;
    const s = strands[si].slice();
    // All substitutions land in one codeword and its bridge: the case a per-codeword check guards.
    const cw = (rand() * Math.floor((s.length + codec.layout.length) / unit)) | 0;
    const span = Math.min(unit, s.length - cw * unit);
    const used = new Set<number>();
    while (used.size < substitutions) used.add(cw * unit + ((rand() * span) | 0));
    for (const p of used) s[p] = (s[p] + 1 + ((rand() * 3) | 0)) & 3;
    const damaged = strands.slice();
    damaged[si] = s;
    try {
      const back = codec.decode(damaged);
      const same = back.length === data.length && back.every((v, i) => v === data[i]);
      if (same) row.harmless++;
      else row.undetected++;
    } catch (err) {
      if (!(err instanceof DnarchiveError)) throw err;
      row.detected++;
    }
  }
  return row;
}

export function detectionTable(trials: number): DetectionRow[] {
  const rows: DetectionRow[] = [];
  for (const bridge of ['check2', 'sep1'] as const)
    for (const ell of [1, 2, 3]) for (const subs of [1, 2]) rows.push(measureDetection(ell, 48, bridge, subs, trials, 1000 * ell + subs));
  return rows;
}

export function printDetection(rows: readonly DetectionRow[]): void {
  console.log('4. Error detection by bridge scheme (m = 48; substitutions within one codeword + its bridge)');
  console.log('bridge  ℓ  subs  trials   detected   harmless  undetected');
  for (const r of rows) {
    const pct = (x: number) => `${((100 * x) / r.trials).toFixed(2)}%`.padStart(9);
    console.log(
      `${r.bridge.padEnd(6)}  ${r.ell}  ${String(r.substitutions).padStart(4)}  ${String(r.trials).padStart(6)}  ${pct(r.detected)}  ${pct(r.harmless)}  ${pct(r.undetected)}`,
    );
  }
}
