/**
 * Gathers strands of one kind from reads. A read's first codeword(s) name its strand (address, pool
 * id, kind); a read of the right length that decodes whole under its CRC gives the strand at
 * once. Otherwise its codewords vote: those before the first failure in the left-aligned view,
 * and — when the read is too long or short, or a codeword failed — those after the last failure
 * in the right-aligned view (an insertion or deletion spoils only the codeword it hits). Strands
 * without a clean copy are assembled from the votes and kept only when their CRC matches.
 */
import { CHECK_OF_PAIR } from '../../loco/bridge.js';
import type { LocoCodec } from '../../loco/codec.js';
import { ChunkList } from './chunk-list.js';
import type { StrandStore } from './chunk-store.js';
import { frameBytes, headBits, peekFields, unframeBytes, type FrameLayout, type StrandId } from './frame.js';
import { SHORT_CHECK_BITS } from './format.js';
import { chunkFingerprint, SparseSupport, type StrandSupport, type SupportExport } from './strand-support.js';
import { VoteArena, type VoteExport } from './vote-arena.js';
import type { StrandTrust } from './rebuild.js';

/** Reads this many nt too long or too short are aligned from both ends; others are discarded. */
export const MAX_SHIFT = 2;

export interface CollectorOptions {
  kind: number;
  /** Only this pool's strands; undefined: any pool (the key then includes the pool id). */
  poolId?: number;
  /** Addresses at or above this are ignored. */
  addresses: number;
  /** List-decode the codewords of a strand once codeword 0 showed it is of this kind. */
  listOnMatch: boolean;
  /**
   * Strands recovered elsewhere or no longer needed (bit per address): their reads are skipped
   * after the probe. May be a view of shared memory that another thread sets bits in.
   */
  known?: Uint8Array;
  /**
   * Reads backing each strand (strand-support.ts), for layouts with a short check; a sparse table
   * when omitted (a worker's batch).
   */
  support?: StrandSupport;
}

export class StrandCollector {
  /** Recovered chunks by key: the address, or poolId·2^24 + address when collecting any pool. */
  readonly store: StrandStore;
  byVoting = 0;
  reverseComplement = 0;
  /** Votes of strands without a clean copy yet. */
  readonly votes: VoteArena;
  private readonly K: number;
  private readonly s: number;
  private readonly bits: Uint8Array;
  /** The right-aligned view's bits, kept beside the left-aligned view's. */
  private readonly bitsRight: Uint8Array;
  private readonly statuses: Int8Array;
  private readonly statusesRight: Int8Array;
  private readonly window: Uint8Array;
  /** Codewords that hold the CRC, kind, pool id and address. */
  private readonly probe: number;
  /** The kind and pool id strands must have: checked in the probe when stored, by the CRC when implicit. */
  private readonly id: StrandId | undefined;
  /**
   * A 20-bit check and one codeword per strand (format 3): a read gives its strand whole or
   * nothing (no per-codeword votes), and every clean read is counted in `support`.
   */
  private readonly short: boolean;
  readonly support: StrandSupport;
  /** Keys stored by check-guided repair (addRepaired). */
  readonly repaired: number[] = [];
  /** Keys first stored from a cluster's consensus (addWhole). */
  readonly fromConsensus: number[] = [];

  constructor(
    private readonly codec: LocoCodec,
    private readonly L: number,
    private readonly layout: FrameLayout,
    private readonly o: CollectorOptions,
    store?: StrandStore,
  ) {
    this.id = o.poolId === undefined ? undefined : { kind: o.kind, poolId: o.poolId };
    if (!layout.idStored && !this.id) throw new Error('StrandCollector: strands with an implicit id need the pool id to collect');
    this.store = store ?? new ChunkList(layout.chunkBytes);
    this.K = codec.config.codewordsPerStrand;
    this.s = codec.messageBits;
    this.bits = new Uint8Array(Math.ceil((this.K * this.s) / 8) + 1);
    this.bitsRight = new Uint8Array(this.bits.length);
    this.statuses = new Int8Array(this.K);
    this.statusesRight = new Int8Array(this.K);
    this.window = new Uint8Array(L);
    this.probe = Math.min(this.K, Math.ceil(headBits(layout) / this.s));
    this.short = layout.checkBits === SHORT_CHECK_BITS;
    this.support = o.support ?? new SparseSupport();
    const st = this.store;
    this.votes = new VoteArena(this.s, (key) => st.has(key));
  }

