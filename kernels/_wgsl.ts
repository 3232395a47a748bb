/**
 * WGSL sources live beside their dispatchers as kernels/<name>.wgsl. The build copies them next to
 * the compiled JS (scripts/copy-wgsl.mjs); when run from the source tree, or when the copy is
 * missing, they are read from the package root's kernels/ folder. WGSL has no includes: a line
 * `// #include NAME` is replaced by NAME.wgsl (the quantizer's grid rules are written once, in
 * _grid.wgsl, for every kernel that chooses grids).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GpuKernelError } from './errors.js';

const sources = new Map<string, string>();

export function wgslSource(name: string): string {
  const cached = sources.get(name);
  if (cached !== undefined) return cached;
  const candidates = [new URL(`./${name}.wgsl`, import.meta.url), new URL(`../../kernels/${name}.wgsl`, import.meta.url)];
  for (const url of candidates) {
    try {
      const code = readFileSync(fileURLToPath(url), 'utf8');
      const full = code.replace(/^\/\/ #include (\S+)$/gm, (_, inc: string) => wgslSource(inc));
      sources.set(name, full);
      return full;
    } catch (err) {
      if (err instanceof GpuKernelError) throw err; // a missing include
      // try the next place
    }
  }
  throw new GpuKernelError(name, `WGSL source ${name}.wgsl not found beside ${fileURLToPath(candidates[0])} nor in the package's kernels/ folder`);
}
