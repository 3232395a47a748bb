/**
 * Reads → file bytes (format.ts). Needs nothing but the reads: any order, duplicates, either
 * orientation, primers (found from the reads, then named exactly by the manifest), substitutions
 * (corrected per codeword), and insertions/deletions: a read up to MAX_SHIFT nt too long or short
 * is aligned from both ends and its undamaged codewords vote (collect.ts); longer misfits are
 * discarded and counted. A strand is accepted only under its CRC-32; strands no read recovers are
 * erasures for the Reed–Solomon blocks. The output is accepted only when its SHA-256 matches the
 * manifest; otherwise the error says which blocks lack how many strands, and nothing is written.
 *
 * Memory: recovered strands live in a fixed-stride slot store indexed by address (chunk-store.ts;
 * in a temporary file beyond `chunkMemory`), votes only for strands without a clean copy
 * (vote-arena.ts), and the payload is rebuilt and written one Reed–Solomon block at a time
 * (rebuild.ts) — so decodePoolTo runs in bounded memory; decodePool returns the payload whole.
 */
import { parseWord } from '../../loco/alphabet.js';
import { parseWith } from '../../validate.js';
import { IncompleteDecodeError, PoolFormatError } from '../errors.js';
import { ChunkList } from './chunk-list.js';
import { openChunkStore, type ChunkStore, type ChunkStoreOptions, type StrandStore } from './chunk-store.js';
import { MAX_SHIFT, StrandCollector } from './collect.js';
import { chunkCapacity, headerLayout, KIND_DATA, KIND_HEADER } from './frame.js';
import {
  blockSizes,
  blockStarts,
  checkBits,
  dataLayout,
  SHORT_CHECK_BITS,
  HEADER_CHUNK_MASK,
  HEADER_COPIES,
  headerGeometry,
  manifestSchema,
  type Manifest,
} from './format.js';
import { blockAddressList, rebuildPayload, type PayloadWrite } from './rebuild.js';
import { dataCodec, headerCodec } from './encode.js';
import { detectPrimers, givenPrimers, mismatchCount, PRIMER_SAMPLE, trimByPrimers, trimRead, type Primers } from './read-frame.js';
import { reverseComplementText } from '../dna-text.js';
import { arrayReads, type ReadSource } from '../read-stream.js';
import { clusterConsensus, consensusPass, MAX_CONSENSUS_READS, type ConsensusOutcome } from './consensus-pass.js';
import { DenseSupport } from './strand-support.js';
import { partitionCount } from './read-partitions.js';
import { parseManifestRecord } from './manifest-body.js';

export { MAX_SHIFT };

export interface PoolDecodeReport {
  reads: number;
  /** Reads that contributed a codeword or confirmed a strand already recovered. */
  readsUsed: number;
  reverseComplement: number;
  /** Reads whose length differed from the strand length (indels); those off by more than MAX_SHIFT are discarded. */
  lengthMismatch: number;
  discarded: number;
  strands: number;
  recovered: number;
  /** Strands assembled by per-codeword voting over damaged copies rather than taken from one clean copy. */
  byVoting: number;
  /** Strands taken from the consensus of a cluster of reads (consensus-pass.ts), when the passes before left blocks short. */
  byConsensus?: number;
  /** The consensus pass, when it ran: reads clustered, clusters reconstructed, candidate reads left out beyond its limit. */
  consensus?: { reads: number; clusters: number; skipped: number; withQualities?: number; explained?: number; repairTries?: number; repaired?: number };
  erasures: number;
  /** Format 3: strands left out because more reads disputed than backed them. */
  distrusted?: number;
  /** Format 3: strands set aside so that a block agreed with its parity (a damaged strand had passed its 20-bit check). */
  setAside?: number;
  blocks: number;
  primers: [string, string];
  /** The reads with indels were not needed: every block was complete from reads of the right length. */
  skippedShifted?: boolean;
  /** Where recovered strands were kept: in memory, or in a temporary file (payloads beyond chunkMemory). */
  strandStore?: 'memory' | 'file';
}

