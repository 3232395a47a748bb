/**
 * The decoder's strand stores: the in-memory slot array and the spill file give the same blocks
 * for the same strands (random order, duplicates: the first copy wins), across group boundaries
 * and staging flushes; the spill file is removed on close (or never visible at all), and the
 * threshold picks the store. Also blockOfAddress against blockAddresses.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryChunkStore, openChunkStore, type ChunkStore } from '../../src/pack/pool/chunk-store.js';
import { blockAddresses, blockOfAddress } from '../../src/pack/pool/format.js';
import { SpillChunkStore, SpillError } from '../../src/pack/pool/spill-store.js';
import { Rng } from '../../src/random.js';

const dir = mkdtempSync(join(tmpdir(), 'dnarchive-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Layout {
  dataStrands: number;
  parity: number;
  blocks: number;
  chunkBytes: number;
}

const strandsOf = (l: Layout): number => l.dataStrands + l.parity * l.blocks;

/** Puts a random ~85 % of the strands in random order, some twice (the second copy differs). */
function fill(stores: ChunkStore[], l: Layout, seed: number): Set<number> {
  const rng = new Rng(seed);
  const order = Array.from({ length: strandsOf(l) }, (_, a) => a).filter(() => rng.below(100) < 85);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const chunk = (a: number, copy: number): Uint8Array => Uint8Array.from({ length: l.chunkBytes }, (_, i) => (a * 31 + i * 7 + copy * 101) & 0xff);
  for (const a of order) {
    for (const s of stores) s.put(a, chunk(a, 0));
    if (rng.below(10) === 0) for (const s of stores) s.put(a, chunk(a, 1));
  }
  return new Set(order);
}

function expectSameBlocks(a: ChunkStore, b: ChunkStore, l: Layout, present: Set<number>): void {
  const wrong: string[] = [];
  for (let blk = 0; blk < l.blocks; blk++) {
    const sa = a.blockSlots(blk);
    const sb = b.blockSlots(blk);
    const addresses = blockAddresses(l, blk);
    expect(sa.length).toBe(addresses.length);
    for (let i = 0; i < sa.length; i++) {
      const x = sa[i];
      const y = sb[i];
      if ((x === null) !== !present.has(addresses[i])) wrong.push(`${addresses[i]}: presence`);
      else if ((x === null) !== (y === null) || (x && !Buffer.from(x).equals(Buffer.from(y!)))) wrong.push(`${addresses[i]}: stores differ`);
      // The first copy put is the one kept.
      else if (x && x[0] !== ((addresses[i] * 31) & 0xff)) wrong.push(`${addresses[i]}: not the first copy`);
    }
  }
  expect(wrong.slice(0, 5)).toEqual([]);
}

describe('blockOfAddress', () => {
  it.each([
    [1, 1, 0],
    [1001, 7, 5],
    [4000, 2, 400],
    [12, 12, 3],
  ])('agrees with blockAddresses (%i data strands, %i blocks, parity %i)', (dataStrands, blocks, parity) => {
    const l = { dataStrands, blocks, parity };
    for (let b = 0; b < blocks; b++) for (const a of blockAddresses(l, b)) expect(blockOfAddress(l, a)).toBe(b);
  });
});

describe('memory and spill stores', () => {
  const layouts: Array<[string, Layout, number | undefined]> = [
    ['uneven blocks, one block per group', { dataStrands: 1003, blocks: 7, parity: 5, chunkBytes: 6 }, 1],
    ['uneven blocks, two blocks per group', { dataStrands: 1003, blocks: 7, parity: 5, chunkBytes: 6 }, 2 * 149 * 6],
    ['staging buffers flushed many times', { dataStrands: 30_000, blocks: 3, parity: 100, chunkBytes: 4 }, undefined],
  ];
  it.each(layouts)('same blocks: %s', (_, l, groupBytes) => {
    const mem = new MemoryChunkStore(l);
    const spill = new SpillChunkStore(l, dir, { groupBytes });
    try {
      const present = fill([mem, spill], l, 3);
      expect(spill.size).toBe(present.size);
      expect(mem.size).toBe(present.size);
      for (let a = 0; a < strandsOf(l); a++) expect(spill.has(a)).toBe(present.has(a));
      expectSameBlocks(mem, spill, l, present);
      // Blocks may be asked for again (a group is reloaded).
      expectSameBlocks(mem, spill, l, present);
    } finally {
      spill.close();
      mem.close();
    }
  });

  it('a strand put after its group was loaded is seen', () => {
    const l = { dataStrands: 100, blocks: 2, parity: 4, chunkBytes: 2 };
    const spill = new SpillChunkStore(l, dir);
    try {
      spill.put(0, Uint8Array.of(1, 2));
      expect(spill.blockSlots(0)[1]).toBeNull();
      spill.put(1, Uint8Array.of(3, 4));
      expect([...spill.blockSlots(0)[1]!]).toEqual([3, 4]);
    } finally {
      spill.close();
    }
  });
});

describe('the spill file', () => {
  const l = { dataStrands: 5000, blocks: 3, parity: 50, chunkBytes: 8 };

  it('is unlinked as soon as it is open (nothing to leave behind even if the process dies)', () => {
    const sub = mkdtempSync(join(dir, 'early-'));
    const spill = new SpillChunkStore(l, sub);
    fill([spill], l, 5);
    expect(readdirSync(sub)).toEqual([]);
    spill.blockSlots(0);
    spill.close();
    expect(readdirSync(sub)).toEqual([]);
  });

  it('where it cannot be unlinked while open, close() removes it (twice is harmless)', () => {
    const spill = new SpillChunkStore(l, dir, { unlinkOnOpen: false });
    fill([spill], l, 6);
    expect(existsSync(spill.path)).toBe(true);
    spill.close();
    expect(existsSync(spill.path)).toBe(false);
    expect(() => spill.close()).not.toThrow();
    expect(() => spill.blockSlots(0)).toThrow(SpillError);
  });

  it('a folder that does not exist is a SpillError naming the path', () => {
    expect(() => new SpillChunkStore(l, join(dir, 'no', 'such'))).toThrow(
      /no[\\/]such[\\/]\.dnarchive-strands-[0-9a-f]+\.tmp: cannot create the temporary strand file/,
    );
  });

  it('openChunkStore spills only beyond chunkMemory', () => {
    const bytes = strandsOf(l) * l.chunkBytes;
    const a = openChunkStore(l, { chunkMemory: bytes, spillDir: dir });
    const b = openChunkStore(l, { chunkMemory: bytes - 1, spillDir: dir });
    expect(a.spilled).toBe(false);
    expect(b.spilled).toBe(true);
    a.close();
    b.close();
    expect(openChunkStore(l).spilled).toBe(false);
  });
});
