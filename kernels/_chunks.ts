/**
 * Chunk planning: split an operand into pieces that fit one storage binding, and a grid of
 * workgroups into dispatches that fit maxComputeWorkgroupsPerDimension.
 */

/** [start, count) pieces of at most `step` covering [0, total). */
export function spans(total: number, step: number): [start: number, count: number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < total; s += step) out.push([s, Math.min(step, total - s)]);
  return out;
}

export interface GridPart {
  x0: number;
  y0: number;
  nx: number;
  ny: number;
}

/** Dispatches covering a tilesX × tilesY grid, none larger than `maxPerDim` in either direction. */
export function gridParts(tilesX: number, tilesY: number, maxPerDim: number): GridPart[] {
  const out: GridPart[] = [];
  for (const [y0, ny] of spans(tilesY, maxPerDim)) for (const [x0, nx] of spans(tilesX, maxPerDim)) out.push({ x0, y0, nx, ny });
  return out;
}

export interface LinearPart {
  /** First invocation index of this dispatch. */
  base: number;
  nx: number;
  ny: number;
}

/**
 * Dispatches of `workgroupSize`-wide 1-D work laid out on a 2-D grid (x fastest), so that more than
 * maxPerDim workgroups' worth of invocations can run: invocation = base + (y·nx + x)·size + local.
 */
export function linearParts(invocations: number, workgroupSize: number, maxPerDim: number): LinearPart[] {
  const out: LinearPart[] = [];
  const perDispatch = maxPerDim * maxPerDim * workgroupSize;
  for (let base = 0; base < invocations; base += perDispatch) {
    const groups = Math.ceil(Math.min(perDispatch, invocations - base) / workgroupSize);
    const nx = Math.min(groups, maxPerDim);
    out.push({ base, nx, ny: Math.ceil(groups / nx) });
  }
  return out;
}

/** Group index of every column (groups of groupSize along a row), as the group kernels bind it. */
export function columnGroups(cols: number, groupSize: number): Uint32Array {
  const out = new Uint32Array(cols);
  for (let c = 0; c < cols; c++) out[c] = Math.floor(c / groupSize);
  return out;
}
