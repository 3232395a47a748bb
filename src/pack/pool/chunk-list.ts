/**
 * A small StrandStore for a bounded number of strands under arbitrary keys: the chunks one
 * worker recovers from its batch of reads (handed back to the calling thread as two typed
 * arrays), and the header strands (keyed by pool id and address, as mixed pools must be told
 * apart). Chunks sit back to back in one growing buffer; a Map finds a key's slot.
 */
import type { StrandStore } from './chunk-store.js';

export class ChunkList implements StrandStore {
  private readonly index = new Map<number, number>();
  private keyList = new Float64Array(64);
  private data: Uint8Array;

  constructor(readonly chunkBytes: number) {
    this.data = new Uint8Array(64 * chunkBytes);
  }

  get size(): number {
    return this.index.size;
  }

  has(key: number): boolean {
    return this.index.has(key);
  }

  put(key: number, chunk: Uint8Array): void {
    if (this.index.has(key)) return;
    const i = this.index.size;
    if (i === this.keyList.length) {
      const keys = new Float64Array(2 * i);
      keys.set(this.keyList);
      this.keyList = keys;
      const data = new Uint8Array(2 * i * this.chunkBytes);
      data.set(this.data);
      this.data = data;
    }
    this.keyList[i] = key;
    this.data.set(chunk.subarray(0, this.chunkBytes), i * this.chunkBytes);
    this.index.set(key, i);
  }

  get(key: number): Uint8Array | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.data.subarray(i * this.chunkBytes, (i + 1) * this.chunkBytes);
  }

  /** Keys in the order stored, and their chunks back to back (copies, fit to send to another thread). */
  packed(): { keys: Float64Array; chunks: Uint8Array } {
    const n = this.index.size;
    return { keys: this.keyList.slice(0, n), chunks: this.data.slice(0, n * this.chunkBytes) };
  }

  *entries(): Generator<[number, Uint8Array]> {
    for (let i = 0; i < this.index.size; i++) yield [this.keyList[i], this.data.subarray(i * this.chunkBytes, (i + 1) * this.chunkBytes)];
  }
}
