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
  gunzipWhole,
  textReads,
  type DecodedPool,
  type DecodeOptions,
  type Manifest,
  type PayloadSource,
  type PoolOptions,
  type ReadSource,
} from '../src/pack/index.js';
import { InputError, readInput, type CliIo } from './io.js';
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

/** Decodes reads (a file, or '-' for stdin) on all cores; the payload is SHA-256-verified by the pool decoder. */
export async function decodeReads(io: CliIo, input: string, options: DecodeOptions = {}): Promise<DecodedPool> {
  const reads = await readSource(io, input);
  const workers = new PoolWorkers();
  let progress: ReturnType<typeof createProgress> | undefined;
  try {
    return await workers.decode(reads, reads.name, options, (done, total) => {
      progress ??= createProgress('decoding reads', total, { stream: io.stderr });
      progress.tick(done);
    });
  } finally {
    progress?.done();
    await workers.close();
  }
}

/** Reads from a file stream in passes; stdin is read once into memory. */
export async function readSource(io: CliIo, input: string): Promise<ReadSource> {
  if (input === '-') return textReads(Buffer.from(gunzipWhole(await readInput(io, '-'), '<stdin>')).toString('latin1'), '<stdin>');
  await readInput(io, input, 1); // a clear error for a missing file, a directory, no permission
  return fileReads(input);
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
export function formatDecodeReport(report: DecodedPool['report']): string {
  return (
    `${report.reads} reads (${report.lengthMismatch} with indels, ${report.discarded} discarded), ${report.recovered} of ${report.strands} strands recovered` +
    ` (${report.byVoting} by per-codeword voting), ${report.erasures} rebuilt by the outer code`
  );
}