  /** Addresses (data and parity strands, or header keys) this collector takes. */
  get addresses(): number {
    return this.o.addresses;
  }

  /** Strands no longer needed (recovered elsewhere, or their block is complete): reads of them are skipped. */
  markKnown(address: number): void {
    this.o.known ??= new Uint8Array((this.o.addresses >> 3) + 1);
    this.o.known[address >> 3] |= 1 << (address & 7);
  }

  isKnown(address: number): boolean {
    const k = this.o.known;
    return this.store.has(address) || (k !== undefined && ((k[address >> 3] >> (address & 7)) & 1) === 1);
  }

  /**
   * The first orientation of `w` (the likelier first) whose first codewords decode: the read in
   * that orientation and the fields they name; `ours` false when they name another kind, pool or
   * an address out of range. Undefined when no orientation's probe decodes.
   */
  private probeRead(w: Uint8Array): { word: Uint8Array; rc: boolean; address: number; key: number; ours: boolean } | undefined {
    for (const rc of likelyOrientations(w, this.L, this.codec)) {
      const word = rc ? reverseComplement(w) : w;
      fillWindow(word, 0, this.window);
      this.bits.fill(0);
      setListDecoding(this.codec, false);
      if (this.codec.decodeStrandBits(this.window, this.probe, this.bits, 0, this.statuses) > 0) continue;
      const head = peekFields(this.bits, this.layout, this.id);
      const ours = head.kind === this.o.kind && (this.o.poolId === undefined || head.poolId === this.o.poolId) && head.address < this.o.addresses;
      const key = this.o.poolId === undefined ? head.poolId * 2 ** 24 + head.address : head.address;
      return { word, rc, address: head.address, key, ours };
    }
    return undefined;
  }

  /** Offers one read (symbols, primers trimmed); true when it contributed or its strand was known. */
  add(w: Uint8Array): boolean {
    if (Math.abs(w.length - this.L) > MAX_SHIFT) return false;
    if (this.short) return this.addShort(w);
    const p = this.probeRead(w);
    if (!p || !p.ours) return false;
    if (p.rc) this.reverseComplement++;
    if (this.store.has(p.key)) return true;
    const known = this.o.known;
    if (known && (known[p.address >> 3] >> (p.address & 7)) & 1) return true;
    setListDecoding(this.codec, this.o.listOnMatch);
    return this.collect(p.word, p.key, p.address);
  }

  /**
   * The address a read's first codewords name (the probe, either orientation) as 2·address + 1
   * when they decoded in the reverse complement, + 0 when forward; -1 when they do not decode or
   * name another kind or pool. Not vouched for by the CRC: a hint, not a verdict.
   */
  probeAddress(w: Uint8Array): number {
    if (this.short) {
      // One codeword holds check, address and chunk: an address not vouched for by the check is
      // noise, so only a read that decodes whole names its strand.
      const d = this.decodeWhole(w, false);
      return d ? 2 * d.address + (d.rc ? 1 : 0) : -1;
    }
    const p = this.probeRead(w);
    return p && p.ours ? 2 * p.address + (p.rc ? 1 : 0) : -1;
  }

  /**
   * The strand `w` (of the strand length, either orientation) spells when every codeword decodes
   * and the CRC holds — its key, address and chunk (a view, valid until the next call) — or
   * undefined. Nothing is stored. `list`: list-decode codewords residue decoding cannot fix.
   */
  decodeWhole(w: Uint8Array, list = this.o.listOnMatch): { key: number; address: number; chunk: Uint8Array; rc: boolean } | undefined {
    if (w.length !== this.L) return undefined;
    const { K, bits, statuses, window } = this;
    // Without an inner code a strand read whole has every bridge right: an orientation whose
    // bridges fail is not worth decoding (most damaged reads, at a fraction of a decode's cost).
    for (const rc of this.short ? bridgedOrientations(w, this.L, this.codec) : likelyOrientations(w, this.L, this.codec)) {
      fillWindow(rc ? reverseComplement(w) : w, 0, window);
      bits.fill(0);
      setListDecoding(this.codec, list);
      if (this.codec.decodeStrandBits(window, K, bits, 0, statuses) > 0) continue;
      const f = unframeBytes(bits, this.layout, this.id);
      if (!f || f.kind !== this.o.kind || f.address >= this.o.addresses || (this.o.poolId !== undefined && f.poolId !== this.o.poolId)) continue;
      return { key: this.o.poolId === undefined ? f.poolId * 2 ** 24 + f.address : f.address, address: f.address, chunk: f.chunk, rc };
    }
    return undefined;
  }

