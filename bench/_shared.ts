/**
 * The project's shared data folder (../shared beside the checkout), found from either the compiled
 * bench (dist/bench/*.js, three levels below it) or the sources run directly (bench/*.ts, two).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SHARED: URL = (() => {
  const candidates = [new URL('../../../shared/', import.meta.url), new URL('../../shared/', import.meta.url)];
  return candidates.find((u) => existsSync(fileURLToPath(u))) ?? candidates[0];
})();
