/**
 * The fixtures shipped in test/fixtures (see its NOTICE.md), found from either the compiled bench
 * (dist/bench/*.js, three levels below the repository root) or the sources run directly (bench/*.ts, two).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT: URL = (() => {
  const candidates = [new URL('../../', import.meta.url), new URL('../', import.meta.url)];
  return candidates.find((u) => existsSync(fileURLToPath(new URL('test/fixtures/', u)))) ?? candidates[0];
})();

const at = (name: string): string => fileURLToPath(new URL(`test/fixtures/${name}`, ROOT));

export const MODEL = at('stories260K.bin');
export const TOKENIZER = at('tok512.bin');
export const TEXT = at('tinystories-valid-sample.txt');
