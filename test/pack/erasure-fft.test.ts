/**
 * FftReedSolomon (src/pack/erasure/fft-rs.ts): the additive-FFT Reed–Solomon code. References here
 * are independent of the FFT code: the Cantor basis is searched for with the schoolbook field of
 * erasure-reference.ts, parity is checked against plain Lagrange interpolation, and the big layout
 * against the parity checks of a Reed–Solomon code on the whole field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErasureParameterError, FFT_MAX_SHARDS, FftReedSolomon } from '../../src/pack/erasure/index.js';
import { CANTOR_BASIS } from '../../src/pack/erasure/lch-basis.js';
import { fftRows, ifftRows } from '../../src/pack/erasure/additive-fft.js';
import { erasureLocatorLogs } from '../../src/pack/erasure/erasure-locator.js';
import { GF_EXP, GF_LOG } from '../../src/pack/erasure/gf16.js';
import { Rng } from '../../src/random.js';
import { refInv, refMul } from './erasure-reference.js';

function shardsOf(rng: Rng, k: number, len: number): Uint8Array[] {
  return Array.from({ length: k }, () => Uint8Array.from({ length: len }, () => rng.below(256)));
}

const hex = (shards: readonly Uint8Array[]): string[] => shards.map((s) => Buffer.from(s).toString('hex'));

function erase(all: readonly Uint8Array[], lost: Iterable<number>): (Uint8Array | null)[] {
  const out: (Uint8Array | null)[] = [...all];
  for (const s of lost) out[s] = null;
  return out;
}

/** `count` distinct slots of [0, n), uniformly (partial Fisher–Yates). */
function pick(rng: Rng, n: number, count: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.below(n - i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, count);
}

const symbol = (s: Uint8Array, t: number): number => s[2 * t] | (s[2 * t + 1] << 8);

const pow2AtLeast = (x: number): number => {
  let p = 1;
  while (p < x) p *= 2;
  return p;
};

/** The layout as the module header states it: [m, N]. */
function layoutOf(k: number, r: number): [number, number] {
  const m = pow2AtLeast(r);
  return m + k <= 65536 ? [m, pow2AtLeast(m + k)] : [r, 65536];
}

/** The Cantor basis by search with the schoolbook field: v_0 = 1, v_j = the smallest x with x² + x = v_{j−1}. */
const cantor: number[] = (() => {
  const v = [1];
  for (let j = 1; j < 16; j++) {
    let x = 0;
    while ((refMul(x, x) ^ x) !== v[j - 1]) x++;
    v.push(x);
  }
  return v;
})();

/** ω_p = Σ_{bits j of p} v_j. */
function point(p: number): number {
  let w = 0;
  for (let j = 0; j < 16; j++) if ((p >>> j) & 1) w ^= cantor[j];
  return w;
}

/**
 * Parity by definition: the polynomial f of degree < N − m through the data (at ω_{m+i}) and the
 * fixed zeros (at ω_{m+k} … ω_{N−1}), evaluated at ω_0 … ω_{r−1}; plain Lagrange interpolation.
 */
function lagrangeParity(data: readonly Uint8Array[], r: number): Uint8Array[] {
  const k = data.length;
  const [m, N] = layoutOf(k, r);
  const xs = Array.from({ length: N - m }, (_, i) => point(m + i));
  const len = data[0].length;
  return Array.from({ length: r }, (_, j) => {
    const z = point(j);
    const out = new Uint8Array(len);
    for (let i = 0; i < k; i++) {
      // L_i(z) = Π_{l ≠ i} (z − x_l) / (x_i − x_l); only the data points carry non-zero values.
      let num = 1;
      let den = 1;
      for (let l = 0; l < xs.length; l++) {
        if (l === i) continue;
        num = refMul(num, z ^ xs[l]);
        den = refMul(den, xs[i] ^ xs[l]);
      }
      const c = refMul(num, refInv(den));
      for (let t = 0; t < len / 2; t++) {
        const v = refMul(c, symbol(data[i], t));
        out[2 * t] ^= v & 0xff;
        out[2 * t + 1] ^= v >>> 8;
      }
    }
    return out;
  });
}

