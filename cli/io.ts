/** Reading inputs and writing outputs for the CLI: '-' is stdin/stdout, files are written atomically. */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../src/pack/atomic-file.js';
import { DnarchiveError } from '../src/errors.js';

export class InputError extends DnarchiveError {
  constructor(path: string, detail: string) {
    super('INPUT', `${path}: ${detail}`);
  }
}

export async function readInput(path: string): Promise<Uint8Array> {
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return new Uint8Array(Buffer.concat(chunks));
  }
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new InputError(path, 'no such file');
    if (e.code === 'EISDIR') throw new InputError(path, 'is a directory, not a file');
    if (e.code === 'EACCES') throw new InputError(path, 'permission denied');
    throw new InputError(path, e.message);
  }
}

export async function writeOutput(path: string, data: Uint8Array | string, force: boolean): Promise<void> {
  if (path === '-') {
    await new Promise<void>((resolve, reject) => process.stdout.write(data, (e) => (e ? reject(e) : resolve())));
    return;
  }
  await writeFileAtomic(path, data, force);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}