export interface DecodedPool {
  data: Uint8Array;
  manifest: Manifest;
  report: PoolDecodeReport;
}

export interface DecodeOptions extends ChunkStoreOptions {
  cacheDir?: string | false;
  /** List-decode data codewords that residue decoding cannot fix (slower; copies usually suffice). Default true. */
  listDecoding?: boolean;
  /**
   * Rebuild the payload once to check its SHA-256 before the first byte reaches `write`, then
   * again to write it: for outputs that cannot be taken back (stdout). Costs a second pass of the
   * outer code, not of the reads. Default false (write while hashing; the caller commits or aborts).
   */
  verifyBeforeWrite?: boolean;
  /**
   * The primers the pool was made with (left, right; '' for none), when the user knows them:
   * reads are then trimmed by them instead of primers found from the reads. The manifest still
   * names the primers exactly once a header strand decodes.
   */
  primers?: readonly [string, string];
  /** Cluster the reads of strands still missing and decode their consensus (consensus-pass.ts). Default true. */
  consensus?: boolean;
  /**
   * Partitions the consensus pass spreads the reads over (read-partitions.ts); default: as many as
   * keep each near PARTITION_READS reads, 1 for up to that many.
   */
  consensusPartitions?: number;
}

/** Decodes into memory: the payload is returned whole (tests, small pools; see decodePoolTo). */
export function decodePool(reads: readonly string[] | ReadSource, source = 'reads', options: DecodeOptions = {}): DecodedPool {
  let data = new Uint8Array(0);
  let at = 0;
  const write = (bytes: Uint8Array): void => {
    data.set(bytes, at);
    at += bytes.length;
  };
  const { manifest, report } = decodePoolTo(reads, write, source, options, (bytes) => (data = new Uint8Array(bytes)));
  return { data, manifest, report };
}

/**
 * Decodes on the calling thread and hands the payload to `write` block by block; throws (after
 * writing) when its SHA-256 differs from the manifest's, so the caller commits its output only
 * when this returns. `onManifest` learns the payload size before the first write.
 */
export function decodePoolTo(
  reads: readonly string[] | ReadSource,
  write: PayloadWrite,
  source = 'reads',
  options: DecodeOptions = {},
  onManifest?: (bytes: number) => void,
): Omit<DecodedPool, 'data'> {
  const src = Array.isArray(reads) ? arrayReads(reads as readonly string[], source) : (reads as ReadSource);
  const ctx = prepareDecode(src, options);
  onManifest?.(ctx.manifest.bytes);
  const store = openChunkStore(ctx.manifest, options);
  try {
    const collector = dataCollector(ctx.manifest, ctx.L, store, options);
    collectReads(collector, trimmedPass(ctx, true), ctx.L, ctx.report);
    // Reads with indels cost two alignments each; they are needed only for blocks the outer code
    // cannot yet rebuild.
    collector.finish();
    const open = markCompleteBlocks(ctx.manifest, collector);
    if (open > 0) collectReads(collector, trimmedPass(ctx, false), ctx.L, ctx.report);
    else ctx.report.skippedShifted = true;
    runConsensusPass(ctx, collector, options);
    return finishDecode(ctx, collector, store, write, options.verifyBeforeWrite);
  } finally {
    store.close();
  }
}

export interface DecodeContext {
  source: string;
  reads: ReadSource;
  /** Raw read → payload part (primers and spacers trimmed). */
  trim: (read: string) => string;
  /** The same, with where the payload part starts in the read. */
  frame: (read: string) => { seq: string; start: number };
  L: number;
  manifest: Manifest;
  report: PoolDecodeReport;
}

/**
 * Trimmed reads of one pass: those of the strand length (exact) or the others within MAX_SHIFT
 * (reads off by more are discarded; prepareDecode counted them).
 */