describe('FftReedSolomon: the points', () => {
  it('the Cantor basis matches an independent search, and its 65536 points are distinct', () => {
    expect(Array.from(CANTOR_BASIS)).toEqual(cantor);
    const seen = new Uint8Array(65536);
    for (let p = 0; p < 65536; p++) seen[point(p)] = 1;
    expect(seen.reduce((a, b) => a + b, 0)).toBe(65536);
  });

  it('the FFT evaluates Σ d_i X_i at ω_{base+l}, X_i = Π_{bits j of i} W_j, W_j = (x² + x) composed j times', () => {
    const rng = new Rng(11);
    const W = (j: number, x: number): number => {
      for (let s = 0; s < j; s++) x = refMul(x, x) ^ x;
      return x;
    };
    for (const [size, base, width] of [
      [1, 5, 2],
      [2, 6, 1],
      [16, 0, 3],
      [16, 48, 2],
      [64, 4032, 1],
    ]) {
      const coef = Uint16Array.from({ length: size * width }, () => rng.below(65536));
      const rows = coef.slice();
      fftRows(rows, width, size, base);
      for (let l = 0; l < size; l++) {
        const x = point(base + l);
        for (let t = 0; t < width; t++) {
          let sum = 0;
          for (let i = 0; i < size; i++) {
            let X = 1;
            for (let j = 0; 1 << j <= i; j++) if ((i >>> j) & 1) X = refMul(X, W(j, x));
            sum ^= refMul(coef[i * width + t], X);
          }
          expect(rows[l * width + t], `size ${size} base ${base} row ${l}`).toBe(sum);
        }
      }
      ifftRows(rows, width, size, base);
      expect(Array.from(rows)).toEqual(Array.from(coef));
    }
  });

  it('the erasure locator gives log Λ(ω_l) off the erasures and log Λ′(ω_e) on them', () => {
    const rng = new Rng(12);
    for (const size of [2, 8, 64, 256]) {
      const erased = new Uint8Array(size);
      for (const e of pick(rng, size, rng.below(size))) erased[e] = 1;
      const logs = erasureLocatorLogs(erased);
      for (let l = 0; l < size; l++) {
        let prod = 1;
        for (let e = 0; e < size; e++) if (erased[e] && e !== l) prod = refMul(prod, point(l) ^ point(e));
        expect(GF_EXP[logs[l]], `size ${size} position ${l}`).toBe(prod);
      }
    }
  });
});

describe('FftReedSolomon: it is Reed–Solomon', () => {
  it('parity = the interpolating polynomial of the data (and fixed zeros) at the parity points (Lagrange reference)', () => {
    const rng = new Rng(2);
    for (const [k, r, len] of [
      [1, 1, 2],
      [1, 2, 4],
      [2, 1, 4],
      [3, 4, 6],
      [5, 3, 2],
      [6, 2, 4],
      [7, 9, 2],
      [17, 5, 4],
      [12, 20, 2],
      [30, 30, 2],
      [40, 7, 4],
    ]) {
      const code = new FftReedSolomon(k, r);
      expect([code.parityZone, code.transformSize], `k=${k} r=${r}`).toEqual(layoutOf(k, r));
      const data = shardsOf(rng, k, len);
      expect(hex(code.encode(data)), `k=${k} r=${r}`).toEqual(hex(lagrangeParity(data, r)));
    }
  });

  it('the layout without punctured positions (k + r near 65536) satisfies Σ_p c_p·ω_p^t = 0 for t < r', () => {
    // A Reed–Solomon code of dimension K on all N points of V_N has the parity checks
    // Σ_p c_p ω_p^t / Π_{q≠p}(ω_p − ω_q) = 0, t < N − K; for N = 65536 the product is that of all
    // non-zero elements of GF(2^16), which is 1. Here K = N − r.
    const k = 65000;
    const r = 536;
    const code = new FftReedSolomon(k, r);
    expect([code.parityZone, code.transformSize, code.chunked]).toEqual([r, 65536, false]);
    const data = shardsOf(new Rng(3), k, 2);
    const parity = code.encode(data);
    const cur = new Int32Array(65536); // log of c_p·ω_p^t
    const step = new Int32Array(65536); // log ω_p
    const live: number[] = [];
    for (let p = 1; p < 65536; p++) {
      const c = p < r ? symbol(parity[p], 0) : p >= r && p < r + k ? symbol(data[p - r], 0) : 0;
      if (c === 0) continue;
      live.push(p);
      cur[p] = GF_LOG[c];
      step[p] = GF_LOG[point(p)];
    }
    const c0 = symbol(parity[0], 0); // ω_0 = 0 contributes to t = 0 only
    const bad: number[] = [];
    for (let t = 0; t < r; t++) {
      let sum = t === 0 ? c0 : 0;
      for (const p of live) {
        sum ^= GF_EXP[cur[p]];
        const next = cur[p] + step[p];
        cur[p] = next >= 65535 ? next - 65535 : next;
      }
      if (sum !== 0) bad.push(t);
    }
    expect(bad).toEqual([]);
  });
});

