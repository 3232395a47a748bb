/**
 * The grid each weight of a quantized matrix is pinned to, spelled out per weight so that a
 * trainer can move a float "latent" weight freely and read back the value the container would
 * store: ŵ = fround(scale · (clamp(round(w / scale) + zero, lo, hi) − zero)) — exactly
 * quantizeValue/dequantizeValue of groups.ts for fixed-width groups (lo = 0, hi = 2^b − 1) and
 * dequantizeEcsq for archive mode (zero = 0, the code bounded by MAX_ECSQ_CODE). Widths, zero
 * points and code ranges never change. Scales may: each is a rung of its matrix's ladder, shared by
 * a unit of weights (a group, or an archive-mode column), and moveScale puts a unit on another
 * rung while keeping every code it holds — the side bits stay the same size.
 */
import { groupLength, groupsPerRow, scaleLadder, type QuantizedMatrix } from '../groups.js';
import type { EcsqMatrix } from '../ecsq.js';
import { MAX_ECSQ_CODE } from '../entropy/ecsq-stream.js';

export interface WeightGrid {
  readonly size: number;
  /** Per weight: ladder[units.codes[units.unit[i]]]. */
  readonly scale: Float32Array;
  readonly zero: Float32Array;
  readonly lo: Float32Array;
  readonly hi: Float32Array;
  readonly units: ScaleUnits;
}

/** The weights that share a scale (a group, or an archive-mode column) and the ladder code each unit's scale is. */
export interface ScaleUnits {
  readonly ladder: Float32Array;
  /** Ladder code per unit (moveScale changes them). */
  readonly codes: Uint8Array;
  /** The weights of unit u are members[start[u]] .. members[start[u + 1] − 1]. */
  readonly start: Int32Array;
  readonly members: Int32Array;
}

/** Units from each weight's unit index (a counting sort). */
function scaleUnits(ladder: Float32Array, codes: Uint8Array, unitOf: Int32Array): ScaleUnits {
  const start = new Int32Array(codes.length + 1);
  for (let i = 0; i < unitOf.length; i++) start[unitOf[i] + 1]++;
  for (let u = 0; u < codes.length; u++) start[u + 1] += start[u];
  const fill = start.slice(0, codes.length);
  const members = new Int32Array(unitOf.length);
  for (let i = 0; i < unitOf.length; i++) members[fill[unitOf[i]]++] = i;
  return { ladder, codes: codes.slice(), start, members };
}

/** A copy whose scales can move independently of `g`'s. */
export function cloneGrid(g: WeightGrid): WeightGrid {
  return { ...g, scale: g.scale.slice(), units: { ...g.units, codes: g.units.codes.slice() } };
}

/**
 * Puts unit u's scale on ladder rung `code`, scaling its latents by the same ratio so that every
 * code stays what it was: only the values the codes stand for change.
 */
export function moveScale(grid: WeightGrid, latent: Float32Array, u: number, code: number): void {
  const { ladder, codes, start, members } = grid.units;
  if (codes[u] === code) return;
  const s = ladder[code];
  const ratio = s / ladder[codes[u]];
  codes[u] = code;
  for (let k = start[u]; k < start[u + 1]; k++) {
    const i = members[k];
    latent[i] = Math.fround(latent[i] * ratio);
    grid.scale[i] = s;
  }
}

export function groupGrid(m: QuantizedMatrix): WeightGrid {
  const n = m.rows * m.cols;
  const scale = new Float32Array(n);
  const zero = new Float32Array(n);
  const lo = new Float32Array(n);
  const hi = new Float32Array(n);
  const unitOf = new Int32Array(n);
  const ladder = scaleLadder(m.scaleExp);
  const G = groupsPerRow(m.cols, m.groupSize);
  for (let r = 0; r < m.rows; r++) {
    for (let k = 0; k < G; k++) {
      const g = r * G + k;
      const c0 = r * m.cols + k * m.groupSize;
      const c1 = c0 + groupLength(m.cols, m.groupSize, k);
      scale.fill(ladder[m.scaleCodes[g]], c0, c1);
      zero.fill(m.zeros[g], c0, c1);
      hi.fill((1 << m.widths[g]) - 1, c0, c1);
      unitOf.fill(g, c0, c1);
    }
  }
  return { size: n, scale, zero, lo, hi, units: scaleUnits(ladder, m.scaleCodes, unitOf) };
}

export function ecsqGrid(m: EcsqMatrix): WeightGrid {
  const n = m.rows * m.cols;
  const scale = new Float32Array(n);
  const unitOf = new Int32Array(n);
  const ladder = scaleLadder(m.scaleExp);
  for (let r = 0; r < m.rows; r++) {
    for (let j = 0; j < m.cols; j++) {
      scale[r * m.cols + j] = ladder[m.stepCodes[j]];
      unitOf[r * m.cols + j] = j;
    }
  }
  return {
    size: n,
    scale,
    zero: new Float32Array(n),
    lo: new Float32Array(n).fill(-MAX_ECSQ_CODE),
    hi: new Float32Array(n).fill(MAX_ECSQ_CODE),
    units: scaleUnits(ladder, m.stepCodes, unitOf),
  };
}

/** The code of each latent weight on its grid. */
export function gridCodes(grid: WeightGrid, latent: Float32Array, out = new Int32Array(grid.size)): Int32Array {
  const { scale, zero, lo, hi } = grid;
  for (let i = 0; i < grid.size; i++) {
    let q = Math.round(latent[i] / scale[i]) + zero[i];
    if (q < lo[i]) q = lo[i];
    else if (q > hi[i]) q = hi[i];
    out[i] = q;
  }
  return out;
}

/** The stored value of each latent weight (what dequantizing the container gives). */
export function projectToGrid(grid: WeightGrid, latent: Float32Array, out: Float32Array): void {
  const { scale, zero, lo, hi } = grid;
  for (let i = 0; i < grid.size; i++) {
    let q = Math.round(latent[i] / scale[i]) + zero[i];
    if (q < lo[i]) q = lo[i];
    else if (q > hi[i]) q = hi[i];
    out[i] = Math.fround(scale[i] * (q - zero[i]));
  }
}
