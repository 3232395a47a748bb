/**
 * The decoder's strand slots in a temporary file, for pools too large to hold them in memory
 * (chunk-store.ts decides when). Strands arrive in random address order, and a positioned
 * write of one 22-byte chunk costs a system call (measured 2–8 µs, i.e. 6–20 s for the 2.9 M
 * strands of a 52 MB payload), so the file is not a sparse image indexed by address but a log:
 *
 *   - blocks are grouped (GROUP_BYTES of slots per group), and each group has a small staging
 *     buffer of (address, chunk) records in memory; a full buffer is appended to the file as one
 *     segment (one sequential write per ~4,000 strands);
 *   - the outer code asks for blocks in order; the first block of a group loads that group's
 *     segments (and its records still staged) into one slot array, so every strand is written
 *     once and read once.
 *
 * Memory: the present-bitmap (1 bit per strand), the staging buffers (≤ ~8 MiB in all), one
 * group of slots (≤ GROUP_BYTES) and a segment table (16 bytes per segment). The file is
 * unlinked as soon as it is open where the OS allows it (Linux, macOS): it then vanishes with its
 * descriptor, even if the process is killed; elsewhere close() removes it.
 */
import { closeSync, openSync, readSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnarchiveError } from '../../errors.js';
import type { ChunkStore } from './chunk-store.js';
import { blockOfAddress, blockSizes, blockStarts, type Manifest } from './format.js';

/** Slot bytes per group of blocks loaded at once for the outer code. */
const GROUP_BYTES = 16 * 2 ** 20;
/** Staging buffers in all, shared out among the groups. */
const STAGING_BYTES = 8 * 2 ** 20;
/** Records per staging buffer: at least this many (one write per MIN strands at worst), at most MAX. */
const MIN_RECORDS = 64;
const MAX_RECORDS = 4096;
const ADDRESS_BYTES = 4;

/** The temporary strand file cannot be created, written or read (no space, no permission). */
export class SpillError extends DnarchiveError {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super('SPILL', `${path}: ${detail}`);
  }
}

type Layout = Pick<Manifest, 'dataStrands' | 'parity' | 'blocks' | 'chunkBytes'>;

export interface SpillOptions {
  /** Unlink the file right after opening it (default true); false keeps its name until close(), for tests. */
  unlinkOnOpen?: boolean;
  /** Slot bytes per group (default GROUP_BYTES); small values exercise many groups in tests. */
  groupBytes?: number;
}

export class SpillChunkStore implements ChunkStore {
  readonly spilled = true;
  readonly path: string;
  size = 0;
  private fd: number | undefined;
  private unlinked = false;
  private readonly present: Uint8Array;
  private readonly cb: number;
  private readonly rec: number;
  private readonly sizes: number[];
  private readonly starts: number[];
  private readonly blocksPerGroup: number;
  private readonly perGroup: number;
  private staging: Uint8Array;
  private readonly staged: Int32Array;
  /** Segments of the file: group, byte offset, records. */
  private segGroup = new Int32Array(64);
  private segOffset = new Float64Array(64);
  private segCount = new Int32Array(64);
  private segments = 0;
  private fileEnd = 0;
  private loaded = -1;
  private groupSlots = new Uint8Array(0);
  private groupData = 0;
  private groupDataStart = 0;
  private groupParityStart = 0;

  constructor(
    private readonly man: Layout,
    dir: string = tmpdir(),
    options: SpillOptions = {},
  ) {
    const strands = man.dataStrands + man.parity * man.blocks;
    this.cb = man.chunkBytes;
    this.rec = ADDRESS_BYTES + this.cb;
    this.present = new Uint8Array((strands >> 3) + 1);
    this.sizes = blockSizes(man.dataStrands, man.blocks);
    this.starts = blockStarts(this.sizes);
    const blockBytes = ((this.sizes[0] ?? 0) + man.parity) * this.cb;
    this.blocksPerGroup = Math.max(1, Math.floor((options.groupBytes ?? GROUP_BYTES) / Math.max(1, blockBytes)));
    const groups = Math.max(1, Math.ceil(man.blocks / this.blocksPerGroup));
    this.perGroup = Math.min(MAX_RECORDS, Math.max(MIN_RECORDS, Math.floor(STAGING_BYTES / groups / this.rec)));
    this.staging = new Uint8Array(groups * this.perGroup * this.rec);
    this.staged = new Int32Array(groups);
    this.path = join(dir, `.dnarchive-strands-${randomBytes(6).toString('hex')}.tmp`);
    try {
      this.fd = openSync(this.path, 'wx+', 0o600);
    } catch (err) {
      throw new SpillError(this.path, `cannot create the temporary strand file (${(err as Error).message}); choose another folder for it`);
    }
    if (options.unlinkOnOpen ?? true) {
      try {
        unlinkSync(this.path);
        this.unlinked = true;
      } catch {
        // Windows cannot unlink an open file: close() removes it.
      }
    }
  }

  has(a: number): boolean {
    return ((this.present[a >> 3] >> (a & 7)) & 1) === 1;
  }