describe('FftReedSolomon: any k of k + r shards rebuild the data', () => {
  // Every pattern of at most r lost shards, small k and r: erasure.test.ts, for both codes.

  it('many (k, r), powers of two and not, with random, all-data and all-parity losses', () => {
    const rng = new Rng(4);
    for (const [k, r] of [
      [1, 0],
      [7, 0],
      [1, 1],
      [1, 64],
      [2, 1],
      [9, 7],
      [16, 16],
      [31, 33],
      [64, 64],
      [100, 28],
      [127, 129],
      [255, 1],
      [300, 500],
      [513, 255],
      [1000, 24],
      [2000, 447],
    ]) {
      const data = shardsOf(rng, k, 6);
      const rs = new FftReedSolomon(k, r);
      const all = [...data, ...rs.encode(data)];
      const patterns = [pick(rng, k + r, r), pick(rng, k + r, rng.below(r + 1)), Array.from({ length: Math.min(k, r) }, (_, i) => i)];
      patterns.push(Array.from({ length: r }, (_, i) => k + i));
      for (const lost of patterns) expect(hex(rs.decode(erase(all, lost))), `k=${k} r=${r}`).toEqual(hex(data));
    }
  });

  it('round trip for random k ≤ 70, r ≤ 70, even lengths 0 … 12 and any ≤ r lost shards (fast-check)', () => {
    const caseArb = fc
      .record({ k: fc.integer({ min: 1, max: 70 }), r: fc.integer({ min: 0, max: 70 }), half: fc.integer({ min: 0, max: 6 }) })
      .chain(({ k, r, half }) =>
        fc.record({
          k: fc.constant(k),
          r: fc.constant(r),
          bytes: fc.uint8Array({ minLength: k * 2 * half, maxLength: k * 2 * half }),
          lost: fc.uniqueArray(fc.integer({ min: 0, max: k + r - 1 }), { maxLength: r }),
        }),
      );
    fc.assert(
      fc.property(caseArb, ({ k, r, bytes, lost }) => {
        const len = bytes.length / k;
        const data = Array.from({ length: k }, (_, j) => bytes.slice(j * len, (j + 1) * len));
        const rs = new FftReedSolomon(k, r);
        expect(hex(rs.decode(erase([...data, ...rs.encode(data)], lost)))).toEqual(hex(data));
      }),
      { numRuns: 200 },
    );
  });

  it('k + r at the limit of 65536: random, worst-case and lopsided losses (2-byte shards)', () => {
    const rng = new Rng(5);
    for (const [k, r] of [
      [60000, 5536],
      [65535, 1],
      [1, 65535],
    ]) {
      const rs = new FftReedSolomon(k, r);
      const data = shardsOf(rng, k, 2);
      const all = [...data, ...rs.encode(data)];
      const want = Buffer.concat(data);
      const patterns = [pick(rng, k + r, r), Array.from({ length: Math.min(k, r) }, (_, i) => k - 1 - i)];
      for (const lost of patterns) expect(Buffer.concat(rs.decode(erase(all, lost))).equals(want), `k=${k} r=${r}`).toBe(true);
    }
    // From the one surviving parity shard of (1, 65535).
    const rs = new FftReedSolomon(1, 65535);
    const data = [Uint8Array.of(0x34, 0x12, 0xff, 0x00)];
    const parity = rs.encode(data);
    const slots: (Uint8Array | null)[] = new Array(65536).fill(null);
    slots[1 + 40000] = parity[40000];
    expect(hex(rs.decode(slots))).toEqual(hex(data));
  });

  it('present data shards come back as the same objects; rebuilt ones are new', () => {
    const data = shardsOf(new Rng(6), 4, 8);
    const rs = new FftReedSolomon(4, 2);
    const got = rs.decode(erase([...data, ...rs.encode(data)], [1]));
    expect(got[0]).toBe(data[0]);
    expect(got[2]).toBe(data[2]);
    expect(got[1]).not.toBe(data[1]);
    expect(hex([got[1]])).toEqual(hex([data[1]]));
    const empty = [new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)];
    const p = new FftReedSolomon(3, 2).encode(empty);
    expect(p.map((s) => s.length)).toEqual([0, 0]);
    expect(new FftReedSolomon(3, 2).decode([null, empty[1], null, ...p]).map((s) => s.length)).toEqual([0, 0, 0]);
  });
});

