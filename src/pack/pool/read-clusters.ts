/**
 * Reads grouped by the strand they copy, without trusting any read's address (spec pool.md, "Reads
 * to strands", step 1; after Rashtchian et al., NeurIPS 2017). Linear in the reads:
 *
 * 1. Signatures: each read is cut into SEGMENTS parts and each part gives its minimizer — the
 *    canonical k-mer (the smaller of the k-mer and its reverse complement, so that both
 *    orientations of a strand give the same one) of least hash. A read whose first codewords
 *    named an address (a hint the CRC has not confirmed) also gets the address as a signature.
 * 2. Buckets: the signatures are sorted; reads sharing one are candidates. A bucket far larger than
 *    a strand's reads (a k-mer common to many strands: the address fields at the front of every
 *    strand share their high bits) says nothing and is skipped.
 * 3. Check: a candidate pair is joined when the reads agree around the shared k-mer — both halves
 *    of a window centred on it match at ≥ MATCH of their positions, at the offset the k-mer gives
 *    or one nucleotide either side (an indel in the window). Unrelated reads agree at ~25 %, copies
 *    at 2–6 % errors at ≥ 90 %; no dynamic programme per pair.
 * 4. Union–find with a parity bit per link: the relative orientation of every read in a group.
 *
 * Reads live in one byte arena (symbols, A=0 T=1 G=2 C=3 as in loco) with offsets, not one array
 * each.
 */

export const K = 12;
export const SEGMENTS = 4;
/** Buckets with more reads than this are skipped (a strand has `coverage` reads; see step 2). */
export const MAX_BUCKET = 256;
/** Failed checks an entry may take against earlier entries of its bucket before it is left alone there. */
const LINK_TRIES = 16;
const HALF = 24;
/** Edits allowed in a half-window around the shared k-mer: copies at 2–6 % errors have 0–3, unrelated reads ~10 (see windowAgrees). */
const EDITS = 5;
/** Lower at the ends: some instruments' first cycles carry several times the average error rate. */
const END_MATCH = 0.55;

const KEY_SPAN = 2 ** 28;
const MASK = (1 << (2 * K)) - 1;

/** A bijective mix of a 2K-bit k-mer code: minimizers by hash order, not by lexicographic order. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 13), 0x5bd1e995) & MASK;
  x = Math.imul(x ^ (x >>> 11), 0x27d4eb2d) & MASK;
  return (x ^ (x >>> 12)) & MASK;
}

export class ReadArena {
  bytes: Uint8Array = new Uint8Array(1 << 20);
  /** Phred values beside the symbols, where the read came with qualities (`qualified`). */
  quals: Uint8Array = new Uint8Array(0);
  qualified: Uint8Array = new Uint8Array(1024);
  starts: Float64Array = new Float64Array(1024);
  lengths: Int32Array = new Int32Array(1024);
  /** Address hint per read (-1: none). */
  hints: Int32Array = new Int32Array(1024);
  count = 0;
  private end = 0;

  add(read: Uint8Array, hint: number, qual?: Uint8Array): void {
    if (this.count === this.starts.length) {
      this.starts = grow(this.starts, 2 * this.count);
      this.lengths = grow(this.lengths, 2 * this.count);
      this.hints = grow(this.hints, 2 * this.count);
      this.qualified = grow(this.qualified, 2 * this.count);
    }
    if (this.end + read.length > this.bytes.length) this.bytes = grow(this.bytes, 2 * (this.end + read.length));
    this.bytes.set(read, this.end);
    if (qual) {
      // Kept only once some read has qualities: a FASTA input costs nothing.
      if (this.quals.length < this.bytes.length) this.quals = grow(this.quals, this.bytes.length);
      this.quals.set(qual.subarray(0, read.length), this.end);
      this.qualified[this.count] = 1;
    }
    this.starts[this.count] = this.end;
    this.lengths[this.count] = read.length;
    this.hints[this.count] = hint;
    this.count++;
    this.end += read.length;
  }

  read(i: number): Uint8Array {
    return this.bytes.subarray(this.starts[i], this.starts[i] + this.lengths[i]);
  }

  /** Read i's Phred values, or undefined when it came without. */
  qual(i: number): Uint8Array | undefined {
    return this.qualified[i] ? this.quals.subarray(this.starts[i], this.starts[i] + this.lengths[i]) : undefined;
  }
}

function grow<T extends Uint8Array | Int32Array | Float64Array>(a: T, n: number): T {
  if (n <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a as ArrayLike<number>);
  return b;
}

