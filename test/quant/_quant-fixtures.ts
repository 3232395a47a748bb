import { deflateSync, inflateSync } from 'fflate';
import { createHash } from 'node:crypto';
/** Seeded matrices and calibration data for the quant tests. */
import { Rng } from '../../src/random.js';
import { HessianAccumulator } from '../../src/quant/hessian.js';

export function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function randomMatrix(rng: Rng, rows: number, cols: number, scale = 0.05): Float32Array {
  const W = new Float32Array(rows * cols);
  for (let i = 0; i < W.length; i++) W[i] = scale * gaussian(rng);
  return W;
}

/**
 * Correlated inputs x = A z (A random with a shared component, so columns are strongly
 * correlated, plus uneven per-channel scales), accumulated into a Hessian.
 */
export function correlatedHessian(rng: Rng, n: number, tokens: number): { H: Float64Array; acc: HessianAccumulator; X: Float32Array } {
  const A = new Float64Array(n * n);
  const chan = new Float64Array(n);
  for (let i = 0; i < n; i++) chan[i] = Math.exp(gaussian(rng));
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) A[i * n + k] = chan[i] * ((i === k ? 1 : 0) + (0.3 * gaussian(rng)) / Math.sqrt(n) + (k === 0 ? 0.8 : 0));
  const acc = new HessianAccumulator(n);
  const X = new Float32Array(tokens * n);
  const z = new Float64Array(n);
  for (let t = 0; t < tokens; t++) {
    for (let k = 0; k < n; k++) z[k] = gaussian(rng);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += A[i * n + k] * z[k];
      X[t * n + i] = s;
    }
  }
  acc.addBatch(X);
  return { H: acc.hessian(), acc, X };
}

/**
 * Rewrites the manifest of a .dnq byte string through `edit` (payload untouched), as a crafted
 * file would: a version-4 or -5 result gets a fresh SHA-256 trailer (so that the reader's other
 * checks are what it meets), an older version none; a version-5 manifest is deflated, an older one
 * plain JSON.
 */
export function editManifest(bytes: Uint8Array, edit: (m: Record<string, any>) => void, resign = true): Uint8Array {
  const word = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
  const M = word & 0x7fffffff;
  const stored = bytes.subarray(8, 8 + M);
  const m = JSON.parse(new TextDecoder().decode(word & 0x80000000 ? inflateSync(stored) : stored));
  const hadTrailer = m.version >= 4;
  edit(m);
  const text = new TextEncoder().encode(JSON.stringify(m));
  const json = m.version >= 5 ? deflateSync(text, { level: 9 }) : text;
  const payload = bytes.subarray(8 + M, hadTrailer ? bytes.length - 32 : bytes.length);
  const trailer = m.version >= 4 ? 32 : 0;
  const out = new Uint8Array(8 + json.length + payload.length + trailer);
  out.set(bytes.subarray(0, 4));
  new DataView(out.buffer).setUint32(4, (json.length | (m.version >= 5 ? 0x80000000 : 0)) >>> 0, true);
  out.set(json, 8);
  out.set(payload, 8 + json.length);
  if (trailer) {
    const body = out.length - 32;
    out.set(resign ? createHash('sha256').update(out.subarray(0, body)).digest() : bytes.subarray(bytes.length - 32), body);
  }
  return out;
}
