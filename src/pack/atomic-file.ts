/**
 * Output files appear whole or not at all: data goes to a temporary file beside the target,
 * which is renamed over it only after everything was written and flushed.
 */
import { existsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OutputExistsError } from './errors.js';

export async function writeFileAtomic(path: string, data: Uint8Array | string, force = false): Promise<void> {
  if (!force && existsSync(path)) throw new OutputExistsError(path);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fh;
  try {
    fh = await open(tmp, 'wx');
    await fh.writeFile(data);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
  } catch (err) {
    await fh?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
}
