/** Streaming FASTA/FASTQ: the same records and the same errors as parseReads, whatever the chunking. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fileReads, parseReads, ReadsFormatError, ReadsInputError, readRecords, textReads, type ReadRecord } from '../../src/pack/index.js';
import { formatWord } from '../../src/loco/alphabet.js';

const dir = mkdtempSync(join(tmpdir(), 'dnarchive-read-stream-'));
let fileNo = 0;

function file(text: string | Buffer): string {
  const p = join(dir, `in${fileNo++}.txt`);
  writeFileSync(p, text);
  return p;
}

async function collect(path: string, options: Parameters<typeof readRecords>[1] = {}): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  for await (const r of readRecords(path, options)) out.push(r);
  return out;
}

/** parseReads' view of a text, in readRecords' shape. */
/** Records as parseReads sees them (it keeps no qualities). */
const noQual = (records: ReadRecord[]): ReadRecord[] => records.map(({ qual: _q, ...r }) => r);

function reference(text: string, name: string): ReadRecord[] {
  return parseReads(text, name).map((r) => ({ name: r.header, seq: formatWord(r.symbols), line: r.line }));
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

/** readRecords over `text` in chunks of `chunk` bytes (from stdin), the name fixed for messages. */
function viaStdin(text: string, chunk: number): Promise<ReadRecord[]> {
  const bytes = Buffer.from(text, 'utf8');
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) pieces.push(bytes.subarray(i, i + chunk));
  return collect('-', { stdin: Readable.from(pieces), name: 'x.fq' });
}

