/**
 * Per-codeword votes for strands that have no clean copy yet (collect.ts), in flat typed arrays
 * rather than a map of maps of small objects per strand. A record is one candidate value of one
 * codeword of one strand with its vote count: key (Float64, so header keys of pool id · 2^24 +
 * address fit), codeword index, count, the codeword's message bits (MSB-first, wordBytes), and
 * the next record of the same strand. An open-addressing table maps a strand key to its first
 * and last record. Records of a strand stay in arrival order, so a tie between candidates is
 * broken by which came first — deterministic whenever the reads arrive in a fixed order.
 *
 * Strands recovered later (a clean copy, or voting succeeded) leave dead records behind; when the
 * arena is full it first drops those (isDone) and grows only if live records still fill half.
 */

export interface VoteExport {
  keys: Float64Array;
  codewords: Uint8Array;
  counts: Uint32Array;
  /** wordBytes per record. */
  words: Uint8Array;
}

const EMPTY = -1;

export class VoteArena {
  readonly wordBytes: number;
  private keys: Float64Array;
  private next: Int32Array;
  private cws: Uint8Array;
  private counts: Uint32Array;
  private words: Uint8Array;
  private n = 0;
  private slotKey: Float64Array;
  private slotHead: Int32Array;
  private slotTail: Int32Array;
  private used = 0;
  private readonly scratch: Uint8Array;

  constructor(
    readonly wordBits: number,
    /** True for a strand recovered since: its records may be dropped. */
    private readonly isDone: (key: number) => boolean = () => false,
    capacity = 256,
  ) {
    this.wordBytes = Math.ceil(wordBits / 8);
    this.keys = new Float64Array(capacity);
    this.next = new Int32Array(capacity);
    this.cws = new Uint8Array(capacity);
    this.counts = new Uint32Array(capacity);
    this.words = new Uint8Array(capacity * this.wordBytes);
    this.scratch = new Uint8Array(this.wordBytes + 1);
    this.slotKey = new Float64Array(64).fill(EMPTY);
    this.slotHead = new Int32Array(64);
    this.slotTail = new Int32Array(64);
  }

  /** Records held (live and dead). */
  get records(): number {
    return this.n;
  }

  /** Strands with records. */
  get strands(): number {
    return this.used;
  }

  /** Bytes of typed arrays held (records and table). */
  get bytes(): number {
    return this.keys.length * (8 + 4 + 1 + 4 + this.wordBytes) + this.slotKey.length * 16;
  }

  /** One vote for codeword c of strand `key`: the wordBits bits of `src` from bit `bitPos`. */
  vote(key: number, c: number, src: Uint8Array, bitPos: number): void {
    const { scratch, wordBytes: wb } = this;
    const byte = bitPos >> 3;
    const shift = bitPos & 7;
    for (let j = 0; j < wb; j++) scratch[j] = ((src[byte + j] << shift) | ((src[byte + j + 1] ?? 0) >> (8 - shift))) & 0xff;
    const spare = 8 * wb - this.wordBits;
    scratch[wb - 1] &= (0xff << spare) & 0xff;
    this.add(key, c, scratch, 0, 1);
  }

  /** Adds n votes for the word at words[at … at + wordBytes) of codeword c of strand `key`. */
  add(key: number, c: number, words: Uint8Array, at: number, n: number): void {
    if (this.n === this.keys.length) this.makeRoom();
    const wb = this.wordBytes;
    const s = this.find(key);
    let last = EMPTY;
    if (this.slotKey[s] === key) {
      for (let r = this.slotHead[s]; r !== EMPTY; r = this.next[r]) {
        last = r;
        if (this.cws[r] !== c) continue;
        let same = true;
        const o = r * wb;
        for (let j = 0; j < wb && same; j++) same = this.words[o + j] === words[at + j];
        if (same) {
          this.counts[r] += n;
          return;
        }
      }
    }
    const r = this.n++;
    this.keys[r] = key;
    this.cws[r] = c;
    this.counts[r] = n;
    this.next[r] = EMPTY;
    this.words.set(words.subarray(at, at + wb), r * wb);
    this.link(s, key, r, last);
  }

  /** Every strand key with records, in table order. */
  *strandKeys(): Generator<number> {
    for (let s = 0; s < this.slotKey.length; s++) if (this.slotKey[s] !== EMPTY) yield this.slotKey[s];
  }