  /**
   * Stores the strand `w` spells (decodeWhole) and returns its address, or -1: nothing stored, no
   * votes cast (for estimates such as a cluster's consensus, which must not outvote the reads).
   * Under a short check it counts as `backers` reads (a consensus: the traces it was made from).
   */
  addWhole(w: Uint8Array, backers = 1): number {
    const d = this.decodeWhole(w);
    if (!d) return -1;
    if (this.short) {
      if (!this.store.has(d.key)) this.fromConsensus.push(d.key);
      this.accept(d.key, d.chunk, backers, 0);
    } else if (!this.store.has(d.key)) this.store.put(d.key, d.chunk);
    return d.address;
  }

  /**
   * Like addWhole for a candidate of check-guided repair (short checks): stored only for a strand
   * still missing, and listed in `repaired` — the first strands the rebuild sets aside when a block
   * shows a wrong one.
   */
  addRepaired(w: Uint8Array): number {
    const d = this.decodeWhole(w, false);
    if (!d) return -1;
    // A strand already recovered: the cluster was its damaged reads; nothing to add.
    if (this.store.has(d.key)) return d.address;
    this.accept(d.key, d.chunk, 1, 0);
    this.repaired.push(d.key);
    return d.address;
  }

  /** A read of a short-check strand: counted when it decodes whole under its check; indels are left to the consensus pass. */
  private addShort(w: Uint8Array): boolean {
    if (w.length !== this.L) return false;
    const d = this.decodeWhole(w, false);
    if (!d) return false;
    if (d.rc) this.reverseComplement++;
    const k = this.o.known;
    if (k !== undefined && (k[d.address >> 3] >> (d.address & 7)) & 1) return true;
    this.accept(d.key, d.chunk, 1, 0);
    return true;
  }

  /** Stores a short-check strand's chunk if it is the first for its key, and counts its backers. */
  private accept(key: number, chunk: Uint8Array, agree: number, dispute: number): void {
    if (!this.store.has(key)) this.store.put(key, chunk);
    this.support.offer(key, chunkFingerprint(chunk), agree, dispute);
  }

  /** Votes for strands not recovered here, as typed arrays (to merge collectors run on workers). */
  exportVotes(): VoteExport {
    return this.votes.export();
  }

  /** Adds strands recovered elsewhere: keys and their chunks back to back (and, for short checks, their backers). */
  mergeChunks(keys: Float64Array, chunks: Uint8Array, support?: SupportExport): void {
    const cb = this.layout.chunkBytes;
    for (let i = 0; i < keys.length; i++) {
      const chunk = chunks.subarray(i * cb, (i + 1) * cb);
      if (this.short) this.accept(keys[i], chunk, support?.agree[i] ?? 1, support?.dispute[i] ?? 0);
      else this.store.put(keys[i], chunk);
    }
  }

  /** The backers of each of a batch's strands (short checks), beside its chunk list's keys. */
  exportSupport(keys: Float64Array): SupportExport | undefined {
    return this.short && this.support instanceof SparseSupport ? this.support.export(keys) : undefined;
  }

