/**
 * Running the pool for the CLI: a payload to a FASTA file (or stdout) on all cores, and reads
 * back to the payload, with the one-paragraph summaries `encode`, `decode`, `archive` and
 * `restore` print. Shared so that every command that writes or reads a pool does it the same way.
 */
import { capacity } from '../src/loco/index.js';
import {
  AtomicWriter,
  FileSource,
  PoolWorkers,
  fileReads,
  fileRecords,
  mateName,
  pairedReads,
  type PairedStats,
  type DecodedPool,
  type DecodeOptions,
  type Manifest,
  type PayloadSource,
  type PoolOptions,
  type ReadSource,
} from '../src/pack/index.js';
import { OptionError } from '../src/validate.js';
import { InputError, readInput, spoolStdin, type CliIo } from './io.js';
import { createProgress } from './progress.js';

/**
 * Encodes `source` into a pool FASTA at `output` ('-' for stdout), written atomically: a failure
 * leaves no file. Returns the manifest and the number of strands written.
 */
export async function writePool(
  io: CliIo,
  source: PayloadSource,
  options: PoolOptions,
  output: string,
  force: boolean,
): Promise<{ manifest: Manifest; strands: number }> {
  const out = output === '-' ? undefined : new AtomicWriter(output, force);
  const workers = new PoolWorkers();
  let progress: ReturnType<typeof createProgress> | undefined;
  let strands = 0;
  try {
    const manifest = await workers.encode(
      source,
      options,
      (text) => {
        for (let i = text.indexOf('>'); i >= 0; i = text.indexOf('>', i + 1)) strands++;
        if (out) out.write(text);
        else io.stdout.write(text);
      },
      (done, total) => {
        progress ??= createProgress('encoding', total, { stream: io.stderr });
        progress.tick(done);
      },
    );
    out?.commit();
    return { manifest, strands };
  } catch (err) {
    out?.abort();
    throw err;
  } finally {
    progress?.done();
    await workers.close();
  }
}

/** Decodes reads (files, or '-' for stdin) on all cores; the payload is SHA-256-verified by the pool decoder. */
export async function decodeReads(io: CliIo, inputs: readonly string[], options: DecodeOptions = {}): Promise<DecodedPool> {
  const reads = await readSource(io, inputs);
  const workers = new PoolWorkers();
  let progress: ReturnType<typeof createProgress> | undefined;
  try {
    const decoded = await workers.decode(reads, reads.name, options, (done, total) => {
      progress ??= createProgress('decoding reads', total, { stream: io.stderr });
      progress.tick(done);
    });
    return { ...decoded, report: withPairs(decoded.report, reads) };
  } finally {
    progress?.done();
    await workers.close();
  }
}

/** The decode report, with the pairs merged when the reads were paired-end files. */
export function withPairs<R>(report: R, reads: ReadSource): R & { pairs?: PairedStats } {
  const stats = (reads as { stats?: PairedStats }).stats;
  return stats ? { ...report, pairs: { ...stats } } : (report as R & { pairs?: PairedStats });
}

/**
 * Reads as the decoder takes them, in passes: one file (plain or gzip); two files whose first
 * records are mates (R1 and R2 of a paired-end run), merged pair by pair; or several files read
 * one after another. Stdin ('-', alone) is read once into memory.
 */
export async function readSource(io: CliIo, inputs: string | readonly string[]): Promise<ReadSource> {
  const files = typeof inputs === 'string' ? [inputs] : inputs;
  if (files.includes('-')) {
    if (files.length > 1) throw new OptionError('arguments', '<reads>', "'-' (stdin) must be the only reads input");
    return fileReads(await spoolStdin(io), '<stdin>');
  }
  for (const f of files) await readInput(io, f, 1); // a clear error for a missing file, a directory, no permission
  if (files.length === 1) return fileReads(files[0]);
  if (files.length === 2 && areMates(files[0], files[1])) {
    return pairedReads((which) => fileRecords(files[which]), [files[0], files[1]]);
  }
  const sources = files.map((f) => fileReads(f));
  return {
    name: files.join(' + '),
    *pass() {
      for (const s of sources) yield* s.pass();
    },
  };
}

/** Whether two files start with mates (R1 and R2 of one pair), by their first records' names. */
function areMates(a: string, b: string): boolean {
  const first = (f: string) => fileRecords(f).next().value;
  const ra = first(a);
  const rb = first(b);
  return ra !== undefined && rb !== undefined && mateName(ra.name) === mateName(rb.name);
}

export function openFileSource(path: string): FileSource {
  try {
    return new FileSource(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new InputError(path, 'no such file');
    if (e.code === 'EISDIR') throw new InputError(path, 'is a directory, not a file');
    if (e.code === 'EACCES') throw new InputError(path, 'permission denied');
    throw err;
  }
}

export interface PoolSummary {
  poolId: string;
  bytes: number;
  strands: number;
  strandLength: number;
  nucleotides: number;
  bitsPerNt: number;
  capacity: number;
  rateVsCapacity: number;
  manifest: Manifest;
}

/** What encode reports without re-reading its output: counts from the manifest, nt as written. */
export function poolSummary(manifest: Manifest, strands: number): PoolSummary {
  const cap = capacity(manifest.ell);
  const L = manifest.K * (manifest.m + 2);
  const primerNt = (manifest.primers[0] ? manifest.primers[0].length + 1 : 0) + (manifest.primers[1] ? manifest.primers[1].length + 1 : 0);
  const payloadNt = strands * L;
  const nt = strands * (L + primerNt);
  return {
    poolId: manifest.poolId.toString(16).padStart(4, '0'),
    bytes: manifest.bytes,
    strands,
    strandLength: manifest.K * (manifest.m + 2),
    nucleotides: nt,
    bitsPerNt: payloadNt ? (8 * manifest.bytes) / payloadNt : 0,
    capacity: cap,
    rateVsCapacity: payloadNt ? (8 * manifest.bytes) / payloadNt / cap : 0,
    manifest,
  };
}

export function formatPoolSummary(r: PoolSummary): string {
  const m = r.manifest;
  return [
    `pool ${r.poolId}: ${r.bytes} bytes → ${r.strands} strands of ${r.strandLength} nt${m.primers[0] || m.primers[1] ? ' + primers' : ''} (${m.dataStrands} data, ${m.parity * m.blocks} parity in ${m.blocks} Reed–Solomon block(s), the rest header)`,
    `  code         ℓ=${m.ell}, ${m.K} codeword(s) of m=${m.m}, ecc ${m.ecc}, ${m.chunkBytes} payload bytes per strand`,
    `  net density  ${r.bitsPerNt.toFixed(3)} bits/nt without primers (${(100 * r.rateVsCapacity).toFixed(1)}% of the ℓ=${m.ell} capacity); \`dnarchive report\` for runs and GC`,
  ].join('\n');
}

/** The reads line of a decode summary. */
export function formatDecodeReport(report: DecodedPool['report'] & { pairs?: PairedStats }): string {
  const pairs = report.pairs ? `${report.pairs.pairs} read pairs (${report.pairs.merged} merged by their overlap) → ` : '';
  return (
    `${pairs}${report.reads} reads (${report.lengthMismatch} with indels, ${report.discarded} discarded), ${report.recovered} of ${report.strands} strands recovered` +
    ` (${report.byVoting} by per-codeword voting${report.byConsensus ? `, ${report.byConsensus} by consensus of read clusters` : ''}), ${report.erasures} rebuilt by the outer code`
  );
}
