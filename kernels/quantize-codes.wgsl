// Codes of group-wise quantization: q = clamp(round(w / scale) + z, 0, 2^b − 1) with the group's
// decoded scale and integer zero point z (src/quant/groups.ts quantizeValue; round = half up).
// One invocation per 4 weights, written as one little-endian u32 of four u8 codes; the group of
// each column comes from a table.
// f32 division is within 2.5 ULP of the exact t = w/scale; a t closer than 2⁻¹⁸·(|t| + 1) to a
// rounding boundary (a half-integer) is flagged instead, and the host recomputes those codes with
// the twin, so every code is bit-identical to the TypeScript quantizer. Non-finite weights are
// flagged too. floor(t + 0.5) + z is exact below 2^24 and saturates the clamp beyond it.

struct Params {
  cols: u32,
  groupSize: u32,
  groupsPerRow: u32,
  n: u32,
  words: u32,
  base: u32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> W: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> zero: array<f32>;
@group(0) @binding(4) var<storage, read> maxq: array<u32>;
@group(0) @binding(5) var<storage, read_write> codes: array<u32>;
@group(0) @binding(6) var<storage, read_write> flags: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read> colGroup: array<u32>;

fn code(idx: u32, g: u32) -> u32 {
  let s = scale[g];
  if (s == 0.0) { return 0u; }
  let x = W[idx];
  let bits = bitcast<u32>(x);
  var flagged = (bits & 0x7f800000u) == 0x7f800000u;
  var q = 0u;
  if (!flagged) {
    let t = x / s;
    let boundary = floor(t) + 0.5;
    flagged = abs(t - boundary) < 0x1p-18f * (abs(t) + 1.0);
    q = u32(clamp(floor(t + 0.5) + zero[g], 0.0, f32(maxq[g])));
  }
  if (flagged) {
    atomicOr(&flags[idx / 32u], 1u << (idx % 32u));
    return 0u;
  }
  return q;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let w = p.base + (wg.y * nwg.x + wg.x) * 64u + li;
  if (w >= p.words) { return; }
  var word = 0u;
  // One division per 4 weights; the column then steps, wrapping to the next row.
  var r = (4u * w) / p.cols;
  var c = 4u * w - r * p.cols;
  for (var t = 0u; t < 4u; t++) {
    let idx = 4u * w + t;
    if (idx < p.n) { word |= code(idx, r * p.groupsPerRow + colGroup[c]) << (8u * t); }
    c++;
    if (c == p.cols) {
      c = 0u;
      r++;
    }
  }
  codes[w] = word;
}