describe('FftReedSolomon: errors', () => {
  // r + 1 lost shards (ErasureCapacityError): erasure.test.ts, for both codes.

  it('bad parameters and shard shapes are typed errors naming the parameter and value', () => {
    expect(() => new FftReedSolomon(0, 1)).toThrow(/k \(data shards\) = 0/);
    expect(() => new FftReedSolomon(2.5, 1)).toThrow(ErasureParameterError);
    expect(() => new FftReedSolomon(3, -1)).toThrow(/r \(parity shards\) = -1/);
    expect(() => new FftReedSolomon(3, Number.NaN)).toThrow(ErasureParameterError);
    expect(() => new FftReedSolomon(60000, 5537)).toThrow(/k \+ r = 65537: expected at most 65536/);
    expect(FFT_MAX_SHARDS).toBe(65536);
    expect(() => new FftReedSolomon(FFT_MAX_SHARDS - 1, 1)).not.toThrow();
    const rs = new FftReedSolomon(2, 1);
    expect(() => rs.encode([new Uint8Array(3), new Uint8Array(3)])).toThrow(/data shard 0 length = 3: expected an even number/);
    expect(() => rs.encode([new Uint8Array(4), new Uint8Array(2)])).toThrow(/data shard 1 length = 2: expected 4 bytes like data shard 0/);
    expect(() => rs.encode([new Uint8Array(4)])).toThrow(/data shards = 1: expected exactly k = 2/);
    expect(() => rs.encode([new Uint8Array(4), null as unknown as Uint8Array])).toThrow(ErasureParameterError);
    expect(() => rs.decode([new Uint8Array(4), null])).toThrow(/block: shard slots = 2: expected k \+ r = 3/);
    expect(() => rs.decode([new Uint8Array(4), null, new Uint8Array(6)], 'block 9')).toThrow(/block 9: shard 2 length = 6/);
    expect(() => rs.decode([new Uint8Array(4), null, new Uint8Array(4)], 'block 9', [1, 2])).toThrow(/slot names = 2/);
    expect(() => rs.decode([new Uint8Array(4), [1, 2] as unknown as Uint8Array, null])).toThrow(/shard 1 = \[object Array\]: expected a Uint8Array/);
  });
});

describe('FftReedSolomon: determinism', () => {
  it('fixed parity for fixed data (golden), the same from every instance, inputs untouched', () => {
    const data = [Uint8Array.of(1, 2, 3, 4), Uint8Array.of(5, 6, 7, 8), Uint8Array.of(9, 10, 11, 12)];
    const copy = data.map((d) => d.slice());
    const parity = new FftReedSolomon(3, 2).encode(data);
    expect(hex(parity)).toEqual(hex(lagrangeParity(copy, 2)));
    expect(hex(parity)).toEqual(['9dc1e7cd', '90cfe8cd']);
    expect(hex(new FftReedSolomon(3, 2).encode(data))).toEqual(hex(parity));
    expect(hex(data)).toEqual(hex(copy));
  });

  it('repeated encodes and decodes of a large block give identical bytes', () => {
    const rng = new Rng(7);
    const k = 3000;
    const r = 500;
    const data = shardsOf(rng, k, 32);
    const rs = new FftReedSolomon(k, r);
    const parity = rs.encode(data);
    expect(hex(new FftReedSolomon(k, r).encode(data))).toEqual(hex(parity));
    const slots = erase([...data, ...parity], pick(rng, k + r, r));
    const frozen = slots.map((s) => (s ? s.slice() : null));
    const a = rs.decode(slots);
    const b = new FftReedSolomon(k, r).decode(slots);
    expect(hex(a)).toEqual(hex(b));
    expect(hex(a)).toEqual(hex(data));
    expect(slots.map((s) => (s ? Buffer.from(s).toString('hex') : null))).toEqual(frozen.map((s) => (s ? Buffer.from(s).toString('hex') : null)));
  });
});