  put(a: number, chunk: Uint8Array): void {
    if (this.has(a)) return;
    this.checkOpen('put');
    this.present[a >> 3] |= 1 << (a & 7);
    this.size++;
    const g = Math.floor(blockOfAddress(this.man, a) / this.blocksPerGroup);
    if (g === this.loaded) this.place(a, chunk, 0);
    const at = (g * this.perGroup + this.staged[g]) * this.rec;
    const s = this.staging;
    s[at] = a >>> 24;
    s[at + 1] = (a >>> 16) & 0xff;
    s[at + 2] = (a >>> 8) & 0xff;
    s[at + 3] = a & 0xff;
    s.set(chunk.subarray(0, this.cb), at + ADDRESS_BYTES);
    if (++this.staged[g] === this.perGroup) this.flush(g);
  }

  blockSlots(b: number): (Uint8Array | null)[] {
    this.checkOpen('blockSlots');
    const g = Math.floor(b / this.blocksPerGroup);
    if (g !== this.loaded) this.load(g);
    const { man, cb } = this;
    const out: (Uint8Array | null)[] = [];
    const view = (a: number): Uint8Array | null => {
      if (!this.has(a)) return null;
      const i = this.local(a);
      return this.groupSlots.subarray(i * cb, (i + 1) * cb);
    };
    for (let i = 0; i < this.sizes[b]; i++) out.push(view(this.starts[b] + i));
    for (let i = 0; i < man.parity; i++) out.push(view(man.dataStrands + b * man.parity + i));
    return out;
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
    if (!this.unlinked) {
      rmSync(this.path, { force: true });
      this.unlinked = true;
    }
    this.staging = new Uint8Array(0);
    this.groupSlots = new Uint8Array(0);
  }

  /** Slot index of address a within the loaded group: its data strands, then its parity strands. */
  private local(a: number): number {
    return a < this.man.dataStrands ? a - this.groupDataStart : this.groupData + (a - this.groupParityStart);
  }

  private place(a: number, src: Uint8Array, at: number): void {
    const i = this.local(a);
    this.groupSlots.set(src.subarray(at, at + this.cb), i * this.cb);
  }

  private flush(g: number): void {
    const n = this.staged[g];
    if (n === 0) return;
    const bytes = n * this.rec;
    this.io('write', () => {
      const from = g * this.perGroup * this.rec;
      for (let done = 0; done < bytes;) done += writeSync(this.fd!, this.staging, from + done, bytes - done, this.fileEnd + done);
    });
    if (this.segments === this.segGroup.length) this.growSegments();
    this.segGroup[this.segments] = g;
    this.segOffset[this.segments] = this.fileEnd;
    this.segCount[this.segments] = n;
    this.segments++;
    this.fileEnd += bytes;
    this.staged[g] = 0;
  }

  private load(g: number): void {
    const { man, cb, rec } = this;
    const b0 = g * this.blocksPerGroup;
    const b1 = Math.min(man.blocks, b0 + this.blocksPerGroup);
    this.groupDataStart = this.starts[b0];
    this.groupData = this.starts[b1 - 1] + this.sizes[b1 - 1] - this.groupDataStart;
    this.groupParityStart = man.dataStrands + b0 * man.parity;
    const slots = this.groupData + (b1 - b0) * man.parity;
    if (this.groupSlots.length < slots * cb) this.groupSlots = new Uint8Array(slots * cb);
    this.loaded = g;
    const scatter = (buf: Uint8Array, n: number): void => {
      for (let r = 0; r < n; r++) {
        const at = r * rec;
        const a = ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
        this.place(a, buf, at + ADDRESS_BYTES);
      }
    };
    const buf = new Uint8Array(this.perGroup * rec);
    for (let s = 0; s < this.segments; s++) {
      if (this.segGroup[s] !== g) continue;
      const bytes = this.segCount[s] * rec;
      const offset = this.segOffset[s];
      this.io('read', () => {
        for (let done = 0; done < bytes;) {
          const n = readSync(this.fd!, buf, done, bytes - done, offset + done);
          if (n === 0) throw new Error(`unexpected end of file at byte ${offset + done}`);
          done += n;
        }
      });
      scatter(buf, this.segCount[s]);
    }
    const from = g * this.perGroup * rec;
    scatter(this.staging.subarray(from, from + this.staged[g] * rec), this.staged[g]);
  }

  private growSegments(): void {
    const n = this.segGroup.length * 2;
    const grow = <T extends Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const out = make(n);
      out.set(a);
      return out;
    };
    this.segGroup = grow(this.segGroup, (k) => new Int32Array(k));
    this.segOffset = grow(this.segOffset, (k) => new Float64Array(k));
    this.segCount = grow(this.segCount, (k) => new Int32Array(k));
  }

  private checkOpen(what: string): void {
    if (this.fd === undefined) throw new SpillError(this.path, `the strand store is closed (${what} after close())`);
  }

  private io(what: 'read' | 'write', fn: () => void): void {
    try {
      fn();
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOSPC' ? `no space left for the temporary strand file (${Math.round(this.fileEnd / 2 ** 20)} MiB written so far)` : e.message;
      throw new SpillError(this.path, `cannot ${what} the temporary strand file: ${why}`);
    }
  }
}
