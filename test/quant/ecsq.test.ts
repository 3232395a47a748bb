/**
 * Archive mode: the adaptive range coder, the ECSQ stream, the ECSQ quantizer and its budget
 * search, and ECSQ tensors in the .dnq container.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/random.js';
import { contexts, RangeDecoder, RangeEncoder } from '../../src/quant/entropy/range-coder.js';
import { AdaptiveBits } from '../../src/quant/entropy/adaptive-bits.js';
import { decodeEcsqStream, encodeEcsqStream, MAX_ECSQ_CODE } from '../../src/quant/entropy/ecsq-stream.js';
import { EntropyInputError, EntropyStreamError } from '../../src/quant/entropy/errors.js';
import { dequantizeEcsq, ecsqAtBudget, ecsqQuantize } from '../../src/quant/ecsq.js';
import { scaleLadder } from '../../src/quant/groups.js';
import { layerLoss } from '../../src/quant/rtn.js';
import { readDnq, writeDnq, dequantizeDnq } from '../../src/quant/dnq.js';
import { dnqAccounting } from '../../src/quant/accounting.js';
import { DnqFormatError, QuantInputError } from '../../src/quant/errors.js';
import { correlatedHessian, editManifest, gaussian, randomMatrix } from './_quant-fixtures.js';

describe('adaptive range coder', () => {
  it('round-trips any bits in any contexts, adaptive and direct', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.boolean()), { maxLength: 3000 }), (steps) => {
        const e = new RangeEncoder(4);
        const pe = contexts(4);
        for (const [ctx, bit, direct] of steps) {
          if (direct) e.encodeDirect(bit ? 5 : 2, 3);
          else e.encodeBit(pe, ctx, bit ? 1 : 0);
        }
        const bytes = e.finish();
        const d = new RangeDecoder(bytes, 0, bytes.length, 'test');
        const pd = contexts(4);
        for (const [ctx, bit, direct] of steps) {
          if (direct) expect(d.decodeDirect(3)).toBe(bit ? 5 : 2);
          else expect(d.decodeBit(pd, ctx)).toBe(bit ? 1 : 0);
        }
        expect(d.position).toBe(bytes.length);
        expect(Array.from(pd)).toEqual(Array.from(pe));
      }),
      { numRuns: 300 },
    );
  });

  it('codes a skewed source near its entropy (carries included)', () => {
    const rng = new Rng(11);
    const n = 200_000;
    const p1 = 0.03;
    const bits = Uint8Array.from({ length: n }, () => (rng.nextU32() / 2 ** 32 < p1 ? 1 : 0));
    const e = new RangeEncoder();
    const probs = contexts(1);
    for (const b of bits) e.encodeBit(probs, 0, b);
    const bytes = e.finish();
    const h = -(p1 * Math.log2(p1) + (1 - p1) * Math.log2(1 - p1));
    // Adaptation with 1/32 steps costs a few percent over the ideal on a stationary source.
    expect((8 * bytes.length) / n).toBeLessThan(1.06 * h);
    const d = new RangeDecoder(bytes, 0, bytes.length, 'test');
    const pd = contexts(1);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (d.decodeBit(pd, 0) !== bits[i]) wrong++;
    expect(wrong).toBe(0);
  });

  it('counting contexts code a stationary source closer to its entropy than 1/32 steps, and round-trip', () => {
    const rng = new Rng(12);
    const n = 200_000;
    const p1 = [0.03, 0.4];
    const bits = Uint8Array.from({ length: n }, (_, i) => (rng.nextU32() / 2 ** 32 < p1[i & 1] ? 1 : 0));
    const counting = new RangeEncoder();
    const model = new AdaptiveBits(2);
    const shifting = new RangeEncoder();
    const probs = contexts(2);
    bits.forEach((b, i) => {
      model.encode(counting, i & 1, b);
      shifting.encodeBit(probs, i & 1, b);
    });
    const bytes = counting.finish();
    const h = p1.reduce((a, p) => a - (p * Math.log2(p) + (1 - p) * Math.log2(1 - p)) / 2, 0);
    expect((8 * bytes.length) / n).toBeLessThan(1.01 * h);
    expect(bytes.length).toBeLessThan(shifting.finish().length);
    const d = new RangeDecoder(bytes, 0, bytes.length, 'test');
    const back = new AdaptiveBits(2);
    let wrong = 0;
    for (let i = 0; i < n; i++) if (back.decode(d, i & 1) !== bits[i]) wrong++;
    expect(wrong).toBe(0);
    expect(d.position).toBe(bytes.length);
  });
});

describe('ECSQ stream', () => {
  const sample = (seed: number, rows: number, cols: number, sigma: number): { codes: Int32Array; steps: Uint8Array } => {
    const rng = new Rng(seed);
    return {
      codes: Int32Array.from({ length: rows * cols }, () => Math.round(sigma * gaussian(rng))),
      steps: Uint8Array.from({ length: cols }, () => rng.below(256)),
    };
  };

  it('round-trips codes and step codes, including escapes and the extremes', () => {
    for (const [rows, cols, sigma] of [
      [1, 1, 0],
      [5, 3, 0.3],
      [64, 64, 1.5],
      [17, 40, 300],
    ] as const) {
      const { codes, steps } = sample(rows * cols, rows, cols, sigma);
      if (rows === 5) codes.set([MAX_ECSQ_CODE, -MAX_ECSQ_CODE, 15, -16, 14]);
      const back = decodeEcsqStream(encodeEcsqStream(codes, rows, cols, steps), rows, cols);
      expect(Array.from(back.codes)).toEqual(Array.from(codes));
      expect(Array.from(back.stepCodes)).toEqual(Array.from(steps));
    }
  });

  it('codes Gaussian integers within 6 % of their order-0 entropy', () => {
    const { codes, steps } = sample(3, 128, 128, 1.5);
    const hist = new Map<number, number>();
    for (const c of codes) hist.set(c, (hist.get(c) ?? 0) + 1);
    let h = 0;
    for (const n of hist.values()) h -= n * Math.log2(n / codes.length);
    const bits = 8 * encodeEcsqStream(codes, 128, 128, steps).length - 8 * 128;
    expect(bits).toBeLessThan(1.06 * h);
  });

  it('rejects codes beyond ±2^20 and mismatched shapes when encoding', () => {
    expect(() => encodeEcsqStream(Int32Array.of(MAX_ECSQ_CODE + 1), 1, 1, Uint8Array.of(0))).toThrow(EntropyInputError);
    expect(() => encodeEcsqStream(new Int32Array(4), 2, 3, new Uint8Array(3))).toThrow(/4 codes for a 2×3 matrix/);
    expect(() => encodeEcsqStream(new Int32Array(6), 2, 3, new Uint8Array(2))).toThrow(/2 step codes for 3 columns/);
  });

  it('every truncation, a trailing byte, a wrong format byte or a wrong shape is a typed error, never a hang', () => {
    const { codes, steps } = sample(5, 20, 20, 2);
    const bytes = encodeEcsqStream(codes, 20, 20, steps);
    for (let cut = 0; cut < bytes.length; cut++) expect(() => decodeEcsqStream(bytes.subarray(0, cut), 20, 20)).toThrow(EntropyStreamError);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(() => decodeEcsqStream(longer, 20, 20)).toThrow(/1 bytes follow the last code/);
    const wrong = Uint8Array.from(bytes);
    wrong[0] = 9;
    expect(() => decodeEcsqStream(wrong, 20, 20)).toThrow(/expected stream format 1 or 2, found 9/);
    expect(() => decodeEcsqStream(bytes, 40, 20)).toThrow(EntropyStreamError);
  });

  it('format 2 pays less than format 1 for rows and columns of different scales, and no more for one scale', () => {
    const rng = new Rng(8);
    const rows = 96;
    const cols = 64;
    const rowScale = Array.from({ length: rows }, () => 2 ** (3 * rng.next() - 1));
    const colScale = Array.from({ length: cols }, () => 2 ** (3 * rng.next() - 1));
    const mixed = Int32Array.from({ length: rows * cols }, (_, i) => Math.round(rowScale[Math.floor(i / cols)] * colScale[i % cols] * gaussian(rng)));
    const steps = new Uint8Array(cols).fill(40);
    const size = (codes: Int32Array, format: 1 | 2): number => encodeEcsqStream(codes, rows, cols, steps, 't', { format }).length;
    expect(size(mixed, 2)).toBeLessThan(0.93 * size(mixed, 1));
    const { codes: plain } = sample(9, rows, cols, 1.5);
    expect(size(plain, 2)).toBeLessThanOrEqual(1.01 * size(plain, 1));
    for (const codes of [mixed, plain])
      expect(Array.from(decodeEcsqStream(encodeEcsqStream(codes, rows, cols, steps), rows, cols).codes)).toEqual(Array.from(codes));
  });

  it('step codes coded against a reference that differs by one offset cost next to nothing, and round-trip', () => {
    const { codes } = sample(10, 8, 200, 1);
    const rng = new Rng(11);
    const reference = Uint8Array.from({ length: 200 }, () => 20 + rng.below(40));
    const steps = Uint8Array.from(reference, (c) => c + 9);
    const plain = encodeEcsqStream(codes, 8, 200, steps);
    const against = encodeEcsqStream(codes, 8, 200, steps, 't', { reference });
    expect(8 * (plain.length - against.length)).toBeGreaterThan(3 * 200); // ≥ 3 bits per column saved
    const back = decodeEcsqStream(against, 8, 200, 't', { reference });
    expect(Array.from(back.stepCodes)).toEqual(Array.from(steps));
    expect(Array.from(back.codes)).toEqual(Array.from(codes));
    // A column off the offset still round-trips.
    steps[77] += 3;
    const odd = encodeEcsqStream(codes, 8, 200, steps, 't', { reference });
    expect(Array.from(decodeEcsqStream(odd, 8, 200, 't', { reference }).stepCodes)).toEqual(Array.from(steps));
    expect(() => encodeEcsqStream(codes, 8, 200, steps, 't', { reference: reference.subarray(1) })).toThrow(/199 reference step codes for 200 columns/);
  });

  it('reads format 1, which has no reference', () => {
    const { codes, steps } = sample(12, 30, 20, 3);
    const old = encodeEcsqStream(codes, 30, 20, steps, 't', { format: 1 });
    expect(old[0]).toBe(1);
    const back = decodeEcsqStream(old, 30, 20);
    expect(Array.from(back.codes)).toEqual(Array.from(codes));
    expect(Array.from(back.stepCodes)).toEqual(Array.from(steps));
    expect(() => decodeEcsqStream(old, 30, 20, 't', { reference: steps })).toThrow(/format-1 stream has no reference/);
    expect(() => encodeEcsqStream(codes, 30, 20, steps, 't', { format: 1, reference: steps })).toThrow(EntropyInputError);
  });
});

describe('ECSQ quantizer', () => {
  const rng = new Rng(21);
  const rows = 48;
  const cols = 96;
  const W = randomMatrix(rng, rows, cols);
  const { H } = correlatedHessian(rng, cols, 300);

  it('decodes as Δ_j · q on the ladder, and finer steps lose less', () => {
    let prev = Infinity;
    for (const s of [0.5, 0.1, 0.02]) {
      const m = ecsqQuantize(W, rows, cols, H, { stepScale: s });
      const What = dequantizeEcsq(m);
      const ladder = scaleLadder(m.scaleExp);
      for (let i = 0; i < What.length; i++) expect(What[i]).toBe(Math.fround(ladder[m.stepCodes[i % cols]] * m.codes[i]));
      const loss = layerLoss(W, What, rows, cols, H);
      expect(loss).toBeLessThan(prev);
      prev = loss;
    }
  });

  it("GPTQ's error feedback beats rounding each weight on the same steps", () => {
    const m = ecsqQuantize(W, rows, cols, H, { stepScale: 0.2 });
    const ladder = scaleLadder(m.scaleExp);
    const naive = Float32Array.from(W, (w, i) => Math.fround(ladder[m.stepCodes[i % cols]] * Math.round(w / ladder[m.stepCodes[i % cols]])));
    expect(layerLoss(W, dequantizeEcsq(m), rows, cols, H)).toBeLessThan(0.8 * layerLoss(W, naive, rows, cols, H));
  });

  it('rejects bad shapes, Hessians, steps and weights with the matrix named', () => {
    expect(() => ecsqQuantize(W, rows, cols + 1, H, { stepScale: 1 })).toThrow(QuantInputError);
    expect(() => ecsqQuantize(W, rows, cols, H.subarray(1), { stepScale: 1, where: 'wq' })).toThrow(/wq: Hessian has/);
    expect(() => ecsqQuantize(W, rows, cols, H, { stepScale: 0 })).toThrow(/step scale 0/);
    const bad = Float32Array.from(W);
    bad[5] = NaN;
    expect(() => ecsqQuantize(bad, rows, cols, H, { stepScale: 1, where: 'w2' })).toThrow(/w2: weight \(0, 5\) is NaN/);
  });

  it('meets a budget with the largest coded size that fits, more important matrices getting finer steps', () => {
    const inputs = [
      { name: 'a', W, rows, cols, H, importance: 1 },
      { name: 'b', W, rows, cols, H, importance: 16 },
    ];
    for (const budget of [2.5, 4]) {
      const r = ecsqAtBudget(inputs, budget);
      expect(r.bitsPerWeight).toBeLessThanOrEqual(budget);
      expect(r.bitsPerWeight).toBeGreaterThan(budget * 0.99);
      expect(r.streams[1].length).toBeGreaterThan(r.streams[0].length); // 4× finer steps: ~2 bits more per weight
    }
    expect(() => ecsqAtBudget(inputs, 0)).toThrow(QuantInputError);
  });

  it("a matrix with an earlier one's Hessian takes its steps shifted by one offset, coded against them in the container", () => {
    const { H: H2 } = correlatedHessian(new Rng(22), cols, 300);
    const W2 = randomMatrix(new Rng(23), rows, cols);
    const inputs = [
      { name: 'q', W, rows, cols, H, importance: 2 },
      { name: 'k', W: W2, rows, cols, H: Float64Array.from(H) },
      { name: 'o', W: W2, rows, cols, H: H2 },
    ];
    const r = ecsqAtBudget(inputs, 3);
    const [q, k, o] = r.matrices;
    expect(k.stepsFrom).toBe('q');
    expect(o.stepsFrom).toBeUndefined();
    const offsets = new Set(Array.from(k.stepCodes, (c, j) => c - q.stepCodes[j]));
    expect(offsets.size).toBe(1);
    expect(r.streams[1].length).toBeLessThan(encodeEcsqStream(k.codes, rows, cols, k.stepCodes).length);
    const tensors = r.matrices.map((matrix, i) => ({ kind: 'ecsq' as const, name: inputs[i].name, matrix }));
    const bytes = writeDnq({ quantizer: { method: 'gptq+ecsq' }, tensors });
    const a = readDnq(bytes, 'x.dnq');
    a.tensors.forEach((t, i) => {
      if (t.kind !== 'ecsq') throw new Error('kind');
      expect(t.matrix.stepsFrom).toBe(r.matrices[i].stepsFrom);
      expect(Array.from(t.matrix.stepCodes)).toEqual(Array.from(r.matrices[i].stepCodes));
      expect(t.streamBytes).toBe(r.streams[i].length);
    });
    expect(() => writeDnq({ quantizer: { method: 'x' }, tensors: [tensors[1], tensors[0]] })).toThrow(
      /tensor "k": its steps are coded against "q", which is not an ecsq tensor before it/,
    );
    const edited = editManifest(bytes, (m) => (m.tensors[1].stepsFrom = 'o'));
    expect(() => readDnq(edited, 'x.dnq')).toThrow(/x\.dnq.*tensors\.1\.stepsFrom.*"o" is not an ecsq tensor before this one/);
  });

  it('lives in the .dnq container: bit-exact round trip, accounted, corrupt streams named', () => {
    const m = ecsqQuantize(W, rows, cols, H, { stepScale: 0.1 });
    const bytes = writeDnq({
      quantizer: { method: 'gptq+ecsq' },
      tensors: [
        { kind: 'ecsq', name: 'w', matrix: m },
        { kind: 'raw', name: 'n', shape: [2], data: new Float32Array(2) },
      ],
    });
    const a = readDnq(bytes);
    const t = a.tensors[0];
    if (t.kind !== 'ecsq') throw new Error('kind');
    expect(Array.from(t.matrix.codes)).toEqual(Array.from(m.codes));
    expect(Array.from(dequantizeDnq(a).get('w')!.data)).toEqual(Array.from(dequantizeEcsq(m)));
    const acc = dnqAccounting(a);
    expect(acc.quantized.weights).toBe(rows * cols);
    expect(acc.quantized.codeBits).toBe(8 * t.streamBytes);
    expect(acc.fileBytes).toBe(bytes.length);
    // A stream that is valid for the hash but not for the shape: the manifest claims one more row.
    const edited = editManifest(bytes, (m) => (m.tensors[0].shape = [rows + 1, cols]));
    expect(() => readDnq(edited, 'x.dnq')).toThrow(DnqFormatError);
    expect(() => readDnq(edited, 'x.dnq')).toThrow(/x\.dnq.*tensors\.0\.stream/);
  });
});
