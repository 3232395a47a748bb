/** Temporary outputs: named for host and process, removed on error, swept after a killed run. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AtomicWriter } from '../../src/pack/atomic-file.js';
import { createTempPath, releaseTemp, removeLiveTemps, sweepStaleTemps } from '../../src/pack/temp-files.js';

const HOST =
  hostname()
    .replace(/[^A-Za-z0-9-]/g, '-')
    .slice(0, 40) || 'host';
/** The pid of a process that has ended. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('temporary output files', () => {
  it('are named for this host and process, beside the target', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnarchive-temp-'));
    const tmp = createTempPath(join(dir, 'out.fasta'));
    releaseTemp(tmp);
    expect(tmp.startsWith(join(dir, `.out.fasta.${HOST}-${process.pid}.`))).toBe(true);
    expect(tmp).toMatch(/\.[0-9a-f]{12}\.tmp$/);
  });

  it('removeLiveTemps removes the files of writers not yet committed, and only those', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnarchive-temp-'));
    const open = new AtomicWriter(join(dir, 'a.fasta'));
    open.write('>x\nACGT\n');
    const done = new AtomicWriter(join(dir, 'b.fasta'));
    done.write('>y\nACGT\n');
    done.commit();
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toHaveLength(1);
    removeLiveTemps();
    expect(readdirSync(dir).sort()).toEqual(['b.fasta']);
  });

  it('a later run sweeps what a killed process of this host left, not live files or other hosts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnarchive-temp-'));
    const stale = `.out.fasta.${HOST}-${deadPid()}.0123456789ab.tmp`;
    const mine = `.out.fasta.${HOST}-${process.pid}.0123456789ab.tmp`;
    const otherHost = `.out.fasta.elsewhere-${deadPid()}.0123456789ab.tmp`;
    const unrelated = '.out.fasta.tmp';
    for (const n of [stale, mine, otherHost, unrelated]) writeFileSync(join(dir, n), 'x');
    expect(sweepStaleTemps(dir)).toBe(1);
    expect(existsSync(join(dir, stale))).toBe(false);
    for (const n of [mine, otherHost, unrelated]) expect(existsSync(join(dir, n))).toBe(true);
    expect(sweepStaleTemps(dir)).toBe(0); // once per folder and process
  });
});
