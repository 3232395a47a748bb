/** Plain-text tables for stdout. */

export interface Column {
  header: string;
  /** 'r' right-aligns (numbers), 'l' left-aligns. */
  align?: 'l' | 'r';
}

export function renderTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number): string => (columns[i].align === 'l' ? text.padEnd(widths[i]) : text.padStart(widths[i]));
  const line = (cells: string[]): string =>
    cells
      .map((t, i) => cell(t, i))
      .join('  ')
      .trimEnd();
  const out = [line(columns.map((c) => c.header)), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows) out.push(line(columns.map((_, i) => r[i] ?? '')));
  return out.join('\n');
}

export function fixed(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

export function percent(x: number): string {
  return `${(100 * x).toFixed(0)}%`;
}

/** Engineering-ish format for rates: 1234567 → "1.23M", 12345 → "12.3k". */
export function si(x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}