export function* trimmedPass(ctx: DecodeContext, exact: boolean): Generator<string> {
  for (const r of ctx.reads.pass()) {
    const q = ctx.trim(r);
    if ((q.length === ctx.L) === exact && Math.abs(q.length - ctx.L) <= MAX_SHIFT) yield q;
  }
}

/** Primers, the manifest and how to trim reads; counts the reads. */
export function prepareDecode(reads: ReadSource, options: DecodeOptions = {}): DecodeContext {
  const source = reads.name;
  const sample: string[] = [];
  let count = 0;
  for (const r of reads.pass()) {
    if (sample.length < PRIMER_SAMPLE) sample.push(r);
    count++;
  }
  if (count === 0) throw new PoolFormatError(source, 'no reads');
  const primers = options.primers ? givenPrimers(options.primers) : detectPrimers(sample);
  const { trim, frame, L, manifest, lengths } = frameReads(reads, primers, options.cacheDir, options.consensus !== false);
  // A manifest's sizes are checked against what the reads can hold before any work is sized from
  // them: every data strand the outer code needs comes from at least one read. Short by a little,
  // the decode goes on to name the blocks short of strands; short by far (a damaged or crafted
  // header), it stops here rather than walk and size buffers for addresses no read can fill.
  if (manifest.dataStrands > count && manifest.dataStrands + manifest.parity * manifest.blocks > 4 * count + 65_536)
    throw new IncompleteDecodeError(
      source,
      `the pool's manifest claims ${manifest.bytes} bytes in ${manifest.dataStrands} data strands, but the input holds only ${count} reads: ` +
        `the outer code needs at least ${manifest.dataStrands} strands, each from a read of its own. Nothing written.`,
    );
  const total = manifest.dataStrands + manifest.parity * manifest.blocks;
  // Length counts from the trimming that found the manifest (final per-read trimming may move a
  // read by a nucleotide or two; these are for the report).
  let lengthMismatch = 0;
  let discarded = 0;
  for (const [len, n] of lengths) {
    if (len !== L) lengthMismatch += n;
    if (Math.abs(len - L) > MAX_SHIFT) discarded += n;
  }
  const report: PoolDecodeReport = {
    reads: count,
    readsUsed: 0,
    reverseComplement: 0,
    lengthMismatch,
    discarded,
    strands: total,
    recovered: 0,
    byVoting: 0,
    erasures: 0,
    blocks: manifest.blocks,
    primers: manifest.primers,
  };
  return { source, reads, trim, frame, L, manifest, report };
}

/** A collector of this pool's data strands into `store` (a ChunkList when omitted: a worker's batch). */
export function dataCollector(manifest: Manifest, L: number, store?: StrandStore, options: DecodeOptions = {}, known?: Uint8Array): StrandCollector {
  const codec = dataCodec(manifest, options.cacheDir);
  return new StrandCollector(
    codec,
    L,
    { ...dataLayout(manifest), messageBits: manifest.K * codec.messageBits },
    {
      kind: KIND_DATA,
      poolId: manifest.poolId,
      addresses: manifest.dataStrands + manifest.parity * manifest.blocks,
      listOnMatch: options.listDecoding ?? true,
      known,
      // The calling thread's collector counts every strand's backers (a worker's batch, sparsely).
      support:
        store && !(store instanceof ChunkList) && checkBits(manifest.format) === SHORT_CHECK_BITS
          ? new DenseSupport(manifest.dataStrands + manifest.parity * manifest.blocks)
          : undefined,
    },
    store,
  );
}

export type ReadCounts = Pick<PoolDecodeReport, 'readsUsed'>;

/**
 * Offers trimmed reads to the collector. Callers pass the reads of the strand length first: one
 * of them usually recovers its strand outright, and the costlier two-sided alignment of indel
 * reads is then spent only on strands still missing. Reads off by more than MAX_SHIFT are skipped
 * (prepareDecode counted them).
 */
