/**
 * Where the bits of a .dnq archive go (spec §12.1: everything counts). The quantized matrices'
 * bits per weight are reported all-in — codes, scale codes and zero points, width fields, and the
 * padding of each section to whole bytes — separately from the raw tensors, the manifest and the
 * 8-byte header, which together with them add up to the file size exactly.
 */
import { readDnq, DNQ_HEADER_BYTES, DNQ_TRAILER_BYTES, type DnqArchive } from './dnq.js';
import { groupsPerRow, SCALE_CODE_BITS } from './groups.js';
import { groupedCodeBits } from './bitpack.js';

export interface DnqAccounting {
  quantized: {
    tensors: number;
    weights: number;
    groups: number;
    /** Code bits; for entropy-coded (ECSQ) tensors their whole stream, step codes included. */
    codeBits: number;
    /** Scale codes (8 bits per group) + zero points (each in its group's width). */
    gridBits: number;
    widthBits: number;
    /** Bits that round sections up to whole bytes. */
    paddingBits: number;
    /** Bytes of all quantized sections: (code + grid + width + padding bits) / 8. */
    bytes: number;
    /** 8 · bytes / weights: the all-in rate the budget constrains (plus byte padding). */
    bitsPerWeight: number;
    /** (code + grid + width bits) / weights, without byte padding: what allocateBits counts. */
    allocatedBitsPerWeight: number;
  };
  raw: { tensors: number; elements: number; bytes: number };
  manifestBytes: number;
  headerBytes: number;
  /** The version-4 SHA-256 trailer (0 for older containers). */
  trailerBytes: number;
  fileBytes: number;
  /** 8 · fileBytes / quantized weights: the whole archive per quantized weight (§12.1). */
  fileBitsPerQuantizedWeight: number;
}

/** Accounting of an archive (parsed, or its bytes). */
export function dnqAccounting(archive: DnqArchive | Uint8Array): DnqAccounting {
  const a = archive instanceof Uint8Array ? readDnq(archive) : archive;
  const q = {
    tensors: 0,
    weights: 0,
    groups: 0,
    codeBits: 0,
    gridBits: 0,
    widthBits: 0,
    paddingBits: 0,
    bytes: 0,
    bitsPerWeight: 0,
    allocatedBitsPerWeight: 0,
  };
  const raw = { tensors: 0, elements: 0, bytes: 0 };
  for (const t of a.manifest.tensors) {
    if (t.kind === 'raw') {
      raw.tensors++;
      raw.elements += t.shape.reduce((x, y) => x * y, 1);
      raw.bytes += t.data.length;
      continue;
    }
    if (t.kind === 'ecsq') {
      // Entropy-coded: the stream holds the step codes and the codes; there is no grid or width.
      const [rows, cols] = t.shape;
      q.tensors++;
      q.weights += rows * cols;
      q.codeBits += 8 * t.stream.length;
      q.bytes += t.stream.length;
      continue;
    }
    const stored = a.tensors.find((s) => s.name === t.name);
    if (!stored || stored.kind !== 'quantized') continue;
    const [rows, cols] = t.shape;
    const groups = rows * groupsPerRow(cols, t.groupSize);
    const codeBits = groupedCodeBits(rows, cols, t.groupSize, stored.matrix.widths);
    let gridBits = groups * SCALE_CODE_BITS;
    for (let g = 0; g < groups; g++) gridBits += stored.matrix.widths[g];
    const bytes = t.widths.length + t.scales.length + t.zeros.length + t.codes.length;
    q.tensors++;
    q.weights += rows * cols;
    q.groups += groups;
    q.codeBits += codeBits;
    q.gridBits += gridBits;
    q.widthBits += groups * t.widthBits;
    q.bytes += bytes;
    q.paddingBits += bytes * 8 - codeBits - gridBits - groups * t.widthBits;
  }
  q.bitsPerWeight = q.weights > 0 ? (8 * q.bytes) / q.weights : 0;
  q.allocatedBitsPerWeight = q.weights > 0 ? (q.codeBits + q.gridBits + q.widthBits) / q.weights : 0;
  const trailerBytes = a.checked ? DNQ_TRAILER_BYTES : 0;
  const fileBytes = DNQ_HEADER_BYTES + a.manifestBytes + q.bytes + raw.bytes + trailerBytes;
  return {
    quantized: q,
    raw,
    manifestBytes: a.manifestBytes,
    headerBytes: DNQ_HEADER_BYTES,
    trailerBytes,
    fileBytes,
    fileBitsPerQuantizedWeight: q.weights > 0 ? (8 * fileBytes) / q.weights : 0,
  };
}
