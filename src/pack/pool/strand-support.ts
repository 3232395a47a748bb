/**
 * How many reads back each recovered strand, for pools whose strands carry a short check (format
 * 3: 20 bits). A damaged read passes such a check once in 2^20 tries, so across the hundreds of
 * thousands of damaged reads of a pool a wrong strand is accepted now and then; the decoder must
 * not let it spoil a Reed–Solomon block. Per strand this keeps a 16-bit fingerprint of the chunk
 * stored, the reads that agree with it and the reads (or worker batches) that offered a different
 * chunk. The rebuild (rebuild.ts) leaves out a strand that more reads dispute than back it, and,
 * when a block's surplus strands show a wrong one, the strands that only one read backs.
 *
 * Two shapes: dense (typed arrays over every address: 4 bytes a strand, for the calling thread's
 * collector) and sparse (a Map, for a worker's batch of reads, which sees a few thousand strands).
 */
import { crc32 } from '../crc32.js';

export interface SupportExport {
  /** Per exported key (in the order of the batch's chunk list): agreeing reads, then disputing ones. */
  agree: Uint8Array;
  dispute: Uint8Array;
}

const MAX = 255;

export function chunkFingerprint(chunk: Uint8Array): number {
  return crc32(chunk) & 0xffff;
}

export interface StrandSupport {
  /**
   * Records `agree` reads offering a chunk of fingerprint `fp` for `key` (and `dispute` reads that
   * offered another, as counted by a worker): the first offer for a key sets its fingerprint, the
   * one of the chunk the store keeps.
   */
  offer(key: number, fp: number, agree: number, dispute: number): void;
  agree(key: number): number;
  dispute(key: number): number;
  /** Adds backers to the chunk stored for `key` (reads shown to be its copies). */
  backStored(key: number, reads: number): void;
}

/** Typed arrays over addresses 0 … n − 1. */
export class DenseSupport implements StrandSupport {
  private readonly fp: Uint16Array;
  private readonly agrees: Uint8Array;
  private readonly disputes: Uint8Array;

  constructor(n: number) {
    this.fp = new Uint16Array(n);
    this.agrees = new Uint8Array(n);
    this.disputes = new Uint8Array(n);
  }

  offer(key: number, fp: number, agree: number, dispute: number): void {
    if (this.agrees[key] === 0 && this.disputes[key] === 0) {
      this.fp[key] = fp;
      this.agrees[key] = Math.min(MAX, agree);
      this.disputes[key] = Math.min(MAX, dispute);
    } else if (this.fp[key] === fp) {
      this.agrees[key] = Math.min(MAX, this.agrees[key] + agree);
      this.disputes[key] = Math.min(MAX, this.disputes[key] + dispute);
    } else {
      // A batch whose first chunk differs from ours: its backers dispute ours.
      this.disputes[key] = Math.min(MAX, this.disputes[key] + agree);
    }
  }

  agree(key: number): number {
    return this.agrees[key];
  }

  backStored(key: number, reads: number): void {
    this.agrees[key] = Math.min(MAX, this.agrees[key] + reads);
  }

  dispute(key: number): number {
    return this.disputes[key];
  }
}

/** A Map for a worker's batch; exported beside the batch's chunk list. */
export class SparseSupport implements StrandSupport {
  private readonly table = new Map<number, { fp: number; agree: number; dispute: number }>();

  offer(key: number, fp: number, agree: number, dispute: number): void {
    const t = this.table.get(key);
    if (!t) this.table.set(key, { fp, agree, dispute });
    else if (t.fp === fp) {
      t.agree = Math.min(MAX, t.agree + agree);
      t.dispute = Math.min(MAX, t.dispute + dispute);
    } else t.dispute = Math.min(MAX, t.dispute + agree);
  }

  agree(key: number): number {
    return this.table.get(key)?.agree ?? 0;
  }

  backStored(key: number, reads: number): void {
    const t = this.table.get(key);
    if (t) t.agree = Math.min(MAX, t.agree + reads);
  }

  dispute(key: number): number {
    return this.table.get(key)?.dispute ?? 0;
  }

  export(keys: Float64Array): SupportExport {
    const agree = new Uint8Array(keys.length);
    const dispute = new Uint8Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      agree[i] = this.agree(keys[i]);
      dispute[i] = this.dispute(keys[i]);
    }
    return { agree, dispute };
  }
}