export function collectReads(collector: StrandCollector, seqs: Iterable<string>, L: number, counts: ReadCounts): void {
  for (const q of seqs) {
    if (Math.abs(q.length - L) > MAX_SHIFT) continue;
    if (collector.add(parseWord(q, 'read'))) counts.readsUsed++;
  }
}

/**
 * Marks every strand of each block that already has enough strands for the outer code as known
 * (its reads are then skipped); returns how many blocks still need strands.
 */
export function markCompleteBlocks(man: Manifest, collector: StrandCollector): number {
  const sizes = blockSizes(man.dataStrands, man.blocks);
  const starts = blockStarts(sizes);
  let open = 0;
  for (let b = 0; b < man.blocks; b++) {
    const addresses = blockAddressList(man, sizes[b], starts[b], b);
    let present = 0;
    for (const a of addresses) if (collector.store.has(a)) present++;
    if (present >= sizes[b]) for (const a of addresses) collector.markKnown(a);
    else open++;
  }
  return open;
}

/**
 * After the per-read passes: when blocks are still short of strands, the consensus of clusters of
 * reads (consensus-pass.ts); its outcome goes into the report.
 */
export function runConsensusPass(ctx: DecodeContext, collector: StrandCollector, options: DecodeOptions): void {
  if (options.consensus === false) return;
  collector.finish();
  if (markCompleteBlocks(ctx.manifest, collector) === 0) return;
  reportConsensus(
    ctx,
    collector,
    consensusPass(ctx.reads, ctx.frame, ctx.L, collector, options.consensusPartitions ?? partitionCount(ctx.report.reads), options.spillDir),
  );
}

/** The consensus pass's outcome, into the report. */
export function reportConsensus(ctx: DecodeContext, collector: StrandCollector, o: ConsensusOutcome): void {
  ctx.report.byConsensus = o.strands;
  ctx.report.consensus = {
    reads: o.reads,
    clusters: o.clusters,
    skipped: o.skipped,
    ...(o.withQualities > 0 ? { withQualities: o.withQualities } : {}),
    ...(collector.counted ? { explained: o.explained, repairTries: o.tries, repaired: collector.repaired.length } : {}),
  };
}

/** Votes → strands, the outer code block by block into `write`, and the SHA-256 check. */
export function finishDecode(
  ctx: DecodeContext,
  collector: StrandCollector,
  store: ChunkStore,
  write: PayloadWrite,
  verifyBeforeWrite = false,
): Omit<DecodedPool, 'data'> {
  const { manifest, report, source } = ctx;
  report.byVoting = collector.finish();
  report.reverseComplement += collector.reverseComplement;
  report.recovered = store.size;
  report.erasures = report.strands - report.recovered;
  report.strandStore = store.spilled ? 'file' : 'memory';
  const trust = collector.trust(report.strands);
  let sha: string;
  try {
    sha = rebuildPayload(manifest, store, source, report, verifyBeforeWrite ? () => undefined : write, trust);
  } catch (e) {
    // Blocks short of strands after reads were left out of the consensus pass: say so.
    const skipped = report.consensus?.skipped ?? 0;
    if (e instanceof IncompleteDecodeError && skipped > 0)
      throw new IncompleteDecodeError(
        source,
        `${e.message.slice(source.length + 2)} The consensus pass left out ${skipped} reads beyond the ${MAX_CONSENSUS_READS} one arena holds; spread them over more partitions (consensusPartitions).`,
      );
    throw e;
  }
  if (sha !== manifest.sha256) {
    throw new IncompleteDecodeError(
      source,
      `rebuilt ${manifest.bytes} bytes but their SHA-256 ${sha.slice(0, 16)}… differs from the manifest's ${manifest.sha256.slice(0, 16)}…: a strand was accepted wrongly; nothing written`,
    );
  }
  if (verifyBeforeWrite) rebuildPayload(manifest, store, source, { ...report }, write, trust); // counted in the first pass
  return { manifest, report };
}

