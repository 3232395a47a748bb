// C = A · Bᵀ with A (m × k) and B (n × k) both row-major and k a multiple of 4: the batched linear
// layer Y = X·Wᵀ, and Σ x xᵀ over calibration rows when A = B = Xᵀ (spec quant.md §11.4).
// Written for CPU drivers such as lavapipe as much as for GPUs: no workgroup memory and no
// barriers; every operand is read as vec4 along k. Each invocation owns 8 rows × 4 columns of C:
// the 8 rows belong to the whole workgroup (their loads are the same for every invocation) and
// the 16 invocations of a workgroup take neighbouring columns, so each k-step does 4 vec4 loads
// of B and 8 of A for 32 dot products. (On lavapipe, 16 invocations per workgroup ran 1.2–5×
// faster per CPU-second than 64: less padding on narrow matrices and better on wide ones.)
// With `upper` set, workgroups whose columns all lie left of their first row are skipped (the
// caller needs only j ≥ i of a symmetric result); their part of C is left unwritten.

struct Params {
  m: u32,
  n: u32,
  k4: u32,
  upper: u32,
  tileRow0: u32,
  tileCol0: u32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

const ROWS: u32 = 8u;
const WG: u32 = 16u;
const COLS: u32 = 4u;

fn store(r: u32, c: u32, v: vec4<f32>) {
  if (r >= p.m) { return; }
  let row = r * p.n;
  for (var t = 0u; t < COLS; t++) {
    let j = c + t * WG;
    if (j < p.n) { C[row + j] = v[t]; }
  }
}

@compute @workgroup_size(16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r0 = (p.tileRow0 + wg.y) * ROWS;
  let c0 = (p.tileCol0 + wg.x) * WG * COLS;
  if (p.upper != 0u && c0 + WG * COLS <= r0) { return; }
  let k4 = p.k4;
  let c = c0 + lid.x;
  // Out-of-range rows and columns read the last valid one (their results are not stored).
  let b0 = min(c, p.n - 1u) * k4;
  let b1 = min(c + WG, p.n - 1u) * k4;
  let b2 = min(c + 2u * WG, p.n - 1u) * k4;
  let b3 = min(c + 3u * WG, p.n - 1u) * k4;
  let last = p.m - 1u;
  let a0 = min(r0, last) * k4;
  let a1 = min(r0 + 1u, last) * k4;
  let a2 = min(r0 + 2u, last) * k4;
  let a3 = min(r0 + 3u, last) * k4;
  let a4 = min(r0 + 4u, last) * k4;
  let a5 = min(r0 + 5u, last) * k4;
  let a6 = min(r0 + 6u, last) * k4;
  let a7 = min(r0 + 7u, last) * k4;
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  var s4 = vec4<f32>(0.0);
  var s5 = vec4<f32>(0.0);
  var s6 = vec4<f32>(0.0);
  var s7 = vec4<f32>(0.0);
  for (var q = 0u; q < k4; q++) {
    let y0 = B[b0 + q];
    let y1 = B[b1 + q];
    let y2 = B[b2 + q];
    let y3 = B[b3 + q];
    var x = A[a0 + q];
    s0 += vec4<f32>(dot(x, y0), dot(x, y1), dot(x, y2), dot(x, y3));
    x = A[a1 + q];
    s1 += vec4<f32>(dot(x, y0), dot(x, y1), dot(x, y2), dot(x, y3));
    x = A[a2 + q];
    s2 += vec4<f32>(dot(x, y0), dot(x, y1), dot(x, y2), dot(x, y3));
    x = A[a3 + q];
    s3 += vec4<f32>(dot(x, y0), dot(x, y1), dot(x, y2), dot(x, y3));
    x = A[a4 + q];
    s4 += vec4<f32>(dot(x, y0), dot(x, y1), dot(x, y2), dot(x, y3));
    x = A[a5 + q];
    s5 += vec4<f32>(dot(x, y0), dot(x, y1), dot(x, y2), dot(x, y3));
    x = A[a6 + q];
    s6 += vec4<f32>(dot(x, y0), dot(x, y1), dot(x, y2), dot(x, y3));
    x = A[a7 + q];
    s7 += vec4<f32>(dot(x, y0), dot(x, y1), dot(x, y2), dot(x, y3));
  }
  store(r0, c, s0);
  store(r0 + 1u, c, s1);
  store(r0 + 2u, c, s2);
  store(r0 + 3u, c, s3);
  store(r0 + 4u, c, s4);
  store(r0 + 5u, c, s5);
  store(r0 + 6u, c, s6);
  store(r0 + 7u, c, s7);
}
