// Build step: copy the WGSL kernels next to their compiled dispatchers (dist/kernels/), where
// kernels/_wgsl.ts looks for them first. Plain .mjs so that it runs before and without tsc output.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(root, 'kernels');
const to = join(root, 'dist', 'kernels');
mkdirSync(to, { recursive: true });
const files = readdirSync(from).filter((f) => f.endsWith('.wgsl'));
for (const f of files) copyFileSync(join(from, f), join(to, f));
console.log(`copy-wgsl: ${files.length} WGSL files to dist/kernels`);