/**
 * Indels make the true strand length not always the most common read length (at Illumina-like
 * rates most reads have lost a base), so the commonest few lengths are tried in turn; the one
 * whose header strands decode and agree with the manifest's geometry wins.
 */
export function findManifest(
  pass: () => Iterable<string>,
  source: string,
  cacheDir?: string | false,
  consensus = true,
): { L: number; manifest: Manifest; lengths: Map<number, number> } {
  const counts = new Map<number, number>();
  let n = 0;
  for (const q of pass()) {
    counts.set(q.length, (counts.get(q.length) ?? 0) + 1);
    n++;
  }
  const lengths = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([l]) => l);
  const tried: number[] = [];
  const seen = { headerLike: 0 };
  for (const L of lengths.slice(0, 6)) {
    if (!headerGeometry(L)) continue;
    tried.push(L);
    const manifest = readManifest(pass, L, source, cacheDir, consensus, seen);
    if (manifest) return { L, manifest, lengths: counts };
  }
  throw new NoHeaderError(
    source,
    `no header strand could be decoded among ${n} reads (strand lengths tried: ${tried.join(', ') || 'none valid'}): not a dnarchive pool, or too damaged to identify`,
    seen.headerLike,
    tried.length,
  );
}

/** Header strands of one pool decoded, but not every chunk of its manifest. */
class HeaderIncompleteError extends PoolFormatError {}

/** No header strand decoded; `headerLike` reads looked like header strands (ℓ = 1) at all. */
class NoHeaderError extends PoolFormatError {
  constructor(
    source: string,
    message: string,
    readonly headerLike: number,
    /** Strand lengths tried (lengths with no header geometry are not). */
    readonly lengthsTried: number,
  ) {
    super(source, message);
  }
}

/** Header-looking reads kept for a consensus of header strands (a pool has tens of header strands). */
const MAX_HEADER_CANDIDATES = 200_000;

/** Whether the chunks hold, for one pool, chunk 0 and every chunk its length needs. */
function headerComplete(chunks: ChunkList, chunkBytes: number): boolean {
  const byPool = new Map<number, Set<number>>();
  let first: Uint8Array | undefined;
  for (const [key, chunk] of chunks.entries()) {
    const poolId = Math.floor(key / 2 ** 24);
    const h = (key % 2 ** 24) & HEADER_CHUNK_MASK;
    (byPool.get(poolId) ?? byPool.set(poolId, new Set()).get(poolId)!).add(h);
    if (h === 0) first = chunk;
  }
  if (byPool.size !== 1 || !first) return false;
  const have = [...byPool.values()][0];
  const need = Math.ceil((((first[0] << 8) | first[1]) + 2) / chunkBytes);
  for (let h = 0; h < need; h++) if (!have.has(h)) return false;
  return true;
}

