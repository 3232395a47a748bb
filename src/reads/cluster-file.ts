/**
 * Cluster files, the two formats trace-reconstruction researchers exchange, detected per file from
 * its first cluster:
 *   plain      one trace per line; clusters separated by one or more blank lines;
 *   reference  the literature's format (Sabary et al.'s datasets): the reference strand on a line,
 *              a line of asterisks, then the traces one per line; blank lines between clusters.
 * CRLF or LF endings; letters in either case; surrounding spaces and tabs ignored.
 *
 * One core, two faces: ClusterParser takes chunks (strings or bytes, split anywhere) and returns
 * the clusters each chunk completes; parseClusters and readClusters are thin loops over it. The
 * parser is linear: a chunk is scanned once with indexOf, and a line split over chunks is kept as
 * pieces and joined once. Lines are bounded (maxLineLength) so a file without line breaks fails
 * fast instead of filling memory. Every error names the cluster and the line.
 */
import { TextDecoder } from 'node:util';
import { SYMBOL_OF } from './alphabet.js';
import { ClusterFormatError } from './errors.js';

export interface Cluster {
  /** The reference strand (symbols 0..3), in the reference format. */
  reference?: Uint8Array;
  /** The traces, symbols 0..3, in file order. */
  traces: Uint8Array[];
  /** 1-based line of the cluster's first line (0: not from a file). */
  line: number;
}

export type ClusterFileFormat = 'plain' | 'reference';

export interface ClusterParserOptions {
  /** Name used in error messages (default 'clusters'). */
  source?: string;
  /** Longest line accepted, in characters (default MAX_CLUSTER_LINE). */
  maxLineLength?: number;
}

/** Default bound on a line: far beyond any synthesised strand, far below what would strain memory. */
export const MAX_CLUSTER_LINE = 100_000;

const STAR = 42;

export class ClusterParser {
  /** Detected from the first cluster (undefined until then). */
  format: ClusterFileFormat | undefined;
  private readonly source: string;
  private readonly maxLine: number;
  private lineNo = 0;
  private clusterNo = 0;
  private pieces: string[] = [];
  private pieceChars = 0;
  private decoder: TextDecoder | undefined;
  private lines: Uint8Array[] = [];
  private firstLine = 0;
  private stars = false;
  private finished = false;

  constructor(options: ClusterParserOptions = {}) {
    this.source = options.source ?? 'clusters';
    this.maxLine = options.maxLineLength ?? MAX_CLUSTER_LINE;
  }

  /** Feeds the next chunk; returns the clusters it completes. */
  push(chunk: string | Uint8Array): Cluster[] {
    if (this.finished) throw new Error('ClusterParser: push after finish');
    const text = typeof chunk === 'string' ? chunk : (this.decoder ??= new TextDecoder('utf-8')).decode(chunk, { stream: true });
    const done: Cluster[] = [];
    let at = 0;
    for (;;) {
      const nl = text.indexOf('\n', at);
      if (nl < 0) break;
      let line: string;
      if (this.pieces.length > 0) {
        this.pieces.push(text.slice(at, nl));
        line = this.pieces.join('');
        this.pieces = [];
        this.pieceChars = 0;
      } else line = text.slice(at, nl);
      this.line(line, done);
      at = nl + 1;
    }
    if (at < text.length) {
      this.pieceChars += text.length - at;
      if (this.pieceChars > this.maxLine + 1) this.tooLong(this.lineNo + 1);
      this.pieces.push(text.slice(at));
    }
    return done;
  }

  /** Ends the input; returns the last cluster, if any. */
  finish(): Cluster[] {
    const done: Cluster[] = [];
    if (this.finished) return done;
    if (this.decoder) {
      const rest = this.decoder.decode();
      if (rest) this.pieces.push(rest);
    }
    this.finished = true;
    if (this.pieces.length > 0) {
      const line = this.pieces.join('');
      this.pieces = [];
      this.line(line, done);
    }
    this.endCluster(done);
    return done;
  }

