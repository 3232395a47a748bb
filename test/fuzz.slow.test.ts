/**
 * The fuzz tier: every parser of a file the user hands over, fed mutated copies of valid files and
 * random bytes. Each either reads the input or refuses it with a DnarchiveError whose message is
 * one line — never a TypeError, a RangeError or a stack trace — and a pool decode never returns
 * bytes that differ from the original. Time is bounded by the test timeout (no timing asserts).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DnarchiveError } from '../src/errors.js';
import { decodePool, encodePool, parseReads } from '../src/pack/index.js';
import { parseModel, parseTokenizer, readDnq, writeDnq, parseLlama2c } from '../src/quant/index.js';
import { parseClusters } from '../src/reads/index.js';
import { MODEL, TOKENIZER } from './_fixtures.js';

/** Runs `f`; anything thrown must be a DnarchiveError with a one-line message. */
function refusesCleanly(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    expect(err, String((err as Error)?.stack)).toBeInstanceOf(DnarchiveError);
    expect((err as Error).message).not.toMatch(/\n/);
  }
}

/** A copy of `bytes` with a few bytes overwritten, a span deleted or the tail cut. */
const mutation = (size: number) =>
  fc.oneof(
    fc.array(fc.tuple(fc.nat(size - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }).map((edits) => ({ kind: 'set' as const, edits })),
    fc.tuple(fc.nat(size - 1), fc.integer({ min: 1, max: 64 })).map(([at, n]) => ({ kind: 'cut' as const, at, n })),
    fc.nat(size).map((at) => ({ kind: 'truncate' as const, at })),
  );

function mutate(
  bytes: Uint8Array,
  m: { kind: 'set'; edits: [number, number][] } | { kind: 'cut'; at: number; n: number } | { kind: 'truncate'; at: number },
): Uint8Array {
  if (m.kind === 'truncate') return bytes.slice(0, m.at);
  if (m.kind === 'cut') return Uint8Array.from([...bytes.subarray(0, m.at), ...bytes.subarray(m.at + m.n)]);
  const out = bytes.slice();
  for (const [at, v] of m.edits) out[at] = v;
  return out;
}

const model = new Uint8Array(readFileSync(MODEL));
const tokenizer = new Uint8Array(readFileSync(TOKENIZER));

describe('fuzz: file parsers refuse bad input cleanly', () => {
  it('llama2.c checkpoints (header and truncation)', () => {
    fc.assert(
      fc.property(mutation(64), fc.boolean(), (m, whole) => {
        const head = mutate(model.subarray(0, 64), m);
        refusesCleanly(() => parseLlama2c(whole ? Uint8Array.from([...head, ...model.subarray(64)]) : head, 'm.bin'));
      }),
      { numRuns: 200 },
    );
  });

  it('safetensors and the format sniffing of parseModel', () => {
    const header = new TextEncoder().encode('{"__metadata__":{"n_heads":"8"},"tok_embeddings.weight":{"dtype":"F32","shape":[4,2],"data_offsets":[0,32]}}');
    const file = new Uint8Array(8 + header.length + 32);
    new DataView(file.buffer).setBigUint64(0, BigInt(header.length), true);
    file.set(header, 8);
    fc.assert(
      fc.property(mutation(file.length), (m) => refusesCleanly(() => parseModel(mutate(file, m), 'm.safetensors'))),
      { numRuns: 300 },
    );
  });

  it('tokenizers', () => {
    fc.assert(
      fc.property(mutation(256), (m) => refusesCleanly(() => parseTokenizer(mutate(tokenizer.subarray(0, 256), m), 512, 't.bin'))),
      { numRuns: 200 },
    );
  });

  it('.dnq containers', () => {
    const dnq = writeDnq({
      model: { architecture: 'llama2c', dim: 4 },
      quantizer: { method: 'rtn' },
      tensors: [{ kind: 'raw', name: 'w', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
    });
    fc.assert(
      fc.property(mutation(dnq.length), (m) => refusesCleanly(() => readDnq(mutate(dnq, m), 'x.dnq'))),
      { numRuns: 300 },
    );
  });

  it('FASTA / FASTQ text, and random bytes', () => {
    const fastq = new TextEncoder().encode('@r1\nACGT\n+\nIIII\n@r2\nGGCC\n+\n####\n>x\nAC\n');
    fc.assert(
      fc.property(mutation(fastq.length), (m) => refusesCleanly(() => parseReads(new TextDecoder().decode(mutate(fastq, m)), 'r.fq'))),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => refusesCleanly(() => parseReads(new TextDecoder().decode(b), 'b.bin'))),
      { numRuns: 300 },
    );
  });

  it('cluster files', () => {
    const text = new TextEncoder().encode(`ACGTACGT\n${'*'.repeat(20)}\nACGTACG\nACGTTACGT\n\n\nCCGG\nCCGA\n`);
    fc.assert(
      fc.property(mutation(text.length), (m) => refusesCleanly(() => parseClusters(new TextDecoder().decode(mutate(text, m)), { source: 'c.txt' }))),
      { numRuns: 300 },
    );
  });

  it('pools: a decode of damaged strands returns the original bytes or refuses, never other bytes', () => {
    const data = Uint8Array.from({ length: 600 }, (_, i) => (i * 37 + 11) & 255);
    const pool = encodePool(data);
    const text = pool.strands.join('\n');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(text.length - 1), fc.constantFrom('A', 'C', 'G', 'T', '')), { minLength: 1, maxLength: 40 }), (edits) => {
        const chars = text.split('');
        for (const [at, c] of edits) if (chars[at] !== '\n') chars[at] = c;
        const strands = chars
          .join('')
          .split('\n')
          .filter((s) => s.length > 0);
        try {
          const out = decodePool(strands, 'fuzz');
          expect(Buffer.from(out.data).equals(Buffer.from(data))).toBe(true);
        } catch (err) {
          expect(err, String((err as Error)?.stack)).toBeInstanceOf(DnarchiveError);
        }
      }),
      { numRuns: 60 },
    );
  });
});