/** The manifest from the header strands of strand length L, or undefined when none decodes. */
export function readManifest(
  pass: () => Iterable<string>,
  L: number,
  source: string,
  cacheDir?: string | false,
  consensus = true,
  seen?: { headerLike: number },
): Manifest | undefined {
  const { codec, K } = headerCodec(L, cacheDir);
  const layout = headerLayout(codec, K);
  const { chunkBytes } = layout;
  // Most reads are data strands: the header probe of the first codewords fails fast on them (no
  // list decoding); a strand that shows itself a header is then decoded with every means.
  const chunks = new ChunkList(chunkBytes);
  const collector = new StrandCollector(codec, L, layout, { kind: KIND_HEADER, addresses: HEADER_COPIES << 16, listOnMatch: true }, chunks);
  const probe = Math.min(L, 2 * (codec.code.m + 2));
  // Reads that look like header strands, kept (they are few) for a consensus if a chunk is missing.
  const candidates: Uint8Array[] = [];
  const slack = Math.max(MAX_SHIFT, Math.ceil(0.1 * L));
  for (const q of pass()) {
    if (Math.abs(q.length - L) > slack) continue;
    // Header strands are ℓ = 1: no two neighbours alike. A read with several equal neighbours in
    // its first codewords is a data strand of a run-limited code (ℓ ≥ 2): skip it unread.
    if (repeats(q, probe) > 3) continue;
    let w: Uint8Array;
    try {
      w = parseWord(q, 'read');
    } catch {
      continue;
    }
    if (seen) seen.headerLike++;
    if (candidates.length < MAX_HEADER_CANDIDATES) candidates.push(w);
    if (Math.abs(q.length - L) <= MAX_SHIFT) collector.add(w);
  }
  collector.finish();
  if (consensus && !headerComplete(chunks, chunkBytes))
    clusterConsensus(
      candidates.map((word) => ({ word })),
      L,
      collector,
    );
  const pools = new Map<number, Map<number, Uint8Array>>();
  for (const [key, chunk] of chunks.entries()) {
    const poolId = Math.floor(key / 2 ** 24);
    let pool = pools.get(poolId);
    if (!pool) pools.set(poolId, (pool = new Map()));
    pool.set((key % 2 ** 24) & HEADER_CHUNK_MASK, chunk);
  }
  if (pools.size === 0) return undefined;
  if (pools.size > 1) {
    const ids = [...pools.keys()].map((id) => id.toString(16).padStart(4, '0'));
    throw new PoolFormatError(
      source,
      `reads from ${pools.size} different pools are mixed together (pool ids ${ids.join(', ')}); decode each pool's reads separately`,
    );
  }
  const [poolId, pool] = [...pools][0];
  const hex = poolId.toString(16).padStart(4, '0');
  // Two copies of one header chunk that both pass their CRC but differ: two pools share this id
  // (15 bits: a few hundred pools make a clash likely). Refused whichever read came first.
  for (const w of candidates) {
    const d = collector.decodeWhole(w, false); // clean copies are what can disagree
    const kept = d && chunks.get(d.key);
    if (d && kept && !Buffer.from(kept).equals(Buffer.from(d.chunk)))
      throw new PoolFormatError(
        source,
        `reads of two pools that share the pool id ${hex} are mixed together (header chunk ${d.address & HEADER_CHUNK_MASK} differs between reads); decode each pool's reads separately`,
      );
  }
  const first = pool.get(0);
  if (!first) throw new HeaderIncompleteError(source, `pool ${hex}: header chunk 0 is missing from every read (too few reads, or too damaged)`);
  const length = (first[0] << 8) | first[1];
  const need = Math.ceil((length + 2) / chunkBytes);
  const body = new Uint8Array(need * chunkBytes);
  const missing: number[] = [];
  for (let h = 0; h < need; h++) {
    const c = pool.get(h);
    if (c) body.set(c, h * chunkBytes);
    else missing.push(h);
  }
  if (missing.length > 0)
    throw new HeaderIncompleteError(
      source,
      `pool ${hex}: header chunk(s) ${missing.join(', ')} of ${need} missing from every read (too few reads, or too damaged)`,
    );
  const record = parseManifestRecord(body.subarray(2, 2 + length));
  if (typeof record === 'string') throw new PoolFormatError(source, `pool ${hex}: ${record}`);
  const manifest = parseWith(manifestSchema, record, `${source}: pool manifest`);
  if (manifest.poolId !== poolId) throw new PoolFormatError(source, `manifest pool id ${manifest.poolId} differs from its strands' ${poolId}`);
  if (manifest.K * (manifest.m + 2) !== L)
    throw new PoolFormatError(source, `manifest geometry K·(m + 2) = ${manifest.K * (manifest.m + 2)} differs from the strand length ${L}`);
  const dl = dataLayout(manifest);
  const capacity = chunkCapacity(dataCodec(manifest, cacheDir), manifest.K, manifest.addressBits, dl.idStored, dl.checkBits);
  if (manifest.chunkBytes !== capacity)
    throw new PoolFormatError(
      source,
      `manifest chunkBytes ${manifest.chunkBytes} differs from what its code carries per strand beside a ${manifest.addressBits}-bit address (${capacity})`,
    );
  return manifest;
}

