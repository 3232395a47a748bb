/**
 * Section 3: time to build one code's tables, `new LocoCode(m, ℓ)` (the constructor, not the
 * caching `locoCode`). The count tables M, T are cached by the library per (ℓ, m), so after the
 * warm-up the figure is the pair-table build alone.
 */
import { LocoCode } from '../src/loco/index.js';
import { measure, type TimingOptions } from './_timing.js';
import { fixed, percent, renderTable } from './_table.js';

export interface TableBuildRow {
  m: number;
  ell: number;
  bits: number;
  limbs: number;
  milliseconds: number;
  spread: number;
}

export const TABLE_LENGTHS = [48, 96, 256];
export const TABLE_ELLS = [1, 2, 3];

export function runTableBuild(timing: TimingOptions): TableBuildRow[] {
  const rows: TableBuildRow[] = [];
  for (const m of TABLE_LENGTHS) {
    for (const ell of TABLE_ELLS) {
      let code: LocoCode | undefined;
      const t = measure(() => (code = new LocoCode(m, ell)), timing);
      if (!code || code.m !== m || code.ell !== ell) throw new Error('table build produced no code');
      rows.push({ m, ell, bits: code.bits, limbs: code.width, milliseconds: t.seconds * 1e3, spread: t.spread });
    }
  }
  return rows;
}

export function formatTableBuild(rows: TableBuildRow[]): string {
  return renderTable(
    [{ header: 'm' }, { header: 'ell' }, { header: 'bits' }, { header: 'limbs' }, { header: 'build ms' }, { header: '±' }],
    rows.map((r) => [String(r.m), String(r.ell), String(r.bits), String(r.limbs), fixed(r.milliseconds, 2), percent(r.spread)]),
  );
}
