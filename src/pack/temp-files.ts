/**
 * Temporary output files that no interrupted run leaves behind. Each is named for the host and
 * process that made it (`.NAME.<host>-<pid>.<hex>.tmp`, beside its target) and kept in a set of
 * live files while it is open:
 * - an error removes it where it happens (AtomicWriter.abort, writeFileAtomic);
 * - SIGINT, SIGTERM and SIGHUP: the bin calls removeLiveTemps() before it exits;
 * - kill -9 runs no code, and Node cannot create an unnamed file to link into place at the end
 *   (O_TMPFILE + linkat): the next run that writes into the same folder removes the temporary
 *   files of this host's processes that no longer exist (sweepStaleTemps).
 */
import { readdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';

const live = new Set<string>();
const swept = new Set<string>();

/** The host part of a name: letters, digits, '-' only, so that names parse back unambiguously. */
const HOST =
  hostname()
    .replace(/[^A-Za-z0-9-]/g, '-')
    .slice(0, 40) || 'host';
const OURS = new RegExp(`^\\..+\\.${HOST}-(\\d+)\\.[0-9a-f]{12}\\.tmp$`);

/** A fresh temporary name beside `path`, registered as live until released. */
export function createTempPath(path: string): string {
  sweepStaleTemps(dirname(path));
  const tmp = join(dirname(path), `.${basename(path)}.${HOST}-${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  live.add(tmp);
  return tmp;
}

/** The temporary file was renamed into place or removed: no longer ours to clean up. */
export function releaseTemp(tmp: string): void {
  live.delete(tmp);
}

/** Removes every live temporary file now (synchronous: called from signal handlers just before exit). */
export function removeLiveTemps(): void {
  for (const tmp of live) rmSync(tmp, { force: true });
  live.clear();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * Removes, once per folder and process, the temporary files that this host's processes left in
 * `dir` and that no running process owns (they were killed before they could clean up). Returns
 * how many were removed. Files of other hosts (a shared folder) are left alone.
 */
export function sweepStaleTemps(dir: string): number {
  if (swept.has(dir)) return 0;
  swept.add(dir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0; // the caller's own open reports a missing or unreadable folder
  }
  let removed = 0;
  for (const name of names) {
    const m = OURS.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    rmSync(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}
