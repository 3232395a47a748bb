/**
 * Where the decoder keeps recovered strands: one fixed-stride slot per address and a bitmap of
 * the slots filled, instead of a map of small arrays (which cost about 40× the payload in
 * objects). Two stores behind one interface:
 *
 *   - MemoryChunkStore: all slots in one Uint8Array (strands × chunkBytes; 1.22× the payload at
 *     the default parity), read back as views;
 *   - SpillChunkStore (spill-store.ts): for pools whose slots exceed `chunkMemory` (default
 *     DEFAULT_CHUNK_MEMORY), slots go to a temporary file and come back one group of blocks at
 *     a time, so memory stays bounded whatever the payload size.
 *
 * Both hand the outer code one Reed–Solomon block at a time (blockSlots), in block order.
 */
import type { Manifest } from './format.js';
import { blockSizes, blockStarts } from './format.js';
import { SpillChunkStore } from './spill-store.js';

/** Recovered chunks by strand key (an address, or pool id and address for headers). */
export interface StrandStore {
  /** Chunks stored. */
  readonly size: number;
  has(key: number): boolean;
  /** Stores chunkBytes bytes of `chunk` under `key`; a key already present keeps its first chunk. */
  put(key: number, chunk: Uint8Array): void;
  /** The chunk stored under `key` (a view), where the store can give it cheaply (not a spilled store). */
  get?(key: number): Uint8Array | undefined;
}

/** A StrandStore indexed by address that hands out whole Reed–Solomon blocks. */
export interface ChunkStore extends StrandStore {
  /** True when the slots live in a temporary file. */
  readonly spilled: boolean;
  /**
   * The k + r slots of block b in the order of blockAddresses (data, then parity), null where
   * no strand was recovered. The views stay valid until the next call; call in block order
   * (a spilled store loads each group of blocks once).
   */
  blockSlots(b: number): (Uint8Array | null)[];
  /** Releases memory and removes any temporary file; safe to call twice. */
  close(): void;
}

/**
 * Slots kept in memory up to this many bytes (strands × chunkBytes), in a temporary file beyond.
 * 256 MiB holds the strands of a payload of about 220 MB at the default strand length and
 * parity, so ordinary files decode without touching the disk (though spilling cost no more
 * than the noise of our runs, ±15 %), while larger archives — GBs, with longer strands, as the 24-bit address
 * space allows — cost a bounded few tens of MB (bitmaps, one group of blocks, staging buffers)
 * plus the votes of strands still missing.
 */
export const DEFAULT_CHUNK_MEMORY = 256 * 2 ** 20;

export interface ChunkStoreOptions {
  /** Slot bytes kept in memory before spilling to a file (default DEFAULT_CHUNK_MEMORY). */
  chunkMemory?: number;
  /** Folder for the temporary file (default os.tmpdir()). */
  spillDir?: string;
}

type Layout = Pick<Manifest, 'dataStrands' | 'parity' | 'blocks' | 'chunkBytes'>;

export function openChunkStore(man: Layout, options: ChunkStoreOptions = {}): ChunkStore {
  const strands = man.dataStrands + man.parity * man.blocks;
  const limit = options.chunkMemory ?? DEFAULT_CHUNK_MEMORY;
  return strands * man.chunkBytes <= limit ? new MemoryChunkStore(man) : new SpillChunkStore(man, options.spillDir);
}

export class MemoryChunkStore implements ChunkStore {
  readonly spilled = false;
  size = 0;
  private slots: Uint8Array;
  private readonly present: Uint8Array;
  private readonly cb: number;
  private readonly sizes: number[];
  private readonly starts: number[];

  constructor(private readonly man: Layout) {
    const strands = man.dataStrands + man.parity * man.blocks;
    this.cb = man.chunkBytes;
    this.slots = new Uint8Array(strands * this.cb);
    this.present = new Uint8Array((strands >> 3) + 1);
    this.sizes = blockSizes(man.dataStrands, man.blocks);
    this.starts = blockStarts(this.sizes);
  }

  has(a: number): boolean {
    return ((this.present[a >> 3] >> (a & 7)) & 1) === 1;
  }

  put(a: number, chunk: Uint8Array): void {
    if (this.has(a)) return;
    this.present[a >> 3] |= 1 << (a & 7);
    this.slots.set(chunk.subarray(0, this.cb), a * this.cb);
    this.size++;
  }

  get(a: number): Uint8Array | undefined {
    return this.has(a) ? this.slots.subarray(a * this.cb, (a + 1) * this.cb) : undefined;
  }

  blockSlots(b: number): (Uint8Array | null)[] {
    const { man, cb } = this;
    const out: (Uint8Array | null)[] = [];
    const view = (a: number): Uint8Array | null => (this.has(a) ? this.slots.subarray(a * cb, (a + 1) * cb) : null);
    for (let i = 0; i < this.sizes[b]; i++) out.push(view(this.starts[b] + i));
    for (let i = 0; i < man.parity; i++) out.push(view(man.dataStrands + b * man.parity + i));
    return out;
  }

  close(): void {
    this.slots = new Uint8Array(0);
  }
}
