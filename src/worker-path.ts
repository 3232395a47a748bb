/**
 * Where a piscina worker's compiled module is: beside the calling module in dist/, or — when the
 * caller runs from source (tsx, vitest) — at the same place under dist/, which `npm run build`
 * fills. Workers must be JavaScript: a worker thread does not inherit the caller's TS loader.
 */
import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export function workerPath(moduleUrl: string, file: string, what: string): string {
  const here = fileURLToPath(new URL(file, moduleUrl));
  if (existsSync(here)) return here;
  const marker = `${sep}src${sep}`;
  const at = here.lastIndexOf(marker);
  const compiled = at < 0 ? here : `${here.slice(0, at)}${sep}dist${here.slice(at)}`;
  if (existsSync(compiled)) return compiled;
  throw new Error(`${what} worker not found at ${here} or ${compiled}: run npm run build`);
}
