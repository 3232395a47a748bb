import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErasureCapacityError, ErasureParameterError, FftReedSolomon, MAX_SHARDS, ReedSolomonErasure } from '../../src/pack/erasure/index.js';
import { Rng } from '../../src/random.js';
import { refParity } from './erasure-reference.js';

function shardsOf(rng: Rng, k: number, len: number): Uint8Array[] {
  return Array.from({ length: k }, () => Uint8Array.from({ length: len }, () => rng.below(256)));
}

const hex = (shards: readonly Uint8Array[]): string[] => shards.map((s) => Buffer.from(s).toString('hex'));

/** Knocks out `lost` slots of the full codeword. */
function erase(all: readonly Uint8Array[], lost: Iterable<number>): (Uint8Array | null)[] {
  const out: (Uint8Array | null)[] = [...all];
  for (const s of lost) out[s] = null;
  return out;
}

describe('Reed–Solomon encoding', () => {
  it('parity is Σ_j d_j / ((k + i) + j) over little-endian symbols (independent reference)', () => {
    const rng = new Rng(2);
    for (const [k, r, len] of [
      [1, 1, 2],
      [2, 1, 4],
      [3, 4, 10],
      [17, 5, 32],
      [40, 20, 6],
    ]) {
      const data = shardsOf(rng, k, len);
      expect(hex(new ReedSolomonErasure(k, r).encode(data))).toEqual(hex(refParity(data, r)));
    }
  });

  it('the streaming encoder gives the same parity in any order of shards, and from unaligned views', () => {
    const rng = new Rng(8);
    const k = 23;
    const r = 7;
    const len = 34;
    const backing = new Uint8Array(1 + k * len);
    for (let i = 0; i < backing.length; i++) backing[i] = rng.below(256);
    const data = Array.from({ length: k }, (_, j) => backing.subarray(1 + j * len, 1 + (j + 1) * len)); // odd byte offsets
    const rs = new ReedSolomonErasure(k, r);
    const order = Array.from({ length: k }, (_, j) => j);
    for (let i = k - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const enc = rs.encoder(len);
    for (const j of order) enc.add(j, data[j]);
    expect(enc.shardsAdded).toBe(k);
    const streamed = enc.finish();
    expect(hex(streamed)).toEqual(hex(rs.encode(data)));
    expect(hex(streamed)).toEqual(
      hex(
        refParity(
          data.map((d) => d.slice()),
          r,
        ),
      ),
    );
  });

  it('r = 0 gives no parity; length-0 shards give empty parity', () => {
    expect(new ReedSolomonErasure(5, 0).encode(shardsOf(new Rng(1), 5, 8))).toEqual([]);
    const p = new ReedSolomonErasure(3, 2).encode([new Uint8Array(0), new Uint8Array(0), new Uint8Array(0)]);
    expect(p.map((s) => s.length)).toEqual([0, 0]);
  });
});

describe('Reed–Solomon decoding', () => {
  it.each([
    ['Cauchy (formats 1 and 2)', (k: number, r: number) => new ReedSolomonErasure(k, r)],
    ['FFT, Lin–Chung–Han (format 3)', (k: number, r: number) => new FftReedSolomon(k, r)],
  ] as const)('%s: rebuilds from every pattern of at most r lost shards (exhaustive for small k, r)', (_, code) => {
    const rng = new Rng(1);
    for (const [k, r] of [
      [1, 0],
      [1, 3],
      [2, 2],
      [3, 2],
      [4, 3],
      [5, 4],
      [3, 6],
      [6, 5],
    ]) {
      const data = shardsOf(rng, k, 6);
      const rs = code(k, r);
      const all = [...data, ...rs.encode(data)];
      const n = k + r;
      let patterns = 0;
      for (let mask = 0; mask < 1 << n; mask++) {
        const lost: number[] = [];
        for (let s = 0; s < n; s++) if (mask & (1 << s)) lost.push(s);
        if (lost.length > r) continue;
        expect(hex(rs.decode(erase(all, lost))), `k=${k} r=${r} lost ${lost}`).toEqual(hex(data));
        patterns++;
      }
      expect(patterns).toBeGreaterThan(0);
    }
  });

  it('round trip for random k ≤ 40, r ≤ 20, even lengths 0 … 40 and any ≤ r lost shards (fast-check)', () => {
    const caseArb = fc
      .record({ k: fc.integer({ min: 1, max: 40 }), r: fc.integer({ min: 0, max: 20 }), half: fc.integer({ min: 0, max: 20 }) })
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
        const rs = new ReedSolomonErasure(k, r);
        const got = rs.decode(erase([...data, ...rs.encode(data)], lost));
        expect(hex(got)).toEqual(hex(data));
      }),
      { numRuns: 300 },
    );
  });

  it('shard lengths 0 and 2 round-trip with data shards lost', () => {
    const rng = new Rng(9);
    for (const len of [0, 2]) {
      const data = shardsOf(rng, 6, len);
      const rs = new ReedSolomonErasure(6, 3);
      expect(hex(rs.decode(erase([...data, ...rs.encode(data)], [0, 2, 5])))).toEqual(hex(data));
    }
  });

  it('present data shards come back as the same objects; rebuilt ones are new', () => {
    const data = shardsOf(new Rng(5), 4, 8);
    const rs = new ReedSolomonErasure(4, 2);
    const got = rs.decode(erase([...data, ...rs.encode(data)], [1]));
    expect(got[0]).toBe(data[0]);
    expect(got[2]).toBe(data[2]);
    expect(got[1]).not.toBe(data[1]);
    expect(hex([got[1]])).toEqual(hex([data[1]]));
  });

  it('a large block: k = 1000, r = 100, 100 random losses, and the worst case of 100 lost data shards', () => {
    const rng = new Rng(3);
    const data = shardsOf(rng, 1000, 32);
    const rs = new ReedSolomonErasure(1000, 100);
    const all = [...data, ...rs.encode(data)];
    const order = Array.from({ length: 1100 }, (_, i) => i);
    for (let i = 0; i < 100; i++) {
      const j = i + rng.below(1100 - i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    expect(Buffer.concat(rs.decode(erase(all, order.slice(0, 100)))).equals(Buffer.concat(data))).toBe(true);
    const worst = Array.from({ length: 100 }, (_, i) => 10 * i);
    expect(Buffer.concat(rs.decode(erase(all, worst))).equals(Buffer.concat(data))).toBe(true);
  });

  it('a wrong present shard changes the output (the decoder really uses the parity)', () => {
    const data = shardsOf(new Rng(6), 5, 8);
    const rs = new ReedSolomonErasure(5, 2);
    const slots = erase([...data, ...rs.encode(data)], [0]);
    slots[5] = Uint8Array.from(slots[5]!, (b, i) => (i === 0 ? b ^ 1 : b));
    expect(hex(rs.decode(slots))[0]).not.toBe(hex(data)[0]);
  });
});

