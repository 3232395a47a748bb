// Variable-width bit packing of group-wise codes, bit-exact with src/quant/bitpack.ts
// packGroupedCodes: MSB-first, each code in its group's width, groups in row-major order, the
// stream padded with zeros to a whole byte. One invocation per group writes its codes starting at
// the group's bit offset (a prefix sum of len·width computed by the host). Words are built
// big-endian, as the stream reads, and byte-swapped on store so that the buffer's bytes are the
// stream's bytes; words shared with a neighbouring group are merged with atomicOr.
// A code that does not fit its width is flagged for the host, which then reports it as the twin does.

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
@group(0) @binding(1) var<storage, read> codes: array<u32>;
@group(0) @binding(2) var<storage, read> widths: array<u32>;
@group(0) @binding(3) var<storage, read> bitOffset: array<u32>;
@group(0) @binding(4) var<storage, read_write> words: array<atomic<u32>>;
@group(0) @binding(5) var<storage, read_write> bad: array<u32>;

fn byteSwap(x: u32) -> u32 {
  return (x << 24u) | ((x & 0xff00u) << 8u) | ((x >> 8u) & 0xff00u) | (x >> 24u);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let g = p.base + (wg.y * nwg.x + wg.x) * 64u + li;
  if (g >= p.groups) { return; }
  let w = widths[g];
  let r = g / p.groupsPerRow;
  let k = g - r * p.groupsPerRow;
  let c0 = r * p.cols + k * p.groupSize;
  let c1 = c0 + min(p.groupSize, p.cols - k * p.groupSize);
  let s = bitOffset[g];
  var wi = s >> 5u;
  var used = s & 31u;
  var acc = 0u;
  var flagged = 0u;
  for (var i = c0; i < c1; i++) {
    var v = (codes[i >> 2u] >> ((i & 3u) << 3u)) & 0xffu;
    // (Width 0 stores nothing, so there every code must be 0.)
    if ((v >> w) != 0u) {
      flagged = 1u;
      v = 0u;
    }
    if (w == 0u) { continue; }
    if (used + w <= 32u) {
      acc |= v << (32u - used - w);
      used += w;
      if (used == 32u) {
        atomicOr(&words[wi], byteSwap(acc));
        wi++;
        acc = 0u;
        used = 0u;
      }
    } else {
      let first = 32u - used;
      let rest = w - first;
      acc |= v >> rest;
      atomicOr(&words[wi], byteSwap(acc));
      wi++;
      acc = (v & ((1u << rest) - 1u)) << (32u - rest);
      used = rest;
    }
  }
  if (used > 0u) { atomicOr(&words[wi], byteSwap(acc)); }
  bad[g] = flagged;
}
