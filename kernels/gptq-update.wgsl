// GPTQ's lazy batch update (spec quant.md §2.1 step 7; src/quant/gptq.ts gptqLazyUpdate):
// W[:, i2:] −= Err · U[i1:i2, i2:] once a block [i1, i2) is quantized. With W held transposed
// (Wt[c · rows + r]) and the block's errors as err[t · rows + r], this is
//     Wt[c, r] −= Σ_t U[i1 + t, c] · err[t, r]     for c ≥ i2, all rows r,
// a product tiled as kernels/matmul.wgsl is: each workgroup owns 64 columns c × 64 rows r,
// 16 × 16 invocations each keep a 4 × 4 block of f32 sums, and the loop over the block's width
// stages 16-wide strips of U and err in workgroup memory. Both strips are read along their
// contiguous axis (c for U, r for err). U is bound as a panel of its rows starting at row u0.

struct Params {
  rows: u32,
  cols: u32,
  i1: u32,
  width: u32,
  i2: u32,
  u0: u32,
  tileRow0: u32,
  tileCol0: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> U: array<f32>;
@group(0) @binding(2) var<storage, read> err: array<f32>;
@group(0) @binding(3) var<storage, read_write> Wt: array<f32>;

const TILE: u32 = 64u;
const KT: u32 = 16u;

// stripU[kk * 16 + q] = U[i1 + k0 + kk, c0 + 4q .. 4q + 3]; stripE[kk * 16 + q] = err[k0 + kk, r0 + 4q .. 4q + 3].
var<workgroup> stripU: array<vec4<f32>, 256>;
var<workgroup> stripE: array<vec4<f32>, 256>;

fn u(t: u32, c: u32) -> f32 {
  if (t < p.width && c < p.cols) { return U[(p.i1 + t - p.u0) * p.cols + c]; }
  return 0.0;
}

fn e(t: u32, r: u32) -> f32 {
  if (t < p.width && r < p.rows) { return err[t * p.rows + r]; }
  return 0.0;
}

fn store4(c: u32, r: u32, acc: vec4<f32>) {
  if (c >= p.cols) { return; }
  let base = c * p.rows;
  for (var t = 0u; t < 4u; t++) {
    if (r + t < p.rows) { Wt[base + r + t] -= acc[t]; }
  }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let c0 = p.i2 + (p.tileRow0 + wg.y) * TILE;
  let r0 = (p.tileCol0 + wg.x) * TILE;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  let kk = li / 16u;
  let q = li % 16u;
  for (var k0 = 0u; k0 < p.width; k0 += KT) {
    let cu = c0 + 4u * q;
    stripU[kk * 16u + q] = vec4<f32>(u(k0 + kk, cu), u(k0 + kk, cu + 1u), u(k0 + kk, cu + 2u), u(k0 + kk, cu + 3u));
    let re = r0 + 4u * q;
    stripE[kk * 16u + q] = vec4<f32>(e(k0 + kk, re), e(k0 + kk, re + 1u), e(k0 + kk, re + 2u), e(k0 + kk, re + 3u));
    workgroupBarrier();
    for (var k = 0u; k < KT; k++) {
      let x = stripU[k * 16u + lid.y];
      let y = stripE[k * 16u + lid.x];
      a0 += x.x * y;
      a1 += x.y * y;
      a2 += x.z * y;
      a3 += x.w * y;
    }
    workgroupBarrier();
  }
  let c = c0 + 4u * lid.y;
  let r = r0 + 4u * lid.x;
  store4(c, r, a0);
  store4(c + 1u, r, a1);
  store4(c + 2u, r, a2);
  store4(c + 3u, r, a3);
}