/** Groups of reads, each with the orientation of every member relative to the group (1: reverse complement). */
export interface ReadGroups {
  /** Group index per read (-1 for reads left alone). */
  group: Int32Array;
  /** 1 where the read is the reverse complement of its group's orientation. */
  flip: Uint8Array;
  groups: number;
}

export interface ClusterOptions {
  /**
   * Edits an end window may have when its positions do not match (an indel in it); 0: matching
   * positions only. Default DATA_END_EDITS, for header strands too: their 8 copies of a chunk
   * share all but their first ~50 nt and may end up in one group, which still gives that chunk
   * (their bytes are the same) or nothing; copies of different chunks differ at the other end.
   */
  endEdits?: number;
}

/** End edits for data strands: at Illumina-like rates, matching positions alone lost 1 in 4 of the low-coverage strands' links. */
export const DATA_END_EDITS = 7;

/**
 * The two smallest canonical k-mer hashes of a read (equal when it has one k-mer): where the
 * consensus pass files it when it partitions the reads (read-partitions.ts). -1 for a read shorter
 * than K.
 */
export function smallestTwo(w: Uint8Array, out: Int32Array): void {
  let a = -1;
  let b = -1;
  let fwd = 0;
  let rev = 0;
  for (let i = 0; i < w.length; i++) {
    const s = w[i];
    fwd = ((fwd << 2) | s) & MASK;
    rev = (rev >>> 2) | ((s ^ 1) << (2 * K - 2));
    if (i < K - 1) continue;
    const h = mix(rev < fwd ? rev : fwd);
    if (a < 0 || h < a) {
      b = a;
      a = h;
    } else if (h !== a && (b < 0 || h < b)) b = h;
  }
  out[0] = a;
  out[1] = b < 0 ? a : b;
}

/** Reads as the clustering sees them: symbols back to back, with offsets and lengths (an arena, or shared copies of it on a worker). */
export interface ReadViews {
  bytes: Uint8Array;
  starts: Float64Array;
  lengths: Int32Array;
}

function readOf(v: ReadViews, i: number): Uint8Array {
  return v.bytes.subarray(v.starts[i], v.starts[i] + v.lengths[i]);
}

/** Every read's signatures (minimizers, address hints), sorted so that reads sharing one are adjacent. */
export interface Signatures {
  /** signature · KEY_SPAN + entry, ascending. */
  sorted: Float64Array;
  entryRead: Int32Array;
  /** Start of the minimizer in the read (-1: an address hint). */
  entryPos: Int32Array;
  /** Whether the minimizer is the reverse complement of the read's k-mer. */
  entryRc: Uint8Array;
}

/** The joins a range of buckets asks for: whether two reads are joined already, and joining them. */
export interface Joiner {
  connected(a: number, b: number): boolean;
  union(a: number, b: number, flip: number): void;
}

export function clusterReads(arena: ReadArena, options: ClusterOptions = {}): ReadGroups {
  const sig = signatures(arena);
  const uf = new ParityUnionFind(arena.count);
  linkRange(arena, sig, 0, sig.sorted.length, uf, options.endEdits ?? DATA_END_EDITS);
  return groupsOf(arena.count, uf);
}

export function signatures(arena: ReadArena): Signatures {
  const n = arena.count;
  const entries = n * (SEGMENTS + 1);
  const sortKeys = new Float64Array(entries);
  const entryRead = new Int32Array(entries);
  const entryPos = new Int32Array(entries);
  const entryRc = new Uint8Array(entries);
  let e = 0;
  const bestHash = new Int32Array(SEGMENTS);
  const bestPos = new Int32Array(SEGMENTS);
  const bestRc = new Uint8Array(SEGMENTS);
  const { bytes } = arena;
  for (let r = 0; r < n; r++) {
    const at = arena.starts[r];
    const len = arena.lengths[r];
    if (len >= K + SEGMENTS) {
      bestHash.fill(-1);
      const span = len - K + 1;
      let fwd = 0;
      let rev = 0;
      // Segment seg covers k-mer starts p with ⌊p·SEGMENTS / span⌋ = seg: its end moves only at a boundary.
      let seg = 0;
      let segEnd = Math.ceil(span / SEGMENTS);
      for (let i = 0; i < len; i++) {
        const s = bytes[at + i];
        fwd = ((fwd << 2) | s) & MASK;
        rev = (rev >>> 2) | ((s ^ 1) << (2 * K - 2)); // complement = x XOR 1, entering at the high end
        const p = i - K + 1;
        if (p < 0) continue;
        while (p >= segEnd && seg < SEGMENTS - 1) {
          seg++;
          segEnd = Math.ceil(((seg + 1) * span) / SEGMENTS);
        }
        const rc = rev < fwd ? 1 : 0;
        const h = mix(rc ? rev : fwd);
        if (bestHash[seg] < 0 || h < bestHash[seg]) {
          bestHash[seg] = h;
          bestPos[seg] = p;
          bestRc[seg] = rc;
        }
      }
      for (let g = 0; g < SEGMENTS; g++) {
        if (bestHash[g] < 0) continue;
        sortKeys[e] = bestHash[g] * KEY_SPAN + e;
        entryRead[e] = r;
        entryPos[e] = bestPos[g];
        entryRc[e] = bestRc[g];
        e++;
      }
    }
    const hint = arena.hints[r];
    if (hint >= 0) {
      // Addresses in their own key range, above every k-mer hash.
      sortKeys[e] = (MASK + 1 + hint) * KEY_SPAN + e;
      entryRead[e] = r;
      entryPos[e] = -1;
      entryRc[e] = 0;
      e++;
    }
  }
  return { sorted: sortKeys.subarray(0, e).sort(), entryRead, entryPos, entryRc };
}

