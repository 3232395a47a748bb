/** MSB-first bit writer and reader for the entropy streams' table headers (small: kilobytes at most). */
import { EntropyStreamError } from './errors.js';

export class BitWriter {
  private readonly buf: Uint8Array;
  private bit = 0;

  /** `capacityBits`: an upper bound on what will be written. */
  constructor(capacityBits: number) {
    this.buf = new Uint8Array(Math.ceil(capacityBits / 8));
  }

  /** Writes the low `n` bits of `v` (n ≤ 24), most significant first. */
  write(v: number, n: number): void {
    for (let i = n - 1; i >= 0; i--) {
      if ((v >>> i) & 1) this.buf[this.bit >>> 3] |= 0x80 >>> (this.bit & 7);
      this.bit++;
    }
  }

  /** The bytes written, the last one padded with zero bits. */
  bytes(): Uint8Array {
    return this.buf.slice(0, Math.ceil(this.bit / 8));
  }
}

export class BitReader {
  private bit: number;

  constructor(
    private readonly data: Uint8Array,
    offset: number,
    private readonly where: string,
  ) {
    this.bit = offset * 8;
  }

  /** Reads `n` bits (n ≤ 24); a read past the end of the data is a truncated stream. */
  read(n: number, field: string): number {
    if (this.bit + n > this.data.length * 8) throw new EntropyStreamError(this.where, this.data.length, `stream ends inside ${field}: truncated`);
    let v = 0;
    for (let i = 0; i < n; i++) {
      v = (v << 1) | ((this.data[this.bit >>> 3] >>> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }

  /** Skips to the next byte boundary, requiring the skipped bits to be zero (one canonical stream); returns the byte offset. */
  align(field: string): number {
    while (this.bit & 7) {
      if (this.read(1, field) !== 0) throw new EntropyStreamError(this.where, (this.bit - 1) >>> 3, `nonzero padding bit after ${field}: corrupt stream`);
    }
    return this.bit >>> 3;
  }
}
