// H += Xᵀ X over a chunk of calibration rows (spec quant.md §1 and §11.4).
// X is rows × n, row-major. The bound H is the block of rows [hRow0, hRow0 + hRows) of the n × n
// matrix. Each workgroup owns a 64 × 64 output tile; 16 × 16 invocations each hold a 4 × 4 block
// of accumulators, and the loop over X's rows stages 16 rows of both column strips in workgroup
// memory. With `mirror` (the whole H is bound) only tiles on or above the diagonal are computed
// and each off-diagonal tile also writes its transpose, halving the work.

struct Params {
  n: u32,
  rows: u32,
  hRow0: u32,
  hRows: u32,
  mirror: u32,
  tileRow0: u32,
  tileCol0: u32,
  pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> H: array<f32>;

const TILE: u32 = 64u;
const KT: u32 = 16u;

// [KT][TILE / 4] vec4s: stripI[kk * 16 + q] = X[r0 + kk, i0 + 4q .. 4q + 3].
var<workgroup> stripI: array<vec4<f32>, 256>;
var<workgroup> stripJ: array<vec4<f32>, 256>;

fn load4(r: u32, c: u32) -> vec4<f32> {
  var v = vec4<f32>(0.0);
  if (r < p.rows) {
    let base = r * p.n;
    if (c < p.n) { v.x = X[base + c]; }
    if (c + 1u < p.n) { v.y = X[base + c + 1u]; }
    if (c + 2u < p.n) { v.z = X[base + c + 2u]; }
    if (c + 3u < p.n) { v.w = X[base + c + 3u]; }
  }
  return v;
}

fn store4(i: u32, j: u32, acc: vec4<f32>, transpose: bool) {
  if (i >= p.hRow0 + p.hRows) { return; }
  let row = (i - p.hRow0) * p.n;
  for (var c = 0u; c < 4u; c++) {
    let jj = j + c;
    if (jj < p.n) {
      H[row + jj] = H[row + jj] + acc[c];
      if (transpose) { H[jj * p.n + i] = H[jj * p.n + i] + acc[c]; }
    }
  }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let i0 = p.hRow0 + (p.tileRow0 + wg.y) * TILE;
  let j0 = (p.tileCol0 + wg.x) * TILE;
  if (p.mirror != 0u && j0 < i0) { return; }

  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  let kk = li / 16u;
  let q = li % 16u;
  for (var r0 = 0u; r0 < p.rows; r0 += KT) {
    stripI[li] = load4(r0 + kk, i0 + 4u * q);
    stripJ[li] = load4(r0 + kk, j0 + 4u * q);
    workgroupBarrier();
    for (var k = 0u; k < KT; k++) {
      let a = stripI[k * 16u + lid.y];
      let b = stripJ[k * 16u + lid.x];
      a0 += a.x * b;
      a1 += a.y * b;
      a2 += a.z * b;
      a3 += a.w * b;
    }
    workgroupBarrier();
  }

  let i = i0 + 4u * lid.y;
  let j = j0 + 4u * lid.x;
  if (i >= p.n) { return; }
  let transpose = p.mirror != 0u && j0 != i0;
  store4(i, j, a0, transpose);
  if (i + 1u < p.n) { store4(i + 1u, j, a1, transpose); }
  if (i + 2u < p.n) { store4(i + 2u, j, a2, transpose); }
  if (i + 3u < p.n) { store4(i + 3u, j, a3, transpose); }
}