describe('readRecords', () => {
  it('FASTA: multi-line records, blank lines, lower case, CRLF, names and header lines', async () => {
    const text = '\n>first strand\r\nACGT\r\nacgt\r\n\r\n>second\r\nTTTT\r\n';
    const got = await collect(file(text));
    expect(got).toEqual([
      { name: 'first strand', seq: 'ACGTACGT', line: 2 },
      { name: 'second', seq: 'TTTT', line: 6 },
    ]);
    expect(got).toEqual(reference(text, 'x'));
  });

  it('FASTQ: four-line records with and without a final newline', async () => {
    const text = '@r1 extra\nACGT\n+\nIIII\n\n@r2\nggcc\n+r2\n####';
    const got = await collect(file(text));
    expect(got).toEqual([
      { name: 'r1 extra', seq: 'ACGT', line: 1, qual: 'IIII' },
      { name: 'r2', seq: 'GGCC', line: 6, qual: '####' },
    ]);
    expect(noQual(got)).toEqual(reference(text, 'x'));
  });

  it('stdin, and a name for messages', async () => {
    expect(await collect('-', { stdin: Readable.from([Buffer.from('>a\nAC'), Buffer.from('GT\n')]) })).toEqual([{ name: 'a', seq: 'ACGT', line: 1 }]);
    const e = await errorOf(collect('-', { stdin: Readable.from([Buffer.from('')]) }));
    expect(e.message).toBe('<stdin>: the file is empty: no FASTA or FASTQ records');
  });

  const bad: [string, RegExp][] = [
    ['', /the file is empty/],
    ['\n  \n\n', /the file is empty/],
    ['hello\n', /:1: not FASTA or FASTQ/],
    ['\n\nACGT\n', /:3: not FASTA or FASTQ/],
    ['>a\nACGN\n', /:2: invalid nucleotide "N" at column 4/],
    ['>a\n  ACXT\n', /:2: invalid nucleotide "X" at column 5/],
    ['>a\nACGT\n>b\n>c\nAC\n', /:3: record "b" has no sequence/],
    ['>a\nACGT\n>b\n', /:3: record "b" has no sequence/],
    ['@r\nACGT\n+\n', /:4: quality length 0 differs from sequence length 4/],
    ['@r\nACGT\n+', /:1: truncated FASTQ record/],
    ['@r\nACGT\n+\nIIII\n@s\nAC\n', /:5: truncated FASTQ record/],
    ['@r\nACGT\nIIII\n+\n', /:3: FASTQ separator line must start with '\+'/],
    ['@r\nACGT\n+\nIII\n', /:4: quality length 3 differs from sequence length 4/],
    ['@r\n\n+\n\n', /:2: empty sequence/],
    ['@r\nACNT\n+\nIIII\n', /:2: invalid nucleotide "N" at column 3/],
    ['@r\nACGT\n+\nIIII\nACGT\n', /:5: FASTQ record must start with '@'/],
    ['>a\r\nAC\u00e9T\r\n', /:2: invalid nucleotide "é" at column 3/],
  ];
  for (const [text, re] of bad) {
    it(`rejects ${JSON.stringify(text)} exactly as parseReads does`, async () => {
      const p = file(text);
      const e = await errorOf(collect(p));
      expect(e).toBeInstanceOf(ReadsFormatError);
      expect(e.message).toMatch(re);
      expect(e.message.startsWith(p)).toBe(true);
      expect(() => parseReads(text, p)).toThrow(e.message);
      expect(() => [...fileReads(p).pass()]).toThrow(e.message);
      expect(() => [...textReads(text, p).pass()]).toThrow(e.message);
    });
  }

  it('a missing file, a directory: ReadsInputError naming the path', async () => {
    const missing = join(dir, 'nope.fa');
    const e = await errorOf(collect(missing));
    expect(e).toBeInstanceOf(ReadsInputError);
    expect(e.message).toBe(`${missing}: no such file`);
    expect((await errorOf(collect(dir))).message).toBe(`${dir}: is a directory, not a file`);
    expect(() => [...fileReads(missing).pass()]).toThrow(`${missing}: no such file`);
  });

  it('records and errors do not depend on where the chunks split (property)', async () => {
    const nt = fc.string({ unit: fc.constantFrom('A', 'C', 'G', 'T', 'a', 't'), minLength: 1, maxLength: 30 });
    const name = fc.string({ unit: fc.constantFrom('x', 'y', ' ', '1', 'é'), maxLength: 8 });
    const eol = fc.constantFrom('\n', '\r\n');
    const fasta = fc
      .array(fc.tuple(name, fc.array(nt, { minLength: 1, maxLength: 3 }), eol), { minLength: 1, maxLength: 6 })
      .map((rs) => rs.map(([n, lines, e]) => `>${n}${e}${lines.join(e)}${e}`).join(''));
    const fastq = fc
      .array(fc.tuple(name, nt, eol), { minLength: 1, maxLength: 6 })
      .map((rs) => rs.map(([n, s, e]) => `@${n}${e}${s}${e}+${e}${'I'.repeat(s.length)}${e}`).join(''));
    // Damage: cut the text short, or drop a character anywhere.
    const text = fc.tuple(fc.oneof(fasta, fastq), fc.nat(), fc.constantFrom('none', 'cut', 'drop')).map(([t, at, how]) => {
      const i = at % t.length;
      return how === 'cut' ? t.slice(0, i) : how === 'drop' ? t.slice(0, i) + t.slice(i + 1) : t;
    });
    await fc.assert(
      fc.asyncProperty(text, fc.integer({ min: 1, max: 17 }), async (t, chunk) => {
        let expected: ReadRecord[] | string;
        try {
          expected = reference(t, 'x.fq');
        } catch (e) {
          expected = (e as Error).message;
        }
        let got: ReadRecord[] | string;
        try {
          got = noQual(await viaStdin(t, chunk));
        } catch (e) {
          expect(e).toBeInstanceOf(ReadsFormatError);
          got = (e as Error).message;
        }
        expect(got).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('streams a large file in bounded pieces and can stop early', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 20_000; i++) lines.push(`@read${i}`, 'ACGTACGTAC'.repeat(15), '+', 'I'.repeat(150));
    const p = file(lines.join('\n') + '\n');
    let n = 0;
    for await (const r of readRecords(p, { chunkBytes: 4096 })) {
      expect(r.seq.length).toBe(150);
      n++;
    }
    expect(n).toBe(20_000);
    for await (const r of readRecords(p)) {
      expect(r.name).toBe('read0');
      break;
    }
    expect([...fileReads(p).pass()].length).toBe(20_000);
  });
});

describe('a line with no end', () => {
  it('is refused once it passes MAX_LINE, after one pass over the input (the same 1 MiB piece, 65 times)', async () => {
    const piece = '>'.padEnd(1 << 20, 'A');
    let served = 0;
    const stdin = Readable.from(
      (function* () {
        for (; served < 200; served++) yield piece;
      })(),
    );
    const all = async () => {
      for await (const _r of readRecords('-', { stdin })) void _r;
    };
    await expect(all()).rejects.toThrow(/<stdin>.*a line longer than 67108864 characters: not a FASTA or FASTQ file/);
    expect(served).toBeLessThanOrEqual(66);
  });
});
