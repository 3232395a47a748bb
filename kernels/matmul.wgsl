// C = A · op(B), tiled (spec quant.md §11.3–11.4): op(B) = B (k × n) or Bᵀ with B stored n × k,
// which is the linear layer y = W x for a batch (W row-major [out, in]).
// Each workgroup owns a 64 × 64 tile of C; 16 × 16 invocations each keep a 4 × 4 block of f32
// accumulators, and the k loop stages 16-wide strips of A and op(B) in workgroup memory.
// Chunking (done by the host) shows up as aCol0 (first column of A used by this B chunk), cCol0
// (first column of C written) and `accumulate` (add to C rather than overwrite).

struct Params {
  m: u32,
  n: u32,
  k: u32,
  lda: u32,
  ldb: u32,
  ldc: u32,
  aCol0: u32,
  cCol0: u32,
  transB: u32,
  accumulate: u32,
  tileRow0: u32,
  tileCol0: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

const TILE: u32 = 64u;
const KT: u32 = 16u;

// stripA[kk * 16 + q] = A[row0 + 4q .. 4q + 3, k0 + kk]; stripB[kk * 16 + q] = op(B)[k0 + kk, col0 + 4q .. 4q + 3].
var<workgroup> stripA: array<vec4<f32>, 256>;
var<workgroup> stripB: array<vec4<f32>, 256>;

fn a(r: u32, k: u32) -> f32 {
  if (r < p.m && k < p.k) { return A[r * p.lda + p.aCol0 + k]; }
  return 0.0;
}

fn b(k: u32, c: u32) -> f32 {
  if (k < p.k && c < p.n) {
    if (p.transB != 0u) { return B[c * p.ldb + k]; }
    return B[k * p.ldb + c];
  }
  return 0.0;
}

fn store4(r: u32, c: u32, acc: vec4<f32>) {
  if (r >= p.m) { return; }
  let row = r * p.ldc + p.cCol0;
  for (var t = 0u; t < 4u; t++) {
    if (c + t < p.n) {
      if (p.accumulate != 0u) { C[row + c + t] = C[row + c + t] + acc[t]; } else { C[row + c + t] = acc[t]; }
    }
  }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row0 = (p.tileRow0 + wg.y) * TILE;
  let col0 = (p.tileCol0 + wg.x) * TILE;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  // Neighbouring invocations read neighbouring addresses: along k for A (and for B stored n × k),
  // along the columns for B stored k × n.
  let kA = li % 16u;
  let qA = li / 16u;
  var kB = li / 16u;
  var qB = li % 16u;
  if (p.transB != 0u) {
    kB = li % 16u;
    qB = li / 16u;
  }
  for (var k0 = 0u; k0 < p.k; k0 += KT) {
    let ra = row0 + 4u * qA;
    stripA[kA * 16u + qA] = vec4<f32>(a(ra, k0 + kA), a(ra + 1u, k0 + kA), a(ra + 2u, k0 + kA), a(ra + 3u, k0 + kA));
    let cb = col0 + 4u * qB;
    stripB[kB * 16u + qB] = vec4<f32>(b(k0 + kB, cb), b(k0 + kB, cb + 1u), b(k0 + kB, cb + 2u), b(k0 + kB, cb + 3u));
    workgroupBarrier();
    for (var k = 0u; k < KT; k++) {
      let x = stripA[k * 16u + lid.y];
      let y = stripB[k * 16u + lid.x];
      a0 += x.x * y;
      a1 += x.y * y;
      a2 += x.z * y;
      a3 += x.w * y;
    }
    workgroupBarrier();
  }
  let r = row0 + 4u * lid.y;
  let c = col0 + 4u * lid.x;
  store4(r, c, a0);
  store4(r + 1u, c, a1);
  store4(r + 2u, c, a2);
  store4(r + 3u, c, a3);
}