/** `parts` + 1 indices into sig.sorted, each a bucket's start (or the end): ranges workers can link apart. */
export function bucketBounds(sig: Signatures, parts: number): number[] {
  const e = sig.sorted.length;
  const out = [0];
  for (let p = 1; p < parts; p++) {
    let at = Math.max(out[out.length - 1], Math.floor((p * e) / parts));
    while (at > 0 && at < e && Math.floor(sig.sorted[at] / KEY_SPAN) === Math.floor(sig.sorted[at - 1] / KEY_SPAN)) at++;
    out.push(at);
  }
  out.push(e);
  return out;
}

/** Checks the candidate pairs of the buckets in sorted[from, to) and joins those that agree. */
export function linkRange(reads: ReadViews, sig: Signatures, from: number, to: number, joiner: Joiner, endEdits: number): void {
  const { sorted, entryRead, entryPos, entryRc } = sig;
  let longest = 0;
  for (let r = 0; r < reads.lengths.length; r++) longest = Math.max(longest, reads.lengths[r]);
  const rcScratch = new Uint8Array(longest);
  for (let g = from; g < to;) {
    const key = Math.floor(sorted[g] / KEY_SPAN);
    let end = g + 1;
    while (end < to && Math.floor(sorted[end] / KEY_SPAN) === key) end++;
    if (end - g > 1 && end - g <= MAX_BUCKET) {
      // Each entry against the entries before it, latest first, until it joins one (or is joined
      // already): a bucket also holds strays of other strands (a k-mer two strands share by
      // chance, more of them the larger the pool), and checking only against the bucket's first
      // and previous entries left 9 % of a 4 MiB pool's strands split in two or more groups.
      for (let j = g + 1; j < end; j++) {
        const b = sorted[j] % KEY_SPAN;
        for (let i = j - 1, failed = 0; i >= g && failed < LINK_TRIES; i--) {
          const outcome = link(reads, joiner, sorted[i] % KEY_SPAN, b, entryRead, entryPos, entryRc, rcScratch, endEdits);
          if (outcome !== DIFFERENT) break;
          failed++;
        }
      }
    }
    g = end;
  }
}

/**
 * The joins of sorted[from, to) as pairs (a, b, flip)… for another thread to apply: a local
 * union–find skips pairs its own joins already connect. Applied with the joins of the other
 * ranges, the groups are those of one thread linking every range (a pair skipped here is
 * connected here, so connected there too).
 */
export function linkPairs(reads: ReadViews, sig: Signatures, from: number, to: number, endEdits: number): Int32Array {
  const uf = new ParityUnionFind(reads.lengths.length);
  let pairs = new Int32Array(3 * 1024);
  let n = 0;
  linkRange(
    reads,
    sig,
    from,
    to,
    {
      connected: (a, b) => uf.find(a) === uf.find(b),
      union: (a, b, flip) => {
        uf.union(a, b, flip);
        if (n + 3 > pairs.length) pairs = grow(pairs, 2 * pairs.length);
        pairs[n++] = a;
        pairs[n++] = b;
        pairs[n++] = flip;
      },
    },
    endEdits,
  );
  return pairs.slice(0, n);
}

