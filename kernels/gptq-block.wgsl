// GPTQ's intra-block pass (spec quant.md §2.1 step 7; src/quant/gptq.ts gptqBlock), one
// invocation per row: rows are independent given U, so each walks the block's columns [i1, i2)
// in order. When a group's first column is reached its grid is chosen from the row's weights as
// updated so far (src/quant/groups.ts chooseGrid: the covering rung of the scale ladder and the
// centred integer zero point, then with `clip` the search over rungs and zero points for the least
// diag(H)-weighted squared error). Each weight is quantized, its scaled error
// e = (w − ŵ)/U[j][j] is stored in `err` and fed back into the block's later columns along row j
// of U; the code itself replaces the weight (column j of W is not read again).
//
// W is held transposed (Wt[c · rows + r], column-major), so the invocations of a workgroup — one
// row each — read and write neighbouring addresses, and U[j][k] is the same for all of them.
// U is bound as a panel of whole blocks of its rows, starting at row u0.
// A group holding a non-finite value stops the row: bad[r] = its column + 1.

struct Params {
  rows: u32,
  cols: u32,
  i1: u32,
  i2: u32,
  u0: u32,
  groupSize: u32,
  groupsPerRow: u32,
  clip: u32,
  base: u32,
  scaleExp: i32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> Wt: array<f32>;
@group(0) @binding(2) var<storage, read> U: array<f32>;
@group(0) @binding(3) var<storage, read> ladder: array<f32, 256>;
@group(0) @binding(4) var<storage, read> hdiag: array<f32>;
// In: the group's width << 16. Out: width << 16 | zero point << 8 | scale code.
@group(0) @binding(5) var<storage, read_write> grid: array<u32>;
@group(0) @binding(6) var<storage, read_write> loss: array<f32>;
@group(0) @binding(7) var<storage, read_write> err: array<f32>;
@group(0) @binding(8) var<storage, read_write> bad: array<u32>;

// #include _grid

fn finite(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7f800000u) != 0x7f800000u;
}

// Σ diag(H)_c · (w_c − ŵ_c)² over the group's columns [j0, j0 + len) of row r: groupError.
fn groupError(r: u32, j0: u32, len: u32, s: f32, z: f32, maxq: f32) -> f32 {
  var e = 0.0;
  for (var c = j0; c < j0 + len; c++) {
    let v = Wt[c * p.rows + r];
    let d = v - s * (quantize(v, s, z, maxq) - z);
    e += hdiag[c] * d * d;
  }
  return e;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let r = p.base + (wg.y * nwg.x + wg.x) * 64u + li;
  if (r >= p.rows || bad[r] != 0u) { return; }
  let R = p.rows;
  var s = 1.0;
  var z = 0.0;
  var maxq = 0.0;
  var g = 0u;
  var groupLoss = 0.0;
  for (var j = p.i1; j < p.i2; j++) {
    if (j % p.groupSize == 0u) {
      // Blocks are whole groups, so every block starts here. Close the previous group first.
      if (j > p.i1) { loss[g] = groupLoss; }
      groupLoss = 0.0;
      g = r * p.groupsPerRow + j / p.groupSize;
      let len = min(p.groupSize, p.cols - j);
      let width = grid[g] >> 16u;
      var lo = 0.0;
      var hi = 0.0;
      for (var c = j; c < j + len; c++) {
        let v = Wt[c * R + r];
        if (!finite(v)) {
          bad[r] = c + 1u;
          return;
        }
        lo = min(lo, v);
        hi = max(hi, v);
      }
      maxq = f32((1u << width) - 1u);
      let c0 = coveringCode((hi - lo) / maxq, p.scaleExp);
      let z0 = centredZero(lo, hi, ladder[c0], maxq);
      var bc = c0;
      var bz = z0;
      if (p.clip != 0u && hi != lo) {
        var best = groupError(r, j, len, ladder[c0], z0, maxq);
        let cLast = min(255u, c0 + select(1u, CLIP_RUNGS, width <= CLIP_MAX_WIDTH));
        var c = select(c0 - 1u, 0u, c0 == 0u);
        for (; c <= cLast; c++) {
          let sc = ladder[c];
          let zc = centredZero(lo, hi, sc, maxq);
          for (var dz = -1.0; dz <= 1.0; dz += 1.0) {
            let zz = zc + dz;
            // As groups.ts: (c0, current best zero point) is not re-evaluated.
            if (zz < 0.0 || zz > maxq || (c == c0 && zz == bz)) { continue; }
            let e = groupError(r, j, len, sc, zz, maxq);
            if (e < best) {
              best = e;
              bc = c;
              bz = zz;
            }
          }
        }
      }
      grid[g] = (width << 16u) | (u32(bz) << 8u) | bc;
      s = ladder[bc];
      z = bz;
    }
    let at = j * R + r;
    let w = Wt[at];
    let q = quantize(w, s, z, maxq);
    Wt[at] = q;
    let ub = (j - p.u0) * p.cols;
    let e = (w - s * (q - z)) / U[ub + j];
    groupLoss += e * e * 0.5;
    err[(j - p.i1) * R + r] = e;
    if (e != 0.0) {
      for (var k = j + 1u; k < p.i2; k++) {
        Wt[k * R + r] -= e * U[ub + k];
      }
    }
  }
  loss[g] = groupLoss;
}
