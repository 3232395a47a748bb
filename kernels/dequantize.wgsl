// Dequantization of group-wise codes: ŵ = scale·(q − z) (src/quant/groups.ts dequantizeValue).
// q − z is a small integer, exact in f32, and the product is rounded once, so the result is
// bit-identical to the twin's fround(scale·(q − z)).
// Invocation (x, y) is column x0·64 + x of row y0 + y; the group of each column comes from a
// table, which spares an integer division per weight.

struct Params {
  cols: u32,
  rows: u32,
  groupsPerRow: u32,
  x0: u32,
  y0: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> codes: array<u32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> zero: array<f32>;
@group(0) @binding(4) var<storage, read> colGroup: array<u32>;
@group(0) @binding(5) var<storage, read_write> W: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = p.x0 * 64u + gid.x;
  let r = p.y0 + gid.y;
  if (c >= p.cols || r >= p.rows) { return; }
  let idx = r * p.cols + c;
  let g = r * p.groupsPerRow + colGroup[c];
  let q = (codes[idx >> 2u] >> ((idx & 3u) << 3u)) & 0xffu;
  W[idx] = scale[g] * (f32(q) - zero[g]);
}
