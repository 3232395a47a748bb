/**
 * The residue table caches: in memory per (m, ℓ, margin, class), on disk (a few bytes of JSON)
 * when the modulus search was slow. A cache entry is re-validated when loaded, so a stale,
 * foreign or corrupt file is rebuilt, never trusted.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { clearResidueTables, residueTable } from '../../src/ecc/index.js';

const temps: string[] = [];
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});
async function freshDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'dnarchive-ecc-cache-'));
  temps.push(d);
  return d;
}

beforeEach(() => clearResidueTables());

describe('residue table caches', () => {
  it('memory: the same parameters give the same table object; others do not', () => {
    const a = residueTable(20, 2, { cacheDir: false });
    expect(residueTable(20, 2, { cacheDir: false })).toBe(a);
    expect(residueTable(20, 2, { cacheDir: false, margin: 2 })).not.toBe(a);
    expect(residueTable(20, 2, { cacheDir: false, residueClass: 'zero' })).not.toBe(a);
    clearResidueTables();
    expect(residueTable(20, 2, { cacheDir: false })).not.toBe(a);
  });

  it('disk: a slow search is written, then loaded instead of searched', async () => {
    const dir = await freshDir();
    const built = residueTable(30, 3, { cacheDir: dir, cacheAfterMs: 0 });
    expect(built.modulusFromCache).toBe(false);
    const files = await readdir(dir);
    expect(files).toEqual(['ecc-modulus-v1-m30-l3-mg1-odd.json']);
    const entry = JSON.parse(await readFile(join(dir, files[0]), 'utf8'));
    expect(entry).toMatchObject({ version: 1, m: 30, ell: 3, margin: 1, odd: true, R: built.R, minimalR: built.minimalR });
    clearResidueTables();
    const loaded = residueTable(30, 3, { cacheDir: dir });
    expect(loaded.modulusFromCache).toBe(true);
    expect(loaded.R).toBe(built.R);
    expect(loaded.offset).toBe(built.offset);
  });

  it('disk: a fast search writes nothing (default threshold 1 s)', async () => {
    const dir = await freshDir();
    residueTable(8, 2, { cacheDir: dir });
    expect(await readdir(dir)).toEqual([]);
  });

  it('disk: a corrupt, foreign or wrong entry is rebuilt, not trusted', async () => {
    const dir = await freshDir();
    const good = residueTable(30, 3, { cacheDir: dir, cacheAfterMs: 0 });
    const file = join(dir, 'ecc-modulus-v1-m30-l3-mg1-odd.json');
    const entry = JSON.parse(await readFile(file, 'utf8'));
    const variants = [
      '{ not json',
      JSON.stringify({ ...entry, version: 2 }),
      JSON.stringify({ ...entry, m: 31 }),
      JSON.stringify({ ...entry, R: 3, minimalR: 3 }), // does not separate E
    ];
    for (const text of variants) {
      await writeFile(file, text);
      clearResidueTables();
      const t = residueTable(30, 3, { cacheDir: dir, cacheAfterMs: 1e9 });
      expect(t.modulusFromCache, text).toBe(false);
      expect(t.R).toBe(good.R);
    }
  });

  it('an unwritable cache directory does not stop table building', async () => {
    const dir = await freshDir();
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a directory');
    const t = residueTable(12, 1, { cacheDir: join(file, 'cache'), cacheAfterMs: 0 });
    expect(t.R).toBeGreaterThan(0);
    expect(await readdir(dir)).toEqual(['a-file']);
  });
});