  /**
   * For the rebuild (short checks only): strands more reads dispute than back, and the suspects
   * for when a block disagrees with its parity, likeliest first — repaired strands (each a
   * candidate of many tried), then strands one read backs (a damaged read passes the check once in
   * 2^20), then those a consensus gave (a wrong estimate, as rarely), then the rest by the reads
   * that back them. Lazily: the rebuild takes only as many as its rounds set aside.
   */
  trust(addresses: number): StrandTrust | undefined {
    if (!this.short) return undefined;
    const { support, repaired, fromConsensus, store } = this;
    return {
      distrusted: (a) => support.dispute(a) > 0 && support.dispute(a) >= support.agree(a),
      *suspects() {
        const seen = new Set<number>();
        const fresh = function* (keys: Iterable<number>): Generator<number> {
          for (const a of keys)
            if (!seen.has(a)) {
              seen.add(a);
              yield a;
            }
        };
        yield* fresh(repaired);
        const withBackers = function* (n: number): Generator<number> {
          for (let a = 0; a < addresses; a++) if (store.has(a) && support.agree(a) === n) yield a;
        };
        yield* fresh(withBackers(1));
        yield* fresh(fromConsensus);
        for (let n = 2; n <= 255; n++) yield* fresh(withBackers(n));
      },
    };
  }

  /**
   * The strands recovered so far, spelled out (symbols, strand orientation) with their keys — the
   * anchors the consensus pass clusters reads around (short checks; a store that can give its
   * chunks back). At most `limit` strands.
   */
  *recoveredWords(addresses: number, limit: number): Generator<{ key: number; word: Uint8Array }> {
    const { store, layout, id } = this;
    if (!this.short || !store.get || !id) return;
    const buf = new Uint8Array(Math.ceil((this.K * this.s) / 8));
    let n = 0;
    for (let a = 0; a < addresses && n < limit; a++) {
      const chunk = store.get(a);
      if (!chunk) continue;
      frameBytes({ kind: id.kind, poolId: id.poolId, address: a, chunk }, layout, buf);
      yield { key: a, word: this.codec.encodeStrandBits(buf, 0, this.K) };
      n++;
    }
  }

  /** Counts `reads` more reads backing a short-check strand already stored (reads a consensus pass found to be its copies). */
  back(key: number, reads: number): void {
    if (this.short) this.support.backStored(key, reads);
  }

  /** Whether strands are counted (short checks) rather than taken from their first clean read. */
  get counted(): boolean {
    return this.short;
  }

  /** Adds votes collected elsewhere (skipping strands recovered since). */
  mergeVotes(votes: VoteExport): void {
    this.votes.merge(votes);
  }

  /** Assembles voted strands; returns how many were assembled so far in all. */
  finish(): number {
    const { store } = this;
    for (const key of this.votes.strandKeys()) {
      if (store.has(key)) continue;
      const got = this.assemble(key);
      if (got) {
        store.put(key, got);
        this.byVoting++;
      }
    }
    this.votes.compact();
    return this.byVoting;
  }

  private collect(word: Uint8Array, key: number, address: number): boolean {
    const { K, s, L, bits, statuses, window } = this;
    fillWindow(word, 0, window);
    bits.fill(0);
    this.codec.decodeStrandBits(window, K, bits, 0, statuses);
    let firstBad = K;
    for (let c = 0; c < K; c++) {
      if (statuses[c] < 0) {
        firstBad = c;
        break;
      }
    }
    if (firstBad === K && word.length === L) {
      const f = unframeBytes(bits, this.layout, this.id);
      if (f && f.address === address) {
        this.store.put(key, f.chunk);
        return true;
      }
    }
    // Codewords before the first failure vote from the left-aligned view; with an indel or a
    // failure, those after the last failure vote from the right-aligned view.
    let lastBadRight = K;
    const right = this.bitsRight;
    if (word.length !== L || firstBad < K) {
      fillWindow(word, word.length - L, window);
      right.fill(0);
      this.codec.decodeStrandBits(window, K, right, 0, this.statusesRight);
      lastBadRight = -1;
      for (let c = K - 1; c >= 0; c--) {
        if (this.statusesRight[c] < 0) {
          lastBadRight = c;
          break;
        }
      }
    }
    let any = false;
    for (let c = 0; c < K; c++) {
      if (c < firstBad) this.votes.vote(key, c, bits, c * s);
      else if (c > lastBadRight) this.votes.vote(key, c, right, c * s);
      else continue;
      any = true;
    }
    return any;
  }

