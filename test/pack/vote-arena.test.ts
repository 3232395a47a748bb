/**
 * The decoder's vote arena: counts per candidate word, candidates ranked by votes with ties in
 * arrival order, words read from and written back to any bit position, export → merge giving the
 * same candidates, and dead strands dropped when the arena fills (checked against a plain map).
 */
import { describe, expect, it } from 'vitest';
import { VoteArena } from '../../src/pack/pool/vote-arena.js';
import { Rng } from '../../src/random.js';

/** A bit buffer holding `word` (bits, MSB-first) at bit position pos. */
function bitsAt(word: number[], pos: number, bytes = 40): Uint8Array {
  const out = new Uint8Array(bytes);
  word.forEach((bit, i) => {
    if (bit) out[(pos + i) >> 3] |= 0x80 >> ((pos + i) & 7);
  });
  return out;
}

function readBack(arena: VoteArena, r: number, bits: number, pos: number): number[] {
  const dst = new Uint8Array(40);
  arena.writeWord(r, dst, pos);
  const out: number[] = [];
  for (let i = 0; i < bits; i++) out.push((dst[(pos + i) >> 3] >> (7 - ((pos + i) & 7))) & 1);
  // Nothing outside the word is touched.
  let outside = 0;
  for (let i = 0; i < 320; i++) if (i < pos || i >= pos + bits) outside |= (dst[i >> 3] >> (7 - (i & 7))) & 1;
  if (outside) throw new Error(`writeWord(${r}) set bits outside the word`);
  return out;
}

describe('VoteArena', () => {
  it('reads and writes words of any length at any bit position', () => {
    const rng = new Rng(1);
    for (const bits of [1, 7, 8, 9, 17, 94, 143]) {
      for (const pos of [0, 1, 3, 8, 13]) {
        const arena = new VoteArena(bits);
        const word = Array.from({ length: bits }, () => rng.below(2));
        arena.vote(5, 0, bitsAt(word, pos), pos);
        const [[r]] = arena.candidates(5, 1);
        expect(readBack(arena, r, bits, (pos * 3) % 11)).toEqual(word);
      }
    }
  });

  it('counts votes per candidate and ranks them, ties in arrival order', () => {
    const arena = new VoteArena(12);
    const w = (v: number): Uint8Array =>
      bitsAt(
        Array.from({ length: 12 }, (_, i) => (v >> (11 - i)) & 1),
        4,
      );
    arena.vote(7, 1, w(100), 4);
    arena.vote(7, 1, w(200), 4);
    arena.vote(7, 1, w(300), 4);
    arena.vote(7, 1, w(300), 4);
    arena.vote(7, 0, w(100), 4);
    arena.vote(9, 1, w(100), 4);
    const c = arena.candidates(7, 2);
    const value = (r: number): number => parseInt(readBack(arena, r, 12, 0).join(''), 2);
    expect(c[0].map(value)).toEqual([100]);
    expect(c[1].map(value)).toEqual([300, 100, 200]);
    expect(arena.strands).toBe(2);
    expect(arena.candidates(8, 2)).toEqual([[], []]);
  });

  it('export → merge gives the same candidates and counts; done strands are skipped', () => {
    const rng = new Rng(2);
    const a = new VoteArena(20);
    for (let i = 0; i < 3000; i++) {
      const word = Array.from({ length: 20 }, (_, j) => (j < 17 ? 0 : rng.below(2)));
      a.vote(rng.below(300), rng.below(3), bitsAt(word, 3), 3);
    }
    const done = new Set([0, 5, 17]);
    const b = new VoteArena(20, (k) => done.has(k));
    b.merge(a.export());
    b.merge(a.export());
    for (let key = 0; key < 300; key++) {
      const ca = a.candidates(key, 3);
      const cb = b.candidates(key, 3);
      if (done.has(key)) {
        expect(cb).toEqual([[], [], []]);
        continue;
      }
      const words = (arena: VoteArena, list: number[]): string[] => list.map((r) => readBack(arena, r, 20, 0).join(''));
      for (let c = 0; c < 3; c++) expect(words(b, cb[c])).toEqual(words(a, ca[c]));
    }
  });

  it('drops dead strands when full and keeps every live vote (against a plain map)', () => {
    const rng = new Rng(3);
    const done = new Set<number>();
    const arena = new VoteArena(16, (k) => done.has(k), 16);
    const reference = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const key = rng.below(5000) * 2 ** 24 + rng.below(3); // header-style keys above 2^32
      if (done.has(key)) continue;
      const v = rng.below(4);
      arena.vote(key, 0, Uint8Array.of(0, v, 0), 8);
      reference.set(`${key}/${v}`, (reference.get(`${key}/${v}`) ?? 0) + 1);
      if (rng.below(4) === 0) done.add(key);
    }
    arena.compact();
    const live = [...reference].filter(([k]) => !done.has(Number(k.split('/')[0])));
    expect(arena.records).toBe(live.length);
    for (const [k, n] of live) {
      const [key, v] = k.split('/').map(Number);
      const cands = arena.candidates(key, 1)[0];
      const found = cands.find((r) => parseInt(readBack(arena, r, 16, 0).join(''), 2) === v << 8);
      expect(found).toBeDefined();
      const exported = arena.export();
      const i = [...exported.keys].findIndex((kk, j) => kk === key && exported.words[2 * j] === v);
      expect(exported.counts[i]).toBe(n);
      break; // one full check through export is enough; candidates covered the rest
    }
    for (const [k] of live) {
      const [key, v] = k.split('/').map(Number);
      expect(arena.candidates(key, 1)[0].some((r) => parseInt(readBack(arena, r, 16, 0).join(''), 2) === v << 8)).toBe(true);
    }
  });
});
