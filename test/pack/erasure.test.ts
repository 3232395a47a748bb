import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErasureCapacityError, ErasureParameterError, ReedSolomonErasure, binomialTailAbove, gfDiv, gfInv, gfMul, parityForLoss } from '../../src/pack/erasure/index.js';
import { Rng } from '../../src/random.js';

const sym = fc.integer({ min: 0, max: 65535 });

function shardsOf(rng: Rng, k: number, len: number): Uint8Array[] {
  return Array.from({ length: k }, () => Uint8Array.from({ length: len }, () => rng.below(256)));
}

describe('GF(2^16)', () => {
  it('the polynomial is primitive: x generates all 65535 non-zero elements', () => {
    const seen = new Uint8Array(65536);
    let x = 1;
    for (let i = 0; i < 65535; i++) {
      expect(seen[x]).toBe(0);
      seen[x] = 1;
      x = gfMul(x, 2);
    }
    expect(x).toBe(1);
  });
  it('field laws', () => {
    fc.assert(
      fc.property(sym, sym, sym, (a, b, c) => {
        expect(gfMul(a, b)).toBe(gfMul(b, a));
        expect(gfMul(gfMul(a, b), c)).toBe(gfMul(a, gfMul(b, c)));
        expect(gfMul(a, b ^ c)).toBe(gfMul(a, b) ^ gfMul(a, c));
        if (a !== 0) {
          expect(gfMul(a, gfInv(a))).toBe(1);
          expect(gfMul(gfDiv(b, a), a)).toBe(b);
        }
      }),
      { numRuns: 2000, seed: 5 },
    );
  });
});

describe('Reed–Solomon erasure code', () => {
  it('rebuilds from any k of k + r shards (exhaustive patterns for small k, r)', () => {
    const rng = new Rng(1);
    for (const [k, r] of [
      [1, 2],
      [3, 2],
      [4, 3],
      [5, 4],
    ]) {
      const data = shardsOf(rng, k, 6);
      const all = [...data, ...new ReedSolomonErasure(k, r).encode(data)];
      const n = k + r;
      for (let mask = 0; mask < 1 << n; mask++) {
        let lost = 0;
        for (let i = 0; i < n; i++) if (mask & (1 << i)) lost++;
        if (lost > r) continue;
        const got = new ReedSolomonErasure(k, r).decode(all.map((s, i) => (mask & (1 << i) ? null : s)));
        expect(got.map((s) => Buffer.from(s).toString('hex'))).toEqual(data.map((s) => Buffer.from(s).toString('hex')));
      }
    }
  });

  it('random k, r, lengths and erasure patterns (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }), fc.integer(), (k, r, half, seed) => {
        const rng = new Rng(seed);
        const data = shardsOf(rng, k, 2 * half);
        const rs = new ReedSolomonErasure(k, r);
        const all: (Uint8Array | null)[] = [...data, ...rs.encode(data)];
        const lose = rng.below(r + 1);
        for (let e = 0; e < lose; e++) all[rng.below(k + r)] = null;
        const got = rs.decode(all);
        expect(got.map((s) => Buffer.from(s).toString('hex'))).toEqual(data.map((s) => Buffer.from(s).toString('hex')));
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('a large block: k = 1000, r = 100, 100 erasures', () => {
    const rng = new Rng(3);
    const data = shardsOf(rng, 1000, 32);
    const rs = new ReedSolomonErasure(1000, 100);
    const all: (Uint8Array | null)[] = [...data, ...rs.encode(data)];
    const order = Array.from({ length: 1100 }, (_, i) => i);
    for (let i = 0; i < 100; i++) {
      const j = i + rng.below(1100 - i);
      [order[i], order[j]] = [order[j], order[i]];
      all[order[i]] = null;
    }
    expect(Buffer.concat(rs.decode(all)).equals(Buffer.concat(data))).toBe(true);
  });

  it('one erasure too many names the block, the missing slots and how many more are needed', () => {
    const rng = new Rng(4);
    const data = shardsOf(rng, 5, 4);
    const rs = new ReedSolomonErasure(5, 2);
    const all: (Uint8Array | null)[] = [...data, ...rs.encode(data)];
    all[0] = all[3] = all[6] = null;
    expect(() => rs.decode(all, 'block 7')).toThrow(ErasureCapacityError);
    expect(() => rs.decode(all, 'block 7')).toThrow(/block 7: 4 of 7 shards present, 5 needed — 1 more required; missing slots 0, 3, 6/);
  });

  it('bad parameters and shapes are typed errors naming the parameter', () => {
    expect(() => new ReedSolomonErasure(0, 1)).toThrow(ErasureParameterError);
    expect(() => new ReedSolomonErasure(60000, 6000)).toThrow(/k \+ r = 66000/);
    const rs = new ReedSolomonErasure(2, 1);
    expect(() => rs.encode([new Uint8Array(3), new Uint8Array(3)])).toThrow(/shard length = 3/);
    expect(() => rs.encode([new Uint8Array(4), new Uint8Array(2)])).toThrow(/data shard 1 length = 2/);
    expect(() => rs.encode([new Uint8Array(4)])).toThrow(/data shards = 1/);
  });
});

describe('parity sizing', () => {
  it('binomial tail matches direct summation', () => {
    const n = 30;
    const p = 0.1;
    const direct = (t: number): number => {
      let s = 0;
      let c = 1;
      for (let i = 0; i <= n; i++) {
        if (i > 0) c = (c * (n - i + 1)) / i;
        if (i > t) s += c * p ** i * (1 - p) ** (n - i);
      }
      return s;
    };
    for (const t of [0, 2, 5, 10, 20]) expect(binomialTailAbove(n, p, t)).toBeCloseTo(direct(t), 12);
  });
  it('parity grows with loss and block size, and meets its target', () => {
    expect(parityForLoss(100, 0)).toBe(0);
    let prev = 0;
    for (const p of [0.01, 0.05, 0.1, 0.2]) {
      const r = parityForLoss(1000, p);
      expect(r).toBeGreaterThan(prev);
      expect(binomialTailAbove(1000 + r, p, r)).toBeLessThanOrEqual(1e-9);
      expect(binomialTailAbove(1000 + r - 1, p, r - 1)).toBeGreaterThan(1e-9);
      prev = r;
    }
    expect(() => parityForLoss(10, 1)).toThrow(/loss probability/);
  });
});