/** Applies pairs from linkPairs. */
export function joinPairs(uf: ParityUnionFind, pairs: Int32Array): void {
  for (let i = 0; i < pairs.length; i += 3) uf.union(pairs[i], pairs[i + 1], pairs[i + 2]);
}

/**
 * Groups of two or more reads, numbered in order of their first read, each oriented as its first
 * read (so the groups and orientations do not depend on the order of the joins: deterministic
 * whether one thread linked or several).
 */
export function groupsOf(n: number, uf: ParityUnionFind): ReadGroups {
  const group = new Int32Array(n).fill(-1);
  const flip = new Uint8Array(n);
  const size = new Int32Array(n);
  for (let r = 0; r < n; r++) size[uf.find(r)]++;
  const number = new Int32Array(n).fill(-1);
  const firstParity = new Uint8Array(n);
  let groups = 0;
  for (let r = 0; r < n; r++) {
    const root = uf.find(r);
    if (size[root] < 2) continue;
    const parity = uf.parityOf(r);
    if (number[root] < 0) {
      number[root] = groups++;
      firstParity[root] = parity;
    }
    group[r] = number[root];
    flip[r] = parity ^ firstParity[root];
  }
  return { group, flip, groups };
}

/**
 * Joins the reads of entries a and b when they agree around their shared signature: JOINED, or
 * CONNECTED (already one group; the same read), or DIFFERENT (the check failed).
 */
const DIFFERENT = 0;
const JOINED = 1;
const CONNECTED = 2;

function link(
  reads: ReadViews,
  uf: Joiner,
  a: number,
  b: number,
  entryRead: Int32Array,
  entryPos: Int32Array,
  entryRc: Uint8Array,
  rcScratch: Uint8Array,
  endEdits: number,
): number {
  const ra = entryRead[a];
  const rb = entryRead[b];
  if (ra === rb || uf.connected(ra, rb)) return CONNECTED;
  if (entryPos[a] < 0 || entryPos[b] < 0) {
    // Address hints: the same unconfirmed address. Reads with a hint are stored in the orientation
    // their probe decoded in, so both start at the strand's start: checked at offset 0.
    const x = readOf(reads, ra);
    const y = readOf(reads, rb);
    const mid = Math.min(x.length, y.length) >> 1;
    if (!agrees(x, y, mid, mid) || !endsAgree(x, y, endEdits)) return DIFFERENT;
    uf.union(ra, rb, 0);
    return JOINED;
  }
  const x = readOf(reads, ra);
  let y = readOf(reads, rb);
  let pb = entryPos[b];
  const flip = entryRc[a] ^ entryRc[b];
  if (flip) {
    const t = rcScratch.subarray(0, y.length);
    for (let i = 0; i < y.length; i++) t[i] = y[y.length - 1 - i] ^ 1;
    y = t;
    pb = y.length - K - pb;
  }
  if (!agrees(x, y, entryPos[a] + (K >> 1), pb + (K >> 1)) || !endsAgree(x, y, endEdits)) return DIFFERENT;
  uf.union(ra, rb, flip);
  return JOINED;
}

/**
 * Whether two reads of one orientation agree at both ends too (reads start and end at the strand's
 * ends, primers trimmed; an indel moves an end by a nucleotide or two). Strands that share a long
 * stretch — header strands repeat their chunk under different addresses and CRCs at the front —
 * differ there.
 */
function endsAgree(x: Uint8Array, y: Uint8Array, edits: number): boolean {
  return endAgrees(x, y, 0, 0, 1, edits) && endAgrees(x, y, x.length - 1, y.length - 1, -1, edits);
}

/**
 * One end: at ≥ END_MATCH of HALF positions at a shift of up to 2 nt (noisy first cycles: many
 * substitutions), or within `edits` edits (indels in the window).
 */
function endAgrees(x: Uint8Array, y: Uint8Array, px: number, py: number, dir: number, edits: number): boolean {
  return hammingAgrees(x, y, px, py, dir, END_MATCH, HALF) || (edits > 0 && windowAgrees(x, y, px, py, dir, edits));
}

/** `span` nt from (px, py) in direction dir match at ≥ `match` of their positions, at the offset given or up to 2 nt either side. */
function hammingAgrees(x: Uint8Array, y: Uint8Array, px: number, py: number, dir: number, match: number, span: number): boolean {
  for (let shift = -2; shift <= 2; shift++) {
    let same = 0;
    let total = 0;
    for (let i = 0; i < span; i++) {
      const ix = px + dir * i;
      const iy = py + shift + dir * i;
      if (ix < 0 || iy < 0 || ix >= x.length || iy >= y.length) break;
      total++;
      if (x[ix] === y[iy]) same++;
    }
    if (total >= span >> 1 && same >= match * total) return true;
  }
  return false;
}

