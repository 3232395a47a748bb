/** Cluster files: both formats, CRLF, case, streaming in arbitrary chunks, and every refusal naming its cluster and line. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterFormatError, ClusterParser, decodeStrand, parseClusters, readClusters, type Cluster } from '../../src/reads/index.js';

const text = (c: Cluster) => ({ reference: c.reference ? decodeStrand(c.reference) : undefined, traces: c.traces.map(decodeStrand), line: c.line });

const PLAIN = 'ACGT\nACGA\nACG\n\nTTTT\nTTAT\n\n\n\nGGCC\n';
const REFERENCE = 'ACGTACGT\n*****************************\nACGTACGT\nACGACGT\n\n\nTTTTGGGG\n****\nTTTTGGG\n';

describe('parseClusters', () => {
  it('plain format: one trace per line, clusters split by blank lines (any number)', () => {
    const f = parseClusters(PLAIN);
    expect(f.format).toBe('plain');
    expect(f.clusters.map(text)).toEqual([
      { reference: undefined, traces: ['ACGT', 'ACGA', 'ACG'], line: 1 },
      { reference: undefined, traces: ['TTTT', 'TTAT'], line: 5 },
      { reference: undefined, traces: ['GGCC'], line: 10 },
    ]);
  });

  it('reference format: reference, a line of asterisks, traces', () => {
    const f = parseClusters(REFERENCE);
    expect(f.format).toBe('reference');
    expect(f.clusters.map(text)).toEqual([
      { reference: 'ACGTACGT', traces: ['ACGTACGT', 'ACGACGT'], line: 1 },
      { reference: 'TTTTGGGG', traces: ['TTTTGGG'], line: 7 },
    ]);
  });

  it('CRLF endings, lower case, surrounding blanks, no final newline, leading blank lines', () => {
    const crlf = '\r\n\r\n  acgt \r\nACgA\r\n \t \r\ntttt\r\nTTAT';
    expect(parseClusters(crlf).clusters.map(text)).toEqual([
      { reference: undefined, traces: ['ACGT', 'ACGA'], line: 3 },
      { reference: undefined, traces: ['TTTT', 'TTAT'], line: 6 },
    ]);
    expect(parseClusters(REFERENCE.replace(/\n/g, '\r\n')).clusters.map(text)).toEqual(parseClusters(REFERENCE).clusters.map(text));
  });

  it('an empty file has no clusters', () => {
    expect(parseClusters('')).toEqual({ format: 'plain', clusters: [] });
    expect(parseClusters('\n\r\n  \n').clusters).toEqual([]);
  });

  it('the same clusters whatever the chunking, strings or bytes', () => {
    const input = REFERENCE + '\n' + 'CCCCAAAA\n**\nCCCAAAA\nCCCCAAAT\n';
    const whole = parseClusters(input).clusters.map(text);
    fc.assert(
      fc.property(fc.array(fc.nat(input.length), { maxLength: 12 }), fc.boolean(), (cuts, bytes) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const parser = new ClusterParser();
        const got: Cluster[] = [];
        let at = 0;
        for (const p of [...points, input.length]) {
          const piece = input.slice(at, p);
          got.push(...parser.push(bytes ? new TextEncoder().encode(piece) : piece));
          at = p;
        }
        got.push(...parser.finish());
        expect(got.map(text)).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('readClusters streams from an async iterable of chunks', async () => {
    async function* chunks() {
      yield 'ACGT\nAC';
      yield new TextEncoder().encode('GA\n\nTT');
      yield 'TT\n';
    }
    const got: Cluster[] = [];
    for await (const c of readClusters(chunks())) got.push(c);
    expect(got.map(text)).toEqual([
      { reference: undefined, traces: ['ACGT', 'ACGA'], line: 1 },
      { reference: undefined, traces: ['TTTT'], line: 4 },
    ]);
  });
});

describe('refusals name the cluster, the line and the cause', () => {
  const cases: [string, string, RegExp][] = [
    ['a bad letter in a plain trace', 'ACGT\nACGT\n\nACGT\nACNT\n', /^clusters:5: cluster 2: invalid character "N" at column 3/],
    ['a bad letter in a reference', 'ACGT\n***\nACGT\n\nAXGT\n***\nACGT\n', /^clusters:5: cluster 2: invalid character "X" at column 2/],
    ['a bad letter after CRLF lines', 'ACGT\r\nACGT\r\nAC-T\r\n', /^clusters:3: cluster 1: invalid character "-" at column 3/],
    ['a non-ASCII letter', 'ACGT\nACGÄ\n', /^clusters:2: cluster 1: invalid character "Ä" at column 4/],
    [
      'an empty cluster (reference, asterisks, no traces)',
      'ACGT\n***\nACGT\n\nGGGG\n****\n\nTTTT\n***\nTTTT\n',
      /^clusters:5: cluster 2: the reference has no traces/,
    ],
    ['an empty cluster at the end of the file', 'ACGT\n***\nACGT\n\nGGGG\n****', /^clusters:5: cluster 2: the reference has no traces/],
    ['a reference without asterisks', 'ACGT\n***\nACGT\n\nGGGG\nGGGG\n', /^clusters:6: cluster 2: expected a line of asterisks after the reference on line 5/],
    ['a lone reference line', 'ACGT\n***\nACGT\n\nGGGG\n', /^clusters:5: cluster 2: expected a line of asterisks and traces/],
    ['asterisks in a plain file', 'ACGT\nACGT\n\nACGT\n***\nACGT\n', /^clusters:5: cluster 2: a line of asterisks in a plain cluster file/],
    ['asterisks opening a cluster', '***\nACGT\n', /^clusters:1: cluster 1: a line of asterisks must come right after the reference/],
    ['asterisks twice', 'ACGT\n***\n***\nACGT\n', /^clusters:3: cluster 1: a line of asterisks must come right after the reference/],
  ];
  for (const [what, input, message] of cases) {
    it(what, () => {
      let error: unknown;
      try {
        parseClusters(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ClusterFormatError);
      expect((error as ClusterFormatError).code).toBe('CLUSTER_FORMAT');
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    });
  }

  it('the source name is used when given', () => {
    expect(() => parseClusters('ACGT\nAC!T\n', { source: 'run7.txt' })).toThrow(/^run7\.txt:2: cluster 1: invalid character "!"/);
  });

  it('a line over the limit is refused, whole or while it is still arriving in chunks', () => {
    const long = 'A'.repeat(101);
    expect(() => parseClusters(`ACGT\n${long}\n`, { maxLineLength: 100 })).toThrow(/^clusters:2: cluster 1: line is longer than 100 characters/);
    const parser = new ClusterParser({ maxLineLength: 100 });
    parser.push('ACGT\n\n');
    // Never a newline: refused once the unfinished line passes the bound, before the input ends.
    expect(() => {
      for (let i = 0; i < 10; i++) parser.push('A'.repeat(30));
    }).toThrow(/^clusters:3: cluster 2: line is longer than 100 characters/);
    expect(parseClusters('A'.repeat(100_000) + '\n').clusters[0].traces[0]).toHaveLength(100_000);
    expect(() => parseClusters('A'.repeat(100_001))).toThrow(/line is longer than 100000/);
  });
});
