// The quantizer's grid rules (src/quant/groups.ts), shared by the kernels that choose grids
// (gptq-block.wgsl, group-costs.wgsl) through `// #include _grid`. The including shader declares
// `ladder: array<f32, 256>`, the matrix's scale ladder 2^(scaleExp − c/16).

// Widths at or below which the clipping search shrinks the scale, and by how many rungs (groups.ts).
const CLIP_MAX_WIDTH: u32 = 4u;
const CLIP_RUNGS: u32 = 14u;

// Nearest code on the grid (scale s, zero point z), clamped: quantizeValue (round half up).
fn quantize(x: f32, s: f32, z: f32, maxq: f32) -> f32 {
  return clamp(floor(x / s + 0.5) + z, 0.0, maxq);
}

// The largest code (smallest scale) whose rung is ≥ need: coveringCode. The logarithm only
// guesses; the two walks settle the code on the ladder's exact values.
fn coveringCode(need: f32, scaleExp: i32) -> u32 {
  if (need <= 0.0) { return 255u; }
  var c = u32(clamp(floor(16.0 * (f32(scaleExp) - log2(need))), 0.0, 255.0));
  while (c > 0u && ladder[c] < need) { c--; }
  while (c < 255u && ladder[c + 1u] >= need) { c++; }
  return c;
}

// The zero point that centres the grid of scale s on [lo, hi]: centredZero.
fn centredZero(lo: f32, hi: f32, s: f32, maxq: f32) -> f32 {
  return clamp(floor(maxq * 0.5 - (lo + hi) / (2.0 * s) + 0.5), 0.0, maxq);
}