  /**
   * The candidates of each codeword (0 … K − 1) of a strand, most votes first, ties in arrival
   * order: record indices for wordAt.
   */
  candidates(key: number, K: number): number[][] {
    const out: number[][] = Array.from({ length: K }, () => []);
    const s = this.find(key);
    if (this.slotKey[s] !== key) return out;
    for (let r = this.slotHead[s]; r !== EMPTY; r = this.next[r]) if (this.cws[r] < K) out[this.cws[r]].push(r);
    for (const list of out) list.sort((a, b) => this.counts[b] - this.counts[a] || a - b);
    return out;
  }

  /** ORs the bits of record r into dst at bit position pos (dst zeroed there). */
  writeWord(r: number, dst: Uint8Array, pos: number): void {
    const wb = this.wordBytes;
    const byte = pos >> 3;
    const shift = pos & 7;
    for (let j = 0; j < wb; j++) {
      const v = this.words[r * wb + j];
      dst[byte + j] |= v >> shift;
      if (shift) dst[byte + j + 1] |= (v << (8 - shift)) & 0xff;
    }
  }

  /** Live records in arrival order, as typed arrays fit to send to another thread. */
  export(): VoteExport {
    this.compact();
    const n = this.n;
    return { keys: this.keys.slice(0, n), codewords: this.cws.slice(0, n), counts: this.counts.slice(0, n), words: this.words.slice(0, n * this.wordBytes) };
  }

  /** Adds another arena's export, skipping strands already done. */
  merge(e: VoteExport): void {
    for (let i = 0; i < e.keys.length; i++) if (!this.isDone(e.keys[i])) this.add(e.keys[i], e.codewords[i], e.words, i * this.wordBytes, e.counts[i]);
  }

  /** Drops the records of strands done; keeps the others in order. */
  compact(): void {
    const { wordBytes: wb } = this;
    let w = 0;
    for (let r = 0; r < this.n; r++) {
      if (this.isDone(this.keys[r])) continue;
      if (w !== r) {
        this.keys[w] = this.keys[r];
        this.cws[w] = this.cws[r];
        this.counts[w] = this.counts[r];
        this.words.copyWithin(w * wb, r * wb, (r + 1) * wb);
      }
      w++;
    }
    this.n = w;
    this.rebuildIndex(this.slotKey.length);
  }

  private makeRoom(): void {
    this.compact();
    if (this.n * 2 <= this.keys.length) return;
    const cap = this.keys.length * 2;
    const grow = <T extends Float64Array | Int32Array | Uint8Array | Uint32Array>(a: T, make: new (n: number) => T, per = 1): T => {
      const out = new make(cap * per);
      out.set(a);
      return out;
    };
    this.keys = grow(this.keys, Float64Array);
    this.next = grow(this.next, Int32Array);
    this.cws = grow(this.cws, Uint8Array);
    this.counts = grow(this.counts, Uint32Array);
    this.words = grow(this.words, Uint8Array, this.wordBytes);
  }

  /** Re-links records 0 … n − 1 into a fresh table of at least `size` slots. */
  private rebuildIndex(size: number): void {
    let cap = Math.max(64, size);
    while (cap < 4 * this.countKeys()) cap *= 2;
    this.slotKey = new Float64Array(cap).fill(EMPTY);
    this.slotHead = new Int32Array(cap);
    this.slotTail = new Int32Array(cap);
    this.used = 0;
    for (let r = 0; r < this.n; r++) {
      this.next[r] = EMPTY;
      const s = this.find(this.keys[r]);
      this.link(s, this.keys[r], r, this.slotKey[s] === this.keys[r] ? this.slotTail[s] : EMPTY);
    }
  }

  private countKeys(): number {
    // An upper bound is enough: records ≥ keys.
    return Math.min(this.used, this.n);
  }

  private link(s: number, key: number, r: number, last: number): void {
    if (this.slotKey[s] !== key) {
      this.slotKey[s] = key;
      this.slotHead[s] = r;
      this.slotTail[s] = r;
      if (++this.used * 2 > this.slotKey.length) this.rebuildIndex(this.slotKey.length * 2);
      return;
    }
    this.next[last] = r;
    this.slotTail[s] = r;
  }

  /** The slot holding key, or the empty slot where it would go. */
  private find(key: number): number {
    const mask = this.slotKey.length - 1;
    const lo = key >>> 0;
    const hi = (key / 4294967296) >>> 0;
    let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
    h ^= h >>> 15;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const k = this.slotKey[s];
      if (k === key || k === EMPTY) return s;
    }
  }
}