/**
 * Finds the manifest and how to trim reads. Detected primer ends are approximate (errors near a
 * primer end and the spacer blur them by a symbol or two), so trims around them are tried until
 * header strands decode; the manifest then names the primers exactly and every read is trimmed
 * by the primer it starts with, each end aligned on its own.
 */
export function frameReads(
  reads: ReadSource,
  primers: Primers,
  cacheDir?: string | false,
  consensus = true,
): { trim: (r: string) => string; frame: (r: string) => { seq: string; start: number }; L: number; manifest: Manifest; lengths: Map<number, number> } {
  const attempts: Array<(r: string) => string> = [];
  if (primers.found) {
    const g = primers.groups[0];
    const shifts = [0, -1, 1, -2, 2];
    // Reads of the other orientation start with the other primer's reverse complement: the trims
    // swap. The closer of the two starts says which (a threshold alone misjudges reads whose
    // first cycles are noisy).
    const rcSuffix = reverseComplementText(g.suffix);
    const forward = (r: string): boolean => {
      if (!g.suffix) return mismatchCount(r, g.prefix) <= 3;
      if (!g.prefix) return mismatchCount(r, rcSuffix) > 3;
      return mismatchCount(r, g.prefix) <= mismatchCount(r, rcSuffix);
    };
    for (const dl of g.prefix ? shifts : [0]) {
      for (const dr of g.suffix ? shifts : [0]) {
        const left = g.prefix ? g.prefix.length + 1 + dl : 0;
        const right = g.suffix ? g.suffix.length + 1 + dr : 0;
        if (left < 0 || right < 0) continue;
        attempts.push((r) => (forward(r) ? trimRead(r, left, right) : trimRead(r, right, left)).seq);
      }
    }
  }
  attempts.push((r) => r);
  let lastError: unknown;
  for (const attempt of attempts) {
    try {
      const { manifest, lengths } = findManifest(() => mapIterable(reads.pass(), attempt), reads.name, cacheDir, consensus);
      const trim = (r: string): string => trimByPrimers(r, manifest.primers).seq;
      const frame = (r: string): { seq: string; start: number } => trimByPrimers(r, manifest.primers);
      return { trim, frame, L: manifest.K * (manifest.m + 2), manifest, lengths };
    } catch (e) {
      // A trim a nucleotide off (a primer found one symbol too long: the spacer after it agrees
      // in most reads) can decode some header chunks and lose others: try the next trim, and
      // report the most telling failure if none works.
      if (e instanceof HeaderIncompleteError) {
        lastError = e;
        continue;
      }
      if (!(e instanceof NoHeaderError)) throw e;
      if (!(lastError instanceof HeaderIncompleteError)) lastError = e;
      // Not one read of a length tried looked like a header strand (ℓ = 1) under this trim: other
      // trims move the frame by a nucleotide or two and will not find any either — only the reads
      // as they are remain to try (100,000 foreign reads with both primers: refused in 1 pass, not
      // 26). A trim whose read lengths admit no header geometry says nothing: the next one may.
      if (e.lengthsTried > 0 && e.headerLike === 0 && attempt !== attempts[attempts.length - 1]) {
        attempts.splice(attempts.indexOf(attempt) + 1, attempts.length - attempts.indexOf(attempt) - 2);
      }
    }
  }
  throw lastError;
}

function* mapIterable<T, U>(it: Iterable<T>, f: (x: T) => U): Generator<U> {
  for (const x of it) yield f(x);
}

/** Equal neighbours among the first n symbols of q. */
function repeats(q: string, n: number): number {
  let r = 0;
  const end = Math.min(n, q.length);
  for (let i = 1; i < end; i++) if (q.charCodeAt(i) === q.charCodeAt(i - 1)) r++;
  return r;
}