  private assemble(key: number): Uint8Array | undefined {
    const { K, s } = this;
    const ranked = this.votes.candidates(key, K);
    if (ranked.some((r) => r.length === 0)) return undefined;
    const choice = new Int32Array(K);
    // Keys of one pool are addresses; across pools (header strands, 24-bit) poolId·2^24 + address.
    const address = this.o.poolId === undefined ? key % 2 ** 24 : key;
    const bits = new Uint8Array(Math.ceil((K * s) / 8) + 1);
    const tryChoice = (): Uint8Array | undefined => {
      bits.fill(0);
      for (let c = 0; c < K; c++) this.votes.writeWord(ranked[c][choice[c]], bits, c * s);
      const f = unframeBytes(bits, this.layout, this.id);
      return f && f.address === address ? f.chunk : undefined;
    };
    const best = tryChoice();
    if (best) return best;
    // One codeword's runner-up at a time: a miscorrected copy that nothing has outvoted yet.
    for (let c = 0; c < K; c++) {
      for (let alt = 1; alt < Math.min(ranked[c].length, 4); alt++) {
        choice[c] = alt;
        const got = tryChoice();
        if (got) return got;
      }
      choice[c] = 0;
    }
    return undefined;
  }
}

export function setListDecoding(codec: LocoCodec, on: boolean): void {
  const mapper = codec.mapper as { listDecoding?: boolean };
  if (typeof mapper.listDecoding === 'boolean') mapper.listDecoding = on;
}

/**
 * Without primers a read's orientation is unknown. Each check2 bridge carries the XOR of the
 * codeword before it, and in the wrong orientation a bridge matches only by chance (1 in 4):
 * count matches both ways and try the likelier orientation first — or only, when it is clear.
 */
export function likelyOrientations(w: Uint8Array, L: number, codec: LocoCodec): boolean[] {
  const m = codec.code.m;
  const K = Math.floor(L / (m + 2));
  let fwd = 0;
  let rev = 0;
  const n = w.length;
  for (let c = 0; c < K; c++) {
    const at = c * (m + 2);
    if (at + m + 2 > n) break;
    let a = 0;
    let b = 0;
    for (let i = 0; i < m; i++) {
      a ^= w[at + i];
      b ^= w[n - 1 - at - i] ^ 1; // the reverse complement, read from the end
    }
    if (CHECK_OF_PAIR[w[at + m] * 4 + w[at + m + 1]] === a) fwd++;
    if (CHECK_OF_PAIR[(w[n - 1 - at - m] ^ 1) * 4 + (w[n - 2 - at - m] ^ 1)] === b) rev++;
  }
  if (fwd > rev + 1) return [false];
  if (rev > fwd + 1) return [true];
  return rev > fwd ? [true, false] : [false, true];
}

const FORWARD = [false];
const REVERSE = [true];
const BOTH = [false, true];
const NEITHER: boolean[] = [];

/** The orientations of a read of the strand length in which every check2 bridge holds. */
export function bridgedOrientations(w: Uint8Array, L: number, codec: LocoCodec): readonly boolean[] {
  const m = codec.code.m;
  const K = Math.floor(L / (m + 2));
  let fwd = true;
  let rev = true;
  const n = w.length;
  for (let c = 0; c < K && (fwd || rev); c++) {
    const at = c * (m + 2);
    let a = 0;
    let b = 0;
    for (let i = 0; i < m; i++) {
      a ^= w[at + i];
      b ^= w[n - 1 - at - i] ^ 1;
    }
    if (CHECK_OF_PAIR[w[at + m] * 4 + w[at + m + 1]] !== a) fwd = false;
    if (CHECK_OF_PAIR[(w[n - 1 - at - m] ^ 1) * 4 + (w[n - 2 - at - m] ^ 1)] !== b) rev = false;
  }
  return fwd ? (rev ? BOTH : FORWARD) : rev ? REVERSE : NEITHER;
}

/** window ← word[offset … offset + L), zero-padded where the word is short. */
function fillWindow(word: Uint8Array, offset: number, window: Uint8Array): void {
  window.fill(0);
  for (let i = 0; i < window.length; i++) {
    const j = offset + i;
    if (j >= 0 && j < word.length) window[i] = word[j];
  }
}

export function reverseComplement(w: Uint8Array): Uint8Array {
  const out = new Uint8Array(w.length);
  // Symbols are A=0, T=1, G=2, C=3: the Watson–Crick partner is x XOR 1.
  for (let i = 0; i < w.length; i++) out[i] = w[w.length - 1 - i] ^ 1;
  return out;
}
