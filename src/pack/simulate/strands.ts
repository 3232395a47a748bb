/**
 * The channel's input: strands as ASCII bytes. PackedStrands keeps a pool of millions of strands
 * at one byte per nucleotide plus 12 bytes per strand, in 16 MiB slabs (no doubling copies, no
 * per-strand objects), so the simulator can read a pool file record by record and drop the
 * strings; the channel reads strands in place from the slabs.
 */
import { DnarchiveError } from '../../errors.js';

/** A strand handed to the channel that is not A/C/G/T text. */
export class StrandInputError extends DnarchiveError {
  constructor(
    readonly index: number,
    detail: string,
  ) {
    super('SIMULATE_INPUT', `strand ${index + 1}: ${detail}`);
  }
}

const ACGT = /^[ACGT]*$/;

/** Throws StrandInputError unless seq is upper-case A, C, G, T (the channel's alphabet). */
export function checkStrand(seq: string, index: number): void {
  if (ACGT.test(seq)) return;
  const i = seq.search(/[^ACGT]/);
  throw new StrandInputError(index, `invalid nucleotide ${JSON.stringify(seq[i])} at column ${i + 1}; only upper-case A, C, G, T are allowed`);
}

const SLAB = 16 << 20;

export class PackedStrands {
  private slabs: Buffer[] = [];
  private used = SLAB;
  private slabOf = new Int32Array(1024);
  private start = new Int32Array(1024);
  private len = new Int32Array(1024);
  count = 0;
  /** Total nucleotides. */
  nucleotides = 0;

  /** Appends one strand of upper-case A, C, G, T. */
  add(seq: string): void {
    checkStrand(seq, this.count);
    const n = seq.length;
    if (this.used + n > SLAB) {
      this.slabs.push(Buffer.allocUnsafe(Math.max(SLAB, n)));
      this.used = 0;
    }
    if (this.count === this.len.length) this.grow();
    const slab = this.slabs.length - 1;
    this.slabs[slab].write(seq, this.used, n, 'latin1');
    this.slabOf[this.count] = slab;
    this.start[this.count] = this.used;
    this.len[this.count] = n;
    this.count++;
    this.used += n;
    this.nucleotides += n;
  }

  private grow(): void {
    const size = this.len.length * 2;
    for (const key of ['slabOf', 'start', 'len'] as const) {
      const next = new Int32Array(size);
      next.set(this[key]);
      this[key] = next;
    }
  }

  length(i: number): number {
    return this.len[i];
  }

  /** The slab holding strand i; its letters start at offset(i). Read in place, no copy. */
  slab(i: number): Uint8Array {
    return this.slabs[this.slabOf[i]];
  }

  offset(i: number): number {
    return this.start[i];
  }

  /** Strand i as text (for tests and messages). */
  get(i: number): string {
    const s = this.start[i];
    return this.slabs[this.slabOf[i]].toString('latin1', s, s + this.len[i]);
  }
}

/** Packs an iterable of strands. */
export function packStrands(strands: Iterable<string>): PackedStrands {
  const p = new PackedStrands();
  for (const s of strands) p.add(s);
  return p;
}