/** Whether x around position px and y around py hold the same sequence: each half-window (HALF nt before, HALF after). */
function agrees(x: Uint8Array, y: Uint8Array, px: number, py: number): boolean {
  return windowAgrees(x, y, px, py, -1, EDITS) && windowAgrees(x, y, px, py, 1, EDITS);
}

const BAND = 3;
const WIDTH = 2 * BAND + 1;
const rowA = new Int32Array(WIDTH);
const rowB = new Int32Array(WIDTH);

/**
 * Whether HALF nt from (px, py) in direction dir are within `edits` edits of each other: a banded
 * edit distance (±BAND nt), both windows starting at the given positions and the far end free (an
 * indel inside the window moves it). Hamming distance at a few fixed shifts, tried first, misjudged
 * every pair with an indel in the window's first half — at Illumina-like rates half the pairs.
 */
function windowAgrees(x: Uint8Array, y: Uint8Array, px: number, py: number, dir: number, edits: number): boolean {
  const nx = Math.min(HALF, dir > 0 ? x.length - px : px + 1);
  const ny = Math.min(HALF + BAND, dir > 0 ? y.length - py : py + 1);
  if (nx < HALF >> 1 || ny < (HALF >> 1) - BAND) return false;
  // The edit distance is at most the Hamming distance: most copies pass on that alone.
  let mismatches = 0;
  for (let i = 0; i < nx && mismatches <= edits; i++) {
    const iy = py + dir * i;
    if (iy < 0 || iy >= y.length || x[px + dir * i] !== y[iy]) mismatches++;
  }
  if (mismatches <= edits) return true;
  // Row i holds D[i][j] for j = i − BAND … i + BAND (cell d = j − i + BAND).
  let prev = rowA;
  let cur = rowB;
  const INF = 1 << 20;
  for (let d = 0; d < WIDTH; d++) prev[d] = d >= BAND ? d - BAND : INF;
  for (let i = 1; i <= nx; i++) {
    const xi = x[px + dir * (i - 1)];
    let rowMin = INF;
    for (let d = 0; d < WIDTH; d++) {
      const j = i + d - BAND;
      let v = INF;
      if (j >= 0 && j <= ny) {
        // From D[i−1][j−1] (same d), D[i−1][j] (d + 1), D[i][j−1] (d − 1).
        if (j > 0) v = prev[d] + (xi === y[py + dir * (j - 1)] ? 0 : 1);
        if (d + 1 < WIDTH) v = Math.min(v, prev[d + 1] + 1);
        if (d > 0) v = Math.min(v, cur[d - 1] + 1);
      }
      cur[d] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > edits) return false;
    const t = prev;
    prev = cur;
    cur = t;
  }
  let best = INF;
  for (let d = 0; d < WIDTH; d++) best = Math.min(best, prev[d]);
  return best <= edits;
}

/** Union–find over reads with a parity bit per link (relative orientation), path-halving. */
export class ParityUnionFind implements Joiner {
  private readonly parent: Int32Array;
  private readonly parity: Uint8Array;
  private readonly rank: Uint8Array;

  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
    this.parity = new Uint8Array(n);
    this.rank = new Uint8Array(n);
  }

  find(x: number): number {
    while (this.parent[x] !== x) {
      const p = this.parent[x];
      const gp = this.parent[p];
      this.parity[x] ^= this.parity[p];
      this.parent[x] = gp;
      x = gp;
    }
    return x;
  }

  connected(a: number, b: number): boolean {
    return this.find(a) === this.find(b);
  }

  /** Orientation of x relative to its root. */
  parityOf(x: number): number {
    let p = 0;
    while (this.parent[x] !== x) {
      p ^= this.parity[x];
      x = this.parent[x];
    }
    return p;
  }

  /** Joins x and y with y's orientation relative to x. */
  union(x: number, y: number, rel: number): void {
    const px = this.parityOf(x);
    const py = this.parityOf(y);
    let rx = this.find(x);
    let ry = this.find(y);
    if (rx === ry) return;
    if (this.rank[rx] < this.rank[ry]) [rx, ry] = [ry, rx];
    this.parent[ry] = rx;
    this.parity[ry] = px ^ py ^ rel;
    if (this.rank[rx] === this.rank[ry]) this.rank[rx]++;
  }
}