describe('Reed–Solomon errors', () => {
  it.each([
    ['Cauchy', (k: number, r: number) => new ReedSolomonErasure(k, r)],
    ['FFT', (k: number, r: number) => new FftReedSolomon(k, r)],
  ] as const)('%s: r + 1 lost shards: ErasureCapacityError naming the block, the lost slots and how many more are needed', (_, code) => {
    const data = shardsOf(new Rng(4), 5, 4);
    const rs = code(5, 2);
    const slots = erase([...data, ...rs.encode(data)], [0, 3, 6]);
    let err: unknown;
    try {
      rs.decode(slots, 'block 7');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ErasureCapacityError);
    const cap = err as ErasureCapacityError;
    expect(cap.missing).toEqual([0, 3, 6]);
    expect(cap.present).toBe(4);
    expect(cap.needed).toBe(5);
    expect(cap.code).toBe('ERASURE_CAPACITY');
    expect(cap.message).toBe('block 7: 3 of 7 shards missing, at most 2 can be rebuilt; need 1 more of slots [0, 3, 6]');
    // With the caller's names for the slots (strand addresses), the message names strands.
    const names = [100, 101, 102, 103, 104, 900, 901];
    expect(() => rs.decode(slots, 'block 7', names)).toThrow('need 1 more of strands [100, 103, 901]');
    expect(() => code(1, 0).decode([null], 'block 3')).toThrow(ErasureCapacityError);
  });

  it('long lists of missing slots are shortened in the message but kept whole in the field', () => {
    const rs = new ReedSolomonErasure(30, 5);
    const slots: (Uint8Array | null)[] = Array.from({ length: 35 }, (_, i) => (i < 10 ? new Uint8Array(2) : null));
    try {
      rs.decode(slots, 'block 0');
      expect.unreachable();
    } catch (e) {
      const cap = e as ErasureCapacityError;
      expect(cap.missing).toHaveLength(25);
      expect(cap.message).toMatch(/^block 0: 25 of 35 shards missing, at most 5 can be rebuilt; need 20 more of slots \[10, 11, .*, … \(25 in all\)\]$/);
    }
  });

  it('bad parameters and shard shapes are typed errors naming the parameter and value', () => {
    expect(() => new ReedSolomonErasure(0, 1)).toThrow(/k \(data shards\) = 0/);
    expect(() => new ReedSolomonErasure(2.5, 1)).toThrow(ErasureParameterError);
    expect(() => new ReedSolomonErasure(3, -1)).toThrow(/r \(parity shards\) = -1/);
    expect(() => new ReedSolomonErasure(60000, 6000)).toThrow(/k \+ r = 66000/);
    expect(() => new ReedSolomonErasure(MAX_SHARDS - 1, 1)).not.toThrow();
    const rs = new ReedSolomonErasure(2, 1);
    expect(() => rs.encode([new Uint8Array(3), new Uint8Array(3)])).toThrow(/data shard 0 length = 3: expected an even number/);
    expect(() => rs.encode([new Uint8Array(4), new Uint8Array(2)])).toThrow(/data shard 1 length = 2: expected 4 bytes like data shard 0/);
    expect(() => rs.encode([new Uint8Array(4)])).toThrow(/data shards = 1: expected exactly k = 2/);
    expect(() => rs.decode([new Uint8Array(4), null])).toThrow(/block: shard slots = 2: expected k \+ r = 3/);
    expect(() => rs.decode([new Uint8Array(4), null, new Uint8Array(6)], 'block 9')).toThrow(/block 9: shard 2 length = 6/);
    expect(() => rs.decode([new Uint8Array(4), null, new Uint8Array(4)], 'block 9', [1, 2])).toThrow(/slot names = 2/);
    expect(() => new ReedSolomonErasure(1, 0).decode([null], 'block 3')).toThrow(ErasureCapacityError);
  });

  it('the streaming encoder refuses duplicates, strays, wrong lengths and an early finish', () => {
    const rs = new ReedSolomonErasure(3, 2);
    expect(() => rs.encoder(5)).toThrow(/shard length = 5/);
    const enc = rs.encoder(4);
    enc.add(1, new Uint8Array(4));
    expect(() => enc.add(1, new Uint8Array(4))).toThrow(/data shard index = 1: expected each data shard added once/);
    expect(() => enc.add(3, new Uint8Array(4))).toThrow(/data shard index = 3: expected an integer in \[0, 3\)/);
    expect(() => enc.add(0, new Uint8Array(6))).toThrow(/data shard 0 length = 6/);
    expect(() => enc.finish()).toThrow(/not yet added: 0, 2/);
    enc.add(0, new Uint8Array(4)).add(2, new Uint8Array(4));
    expect(enc.finish()).toHaveLength(2);
    expect(() => enc.add(0, new Uint8Array(4))).toThrow(/after finish/);
  });
});
