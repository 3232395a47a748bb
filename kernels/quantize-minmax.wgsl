// Group minima and maxima for group-wise quantization (src/quant/groups.ts; spec quant.md §12.5).
// One invocation per group of `groupSize` consecutive weights of a row (the last one ragged).
// Non-finite weights are left out of lo/hi and reported in `flags` (1 = NaN, 2 = ±Inf), because
// WGSL leaves arithmetic on them undefined; the host handles flagged groups exactly as the twin.

struct Params {
  cols: u32,
  groupSize: u32,
  groupsPerRow: u32,
  groups: u32,
  base: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read_write> lo: array<f32>;
@group(0) @binding(3) var<storage, read_write> hi: array<f32>;
@group(0) @binding(4) var<storage, read_write> flags: array<u32>;

const BIG: f32 = 0x1.fffffep+127f;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let g = p.base + (wg.y * nwg.x + wg.x) * 64u + li;
  if (g >= p.groups) { return; }
  let r = g / p.groupsPerRow;
  let k = g - r * p.groupsPerRow;
  let c0 = k * p.groupSize;
  let start = r * p.cols + c0;
  let end = start + min(p.groupSize, p.cols - c0);
  var a = BIG;
  var b = -BIG;
  var f = 0u;
  for (var i = start; i < end; i++) {
    let x = W[i];
    let bits = bitcast<u32>(x);
    if ((bits & 0x7f800000u) == 0x7f800000u) {
      f |= select(2u, 1u, (bits & 0x7fffffu) != 0u);
      continue;
    }
    a = min(a, x);
    b = max(b, x);
  }
  lo[g] = a;
  hi[g] = b;
  flags[g] = f;
}
