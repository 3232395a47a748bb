// Rate–distortion costs of every group at every width (src/quant/allocate.ts measureGroupCosts,
// spec quant.md §12.4), one invocation per group of `groupSize` consecutive weights of a row (the
// last one ragged). For each width b in [minBits, maxBits] the group's grid is chosen as
// groups.ts chooseGrid chooses it — the covering rung of the scale ladder and the centred integer
// zero point, then with `clip` the search over nearby rungs and zero points for the least
// diag(H)-weighted squared error — and that error, Σ h_c (w_c − ŵ_c)², is written to
// err[g · K + b − minBits]. The host scales it (importance / energy) and checks finiteness first.
//
// Every group is independent and each does O(len · rungs) work: the allocation's measurement,
// which dominates the quantizer's CPU time at scale, is this embarrassingly parallel loop.

struct Params {
  cols: u32,
  groupSize: u32,
  groupsPerRow: u32,
  groups: u32,
  base: u32,
  minBits: u32,
  maxBits: u32,
  clip: u32,
  scaleExp: i32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> ladder: array<f32, 256>;
@group(0) @binding(3) var<storage, read> hdiag: array<f32>;
@group(0) @binding(4) var<storage, read_write> err: array<f32>;

// #include _grid

// Σ h_c (w_c − ŵ_c)² over the group's weights W[at … at + len), columns c0 …: groupError.
fn groupError(at: u32, c0: u32, len: u32, s: f32, z: f32, maxq: f32) -> f32 {
  var e = 0.0;
  for (var i = 0u; i < len; i++) {
    let v = W[at + i];
    let d = v - s * (quantize(v, s, z, maxq) - z);
    e += hdiag[c0 + i] * d * d;
  }
  return e;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let g = p.base + (wg.y * nwg.x + wg.x) * 64u + li;
  if (g >= p.groups) { return; }
  let r = g / p.groupsPerRow;
  let k = g - r * p.groupsPerRow;
  let c0 = k * p.groupSize;
  let len = min(p.groupSize, p.cols - c0);
  let at = r * p.cols + c0;
  var lo = 0.0;
  var hi = 0.0;
  for (var i = 0u; i < len; i++) {
    lo = min(lo, W[at + i]);
    hi = max(hi, W[at + i]);
  }
  let K = p.maxBits - p.minBits + 1u;
  for (var b = p.minBits; b <= p.maxBits; b++) {
    let maxq = f32((1u << b) - 1u);
    let cc = coveringCode((hi - lo) / maxq, p.scaleExp);
    let z0 = centredZero(lo, hi, ladder[cc], maxq);
    var best = groupError(at, c0, len, ladder[cc], z0, maxq);
    if (p.clip != 0u && hi != lo) {
      var bz = z0;
      let cLast = min(255u, cc + select(1u, CLIP_RUNGS, b <= CLIP_MAX_WIDTH));
      var c = select(cc - 1u, 0u, cc == 0u);
      for (; c <= cLast; c++) {
        let sc = ladder[c];
        let zc = centredZero(lo, hi, sc, maxq);
        for (var dz = -1.0; dz <= 1.0; dz += 1.0) {
          let zz = zc + dz;
          // As groups.ts: (covering rung, current best zero point) is not re-evaluated.
          if (zz < 0.0 || zz > maxq || (c == cc && zz == bz)) { continue; }
          let e = groupError(at, c0, len, sc, zz, maxq);
          if (e < best) {
            best = e;
            bz = zz;
          }
        }
      }
    }
    err[g * K + b - p.minBits] = best;
  }
}
