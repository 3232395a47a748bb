/** Locates the package's own vectors/ folder, from dist/src/vectors/ (built) or src/vectors/ (vitest). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VectorsError } from './errors.js';

const PACKAGE_NAME = 'dnarchive';
let cached: string | undefined;

/** The vectors/ folder next to the nearest package.json named "dnarchive" above this module. */
export function defaultVectorsDir(): string {
  if (cached) return cached;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let d = start; ; d = dirname(d)) {
    if (isPackageRoot(d)) return (cached = join(d, 'vectors'));
    if (dirname(d) === d) break;
  }
  throw new VectorsError(`cannot find the ${PACKAGE_NAME} package root (a package.json named "${PACKAGE_NAME}") above ${start}`);
}

function isPackageRoot(d: string): boolean {
  const file = join(d, 'package.json');
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME;
  } catch {
    return false;
  }
}