  private tooLong(lineNo: number): never {
    throw new ClusterFormatError(
      this.source,
      Math.max(1, this.clusterNo + (this.lines.length === 0 ? 1 : 0)),
      lineNo,
      `line is longer than ${this.maxLine} characters`,
    );
  }

  private line(raw: string, done: Cluster[]): void {
    const lineNo = ++this.lineNo;
    let a = 0;
    let b = raw.length;
    while (b > a && isSpace(raw.charCodeAt(b - 1))) b--;
    while (a < b && isSpace(raw.charCodeAt(a))) a++;
    if (a === b) {
      this.endCluster(done);
      return;
    }
    if (this.lines.length === 0) {
      this.clusterNo++;
      this.firstLine = lineNo;
      this.stars = false;
    }
    if (b - a > this.maxLine) this.tooLong(lineNo);
    if (raw.charCodeAt(a) === STAR && allStars(raw, a, b)) {
      if (this.lines.length === 1 && !this.stars && this.format !== 'plain') {
        this.format = 'reference';
        this.stars = true;
        return;
      }
      const why =
        this.format === 'plain'
          ? 'a line of asterisks in a plain cluster file (its first cluster has no reference line)'
          : 'a line of asterisks must come right after the reference, the first line of a cluster';
      throw new ClusterFormatError(this.source, this.clusterNo, lineNo, why);
    }
    if (this.lines.length === 1 && !this.stars) {
      if (this.format === undefined) this.format = 'plain';
      else if (this.format === 'reference') {
        throw new ClusterFormatError(this.source, this.clusterNo, lineNo, `expected a line of asterisks after the reference on line ${this.firstLine}`);
      }
    }
    const seq = new Uint8Array(b - a);
    for (let i = a; i < b; i++) {
      const c = raw.charCodeAt(i);
      const s = c < 256 ? SYMBOL_OF[c] : 255;
      if (s === 255) {
        throw new ClusterFormatError(
          this.source,
          this.clusterNo,
          lineNo,
          `invalid character ${JSON.stringify(String.fromCodePoint(raw.codePointAt(i) ?? c))} at column ${i + 1}; only A, C, G, T are allowed`,
        );
      }
      seq[i - a] = s;
    }
    this.lines.push(seq);
  }

  private endCluster(done: Cluster[]): void {
    const lines = this.lines;
    if (lines.length === 0) return;
    this.lines = [];
    if (this.format === undefined) this.format = 'plain';
    if (this.format === 'plain') {
      done.push({ traces: lines, line: this.firstLine });
      return;
    }
    if (lines.length === 1) {
      const detail = this.stars ? 'the reference has no traces (empty cluster)' : 'expected a line of asterisks and traces after the reference';
      throw new ClusterFormatError(this.source, this.clusterNo, this.firstLine, detail);
    }
    done.push({ reference: lines[0], traces: lines.slice(1), line: this.firstLine });
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 11 || c === 12;
}

function allStars(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (s.charCodeAt(i) !== STAR) return false;
  return true;
}

export interface ClusterFile {
  format: ClusterFileFormat;
  clusters: Cluster[];
}

/** Parses a whole cluster file held in memory. */
export function parseClusters(text: string, options?: ClusterParserOptions): ClusterFile {
  const parser = new ClusterParser(options);
  const clusters = parser.push(text);
  for (const c of parser.finish()) clusters.push(c);
  return { format: parser.format ?? 'plain', clusters };
}

/** Clusters from a stream of chunks (e.g. fs.createReadStream), one at a time. */
export async function* readClusters(
  chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>,
  options?: ClusterParserOptions,
): AsyncGenerator<Cluster> {
  const parser = new ClusterParser(options);
  for await (const chunk of chunks) yield* parser.push(chunk);
  yield* parser.finish();
}
